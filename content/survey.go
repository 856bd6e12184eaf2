package content

import (
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Surveys: one file per participation survey under surveys/, described in
// docs/surveys.md.

const (
	surveysDir    = "surveys"
	maxLabelRunes = 60 // longer choice labels are cut on buttons
)

// Limits of a survey file.
const (
	MinSurveyID, MaxSurveyID = 2, 40 // characters of a survey id
	MaxQuestions             = 60    // questions and notes of a survey
	MaxChoices               = 100   // choices of a question; the chat shows long lists as pages of buttons
	MaxNameLen               = 40    // question and choice names (XLSForm "name")
	AllTerritories           = "all" // territories: every one
)

// MaxTextAnswer is the longest free-text answer taken, in characters.
const MaxTextAnswer = 500

// QuestionType says how a question is answered.
type QuestionType string

// The question types.
const (
	Single   QuestionType = "single"   // one choice among several
	Multiple QuestionType = "multiple" // several choices, between Min and Max
	Scale    QuestionType = "scale"    // 1 to 5, shown with faces
	YesNo    QuestionType = "yesno"    // yes or no
	Number   QuestionType = "number"   // a whole number (or a decimal one with decimal: true) between Min and Max
	Text     QuestionType = "text"     // a short free text
	DateType QuestionType = "date"     // a calendar date
	TimeType QuestionType = "time"     // a time of day, HH:MM
	Location QuestionType = "location" // a place: a shared location, kept coarsened, or a typed place name
	NoteType QuestionType = "note"     // no question: a text shown on its own, with a button to go on; no answer
)

var (
	questionTypes = []string{string(Single), string(Multiple), string(Scale), string(YesNo), string(Number), string(Text), string(DateType), string(TimeType), string(Location), string(NoteType)}
	surveyKeys    = []string{"id", "language", "title", "intro", "territories", "opens", "closes", "thanks", "questions"}
	questionKeys  = []string{"id", "type", "note", "text", "hint", "required", "choices", "min", "max", "decimal", "show_if"}
	choiceKeys    = []string{"id", "label"}
	conditionKeys = []string{"question", "is", "not", "min", "max"}
)

// The answers of a yes/no question.
const (
	AnswerYes = "yes"
	AnswerNo  = "no"
)

var surveyDoc = docKind{"survey", "a survey (id, title, opens, closes, questions)"}

// Choice is one answer of a single or multiple choice question.
type Choice struct {
	ID     string            // as exported; unique in its question
	Labels map[string]string // language → label; the survey's language always set
	source string            // the survey's language
}

// Label returns the choice's label in lang, or in the survey's language.
func (c *Choice) Label(lang string) string { s, _ := pickTextIn(c.Labels, lang, c.source); return s }

// Condition is one test of a question's show_if: the question is asked only
// when every condition holds. A condition on a question that was not answered
// is false, except Not, which then holds.
type Condition struct {
	Question string   // an earlier question
	Is       []string // the answer is one of these (multiple: one of them is ticked)
	Not      []string // the answer is none of these
	Min, Max *float64 // number and scale: the answer is at least Min, at most Max
}

// Question is one question of a survey.
type Question struct {
	ID       string
	Type     QuestionType
	Texts    map[string]string // language → question; the survey's language always set
	Notes    map[string]string // language → a note shown above the question; may be empty
	Hints    map[string]string // language → a hint shown under the question; may be empty
	Required bool              // false: a "skip" button is offered
	Choices  []Choice          // single and multiple
	Min, Max *float64          // multiple: how many choices; number: bounds
	Decimal  bool              // number: decimals allowed
	ShowIf   []Condition
	Line     int
	source   string // the survey's language
}

// Text returns the question in lang, or in the survey's language with translated false.
func (q *Question) Text(lang string) (text string, translated bool) {
	return pickTextIn(q.Texts, lang, q.source)
}

// Note returns the note shown above the question in lang, or in the survey's language ("" when none).
func (q *Question) Note(lang string) string { s, _ := pickTextIn(q.Notes, lang, q.source); return s }

// HintText returns the hint shown under the question in lang, or in the survey's language ("" when none).
func (q *Question) HintText(lang string) string {
	s, _ := pickTextIn(q.Hints, lang, q.source)
	return s
}

// Choice returns the choice with this id.
func (q *Question) Choice(id string) (*Choice, bool) {
	for i := range q.Choices {
		if q.Choices[i].ID == id {
			return &q.Choices[i], true
		}
	}
	return nil, false
}

// Options are the answers a button question offers, in order: the choices,
// "1".."5" for a scale, "yes" and "no"; nil for typed answers.
func (q *Question) Options() []string {
	ids := make([]string, len(q.Choices))
	for i, c := range q.Choices {
		ids[i] = c.ID
	}
	return AnswerOptions(q.Type, ids)
}

// Asks reports whether q is a question (it has an answer), not a note.
func (q *Question) Asks() bool { return q.Type != NoteType }

// AnswerOptions are the answers of a question of type typ whose choices
// have these ids.
func AnswerOptions(typ QuestionType, choices []string) []string {
	switch typ {
	case Single, Multiple:
		return choices
	case Scale:
		return []string{"1", "2", "3", "4", "5"}
	case YesNo:
		return []string{AnswerYes, AnswerNo}
	}
	return nil
}

// Survey is a participation survey.
type Survey struct {
	ID          string
	Language    string            // the language the survey is written in, its texts' fallback; "fr" unless the file says
	Titles      map[string]string // Language always set
	Intros      map[string]string // may be empty
	Thanks      map[string]string // may be empty: a standard thank-you is shown
	Territories []string          // nil: every territory
	Opens       Date              // first day, in the configured time zone
	Closes      Date              // last day, included
	Questions   []*Question
	File        string
	Line        int
}

// Title returns the survey's title in lang, or in the survey's language.
func (s *Survey) Title(lang string) string { t, _ := pickTextIn(s.Titles, lang, s.Language); return t }

// Intro returns the survey's introduction in lang, or in the survey's
// language with translated false ("" when none).
func (s *Survey) Intro(lang string) (text string, translated bool) {
	return pickTextIn(s.Intros, lang, s.Language)
}

// ThanksText returns the survey's thank-you text in lang, or in the survey's language ("" when none).
func (s *Survey) ThanksText(lang string) string {
	t, _ := pickTextIn(s.Thanks, lang, s.Language)
	return t
}

// Question returns the question with this id and its index.
func (s *Survey) Question(id string) (*Question, int) {
	for i, q := range s.Questions {
		if q.ID == id {
			return q, i
		}
	}
	return nil, -1
}

// For reports whether people of the territory are asked.
func (s *Survey) For(territory string) bool {
	return s.Territories == nil || slices.Contains(s.Territories, territory)
}

// OpenAt reports whether the survey takes answers at t (its dates are days
// in t's location).
func (s *Survey) OpenAt(t time.Time) bool {
	d := dateOf(t)
	return s.Opens.Compare(d) <= 0 && d.Compare(s.Closes) <= 0
}

// Closed reports whether the survey's last day is over at t.
func (s *Survey) Closed(t time.Time) bool { return s.Closes.Compare(dateOf(t)) < 0 }

// OpensAt is the first instant of the survey in loc.
func (s *Survey) OpensAt(loc *time.Location) time.Time {
	return time.Date(s.Opens.Year, s.Opens.Month, s.Opens.Day, 0, 0, 0, 0, loc)
}

// ClosesAt is the instant the survey stops taking answers in loc.
func (s *Survey) ClosesAt(loc *time.Location) time.Time {
	return time.Date(s.Closes.Year, s.Closes.Month, s.Closes.Day+1, 0, 0, 0, 0, loc)
}

// Shown reports whether question q is asked given the answers so far
// (question id → answer; a multiple answer is its choice ids joined by spaces).
func (q *Question) Shown(answers map[string]string) bool {
	for _, c := range q.ShowIf {
		if !c.holds(answers) {
			return false
		}
	}
	return true
}

func (c Condition) holds(answers map[string]string) bool {
	a, answered := answers[c.Question]
	if !answered || a == "" {
		return c.Is == nil && c.Min == nil && c.Max == nil
	}
	given := strings.Fields(a)
	anyOf := func(list []string) bool {
		return slices.ContainsFunc(given, func(g string) bool { return slices.Contains(list, g) })
	}
	if c.Is != nil && !anyOf(c.Is) || c.Not != nil && anyOf(c.Not) {
		return false
	}
	if c.Min != nil || c.Max != nil {
		n, err := strconv.ParseFloat(a, 64)
		if err != nil || c.Min != nil && n < *c.Min || c.Max != nil && n > *c.Max {
			return false
		}
	}
	return true
}

// Surveys returns every survey, by opening day then id.
func (c *Content) Surveys() []*Survey {
	if c == nil {
		return nil
	}
	return slices.Clone(c.surveys)
}

// Survey returns the survey with this id.
func (c *Content) Survey(id string) (*Survey, bool) {
	if c == nil {
		return nil, false
	}
	for _, s := range c.surveys {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// surveys reads and validates every survey file. A missing surveys/
// directory is not a problem.
func (l *loader) surveys(fsys fs.FS, ts []*Territory) []*Survey {
	known, ids := knownTerritories(ts)
	var out []*Survey
	seen := map[string]place{}
	l.eachFile(fsys, surveysDir, "survey", surveyDoc, func(root *yaml.Node) {
		if s := l.survey(root, known, ids); s != nil && s.ID != "" && l.firstDeclared(seen, "survey", s.ID, s.Line) {
			out = append(out, s)
		}
	})
	slices.SortStableFunc(out, func(a, b *Survey) int {
		if c := a.Opens.Compare(b.Opens); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// survey validates one survey file.
func (l *loader) survey(root *yaml.Node, known map[string]bool, ids []string) *Survey {
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "expected a survey (id, title, opens, closes, questions as key: value lines), found %s", describe(root))
		return nil
	}
	s := &Survey{File: l.file, Line: root.Line, Language: sourceLang}
	fields := l.fields(root, "", surveyKeys)
	if id, line := l.id(fields, root.Line, `missing required key "id"`, "survey", MinSurveyID, MaxSurveyID); line > 0 {
		s.ID, s.Line = id, line
	}
	if v, ok := fields["language"]; ok {
		if lang, ok := l.text("language", v); ok {
			if l.langSet[lang] {
				s.Language = lang
			} else {
				l.errorf(v.Line, "language: unknown language %s%s; supported: %s", quote(lang), l.suggestLang(lang), strings.Join(l.langs, ", "))
			}
		}
	}
	if v, ok := fields["title"]; ok {
		s.Titles = l.textsIn(v, "title", s.Language, true)
	} else {
		l.errorf(root.Line, `missing required key "title"`)
	}
	if v, ok := fields["intro"]; ok {
		s.Intros = l.textsIn(v, "intro", s.Language, true)
	}
	if v, ok := fields["thanks"]; ok {
		s.Thanks = l.textsIn(v, "thanks", s.Language, true)
	}
	if v, ok := fields["territories"]; ok {
		s.Territories = l.surveyTerritories(v, known, ids)
	}
	s.Opens = l.requiredDate(fields, root.Line, "opens")
	s.Closes = l.requiredDate(fields, root.Line, "closes")
	if !s.Opens.IsZero() && !s.Closes.IsZero() && s.Closes.Compare(s.Opens) < 0 {
		l.errorf(fields["closes"].Line, "closes: %s is before opens (%s)", s.Closes, s.Opens)
	}
	v, ok := fields["questions"]
	switch {
	case !ok:
		l.errorf(root.Line, `missing required key "questions"`)
		return s
	case v.Kind != yaml.SequenceNode || len(v.Content) == 0:
		l.errorf(v.Line, "questions: expected a list of questions (- id: …, type: …, text: …), found %s", describe(v))
		return s
	case len(v.Content) > MaxQuestions:
		l.errorf(v.Line, "questions: %d questions, the limit is %d: people stop long before", len(v.Content), MaxQuestions)
		return s
	}
	lines := map[string]int{}
	for _, item := range l.mappings(v, "questions: expected a list, found %s", "questions: expected a question (id, type, text), found %s") {
		q := l.question(item, s.Language, s.Questions)
		if q == nil {
			continue
		}
		if first, dup := lines[q.ID]; dup {
			l.errorf(q.Line, "id: duplicate question %s (first at line %d)", quote(q.ID), first)
			continue
		}
		lines[q.ID] = q.Line
		s.Questions = append(s.Questions, q)
	}
	return s
}

func (l *loader) surveyTerritories(v *yaml.Node, known map[string]bool, ids []string) []string {
	if v.Kind == yaml.ScalarNode && strings.TrimSpace(v.Value) == AllTerritories {
		return nil
	}
	var out []string
	for _, n := range l.textList(v, "territories", `territory ids, or "all"`) {
		switch {
		case !known[n.Value]:
			l.errorf(n.Line, "territories: unknown territory %s%s; use %s or %q", quote(n.Value), suggest(n.Value, ids), strings.Join(ids, ", "), AllTerritories)
		case !slices.Contains(out, n.Value):
			out = append(out, n.Value)
		}
	}
	if out == nil {
		out = []string{} // asked nowhere rather than everywhere
	}
	return out
}

func (l *loader) requiredDate(fields map[string]*yaml.Node, line int, key string) Date {
	v, ok := fields[key]
	if !ok {
		l.errorf(line, "missing required key %q (a date, YYYY-MM-DD)", key)
		return Date{}
	}
	d, _ := l.date(v, key)
	return d
}

// ValidSurveyID reports whether id is a valid survey id: MinSurveyID to
// MaxSurveyID characters among a-z, 0-9 and '-'.
func ValidSurveyID(id string) bool { return validID(id, MinSurveyID, MaxSurveyID) }

// ValidName reports whether s is a question or choice name as XLSForm
// allows them: letters, digits, '_', '-' and '.', not starting with a digit
// for questions.
func ValidName(s string, question bool) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
		digit := '0' <= c && c <= '9' || c == '-' || c == '.'
		if !letter && !(digit && (i > 0 || !question)) {
			return false
		}
	}
	return true
}

// question validates one question of a survey written in source; earlier
// are the questions before it.
func (l *loader) question(item *yaml.Node, source string, earlier []*Question) *Question {
	fields := l.fields(item, "question", questionKeys)
	q := &Question{Line: item.Line, source: source}
	v, ok := l.required(fields, item.Line, "question", "id")
	if !ok {
		return nil
	}
	id, ok := l.text("id", v)
	if !ok {
		return nil
	}
	if !ValidName(id, true) {
		l.errorf(v.Line, "id: %s is not a valid question id: use up to %d letters, digits, _, - and ., starting with a letter", quote(id), MaxNameLen)
		return nil
	}
	q.ID, q.Line = id, v.Line
	what := "question " + quote(id)
	if v, ok := fields["type"]; !ok {
		l.errorf(q.Line, `%s: missing required key "type" (%s)`, what, strings.Join(questionTypes, ", "))
	} else if typ, ok := l.text("type", v); ok {
		if slices.Contains(questionTypes, typ) {
			q.Type = QuestionType(typ)
		} else {
			l.errorf(v.Line, "%s: type: unknown type %s%s; use one of %s", what, quote(typ), suggest(typ, questionTypes), strings.Join(questionTypes, ", "))
		}
	}
	if v, ok := l.required(fields, q.Line, what, "text"); ok {
		q.Texts = l.textsIn(v, what+": text", source, true)
	}
	if v, ok := fields["note"]; ok {
		q.Notes = l.textsIn(v, what+": note", source, true)
	}
	if v, ok := fields["hint"]; ok {
		q.Hints = l.textsIn(v, what+": hint", source, true)
	}
	if v, ok := fields["required"]; ok {
		q.Required = l.boolean(v, what+": required")
		if q.Required && q.Type == NoteType {
			l.errorf(v.Line, "%s: a note has no answer: required does not apply", what)
		}
	}
	if v, ok := fields["decimal"]; ok {
		q.Decimal = l.boolean(v, what+": decimal")
		if q.Type != Number {
			l.errorf(v.Line, "%s: decimal only applies to number questions", what)
		}
	}
	q.Min = l.bound(fields, "min", what, q.Type)
	q.Max = l.bound(fields, "max", what, q.Type)
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		l.errorf(fields["max"].Line, "%s: max (%s) is below min (%s)", what, formatFloat(*q.Max), formatFloat(*q.Min))
	}
	v, hasChoices := fields["choices"]
	switch {
	case q.Type == Single || q.Type == Multiple:
		if !hasChoices {
			l.errorf(q.Line, `%s: missing required key "choices" for a %s question`, what, q.Type)
			break
		}
		q.Choices = l.choices(v, what, source)
		if len(q.Choices) < 2 && (q.Type == Single || len(q.Choices) == 0) {
			l.errorf(v.Line, "%s: a %s question needs at least 2 choices", what, q.Type)
		}
		if q.Type == Multiple && q.Max != nil && int(*q.Max) > len(q.Choices) && len(q.Choices) > 0 {
			l.errorf(fields["max"].Line, "%s: max (%s) is more than the %d choices", what, formatFloat(*q.Max), len(q.Choices))
		}
	case hasChoices && q.Type != "":
		l.errorf(v.Line, "%s: choices only apply to single and multiple questions", what)
	}
	if v, ok := fields["show_if"]; ok {
		q.ShowIf = l.conditions(v, what, earlier)
	}
	if q.Type == "" || q.Texts[source] == "" {
		return nil
	}
	return q
}

func (l *loader) boolean(v *yaml.Node, what string) bool {
	s, ok := l.text(what, v)
	if !ok {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "yes":
		return true
	case "false", "no", "":
		return false
	}
	l.errorf(v.Line, "%s: expected true or false, found %s", what, quote(s))
	return false
}

// bound reads min or max: a count of choices for multiple questions, a bound
// for number questions.
func (l *loader) bound(fields map[string]*yaml.Node, key, what string, typ QuestionType) *float64 {
	v, ok := fields[key]
	if !ok {
		return nil
	}
	if typ != Multiple && typ != Number {
		l.errorf(v.Line, "%s: %s only applies to multiple and number questions", what, key)
		return nil
	}
	n, ok := l.number(v, what+": "+key)
	if !ok {
		return nil
	}
	if typ == Multiple && (n < 0 || n != math.Trunc(n)) {
		l.errorf(v.Line, "%s: %s: expected a whole number of choices, found %s", what, key, formatFloat(n))
		return nil
	}
	return &n
}

func (l *loader) number(v *yaml.Node, what string) (float64, bool) {
	s, ok := l.text(what, v)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		l.errorf(v.Line, "%s: expected a number, found %s", what, quote(s))
		return 0, false
	}
	return n, true
}

