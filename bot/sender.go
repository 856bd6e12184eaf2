package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

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

// SenderConfig is what RunSender needs.
type SenderConfig struct {
	Outbox      Outbox
	Limiter     Limiter
	Reporter    Reporter
	Consumer    string                                            // unique per replica, e.g. hostname-pid
	Rate        float64                                           // messages per second overall; default Config.Rate (30)
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

const (
	// senderWorkers is how many bulk messages may be on their way to
	// Telegram at once, so that one slow call does not stall the pace. It also
	// bounds the duplicates a crash can cause.
	senderWorkers = 8
	// maxHeld bounds the deliveries claimed and not yet recorded.
	maxHeld = 2 * senderWorkers
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
	// defaultGrace is SenderConfig.Grace's default.
	defaultGrace = 4 * time.Second
	// forgetProgress is how long the progress of a job no delivery was seen for is kept.
	forgetProgress = 10 * time.Minute
)

// RunSender sends bulk messages until ctx ends, then finishes the deliveries in flight and returns.
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
func (b *Bot) RunSender(ctx context.Context, cfg SenderConfig) error {
	grace := cfg.Grace
	if grace <= 0 {
		grace = defaultGrace
	}
	life, cut := context.WithCancel(context.Background())
	defer cut()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(grace, cut) })()
	left, err := b.runSender(ctx, life, cfg)
	if err != nil || len(left) == 0 {
		return err
	}
	uctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	n, err := cfg.Outbox.Unclaim(uctx, cfg.Consumer, left)
	if err != nil {
		b.metrics.errors.WithLabelValues("outbox").Inc()
		b.log.Warn("cannot give bulk messages back to the outbox; they go out again after the idle time", "count", len(left), "err", err)
		return nil
	}
	b.log.Info("bulk messages given back to the outbox", "count", n)
	return nil
}

