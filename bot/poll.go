package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

// Poll long-polls Telegram until ctx ends. Each batch is written to the
// inbox, confirmed to Telegram and handed to its chats at once: the next poll
// does not wait for the batch's slowest chat, and a chat's backlog delays no
// other chat. A crash or a stop loses nothing: what the inbox holds is handled
// after the restart, first thing. While Redis is down nothing is confirmed.
func (b *Bot) Poll(ctx context.Context) error {
	if b.cfg.Inbox == nil {
		return errors.New("long polling: no inbox")
	}
	b.Resume(ctx)
	var offset int64
	backoff := time.Duration(0)
	for {
		if backoff > 0 && !sleep(ctx, backoff, nil) {
			return nil
		}
		if !b.queue.below(ctx, b.cfg.MaxPending) {
			return nil
		}
		updates, retryAfter, err := b.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			b.metrics.errors.WithLabelValues("telegram").Inc()
			b.log.Warn("getUpdates failed", "err", redact(err, b.cfg.Token))
			backoff = nextBackoff(backoff, retryAfter)
			continue
		}
		backoff = 0
		if len(updates) == 0 {
			continue
		}
		batch := make([]*update, 0, len(updates))
		for _, u := range updates {
			if up, ok := b.accept(ctx, u); ok {
				batch = append(batch, up)
			}
		}
		if !b.park(ctx, batch) {
			return nil // not confirmed: Telegram hands the batch out again
		}
		offset = updates[len(updates)-1].ID + 1
		for _, up := range batch {
			b.enqueue(up)
		}
	}
}

// enqueue hands a polled update to its chat.
func (b *Bot) enqueue(up *update) {
	// After a stop it stays in the inbox, for the next start.
	b.queue.submit(up.In.ChatID, func() { b.handlePolled(up) }, false)
}

// park writes a batch to the inbox, trying again until it is written or ctx
// ends (false). It probes often, so that polling resumes within a second of
// Redis coming back.
func (b *Bot) park(ctx context.Context, batch []*update) bool {
	if len(batch) == 0 {
		return true
	}
	entries := make(map[int64][]byte, len(batch))
	for _, up := range batch {
		entry, err := json.Marshal(up)
		if err != nil {
			b.log.Error("cannot encode an update for the inbox", "update_id", up.ID, "err", err)
			continue
		}
		up.entry, entries[up.ID] = entry, entry
	}
	told := false
	return b.retryStore(ctx, "cannot keep updates in the inbox; not confirming them to Telegram", func(ctx context.Context) error {
		err := b.cfg.Inbox.Park(ctx, entries)
		if err != nil && !told {
			told = true
			for _, up := range batch {
				b.queue.submit(up.In.ChatID, func() { b.unavailable(up.In) }, false)
			}
		}
		return err
	})
}

// unavailable tells the person, in their chat's turn, that we cannot work
// right now (at most once a minute).
func (b *Bot) unavailable(in flows.Input) {
	ctx, cancel := context.WithTimeout(b.life, b.cfg.HandleTimeout)
	defer cancel()
	b.tryAgain(ctx, in, b.cfg.Handler.Unavailable(in.LangHint))
}

// Resume hands out what the inbox kept from an earlier run, in update order;
// Poll does it first, webhook mode now and then (KeepInbox).
func (b *Bot) Resume(ctx context.Context) {
	if b.cfg.Inbox == nil {
		return
	}
	var entries map[int64][]byte
	ok := b.retryStore(ctx, "cannot read the inbox", func(ctx context.Context) (err error) {
		entries, err = b.cfg.Inbox.Parked(ctx)
		return err
	})
	if !ok {
		return // stopped before Redis answered
	}
	ids := slices.Sorted(maps.Keys(entries))
	for _, id := range ids {
		up := &update{}
		if err := json.Unmarshal(entries[id], up); err != nil || up.ID != id {
			b.metrics.errors.WithLabelValues("bad_update").Inc()
			b.log.Warn("unreadable inbox entry dropped", "update_id", id, "bytes", len(entries[id]))
			if _, err := b.cfg.Inbox.ClaimParked(ctx, id); err != nil {
				b.log.Warn("cannot drop an inbox entry", "update_id", id, "err", err)
			}
			continue
		}
		up.entry = entries[id]
		b.enqueue(up)
	}
	if len(ids) > 0 {
		b.log.Info("updates kept in the inbox handed out", "count", len(ids))
	}
}

// retryStore runs fn until it succeeds or ctx ends (false), waiting from
// retryFirst up to retryMax between tries, and logs the first failure, one
// line a minute while it lasts, and the recovery.
func (b *Bot) retryStore(ctx context.Context, what string, fn func(ctx context.Context) error) bool {
	var failedSince, logged time.Time
	for wait := retryFirst; ; wait = min(2*wait, retryMax) {
		tctx, cancel := context.WithTimeout(ctx, storeTimeout)
		err := fn(tctx)
		cancel()
		if err == nil {
			if !failedSince.IsZero() {
				b.log.Info("store reachable again", "after", time.Since(failedSince).Round(time.Millisecond))
			}
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		b.metrics.errors.WithLabelValues("store").Inc()
		if failedSince.IsZero() {
			failedSince = time.Now()
		}
		if time.Since(logged) >= time.Minute {
			b.log.Warn(what, "err", err)
			logged = time.Now()
		}
		if !sleep(ctx, wait, nil) {
			return false
		}
	}
}

func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]*models.Update, int, error) {
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": int(b.cfg.PollTimeout.Seconds()), "allowed_updates": allowedUpdates,
	})
	url := strings.TrimRight(b.cfg.APIURL, "/") + "/bot" + b.cfg.Token + "/getUpdates"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("getUpdates: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("getUpdates: %w", err)
	}
	defer resp.Body.Close()
	ar := answerReaders.Get().(*answerReader)
	defer ar.release() // json.Unmarshal keeps nothing of raw
	raw, err := ar.read(resp.Body)
	if err != nil {
		return nil, 0, fmt.Errorf("getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	// A batch every update of which this client reads is decoded in one
	// pass; any other goes through decodeUpdate one by one, below.
	var all envelope[[]*models.Update]
	if json.Unmarshal(raw, &all) == nil && all.OK && !slices.Contains(all.Result, nil) {
		return all.Result, 0, nil
	}
	var r envelope[[]json.RawMessage]
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&r); err != nil {
		return nil, 0, fmt.Errorf("getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, r.Parameters.RetryAfter, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	raws := r.Result
	// Updates are decoded one by one: one this client cannot read (a type newer
	// than the library) is kept as an empty update, skipped, rather than
	// failing every poll from now on.
	updates := make([]*models.Update, len(raws))
	for i, raw := range raws {
		updates[i], _ = b.decodeUpdate(raw)
	}
	return updates, 0, nil
}

// nextBackoff doubles the wait between failed polls, from 1 s to 30 s, or
// waits what Telegram asked.
func nextBackoff(cur time.Duration, retryAfter int) time.Duration {
	if retryAfter > 0 {
		return time.Duration(retryAfter) * time.Second
	}
	return min(max(2*cur, time.Second), 30*time.Second)
}

// errUnauthorized is answered to a webhook call without the right secret.
var errUnauthorized = errors.New("webhook secret mismatch")
