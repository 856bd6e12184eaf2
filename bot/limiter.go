package bot

import (
	"context"
	"strconv"
	"time"
)

// Limiter is a rate limiter shared by every replica (storage.Redis implements it with GCRA).
//
// A key's state is its theoretical arrival time (TAT). Allow lets a message
// through when the key's TAT is at most (burst-1)·every ahead of now, and then
// moves the TAT every further; otherwise it answers how long to wait. Take
// moves the TAT every further without asking: the message goes anyway. Both
// costs may differ on one key: a bulk message costs more of the global budget
// than a reply, which leaves replies room.
type Limiter interface {
	Allow(ctx context.Context, key string, every time.Duration, burst int) (ok bool, wait time.Duration, err error)
	Take(ctx context.Context, key string, every time.Duration, burst int) error
}

const (
	// defaultRate is Telegram's overall limit: about 30 messages a second.
	defaultRate = 30
	// globalKey is the limiter key every message of the bot counts against.
	globalKey = "global"
	// limiterBurst lets no burst through: Telegram counts messages in any
	// sliding second, so limits are kept as an even pace.
	limiterBurst = 1
	// bulkBurst lets the bulk pace catch up one message it was late for
	// (timers are not exact) without breaking the overall limit: two at once
	// stay within the room bulkShare leaves.
	bulkBurst = 2
	// bulkShare is the share of the overall rate bulk messages may use alone:
	// the rest absorbs replies sent meanwhile and the jitter between the
	// limiter's answer and the message reaching Telegram.
	bulkShare = 0.95
	// jitterShare: the gaps kept between two messages to one chat are a
	// tenth longer than Telegram's, as the time from the limiter's answer to
	// Telegram varies.
	jitterShare = 10
	// takeTimeout bounds the accounting of a reply, which never waits.
	takeTimeout = 250 * time.Millisecond
)

// interval is the time between two messages at rate per second.
func interval(rate float64) time.Duration {
	return time.Duration(float64(time.Second) / rate)
}

// accounted are the methods that put a message in a chat.
var accounted = map[string]bool{
	"sendMessage":     true,
	"editMessageText": true,
	"sendVenue":       true,
	"sendLocation":    true,
	"sendPhoto":       true,
}

// account counts one interactive message against the global limit. It never
// waits for the limit: a reply goes at once, and the bulk sender, which asks
// the same limiter, slows down instead. A limiter failure only loses the count.
func (b *Bot) account(ctx context.Context, method string) {
	if b.cfg.Limiter == nil || !accounted[method] {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, takeTimeout)
	defer cancel()
	if err := b.cfg.Limiter.Take(ctx, globalKey, interval(b.cfg.Rate), limiterBurst); err != nil {
		b.metrics.errors.WithLabelValues("limiter").Inc()
		b.log.Debug("cannot count a reply against the rate limit", "method", method, "err", err)
	}
}

// chatLimit is one per-chat limiter key and its least gap between messages.
type chatLimit struct {
	key   string
	every time.Duration
}

// chatLimits are the keys a bulk message to chatID must pass besides the
// global one: the group's (negative ids), the strictest, first; then the chat's.
func chatLimits(chatID int64, perChat, perGroup time.Duration) []chatLimit {
	id := strconv.FormatInt(chatID, 10)
	chat := chatLimit{key: "chat:" + id, every: perChat}
	if chatID < 0 {
		return []chatLimit{{key: "group:" + id, every: perGroup}, chat}
	}
	return []chatLimit{chat}
}
