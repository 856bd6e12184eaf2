package flows

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// surveyFlow is the newcomers' "Give your opinion": one question per
// message, back, skip, leave and resume.
const surveyFlow = "sv"

// stepSurveyConsent is the step of the screen asking for the survey consent;
// a question id never starts with '+'.
const stepSurveyConsent = "+consent"

// surveyReminderKind is the nudge sent a day after someone started a survey
// without finishing it.
const surveyReminderKind = "survey"

// surveyNudgeAfter is when the unfinished-survey nudge is due.
const surveyNudgeAfter = 24 * time.Hour

// A question with more than maxChoicesShown choices shows them
// choicesPage at a time, with buttons to the other pages.
const (
	maxChoicesShown = 20
	choicesPage     = 10
)

// scaleFaces illustrate the five steps of a scale question.
var scaleFaces = [5]string{"😞", "🙁", "😐", "🙂", "😀"}

func registerSurveys(e *Engine) {
	e.Register(surveyor{})
	e.AddMenuEntry(MenuEntry{Label: "MenuSurveys", Data: surveyFlow + ":list", Visible: func(t *Turn) bool {
		return t.env.Polls != nil && len(openSurveys(t)) > 0
	}})
	e.Command("results", results)
	e.Command("outcome", outcome)
}

// openSurveys are the surveys the person's territory may answer now.
func openSurveys(t *Turn) []*content.Survey {
	var out []*content.Survey
	for _, s := range t.lib.content.Surveys() {
		if s.For(t.S.Territory) && s.OpenAt(t.Now) && t.S.Territory != "" {
			out = append(out, s)
		}
	}
	return out
}

// progress is the person's unfinished survey, nil when there is none or it
// waited too long, the survey closed or the consent was withdrawn.
func progress(t *Turn) *SurveyProgress {
	p := t.S.Survey
	if p == nil {
		return nil
	}
	s, ok := t.lib.content.Survey(p.ID)
	_, consent := t.S.Consents[PurposeSurveys]
	if !ok || !consent || !s.OpenAt(t.Now) || t.Now.Sub(p.Updated) > SurveyProgressTTL {
		t.S.Survey = nil
		return nil
	}
	return p
}

func (t *Turn) pseudonym() string { return Pseudonym(t.e.secret, t.In.ChatID) }

// surveyList shows the open surveys, with those answered ticked.
func surveyList(t *Turn) {
	if _, ok := t.S.Consents[PurposeSurveys]; !ok {
		t.Goto(surveyFlow, stepSurveyConsent)
		t.EditOrSend(Reply{MessageID: "SurveyNeedsConsent", Text: t.T("SurveyNeedsConsent", nil), Buttons: [][]Button{
			{{Text: t.T("ButtonSurveyConsent", nil), Data: surveyFlow + ":c"}},
			{{Text: t.T("ButtonMenu", nil), Data: "menu:home"}},
		}})
		return
	}
	open := openSurveys(t)
	if len(open) == 0 {
		t.EditOrSend(Reply{MessageID: "SurveyNone", Text: t.T("SurveyNone", nil), Buttons: t.menuButton()})
		return
	}
	p := progress(t)
	var rows [][]Button
	for _, s := range open {
		done, err := t.env.Polls.Submitted(t.env.Ctx, s.ID, t.pseudonym())
		if !t.read(err) {
			return
		}
		label := s.Title(t.lang)
		switch {
		case done:
			label = "✅ " + label
		case p != nil && p.ID == s.ID:
			label = "⏸ " + label
		}
		rows = append(rows, []Button{{Text: label, Data: surveyFlow + ":o:" + t.lib.surveyKey[s.ID]}})
	}
	rows = append(rows, t.menuButton()...)
	t.EditOrSend(Reply{MessageID: "SurveyList", Text: t.T("SurveyList", nil), Buttons: rows})
}

