// Package bulk sends the bulk messages of the durable outbox (broadcasts,
// reminders, requests sent to partners) at Telegram's pace, and keeps each
// job's owner told of its progress. It speaks to Telegram only through the
// Client it defines, which package bot implements.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/territoires-integration/passerelle/flows"
)

// Client is what the sender needs of the Bot API client (package bot's
// Bot.Bulk). Its errors wrap ErrRateLimited, ErrUnknownOutcome, ErrBlocked or
// ErrRefused when they are of those kinds; any other error may pass if tried
// again later. Errors carry no secret.
type Client interface {
	// Post sends d as a new message, or edits the message d.Bulk.Edit names
	// (its buttons replaced by d's), once no retry_after runs for its
	// scopes. It returns the new message's id (0 for an edit).
	Post(ctx context.Context, d flows.Delivery) (msgID int, err error)
	// Show shows r to chatID in its turn among the replies: an edit of
	// message edit when not 0 (a message that is gone is sent anew), a new
	// message otherwise. It returns the id of the message showing r.
	Show(ctx context.Context, chatID int64, edit int, r flows.Reply) (msgID int, err error)
	// Delete deletes a message, in its turn among the replies.
	Delete(ctx context.Context, chatID int64, msgID int) error
	// PausedUntil is when Telegram's retry_after for the scopes of a message
	// to chatID (0: the whole bot) ends; not after now when none runs.
	PausedUntil(chatID int64) time.Time
	// Blocked tells that the person of chatID blocked the bot (a 403).
	Blocked(ctx context.Context, chatID int64) error
}

// The kinds of Client errors the sender acts on.
var (
	// ErrRateLimited is Telegram's 429: the scope's pause is under way (see PausedUntil).
	ErrRateLimited = errors.New("rate limited")
	// ErrUnknownOutcome: the request reached Telegram and no answer came
	// back; the message is likely delivered and must not be sent again.
	ErrUnknownOutcome = errors.New("outcome unknown")
	// ErrBlocked is Telegram's 403: the person blocked the bot, or is gone.
	ErrBlocked = errors.New("blocked")
	// ErrRefused: Telegram refuses this message (a 400: chat gone, text too
	// long…); trying again changes nothing.
	ErrRefused = errors.New("refused")
)

// Limiter is the rate limiter the replicas share (storage.Redis implements
// it with GCRA; package bot's Limiter is a superset). Allow lets a message
// through when the key's time is at most (burst-1)·every ahead of now, or
// says how long to wait; Take moves the key's time n·every further without
// asking.
type Limiter interface {
	Allow(ctx context.Context, key string, every time.Duration, burst int) (ok bool, wait time.Duration, err error)
	Take(ctx context.Context, key string, every time.Duration, burst, n int) (wait time.Duration, err error)
}

// Outbox is the durable queue of bulk messages (storage.Redis implements it).
//
// Claim hands consumer up to n deliveries that are due, including those another
// consumer claimed and left unfinished for longer than idle (it crashed).
// Finish records how a delivery ended and returns its job's counts after it;
// finishing a delivery already settled counts nothing and returns the counts
// (the sender reads a job's status so). Retry hands a delivery back, to be
// claimed again from at as its next attempt. Unclaim gives back, at a stop,
// what consumer claimed and will not send, so that the next Claim of any
// consumer takes it at once. SetProgressMessage remembers the owner's message
// that shows the job's progress; later statuses carry it.
type Outbox interface {
	Claim(ctx context.Context, consumer string, n int, idle time.Duration) ([]flows.Delivery, error)
	Unclaim(ctx context.Context, consumer string, ids []string) (int, error)
	Finish(ctx context.Context, d flows.Delivery, outcome flows.Outcome) (flows.JobStatus, error)
	Retry(ctx context.Context, d flows.Delivery, at time.Time) error
	SetProgressMessage(ctx context.Context, job string, messageID int) error
}

// Reporter renders a job's progress for its owner (flows renders it in the owner's language).
type Reporter interface {
	JobReport(s flows.JobStatus) flows.Reply
}

