package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// notice is a delivery of a request's notice (or another message about it)
// to chat.
func notice(job string, chat int64) flows.Delivery {
	return flows.Delivery{ID: "1-1", Bulk: flows.Bulk{Job: job, ChatID: chat, Text: "🆕 DIJ-0007"}, Attempt: 1}
}

// The sender reports where each notice of a request went; a withdrawal
// retracts exactly those, or is played again when one came meanwhile. Once
// the request is withdrawn, its notices are not sent, and one delivered
// during the withdrawal must go.
func TestNoticesRetracted(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().UTC().Truncate(time.Millisecond)
	req := helpRequest("DIJ-0007", 7, now)
	mustCommit(t, r, 7, onboarded(), flows.RequestSaved{Request: req})
	const job = flows.RequestJobPrefix + "DIJ-0007:show:tok"
	const staff, group = 100, -1001234567890

	for _, c := range []struct {
		d    flows.Delivery
		id   int
		keep bool
	}{
		{notice(job, staff), 11, true},
		{notice(job, group), 5, true},
		{notice(flows.RequestJobPrefix+"DIJ-0007:tok", staff), 12, true}, // shows nothing the person wrote: not recorded
		{notice("bc:job", staff), 13, true},
	} {
		keep, err := r.Delivered(ctx, c.d, c.id)
		if err != nil || keep != c.keep {
			t.Fatalf("Delivered(%s, %d) = %v, %v", c.d.Bulk.Job, c.id, keep, err)
		}
	}
	want := []flows.Notice{{ChatID: group, MessageID: 5}, {ChatID: staff, MessageID: 11}}
	got, err := r.Notices(ctx, "DIJ-0007")
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Notices = %+v, %v; want %+v", got, err, want)
	}
	// The notices expire with the request, also when its expiry moves.
	req.Updated = now.Add(time.Hour)
	mustCommit(t, r, 100, onboarded(), flows.RequestSaved{Request: req, Expect: flows.StatusNew})
	if a, b := r.c.PExpireTime(ctx, tk.requestKey("DIJ-0007")).Val(), r.c.PExpireTime(ctx, tk.noticesKey("DIJ-0007")).Val(); a != b || a <= 0 {
		t.Errorf("request expires at %v, its notices at %v", a, b)
	}
	if ok, err := r.Eligible(ctx, notice(job, group)); err != nil || !ok {
		t.Errorf("a notice of an open request: eligible = %v, %v", ok, err)
	}

	withdrawn := req
	withdrawn.Requester, withdrawn.Description, withdrawn.Status, withdrawn.Closed = 0, "", flows.StatusWithdrawn, now
	withdraw := func(notices []flows.Notice) error {
		return r.Commit(ctx, 7, nil, []flows.Event{
			flows.RequestSaved{Request: withdrawn, Expect: flows.StatusNew},
			flows.NoticesRetracted{Ref: "DIJ-0007", Notices: notices},
			flows.Forgotten{},
		})
	}
	// A step that read the notices before the second was delivered.
	if err := withdraw(want[1:]); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("retracting a notice short: %v, want ErrConflict", err)
	}
	if cur, _ := r.Request(ctx, "DIJ-0007"); cur.Status != flows.StatusNew {
		t.Fatalf("the refused withdrawal wrote the request: %+v", cur)
	}
	if err := withdraw(append(slices.Clone(want), flows.Notice{ChatID: 1, MessageID: 1})); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("retracting a notice too many: %v, want ErrConflict", err)
	}
	if err := withdraw(want); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Notices(ctx, "DIJ-0007"); len(got) != 0 {
		t.Errorf("notices left after the withdrawal: %+v", got)
	}

	// A notice still in the outbox is not sent; one delivered while the
	// request was being withdrawn must not stay, and is not recorded.
	if ok, err := r.Eligible(ctx, notice(job, group)); err != nil || ok {
		t.Errorf("a notice of a withdrawn request: eligible = %v, %v", ok, err)
	}
	// Its edit goes, even to a partner whose session expired meanwhile.
	edit := notice(flows.RequestJobPrefix+"DIJ-0007:tok", 555)
	edit.Bulk.Edit = 11
	if ok, err := r.Eligible(ctx, edit); err != nil || !ok {
		t.Errorf("an edit to a chat without a session: eligible = %v, %v", ok, err)
	}
	if keep, err := r.Delivered(ctx, notice(job, staff), 14); err != nil || keep {
		t.Errorf("a notice delivered after the withdrawal: keep = %v, %v", keep, err)
	}
	if keep, err := r.Delivered(ctx, notice(flows.RequestJobPrefix+"DIJ-9999:show:tok", staff), 15); err != nil || keep {
		t.Errorf("a notice of an unknown request: keep = %v, %v", keep, err)
	}
	if got, _ := r.Notices(ctx, "DIJ-0007"); len(got) != 0 {
		t.Errorf("a late notice was recorded: %+v", got)
	}
}

// An edit goes through the outbox like a message: queued, claimed, retried
// and claimed again, naming the message it edits all along.
func TestOutboxCarriesEdits(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now()
	job := flows.Job{ID: "req:DIJ-0007:tok", Kind: "request", Territory: "dijon", Created: now}
	mustCommit(t, r, 7, onboarded(), flows.BroadcastQueued{Job: job, Messages: []flows.Bulk{
		{Job: job.ID, ChatID: 100, Text: "Cette demande (DIJ-0007) a été retirée.", Edit: 11},
		{Job: job.ID, ChatID: 101, Text: "nouveau"},
	}})
	ds, err := r.Claim(ctx, "a", 10, time.Minute)
	if err != nil || len(ds) != 2 {
		t.Fatalf("Claim = %+v, %v", ds, err)
	}
	if ds[0].Bulk.Edit != 11 || ds[1].Bulk.Edit != 0 {
		t.Fatalf("claimed %+v", ds)
	}
	if err := r.Retry(ctx, ds[0], now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	again, err := r.Claim(ctx, "a", 10, time.Minute)
	if err != nil || len(again) != 1 || again[0].Bulk.Edit != 11 || again[0].Attempt != 2 || again[0].Bulk.Text != ds[0].Bulk.Text {
		t.Fatalf("claimed after the retry %+v, %v", again, err)
	}
}
