package content

// ReadSurvey reads and validates one survey file, data named name, against
// the territories ts, exactly as Load checks the files of surveys/: what a
// converted XLSForm would be once installed. It returns the survey when
// there are no errors, and every diagnostic, sorted by line.
func ReadSurvey(data []byte, name string, ts []*Territory, langs []string) (*Survey, Diagnostics) {
	l := newLoader(langs)
	l.startFile(name)
	known, ids := knownTerritories(ts)
	var s *Survey
	if root := l.parse(data, surveyDoc); root != nil {
		s = l.survey(root, known, ids)
	}
	l.endFile()
	l.diags.Sort()
	if l.diags.Errors() > 0 || s == nil || s.ID == "" {
		return nil, l.diags
	}
	return s, l.diags
}
