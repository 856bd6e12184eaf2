package flows

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows/chart"
	"github.com/territoires-integration/passerelle/locales"
)

// MinShown is the smallest count coordinators see: fewer answers could
// point at a person.
const MinShown = 5

// Telegram's limits on what results are sent in.
const (
	maxCaption     = 1024
	maxMessage     = 4096
	maxTextsShown  = 100 // free-text answers shown per question; the export has them all
	resultsCommand = "results"
)

// results lists the surveys a coordinator or admin may read, or shows the
// one named.
func results(t *Turn) {
	if !t.allowed(resultsCommand, RoleAdmin, RoleCoordinator) {
		return
	}
	if t.env.Polls == nil {
		t.Say("ResultsNone", nil, nil)
		return
	}
	visible := VisibleSurveys(t.lib.content, *t.env.Role)
	if id := strings.TrimSpace(t.In.Arg); id != "" {
		for _, s := range visible {
			if s.ID == id {
				surveyResults(t, s)
				return
			}
		}
	}
	if len(visible) == 0 {
		t.Say("ResultsNone", nil, nil)
		return
	}
	var rows [][]Button
	for _, s := range visible {
		rows = append(rows, []Button{{Text: s.Title(t.lang), Data: surveyFlow + ":r:" + t.lib.surveyKey[s.ID]}})
	}
	t.Say("ResultsChoose", nil, rows)
}

// VisibleSurveys are the surveys whose results role may read: every one for
// an admin, those of their territory for a coordinator, none for partners.
func VisibleSurveys(c *content.Content, role Role) []*content.Survey {
	var visible []*content.Survey
	for _, s := range c.Surveys() {
		switch {
		case role.Kind == RoleAdmin, role.Kind == RoleCoordinator && s.For(role.Territory):
			visible = append(visible, s)
		}
	}
	return visible
}

// RoleSubmissions are the submissions of all that role may read: all of them
// for an admin, those of their territory otherwise.
func RoleSubmissions(role Role, all []Submission) []Submission {
	if role.Kind == RoleAdmin {
		return all
	}
	return slices.DeleteFunc(slices.Clone(all), func(x Submission) bool { return x.Territory != role.Territory })
}

// tally is what one question's answers add up to.
type tally struct {
	q        *content.Question
	answered int
	counts   []int     // per option, for questions with options
	texts    []string  // free texts, sorted
	values   []float64 // numbers, or dates as days since 1970, sorted
}