// runSender is RunSender where the end of life stands for the process dying:
// the sends under way are abandoned and nothing more is recorded. It returns
// the ids of the deliveries claimed and not recorded.
func (b *Bot) runSender(ctx, life context.Context, cfg SenderConfig) (left []string, err error) {
	switch {
	case cfg.Outbox == nil:
		return nil, errors.New("bulk sender: no outbox")
	case cfg.Limiter == nil:
		return nil, errors.New("bulk sender: no limiter")
	case cfg.Reporter == nil:
		return nil, errors.New("bulk sender: no reporter")
	case cfg.Consumer == "":
		return nil, errors.New("bulk sender: no consumer name")
	}
	if cfg.Rate <= 0 {
		cfg.Rate = b.cfg.Rate
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
	if b.cfg.Limiter != nil && cfg.Rate != b.cfg.Rate {
		b.log.Warn("bulk and replies count against different rates", "bulk", cfg.Rate, "replies", b.cfg.Rate)
	}

	life, die := context.WithCancel(life)
	defer die()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(life, stop)()

	s := &sender{
		b:     b,
		cfg:   cfg,
		log:   b.log.With("consumer", cfg.Consumer),
		life:  life,
		every: interval(cfg.Rate * bulkShare),
		chat:  cfg.PerChat + cfg.PerChat/jitterShare,
		group: cfg.PerGroup + cfg.PerGroup/jitterShare,
		hold:  cfg.Idle / 2,
		slots: make(chan struct{}, senderWorkers),
		held:  map[string]bool{},
		freed: make(chan struct{}, 1),
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
	return left, nil
}

// sender is one RunSender.
type sender struct {
	b     *Bot
	cfg   SenderConfig
	log   *slog.Logger
	life  context.Context // ends when the process dies: nothing more is sent or recorded
	every time.Duration   // a bulk message's cost on the global key
	chat  time.Duration   // least gap kept between two messages to a chat (PerChat and a margin)
	group time.Duration   // the same for a group
	hold  time.Duration   // longest a claimed delivery waits here; longer, it goes back to the outbox

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
	return now.Add(time.Until(s.b.gates.until(chatID)))
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
					s.b.metrics.errors.WithLabelValues("panic").Inc()
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
			ds, err := s.cfg.Outbox.Claim(ctx, s.cfg.Consumer, min(room, senderWorkers), s.cfg.Idle)
			switch {
			case ctx.Err() != nil:
				return flows.Delivery{}, false
			case err != nil:
				s.b.metrics.errors.WithLabelValues("outbox").Inc()
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
		if !sleep(ctx, min(max(wait, time.Millisecond), recheck), freed) {
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
			if !sleep(ctx, min(at.Sub(now), recheck), nil) {
				return false // still held: given back at the stop
			}
			continue
		}

		ok, wait, err := s.cfg.Limiter.Allow(ctx, globalKey, s.every, bulkBurst)
		if err != nil {
			if ctx.Err() == nil {
				s.b.metrics.errors.WithLabelValues("limiter").Inc()
				s.log.Warn("rate limiter unavailable", "err", err)
			}
			if !sleep(ctx, recheck, nil) {
				return false // still held: given back at the stop
			}
			continue
		}
		if !ok {
			if wait > s.hold {
				s.retry(d, now.Add(wait))
				return false
			}
			if !sleep(ctx, max(wait, time.Millisecond), nil) {
				return false // still held: given back at the stop
			}
			continue
		}

		for _, l := range chatLimits(d.Bulk.ChatID, s.chat, s.group) {
			ok, wait, err := s.cfg.Limiter.Allow(ctx, l.key, l.every, limiterBurst)
			if err != nil {
				// The global turn was given: go; Telegram answers 429 if the chat had too much.
				s.b.metrics.errors.WithLabelValues("limiter").Inc()
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
		s.b.metrics.outboxWait.Observe(time.Since(start).Seconds())
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
			s.b.metrics.errors.WithLabelValues("store").Inc()
			s.retry(d, s.now().Add(backoff(d.Attempt)))
			return
		case !ok:
			s.finish(d, flows.OutcomeBlocked)
			return
		}
	}
	// A 429 that came since pace let d go is waited for, a little.
	ctx, cancel := context.WithTimeout(s.life, s.b.cfg.HandleTimeout)
	var method string
	var msgID int
	err := s.b.attempt(ctx, d.Bulk.ChatID, func(ctx context.Context) (err error) {
		method, msgID, err = s.post(ctx, d)
		return err
	})
	cancel()
	if s.life.Err() != nil {
		return // the process is gone: the outbox hands d out again
	}
	var tooMany *tgbot.TooManyRequestsError
	var migrated *tgbot.MigrateError
	switch {
	case err == nil:
		s.b.metrics.replies.WithLabelValues(method).Inc()
		if msgID != 0 {
			s.delivered(d, msgID)
		}
		s.finish(d, flows.OutcomeSent)
	case errors.As(err, &tooMany):
		// attempt closed the gate of the 429's scope: the messages to that
		// scope, this one included, wait until it opens.
		if d.Attempt >= 2*s.cfg.MaxAttempts {
			s.finish(d, flows.OutcomeFailed)
			return
		}
		s.retry(d, s.gateEnd(d.Bulk.ChatID, s.now()))
	case errors.Is(err, errOutcomeUnknown):
		// Telegram got the message and did not answer in time: it is most
		// likely delivered, and sending it again could show it twice.
		s.b.metrics.errors.WithLabelValues("unknown_outcome").Inc()
		s.log.Warn("bulk message sent without an answer; counted as sent, not sent again", "job", d.Bulk.Job, "err", redact(err, s.b.cfg.Token))
		s.finish(d, flows.OutcomeSent)
	case errors.Is(err, tgbot.ErrorForbidden):
		s.b.metrics.errors.WithLabelValues("forbidden").Inc()
		if d.Bulk.ChatID > 0 && s.b.cfg.Handler != nil { // a group is no person to mark
			ctx, cancel := context.WithTimeout(s.life, storeTimeout)
			_, herr := s.b.cfg.Handler.Handle(ctx, flows.Input{ChatID: d.Bulk.ChatID, Kind: flows.KindBlocked})
			cancel()
			if herr != nil {
				s.b.metrics.errors.WithLabelValues("store").Inc()
				s.log.Warn("cannot mark chat inactive", "job", d.Bulk.Job, "err", herr)
			}
		}
		s.finish(d, flows.OutcomeBlocked)
	case errors.Is(err, tgbot.ErrorBadRequest), errors.As(err, &migrated):
		// Telegram refuses this message (chat gone, text too long…): trying again changes nothing.
		s.b.metrics.errors.WithLabelValues("bad_request").Inc()
		s.log.Warn("bulk message refused", "job", d.Bulk.Job, "err", redact(err, s.b.cfg.Token))
		s.finish(d, flows.OutcomeFailed)
	default:
		// Server error, timeout, network: it may work later.
		s.b.metrics.errors.WithLabelValues(errorKind(err)).Inc()
		if d.Attempt >= s.cfg.MaxAttempts {
			s.log.Warn("bulk message failed", "job", d.Bulk.Job, "attempts", d.Attempt, "err", redact(err, s.b.cfg.Token))
			s.finish(d, flows.OutcomeFailed)
			return
		}
		s.retry(d, s.now().Add(backoff(d.Attempt)))
	}
}

// post sends d as a new message, or edits the message d.Bulk.Edit names
// (its buttons replaced by d's, none when d has none). It returns the
// method called and the new message's id (0 for an edit).
func (s *sender) post(ctx context.Context, d flows.Delivery) (method string, msgID int, err error) {
	var markup models.ReplyMarkup
	if kb, err := inlineKeyboard(d.Bulk.Buttons, d.Bulk.ChatID, s.b.signer); err != nil {
		s.b.metrics.errors.WithLabelValues("keyboard").Inc()
	} else if kb != nil {
		markup = kb
	}
	if d.Bulk.Edit != 0 {
		err = s.b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: d.Bulk.ChatID, MessageID: d.Bulk.Edit, Text: d.Bulk.Text, ReplyMarkup: markup})
		return "editMessageText", 0, err
	}
	id, err := s.b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: d.Bulk.ChatID, Text: d.Bulk.Text, ReplyMarkup: markup})
	if err != nil {
		return "sendMessage", 0, err
	}
	return "sendMessage", id, nil
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
			s.b.metrics.errors.WithLabelValues("store").Inc()
			s.log.Warn("cannot record where a bulk message went", "job", d.Bulk.Job, "err", err)
		}
		return
	}
	if keep {
		return
	}
	ctx, cancel := context.WithTimeout(s.life, s.b.cfg.HandleTimeout)
	defer cancel()
	err = s.b.call(ctx, d.Bulk.ChatID, "deleteMessage", func(ctx context.Context) error {
		err := s.b.api.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: d.Bulk.ChatID, MessageID: msgID})
		return err
	})
	if err != nil && s.life.Err() == nil {
		s.b.metrics.errors.WithLabelValues(errorKind(err)).Inc()
		s.log.Warn("cannot delete a message about a withdrawn request", "job", d.Bulk.Job, "err", redact(err, s.b.cfg.Token))
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
	s.b.metrics.bulk.WithLabelValues(string(outcome)).Inc()
	var status flows.JobStatus
	err := s.store(func(ctx context.Context) (err error) {
		status, err = s.cfg.Outbox.Finish(ctx, d, outcome)
		return err
	})
	if err != nil {
		if s.life.Err() == nil {
			s.b.metrics.errors.WithLabelValues("outbox").Inc()
			s.log.Warn("cannot record a bulk message; it will be sent again", "job", d.Bulk.Job, "outcome", outcome, "err", err)
		}
		return
	}
	s.rep.update(status, d, outcome)
}

