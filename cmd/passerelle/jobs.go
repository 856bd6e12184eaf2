package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
)

// quietHours tells the sender whether now is in quiet hours, and until when;
// nil when there are none.
func quietHours(q *quiet, tz *time.Location) func(time.Time) (time.Time, bool) {
	if q == nil {
		return nil
	}
	return func(now time.Time) (time.Time, bool) {
		l := now.In(tz)
		y, m, d := l.Date()
		minute := l.Hour()*60 + l.Minute()
		end := time.Date(y, m, d, q.To/60, q.To%60, 0, 0, tz)
		switch {
		case q.From < q.To && minute >= q.From && minute < q.To:
			return end, true
		case q.From > q.To && minute >= q.From:
			return end.AddDate(0, 0, 1), true
		case q.From > q.To && minute < q.To:
			return end, true
		}
		return time.Time{}, false
	}
}

// consumerName names this replica among the outbox's senders.
func consumerName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// scheduler runs the periodic jobs with robfig/cron in the configured time
// zone. Every occurrence is claimed in Redis, so that one replica runs it.
type scheduler struct {
	cron      *cron.Cron
	ctx       context.Context // ends when the scheduler stops
	cancel    context.CancelFunc
	store     *storage.Redis
	reminders *flows.ReminderJob
	invites   *flows.SurveyInviteJob
	followUp  *flows.RequestFollowUpJob
	log       *slog.Logger
	noRewrite sync.Once // the reason erased data stays on Redis's disk was logged
}

// Names of the scheduled jobs, as claimed in Redis.
const (
	jobReminders = "reminders"
	jobPrune     = "prune-audience"
	jobInvites   = "survey-invites"
	jobFollowUp  = "request-follow-up"
	jobErasure   = "aof-rewrite-after-erasure"
	jobRewrite   = "aof-rewrite"
)

func newScheduler(store *storage.Redis, engine *flows.Engine, tz *time.Location, log *slog.Logger) (*scheduler, error) {
	s := &scheduler{store: store, reminders: &flows.ReminderJob{Engine: engine, Store: store},
		invites: &flows.SurveyInviteJob{Engine: engine, Store: store}, followUp: &flows.RequestFollowUpJob{Engine: engine, Store: store}, log: log}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cron = cron.New(cron.WithLocation(tz), cron.WithChain(cron.Recover(cronLogger{log})))
	// Reminders are due at absolute instants: a tick every minute sends what
	// is due, so DST days neither skip nor double, and a downtime is caught
	// up by the first tick after it.
	if _, err := s.cron.AddFunc("@every 1m", func() { s.run(jobReminders, time.Minute, s.tickReminders) }); err != nil {
		return nil, fmt.Errorf("schedule reminders: %w", err)
	}
	// An invitation is due days after a survey opens: every 10 minutes is
	// soon enough, and each goes out once whatever the ticks.
	if _, err := s.cron.AddFunc("@every 10m", func() { s.run(jobInvites, 10*time.Minute, s.tickInvites) }); err != nil {
		return nil, fmt.Errorf("schedule survey invitations: %w", err)
	}
	// Follow-ups are due days after a change: every 15 minutes is soon
	// enough, and each goes out once whatever the ticks.
	if _, err := s.cron.AddFunc("@every 15m", func() { s.run(jobFollowUp, 15*time.Minute, s.tickFollowUp) }); err != nil {
		return nil, fmt.Errorf("schedule request follow-ups: %w", err)
	}
	// 04:30 exists once every day in Europe/Paris (the changes are at 02:00–03:00).
	if _, err := s.cron.AddFunc("30 4 * * *", func() { s.run(jobPrune, 24*time.Hour, s.prune) }); err != nil {
		return nil, fmt.Errorf("schedule pruning: %w", err)
	}
	// Erasure reaches the disk: Redis's append-only file keeps deleted
	// values until it is rewritten. A minute after an erasure at the latest,
	// and at most once an hour (storage.RewriteEvery), Redis is asked to
	// rewrite it; and every day after the pruning, for what expired or was
	// deleted in the ordinary course of things.
	if _, err := s.cron.AddFunc("@every 1m", func() { s.run(jobErasure, time.Minute, s.rewriteAfterErasure) }); err != nil {
		return nil, fmt.Errorf("schedule rewrites after erasures: %w", err)
	}
	if _, err := s.cron.AddFunc("45 4 * * *", func() { s.run(jobRewrite, 24*time.Hour, s.rewriteDaily) }); err != nil {
		return nil, fmt.Errorf("schedule the daily rewrite: %w", err)
	}
	return s, nil
}

