package flows_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

const academy = "academie-participation"

// answered stores n submissions of the academy survey from a territory,
// each with answers made by fn(i).
func (w *teamWorld) answered(territory string, n, first int, fn func(i int) map[string]string) {
	w.t.Helper()
	if w.store.subs[academy] == nil {
		w.store.subs[academy] = map[string]flows.Submission{}
	}
	for i := range n {
		p := fmt.Sprintf("%s%03d", territory[:3], first+i)
		at := fixedNow.Add(time.Duration(first+i) * time.Minute)
		w.store.subs[academy][p] = flows.Submission{Survey: academy, Pseudonym: p, Territory: territory, Lang: []string{"ar", "fa", "fr"}[i%3],
			Started: at.Add(-4 * time.Minute), Submitted: at, Answers: fn(i)}
	}
}

// resultsWorld holds 12 answers from Dijon and 3 from Lyon.
func resultsWorld(t *testing.T) *teamWorld {
	w := newTeamWorld(t)
	w.answered("dijon", 12, 0, func(i int) map[string]string {
		a := map[string]string{"listened": []string{"4", "4", "5", "1"}[i%4], "meeting": "yes", "topics": "housing jobs"}
		if i%2 == 0 {
			a["suggestion"] = fmt.Sprintf("Idée n°%d : plus de cours le soir", i)
		}
		if a["listened"] == "1" {
			a["listened_help"] = "Être invité aux réunions"
		}
		if i%4 == 0 {
			a["topics"] = "housing french"
		}
		return a
	})
	w.answered("lyon", 3, 100, func(int) map[string]string {
		return map[string]string{"listened": "2", "meeting": "no", "topics": "health"}
	})
	return w
}

func TestResultsHideSmallCounts(t *testing.T) {
	w := resultsWorld(t)
	mark := len(w.store.events)
	replies := w.cmd(coordA, "/results "+academy)
	all := transcript(replies)
	for _, want := range []string{
		"📊 Votre voix dans la vie locale : 12 réponses",
		"4 : 6", "5 : moins de 5", "1 : moins de 5", "2 : moins de 5", // the scale
		"Logement : 12", "Emploi : 9", "Cours de français : moins de 5", "Santé : moins de 5",
		// Everyone said yes: "no" is under 5, and "yes" is hidden too, or
		// the number who answered minus it would give "no" away.
		"Oui : masqué", "Non : moins de 5",
		"— Idée n°0 : plus de cours le soir", "— Idée n°10 : plus de cours le soir", // 6 suggestions
		"Moins de 5 personnes ont répondu : les réponses restent cachées.", // listened_help: 3
	} {
		if !strings.Contains(all, want) {
			t.Errorf("results lack %q:\n%s", want, all)
		}
	}
	for _, leak := range []string{"Lyon", "Être invité", "dij0", "Santé : 3", "Oui : 12", "< 5"} {
		if strings.Contains(all, leak) {
			t.Errorf("results show %q:\n%s", leak, all)
		}
	}
	charts := 0
	for _, r := range replies {
		if r.Photo == nil {
			continue
		}
		charts++
		if _, err := png.Decode(bytes.NewReader(r.Photo)); err != nil {
			t.Errorf("chart of %q is not a PNG: %v", r.Text, err)
		}
		if n := len([]rune(r.Text)); n > 1024 {
			t.Errorf("caption of %d characters", n)
		}
	}
	// listened, topics and meeting are charted; meeting_when has no answer and
	// the free texts are listed.
	if charts != 3 {
		t.Errorf("%d charts, want 3", charts)
	}
	if n := countEvents[flows.Audited](w.store, mark); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
}

func TestResultsScope(t *testing.T) {
	w := resultsWorld(t)
	admin := transcript(w.cmd(admin, "/results "+academy))
	for _, want := range []string{"15 réponses", "Dijon : masqué", "Lyon : moins de 5"} {
		if !strings.Contains(admin, want) {
			t.Errorf("admin results lack %q:\n%s", want, admin)
		}
	}
	lyon := w.cmd(coordB, "/results "+academy)
	if len(lyon) != 1 || !strings.Contains(lyon[0].Text, "moins de 5 réponses pour l'instant") {
		t.Errorf("Lyon's coordinator, 3 answers: %s", transcript(lyon))
	}
	for _, chat := range []int64{partnerA, newcomer} {
		mark := len(w.store.events)
		if got := transcript(w.cmd(chat, "/results "+academy)); strings.Contains(got, "📊") || !deniedSince(w.store, mark) {
			t.Errorf("chat %d was shown results or not audited: %s", chat, got)
		}
	}
}