// Config is what a Sender needs.
type Config struct {
	Client      Client
	Outbox      Outbox
	Limiter     Limiter
	Reporter    Reporter
	Logger      *slog.Logger                                      // default slog.Default()
	Registry    prometheus.Registerer                             // where its metrics go; default a registry of its own
	Consumer    string                                            // unique per replica, e.g. hostname-pid
	Rate        float64                                           // messages per second overall, the bot's replies included; default 30
	PerChat     time.Duration                                     // default 1 s
	PerGroup    time.Duration                                     // default 3 s (20 per minute)
	MaxAttempts int                                               // default 5
	Idle        time.Duration                                     // reclaim another replica's unfinished deliveries after this; default 30 s
	Quiet       func(now time.Time) (until time.Time, quiet bool) // quiet hours: no bulk until `until`; nil = never quiet
	// Eligible tells whether a delivery may still go to its person (they may
	// have used /stop or /forget since it was queued); nil: always. Those who
	// may not are counted with the blocked.
	Eligible func(ctx context.Context, d flows.Delivery) (bool, error)
	// Delivered is told the message id of each new message sent (nil:
	// nobody is). When it answers false the message must not stay (the help
	// request it shows was withdrawn while it was on its way): it is deleted.
	Delivered func(ctx context.Context, d flows.Delivery, messageID int) (keep bool, err error)
	Clock     func() time.Time // default time.Now
	// Grace is how long the sends under way at a stop have to finish and be
	// recorded; past it they are abandoned as at a crash. Default 4 s.
	Grace time.Duration
}

// Workers is how many bulk messages may be on their way to Telegram at once,
// so that one slow call does not stall the pace. It also bounds the
// duplicates a crash can cause.
const Workers = 8

// The limiter keys and costs replies and bulk messages share.
const (
	// GlobalKey is the limiter key every message of the bot counts against.
	GlobalKey = "global"
	// defaultRate is Telegram's overall limit: about 30 messages a second.
	defaultRate = 30
	// noBurst lets no burst through: Telegram counts messages in any
	// sliding second, so limits are kept as an even pace.
	noBurst = 1
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
)

// Headroom is how far ahead of GlobalKey's time a bulk message may take its
// turn at rate: a pause shared through the limiter lasts that much longer to
// hold bulk messages too.
func Headroom(rate float64) time.Duration { return interval(rate*bulkShare) * (bulkBurst - 1) }

// GroupKey is the limiter key of the messages to a group (a negative chat id).
func GroupKey(chatID int64) string { return "group:" + strconv.FormatInt(chatID, 10) }

// interval is the time between two messages at rate per second.
func interval(rate float64) time.Duration {
	return time.Duration(float64(time.Second) / rate)
}

// chatLimit is one per-chat limiter key and its least gap between messages.
type chatLimit struct {
	key   string
	every time.Duration
}

// chatLimits are the keys a bulk message to chatID must pass besides the
// global one: the group's (negative ids), the strictest, first; then the chat's.
func chatLimits(chatID int64, perChat, perGroup time.Duration) []chatLimit {
	chat := chatLimit{key: "chat:" + strconv.FormatInt(chatID, 10), every: perChat}
	if chatID < 0 {
		return []chatLimit{{key: GroupKey(chatID), every: perGroup}, chat}
	}
	return []chatLimit{chat}
}

const (
	// maxHeld bounds the deliveries claimed and not yet recorded.
	maxHeld = 2 * Workers
	// reportEvery is the least time between two progress reports of a job.
	reportEvery = 2 * time.Second
	// recheck is how often quiet hours, pauses and an idle outbox are looked at again.
	recheck = time.Second
	// pollMin is the first wait when the outbox is empty; it doubles up to recheck.
	pollMin = 50 * time.Millisecond
	// storeTimeout bounds one outbox call made to record a delivery.
	storeTimeout = 5 * time.Second
	// storeFor is how long recording a delivery is tried: longer than a
	// Redis Sentinel failover (a few seconds), so that a message sent while
	// the primary changes is recorded, not sent again after the reclaim.
	storeFor = 30 * time.Second
	// maxBackoff bounds the wait before trying a failed delivery again.
	maxBackoff = time.Minute
	// reportTries is how many times a report is tried before it is given up.
	reportTries = 3
	// defaultGrace is Config.Grace's default.
	defaultGrace = 4 * time.Second
	// forgetProgress is how long the progress of a job no delivery was seen for is kept.
	forgetProgress = 10 * time.Minute
)

// Sender drains the outbox at Telegram's pace; see Run.
type Sender struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
}

// NewSender checks cfg and fills in its defaults.
func NewSender(cfg Config) (*Sender, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("bulk sender: no client")
	case cfg.Outbox == nil:
		return nil, errors.New("bulk sender: no outbox")
	case cfg.Limiter == nil:
		return nil, errors.New("bulk sender: no limiter")
	case cfg.Reporter == nil:
		return nil, errors.New("bulk sender: no reporter")
	case cfg.Consumer == "":
		return nil, errors.New("bulk sender: no consumer name")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Rate <= 0 {
		cfg.Rate = defaultRate
	}
	if cfg.PerChat <= 0 {
		cfg.PerChat = time.Second
	}
	if cfg.PerGroup <= 0 {
		cfg.PerGroup = 3 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 30 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = defaultGrace
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("bulk sender: %w", err)
	}
	return &Sender{cfg: cfg, log: cfg.Logger.With("consumer", cfg.Consumer), metrics: m}, nil
}