// tallySurvey adds up the submissions, question by question (notes have
// no answers: they are left out).
func tallySurvey(s *content.Survey, subs []Submission) []tally {
	var out []tally
	for _, q := range s.Questions {
		if !q.Asks() {
			continue
		}
		tl := tally{q: q, counts: make([]int, len(q.Options()))}
		for _, sub := range subs {
			a, ok := sub.Answers[q.ID]
			if !ok {
				continue
			}
			tl.answered++
			switch q.Type {
			case content.Text, content.Location:
				tl.texts = append(tl.texts, a)
			case content.Number:
				if n, err := strconv.ParseFloat(a, 64); err == nil {
					tl.values = append(tl.values, n)
				}
			case content.DateType:
				if d, err := time.Parse(time.DateOnly, a); err == nil {
					tl.values = append(tl.values, float64(d.Unix()/86400))
				}
			case content.TimeType:
				if d, err := time.Parse("15:04", a); err == nil {
					tl.values = append(tl.values, float64(d.Hour()*60+d.Minute()))
				}
			default:
				given := strings.Fields(a)
				for j, opt := range q.Options() {
					if slices.Contains(given, opt) {
						tl.counts[j]++
					}
				}
			}
		}
		slices.Sort(tl.texts)
		slices.Sort(tl.values)
		out = append(out, tl)
	}
	return out
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// surveyResults shows a survey's results to an admin (every territory) or a
// coordinator (theirs): counts under MinShown hidden, a chart per question.
func surveyResults(t *Turn, s *content.Survey) {
	if !t.allowed(resultsCommand, RoleAdmin, RoleCoordinator) {
		return
	}
	role := t.env.Role
	if role.Kind != RoleAdmin && !s.For(role.Territory) {
		t.Expired()
		return
	}
	all, err := t.env.Polls.Submissions(t.env.Ctx, s.ID)
	if !t.read(err) {
		return
	}
	subs := RoleSubmissions(*role, all)
	t.audit(resultsCommand, role.Territory, len(subs))
	t.Goto("", "")
	title := s.Title(t.lang)
	if len(subs) < MinShown {
		t.EditOrSend(Reply{MessageID: "ResultsTooFew", Text: t.T("ResultsTooFew", map[string]any{"Title": title, "Min": MinShown})})
		return
	}
	head := []string{t.e.msgs.Plural(t.lang, "ResultsHeader", len(subs), map[string]any{"Title": title})}
	if role.Kind == RoleAdmin {
		head = append(head, territoryCounts(t, subs)...)
	}
	t.EditOrSend(Reply{MessageID: "ResultsHeader", Text: strings.Join(head, "\n")})
	qs := t.e.SurveyResults(s, subs, t.lang)
	for i, r := range qs {
		questionResults(t, i, len(qs), r)
	}
}

// territoryCounts are the "Dijon: 12" lines of an admin's results.
func territoryCounts(t *Turn, subs []Submission) []string {
	per := map[string]int{}
	for _, sub := range subs {
		per[sub.Territory]++
	}
	ids := make([]string, 0, len(per))
	for id := range per {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	counts := make([]int, len(ids))
	for i, id := range ids {
		counts[i] = per[id]
	}
	hidden := hiddenCells(counts)
	var lines []string
	for i, id := range ids {
		name := id
		if tr, ok := t.lib.content.Territory(id); ok {
			name = tr.Name(t.lang)
		}
		lines = append(lines, countLine(t, name, counts[i], hidden[i]))
	}
	return lines
}

// placeBars counts the answers to a location question by place (a rounded
// position, or a typed name whatever its case, shown in its most common
// spelling), most answered first. A place fewer than MinShown people gave
// is left out, its name too: the name alone would say that someone
// answered from there.
func placeBars(answers []string) []chart.Bar {
	spellings := map[string]map[string]int{} // lower-cased → spelling → count
	for _, a := range answers {
		key := strings.ToLower(a)
		if spellings[key] == nil {
			spellings[key] = map[string]int{}
		}
		spellings[key][a]++
	}
	var bars []chart.Bar
	for _, forms := range spellings {
		b := chart.Bar{}
		best := 0
		for spelling, n := range forms {
			b.Count += n
			if n > best || n == best && spelling < b.Label {
				b.Label, best = spelling, n
			}
		}
		if b.Count >= MinShown {
			bars = append(bars, b)
		}
	}
	slices.SortFunc(bars, func(a, b chart.Bar) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Label, b.Label)) })
	return bars
}

// hiddenCells says which of counts that add up to a shown total must be
// hidden: those under MinShown and, when that is a single one (which the
// total minus the others would give away), the smallest of the others too.
func hiddenCells(counts []int) []bool {
	hidden := make([]bool, len(counts))
	n, smallest := 0, -1
	for i, c := range counts {
		hidden[i] = c < MinShown
		if hidden[i] {
			n++
		} else if smallest < 0 || c < counts[smallest] {
			smallest = i
		}
	}
	if n == 1 && smallest >= 0 {
		hidden[smallest] = true
	}
	return hidden
}

// countLine is "label: count", "label: fewer than 5", or "label: hidden"
// for a count hidden only so that the others do not give a small one away.
func countLine(t *Turn, label string, n int, hidden bool) string {
	if hidden && n >= MinShown {
		return t.T("ResultsCountSuppressed", map[string]any{"Label": label})
	}
	if hidden {
		return t.T("ResultsCountHidden", map[string]any{"Label": label, "Min": MinShown})
	}
	return t.T("ResultsCount", map[string]any{"Label": label, "Count": n})
}

