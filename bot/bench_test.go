package bot

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
)

// onboardingStep builds the i-th update of a person's onboarding, cycling
// through /start with a deep link, the language button and "continue" (the
// fake numbers a chat's messages from 1: the language menu, then the notice),
// the buttons bound to the session /start made.
func onboardingStep(h *harness, chat int64, i int) map[string]any {
	sign := func(data string) string { return h.sign(chat, data) }
	switch i % 3 {
	case 0:
		return fakeapi.TextUpdate(chat, "/start dijon__cesam", "fr")
	case 1:
		return fakeapi.CallbackUpdate(chat, 1, sign("lang:fr"), "fr")
	default:
		return fakeapi.CallbackUpdate(chat, 2, sign("cons:ok"), "fr")
	}
}

// reportLatency reports throughput and the 50th and 99th percentile of the
// handling durations.
func reportLatency(b *testing.B, durations []time.Duration, elapsed time.Duration) {
	if len(durations) == 0 || elapsed <= 0 {
		return
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(durations)))) - 1
		return float64(durations[max(i, 0)].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(durations))/elapsed.Seconds(), "updates/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkOnboardingUpdate handles onboarding updates one after the other
// through HandleUpdate, against the fake Bot API and Redis: each update is a
// claim, a session load and commit, and one or two Bot API calls.
func BenchmarkOnboardingUpdate(b *testing.B) {
	h := newHarness(b, harnessOpts{})
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		u := decodeUpdate(b, withUpdateID(h, onboardingStep(h, 5100000000+int64(i/3), i)))
		t0 := time.Now()
		if err := h.bot.HandleUpdate(h.ctx, u); err != nil {
			b.Fatalf("update %d: %v", i, err)
		}
		durations = append(durations, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if b.N >= 3 {
		// The first person went through: the presses were real, not expired.
		if s := h.session(5100000000); !s.Onboarded || s.Lang != "fr" || s.Territory != "dijon" {
			b.Fatalf("first person not onboarded: %+v", s)
		}
	}
	reportLatency(b, durations, elapsed)
}

// BenchmarkOnboardingUpdateParallel is the same with many people onboarding
// at once, as the webhook sees them.
func BenchmarkOnboardingUpdateParallel(b *testing.B) {
	h := newHarness(b, harnessOpts{})
	var (
		mu        sync.Mutex
		durations = make([]time.Duration, 0, b.N)
		people    atomic.Int64
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var local []time.Duration
		chat := 5200000000 + people.Add(1)
		for i := 0; pb.Next(); i++ {
			if i > 0 && i%3 == 0 {
				chat = 5200000000 + people.Add(1)
			}
			u := decodeUpdate(b, withUpdateID(h, onboardingStep(h, chat, i)))
			t0 := time.Now()
			if err := h.bot.HandleUpdate(h.ctx, u); err != nil {
				b.Errorf("update: %v", err)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		durations = append(durations, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatency(b, durations, elapsed)
}

// withUpdateID gives u a fresh update_id.
func withUpdateID(h *harness, u map[string]any) map[string]any {
	h.withID(u)
	return u
}
