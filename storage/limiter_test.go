package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// backend is a Redis to run the limiter against.
type backend struct {
	name string
	r    *Redis
}

// limiterBackends returns this test's server (a real redis-server when one
// is on PATH) and an in-process miniredis, each fresh.
func limiterBackends(t *testing.T) []backend {
	t.Helper()
	r, srv := open(t)
	name := "miniredis"
	if srv.Real() {
		name = "redis-server"
	}
	m := miniredis.RunT(t)
	opt := &redis.Options{Addr: m.Addr()}
	setDefaults(opt)
	mr := NewFromClient(redis.NewClient(opt))
	if err := mr.SetPrefix(testPrefix); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	return []backend{{name, r}, {"embedded miniredis", mr}}
}

// allow calls Allow or fails the test.
func allow(t testing.TB, r *Redis, key string, every time.Duration, burst int) (bool, time.Duration) {
	t.Helper()
	ok, wait, err := r.Allow(context.Background(), key, every, burst)
	if err != nil {
		t.Fatalf("Allow: %v", err)
	}
	return ok, wait
}

// near reports whether got is within tolerance below want, and not above it.
func near(got, want, tolerance time.Duration) bool {
	return got <= want && want-got <= tolerance
}

func TestAllowRate(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel() // waits in real time, on a Redis of its own
	const every, calls = 5 * time.Millisecond, 200
	for _, b := range limiterBackends(t) {
		for _, burst := range []int{1, 10} {
			t.Run(fmt.Sprintf("%s burst %d", b.name, burst), func(t *testing.T) {
				start := time.Now()
				allowed, denied := 0, 0
				for allowed < calls {
					ok, wait := allow(t, b.r, "rate", every, burst)
					if ok {
						allowed++
						continue
					}
					denied++
					if wait <= 0 || wait > every {
						t.Fatalf("denied with wait %v, want (0, %v]", wait, every)
					}
					time.Sleep(wait)
				}
				elapsed := time.Since(start)
				min := time.Duration(calls-burst) * every
				t.Logf("%d allowed in %v (minimum %v), %d denials", calls, elapsed.Round(time.Millisecond), min, denied)
				if elapsed < min-every {
					t.Errorf("%d allowed in %v: faster than one per %v after a burst of %d", calls, elapsed, every, burst)
				}
				// That the limiter makes nobody wait longer than needed is
				// checked by the waits it gives (at most every) and the
				// denials they cause, not by the wall time, which a busy
				// machine stretches.
				if denied > 2*calls {
					t.Errorf("%d denials for %d allowed: the waits are too short", denied, calls)
				}
				// Start afresh for the next subtest.
				b.r.c.Del(context.Background(), tk.limiterKey("rate"))
			})
		}
	}
}