// optionLabel is how an option reads in results.
func (e *Engine) optionLabel(lang string, q *content.Question, j int) string {
	switch q.Type {
	case content.Scale:
		return strconv.Itoa(j + 1)
	case content.YesNo:
		return e.msgs.Text(lang, []string{"ButtonYes", "ButtonNo"}[j], nil)
	}
	return q.Choices[j].Label(lang)
}

// QuestionResult is one question's results as /results and the web
// dashboard show them, counts already hidden by the rules of MinShown.
type QuestionResult struct {
	Text     string      // the question, in the language asked for
	Answered int         // how many answered it
	TooFew   bool        // fewer than MinShown answered: nothing more is shown
	Bars     []chart.Bar // one per option, for questions with options; a Hidden bar says nothing, not even "under 5"
	Texts    []string    // free texts, sorted
	Median   string      // numbers and dates: their median, written out
}

// SurveyResults are the results of subs, question by question, in lang.
func (e *Engine) SurveyResults(s *content.Survey, subs []Submission, lang string) []QuestionResult {
	var out []QuestionResult
	for _, tl := range tallySurvey(s, subs) {
		text, _ := tl.q.Text(lang)
		r := QuestionResult{Text: text, Answered: tl.answered, TooFew: tl.answered < MinShown}
		switch {
		case r.TooFew:
		case tl.q.Type == content.Text:
			r.Texts = tl.texts
		case tl.q.Type == content.Number:
			r.Median = strconv.FormatFloat(median(tl.values), 'f', -1, 64)
		case tl.q.Type == content.DateType:
			r.Median = time.Unix(int64(median(tl.values))*86400, 0).UTC().Format(dateLayout)
		case tl.q.Type == content.TimeType:
			m := int(median(tl.values))
			r.Median = clockText(m/60, m%60)
		case tl.q.Type == content.Location:
			r.Bars = placeBars(tl.texts)
		default:
			hidden := make([]bool, len(tl.counts))
			for j, n := range tl.counts {
				hidden[j] = n < MinShown
			}
			if tl.q.Type != content.Multiple {
				// One answer each: the counts add up to the number who answered.
				hidden = hiddenCells(tl.counts)
			}
			for j, n := range tl.counts {
				r.Bars = append(r.Bars, chart.Bar{Label: e.optionLabel(lang, tl.q, j), Count: n, Hidden: hidden[j]})
			}
		}
		out = append(out, r)
	}
	return out
}

// questionResults shows one question: a chart with its counts, or the
// free texts, or the median.
func questionResults(t *Turn, i, total int, r QuestionResult) {
	head := t.T("SurveyQuestion", map[string]any{"Number": i + 1, "Total": total, "Question": r.Text})
	answered := t.e.msgs.Plural(t.lang, "ResultsAnswered", r.Answered, nil)
	switch {
	case r.TooFew:
		t.Send(Reply{MessageID: "ResultsQuestionTooFew", Text: head + "\n\n" + t.T("ResultsQuestionTooFew", map[string]any{"Min": MinShown})})
		return
	case r.Texts != nil:
		textResults(t, head+"\n"+answered, r.Texts)
		return
	case r.Median != "":
		t.Send(Reply{MessageID: "ResultsMedian", Text: head + "\n\n" + answered + "\n" + t.T("ResultsMedian", map[string]any{"Median": r.Median})})
		return
	}
	c := chart.Chart{Title: r.Text, RTL: isRTL(t.lang), HiddenText: "—", Footer: answered, Bars: r.Bars}
	lines := []string{head, ""}
	for _, b := range r.Bars {
		lines = append(lines, countLine(t, b.Label, b.Count, b.Hidden))
	}
	lines = append(lines, "", answered)
	caption := strings.Join(lines, "\n")
	png, err := chart.PNG(c)
	if err != nil {
		// The counts still go out as text: a chart is a convenience.
		t.Send(Reply{MessageID: "ResultsCount", Text: caption})
		return
	}
	if utf8.RuneCountInString(caption) > maxCaption {
		t.Send(Reply{MessageID: "ResultsCount", Text: head, Photo: png})
		t.Send(Reply{MessageID: "ResultsCount", Text: caption})
		return
	}
	t.Send(Reply{MessageID: "ResultsCount", Text: caption, Photo: png})
}