func TestResultsInArabic(t *testing.T) {
	w := resultsWorld(t)
	s, _ := w.store.Load(t.Context(), coordA)
	if s == nil {
		s = flows.NewSession(fixedNow)
	}
	s.Lang = "ar"
	if err := w.store.Commit(t.Context(), coordA, s, nil); err != nil {
		t.Fatal(err)
	}
	replies := w.cmd(coordA, "/results "+academy)
	all := transcript(replies)
	for _, want := range []string{"سكن", "أقل من 5"} {
		if !strings.Contains(all, want) {
			t.Errorf("Arabic results lack %q:\n%s", want, all)
		}
	}
	for _, r := range replies {
		if r.Photo != nil && !r.RTL {
			t.Error("an Arabic caption is not marked right-to-left")
		}
	}
}

func transcript(replies []flows.Reply) string { return flows.Render(replies, 1) }

// TestOutcome: once the survey has closed, Dijon's coordinator tells the
// respondents who accepted news what came of it, each in their language.
func TestOutcome(t *testing.T) {
	w := newTeamWorld(t)
	w.store.subs[academy] = map[string]flows.Submission{}
	for _, chat := range []int64{newcomer, newcomer2} { // newcomer3 did not answer
		p := flows.Pseudonym(teamSecret, chat)
		w.store.subs[academy][p] = flows.Submission{Survey: academy, Pseudonym: p, Territory: "dijon", Submitted: fixedNow}
	}
	if got := transcript(w.cmd(coordA, "/outcome "+academy)); !strings.Contains(got, "encore ouvert jusqu'au 31/12/2027") {
		t.Fatalf("open survey: %s", got)
	}
	w.now = time.Date(2028, 1, 1, 9, 0, 0, 0, time.UTC) // the sample survey closed on 31/12/2027
	w.cmd(coordA, "/outcome "+academy)
	w.text(coordA, "Une permanence logement ouvre à la mairie en janvier.")
	w.press(coordA, "bc:t:ar")
	w.text(coordA, "يفتح مكتب للسكن في البلدية في يناير.")
	if got := transcript(w.press(coordA, "bc:p")); !strings.Contains(got, "Envoyer à 2 personnes ?") {
		t.Fatalf("preview: %s", got)
	}
	mark := len(w.store.events)
	w.press(coordA, "bc:send")
	var job flows.BroadcastQueued
	for _, ev := range w.store.events[mark:] {
		if q, ok := ev.(flows.BroadcastQueued); ok {
			job = q
		}
	}
	if job.Job.Kind != "outcome" || len(job.Messages) != 2 {
		t.Fatalf("queued %+v", job)
	}
	texts := map[int64]string{}
	for _, m := range job.Messages {
		texts[m.ChatID] = m.Text
	}
	if !strings.Contains(texts[newcomer], "Votre voix dans la vie locale") || !strings.Contains(texts[newcomer], "Une permanence logement") {
		t.Errorf("French respondent gets %q", texts[newcomer])
	}
	if !strings.Contains(texts[newcomer2], "يفتح مكتب للسكن") || strings.Contains(texts[newcomer2], "permanence") {
		t.Errorf("Arabic respondent gets %q", texts[newcomer2])
	}
	if got := w.store.outcomes[academy+"|dijon"]; got["fr"] == "" || got["ar"] == "" {
		t.Errorf("outcome stored = %v", got)
	}
}

// TestExportSnapshot writes the academy's answers as CSV and JSON and
// compares them with testdata/export/*; go test -update rewrites them.
func TestExportSnapshot(t *testing.T) {
	w := resultsWorld(t)
	w.store.subs[academy]["lyo100"] = flows.Submission{Survey: academy, Pseudonym: "lyo100", Territory: "lyon", Lang: "uk",
		Started: fixedNow, Submitted: fixedNow.Add(time.Minute), Answers: map[string]string{"suggestion": "=HYPERLINK(\"x\")", "listened": "3"}}
	s, _ := w.eng.Content().Survey(academy)
	subs, _ := w.store.Submissions(t.Context(), academy)
	for _, format := range []string{flows.FormatCSV, flows.FormatJSON} {
		var buf bytes.Buffer
		if err := flows.ExportSurvey(&buf, s, subs, format); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "export", academy+"."+format)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s export differs from %s (run with -update and review):\n%s", format, golden, buf.String())
		}
	}
	if err := flows.ExportSurvey(&bytes.Buffer{}, s, subs, "xlsx"); err == nil {
		t.Error("an unknown format was accepted")
	}
}

