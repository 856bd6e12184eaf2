package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// sampleSurveyOpen is a day within the dates of the sample's survey
// (academie-participation, 16/11/2026 to 31/12/2027), for the tests that
// need it open whatever today's date.
var sampleSurveyOpen = time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC)

// respondents commits n people of territory in lang from chat first who
// accept news and answered the sample survey under their real pseudonym.
func (f *fixture) respondents(first int64, n int, territory, lang string) {
	f.t.Helper()
	for chat := first; chat < first+int64(n); chat++ {
		s := &flows.Session{Version: flows.SessionVersion, Lang: lang, Territory: territory, Onboarded: true, Created: f.clock.now, Seen: f.clock.now,
			Consents: map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: f.clock.now, Notice: 1}}}
		sub := flows.SurveySubmitted{Expires: f.clock.now.Add(24 * time.Hour), Submission: flows.Submission{
			Survey: "academie-participation", Pseudonym: flows.Pseudonym(secret, chat), Territory: territory, Lang: lang,
			Started: f.clock.now.Add(-time.Minute), Submitted: f.clock.now, Answers: opinions(int(chat))}}
		if err := f.store.Commit(context.Background(), chat, s, []flows.Event{sub}); err != nil {
			f.t.Fatalf("commit %d: %v", chat, err)
		}
	}
}

func TestOutcomeComposer(t *testing.T) {
	f := newFixture(t)
	f.respondents(100, 6, "dijon", "ar")
	f.respondents(200, 3, "dijon", "uk")
	f.respondents(300, 4, "lyon", "ar")
	f.people(400, 5, "ar", 0, true) // news, no answers
	cookie := f.signIn(dijonCo)
	path := "/t/dijon/surveys/academie-participation/outcome"
	f.clock.now = sampleSurveyOpen
	if w := f.do("GET", path, nil, cookie); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "encore ouvert jusqu&#39;au 31/12/2027") {
		t.Fatalf("an open survey's composer: %d\n%s", w.Code, w.Body)
	}
	f.clock.now = time.Date(2028, 1, 3, 10, 0, 0, 0, time.UTC)
	w := f.do("GET", path, nil, cookie)
	if w.Code != http.StatusOK || strings.Count(w.Body.String(), "<textarea") != 8 {
		t.Fatalf("composer: %d\n%s", w.Code, w.Body)
	}
	csrf := csrfOf(t, w.Body.String())
	texts := url.Values{"csrf": {csrf}, "t:fr": {"Le marché aura lieu le samedi."}, "t:ar": {"سيقام السوق يوم السبت."}}

	tests := []struct {
		name string
		form url.Values
		code int
		want []string
	}{
		{"no French", url.Values{"csrf": {csrf}, "t:ar": {"نص"}, "preview": {"1"}}, http.StatusBadRequest, []string{"Le texte en français est obligatoire."}},
		{"too long", url.Values{"csrf": {csrf}, "t:fr": {strings.Repeat("é", flows.MaxBroadcast+1)}}, http.StatusBadRequest, []string{"Le texte en Français fait 3501 caractères, pour 3500 au plus."}},
		{"preview", texts, http.StatusOK, []string{
			"👀 Aperçu en العربية, pour 6 personnes :", "سيقام السوق يوم السبت.",
			"👀 Aperçu en Українська, pour 3 personnes :", "Le marché aura lieu le samedi.",
			"Envoyer à 9 personnes ?", `name="job"`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do("POST", path, tc.form, cookie)
			if w.Code != tc.code {
				t.Fatalf("%d, want %d:\n%s", w.Code, tc.code, w.Body)
			}
			for _, s := range tc.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("no %q in:\n%s", s, w.Body)
				}
			}
		})
	}

	page := f.do("POST", path, texts, cookie).Body.String()
	job := regexp.MustCompile(`name="job" value="([^"]+)"`).FindStringSubmatch(page)
	if job == nil {
		t.Fatalf("no job id in the preview:\n%s", page)
	}
	send := url.Values{"job": {job[1]}, "send": {"1"}}
	for k, v := range texts {
		send[k] = v
	}
	ctx := context.Background()
	for range 2 { // sent twice (a double click, a reload): queued once
		if w := f.do("POST", path, send, cookie); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "9 messages en file d&#39;attente") {
			t.Fatalf("send: %d\n%s", w.Code, w.Body)
		}
	}
	if st, err := f.store.Job(ctx, job[1]); err != nil || st.Total != 9 || st.Kind != "outcome" || st.Territory != "dijon" || st.Owner != dijonCo {
		t.Errorf("job: %+v, %v", st, err)
	}
	if n, err := f.store.OutboxLen(ctx); err != nil || n != 9 {
		t.Errorf("outbox: %d messages, %v", n, err)
	}
	if texts, err := f.store.Outcome(ctx, "academie-participation", "dijon"); err != nil || texts["ar"] != "سيقام السوق يوم السبت." || texts["fr"] == "" || len(texts) != 2 {
		t.Errorf("outcome recorded: %v, %v", texts, err)
	}
	if got := f.audited(); !containsAll(got, "web:outcome") {
		t.Errorf("audit log: %v", got)
	}
	for _, who := range []int64{dijonPart, lyonCo} {
		if w := f.do("GET", path, nil, f.signIn(who)); w.Code != http.StatusForbidden {
			t.Errorf("%d opens Dijon's composer: %d", who, w.Code)
		}
	}
}

// raceStore runs meantime once, just before the first commit goes in: a
// bot step of the same staff member writing their session meanwhile.
type raceStore struct {
	Store
	meantime func()
}

func (r *raceStore) Commit(ctx context.Context, chat int64, s *flows.Session, events []flows.Event) error {
	if f := r.meantime; f != nil {
		r.meantime = nil
		f()
	}
	return r.Store.Commit(ctx, chat, s, events)
}

// TestOutcomeSentWhileTheBotWrites: the coordinator's bot session changes
// between the page reading it and committing the outcome's events; the
// outcome is queued all the same, and the bot's change is kept.
func TestOutcomeSentWhileTheBotWrites(t *testing.T) {
	f := newFixture(t)
	f.respondents(100, 6, "dijon", "ar")
	ctx := context.Background()
	f.d.cfg.Store = &raceStore{Store: f.store, meantime: func() {
		s, err := f.store.Load(ctx, dijonCo)
		if err != nil {
			t.Fatal(err)
		}
		s.Flow, s.Step = "menu", "written-by-the-bot"
		if err := f.store.Commit(ctx, dijonCo, s, nil); err != nil {
			t.Fatal(err)
		}
	}}
	cookie := f.signIn(dijonCo)
	f.clock.now = time.Date(2028, 1, 3, 10, 0, 0, 0, time.UTC)
	path := "/t/dijon/surveys/academie-participation/outcome"
	csrf := csrfOf(t, f.do("GET", path, nil, cookie).Body.String())
	send := url.Values{"csrf": {csrf}, "t:fr": {"Le marché aura lieu le samedi."}, "job": {"race-job-000000000000000"}, "send": {"1"}}
	if w := f.do("POST", path, send, cookie); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "6 messages en file d&#39;attente") {
		t.Fatalf("send: %d\n%s", w.Code, w.Body)
	}
	if n, err := f.store.OutboxLen(ctx); err != nil || n != 6 {
		t.Errorf("outbox: %d messages, %v", n, err)
	}
	if s, err := f.store.Load(ctx, dijonCo); err != nil || s.Step != "written-by-the-bot" {
		t.Errorf("the bot's write was undone: %+v, %v", s, err)
	}
}
