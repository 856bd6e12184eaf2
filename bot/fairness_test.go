package bot

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
)

// slowChat is a Handler that takes a while for each update of one chat, as
// replies to a person are when Telegram paces them at one a second, and
// counts how many times each update of that chat was handled.
type slowChat struct {
	Handler
	chat  int64
	delay time.Duration

	mu      sync.Mutex
	handled int
}

func (s *slowChat) Handle(ctx context.Context, in flows.Input) ([]flows.Reply, error) {
	if in.ChatID == s.chat {
		time.Sleep(s.delay)
		s.mu.Lock()
		s.handled++
		s.mu.Unlock()
	}
	return s.Handler.Handle(ctx, in)
}

func (s *slowChat) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handled
}

// floodHarness is a harness whose chat flooder is slow to answer.
func floodHarness(t *testing.T, webhook bool, flooder int64) (*harness, *slowChat) {
	t.Helper()
	slow := &slowChat{chat: flooder, delay: 100 * time.Millisecond}
	h := newHarness(t, harnessOpts{webhook: webhook, wrap: func(next Handler) Handler {
		slow.Handler = next
		return slow
	}})
	return h, slow
}

// TestQuietChatNotStalled: one person sends a burst whose answers take
// seconds; someone else who writes meanwhile is answered at once, in long
// polling (the next batch does not wait for the last one) and when Telegram
// pushes to the webhook (one connection per chat).
func TestQuietChatNotStalled(t *testing.T) {
	t.Parallel()
	const burst = 40
	for _, mode := range []string{"polling", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			const flooder, quiet = 4100002001, 4100002002
			h, slow := floodHarness(t, mode == "webhook", flooder)
			if mode == "webhook" {
				if err := h.bot.Setup(h.ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				h.startPolling()
			}
			for range burst {
				h.fake.Push(fakeapi.TextUpdate(flooder, "/help", "fr"))
			}
			h.waitMessages(flooder, 1) // the burst is being handled

			start := time.Now()
			h.fake.Push(fakeapi.TextUpdate(quiet, "/help", "fr"))
			h.waitMessages(quiet, 1)
			took, done := time.Since(start), slow.count()
			t.Logf("%s: the quiet chat was answered in %v, while %d of the burst's %d updates were still waiting",
				mode, took.Round(time.Millisecond), burst-done, burst)
			if done >= burst/2 {
				t.Errorf("the quiet chat was answered after %d of the %d updates of the burst: it waited for them", done, burst)
			}
		})
	}
}

// TestStopLeavesTheRestInTheInbox: a stop in the middle of a burst finishes
// the update under way and leaves the others in the inbox; the next start
// handles each of them once, in order.
func TestStopLeavesTheRestInTheInbox(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	const flooder, burst = 4100002101, 30
	h, slow := floodHarness(t, false, flooder)
	// The inbox is what this test is about, not the chat's pace.
	h.cfg.ChatPace, h.bot.cfg.ChatPace = time.Millisecond, time.Millisecond
	var ids []int64
	for i := range burst {
		cmd := "/help"
		if i%2 == 1 {
			cmd = "/mydata"
		}
		ids = append(ids, h.fake.Push(fakeapi.TextUpdate(flooder, cmd, "fr")))
	}
	h.startPolling()
	h.waitMessages(flooder, 3)

	h.stopPolling()
	start := time.Now()
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	h.bot.Drain(ctx)
	cancel()
	handled := slow.count()
	parked, err := h.store.Parked(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drained in %v: %d handled, %d left in the inbox", time.Since(start).Round(time.Millisecond), handled, len(parked))
	if handled+len(parked) != burst || len(parked) == 0 {
		t.Fatalf("after the stop: %d handled + %d in the inbox, want %d in all and some left", handled, len(parked), burst)
	}
	if got := h.fake.Messages(flooder); len(got) != handled {
		t.Fatalf("%d replies for %d updates handled", len(got), handled)
	}

	// The next start: a new bot on the same store and the same Telegram.
	cfg := h.cfg
	cfg.Registry = prometheus.NewRegistry()
	next, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := next.Identify(h.ctx); err != nil {
		t.Fatal(err)
	}
	pctx, stop := context.WithCancel(h.ctx)
	polled := make(chan error, 1)
	go func() { polled <- next.Poll(pctx) }()
	t.Cleanup(func() {
		stop()
		<-polled
		next.Close()
	})
	h.waitMessages(flooder, burst)
	if got := slow.count(); got != burst {
		t.Errorf("updates handled %d times in all, want %d (each once)", got, burst)
	}
	// /help and /mydata alternate: so must their replies.
	msgs := h.fake.Messages(flooder)
	for i, m := range msgs {
		if (m.Text == msgs[0].Text) != (i%2 == 0) {
			t.Fatalf("reply %d out of order", i)
		}
	}
	for _, id := range ids {
		if !h.claimed(id) {
			t.Errorf("update %d was never claimed", id)
		}
	}
	if parked, _ := h.store.Parked(h.ctx); len(parked) != 0 {
		t.Errorf("%d updates still in the inbox", len(parked))
	}
}