// Run sends bulk messages until ctx ends, then finishes the deliveries in flight and returns.
//
// One loop claims deliveries from the outbox and paces them: never during
// quiet hours nor while Telegram's retry_after runs for their scope (the bot,
// or a group), at most Rate·95% a second through the shared limiter
// (replies, which reserve their turns there, go first), and at most one per
// PerChat to a chat and one per PerGroup to a group, plus a tenth for
// network jitter. Up to 8 sends run at once. A 403 marks the person inactive
// and is never retried; a 400 fails at once; server errors, and timeouts
// before the message left, are retried with a growing backoff and fail after
// MaxAttempts attempts; a message Telegram received without answering in
// time is counted as sent and never sent again; a 429 holds its scope for
// retry_after, on every replica, and retries the delivery (up to
// 2·MaxAttempts attempts).
//
// When ctx ends, nothing more is claimed or started; the sends under way
// have Grace to finish and be recorded, and the final reports due are sent.
// Deliveries claimed and not sent (or whose send was abandoned) are given
// back to the outbox, which hands them to the next consumer at once. After a
// crash they stay unfinished until Idle has passed; either way a message is
// sent twice at most for the sends that were under way.
func (bs *Sender) Run(ctx context.Context) error {
	life, cut := context.WithCancel(context.Background())
	defer cut()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(bs.cfg.Grace, cut) })()
	left := bs.Serve(ctx, life)
	if len(left) == 0 {
		return nil
	}
	uctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	n, err := bs.cfg.Outbox.Unclaim(uctx, bs.cfg.Consumer, left)
	if err != nil {
		bs.metrics.errors.WithLabelValues("outbox").Inc()
		bs.log.Warn("cannot give bulk messages back to the outbox; they go out again after the idle time", "count", len(left), "err", err)
		return nil
	}
	bs.log.Info("bulk messages given back to the outbox", "count", n)
	return nil
}

// Serve is Run where the end of life stands for the process dying: the
// sends under way are abandoned and nothing more is recorded (Run ends life
// Grace after ctx; a test ends it to crash). It returns the ids of the
// deliveries claimed and not recorded, for the caller to give back.
func (bs *Sender) Serve(ctx, life context.Context) (left []string) {
	cfg := bs.cfg
	life, die := context.WithCancel(life)
	defer die()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(life, stop)()

	s := &sender{
		cfg:     cfg,
		client:  cfg.Client,
		metrics: bs.metrics,
		log:     bs.log,
		life:    life,
		every:   interval(cfg.Rate * bulkShare),
		chat:    cfg.PerChat + cfg.PerChat/jitterShare,
		group:   cfg.PerGroup + cfg.PerGroup/jitterShare,
		hold:    cfg.Idle / 2,
		slots:   make(chan struct{}, Workers),
		held:    map[string]bool{},
		freed:   make(chan struct{}, 1),
	}
	s.rep = &reporter{s: s, jobs: map[string]*progress{}, wake: make(chan struct{}, 1)}
	stopReports, reportsDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(reportsDone)
		s.rep.run(stopReports)
	}()

	s.log.Info("bulk sender started", "rate", cfg.Rate)
	s.claimLoop(ctx)
	s.sends.Wait()
	close(stopReports)
	<-reportsDone
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.held {
		left = append(left, id)
	}
	if life.Err() == nil {
		s.log.Info("bulk sender stopped", "left_in_outbox", len(left))
	}
	return left
}

// sender is one Serve.
type sender struct {
	cfg     Config
	client  Client
	metrics *metrics
	log     *slog.Logger
	life    context.Context // ends when the process dies: nothing more is sent or recorded
	every   time.Duration   // a bulk message's cost on the global key
	chat    time.Duration   // least gap kept between two messages to a chat (PerChat and a margin)
	group   time.Duration   // the same for a group
	hold    time.Duration   // longest a claimed delivery waits here; longer, it goes back to the outbox

	slots chan struct{} // one per send under way
	sends sync.WaitGroup

	mu    sync.Mutex
	held  map[string]bool // ids of the deliveries claimed and not yet recorded
	freed chan struct{}   // signalled when a delivery is recorded

	buf   []flows.Delivery // claimed, not yet paced (claim loop only)
	later []deferred       // waiting for their chat's turn (claim loop only)

	rep *reporter
}

// deferred is a delivery waiting for its chat's turn.
type deferred struct {
	d  flows.Delivery
	at time.Time
}

func (s *sender) now() time.Time { return s.cfg.Clock() }

