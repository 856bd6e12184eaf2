package storage

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

var secret = []byte("a test key for pseudonyms, 32 bytes+")

// submission is chat's answers to survey, submitted at.
func submission(survey string, chat int64, at time.Time) flows.SurveySubmitted {
	return flows.SurveySubmitted{
		Submission: flows.Submission{Survey: survey, Pseudonym: flows.Pseudonym(secret, chat), Territory: "dijon", Lang: "ar",
			Started: at.Add(-3 * time.Minute), Submitted: at, Answers: map[string]string{"listened": "4", "topics": "housing jobs"}},
		Expires: at.Add(flows.SurveyRetention),
	}
}

// A crash after the submission was committed and before the reply went out
// makes the same commit happen again (a redelivered update, a go-redis
// retry): there must still be exactly one submission, the first.
func TestSubmissionStoredOnce(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	at := redistest.Now().UTC().Truncate(time.Second)
	first := submission("academie", 7, at)
	mustCommit(t, r, 7, onboarded(), first)
	again := submission("academie", 7, at.Add(time.Minute))
	again.Submission.Answers = map[string]string{"listened": "1"}
	mustCommit(t, r, 7, onboarded(), again)

	subs, err := r.Submissions(ctx, "academie")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 1 || !reflect.DeepEqual(subs[0].Answers, first.Submission.Answers) || !subs[0].Submitted.Equal(at) {
		t.Fatalf("submissions = %+v, want only the first", subs)
	}
	if ok, err := r.Submitted(ctx, "academie", flows.Pseudonym(secret, 7)); err != nil || !ok {
		t.Errorf("Submitted = %v, %v", ok, err)
	}
	if ok, _ := r.Submitted(ctx, "academie", flows.Pseudonym(secret, 8)); ok {
		t.Error("someone else counts as submitted")
	}
	// A stored submission holds these fields and no chat id.
	for field, v := range r.c.HGetAll(ctx, tk.submissionsKey("academie")).Val() {
		var m map[string]any
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if !slices.Contains([]string{"sv", "p", "ter", "lang", "start", "at", "a"}, k) {
				t.Errorf("submission %s has an unexpected field %q", field, k)
			}
		}
	}
	// Kept until the latest expiry the events carried, by Redis's clock.
	expiresAt(t, r, tk.submissionsKey("academie"), again.Expires.UnixMilli())
}

func TestSubmissionsOrderedAndForgotten(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	at := redistest.Now().UTC().Truncate(time.Second)
	for i := range 5 {
		chat := int64(100 + i)
		mustCommit(t, r, chat, onboarded(), submission("academie", chat, at.Add(-time.Duration(i)*time.Hour)))
		mustCommit(t, r, chat, onboarded(), submission("autre", chat, at))
	}
	subs, err := r.Submissions(ctx, "academie")
	if err != nil || len(subs) != 5 {
		t.Fatalf("Submissions = %d, %v", len(subs), err)
	}
	for i := 1; i < len(subs); i++ {
		if subs[i].Submitted.Before(subs[i-1].Submitted) {
			t.Fatalf("not ordered by time: %v before %v", subs[i-1].Submitted, subs[i].Submitted)
		}
	}

	// /forget erases the person's submissions of every survey, and only theirs.
	mustCommit(t, r, 102, nil, flows.Forgotten{Pseudonym: flows.Pseudonym(secret, 102)})
	for _, survey := range []string{"academie", "autre"} {
		subs, _ := r.Submissions(ctx, survey)
		if len(subs) != 4 {
			t.Errorf("%s: %d submissions after forget, want 4", survey, len(subs))
		}
		for _, s := range subs {
			if s.Pseudonym == flows.Pseudonym(secret, 102) {
				t.Errorf("%s: the forgotten person's answers are still there", survey)
			}
		}
	}
	if n := r.c.Exists(ctx, tk.answeredKey(flows.Pseudonym(secret, 102))).Val(); n != 0 {
		t.Error("the forgotten person's list of surveys is still there")
	}

	// A submission and /forget in the same commit: forgetting wins.
	mustCommit(t, r, 200, nil, submission("academie", 200, at), flows.Forgotten{Pseudonym: flows.Pseudonym(secret, 200)})
	if ok, _ := r.Submitted(ctx, "academie", flows.Pseudonym(secret, 200)); ok {
		t.Error("a submission forgotten in the same commit was stored")
	}
}

func TestSubmissionsSkipUnreadable(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	at := redistest.Now().UTC().Truncate(time.Second)
	mustCommit(t, r, 1, onboarded(), submission("academie", 1, at))
	r.c.HSet(ctx, tk.submissionsKey("academie"), "garbage", "{not json", "other", `{"p":"not-other"}`)
	subs, err := r.Submissions(ctx, "academie")
	if err != nil || len(subs) != 1 {
		t.Fatalf("Submissions = %+v, %v; want the one readable", subs, err)
	}
}

func TestOutcome(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	if texts, err := r.Outcome(ctx, "academie", "dijon"); err != nil || texts != nil {
		t.Fatalf("Outcome before = %v, %v", texts, err)
	}
	want := map[string]string{"fr": "Une permanence logement ouvre en janvier.", "ar": "يفتح مكتب للسكن في يناير."}
	mustCommit(t, r, 9, onboarded(), flows.SurveyOutcomeSet{Survey: "academie", Territory: "dijon", Texts: want, Expires: redistest.Now().Add(time.Hour)})
	got, err := r.Outcome(ctx, "academie", "dijon")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Outcome = %v, %v", got, err)
	}
}

func BenchmarkSubmission(b *testing.B) {
	ctx := context.Background()
	r, _ := open(b)
	at := redistest.Now().UTC().Truncate(time.Second)
	s := onboarded()
	b.ResetTimer()
	for i := range b.N {
		ev := submission("bench", int64(i), at)
		ev.Submission.Answers = map[string]string{"listened": "4", "listened_help": "", "topics": "housing jobs french",
			"meeting": "yes", "meeting_when": "weekday_evening", "suggestion": "Des cours de français le soir, près de chez nous."}
		if err := r.Commit(ctx, int64(i), s, []flows.Event{ev}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
	if b.N >= 1000 {
		// The hash of answers, and the person's list of surveys answered.
		hash := r.c.MemoryUsage(ctx, tk.submissionsKey("bench"), 0).Val()
		mine := r.c.MemoryUsage(ctx, tk.answeredKey(flows.Pseudonym(secret, 0)), 0).Val()
		b.ReportMetric(float64(hash/int64(b.N)+mine), "B/submission")
	}
}
