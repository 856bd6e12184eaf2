package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
)

// memLimiter is an in-memory Limiter with the storage's semantics: GCRA, one
// theoretical arrival time per key, costs given per call.
type memLimiter struct {
	mu     sync.Mutex
	tat    map[string]time.Time
	allows map[string]int
	takes  map[string][]time.Duration // the `every` of each token taken, per key
	holds  []string                   // the keys held, in order
	err    error                      // when set, every call fails with it
	stall  bool                       // when set, every call waits for its context to end
}

func newMemLimiter() *memLimiter {
	return &memLimiter{tat: map[string]time.Time{}, allows: map[string]int{}, takes: map[string][]time.Duration{}}
}

func (l *memLimiter) fail(ctx context.Context) error {
	l.mu.Lock()
	err, stall := l.err, l.stall
	l.mu.Unlock()
	if stall {
		<-ctx.Done()
		return ctx.Err()
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

func (l *memLimiter) Allow(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error) {
	if err := l.fail(ctx); err != nil {
		return false, 0, err
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.allows[key]++
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	tolerance := every * time.Duration(burst-1)
	if ahead := tat.Sub(now); ahead > tolerance {
		return false, ahead - tolerance, nil
	}
	l.tat[key] = tat.Add(every)
	return true, 0, nil
}

func (l *memLimiter) Take(ctx context.Context, key string, every time.Duration, burst, n int) (time.Duration, error) {
	if err := l.fail(ctx); err != nil {
		return 0, err
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for range n {
		l.takes[key] = append(l.takes[key], every)
	}
	tat := l.tat[key]
	if tat.Before(now) {
		tat = now
	}
	l.tat[key] = tat.Add(time.Duration(n) * every)
	return max(l.tat[key].Sub(now)-every*time.Duration(burst), 0), nil
}

func (l *memLimiter) Hold(ctx context.Context, key string, d time.Duration) error {
	if err := l.fail(ctx); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holds = append(l.holds, key)
	if until := time.Now().Add(d); until.After(l.tat[key]) {
		l.tat[key] = until
	}
	return nil
}

func (l *memLimiter) holdsOf() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.holds)
}

func (l *memLimiter) takesOf(key string) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.takes[key])
}

func (l *memLimiter) allowsOf(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.allows[key]
}

func TestMemLimiterIsGCRA(t *testing.T) {
	l := newMemLimiter()
	ctx := context.Background()
	const every = 100 * time.Millisecond
	for i := range 3 {
		if ok, _, _ := l.Allow(ctx, "k", every, 3); !ok {
			t.Fatalf("burst: call %d refused", i)
		}
	}
	ok, wait, _ := l.Allow(ctx, "k", every, 3)
	if ok || wait <= 0 || wait > every {
		t.Fatalf("4th call: ok=%v wait=%v, want refused within %v", ok, wait, every)
	}
	due, err := l.Take(ctx, "k", every, 3, 1)
	if err != nil || due > wait || wait-due > time.Millisecond {
		t.Fatalf("Take: due in %v (%v), want %v, as Allow said", due, err, wait)
	}
	if _, wait2, _ := l.Allow(ctx, "k", every, 3); wait2 <= wait {
		t.Fatalf("a Take did not push the next Allow back: %v then %v", wait, wait2)
	}
}

// TestRepliesCountAgainstGlobal: every message of a reply is counted in the
// global limit at the configured rate (Take, in batches), and none asks for
// a turn that is left (Allow), as bulk messages do.
func TestRepliesCountAgainstGlobal(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	lim := newMemLimiter()
	h.bot.cfg.Limiter, h.bot.cfg.Rate = lim, 20
	const chat = 5300000001
	h.mustHandle(fakeapi.TextUpdate(chat, "/start", "fr"))
	h.mustHandle(fakeapi.TextUpdate(chat, "/help", "fr"))
	calls := len(h.sentTo(chat))
	h.eventually("every message counted in the global limit", func() bool { return len(lim.takesOf(globalKey)) >= calls })
	time.Sleep(2 * accountEvery) // nothing more is counted
	takes := lim.takesOf(globalKey)
	if calls == 0 || len(takes) != calls {
		t.Fatalf("%d messages sent, %d taken from the global limit", calls, len(takes))
	}
	for _, every := range takes {
		if every != 50*time.Millisecond {
			t.Fatalf("Take every %v, want 50ms (20 a second)", every)
		}
	}
	if n := lim.allowsOf(globalKey); n != 0 {
		t.Fatalf("replies asked Allow %d times; they must never wait", n)
	}
	if n := len(lim.takesOf("chat:5300000001")); n != 0 {
		t.Fatalf("replies took from the chat's key %d times", n)
	}
}

// TestRepliesDoNotWaitForLimiter: a limiter that fails or hangs costs a reply
// its accounting, never the reply.
func TestRepliesDoNotWaitForLimiter(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	lim := newMemLimiter()
	h.bot.cfg.Limiter = lim

	lim.err = errors.New("limiter down")
	h.mustHandle(fakeapi.TextUpdate(5300000002, "/start", "fr"))
	if len(h.fake.Messages(5300000002)) == 0 {
		t.Fatal("no reply while the limiter fails")
	}
	h.eventually("the limiter failure counted", func() bool { return h.counter("passerelle_errors_total", "kind", "limiter") > 0 })

	lim.mu.Lock()
	lim.err, lim.stall = nil, true
	lim.mu.Unlock()
	start := time.Now()
	h.mustHandle(fakeapi.TextUpdate(5300000003, "/start", "fr"))
	if len(h.fake.Messages(5300000003)) == 0 {
		t.Fatal("no reply while the limiter hangs")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("reply took %v with a hanging limiter", d)
	}
}
