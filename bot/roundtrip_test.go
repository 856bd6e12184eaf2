package bot

import (
	"errors"
	"testing"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
)

// An ordinary update costs two Redis round trips: one transaction that
// claims it and reads the session and the staff role, and one that commits.
// (The replies' accounting in the shared rate limit is batched: see
// replyBudget.) Among replicas, the chat's lease is taken as the update is
// claimed and given back once the replies are out: one more. Erasing a
// person costs three more than an ordinary update: the step reads their
// help requests (to withdraw them), and the commit watches their keys and
// reads, in one pipeline, what the erasure depends on.
func TestRoundTripsPerUpdate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lease storage.ChatLease
		trips int64
	}{
		{"one process", storage.ChatLease{}, 2},
		{"replicas with a chat lease", storage.DefaultChatLease, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			counter := &tripCounter{}
			h := newHarness(t, harnessOpts{hook: counter, lease: tt.lease})
			const chat = 5400000001
			h.mustHandle(fakeapi.TextUpdate(chat, "/start dijon__cesam", "fr"))
			h.mustHandle(fakeapi.CallbackUpdate(chat, 1, h.sign(chat, "lang:fr"), "fr"))
			h.mustHandle(fakeapi.CallbackUpdate(chat, 2, h.sign(chat, "cons:ok"), "fr"))
			steps := []struct {
				name   string
				update map[string]any
			}{
				{"a command", fakeapi.TextUpdate(chat, "/help", "fr")},
				{"a search", fakeapi.TextUpdate(chat, "cours de français", "fr")},
				{"a button", fakeapi.CallbackUpdate(chat, 3, h.sign(chat, "menu:main"), "fr")},
			}
			for _, st := range steps {
				before := counter.trips.Load()
				h.mustHandle(st.update)
				if n := counter.trips.Load() - before; n != tt.trips {
					t.Errorf("%s: %d Redis round trips, want %d", st.name, n, tt.trips)
				}
			}
			h.mustHandle(fakeapi.TextUpdate(chat, "/forget", "fr"))
			yes := fakeapi.CallbackUpdate(chat, 4, h.sign(chat, "fgt:yes"), "fr")
			before := counter.trips.Load()
			h.mustHandle(yes)
			if n := counter.trips.Load() - before; n != tt.trips+3 {
				t.Errorf("erasure: %d Redis round trips, want %d (open, the help requests to withdraw, WATCH, the reads, MULTI/EXEC, and the lease's release among replicas)", n, tt.trips+3)
			}
			if _, err := h.store.Load(h.ctx, chat); !errors.Is(err, flows.ErrNotFound) {
				t.Errorf("session after the erasure: %v, want none", err)
			}
		})
	}
}
