package dashboard

import (
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/content/xlsform"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// maxUpload is the largest XLSForm the dashboard takes, and formMemory what
// a posted form may hold besides it.
const (
	maxUpload  = 5 << 20
	formMemory = 64 << 10
)

// surveyStatus is a survey's state at now and the date that goes with it,
// as the surveys and results pages say it: upcoming (opens on), open (until),
// closed (on its last day).
func surveyStatus(p page, s *content.Survey, now time.Time) string {
	date := func(d content.Date) string {
		return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format("02/01/2006")
	}
	switch {
	case s.Closed(now):
		return p.TD("WebSurveyClosed", "Date", date(s.Closes))
	case s.OpenAt(now):
		return p.TD("WebSurveyOpen", "Date", date(s.Closes))
	}
	return p.TD("WebSurveyUpcoming", "Date", date(s.Opens))
}

// importOptions are the upload form's fields: what `passerelle survey
// import` takes as options (zero values: its defaults).
type importOptions struct {
	ID, Language, Territory string
	Opens, Closes           time.Time
	Skip                    bool
	Blocks                  []string // of a KoboToolbox question library
}

// importXLSForm converts an XLSForm with the importer of `passerelle survey
// import`. It is the dashboard's one call into the importer.
func (d *Dashboard) importXLSForm(data []byte, name string, o importOptions) ([]byte, content.Diagnostics) {
	return xlsform.Import(data, name, xlsform.Options{
		ID: o.ID, DefaultLanguage: o.Language, Opens: o.Opens, Closes: o.Closes,
		Territories: []string{o.Territory}, SkipUnsupported: o.Skip, Texts: d.cfg.Messages, Blocks: o.Blocks,
	})
}

// xlsformPage shows the upload form.
func (d *Dashboard) xlsformPage(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "xlsform")
	if !ok {
		return
	}
	d.render(w, r, http.StatusOK, "xlsform.html", d.page(r, tr.ID, v, map[string]any{"Name": tr.Name(v.sess.Lang), "Max": maxUpload >> 20, "Langs": locales.Languages}))
}

// limitUpload reads a posted form of at most maxUpload plus formMemory
// bytes before next checks the session and its CSRF token, and says so in
// the browser's language when the file is larger.
func (d *Dashboard) limitUpload(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload+formMemory)
		if err := r.ParseMultipartForm(maxUpload + formMemory); err != nil {
			if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
				d.render(w, r, http.StatusRequestEntityTooLarge, "message.html", d.page(r, "", nil, map[string]any{"Message": "WebImportTooLarge"}))
				return
			}
			http.Error(w, "malformed form", http.StatusBadRequest)
			return
		}
		next(w, r)
	}
}

// previewLang is the survey as the bot would show it in one language.
type previewLang struct {
	Code, Name, Dir string
	Replies         []flows.Reply
}

// xlsformImport converts an uploaded XLSForm and shows the importer's
// messages, row by row, and the survey as the bot would ask it in French
// and each language the form has. Surveys are content files: the page
// offers the file and the steps to install it, and saves nothing.
func (d *Dashboard) xlsformImport(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "xlsform")
	if !ok {
		return
	}
	p := d.page(r, tr.ID, v, map[string]any{"Name": tr.Name(v.sess.Lang), "Max": maxUpload >> 20, "Langs": locales.Languages})
	file, head, err := r.FormFile("form")
	if err != nil {
		p.Data["Problem"] = p.T("WebImportNoFile")
		d.render(w, r, http.StatusBadRequest, "xlsform.html", p)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if len(data) > maxUpload {
		p.Data["Problem"] = p.T("WebImportTooLarge")
		d.render(w, r, http.StatusRequestEntityTooLarge, "xlsform.html", p)
		return
	}
	now := d.cfg.Clock.Now()
	opt := importOptions{ID: strings.TrimSpace(r.PostFormValue("id")), Territory: tr.ID, Opens: now, Skip: r.PostFormValue("skip") != ""}
	if l, ok := locales.Lookup(r.PostFormValue("lang")); ok {
		opt.Language = l.Code
	}
	for _, b := range strings.Split(r.PostFormValue("blocks"), "\n") {
		if b = strings.TrimSpace(b); b != "" {
			opt.Blocks = append(opt.Blocks, b)
		}
	}
	for _, f := range []struct {
		field string
		dst   *time.Time
	}{{"opens", &opt.Opens}, {"closes", &opt.Closes}} {
		if s := strings.TrimSpace(r.PostFormValue(f.field)); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, now.Location())
			if err != nil {
				p.Data["Problem"] = p.TD("WebImportBadDate", "Date", s)
				d.render(w, r, http.StatusBadRequest, "xlsform.html", p)
				return
			}
			*f.dst = t
		}
	}
	name := path.Base(strings.ReplaceAll(head.Filename, `\`, "/"))
	out, diags := d.importXLSForm(data, name, opt)
	p.Data["File"], p.Data["Diagnostics"] = name, diags
	var survey *content.Survey
	if out != nil {
		var more content.Diagnostics
		survey, more = content.ReadSurvey(out, name, d.cfg.Engine.Content().Territories(), locales.Codes())
		for _, dg := range more {
			if dg.Severity == content.Error {
				diags = append(diags, dg)
			}
		}
		p.Data["Diagnostics"] = diags
	}
	count := 0
	if survey != nil {
		count = len(survey.Questions)
		p.Data["Survey"], p.Data["YAML"], p.Data["Title"] = survey, string(out), survey.Title(v.sess.Lang)
		p.Data["FileName"] = survey.ID + ".yaml"
		p.Data["Languages"] = d.previews(survey, now)
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:xlsform", Count: count})
	d.render(w, r, http.StatusOK, "xlsform.html", p)
}

// previews shows s in French and in each other language it has a title
// or a question in.
func (d *Dashboard) previews(s *content.Survey, now time.Time) []previewLang {
	var out []previewLang
	for _, l := range locales.Languages {
		has := l.Code == locales.Source || s.Titles[l.Code] != ""
		for _, q := range s.Questions {
			has = has || q.Texts[l.Code] != ""
		}
		if !has {
			continue
		}
		dir := "ltr"
		if l.RTL {
			dir = "rtl"
		}
		out = append(out, previewLang{Code: l.Code, Name: l.Name, Dir: dir, Replies: d.cfg.Engine.SurveyPreview(s, l.Code, now)})
	}
	return out
}

// xlsformYAML downloads a converted survey file posted back by the preview
// page, once the loader accepts it again.
func (d *Dashboard) xlsformYAML(w http.ResponseWriter, r *http.Request, v *visit) {
	tr, ok := d.territory(w, r, v, "xlsform")
	if !ok {
		return
	}
	data := []byte(r.PostFormValue("yaml"))
	s, _ := content.ReadSurvey(data, "survey.yaml", d.cfg.Engine.Content().Territories(), locales.Codes())
	if s == nil || len(data) > maxUpload {
		http.Error(w, "not a valid survey file", http.StatusBadRequest)
		return
	}
	d.audit(r.Context(), flows.AuditEntry{Actor: v.sess.ChatID, Role: v.role.Kind, Territory: tr.ID, Action: "web:xlsform:download", Count: len(s.Questions)})
	download(w, "application/yaml; charset=utf-8", s.ID+".yaml", data)
}