// notAnswered reads whether the person submitted s and says so when they
// did; it is true only when they have not and the read worked.
func notAnswered(t *Turn, s *content.Survey) bool {
	done, err := t.env.Polls.Submitted(t.env.Ctx, s.ID, t.pseudonym())
	if !t.read(err) {
		return false
	}
	if done {
		t.EditOrSend(Reply{MessageID: "SurveyAlreadyAnswered", Text: t.T("SurveyAlreadyAnswered", map[string]any{"Title": s.Title(t.lang)}), Buttons: t.menuButton()})
	}
	return !done
}

// surveyIntro shows a survey's introduction and the button to start, or
// says it was answered already.
func surveyIntro(t *Turn, s *content.Survey) {
	if !notAnswered(t, s) {
		return
	}
	key := t.lib.surveyKey[s.ID]
	start := "ButtonSurveyStart"
	if p := progress(t); p != nil && p.ID == s.ID {
		start = "ButtonSurveyContinue"
	}
	t.EditOrSend(Reply{MessageID: "SurveyIntro", Text: introText(t, s), Buttons: [][]Button{
		{{Text: t.T(start, nil), Data: surveyFlow + ":go:" + key}},
		{{Text: t.T("ButtonBack", nil), Data: surveyFlow + ":list"}},
	}})
}

// introText is a survey's introduction: its title, how many questions, and
// its intro when it has one.
func introText(t *Turn, s *content.Survey) string {
	var lines []string
	intro, translated := s.Intro(t.lang)
	if intro != "" && !translated {
		lines = append(lines, notTranslated(t, s))
	}
	lines = append(lines, t.e.msgs.Plural(t.lang, "SurveyIntro", asked(s), map[string]any{"Title": s.Title(t.lang)}))
	if intro != "" {
		lines = append(lines, intro)
	}
	return strings.Join(lines, "\n\n")
}

// startSurvey resumes the person's progress in s, or starts afresh (and
// schedules the nudge for an unfinished survey, once).
func startSurvey(t *Turn, s *content.Survey) {
	p := progress(t)
	if p == nil || p.ID != s.ID {
		p = &SurveyProgress{ID: s.ID, Started: t.Now.UTC()}
		p.Current = nextQuestion(s, p.Answers, -1)
		t.S.Survey = p
		if due := t.Now.Add(surveyNudgeAfter); due.Before(s.ClosesAt(t.e.loc)) && !slices.Contains(t.S.Nudged, s.ID) {
			t.S.Nudged = append(t.S.Nudged, s.ID)
			t.Emit(RemindersScheduled{Reminders: []Reminder{{ChatID: t.In.ChatID, Due: due.UTC(), Kind: surveyReminderKind, Ref: s.ID, At: s.ClosesAt(t.e.loc).UTC()}}})
		}
	}
	if q, _ := s.Question(p.Current); q == nil {
		p.Current = nextQuestion(s, p.Answers, lastAnswered(s, p))
	}
	p.Updated = t.Now.UTC()
	if p.Current == "" {
		submitSurvey(t, s, p)
		return
	}
	askQuestion(t, s, p)
}

// lastAnswered is the index of the last question on the person's path.
func lastAnswered(s *content.Survey, p *SurveyProgress) int {
	last := -1
	for _, id := range p.Path {
		if _, i := s.Question(id); i > last {
			last = i
		}
	}
	return last
}

// nextQuestion is the id of the first question after index i that is shown
// given the answers, "" when there is none.
func nextQuestion(s *content.Survey, answers map[string]string, i int) string {
	for _, q := range s.Questions[i+1:] {
		if q.Shown(answers) {
			return q.ID
		}
	}
	return ""
}

// asked is how many questions s asks, its notes left out.
func asked(s *content.Survey) int {
	n := 0
	for _, q := range s.Questions {
		if q.Asks() {
			n++
		}
	}
	return n
}

