package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

// Inbox keeps the updates taken from getUpdates until their chat's turn, so
// that polling confirms a batch to Telegram at once, without waiting for its
// slowest chat, and a stop or a crash loses none: what was not handled is
// handled after the restart (storage.Redis implements it). An update leaves
// the inbox in the same step that claims it.
type Inbox interface {
	// Park keeps entries by update id.
	Park(ctx context.Context, entries map[int64][]byte) error
	// Parked returns every entry kept.
	Parked(ctx context.Context) (map[int64][]byte, error)
	// ClaimParked claims the update as flows.Opener does and removes its entry.
	ClaimParked(ctx context.Context, updateID int64) (bool, error)
	// ReleaseParked undoes ClaimParked: the claim goes and the entry is back.
	ReleaseParked(ctx context.Context, updateID int64, entry []byte) error
}

const (
	// defaultMaxPending bounds the polled updates waiting in memory: past
	// it, polling waits (Telegram keeps the rest).
	defaultMaxPending = 2000
	// retryFirst and retryMax bound the wait between two tries of an update
	// that could not be recorded (Redis down): short, so that a returning
	// Redis is noticed within a second.
	retryFirst = 100 * time.Millisecond
	retryMax   = time.Second
	// giveUpAfter is how long a polled update is tried before it is dropped
	// (an update that fails with Redis up would hold its chat for ever).
	giveUpAfter = 10 * time.Minute
	// closeWait bounds Close's wait for the updates under way.
	closeWait = 5 * time.Second
)

// update is one accepted update: what the flows need and how to acknowledge it.
type update struct {
	ID       int64       `json:"id"`
	Callback string      `json:"cb,omitempty"` // callback query to answer, once
	In       flows.Input `json:"in"`

	entry []byte // its inbox entry; nil for an update pushed to the webhook
	token string // tells this handler's claim from another's (see flows.Claim)
}

// errNotRecorded means an update could not be recorded and must be delivered again.
var errNotRecorded = errors.New("update not recorded")

// accept turns an update into the work of its chat; false for updates
// Passerelle ignores (a callback among them is answered at once).
func (b *Bot) accept(ctx context.Context, u *models.Update) (*update, bool) {
	in, callbackID, ok := toInput(u, b.username, b.signer)
	if !ok {
		b.metrics.updates.WithLabelValues("ignored").Inc()
		if callbackID != "" {
			b.answerCallback(ctx, callbackID)
		}
		return nil, false
	}
	return &update{ID: u.ID, Callback: callbackID, In: in}, true
}

// HandleUpdate handles one update pushed to the webhook, in its chat's order,
// and waits for it. An error wrapping errNotRecorded means Telegram must
// deliver it again (Redis down, or the bot stopping before its turn).
func (b *Bot) HandleUpdate(ctx context.Context, u *models.Update) error {
	up, ok := b.accept(ctx, u)
	if !ok {
		return nil
	}
	err := fmt.Errorf("%w: the bot is stopping", errNotRecorded)
	j, queued := b.queue.submit(up.In.ChatID, func() { err = b.handle(up) }, true)
	if !queued {
		return err
	}
	<-j.done
	return err
}

// handlePolled handles a polled update in its chat's turn, trying again
// while it cannot be recorded: it was confirmed to Telegram already.
func (b *Bot) handlePolled(up *update) {
	start := time.Now()
	for wait := retryFirst; ; wait = min(2*wait, retryMax) {
		if b.handle(up) == nil {
			return
		}
		if time.Since(start) > giveUpAfter {
			b.metrics.errors.WithLabelValues("dropped").Inc()
			b.log.Error("update dropped: it could not be handled for too long", "update_id", up.ID, "kind", up.In.Kind, "tried_for", giveUpAfter)
			return
		}
		select {
		case <-b.stopping:
			return // it stays in the inbox (or is claimed, when Redis went away meanwhile)
		case <-time.After(wait):
		}
	}
}