// quiet reports whether bulk must wait until `until`; an end not after now
// means "ask again in a moment".
func (s *sender) quiet(now time.Time) (time.Time, bool) {
	if s.cfg.Quiet == nil {
		return time.Time{}, false
	}
	until, quiet := s.cfg.Quiet(now)
	if quiet && !until.After(now) {
		until = now.Add(recheck)
	}
	return until, quiet
}

// gateEnd is when Telegram's retry_after for the scopes of a message to
// chatID ends (0: the whole bot), on the sender's clock; not after now when
// none runs.
func (s *sender) gateEnd(chatID int64, now time.Time) time.Time {
	return now.Add(time.Until(s.client.PausedUntil(chatID)))
}

// claimLoop claims and paces deliveries and starts their sends, until ctx ends.
func (s *sender) claimLoop(ctx context.Context) {
	poll := pollMin
	for {
		// A free worker first, so that a delivery let through by the limiter leaves at once.
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		d, ok := s.next(ctx, &poll)
		if !ok || !s.pace(ctx, d) {
			<-s.slots
			if ctx.Err() != nil {
				return
			}
			continue
		}
		s.sends.Add(1)
		go func() {
			defer s.sends.Done()
			defer func() { <-s.slots }()
			defer func() {
				if v := recover(); v != nil {
					s.metrics.errors.WithLabelValues("panic").Inc()
					s.log.Error("panic while sending a bulk message", "job", d.Bulk.Job, "panic", fmt.Sprint(v))
					s.release(d) // the outbox hands it out again
				}
			}()
			s.deliver(d)
		}()
	}
}

// next returns the next delivery to pace: one whose chat's turn came, one
// already claimed, or a newly claimed one. It waits while the outbox is empty,
// during quiet hours and 429 pauses; false when ctx ended.
func (s *sender) next(ctx context.Context, poll *time.Duration) (flows.Delivery, bool) {
	for {
		if ctx.Err() != nil {
			return flows.Delivery{}, false
		}
		now := s.now()
		if d, ok := s.popLater(now); ok {
			return d, true
		}
		if len(s.buf) > 0 {
			d := s.buf[0]
			s.buf = s.buf[1:]
			return d, true
		}
		var freed chan struct{}
		wait := *poll
		if until, quiet := s.quiet(now); quiet {
			wait = until.Sub(now)
		} else if p := s.gateEnd(0, now); p.After(now) {
			wait = p.Sub(now)
		} else if room := maxHeld - s.heldCount(); room <= 0 {
			wait, freed = recheck, s.freed
		} else {
			ds, err := s.cfg.Outbox.Claim(ctx, s.cfg.Consumer, min(room, Workers), s.cfg.Idle)
			switch {
			case ctx.Err() != nil:
				return flows.Delivery{}, false
			case err != nil:
				s.metrics.errors.WithLabelValues("outbox").Inc()
				s.log.Warn("cannot claim bulk messages", "err", err)
				wait = recheck
			default:
				if s.buf = s.adopt(ds); len(s.buf) > 0 {
					*poll = pollMin
					continue
				}
				*poll = min(2**poll, recheck)
			}
		}
		for _, l := range s.later {
			wait = min(wait, l.at.Sub(now))
		}
		if !Sleep(ctx, min(max(wait, time.Millisecond), recheck), freed) {
			return flows.Delivery{}, false
		}
	}
}

// adopt marks claimed deliveries as held and drops those already held here
// (the outbox handed back one of ours that waited long).
func (s *sender) adopt(ds []flows.Delivery) []flows.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := ds[:0]
	for _, d := range ds {
		if !s.held[d.ID] {
			s.held[d.ID] = true
			fresh = append(fresh, d)
		}
	}
	return fresh
}

func (s *sender) heldCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

// release forgets a delivery that was recorded, or left to the outbox.
func (s *sender) release(d flows.Delivery) {
	s.mu.Lock()
	delete(s.held, d.ID)
	s.mu.Unlock()
	select {
	case s.freed <- struct{}{}:
	default:
	}
}

// popLater returns the deferred delivery whose turn came first, if any.
func (s *sender) popLater(now time.Time) (flows.Delivery, bool) {
	best := -1
	for i, l := range s.later {
		if !l.at.After(now) && (best < 0 || l.at.Before(s.later[best].at)) {
			best = i
		}
	}
	if best < 0 {
		return flows.Delivery{}, false
	}
	d := s.later[best].d
	s.later = append(s.later[:best], s.later[best+1:]...)
	return d, true
}