// questionCount numbers question i among the questions the person is
// shown, and counts those they may still be shown: a later question is left
// out once an answer given or a question passed rules it out, so that the
// numbers follow each other ("3/7", "4/6") and the total never grows.
func questionCount(s *content.Survey, answers map[string]string, i int) (number, total int) {
	later := 0
	for j, q := range s.Questions {
		switch {
		case !q.Asks():
		case j < i && q.Shown(answers), j == i:
			number++
		case j > i && mayShow(s, q, answers, i):
			later++
		}
	}
	return number, number + later
}

// mayShow reports whether q can still be shown while question i is asked:
// each condition on a question before i holds.
func mayShow(s *content.Survey, q *content.Question, answers map[string]string, i int) bool {
	for _, c := range q.ShowIf {
		if _, k := s.Question(c.Question); k < i && !(&content.Question{ShowIf: []content.Condition{c}}).Shown(answers) {
			return false
		}
	}
	return true
}

// askQuestion shows the current question with its buttons.
func askQuestion(t *Turn, s *content.Survey, p *SurveyProgress) {
	q, i := s.Question(p.Current)
	key := t.lib.surveyKey[s.ID]
	t.Goto(surveyFlow, q.ID)
	data := func(verb string, extra ...string) string {
		return strings.Join(append([]string{surveyFlow, verb, key, strconv.Itoa(i)}, extra...), ":")
	}
	text, translated := q.Text(t.lang)
	var lines []string
	if !translated {
		lines = append(lines, notTranslated(t, s))
	}
	if note := q.Note(t.lang); note != "" {
		lines = append(lines, note)
	}
	if q.Asks() {
		number, total := questionCount(s, p.Answers, i)
		text = t.T("SurveyQuestion", map[string]any{"Number": number, "Total": total, "Question": text})
	}
	lines = append(lines, text)
	if hint := q.HintText(t.lang); hint != "" {
		lines = append(lines, hint)
	}
	var rows [][]Button
	given := p.Answers[q.ID]
	switch q.Type {
	case content.Single:
		lines = append(lines, t.T("SurveyHintSingle", nil))
		rows = choiceRows(t, q, p, data, func(c content.Choice) bool { return given == c.ID }, "a", "✓ ")
		lines = append(lines, choicePage(t, q, p)...)
	case content.Multiple:
		lines = append(lines, multipleHint(t, q))
		rows = choiceRows(t, q, p, data, func(c content.Choice) bool { return slices.Contains(p.Picked, c.ID) }, "t", "✅ ")
		lines = append(lines, choicePage(t, q, p)...)
		rows = append(rows, []Button{{Text: t.T("ButtonDone", nil), Data: data("d")}})
	case content.Scale:
		lines = append(lines, t.T("SurveyHintScale", nil))
		var row []Button
		for j, face := range scaleFaces {
			n := strconv.Itoa(j + 1)
			row = append(row, Button{Text: marked(given == n, "✓ ", n+" "+face), Data: data("a", strconv.Itoa(j))})
		}
		rows = append(rows, row)
	case content.YesNo:
		lines = append(lines, t.T("SurveyHintSingle", nil))
		rows = append(rows, []Button{
			{Text: marked(given == content.AnswerYes, "✓ ", t.T("ButtonYes", nil)), Data: data("a", "0")},
			{Text: marked(given == content.AnswerNo, "✓ ", t.T("ButtonNo", nil)), Data: data("a", "1")},
		})
	case content.Number:
		lines = append(lines, numberHint(t, q))
	case content.Text:
		lines = append(lines, t.T("SurveyHintText", map[string]any{"Max": content.MaxTextAnswer}))
	case content.DateType:
		lines = append(lines, t.T("SurveyHintDate", nil))
	case content.TimeType:
		lines = append(lines, t.T("SurveyHintTime", nil))
	case content.NoteType:
		rows = append(rows, []Button{{Text: t.T("ButtonContinue", nil), Data: data("s")}})
	}
	if given != "" && q.Options() == nil {
		lines = append(lines, t.T("SurveyPreviousAnswer", map[string]any{"Answer": given}))
	}
	var nav []Button
	if len(p.Path) > 0 {
		nav = append(nav, Button{Text: t.T("ButtonBack", nil), Data: data("b")})
	}
	if !q.Required && q.Asks() {
		nav = append(nav, Button{Text: t.T("ButtonSkip", nil), Data: data("s")})
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	rows = append(rows, []Button{{Text: t.T("ButtonLater", nil), Data: surveyFlow + ":later"}})
	t.EditOrSend(Reply{MessageID: "SurveyQuestion", Text: strings.Join(lines, "\n\n"), Buttons: rows})
	if q.Type == content.Location {
		// A message has one keyboard: the question keeps its buttons, and
		// the keyboard sharing the location comes with the hint.
		t.Send(Reply{MessageID: "SurveyHintLocation", Text: t.T("SurveyHintLocation", nil),
			Ask: &AskLocation{Send: t.T("GuideSendLocation", nil), Cancel: t.T("ButtonCancel", nil)}})
	}
}

// clockText writes a time of day as a time answer is kept, "09:05".
func clockText(hour, minute int) string { return fmt.Sprintf("%02d:%02d", hour, minute) }

// coarseDegrees is how many decimals of a shared location a survey keeps:
// two, about 1 km, enough to tell a neighbourhood and too few to find a
// home.
const coarseDegrees = 2

// placeAnswer is the answer kept for a shared location: latitude and
// longitude rounded to coarseDegrees decimals, "47.32 5.04".
func placeAnswer(l *Location) string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', coarseDegrees, 64) }
	return f(l.Latitude) + " " + f(l.Longitude)
}

