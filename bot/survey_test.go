package bot

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
)

// A crash between storing the last answer and replying: Telegram never got
// the thank-you, the update comes again, the person writes again. There is
// still exactly one submission, the first.
func TestSurveySubmittedOnceWhenTheReplyFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const chat = 4100009001
	now := h.clock.Now()
	h.seed(chat, &flows.Session{Lang: "fa", Territory: "dijon", Onboarded: true, Flow: "sv", Step: "suggestion",
		Consents: map[flows.Purpose]flows.Consent{flows.PurposeSurveys: {At: now, Notice: flows.NoticeVersion}},
		Survey: &flows.SurveyProgress{ID: "academie-participation", Current: "suggestion",
			Path:    []string{"listened", "topics", "meeting"},
			Answers: map[string]string{"listened": "3", "topics": "housing french", "meeting": "no"},
			Started: now.Add(-5 * time.Minute), Updated: now}})

	h.fake.FailNext("sendMessage", fakeapi.Fault{Code: http.StatusBadGateway}, 10)
	last := fakeapi.TextUpdate(chat, "کورس زبان فرانسوی در شام", "fa")
	h.handle(last) // the reply fails: the error is the bot's to log, the answer is stored
	h.fake.FailNext("sendMessage", fakeapi.Fault{}, 0)
	h.handle(last)                                                           // Telegram redelivers the same update
	h.mustHandle(fakeapi.TextUpdate(chat, "کورس زبان فرانسوی در شام", "fa")) // the person writes it again

	subs, err := h.store.Submissions(h.ctx, "academie-participation")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 {
		t.Fatalf("%d submissions, want 1", len(subs))
	}
	s := subs[0]
	if s.Answers["suggestion"] != "کورس زبان فرانسوی در شام" || s.Lang != "fa" || s.Territory != "dijon" || strings.Contains(s.Pseudonym, "4100009001") {
		t.Errorf("submission = %+v", s)
	}
	if got := h.session(chat); got.Survey != nil {
		t.Errorf("progress kept after submission: %+v", got.Survey)
	}
}