// pace waits until d may be sent: not in quiet hours nor a 429 pause, not
// before its time, its turn under the global limit and its chat's. True: send
// it now. False: d was deferred, handed back to the outbox for a wait longer
// than s.hold, or, ctx having ended, kept held to be given back.
func (s *sender) pace(ctx context.Context, d flows.Delivery) bool {
	start := time.Now()
	for {
		now := s.now()
		var at time.Time
		if until, quiet := s.quiet(now); quiet {
			at = until
		} else if p := s.gateEnd(d.Bulk.ChatID, now); p.After(now) {
			at = p
		} else if d.NotBefore.After(now) {
			at = d.NotBefore
		}
		if !at.IsZero() {
			if at.Sub(now) > s.hold {
				s.retry(d, at)
				return false
			}
			if !Sleep(ctx, min(at.Sub(now), recheck), nil) {
				return false // still held: given back at the stop
			}
			continue
		}

		ok, wait, err := s.cfg.Limiter.Allow(ctx, GlobalKey, s.every, bulkBurst)
		if err != nil {
			if ctx.Err() == nil {
				s.metrics.errors.WithLabelValues("limiter").Inc()
				s.log.Warn("rate limiter unavailable", "err", err)
			}
			if !Sleep(ctx, recheck, nil) {
				return false // still held: given back at the stop
			}
			continue
		}
		if !ok {
			if wait > s.hold {
				s.retry(d, now.Add(wait))
				return false
			}
			if !Sleep(ctx, max(wait, time.Millisecond), nil) {
				return false // still held: given back at the stop
			}
			continue
		}

		for _, l := range chatLimits(d.Bulk.ChatID, s.chat, s.group) {
			ok, wait, err := s.cfg.Limiter.Allow(ctx, l.key, l.every, noBurst)
			if err != nil {
				// The global turn was given: go; Telegram answers 429 if the chat had too much.
				s.metrics.errors.WithLabelValues("limiter").Inc()
				break
			}
			if !ok {
				if wait > s.hold {
					s.retry(d, now.Add(wait))
				} else {
					s.later = append(s.later, deferred{d, now.Add(max(wait, time.Millisecond))})
				}
				return false
			}
		}
		s.metrics.outboxWait.Observe(time.Since(start).Seconds())
		return true
	}
}

// deliver sends one bulk message and records what came of it.
func (s *sender) deliver(d flows.Delivery) {
	if s.cfg.Eligible != nil {
		ctx, cancel := context.WithTimeout(s.life, storeTimeout)
		ok, err := s.cfg.Eligible(ctx, d)
		cancel()
		switch {
		case s.life.Err() != nil:
			return
		case err != nil:
			s.metrics.errors.WithLabelValues("store").Inc()
			s.retry(d, s.now().Add(backoff(d.Attempt)))
			return
		case !ok:
			s.finish(d, flows.OutcomeBlocked)
			return
		}
	}
	// A 429 that came since pace let d go is waited for, a little.
	msgID, err := s.client.Post(s.life, d)
	if s.life.Err() != nil {
		return // the process is gone: the outbox hands d out again
	}
	switch {
	case err == nil:
		if msgID != 0 {
			s.delivered(d, msgID)
		}
		s.finish(d, flows.OutcomeSent)
	case errors.Is(err, ErrRateLimited):
		// The client closed the gate of the 429's scope: the messages to that
		// scope, this one included, wait until it opens.
		if d.Attempt >= 2*s.cfg.MaxAttempts {
			s.finish(d, flows.OutcomeFailed)
			return
		}
		s.retry(d, s.gateEnd(d.Bulk.ChatID, s.now()))
	case errors.Is(err, ErrUnknownOutcome):
		// Telegram got the message and did not answer in time: it is most
		// likely delivered, and sending it again could show it twice.
		s.log.Warn("bulk message sent without an answer; counted as sent, not sent again", "job", d.Bulk.Job, "err", err)
		s.finish(d, flows.OutcomeSent)
	case errors.Is(err, ErrBlocked):
		if d.Bulk.ChatID > 0 { // a group is no person to mark
			ctx, cancel := context.WithTimeout(s.life, storeTimeout)
			herr := s.client.Blocked(ctx, d.Bulk.ChatID)
			cancel()
			if herr != nil {
				s.metrics.errors.WithLabelValues("store").Inc()
				s.log.Warn("cannot mark chat inactive", "job", d.Bulk.Job, "err", herr)
			}
		}
		s.finish(d, flows.OutcomeBlocked)
	case errors.Is(err, ErrRefused):
		s.log.Warn("bulk message refused", "job", d.Bulk.Job, "err", err)
		s.finish(d, flows.OutcomeFailed)
	default:
		// Server error, timeout, network: it may work later.
		if d.Attempt >= s.cfg.MaxAttempts {
			s.log.Warn("bulk message failed", "job", d.Bulk.Job, "attempts", d.Attempt, "err", err)
			s.finish(d, flows.OutcomeFailed)
			return
		}
		s.retry(d, s.now().Add(backoff(d.Attempt)))
	}
}