// notTranslated is the line above a survey text shown in the survey's
// language because it has no translation in the person's.
func notTranslated(t *Turn, s *content.Survey) string {
	if s.Language == locales.Source {
		return t.T("SurveyFrenchOnly", nil)
	}
	return t.T("SurveyNotTranslated", nil)
}

// choicePages is how many pages q's choices take: 1 when they are all shown at once.
func choicePages(q *content.Question) int {
	if len(q.Choices) <= maxChoicesShown {
		return 1
	}
	return (len(q.Choices) + choicesPage - 1) / choicesPage
}

// choicePage is the line saying which page of choices is shown, none when
// they are all shown.
func choicePage(t *Turn, q *content.Question, p *SurveyProgress) []string {
	if pages := choicePages(q); pages > 1 {
		return []string{t.T("GuidePage", map[string]any{"Page": p.Page + 1, "Pages": pages})}
	}
	return nil
}

// choiceRows are the buttons of q's choices, one per row: all of them, or
// when there are more than maxChoicesShown the page p.Page of choicesPage
// with buttons to the pages before and after.
func choiceRows(t *Turn, q *content.Question, p *SurveyProgress, data func(string, ...string) string, on func(content.Choice) bool, verb, mark string) [][]Button {
	from, to := 0, len(q.Choices)
	pages := choicePages(q)
	paged := pages > 1
	if paged {
		p.Page = min(max(p.Page, 0), pages-1)
		from, to = p.Page*choicesPage, min((p.Page+1)*choicesPage, len(q.Choices))
	}
	var rows [][]Button
	for j := from; j < to; j++ {
		c := q.Choices[j]
		rows = append(rows, []Button{{Text: marked(on(c), mark, c.Label(t.lang)), Data: data(verb, strconv.Itoa(j))}})
	}
	if !paged {
		return rows
	}
	var pager []Button
	if p.Page > 0 {
		pager = append(pager, Button{Text: "◀ " + t.T("ButtonPrevious", nil), Data: data("p", strconv.Itoa(p.Page-1))})
	}
	if p.Page < pages-1 {
		pager = append(pager, Button{Text: t.T("ButtonNext", nil) + " ▶", Data: data("p", strconv.Itoa(p.Page+1))})
	}
	return append(rows, pager)
}

func marked(on bool, mark, label string) string {
	if on {
		return mark + label
	}
	return label
}

