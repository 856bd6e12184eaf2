package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// withSurveysConsent gives chat the surveys consent.
func (w *teamWorld) withSurveysConsent(chat int64) {
	w.t.Helper()
	s, err := w.store.Load(context.Background(), chat)
	if err != nil {
		w.t.Fatal(err)
	}
	s.Consents[flows.PurposeSurveys] = flows.Consent{At: fixedNow, Notice: flows.NoticeVersion}
	if err := w.store.Commit(context.Background(), chat, s, nil); err != nil {
		w.t.Fatal(err)
	}
}

// TestSurveyNudge: someone who starts a survey and leaves gets one neutral
// reminder a day later; someone who finished, or who started but dropped
// their consent, gets none.
func TestSurveyNudge(t *testing.T) {
	w := newTeamWorld(t)
	for _, chat := range []int64{newcomer, newcomer2} {
		w.withSurveysConsent(chat)
		w.press(chat, "sv:list")
		w.press(chat, "sv:go:"+surveyKey(t, w, academy))
		w.press(chat, "sv:a:"+surveyKey(t, w, academy)+":0:3") // listened: 4
	}
	w.cmd(newcomer2, "/stop") // withdraws the consent: no nudge
	job := &flows.ReminderJob{Engine: w.eng, Store: w.store}
	ctx := context.Background()
	if n, err := job.Run(ctx, fixedNow.Add(23*time.Hour)); err != nil || n != 0 {
		t.Fatalf("before a day: %d, %v", n, err)
	}
	n1, err1 := job.Run(ctx, fixedNow.Add(25*time.Hour))
	n2, err2 := job.Run(ctx, fixedNow.Add(26*time.Hour))
	if err1 != nil || err2 != nil || n1 != 1 || n2 != 0 {
		t.Fatalf("runs queued %d then %d (%v, %v), want 1 then 0", n1, n2, err1, err2)
	}
	for _, q := range w.store.jobs {
		if q.Job.Kind == "reminder" {
			if m := q.Messages[0]; m.ChatID != newcomer || !strings.Contains(m.Text, "Votre voix dans la vie locale") {
				t.Errorf("nudge %+v", m)
			}
		}
	}
}

// TestSurveyInvitations: three days after the survey opened, the people who
// accepted surveys and have not answered are invited, once per survey.
func TestSurveyInvitations(t *testing.T) {
	w := newTeamWorld(t)
	for _, chat := range []int64{newcomer, newcomer2, newcomer3} {
		w.withSurveysConsent(chat)
	}
	p := flows.Pseudonym(teamSecret, newcomer3)
	w.store.subs[academy] = map[string]flows.Submission{p: {Survey: academy, Pseudonym: p, Territory: "dijon"}}
	job := &flows.SurveyInviteJob{Engine: w.eng, Store: w.store}
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	// The sample survey opens on 16/11/2026: invitations are due on the 19th.
	if n, err := job.Run(ctx, time.Date(2026, 11, 18, 23, 0, 0, 0, paris)); err != nil || n != 0 {
		t.Fatalf("before three days: %d, %v", n, err)
	}
	at := time.Date(2026, 11, 19, 0, 10, 0, 0, paris)
	n1, err1 := job.Run(ctx, at)
	n2, err2 := job.Run(ctx, at.Add(10*time.Minute)) // the next tick, or another replica
	if err1 != nil || err2 != nil || n1 != 2 || n2 != 0 {
		t.Fatalf("runs queued %d then %d (%v, %v), want 2 then 0", n1, n2, err1, err2)
	}
	q := w.store.jobs[flows.ReminderJobPrefix+"svinv:"+academy+":dijon"]
	got := map[int64]string{}
	for _, m := range q.Messages {
		got[m.ChatID] = m.Text
	}
	if len(got) != 2 || got[newcomer3] != "" || !strings.Contains(got[newcomer2], "إبداء رأيي") {
		t.Errorf("invitations %v", got)
	}
	if n, _ := job.Run(ctx, time.Date(2028, 1, 1, 12, 0, 0, 0, paris)); n != 0 { // the sample survey closed on 31/12/2027
		t.Errorf("a closed survey invited %d people", n)
	}
}

// surveyKey finds the short key a survey's buttons carry, from the list.
func surveyKey(t *testing.T, w *teamWorld, id string) string {
	t.Helper()
	s, _ := w.eng.Content().Survey(id)
	for _, r := range w.press(newcomer, "sv:list") {
		for _, b := range flows.Buttons([]flows.Reply{r}) {
			if key, ok := strings.CutPrefix(flowData(b.Data), "sv:o:"); ok && strings.Contains(b.Text, s.Title("fr")) {
				return key
			}
		}
	}
	t.Fatalf("no button for %s", id)
	return ""
}