// delivered tells Delivered where d went, and deletes the message when it
// must not stay. A failure is logged and counted: the message stays.
func (s *sender) delivered(d flows.Delivery, msgID int) {
	if s.cfg.Delivered == nil {
		return
	}
	keep := true
	err := s.store(func(ctx context.Context) (err error) {
		keep, err = s.cfg.Delivered(ctx, d, msgID)
		return err
	})
	if err != nil {
		if s.life.Err() == nil {
			s.metrics.errors.WithLabelValues("store").Inc()
			s.log.Warn("cannot record where a bulk message went", "job", d.Bulk.Job, "err", err)
		}
		return
	}
	if keep {
		return
	}
	if err := s.client.Delete(s.life, d.Bulk.ChatID, msgID); err != nil && s.life.Err() == nil {
		s.log.Warn("cannot delete a message about a withdrawn request", "job", d.Bulk.Job, "err", err)
	}
}

// backoff is the wait after a failed attempt: 1 s, 2 s, 4 s… up to a minute, give or take a fifth.
func backoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt >= 1 && attempt <= 6 {
		d = time.Second << (attempt - 1)
	}
	return d - d/10 + rand.N(d/5)
}

// finish records d's outcome and tells the reporter the job's new status.
func (s *sender) finish(d flows.Delivery, outcome flows.Outcome) {
	defer s.release(d)
	s.metrics.outcomes.WithLabelValues(string(outcome)).Inc()
	var status flows.JobStatus
	err := s.store(func(ctx context.Context) (err error) {
		status, err = s.cfg.Outbox.Finish(ctx, d, outcome)
		return err
	})
	if err != nil {
		if s.life.Err() == nil {
			s.metrics.errors.WithLabelValues("outbox").Inc()
			s.log.Warn("cannot record a bulk message; it will be sent again", "job", d.Bulk.Job, "outcome", outcome, "err", err)
		}
		return
	}
	s.rep.update(status, d, outcome)
}

// retry hands d back to the outbox to be tried again from at.
func (s *sender) retry(d flows.Delivery, at time.Time) {
	defer s.release(d)
	s.metrics.retries.Inc()
	err := s.store(func(ctx context.Context) error { return s.cfg.Outbox.Retry(ctx, d, at) })
	if err != nil && s.life.Err() == nil {
		s.metrics.errors.WithLabelValues("outbox").Inc()
		s.log.Warn("cannot put a bulk message back; the outbox hands it out again later", "job", d.Bulk.Job, "err", err)
	}
}

// store runs an outbox write, trying again with a growing wait for up to
// storeFor, until the process dies.
func (s *sender) store(fn func(ctx context.Context) error) error {
	var err error
	deadline := time.Now().Add(storeFor)
	for wait := time.Duration(0); ; wait = min(max(2*wait, 100*time.Millisecond), time.Second) {
		if wait > 0 && (time.Now().Add(wait).After(deadline) || !Sleep(s.life, wait, nil)) {
			break
		}
		ctx, cancel := context.WithTimeout(s.life, storeTimeout)
		err = fn(ctx)
		cancel()
		if err == nil || s.life.Err() != nil {
			break
		}
	}
	return err
}

// Sleep waits d, or until wake is signalled; false when ctx ended first.
// Package bot waits with it too.
func Sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// reporter keeps each job's owner told of its progress, in a message sent once
// and then edited: at most every 2 s, and always at the end. Reports are
// replies: they reserve their turn in the global limit and wait for it. The
// replicas share, through the limiter, the owner's chat limit and the job's
// pace of reports; once a job's final report is out, their late progress
// reports are held back.
type reporter struct {
	s    *sender
	mu   sync.Mutex
	jobs map[string]*progress
	wake chan struct{}
}

// progress is what the reporter knows of one job.
type progress struct {
	status    flows.JobStatus // the most advanced status seen
	seen      time.Time       // when a status was last seen
	shown     int             // messages done at the last report; -1 before the first
	at        time.Time       // when the last report was answered
	notBefore time.Time       // the limiter asked to wait until then
	msgID     int             // the owner's progress message; 0 before the first
	tries     int             // failed tries of the current report
	probe     flows.Delivery  // a delivery of the job settled here, finished again to read the job's status
	outcome   flows.Outcome   // probe's outcome
}

// doneCount is how many of a job's messages are done with.
func doneCount(s flows.JobStatus) int { return s.Sent + s.Blocked + s.Failed }