func (l *loader) choices(v *yaml.Node, what, source string) []Choice {
	items := l.mappings(v, what+": choices: expected a list of choices (- id: …, label: …), found %s", what+": choices: expected a choice (id, label), found %s")
	if len(items) > MaxChoices {
		l.errorf(v.Line, "%s: %d choices, the limit is %d", what, len(items), MaxChoices)
		return nil
	}
	var out []Choice
	lines := map[string]int{}
	for _, item := range items {
		f := l.fields(item, what+": choice", choiceKeys)
		idNode, ok := l.required(f, item.Line, what+": choice", "id")
		if !ok {
			continue
		}
		id, ok := l.text("id", idNode)
		if !ok {
			continue
		}
		if !ValidName(id, false) {
			l.errorf(idNode.Line, "%s: choice id %s is not valid: use up to %d letters, digits, _, - and .", what, quote(id), MaxNameLen)
			continue
		}
		if first, dup := lines[id]; dup {
			l.errorf(idNode.Line, "%s: duplicate choice %s (first at line %d)", what, quote(id), first)
			continue
		}
		lines[id] = idNode.Line
		label, ok := f["label"]
		if !ok {
			l.errorf(item.Line, "%s: choice %s has no label", what, quote(id))
			continue
		}
		labels := l.textsIn(label, what+": choice "+quote(id), source, true)
		if labels[source] == "" {
			continue
		}
		for lang, s := range labels {
			if n := utf8.RuneCountInString(s); n > maxLabelRunes {
				l.warnf(label.Line, "%s: choice %s: the %s label has %d characters: buttons show about %d", what, quote(id), lang, n, maxLabelRunes)
			}
		}
		out = append(out, Choice{ID: id, Labels: labels, source: source})
	}
	return out
}