func multipleHint(t *Turn, q *content.Question) string {
	switch {
	case q.Max != nil:
		return t.e.msgs.Plural(t.lang, "SurveyHintMultipleMax", int(*q.Max), nil)
	default:
		return t.T("SurveyHintMultiple", nil)
	}
}

func numberHint(t *Turn, q *content.Question) string {
	f := func(x *float64) string { return strconv.FormatFloat(*x, 'f', -1, 64) }
	switch {
	case q.Min != nil && q.Max != nil:
		return t.T("SurveyHintNumberRange", map[string]any{"Min": f(q.Min), "Max": f(q.Max)})
	case q.Min != nil:
		return t.T("SurveyHintNumberMin", map[string]any{"Min": f(q.Min)})
	case q.Max != nil:
		return t.T("SurveyHintNumberMax", map[string]any{"Max": f(q.Max)})
	}
	return t.T("SurveyHintNumber", nil)
}

// answerQuestion records the answer to the current question (or its absence) and
// moves on: the next question shown, or the submission.
func answerQuestion(t *Turn, s *content.Survey, p *SurveyProgress, value string) {
	q, i := s.Question(p.Current)
	if p.Answers == nil {
		p.Answers = map[string]string{}
	}
	if value == "" {
		delete(p.Answers, q.ID)
	} else {
		p.Answers[q.ID] = value
	}
	p.Path = append(p.Path, q.ID)
	p.Picked = nil
	p.Page = 0
	p.Updated = t.Now.UTC()
	p.Current = nextQuestion(s, p.Answers, i)
	if p.Current == "" {
		submitSurvey(t, s, p)
		return
	}
	if next, _ := s.Question(p.Current); next.Type == content.Multiple {
		p.Picked = strings.Fields(p.Answers[next.ID])
	}
	askQuestion(t, s, p)
}

// back returns to the previous question answered, keeping its answer shown.
func back(t *Turn, s *content.Survey, p *SurveyProgress) {
	if len(p.Path) == 0 {
		askQuestion(t, s, p)
		return
	}
	p.Current = p.Path[len(p.Path)-1]
	p.Path = p.Path[:len(p.Path)-1]
	p.Picked = nil
	p.Page = 0
	if q, _ := s.Question(p.Current); q != nil {
		if q.Type == content.Multiple {
			p.Picked = strings.Fields(p.Answers[q.ID])
		}
		// Back on a long list: the page of the answer given.
		if given := strings.Fields(p.Answers[q.ID]); len(given) > 0 {
			p.Page = max(slices.Index(q.Options(), given[0]), 0) / choicesPage
		}
	}
	p.Updated = t.Now.UTC()
	askQuestion(t, s, p)
}

// submitSurvey stores the answers of the questions on the person's path
// (an answer given, then made irrelevant by going back, is dropped).
func submitSurvey(t *Turn, s *content.Survey, p *SurveyProgress) {
	answers := map[string]string{}
	for _, id := range p.Path {
		if a, ok := p.Answers[id]; ok {
			answers[id] = a
		}
	}
	sub := Submission{Survey: s.ID, Pseudonym: t.pseudonym(), Territory: t.S.Territory, Lang: t.lang,
		Started: p.Started, Submitted: t.Now.UTC(), Answers: answers}
	t.Emit(SurveySubmitted{Submission: sub, Expires: s.ClosesAt(t.e.loc).Add(SurveyRetention).UTC()})
	t.Emit(RemindersCancelled{ChatID: t.In.ChatID, Ref: s.ID})
	t.S.Survey = nil
	t.Goto("", "")
	thanks := s.ThanksText(t.lang)
	if thanks == "" {
		thanks = t.T("SurveyThanks", nil)
	}
	t.EditOrSend(Reply{MessageID: "SurveyThanks", Text: thanks, Buttons: t.menuButton()})
}

type surveyor struct{}

func (surveyor) Name() string { return surveyFlow }