func TestAllowSharedByReplicas(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	const every, calls = 5 * time.Millisecond, 100
	ctx := context.Background()
	r, srv := open(t)
	replicas := []*Redis{r}
	for range 2 {
		c := connect(t, srv.URL())
		replicas = append(replicas, c)
	}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range replicas {
		wg.Go(func() {
			for allowed.Load() < calls {
				ok, wait, err := c.Allow(ctx, "shared", every, 1)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					allowed.Add(1)
				} else {
					time.Sleep(wait)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	n := allowed.Load()
	t.Logf("%d replicas: %d allowed in %v", len(replicas), n, elapsed.Round(time.Millisecond))
	if min := time.Duration(n-2) * every; elapsed < min {
		t.Errorf("%d allowed in %v across replicas, want at least %v", n, elapsed, min)
	}
}

func TestAllowBurst(t *testing.T) {
	const every = time.Hour
	for _, b := range limiterBackends(t) {
		for _, burst := range []int{1, 3, 10} {
			t.Run(fmt.Sprintf("%s burst %d", b.name, burst), func(t *testing.T) {
				key := fmt.Sprint("burst", burst)
				for i := range burst {
					if ok, wait := allow(t, b.r, key, every, burst); !ok {
						t.Fatalf("call %d of a burst of %d denied (wait %v)", i+1, burst, wait)
					}
				}
				for range 2 { // a denial takes nothing
					ok, wait := allow(t, b.r, key, every, burst)
					if ok || !near(wait, every, time.Second) {
						t.Errorf("after the burst: (%v, %v), want (false, about %v)", ok, wait, every)
					}
				}
				if ok, _ := allow(t, b.r, key+"-other", every, burst); !ok {
					t.Error("another key was limited")
				}
			})
		}
	}
}

func TestTake(t *testing.T) {
	const every = time.Hour
	tests := []struct {
		burst, takes int
		wantOK       bool
		wantWait     time.Duration
	}{
		{1, 0, true, 0},
		{1, 1, false, every},
		{1, 3, false, 3 * every},
		{2, 1, true, 0},
		{2, 2, false, every},
		{2, 4, false, 3 * every},
	}
	for _, b := range limiterBackends(t) {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s burst %d takes %d", b.name, tt.burst, tt.takes), func(t *testing.T) {
				key := fmt.Sprint("take", tt.burst, tt.takes)
				for i := range tt.takes {
					wait, err := b.r.Take(context.Background(), key, every, tt.burst, 1)
					if err != nil {
						t.Fatal(err)
					}
					// The i-th token taken is due when i tokens beyond the burst were.
					due := time.Duration(max(i-tt.burst+1, 0)) * every
					if !near(wait, due, time.Second) {
						t.Errorf("Take #%d: due in %v, want about %v", i+1, wait, due)
					}
				}
				ok, wait := allow(t, b.r, key, every, tt.burst)
				if ok != tt.wantOK || !near(wait, tt.wantWait, time.Second) {
					t.Errorf("Allow = (%v, %v), want (%v, about %v)", ok, wait, tt.wantOK, tt.wantWait)
				}
			})
		}
	}
}

// TestTakeMany: n tokens taken at once cost what n takes cost, and the
// answer is when the last of them is due.
func TestTakeMany(t *testing.T) {
	const every = time.Hour
	tests := []struct {
		burst, n int
		wantDue  time.Duration // of the last token taken
		wantWait time.Duration // of an Allow after it
	}{
		{1, 1, 0, every},
		{1, 3, 2 * every, 3 * every},
		{3, 2, 0, 0},
		{3, 5, 2 * every, 3 * every},
	}
	for _, b := range limiterBackends(t) {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s burst %d n %d", b.name, tt.burst, tt.n), func(t *testing.T) {
				key := fmt.Sprint("many", tt.burst, tt.n)
				due, err := b.r.Take(context.Background(), key, every, tt.burst, tt.n)
				if err != nil || !near(due, tt.wantDue, time.Second) {
					t.Errorf("Take(%d) = %v, %v; want about %v", tt.n, due, err, tt.wantDue)
				}
				ok, wait := allow(t, b.r, key, every, tt.burst)
				if ok != (tt.wantWait == 0) || !near(wait, tt.wantWait, time.Second) {
					t.Errorf("Allow after = (%v, %v), want about %v", ok, wait, tt.wantWait)
				}
			})
		}
		if _, err := b.r.Take(context.Background(), "none", every, 1, 0); err == nil {
			t.Errorf("%s: Take(0) succeeded", b.name)
		}
	}
}

// TestHold: a key held for a while lets nothing through, Allow nor Take,
// until then; a shorter hold does not shorten a longer one; the key expires
// after the hold.
func TestHold(t *testing.T) {
	const every, hold = time.Millisecond, time.Hour
	for _, b := range limiterBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			if err := b.r.Hold(ctx, "held", hold); err != nil {
				t.Fatal(err)
			}
			if err := b.r.Hold(ctx, "held", time.Minute); err != nil {
				t.Fatal(err)
			}
			ok, wait := allow(t, b.r, "held", every, 1)
			if ok || !near(wait, hold, time.Second) {
				t.Errorf("Allow on a held key = (%v, %v), want refused for about %v", ok, wait, hold)
			}
			ok, wait = allow(t, b.r, "held", every, 3)
			if ok || !near(wait, hold-2*every, time.Second) {
				t.Errorf("Allow with burst 3 = (%v, %v), want refused for about %v", ok, wait, hold-2*every)
			}
			due, err := b.r.Take(ctx, "held", every, 1, 1)
			if err != nil || !near(due, hold, time.Second) {
				t.Errorf("Take on a held key: due in %v (%v), want about %v", due, err, hold)
			}
			if ttl := b.r.c.PTTL(ctx, tk.limiterKey("held")).Val(); ttl < hold-time.Second || ttl > hold+time.Second {
				t.Errorf("PTTL %v, want about %v", ttl, hold)
			}
			if ok, _ := allow(t, b.r, "other", every, 1); !ok {
				t.Error("another key was held")
			}
		})
	}
}

func TestLimiterKeyExpires(t *testing.T) {
	const every = 100 * time.Millisecond
	for _, b := range limiterBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			for range 3 {
				if _, err := b.r.Take(ctx, "ttl", every, 2, 1); err != nil {
					t.Fatal(err)
				}
			}
			ttl := b.r.c.PTTL(ctx, tk.limiterKey("ttl")).Val()
			if ttl <= 0 || ttl > 5*every {
				t.Errorf("PTTL %v, want a few intervals of %v", ttl, every)
			}
		})
	}
}

func TestLimiterArguments(t *testing.T) {
	r, _ := open(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		every time.Duration
		burst int
	}{
		{"zero interval", 0, 1},
		{"negative interval", -time.Second, 1},
		{"sub-microsecond interval", time.Nanosecond, 1},
		{"zero burst", time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := r.Allow(ctx, "k", tt.every, tt.burst); err == nil {
				t.Error("Allow succeeded")
			}
			if _, err := r.Take(ctx, "k", tt.every, tt.burst, 1); err == nil {
				t.Error("Take succeeded")
			}
		})
	}
}