// handle runs in the chat's turn: it runs the flows, which claim the update
// as they read the session, and sends the replies.
func (b *Bot) handle(up *update) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(b.life, b.cfg.HandleTimeout)
	defer cancel()
	defer func() { b.metrics.duration.Observe(time.Since(start).Seconds()) }()

	var answered chan struct{}
	if up.Callback != "" {
		// The button's spinner stops while the step's Redis work runs; the
		// replies wait for that answer, and for a 429 it may have brought.
		id := up.Callback
		up.Callback, answered = "", make(chan struct{})
		go func() {
			defer close(answered)
			b.answerCallback(ctx, id)
		}()
	}
	if up.token == "" {
		up.token = claimToken()
	}
	in := up.In
	in.Claim = flows.Claim{UpdateID: up.ID, Parked: up.entry != nil, Token: up.token}
	defer b.releaseChat(in.ChatID) // after the replies
	replies, err := b.cfg.Handler.Handle(ctx, in)
	if answered != nil {
		<-answered
	}
	switch {
	case chatBusy(err):
		b.metrics.updates.WithLabelValues("busy").Inc()
		return b.parkBusy(ctx, up, err)
	case errors.Is(err, flows.ErrDuplicate):
		b.metrics.updates.WithLabelValues("duplicate").Inc()
		return nil
	case err != nil:
		b.metrics.errors.WithLabelValues("store").Inc()
		b.log.Warn("cannot handle update", "update_id", up.ID, "kind", in.Kind, "err", err)
		b.release(ctx, up)
		b.tryAgain(ctx, in, replies)
		return fmt.Errorf("%w: %w", errNotRecorded, err)
	}
	b.metrics.updates.WithLabelValues(string(in.Kind)).Inc()
	b.deliver(ctx, in, replies)
	return nil
}

// chatBusy reports whether err says the chat is another replica's turn
// (see ChatLeases).
func chatBusy(err error) bool {
	var busy interface{ ChatBusy() bool }
	return errors.As(err, &busy) && busy.ChatBusy()
}

// parkBusy keeps an update whose chat stayed busy on another replica: a
// webhook update goes to the inbox (Telegram is answered 200) and waits its
// turn in this replica's queue of the chat; a parked one is tried again by
// handlePolled. Nothing was claimed, nobody was told anything.
func (b *Bot) parkBusy(ctx context.Context, up *update, busy error) error {
	if up.entry != nil {
		return busy
	}
	entry, err := json.Marshal(up)
	if err == nil {
		err = b.cfg.Inbox.Park(ctx, map[int64][]byte{up.ID: entry})
	}
	if err != nil {
		b.log.Warn("cannot park an update whose chat is busy", "update_id", up.ID, "err", err)
		return fmt.Errorf("%w: %w", errNotRecorded, err)
	}
	up.entry = entry
	b.enqueue(up)
	return nil
}

// releaseChat gives back the chat's lease the store may still hold.
func (b *Bot) releaseChat(chatID int64) {
	if b.cfg.Leases == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.life), storeTimeout)
	defer cancel()
	if err := b.cfg.Leases.ReleaseChat(ctx, chatID); err != nil {
		// It expires by itself within the lease's TTL.
		b.log.Warn("cannot give back a chat lease", "err", err)
	}
}

// claimToken returns a random token for an update's claim.
func claimToken() string {
	var t [8]byte
	_, _ = rand.Read(t[:])
	return hex.EncodeToString(t[:])
}

// release gives a claim back after a failure, so that the update is handled
// again (a polled update's entry goes back to the inbox). When that fails
// too, the next try finds its own claim by its token.
func (b *Bot) release(ctx context.Context, up *update) {
	var err error
	if up.entry != nil {
		err = b.cfg.Inbox.ReleaseParked(ctx, up.ID, up.entry)
	} else {
		err = b.cfg.Claims.ReleaseUpdate(ctx, up.ID)
	}
	if err != nil {
		b.log.Warn("cannot release update claim", "update_id", up.ID, "err", err)
	}
}

// tryAgain tells the person we cannot work right now, at most once a minute per chat.
func (b *Bot) tryAgain(ctx context.Context, in flows.Input, replies []flows.Reply) {
	if in.Kind == flows.KindBlocked || in.Kind == flows.KindUnblock {
		return
	}
	b.noticeMu.Lock()
	last, seen := b.noticed[in.ChatID]
	now := time.Now()
	if seen && now.Sub(last) < time.Minute {
		b.noticeMu.Unlock()
		return
	}
	if len(b.noticed) > 10000 {
		clear(b.noticed)
	}
	b.noticed[in.ChatID] = now
	b.noticeMu.Unlock()
	in.MessageID = 0
	b.deliver(ctx, in, replies)
}

// Drain stops handling updates: it starts no new one and waits, until ctx
// ends, for those under way, then cuts what is left. Polled updates not
// handled stay in the inbox for the next start; a webhook update not handled
// is answered 503 and comes again. Only the first call does anything.
func (b *Bot) Drain(ctx context.Context) {
	b.stopOnce.Do(func() {
		close(b.stopping)
		dropped, running := b.queue.stop(ctx)
		b.die()
		b.log.Info("updates drained", "left_for_next_start", dropped, "cut", running)
	})
}

// Close drains for a few seconds at most, unless Drain ran already; call it
// after Run returned.
func (b *Bot) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	b.Drain(ctx)
}