// Press: "list", "c" (consent), "later", "o:<key>" (intro), "go:<key>",
// and on a question "<verb>:<key>:<question>[:<option>]" with verbs a
// (answer), t (tick), d (done), s (skip), b (back), p (page of choices,
// the page number in place of the option). Staff: "r:<key>"
// shows results.
func (surveyor) Press(t *Turn, action string) {
	if t.env.Polls == nil {
		t.Expired() // no store: surveys are not offered
		return
	}
	parts := strings.Split(action, ":")
	verb := parts[0]
	switch {
	case verb == "list":
		surveyList(t)
		return
	case verb == "c":
		// Consent is given from the screen that asks for it, never from an old copy.
		if t.S.Flow != surveyFlow || t.S.Step != stepSurveyConsent {
			t.Expired()
			return
		}
		if t.S.Consents == nil {
			t.S.Consents = map[Purpose]Consent{}
		}
		t.S.Consents[PurposeSurveys] = Consent{At: t.Now.UTC(), Notice: NoticeVersion}
		t.Goto("", "")
		surveyList(t)
		return
	case verb == "later":
		if progress(t) != nil {
			t.EditOrSend(Reply{MessageID: "SurveyKept", Text: t.e.msgs.Plural(t.lang, "SurveyKept", int(SurveyProgressTTL.Hours()/24), nil)})
		}
		t.Menu("")
		return
	case len(parts) < 2:
		t.Expired()
		return
	}
	s, ok := t.lib.surveys[parts[1]]
	if !ok {
		t.Expired()
		return
	}
	if verb == "r" {
		surveyResults(t, s)
		return
	}
	if !s.OpenAt(t.Now) || !s.For(t.S.Territory) {
		t.S.Survey = nil
		t.Goto("", "")
		t.EditOrSend(Reply{MessageID: "SurveyClosed", Text: t.T("SurveyClosed", nil), Buttons: t.menuButton()})
		return
	}
	if _, ok := t.S.Consents[PurposeSurveys]; !ok {
		surveyList(t)
		return
	}
	switch verb {
	case "o":
		surveyIntro(t, s)
		return
	case "go":
		if notAnswered(t, s) {
			startSurvey(t, s)
		}
		return
	}
	p := progress(t)
	if p == nil || p.ID != s.ID || len(parts) < 3 {
		// Pressed on an old question after the survey was sent or dropped.
		surveyIntro(t, s)
		return
	}
	q, i := s.Question(p.Current)
	if strconv.Itoa(i) != parts[2] || q == nil {
		askQuestion(t, s, p) // a button of another question: show where they are
		return
	}
	if verb == "p" {
		n, err := strconv.Atoi(parts[len(parts)-1])
		if len(parts) != 4 || err != nil || n < 0 || n*choicesPage >= len(q.Choices) {
			t.Expired()
			return
		}
		p.Page = n
		askQuestion(t, s, p)
		return
	}
	opt := -1
	if len(parts) == 4 {
		n, err := strconv.Atoi(parts[3])
		if err != nil || n < 0 || n >= len(q.Options()) {
			t.Expired()
			return
		}
		opt = n
	}
	switch {
	case verb == "a" && opt >= 0 && q.Type != content.Multiple:
		answerQuestion(t, s, p, q.Options()[opt])
	case verb == "t" && opt >= 0 && q.Type == content.Multiple:
		id := q.Options()[opt]
		if i := slices.Index(p.Picked, id); i >= 0 {
			p.Picked = slices.Delete(p.Picked, i, i+1)
		} else {
			p.Picked = append(p.Picked, id)
		}
		p.Page = opt / choicesPage
		p.Updated = t.Now.UTC()
		askQuestion(t, s, p)
	case verb == "d" && q.Type == content.Multiple:
		doneMultiple(t, s, p, q)
	case verb == "s" && !q.Required:
		answerQuestion(t, s, p, "")
	case verb == "b":
		back(t, s, p)
	default:
		t.Expired()
	}
}