// start starts the schedule.
func (s *scheduler) start() { s.cron.Start() }

// stop ends the jobs running and waits for them.
func (s *scheduler) stop() {
	s.cancel()
	<-s.cron.Stop().Done()
}

// run claims the occurrence of name for this period, then runs fn.
func (s *scheduler) run(name string, period time.Duration, fn func(ctx context.Context, now time.Time) error) {
	ctx, cancel := context.WithTimeout(s.ctx, period)
	defer cancel()
	now := time.Now()
	ok, err := s.store.ClaimOccurrence(ctx, name, now.Truncate(period), 2*period)
	if err != nil {
		s.log.Warn("cannot claim a scheduled job", "job", name, "err", err)
		return
	}
	if !ok {
		return
	}
	if err := fn(ctx, now); err != nil {
		s.log.Warn("scheduled job failed", "job", name, "err", err)
	}
}

func (s *scheduler) tickReminders(ctx context.Context, now time.Time) error {
	n, err := s.reminders.Run(ctx, now)
	if n > 0 {
		s.log.Info("reminders queued", "count", n)
	}
	return err
}

func (s *scheduler) tickInvites(ctx context.Context, now time.Time) error {
	n, err := s.invites.Run(ctx, now)
	if n > 0 {
		s.log.Info("survey invitations queued", "count", n)
	}
	return err
}

func (s *scheduler) tickFollowUp(ctx context.Context, now time.Time) error {
	n, err := s.followUp.Run(ctx, now)
	if n > 0 {
		s.log.Info("request follow-ups queued", "count", n)
	}
	return err
}

func (s *scheduler) prune(ctx context.Context, now time.Time) error {
	n, err := s.store.PruneAudience(ctx, now.Add(-flows.Retention))
	if n > 0 {
		s.log.Info("audience pruned", "count", n)
	}
	return err
}

func (s *scheduler) rewriteAfterErasure(ctx context.Context, _ time.Time) error {
	asked, err := s.store.RewriteAfterErasure(ctx)
	if asked {
		s.log.Info("Redis asked to rewrite its append-only file after an erasure")
	}
	return s.rewriteFailed(err)
}

func (s *scheduler) rewriteDaily(ctx context.Context, _ time.Time) error {
	err := s.store.RewriteAOF(ctx)
	if err == nil {
		s.log.Info("Redis asked for the daily rewrite of its append-only file")
	}
	return s.rewriteFailed(err)
}

// rewriteFailed says once why erased data stays on Redis's disk, when the
// server refuses or keeps no append-only file, and returns the other errors.
// A rewrite already under way is asked for again at the next tick.
func (s *scheduler) rewriteFailed(err error) error {
	switch {
	case errors.Is(err, storage.ErrRewriteBusy):
		s.log.Debug("an append-only file rewrite is under way; asking again at the next tick")
		return nil
	case errors.Is(err, storage.ErrRewriteRefused):
		s.noRewrite.Do(func() {
			s.log.Warn("Redis refuses BGREWRITEAOF: erased personal data stays in its append-only file until Redis rewrites it on its own. "+
				"Allow BGREWRITEAOF to this user, or have the provider rewrite the file at least daily (README, Privacy). Erasures themselves work.", "err", err)
		})
		return nil
	case errors.Is(err, storage.ErrNoAOF):
		s.noRewrite.Do(func() {
			s.log.Info("Redis keeps no append-only file: erasures need no rewrite (an RDB snapshot keeps erased data until the next one)")
		})
		return nil
	}
	return err
}

// cronLogger routes robfig/cron's messages (a recovered panic) to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
