package storage

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestOutboxWaitsForReplica checks that, opened through Sentinel, the
// outbox's records wait for the replica (WAIT): with the replica frozen, a
// record still succeeds once WAIT gives up, and that is logged once; with
// the replica back, that is logged too.
func TestOutboxWaitsForReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("Redis Sentinel: takes a few seconds of real processes")
	}
	t.Parallel()
	g := redistest.NewSentinel(t, redistest.SentinelOptions{})
	ctx := context.Background()
	r := connect(t, g.URL())
	var logs bytes.Buffer
	r.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))

	const chat = 7101
	mustCommit(t, r, chat, onboarded(), broadcast("job-w", 4, "Bonjour"))
	ds := claim(t, r, "replica-a", 4, time.Minute)
	if len(ds) != 4 {
		t.Fatalf("claimed %d, want 4", len(ds))
	}
	finish := func(d flows.Delivery) {
		t.Helper()
		if _, err := r.Finish(ctx, d, flows.OutcomeSent); err != nil {
			t.Fatalf("Finish: %v", err)
		}
	}
	finish(ds[0])
	if logs.Len() != 0 {
		t.Fatalf("logged with the replica in sync:\n%s", logs.String())
	}

	pid := replicaPID(t, g.Replica.URL())
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	resume := func() {
		if stopped {
			stopped = false
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(resume)
	finish(ds[1])
	finish(ds[2])
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings with the replica frozen, want 1:\n%s", n, logs.String())
	}
	resume()
	finish(ds[3])
	if !strings.Contains(logs.String(), "acknowledges the outbox's writes again") {
		t.Errorf("nothing logged once the replica was back:\n%s", logs.String())
	}
	if st, err := r.Job(ctx, "job-w"); err != nil || st == nil || st.Sent != 4 {
		t.Errorf("Job = (%+v, %v), want 4 sent", st, err)
	}

	// A claim made by a read that waited for the message is waited for too.
	claimed := make(chan []flows.Delivery)
	go func() {
		ds, err := r.Claim(ctx, "replica-a", 1, time.Minute)
		if err != nil {
			t.Errorf("Claim: %v", err)
		}
		claimed <- ds
	}()
	time.Sleep(300 * time.Millisecond) // Claim is waiting for a message
	// The replica acknowledges all written so far: a WAIT that counted
	// only the writes Claim made before it waited would return at once.
	primary := g.PrimaryClient()
	if err := primary.Set(ctx, testPrefix+"acked", 1, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := primary.Wait(ctx, 1, 2*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT for the replica: (%d, %v)", n, err)
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped = true
	mustCommit(t, r, chat, onboarded(), broadcast("job-w2", 1, "Bonsoir"))
	if ds := <-claimed; len(ds) != 1 {
		t.Fatalf("claimed %d, want 1", len(ds))
	}
	resume()
	if n := strings.Count(logs.String(), "level=WARN"); n != 2 {
		t.Errorf("%d warnings after a claim the frozen replica did not have, want 2:\n%s", n, logs.String())
	}
}

// replicaPID asks the Redis at url its process id.
func replicaPID(t *testing.T, url string) int {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	info, err := c.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("no process_id in INFO server:\n%s", info)
	return 0
}

// BenchmarkOutboxWait measures what a bulk message's claim and record cost
// with one server, and through Sentinel, where both wait for the replica.
func BenchmarkOutboxWait(b *testing.B) {
	g := redistest.NewSentinel(b, redistest.SentinelOptions{})
	ctx := context.Background()
	jobs := 0
	for _, mode := range []struct{ name, url string }{{"one-server", g.Primary.URL()}, {"sentinel", g.URL()}} {
		b.Run(mode.name, func(b *testing.B) {
			r := connect(b, mode.url)
			jobs++
			mustCommit(b, r, 7201, onboarded(), broadcast(fmt.Sprintf("job-b%d", jobs), b.N, "Bonjour"))
			b.ResetTimer()
			for range b.N {
				ds, err := r.Claim(ctx, "bench", 1, time.Minute)
				if err != nil || len(ds) != 1 {
					b.Fatalf("Claim = (%d, %v), want 1", len(ds), err)
				}
				if _, err := r.Finish(ctx, ds[0], flows.OutcomeSent); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/msg")
		})
	}
}