// doneMultiple checks how many choices are ticked, then moves on.
func doneMultiple(t *Turn, s *content.Survey, p *SurveyProgress, q *content.Question) {
	n := len(p.Picked)
	switch {
	case n == 0 && q.Required, q.Min != nil && n < int(*q.Min) && (n > 0 || q.Required):
		low := 1
		if q.Min != nil {
			low = int(*q.Min)
		}
		t.Send(Reply{MessageID: "SurveyTooFew", Text: t.e.msgs.Plural(t.lang, "SurveyTooFew", low, nil)})
		askQuestion(t, s, p)
		return
	case q.Max != nil && n > int(*q.Max):
		t.Send(Reply{MessageID: "SurveyTooMany", Text: t.e.msgs.Plural(t.lang, "SurveyTooMany", int(*q.Max), nil)})
		askQuestion(t, s, p)
		return
	}
	var ordered []string
	for _, id := range q.Options() {
		if slices.Contains(p.Picked, id) {
			ordered = append(ordered, id)
		}
	}
	answerQuestion(t, s, p, strings.Join(ordered, " "))
}

// Input takes typed answers (numbers, texts, dates, times, place names) and
// shared locations.
func (surveyor) Input(t *Turn) bool {
	p := progress(t)
	if t.In.Kind != KindText && t.In.Kind != KindLocation || p == nil || t.S.Step != p.Current {
		return false
	}
	s, _ := t.lib.content.Survey(p.ID)
	q, _ := s.Question(p.Current)
	located := t.In.Kind == KindLocation
	switch {
	case q == nil || q.Options() != nil || !q.Asks():
		t.Say("SurveyUseButtons", nil, nil)
		askQuestion(t, s, p)
		return true
	case located && q.Type != content.Location:
		askQuestion(t, s, p) // a location shared with an old keyboard: the question asked
		return true
	case located:
		answerQuestion(t, s, p, placeAnswer(t.In.Location))
		return true
	case t.In.Text == t.T("ButtonCancel", nil) && q.Type == content.Location:
		t.Say("SurveyLocationCancelled", nil, nil)
		return true
	case t.In.Text == t.T("ButtonCancel", nil):
		askQuestion(t, s, p) // the location keyboard's Cancel, left on screen by a skipped question: no answer
		return true
	}
	value, problem, text := typedAnswer(t, q, strings.TrimSpace(t.In.Text))
	if problem != "" {
		t.Send(Reply{MessageID: problem, Text: text})
		return true
	}
	answerQuestion(t, s, p, value)
	return true
}

// typedAnswer validates a typed answer: the value to store, or the id and
// text of the kind message saying what is expected.
func typedAnswer(t *Turn, q *content.Question, text string) (value, problem, message string) {
	switch q.Type {
	case content.Number:
		n, err := strconv.ParseFloat(strings.Replace(asciiDigits(text), ",", ".", 1), 64)
		ok := err == nil && !math.IsInf(n, 0) && !math.IsNaN(n) && (q.Decimal || n == math.Trunc(n)) &&
			(q.Min == nil || n >= *q.Min) && (q.Max == nil || n <= *q.Max)
		if !ok {
			return "", "SurveyNumberInvalid", t.T("SurveyNumberInvalid", nil) + "\n" + numberHint(t, q)
		}
		return strconv.FormatFloat(n, 'f', -1, 64), "", ""
	case content.DateType:
		d, ok := parseDay(text, t.Now)
		if !ok {
			return "", "SurveyDateInvalid", t.T("SurveyDateInvalid", nil)
		}
		return d.Format(time.DateOnly), "", ""
	case content.TimeType:
		h, m, ok := parseClock(text)
		if !ok {
			return "", "SurveyTimeInvalid", t.T("SurveyTimeInvalid", nil)
		}
		return clockText(h, m), "", ""
	}
	if n := utf8.RuneCountInString(text); n > content.MaxTextAnswer {
		return "", "SurveyTextTooLong", t.T("SurveyTextTooLong", map[string]any{"Count": n, "Max": content.MaxTextAnswer})
	}
	return text, "", ""
}
