package storage

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func helpRequest(ref string, chat int64, at time.Time) flows.HelpRequest {
	return flows.HelpRequest{Ref: ref, Territory: "dijon", Need: "housing", Lang: "fa", Description: "Nous cherchons un logement.",
		Requester: chat, Status: flows.StatusNew, Created: at, Updated: at}
}

// Two partners take the same request at once: the store keeps the first
// and refuses the second with ErrConflict, writing nothing of it.
func TestRequestTakenOnce(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().UTC().Truncate(time.Millisecond)
	req := helpRequest("DIJ-0001", 7, now)
	mustCommit(t, r, 7, onboarded(), flows.RequestSaved{Request: req})
	if err := r.Commit(ctx, 8, onboarded(), []flows.Event{flows.RequestSaved{Request: helpRequest("DIJ-0001", 8, now)}}); !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("a second request with the same reference: %v, want ErrConflict", err)
	}

	first, second := req, req
	first.Status, first.Org, first.Staff = flows.StatusTaken, "cesam", 100
	second.Status, second.Org, second.Staff = flows.StatusTaken, "mjc", 200
	mustCommit(t, r, 100, onboarded(), flows.RequestSaved{Request: first, Expect: flows.StatusNew})
	err := r.Commit(ctx, 200, onboarded(), []flows.Event{flows.RequestSaved{Request: second, Expect: flows.StatusNew},
		flows.Audited{Entry: flows.AuditEntry{At: now, Actor: 200, Action: "take"}}})
	if !errors.Is(err, flows.ErrConflict) {
		t.Fatalf("second take: %v, want ErrConflict", err)
	}
	got, err := r.Request(ctx, "DIJ-0001")
	if err != nil || got.Org != "cesam" || got.Staff != 100 {
		t.Fatalf("request = %+v, %v; want Cesam's", got, err)
	}
	mine, err := r.MyRequests(ctx, 7)
	if err != nil || len(mine) != 1 || mine[0].Ref != "DIJ-0001" {
		t.Errorf("MyRequests = %+v, %v", mine, err)
	}
	all, err := r.TerritoryRequests(ctx, "dijon", now.Add(-time.Hour))
	if err != nil || len(all) != 1 {
		t.Errorf("TerritoryRequests = %+v, %v", all, err)
	}
	counts, _ := r.NeedCounts(ctx, "dijon", now)
	if counts["housing|created"] != 1 {
		t.Errorf("monthly counts %v", counts)
	}
	if ttl := r.c.TTL(ctx, tk.requestKey("DIJ-0001")).Val(); ttl < flows.RequestRetention-time.Hour {
		t.Errorf("request TTL %v", ttl)
	}
}

// /forget: the request is withdrawn, loses the chat id and the
// description; the person's set of requests goes.
func TestRequestWithdrawnOnForget(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().UTC().Truncate(time.Millisecond)
	req := helpRequest("DIJ-0002", 9, now)
	mustCommit(t, r, 9, onboarded(), flows.RequestSaved{Request: req})
	gone := req
	gone.Status, gone.Requester, gone.Description, gone.Closed = flows.StatusWithdrawn, 0, "", now
	mustCommit(t, r, 9, nil, flows.RequestSaved{Request: gone, Expect: flows.StatusNew}, flows.Forgotten{})
	got, _ := r.Request(ctx, "DIJ-0002")
	if got == nil || got.Status != flows.StatusWithdrawn || got.Requester != 0 || got.Description != "" {
		t.Fatalf("after forget: %+v", got)
	}
	if n := r.c.Exists(ctx, tk.myRequestsKey(9)).Val(); n != 0 {
		t.Error("the person's set of requests is still there")
	}
}

func BenchmarkRequestCreated(b *testing.B) {
	ctx := context.Background()
	r, _ := open(b)
	now := redistest.Now().UTC()
	s := onboarded()
	b.ResetTimer()
	for i := range b.N {
		req := helpRequest(fmt.Sprintf("DIJ-%07d", i), int64(i), now)
		job := flows.Job{ID: flows.RequestJobPrefix + req.Ref + ":new", Kind: "request", Territory: "dijon", Created: now}
		msgs := []flows.Bulk{
			{Job: job.ID, ChatID: 100, Text: "🆕 Demande " + req.Ref, Buttons: [][]flows.Button{{{Text: "Je la prends", Data: "hs:take:" + req.Ref}, {Text: "Passer", Data: "hs:pass:" + req.Ref}}}},
			{Job: job.ID, ChatID: 101, Text: "🆕 Demande " + req.Ref, Buttons: [][]flows.Button{{{Text: "Je la prends", Data: "hs:take:" + req.Ref}, {Text: "Passer", Data: "hs:pass:" + req.Ref}}}},
		}
		if err := r.Commit(ctx, int64(i), s, []flows.Event{flows.RequestSaved{Request: req}, flows.BroadcastQueued{Job: job, Messages: msgs}}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
	req := tk.requestKey(fmt.Sprintf("DIJ-%07d", 0))
	per := r.c.MemoryUsage(ctx, req, 0).Val() + r.c.MemoryUsage(ctx, tk.myRequestsKey(0), 0).Val()
	if b.N >= 1000 {
		per += r.c.MemoryUsage(ctx, tk.territoryRequestsKey("dijon"), 0).Val() / int64(b.N)
	}
	b.ReportMetric(float64(per), "B/request")
}
