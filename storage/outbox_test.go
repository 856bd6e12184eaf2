package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// broadcast is a BroadcastQueued of n messages to chats 1..n.
func broadcast(id string, n int, text string) flows.BroadcastQueued {
	e := flows.BroadcastQueued{Job: flows.Job{
		ID: id, Kind: "broadcast", Territory: "dijon", Owner: 900, OwnerLang: "fr",
		Created: redistest.Now().UTC().Truncate(time.Second),
	}}
	for i := range n {
		e.Messages = append(e.Messages, flows.Bulk{Job: id, ChatID: int64(i + 1), Text: fmt.Sprintf("%s %d", text, i+1)})
	}
	if n > 0 {
		// Buttons travel with the message, through retries too.
		e.Messages[0].Buttons = [][]flows.Button{{{Text: "Je le prends", Data: "hs:take:DIJ-1234"}}, {{Text: "Passer", Data: "hs:pass:DIJ-1234"}}}
	}
	return e
}

// claim claims or fails the test.
func claim(t testing.TB, r *Redis, consumer string, n int, idle time.Duration) []flows.Delivery {
	t.Helper()
	ds, err := r.Claim(context.Background(), consumer, n, idle)
	if err != nil {
		t.Fatalf("Claim(%s): %v", consumer, err)
	}
	return ds
}

// finishAll finishes deliveries or fails the test, and returns the last status.
func finishAll(t testing.TB, r *Redis, ds []flows.Delivery, o flows.Outcome) flows.JobStatus {
	t.Helper()
	var st flows.JobStatus
	for _, d := range ds {
		var err error
		if st, err = r.Finish(context.Background(), d, o); err != nil {
			t.Fatalf("Finish(%s): %v", d.ID, err)
		}
	}
	return st
}

