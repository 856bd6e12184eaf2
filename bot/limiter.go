package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/territoires-integration/passerelle/bot/bulk"
)

// Limiter is a rate limiter shared by every replica (storage.Redis implements it with GCRA).
//
// A key's state is its theoretical arrival time (TAT). Allow lets a message
// through when the key's TAT is at most (burst-1)·every ahead of now, and then
// moves the TAT every further; otherwise it answers how long to wait. Take
// moves the TAT n·every further without asking and answers when the last
// token it took is due: replies reserve their turns, ahead of the messages
// that only Allow.
// Both costs may differ on one key: a bulk message costs more of the global
// budget than a reply, which leaves replies room. Hold moves the TAT to at
// least d from now: Telegram asked every replica to wait.
type Limiter interface {
	Allow(ctx context.Context, key string, every time.Duration, burst int) (ok bool, wait time.Duration, err error)
	Take(ctx context.Context, key string, every time.Duration, burst, n int) (wait time.Duration, err error)
	Hold(ctx context.Context, key string, d time.Duration) error
}

const (
	// defaultRate is Telegram's overall limit: about 30 messages a second.
	defaultRate = 30
	// globalKey is the limiter key every message of the bot counts against.
	globalKey = bulk.GlobalKey
	// limiterBurst lets no burst through: Telegram counts messages in any
	// sliding second, so limits are kept as an even pace.
	limiterBurst = 1
	// takeTimeout bounds one limiter call counting replies: a limiter that
	// does not answer costs the replies their place in the budget, never
	// the replies.
	takeTimeout = 250 * time.Millisecond
	// accountEvery is how late replies are counted in the shared budget:
	// the replies of that long are counted in one limiter call.
	accountEvery = 20 * time.Millisecond
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

// turn waits until a reply's call may go: Telegram's retry_after over for its
// scopes (the bot, the chat), then, for a message, the chat's pace and its
// turn in the overall rate (see replyBudget). A 429 that closed a gate
// meanwhile costs another turn. It returns an error when ctx ends first.
func (b *Bot) turn(ctx context.Context, chatID int64, method string) error {
	for {
		if err := b.waitGates(ctx, chatID); err != nil {
			return err
		}
		if accounted[method] {
			if due := b.gates.pace(chatID, b.cfg.ChatPace, time.Now()); due > 0 && !sleep(ctx, due, nil) {
				return fmt.Errorf("%s: waiting for the chat's pace: %w", method, ctx.Err())
			}
		}
		if due := b.reserve(method); due > 0 && !sleep(ctx, due, nil) {
			return fmt.Errorf("%s: waiting for its turn: %w", method, ctx.Err())
		}
		if !b.gates.until(chatID).After(time.Now()) {
			return nil
		}
	}
}

// reserve takes a message's turn in the overall rate and returns how long
// until it comes; 0 for a call that sends no message.
func (b *Bot) reserve(method string) time.Duration {
	if b.cfg.Limiter == nil || !accounted[method] {
		return 0
	}
	wait, first := b.budget.take(time.Now(), interval(b.cfg.Rate))
	if first {
		time.AfterFunc(accountEvery, b.account)
	}
	return wait
}

// account counts the replies whose turns were taken since the last count in
// the budget shared with bulk messages and the other replicas, in one
// limiter call, and learns from it how far behind that budget is.
func (b *Bot) account() {
	n := b.budget.drain()
	if n > 0 {
		every := interval(b.cfg.Rate)
		ctx, cancel := context.WithTimeout(context.Background(), takeTimeout)
		behind, err := b.cfg.Limiter.Take(ctx, globalKey, every, limiterBurst, n)
		cancel()
		if err != nil {
			b.metrics.errors.WithLabelValues("limiter").Inc()
			b.log.Debug("cannot count replies in the rate limit", "replies", n, "err", err)
		}
		b.budget.behind(time.Now(), behind, every)
	}
	if !b.budget.settled() {
		time.AfterFunc(accountEvery, b.account)
	}
}

// replyBudget is this process's side of the overall rate: replies take
// their turns here, in memory, at the configured rate (GCRA with no burst),
// and are counted in the budget shared with bulk messages and the other
// replicas every accountEvery, in one limiter call for them all instead of
// one each. When that budget is behind (bulk or other replicas used it),
// the next turns here move back accordingly: interactive replies count
// there at most accountEvery late.
type replyBudget struct {
	mu       sync.Mutex
	tat      time.Time // when the next turn is free
	pending  int       // turns taken and not counted yet
	counting bool      // a count is scheduled or under way
}

// take reserves the next turn, every after the last, and returns how long
// until it comes; first is true when no count is scheduled yet.
func (r *replyBudget) take(now time.Time, every time.Duration) (wait time.Duration, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	turn := r.tat
	if turn.Before(now) {
		turn = now
	}
	r.tat = turn.Add(every)
	r.pending++
	first, r.counting = !r.counting, true
	return turn.Sub(now), first
}

// drain returns the turns taken since the last count and forgets them.
func (r *replyBudget) drain() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.pending
	r.pending = 0
	return n
}

