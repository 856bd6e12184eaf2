package bot

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
)

// An update whose chat another replica holds for longer than the lease's
// wait is parked in the inbox, Telegram gets its 200, and it is handled
// once the other replica gives the chat back: nothing lost, nobody told to
// try again.
func TestBusyChatParksUpdate(t *testing.T) {
	lease := storage.ChatLease{TTL: 10 * time.Second, Wait: 100 * time.Millisecond}
	h := newHarness(t, harnessOpts{lease: lease})
	other, err := storage.New(h.ctx, h.redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	other.SetChatLease(lease)

	const chat = 5400000002
	if _, _, err := other.Open(h.ctx, chat, flows.Claim{UpdateID: 1, Token: "other"}); err != nil && !errors.Is(err, flows.ErrNotFound) {
		t.Fatalf("the other replica opens the chat: %v", err)
	}
	id := h.mustHandle(fakeapi.TextUpdate(chat, "/start", "fr")) // answered 200 while the chat is busy
	parked, err := h.store.Parked(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parked[id]; !ok {
		t.Fatal("busy update not parked")
	}
	if n := len(h.fake.Messages(chat)); n != 0 {
		t.Fatalf("%d messages sent while the chat was busy", n)
	}
	if got := h.counter("passerelle_updates_total", "kind", "busy"); got < 1 {
		t.Errorf("busy updates counted %v", got)
	}

	if err := other.Commit(h.ctx, chat, flows.NewSession(time.Now()), nil); err != nil {
		t.Fatal(err)
	}
	if err := other.ReleaseChat(h.ctx, chat); err != nil {
		t.Fatal(err)
	}
	h.waitMessages(chat, 1)
	h.eventually("the inbox to empty", func() bool {
		p, err := h.store.Parked(h.ctx)
		return err == nil && len(p) == 0
	})
}

// In webhook mode a replica hands out, now and then, the updates another
// replica parked and did not live to handle.
func TestKeepInboxHandsOutParked(t *testing.T) {
	h := newHarness(t, harnessOpts{webhook: true})
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.bot.KeepInbox(ctx, 50*time.Millisecond)
	}()
	defer func() {
		cancel()
		<-done
	}()
	time.Sleep(100 * time.Millisecond) // after the first look
	const chat = 5400000003
	up := &update{ID: 777001, In: flows.Input{ChatID: chat, Kind: flows.KindCommand, Command: "start", LangHint: "fr"}}
	entry, err := json.Marshal(up)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.Park(h.ctx, map[int64][]byte{up.ID: entry}); err != nil {
		t.Fatal(err)
	}
	h.waitMessages(chat, 1)
	h.eventually("the inbox to empty", func() bool {
		p, err := h.store.Parked(h.ctx)
		return err == nil && len(p) == 0
	})
}