// outboxLen returns OutboxLen or fails the test.
func outboxLen(t testing.TB, r *Redis) int64 {
	t.Helper()
	n, err := r.OutboxLen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBroadcastQueued(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	e := broadcast("job-1", 3, "Bonjour")
	mustCommit(t, r, 900, onboarded(), e)

	st, err := r.Job(ctx, "job-1")
	if err != nil || st == nil {
		t.Fatalf("Job: (%v, %v)", st, err)
	}
	if st.Job != e.Job || st.Total != 3 || st.Pending() != 3 || st.ProgressMessage != 0 {
		t.Errorf("Job = %+v, want %+v with 3 pending", st, e.Job)
	}
	if ttl := r.c.TTL(ctx, tk.jobKey("job-1")).Val(); JobTTL-ttl > time.Minute || ttl > JobTTL {
		t.Errorf("job TTL %v, want about %v", ttl, JobTTL)
	}
	if n := outboxLen(t, r); n != 3 {
		t.Errorf("OutboxLen = %d, want 3", n)
	}

	// Queued again (a retried Commit, a double confirmation): nothing more.
	mustCommit(t, r, 900, onboarded(), e)
	mustCommit(t, r, 900, onboarded(), &e)
	// Queued by two replicas at once: once.
	other := connect(t, srv.URL())
	e2 := broadcast("job-2", 50, "Salut")
	var wg sync.WaitGroup
	for _, c := range []*Redis{r, other, r, other} {
		wg.Go(func() { mustCommit(t, c, 900, onboarded(), e2) })
	}
	wg.Wait()
	if n := outboxLen(t, r); n != 3+50 {
		t.Errorf("OutboxLen = %d, want %d: a job was queued twice", n, 53)
	}

	ds := claim(t, r, "a", 100, time.Minute)
	if len(ds) != 53 {
		t.Fatalf("claimed %d, want 53", len(ds))
	}
	d := ds[0]
	if !reflect.DeepEqual(d.Bulk, e.Messages[0]) || d.Attempt != 1 || d.ID == "" || !d.NotBefore.IsZero() {
		t.Errorf("first delivery %+v, want %+v at attempt 1", d, e.Messages[0])
	}

	if st, err := r.Job(ctx, "unknown"); st != nil || err != nil {
		t.Errorf("Job(unknown) = (%v, %v), want (nil, nil)", st, err)
	}
	if err := r.Commit(ctx, 900, onboarded(), []flows.Event{flows.BroadcastQueued{}}); err == nil {
		t.Error("a job without an id was queued")
	}
}

func TestBroadcastQueuedAllOrNothing(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	err := r.Commit(ctx, 900, onboarded(), []flows.Event{
		broadcast("job", 10, "x"),
		flows.RoleGranted{ChatID: 900, Token: "gone"},
	})
	if !errors.Is(err, flows.ErrInviteGone) {
		t.Fatalf("Commit: %v, want ErrInviteGone", err)
	}
	if n := r.c.DBSize(ctx).Val(); n != 0 {
		t.Errorf("%d keys written: %v", n, r.c.Keys(ctx, "*").Val())
	}
	// The job id is not burnt: the next attempt queues it.
	mustCommit(t, r, 900, onboarded(), broadcast("job", 10, "x"))
	if n := outboxLen(t, r); n != 10 {
		t.Errorf("OutboxLen = %d, want 10", n)
	}
}

func TestClaimTwoConsumers(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	const total = 1000
	mustCommit(t, r, 900, onboarded(), broadcast("big", total, "Réunion"))

	var (
		mu      sync.Mutex
		seen    = map[int64]int{}
		claimed atomic.Int64
		wg      sync.WaitGroup
	)
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range []string{"replica-a", "replica-b"} {
		c := connect(t, srv.URL())
		wg.Go(func() {
			for claimed.Load() < total && time.Now().Before(deadline) {
				ds, err := c.Claim(ctx, name, 37, time.Minute)
				if err != nil {
					t.Errorf("%s: Claim: %v", name, err)
					return
				}
				claimed.Add(int64(len(ds)))
				mu.Lock()
				for _, d := range ds {
					seen[d.Bulk.ChatID]++
				}
				mu.Unlock()
				for _, d := range ds {
					if _, err := c.Finish(ctx, d, flows.OutcomeSent); err != nil {
						t.Errorf("%s: Finish: %v", name, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != total {
		t.Errorf("%d distinct messages claimed, want %d", len(seen), total)
	}
	for chat, n := range seen {
		if n != 1 {
			t.Errorf("message to %d claimed %d times", chat, n)
		}
	}
	st, err := r.Job(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != total || st.Pending() != 0 {
		t.Errorf("job %+v, want %d sent, none pending", st, total)
	}
	if n := outboxLen(t, r); n != 0 {
		t.Errorf("OutboxLen = %d after everything was sent", n)
	}
}

func TestClaimAfterCrash(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	r, _ := open(t)
	mustCommit(t, r, 900, onboarded(), broadcast("job", 20, "x"))
	const idle = 300 * time.Millisecond

	// Replica a claims everything, then dies without settling anything.
	dead := claim(t, r, "a", 50, idle)
	if len(dead) != 20 {
		t.Fatalf("a claimed %d, want 20", len(dead))
	}
	// Still in flight: b gets nothing (after a short wait for new ones).
	start := time.Now()
	if ds := claim(t, r, "b", 50, idle); len(ds) != 0 {
		t.Fatalf("b claimed %d in-flight messages before they were idle", len(ds))
	}
	waited := time.Since(start)
	if waited > claimBlock+500*time.Millisecond {
		t.Errorf("an empty Claim took %v, want at most about %v", waited, claimBlock)
	}
	time.Sleep(idle)
	got := claim(t, r, "b", 50, idle)
	if len(got) != 20 {
		t.Fatalf("b reclaimed %d, want 20", len(got))
	}
	for i, d := range got {
		if d.ID != dead[i].ID || !reflect.DeepEqual(d.Bulk, dead[i].Bulk) || d.Attempt != 1 {
			t.Errorf("reclaimed %+v, want %+v", d, dead[i])
		}
	}
	st := finishAll(t, r, got, flows.OutcomeSent)
	if st.Sent != 20 || st.Pending() != 0 {
		t.Errorf("status %+v, want 20 sent", st)
	}
	// a comes back and finishes its stale copies: nothing counts twice.
	st = finishAll(t, r, dead, flows.OutcomeFailed)
	if st.Sent != 20 || st.Failed != 0 {
		t.Errorf("status after stale Finish %+v, want 20 sent and 0 failed", st)
	}
	if n := outboxLen(t, r); n != 0 {
		t.Errorf("OutboxLen = %d", n)
	}
}

func TestFinish(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 900, onboarded(), broadcast("job", 6, "x"))
	ds := claim(t, r, "a", 6, time.Minute)
	steps := []struct {
		d                     int
		outcome               flows.Outcome
		sent, blocked, failed int
	}{
		{0, flows.OutcomeSent, 1, 0, 0},
		{0, flows.OutcomeSent, 1, 0, 0}, // twice: counted once
		{0, flows.OutcomeBlocked, 1, 0, 0},
		{1, flows.OutcomeBlocked, 1, 1, 0},
		{2, flows.OutcomeFailed, 1, 1, 1},
		{3, flows.OutcomeSent, 2, 1, 1},
		{2, flows.OutcomeFailed, 2, 1, 1},
	}
	for i, st := range steps {
		got, err := r.Finish(ctx, ds[st.d], st.outcome)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got.Sent != st.sent || got.Blocked != st.blocked || got.Failed != st.failed || got.Total != 6 || got.ID != "job" {
			t.Errorf("step %d: %+v, want sent %d blocked %d failed %d", i, got, st.sent, st.blocked, st.failed)
		}
	}
	if n := outboxLen(t, r); n != 2 {
		t.Errorf("OutboxLen = %d, want 2 unsettled", n)
	}
	if _, err := r.Finish(ctx, ds[4], "maybe"); err == nil {
		t.Error("Finish with an unknown outcome succeeded")
	}
	// A job that expired meanwhile: settled, zero counts, no new key.
	r.c.Del(ctx, tk.jobKey("job"))
	got, err := r.Finish(ctx, ds[4], flows.OutcomeSent)
	if err != nil || got.Sent != 0 || got.ID != "job" {
		t.Errorf("Finish of an expired job: (%+v, %v)", got, err)
	}
	if r.c.Exists(ctx, tk.jobKey("job")).Val() != 0 {
		t.Error("Finish recreated an expired job without a TTL")
	}
}

func TestRetry(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 900, onboarded(), broadcast("job", 2, "x"))
	ds := claim(t, r, "a", 2, time.Minute)
	if len(ds) != 2 {
		t.Fatalf("claimed %d", len(ds))
	}

	due := redistest.Now().Add(claimBlock + 500*time.Millisecond)
	if err := r.Retry(ctx, ds[0], due); err != nil {
		t.Fatal(err)
	}
	if err := r.Retry(ctx, ds[0], due); err != nil { // twice: one copy
		t.Fatal(err)
	}
	if err := r.Retry(ctx, ds[1], redistest.Now().Add(-time.Second)); err != nil { // already due
		t.Fatal(err)
	}
	if n := outboxLen(t, r); n != 2 {
		t.Errorf("OutboxLen = %d, want 2 (waiting counts)", n)
	}

	got := claim(t, r, "b", 10, time.Minute)
	if len(got) != 1 || !reflect.DeepEqual(got[0].Bulk, ds[1].Bulk) || got[0].Attempt != 2 || got[0].ID == ds[1].ID {
		t.Fatalf("claimed %+v, want only the due retry of %+v at attempt 2", got, ds[1])
	}
	if ds := claim(t, r, "b", 10, time.Minute); len(ds) != 0 {
		t.Fatalf("claimed %+v before it was due", ds)
	}
	time.Sleep(due.Sub(redistest.Now()) + 50*time.Millisecond)
	late := claim(t, r, "b", 10, time.Minute)
	if len(late) != 1 || !reflect.DeepEqual(late[0].Bulk, ds[0].Bulk) || late[0].Attempt != 2 {
		t.Fatalf("claimed %+v, want the retry of %+v at attempt 2", late, ds[0])
	}
	if err := r.Retry(ctx, late[0], redistest.Now()); err != nil {
		t.Fatal(err)
	}
	third := claim(t, r, "b", 10, time.Minute)
	if len(third) != 1 || third[0].Attempt != 3 {
		t.Fatalf("claimed %+v, want attempt 3", third)
	}
	st := finishAll(t, r, append(got, third...), flows.OutcomeSent)
	if st.Sent != 2 || st.Pending() != 0 {
		t.Errorf("status %+v", st)
	}
	// Retrying a settled delivery does nothing.
	if err := r.Retry(ctx, third[0], redistest.Now()); err != nil {
		t.Fatal(err)
	}
	if n := outboxLen(t, r); n != 0 {
		t.Errorf("OutboxLen = %d after all settled", n)
	}
}

func TestClaimSkipsCorruptEntries(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 900, onboarded(), broadcast("job", 1, "x"))
	claim(t, r, "a", 0, time.Minute) // nothing, but the group exists
	r.c.XAdd(ctx, &redis.XAddArgs{Stream: tk.outboxKey(), Values: []any{"job", "job", "text", "no chat"}})
	r.c.ZAdd(ctx, tk.laterKey(), redis.Z{Score: 1, Member: "not json"})
	r.c.ZAdd(ctx, tk.laterKey(), redis.Z{Score: 1, Member: `{"job":"job","chat":12}`})

	ds := claim(t, r, "a", 10, time.Minute)
	if len(ds) != 1 || ds[0].Bulk.ChatID != 1 {
		t.Fatalf("claimed %+v, want only the valid message", ds)
	}
	st, _ := r.Job(ctx, "job")
	if st.Failed != 1 {
		t.Errorf("corrupt entry not counted as failed: %+v", st)
	}
	if n := outboxLen(t, r); n != 1 {
		t.Errorf("OutboxLen = %d, want only the claimed message", n)
	}
}

func TestClaimRecreatesGroup(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	ctx := context.Background()
	r, _ := open(t)
	claim(t, r, "a", 1, 0)
	// The server lost its data (restart without persistence).
	r.c.FlushAll(ctx)
	mustCommit(t, r, 900, onboarded(), broadcast("job", 2, "x"))
	if ds := claim(t, r, "a", 5, time.Minute); len(ds) != 2 {
		t.Errorf("claimed %d after the group vanished, want 2", len(ds))
	}
}

func TestClaimArguments(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	if _, err := r.Claim(ctx, "", 1, 0); err == nil {
		t.Error("Claim without a consumer name succeeded")
	}
	if ds, err := r.Claim(ctx, "a", 0, 0); ds != nil || err != nil {
		t.Errorf("Claim(0) = (%v, %v)", ds, err)
	}
	// A context ending sooner than the wait shortens it.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// On a loaded machine the wait may end in the context's timeout rather
	// than an empty answer; an error while the context still runs is a fault.
	if ds, err := r.Claim(short, "a", 1, 0); (err != nil && short.Err() == nil) || len(ds) != 0 {
		t.Errorf("Claim with a short context: (%v, %v)", ds, err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("Claim outlived its context: %v", d)
	}
}

func TestProgressMessage(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 900, onboarded(), broadcast("job", 1, "x"))
	if err := r.SetProgressMessage(ctx, "job", 4242); err != nil {
		t.Fatal(err)
	}
	st, _ := r.Job(ctx, "job")
	if st.ProgressMessage != 4242 {
		t.Errorf("ProgressMessage = %d", st.ProgressMessage)
	}
	if err := r.SetProgressMessage(ctx, "gone", 1); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("SetProgressMessage(unknown) = %v, want ErrNotFound", err)
	}
	if r.c.Exists(ctx, tk.jobKey("gone")).Val() != 0 {
		t.Error("SetProgressMessage created a job")
	}
}

func TestBigJob(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	const total = 10_000
	// A realistic broadcast: about 400 characters of French.
	text := strings.Repeat("Permanence d'accès aux droits mardi 14h, salle 2. ", 8)
	e := broadcast("big", total, text)

	start := time.Now()
	mustCommit(t, r, 900, onboarded(), e)
	took := time.Since(start)
	t.Logf("queued %d messages of %d bytes in one Commit in %v", total, len(e.Messages[0].Text), took.Round(time.Millisecond))

	if n := outboxLen(t, r); n != total {
		t.Fatalf("OutboxLen = %d, want %d", n, total)
	}
	if srv.Real() {
		mem, err := r.c.MemoryUsage(ctx, tk.outboxKey(), 0).Result()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("stream: %d bytes, %d bytes per queued message", mem, mem/total)
	}

	start = time.Now()
	n := 0
	for n < total {
		ds := claim(t, r, "a", 500, time.Minute)
		if len(ds) == 0 {
			t.Fatalf("claimed %d of %d", n, total)
		}
		n += len(ds)
	}
	t.Logf("claimed %d in %v", n, time.Since(start).Round(time.Millisecond))
}
