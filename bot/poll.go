package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// getUpdatesResponse is the Bot API envelope of getUpdates.
type getUpdatesResponse struct {
	OK          bool              `json:"ok"`
	Result      []json.RawMessage `json:"result"`
	ErrorCode   int               `json:"error_code"`
	Description string            `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// Poll long-polls Telegram until ctx ends. Unlike go-telegram/bot's poller, the
// offset only moves past an update once it is recorded, so a crash or a Redis
// outage loses nothing: the update comes again and its claim makes it run once.
// The batch being handled when ctx ends is finished first.
func (b *Bot) Poll(ctx context.Context) {
	var offset int64
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
		updates, retryAfter, err := b.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			b.metrics.errors.WithLabelValues("telegram").Inc()
			b.log.Warn("getUpdates failed", "err", redact(err, b.cfg.Token))
			backoff = nextBackoff(backoff, retryAfter)
			continue
		}
		next, failed := b.handleBatch(ctx, updates)
		if next > offset {
			offset = next
		}
		if failed {
			backoff = nextBackoff(backoff, 0)
		} else {
			backoff = 0
		}
	}
}

// handleBatch runs a batch, chats in parallel and each chat in order, and
// returns the offset to confirm: past every update, or at the first update
// that could not be recorded (later ones come again and are skipped as duplicates).
func (b *Bot) handleBatch(ctx context.Context, updates []*models.Update) (offset int64, failed bool) {
	errs := make([]error, len(updates))
	var wg sync.WaitGroup
	for i, u := range updates {
		in, callbackID, ok := toInput(u, b.username, b.signer)
		if !ok {
			b.metrics.updates.WithLabelValues("ignored").Inc()
			if callbackID != "" {
				b.answerCallback(ctx, callbackID)
			}
			continue
		}
		wg.Add(1)
		done := b.queue.submit(in.ChatID, func() { errs[i] = b.handle(ctx, u.ID, in, callbackID) })
		go func() { <-done; wg.Done() }()
	}
	wg.Wait()
	for i, u := range updates {
		if errs[i] != nil {
			return u.ID, true
		}
		offset = u.ID + 1
	}
	return offset, false
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
	var r getUpdatesResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, 0, fmt.Errorf("getUpdates: HTTP %d: %w", resp.StatusCode, err)
	}
	if !r.OK {
		return nil, r.Parameters.RetryAfter, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	// Updates are decoded one by one: one this client cannot read (a type newer
	// than the library) is kept as an empty update, skipped, rather than
	// failing every poll from now on.
	updates := make([]*models.Update, len(r.Result))
	for i, raw := range r.Result {
		updates[i] = &models.Update{}
		if err := json.Unmarshal(raw, updates[i]); err != nil {
			var head struct {
				ID int64 `json:"update_id"`
			}
			_ = json.Unmarshal(raw, &head)
			updates[i] = &models.Update{ID: head.ID}
			b.metrics.errors.WithLabelValues("bad_update").Inc()
			b.log.Warn("update unreadable, skipped", "update_id", head.ID, "bytes", len(raw))
		}
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