// textResults lists free-text answers, in as few messages as fit.
func textResults(t *Turn, head string, texts []string) {
	shown := texts[:min(len(texts), maxTextsShown)]
	msg := head + "\n"
	for _, a := range shown {
		line := "\n— " + a
		if len(msg)+len(line) > maxMessage {
			t.Send(Reply{MessageID: "ResultsAnswered", Text: msg})
			msg = ""
		}
		msg += line
	}
	if more := len(texts) - len(shown); more > 0 {
		note := "\n\n" + t.e.msgs.Plural(t.lang, "ResultsMoreInExport", more, nil)
		if len(msg)+len(note) > maxMessage {
			t.Send(Reply{MessageID: "ResultsAnswered", Text: msg})
			msg = ""
		}
		msg += note
	}
	t.Send(Reply{MessageID: "ResultsAnswered", Text: strings.TrimPrefix(msg, "\n")})
}

func isRTL(lang string) bool {
	l, _ := locales.Lookup(lang)
	return l.RTL
}

// outcome starts "you said, we did": the broadcast dialogue, aimed at the
// people of a territory who answered a closed survey and accepted news.
func outcome(t *Turn) {
	if !t.allowed("outcome", RoleAdmin, RoleCoordinator) {
		return
	}
	id, rest, _ := strings.Cut(strings.TrimSpace(t.In.Arg), " ")
	s, ok := t.lib.content.Survey(strings.ToLower(id))
	role := t.env.Role
	if !ok || role.Kind != RoleAdmin && !s.For(role.Territory) {
		var closed []string
		for _, s := range t.lib.content.Surveys() {
			if s.Closed(t.Now) && (role.Kind == RoleAdmin || s.For(role.Territory)) {
				closed = append(closed, s.ID)
			}
		}
		if len(closed) == 0 {
			closed = []string{"—"}
		}
		t.Say("OutcomeUsage", map[string]any{"Surveys": strings.Join(closed, ", ")}, nil)
		return
	}
	if !s.Closed(t.Now) {
		t.Say("OutcomeNotClosed", map[string]any{"Title": s.Title(t.lang), "Date": s.ClosesAt(t.e.loc).Add(-time.Nanosecond).Format(dateLayout)}, nil)
		return
	}
	ter := role.Territory
	if role.Kind == RoleAdmin {
		tr, found := t.lib.content.Territory(strings.ToLower(strings.TrimSpace(rest)))
		if !found || !s.For(tr.ID) {
			t.Say("OutcomeUsageAdmin", map[string]any{"Territories": territoryIDs(t)}, nil)
			return
		}
		ter = tr.ID
	}
	t.Goto(broadcastFlow, stepText)
	t.S.Vars = map[string]string{"ter": ter, "survey": s.ID}
	t.Say("OutcomeWriteFrench", map[string]any{"Title": s.Title(t.lang)}, nil)
}

// respondents keeps the recipients who answered the survey of the outcome
// dialogue in its territory: their pseudonyms are among the submissions.
func respondents(t *Turn, rs []Recipient) ([]Recipient, bool) {
	subs, err := t.env.Polls.Submissions(t.env.Ctx, t.S.Vars["survey"])
	if !t.read(err) {
		return nil, false
	}
	return t.e.answered(rs, subs, t.S.Vars["ter"]), true
}

// answered keeps the recipients among rs whose pseudonym is among the
// submissions subs of territory.
func (e *Engine) answered(rs []Recipient, subs []Submission, territory string) []Recipient {
	answered := map[string]bool{}
	for _, sub := range subs {
		if sub.Territory == territory {
			answered[sub.Pseudonym] = true
		}
	}
	return slices.DeleteFunc(rs, func(r Recipient) bool { return !answered[Pseudonym(e.secret, r.ChatID)] })
}