// TestExportLeavesNotesOut: a survey's notes have no answers, hence no
// column (the REACH form converted for survey_reach_ar has some).
func TestExportLeavesNotesOut(t *testing.T) {
	c, diags := content.Load(os.DirFS(filepath.Join("testdata", "reach")), locales.Codes())
	if c == nil || diags.Errors() > 0 {
		t.Fatalf("content: %v", diags)
	}
	s, ok := c.Survey("reach-msna")
	if !ok {
		t.Fatal("no survey reach-msna")
	}
	sub := flows.Submission{Survey: s.ID, Pseudonym: "p1", Territory: "dijon", Lang: "ar", Started: fixedNow, Submitted: fixedNow,
		Answers: map[string]string{"female_voice": "yes", "point_accessible": "no"}}
	var buf bytes.Buffer
	if err := flows.ExportSurvey(&buf, s, []flows.Submission{sub}, flows.FormatCSV); err != nil {
		t.Fatal(err)
	}
	head, row, _ := strings.Cut(strings.TrimPrefix(buf.String(), "\ufeff"), "\n")
	cols := strings.Split(head, ",")
	if slices.Contains(cols, "point_not_accessible_note") || !slices.Contains(cols, "female_voice") {
		t.Errorf("columns: %s", head)
	}
	if n := strings.Count(strings.TrimSpace(row), ",") + 1; n != len(cols) {
		t.Errorf("%d values for %d columns", n, len(cols))
	}
}

// TestResultsTimeAndPlace: times give their median; places are counted by
// place, and a place fewer than 5 people gave is not named at all. The
// export has one column for each, as stored.
func TestResultsTimeAndPlace(t *testing.T) {
	e := newEngineFS(t, os.DirFS(filepath.Join("testdata", "places")))
	var subs []flows.Submission
	places := []string{"47.32 5.04", "47.32 5.04", "Chenôve", "47.32 5.04", "chenôve", "47.32 5.04", "CHENÔVE", "47.32 5.04", "Chenôve", "chenôve", "47.30 5.01"}
	for i, p := range places {
		subs = append(subs, flows.Submission{Survey: "kobodocs-gps-questions", Pseudonym: fmt.Sprintf("p%d", i), Territory: "dijon", Lang: "fr",
			Started: fixedNow, Submitted: fixedNow, Answers: map[string]string{"point": p}})
	}
	gps, _ := e.Content().Survey("kobodocs-gps-questions")
	r := e.SurveyResults(gps, subs, "fr")
	want := []string{"47.32 5.04: 5", "Chenôve: 5"}
	var got []string
	for _, b := range r[0].Bars {
		got = append(got, fmt.Sprintf("%s: %d", b.Label, b.Count))
	}
	if r[0].Answered != len(places) || !slices.Equal(got, want) {
		t.Errorf("places: %d answered, bars %v; want %d, %v", r[0].Answered, got, len(places), want)
	}

	subs = nil
	for i, hm := range []string{"07:45", "08:10", "06:30", "19:05", "08:00"} {
		subs = append(subs, flows.Submission{Survey: "kobodocs-date-time", Pseudonym: fmt.Sprintf("p%d", i), Territory: "dijon", Lang: "uk",
			Started: fixedNow, Submitted: fixedNow, Answers: map[string]string{"time": hm}})
	}
	times, _ := e.Content().Survey("kobodocs-date-time")
	if r := e.SurveyResults(times, subs, "fr"); r[1].Median != "08:00" {
		t.Errorf("median time %q, want 08:00", r[1].Median)
	}
	var buf bytes.Buffer
	if err := flows.ExportSurvey(&buf, times, subs[:1], flows.FormatCSV); err != nil {
		t.Fatal(err)
	}
	if head, row, _ := strings.Cut(strings.TrimPrefix(buf.String(), "\ufeff"), "\n"); !strings.Contains(head, ",time,") || !strings.Contains(row, ",07:45,") {
		t.Errorf("export:\n%s", buf.String())
	}
}