// behind records that the shared budget gives the last turn counted d from
// now: no turn here comes before the one after it.
func (r *replyBudget) behind(now time.Time, d, every time.Duration) {
	if d <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if next := now.Add(d + every); next.After(r.tat) {
		r.tat = next
	}
}

// settled ends a count when no turn is pending; false when one was taken
// meanwhile and the next count must be scheduled.
func (r *replyBudget) settled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending > 0 {
		return false
	}
	r.counting = false
	return true
}

// waitGates waits until no retry_after runs for chatID's scopes; an error when ctx ends first.
func (b *Bot) waitGates(ctx context.Context, chatID int64) error {
	for {
		wait := time.Until(b.gates.until(chatID))
		if wait <= 0 {
			return nil
		}
		if !sleep(ctx, wait, nil) {
			return fmt.Errorf("waiting retry_after: %w", ctx.Err())
		}
	}
}

// rateLimited records Telegram's 429 for a call about chatID: its scope's
// gate closes for retry_after, here and, through the limiter, on every
// replica. A 429 in a group holds that group (its own limit, 20 a minute, is
// the one groups hit); any other holds the whole bot — Telegram does not say
// which limit was broken, and only the whole bot is safe.
func (b *Bot) rateLimited(ctx context.Context, chatID int64, retryAfter int) {
	b.metrics.errors.WithLabelValues("rate_limited").Inc()
	d := time.Duration(max(retryAfter, 1)) * time.Second
	scope, key := int64(0), globalKey
	if chatID < 0 {
		scope, key = chatID, bulk.GroupKey(chatID)
	}
	if !b.gates.close(scope, time.Now().Add(d)) {
		return // the calls under way with this one get the same answer: told once
	}
	b.log.Warn("Telegram asks to wait", "retry_after", retryAfter, "scope", scopeName(scope))
	if b.cfg.Limiter == nil {
		return
	}
	// Bulk senders may take a turn a little ahead of the key's time.
	d += bulk.Headroom(b.cfg.Rate)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), takeTimeout)
	defer cancel()
	if err := b.cfg.Limiter.Hold(ctx, key, d); err != nil {
		b.metrics.errors.WithLabelValues("limiter").Inc()
		b.log.Debug("cannot share a retry_after with the other replicas", "err", err)
	}
}

// scopeName names a gate's scope for the logs, without a chat id.
func scopeName(scope int64) string {
	if scope == 0 {
		return "bot"
	}
	return "group"
}

// gates remember until when Telegram asked this process to wait: the whole
// bot (scope 0) or one group. Every call waits for the gates of its scopes.
// They also keep the pace of the replies in each private chat.
type gates struct {
	mu    sync.Mutex
	bot   time.Time
	chats map[int64]time.Time
	tat   map[int64]time.Time // per private chat: when its next reply is due without a burst
}

// chatBurst is how many replies a private chat gets at once before the
// chat's pace (Config.ChatPace) applies. Telegram lets a chat get a short
// burst, then about one message a second; past that it answers 429, and
// nothing says the limit was the chat's: taken for the whole bot's, it would
// stop everybody. So replies to one chat keep that pace here, and only that
// chat waits.
const chatBurst = 5

// pace reserves a message's turn in private chat chatID and returns how
// long until it comes (GCRA: a burst of chatBurst, then one every every).
func (g *gates) pace(chatID int64, every time.Duration, now time.Time) time.Duration {
	if chatID <= 0 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tat == nil {
		g.tat = map[int64]time.Time{}
	}
	if len(g.tat) >= maxGates {
		for id, t := range g.tat {
			if t.Before(now) {
				delete(g.tat, id)
			}
		}
	}
	tat := g.tat[chatID]
	if tat.Before(now) {
		tat = now
	}
	g.tat[chatID] = tat.Add(every)
	return max(tat.Sub(now)-(chatBurst-1)*every, 0)
}

// maxGates bounds the chats remembered; past it, those whose gate is open are forgotten.
const maxGates = 1024

// until is when a call about chatID (0: about no chat) may go.
func (g *gates) until(chatID int64) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.bot
	if c, ok := g.chats[chatID]; ok && chatID != 0 && c.After(t) {
		t = c
	}
	return t
}

// close closes scope's gate until t; false when it was closed until then already.
func (g *gates) close(scope int64, t time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if scope == 0 {
		if !t.After(g.bot) {
			return false
		}
		g.bot = t
		return true
	}
	if c, ok := g.chats[scope]; ok && !t.After(c) {
		return false
	}
	if g.chats == nil {
		g.chats = map[int64]time.Time{}
	}
	if len(g.chats) >= maxGates {
		now := time.Now()
		for id, c := range g.chats {
			if !c.After(now) {
				delete(g.chats, id)
			}
		}
	}
	g.chats[scope] = t
	return true
}

// errOutcomeUnknown marks a call whose request reached Telegram but whose
// answer did not come back: the message may well have been delivered, so
// the call must not be made again.
var errOutcomeUnknown = errors.New("outcome unknown: the request was sent, no answer came")