// isFinal reports whether a status is the job's last.
func isFinal(s flows.JobStatus) bool { return s.Pending() <= 0 }

// reportKey is the limiter key pacing a job's reports across replicas.
func reportKey(job string) string { return "report:" + job }

// update takes the status Finish returned for d.
func (r *reporter) update(st flows.JobStatus, d flows.Delivery, outcome flows.Outcome) {
	if st.ID == "" || st.Owner == 0 {
		return
	}
	now := time.Now()
	r.mu.Lock()
	p := r.jobs[st.ID]
	if p == nil {
		// The first report waits a moment, not to crowd the owner's chat.
		p = &progress{status: st, shown: -1, at: now}
		r.jobs[st.ID] = p
	} else if doneCount(st) >= doneCount(p.status) { // statuses of concurrent sends may come in any order
		p.status = st
	}
	p.seen, p.probe, p.outcome = now, d, outcome
	if p.msgID == 0 {
		p.msgID = st.ProgressMessage
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// due is when p's next report may go; false when there is nothing new to show.
func (r *reporter) due(p *progress) (time.Time, bool) {
	if doneCount(p.status) <= p.shown {
		return time.Time{}, false
	}
	gap := reportEvery
	if isFinal(p.status) || p.shown < 0 {
		gap = r.s.chat // the owner's chat has its limit too
	}
	at := p.at.Add(gap)
	if p.notBefore.After(at) {
		at = p.notBefore
	}
	return at, true
}

// run sends the reports as they come due until stop, then sends the final
// reports still due; it gives up at once when the process dies.
func (r *reporter) run(stop <-chan struct{}) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		next := r.sendDue(false)
		wait := time.Minute
		if !next.IsZero() {
			wait = max(time.Until(next), time.Millisecond)
		}
		t.Reset(wait)
		select {
		case <-r.wake:
		case <-t.C:
		case <-r.s.life.Done():
			return
		case <-stop:
			r.flush()
			return
		}
	}
}

// flush sends the final reports due, for a few seconds at most.
func (r *reporter) flush() {
	deadline := time.Now().Add(storeTimeout)
	for {
		next := r.sendDue(true)
		if next.IsZero() || next.After(deadline) || !Sleep(r.s.life, time.Until(next), nil) {
			return
		}
	}
}