// conditions reads show_if: one condition or a list of them, each on an
// earlier question.
func (l *loader) conditions(v *yaml.Node, what string, earlier []*Question) []Condition {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = l.mappings(v, "", what+": show_if: expected a condition (question, is, not, min, max), found %s")
	} else if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, "%s: show_if: expected a condition (question: …, is: […]) or a list of them, found %s", what, describe(v))
		return nil
	}
	var out []Condition
	for _, item := range items {
		if c, ok := l.condition(item, what, earlier); ok {
			out = append(out, c)
		}
	}
	return out
}

func (l *loader) condition(item *yaml.Node, what string, earlier []*Question) (Condition, bool) {
	f := l.fields(item, what+": show_if", conditionKeys)
	var c Condition
	v, ok := l.required(f, item.Line, what+": show_if", "question")
	if !ok {
		return c, false
	}
	ref, ok := l.text("question", v)
	if !ok {
		return c, false
	}
	var target *Question
	for _, q := range earlier {
		if q.ID == ref {
			target = q
		}
	}
	if target == nil {
		var names []string
		for _, q := range earlier {
			names = append(names, q.ID)
		}
		l.errorf(v.Line, "%s: show_if: %s is not an earlier question%s: a question can only depend on the questions before it (no loops)", what, quote(ref), suggest(ref, names))
		return c, false
	}
	c.Question = ref
	options := target.Options()
	for _, key := range []string{"is", "not"} {
		n, ok := f[key]
		if !ok {
			continue
		}
		if options == nil {
			l.errorf(n.Line, "%s: show_if: %s needs a question with choices, scale or yes/no; %s is a %s question", what, key, quote(ref), target.Type)
			return c, false
		}
		list := l.values(scalarsAsText(n), what+": show_if: "+key, "answer", options)
		if len(list) == 0 {
			return c, false
		}
		if key == "is" {
			c.Is = list
		} else {
			c.Not = list
		}
	}
	for _, key := range []string{"min", "max"} {
		n, ok := f[key]
		if !ok {
			continue
		}
		if target.Type != Number && target.Type != Scale {
			l.errorf(n.Line, "%s: show_if: %s needs a number or scale question; %s is a %s question", what, key, quote(ref), target.Type)
			return c, false
		}
		x, ok := l.number(n, what+": show_if: "+key)
		if !ok {
			return c, false
		}
		if key == "min" {
			c.Min = &x
		} else {
			c.Max = &x
		}
	}
	if c.Is == nil && c.Not == nil && c.Min == nil && c.Max == nil {
		l.errorf(item.Line, "%s: show_if: say what the answer to %s must be (is, not, min or max)", what, quote(ref))
		return c, false
	}
	return c, true
}

// scalarsAsText lets "is: yes" and "is: [1, 2]" be written without quotes:
// one scalar becomes a list of one.
func scalarsAsText(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return &yaml.Node{Kind: yaml.SequenceNode, Line: n.Line, Content: []*yaml.Node{n}}
	}
	return n
}
