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

// TestSentinelFailover runs the store on a primary, a replica and three
// sentinels (real processes), kills the primary, and measures how long
// until the store works again through the promoted replica; then every
// kind of call works there: the per-update transactions (Open, Commit),
// Lua scripts (limiter, outbox), and the outbox's consumer group, whose
// pending deliveries survived. Run it with -v to see the figures.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("Redis Sentinel failover: takes about 10 s of real processes")
	}
	t.Parallel() // waits in real time, on Redis processes of its own
	// The sentinels have a password of their own, as in production.
	g := redistest.NewSentinel(t, redistest.SentinelOptions{SentinelPassword: "watch-S3cret"})
	ctx := context.Background()
	r := connect(t, g.URL())

	// Before: a person, a broadcast of 10 messages of which 4 are being
	// sent, a limiter's state.
	const chat = 7001
	if _, _, err := r.Open(ctx, chat, flows.Claim{UpdateID: 1, Token: "a"}); !errors.Is(err, flows.ErrNotFound) {
		t.Fatalf("Open before: %v", err)
	}
	mustCommit(t, r, chat, onboarded(), broadcast("job-f", 10, "Bonjour"))
	inFlight := claim(t, r, "replica-a", 4, time.Minute)
	if len(inFlight) != 4 {
		t.Fatalf("claimed %d, want 4", len(inFlight))
	}
	if ok, _ := allow(t, r, "global", time.Hour, 1); !ok {
		t.Fatal("first Allow refused")
	}
	// What was acknowledged by the replica survives a failover; writes the
	// primary took but had not yet sent to its replica are lost
	// (asynchronous replication). WAIT makes the writes above acknowledged.
	primary := g.PrimaryClient()
	if n, err := primary.Wait(ctx, 1, 2*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT for the replica: (%d, %v)", n, err)
	}
	// A burst the replica may or may not have received when the primary
	// dies: how much of it is lost is measured, not asserted.
	const burst = 200
	for i := range burst {
		primary.Set(ctx, fmt.Sprintf("%sburst:%d", testPrefix, i), i, time.Hour)
	}

	before, err := g.PrimaryAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	g.Primary.Stop()

	// The store works again when a transaction commits.
	var tries int
	for {
		tries++
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := r.Commit(tctx, chat+1, onboarded(), nil)
		cancel()
		if err == nil {
			break
		}
		if time.Since(killed) > 45*time.Second {
			t.Fatalf("the store did not recover within 45 s of the primary's death: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	recovery := time.Since(killed)
	// The sentinels that did not lead the failover learn of it shortly.
	after, err := g.PrimaryAddr(ctx)
	for wait := time.Now().Add(10 * time.Second); (err != nil || after == before) && time.Now().Before(wait); {
		time.Sleep(100 * time.Millisecond)
		after, err = g.PrimaryAddr(ctx)
	}
	if err != nil || after == before {
		t.Fatalf("the sentinels name %q (%v) after the failover, before %q", after, err, before)
	}
	kept := 0
	for i := range burst {
		if r.c.Exists(ctx, fmt.Sprintf("%sburst:%d", testPrefix, i)).Val() == 1 {
			kept++
		}
	}
	t.Logf("Redis Sentinel failover: the store worked again %v after the primary was killed (%d tries; down-after 1 s); "+
		"of %d writes not awaited with WAIT just before, %d were lost", recovery.Round(10*time.Millisecond), tries, burst, burst-kept)

	// After: what was acknowledged is there.
	if _, err := r.Load(ctx, chat); err != nil {
		t.Errorf("the session written before the failover: %v", err)
	}
	// The update claim taken before is still held (no second handling)...
	if _, _, err := r.Open(ctx, chat, flows.Claim{UpdateID: 1, Token: "b"}); !errors.Is(err, flows.ErrDuplicate) {
		t.Errorf("update 1 claimed again after the failover: %v", err)
	}
	// ...and a new update is claimed, read and committed: two transactions.
	s, _, err := r.Open(ctx, chat, flows.Claim{UpdateID: 2, Token: "a"})
	if err != nil {
		t.Fatalf("Open after: %v", err)
	}
	s.Step = "after-failover"
	mustCommit(t, r, chat, s)
	// The limiter's Lua script and its state.
	if ok, _ := allow(t, r, "global", time.Hour, 1); ok {
		t.Error("the limiter forgot its budget in the failover")
	}
	// The consumer group: the 6 unclaimed deliveries come to another
	// replica, the 4 in flight stay pending and are reclaimed when idle,
	// and settling them (Lua) counts them in the job.
	rest := claim(t, r, "replica-b", 10, time.Hour)
	if len(rest) != 6 {
		t.Errorf("claimed %d after the failover, want the 6 left", len(rest))
	}
	again := claim(t, r, "replica-b", 10, 0)
	if len(again) != 10 {
		t.Errorf("reclaimed %d pending after the failover, want 10", len(again))
	}
	for _, d := range again {
		if _, err := r.Finish(ctx, d, flows.OutcomeSent); err != nil {
			t.Fatalf("Finish after the failover: %v", err)
		}
	}
	st, err := r.Job(ctx, "job-f")
	if err != nil || st == nil || st.Sent != 10 {
		t.Errorf("job after the failover: %+v, %v; want 10 sent", st, err)
	}
}