// retry hands d back to the outbox to be tried again from at.
func (s *sender) retry(d flows.Delivery, at time.Time) {
	defer s.release(d)
	s.b.metrics.bulkRetries.Inc()
	err := s.store(func(ctx context.Context) error { return s.cfg.Outbox.Retry(ctx, d, at) })
	if err != nil && s.life.Err() == nil {
		s.b.metrics.errors.WithLabelValues("outbox").Inc()
		s.log.Warn("cannot put a bulk message back; the outbox hands it out again later", "job", d.Bulk.Job, "err", err)
	}
}

// store runs an outbox write, trying again with a growing wait for up to
// storeFor, until the process dies.
func (s *sender) store(fn func(ctx context.Context) error) error {
	var err error
	deadline := time.Now().Add(storeFor)
	for wait := time.Duration(0); ; wait = min(max(2*wait, 100*time.Millisecond), time.Second) {
		if wait > 0 && (time.Now().Add(wait).After(deadline) || !sleep(s.life, wait, nil)) {
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

// sleep waits d, or until wake is signalled; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
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
		if next.IsZero() || next.After(deadline) || !sleep(r.s.life, time.Until(next), nil) {
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
		case err == nil, jp.tries+1 >= reportTries, errors.Is(err, tgbot.ErrorForbidden):
			if err != nil && r.s.life.Err() == nil {
				r.s.log.Warn("cannot report a job's progress", "job", job, "err", redact(err, r.s.b.cfg.Token))
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
		ok, wait, err := r.s.cfg.Limiter.Allow(ctx, l.key, l.every, limiterBurst)
		if err != nil {
			r.s.b.metrics.errors.WithLabelValues("limiter").Inc()
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
	if _, err := r.s.cfg.Limiter.Take(ctx, reportKey(job), forgetProgress, limiterBurst, 1); err != nil {
		r.s.b.metrics.errors.WithLabelValues("limiter").Inc()
	}
}

// send shows st to its owner: a new message the first time, an edit of it
// after. It returns the message's id.
func (r *reporter) send(st flows.JobStatus, msgID int) (id int, err error) {
	b := r.s.b
	reply, err := r.render(st)
	if err != nil || strings.TrimSpace(reply.Text) == "" {
		return msgID, err
	}
	var markup models.ReplyMarkup
	if kb, kerr := inlineKeyboard(reply.Buttons, st.Owner, b.signer); kerr != nil {
		b.metrics.errors.WithLabelValues("keyboard").Inc()
	} else if kb != nil {
		markup = kb
	}
	ctx, cancel := context.WithTimeout(r.s.life, b.cfg.HandleTimeout)
	defer cancel()
	if msgID != 0 {
		err := b.call(ctx, st.Owner, "editMessageText", func(ctx context.Context) error {
			return b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: st.Owner, MessageID: msgID, Text: reply.Text, ReplyMarkup: markup})
		})
		switch {
		case err == nil, errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "not modified"):
			return msgID, nil
		case !errors.Is(err, tgbot.ErrorBadRequest):
			return msgID, err
		}
		// The message is gone: show the progress anew.
	}
	var sentID int
	err = b.call(ctx, st.Owner, "sendMessage", func(ctx context.Context) (err error) {
		sentID, err = b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: st.Owner, Text: reply.Text, ReplyMarkup: markup})
		return err
	})
	if err != nil {
		return msgID, err
	}
	if serr := r.s.store(func(ctx context.Context) error { return r.s.cfg.Outbox.SetProgressMessage(ctx, st.ID, sentID) }); serr != nil {
		b.metrics.errors.WithLabelValues("outbox").Inc()
		r.s.log.Warn("cannot remember a job's progress message", "job", st.ID, "err", serr)
	}
	return sentID, nil
}

// render asks the Reporter for the report; a panic there fails this report only.
func (r *reporter) render(st flows.JobStatus) (reply flows.Reply, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.s.b.metrics.errors.WithLabelValues("panic").Inc()
			err = fmt.Errorf("job report: panic: %v", v)
		}
	}()
	return r.s.cfg.Reporter.JobReport(st), nil
}