// pick returns a job whose report is due now (only a final one when
// finalOnly), or when the next one is due; it forgets jobs not heard of for long.
func (r *reporter) pick(now time.Time, finalOnly bool) (job string, p progress, next time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, jp := range r.jobs {
		if now.Sub(jp.seen) > forgetProgress {
			delete(r.jobs, id) // finished elsewhere, or stalled: nothing more to show
			continue
		}
		at, ok := r.due(jp)
		if !ok || (finalOnly && !isFinal(jp.status)) {
			continue
		}
		if !at.After(now) {
			return id, *jp, time.Time{}
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return "", progress{}, next
}

// sendDue sends the reports due now (only the final ones when finalOnly) and
// returns when the next one is due, zero when none is waiting.
func (r *reporter) sendDue(finalOnly bool) time.Time {
	for r.s.life.Err() == nil {
		job, p, next := r.pick(time.Now(), finalOnly)
		if job == "" {
			return next
		}
		if wait := r.turn(p.status); wait > 0 {
			r.mu.Lock()
			r.jobs[job].notBefore = time.Now().Add(wait)
			r.mu.Unlock()
			continue
		}
		if p.msgID == 0 {
			// Another replica may have shown the job already: edit its message.
			p = r.reread(p)
		}
		msgID, err := r.send(p.status, p.msgID)
		if err == nil && isFinal(p.status) {
			r.closeReports(job)
		}
		r.mu.Lock()
		jp := r.jobs[job]
		jp.at = time.Now()
		if doneCount(p.status) > doneCount(jp.status) {
			jp.status = p.status
		}
		switch {
		case err == nil, jp.tries+1 >= reportTries, errors.Is(err, ErrBlocked):
			if err != nil && r.s.life.Err() == nil {
				r.s.log.Warn("cannot report a job's progress", "job", job, "err", err)
			}
			jp.shown, jp.tries = doneCount(p.status), 0
			if msgID != 0 {
				jp.msgID = msgID
			}
			if isFinal(jp.status) && jp.shown >= doneCount(jp.status) {
				delete(r.jobs, job)
			}
		default:
			jp.tries++
		}
		r.mu.Unlock()
	}
	return time.Time{}
}

// reread refreshes p from the outbox by finishing its probe again.
func (r *reporter) reread(p progress) progress {
	if p.probe.ID == "" {
		return p
	}
	var st flows.JobStatus
	err := r.s.store(func(ctx context.Context) (err error) {
		st, err = r.s.cfg.Outbox.Finish(ctx, p.probe, p.outcome)
		return err
	})
	if err != nil || st.ID != p.status.ID {
		return p
	}
	if doneCount(st) >= doneCount(p.status) {
		p.status = st
	}
	p.msgID = st.ProgressMessage
	return p
}

// turn asks the shared limiter whether st may be shown now: the owner's chat
// must be free and, but for the final report, the job's last report 2 s old.
// It returns how long to wait; a limiter failure lets the report go.
func (r *reporter) turn(st flows.JobStatus) time.Duration {
	limits := chatLimits(st.Owner, r.s.chat, r.s.group)
	if !isFinal(st) {
		limits = append(limits, chatLimit{key: reportKey(st.ID), every: reportEvery})
	}
	ctx, cancel := context.WithTimeout(r.s.life, storeTimeout)
	defer cancel()
	for _, l := range limits {
		ok, wait, err := r.s.cfg.Limiter.Allow(ctx, l.key, l.every, noBurst)
		if err != nil {
			r.s.metrics.errors.WithLabelValues("limiter").Inc()
			return 0
		}
		if !ok {
			return max(wait, time.Millisecond)
		}
	}
	return 0
}

// closeReports holds back, for every replica, the progress reports of a job
// whose final report is out: theirs can only be older.
func (r *reporter) closeReports(job string) {
	ctx, cancel := context.WithTimeout(r.s.life, storeTimeout)
	defer cancel()
	if _, err := r.s.cfg.Limiter.Take(ctx, reportKey(job), forgetProgress, noBurst, 1); err != nil {
		r.s.metrics.errors.WithLabelValues("limiter").Inc()
	}
}

// send shows st to its owner: a new message the first time, an edit of it
// after. It returns the message's id.
func (r *reporter) send(st flows.JobStatus, msgID int) (id int, err error) {
	reply, err := r.render(st)
	if err != nil || strings.TrimSpace(reply.Text) == "" {
		return msgID, err
	}
	id, err = r.s.client.Show(r.s.life, st.Owner, msgID, reply)
	if err != nil {
		return msgID, err
	}
	if id != msgID {
		if serr := r.s.store(func(ctx context.Context) error { return r.s.cfg.Outbox.SetProgressMessage(ctx, st.ID, id) }); serr != nil {
			r.s.metrics.errors.WithLabelValues("outbox").Inc()
			r.s.log.Warn("cannot remember a job's progress message", "job", st.ID, "err", serr)
		}
	}
	return id, nil
}

// render asks the Reporter for the report; a panic there fails this report only.
func (r *reporter) render(st flows.JobStatus) (reply flows.Reply, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.s.metrics.errors.WithLabelValues("panic").Inc()
			err = fmt.Errorf("job report: panic: %v", v)
		}
	}()
	return r.s.cfg.Reporter.JobReport(st), nil
}

// metrics are the sender's Prometheus series.
type metrics struct {
	outcomes   *prometheus.CounterVec // bulk messages by outcome
	retries    prometheus.Counter     // bulk messages put back in the outbox for later
	outboxWait prometheus.Histogram   // time a bulk message waited for the rate limits
	errors     *prometheus.CounterVec // the sender's own errors (outbox, limiter, store, panic)
}

// newMetrics registers the sender's series on reg, or takes those another
// sender of this process registered there.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_bulk_total", Help: "Bulk messages done, by outcome (sent, blocked, failed).",
		}, []string{"outcome"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "passerelle_bulk_retries_total", Help: "Bulk messages put back in the outbox to be tried later (server error, timeout, 429, quiet hours).",
		}),
		outboxWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "passerelle_outbox_wait_seconds", Help: "Time a bulk message waited for the rate limits before it was sent.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_bulk_errors_total", Help: "Errors of the bulk sender, by kind (outbox, limiter, store, panic); those of Telegram's calls are in passerelle_errors_total.",
		}, []string{"kind"}),
	}
	var err error
	m.outcomes = register(reg, m.outcomes, &err)
	m.retries = register(reg, m.retries, &err)
	m.outboxWait = register(reg, m.outboxWait, &err)
	m.errors = register(reg, m.errors, &err)
	for _, o := range []flows.Outcome{flows.OutcomeSent, flows.OutcomeBlocked, flows.OutcomeFailed} {
		m.outcomes.WithLabelValues(string(o))
	}
	return m, err
}

// register registers c on reg and returns it, or the collector of the same
// description registered before; any other failure joins *err.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, err *error) C {
	rerr := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(rerr, &already) {
		if prev, ok := already.ExistingCollector.(C); ok {
			return prev
		}
	}
	*err = errors.Join(*err, rerr)
	return c
}
