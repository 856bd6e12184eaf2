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
	log       *slog.Logger
	noRewrite sync.Once // the reason erased data stays on Redis's disk was logged
}

// job is a scheduled job: it runs at spec, and each occurrence, claimed by
// name for its period, has at most that period to finish.
type job struct {
	spec   string
	name   string
	period time.Duration
	run    func(ctx context.Context, now time.Time) error
}

func newScheduler(store *storage.Redis, engine *flows.Engine, tz *time.Location, log *slog.Logger) (*scheduler, error) {
	s := &scheduler{store: store, log: log}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.cron = cron.New(cron.WithLocation(tz), cron.WithChain(cron.Recover(cronLogger{log})))
	prune := func(ctx context.Context, now time.Time) (int, error) {
		return store.PruneAudience(ctx, now.Add(-flows.Retention))
	}
	jobs := []job{
		// Reminders are due at absolute instants: a tick every minute sends
		// what is due, so DST days neither skip nor double, and a downtime is
		// caught up by the first tick after it.
		{"@every 1m", "reminders", time.Minute,
			s.counted("reminders queued", (&flows.ReminderJob{Engine: engine, Store: store}).Run)},
		// An invitation is due days after a survey opens: every 10 minutes is
		// soon enough, and each goes out once whatever the ticks.
		{"@every 10m", "survey-invites", 10 * time.Minute,
			s.counted("survey invitations queued", (&flows.SurveyInviteJob{Engine: engine, Store: store}).Run)},
		// Follow-ups are due days after a change: every 15 minutes is soon
		// enough, and each goes out once whatever the ticks.
		{"@every 15m", "request-follow-up", 15 * time.Minute,
			s.counted("request follow-ups queued", (&flows.RequestFollowUpJob{Engine: engine, Store: store}).Run)},
		// News scheduled in the dashboard are due at absolute instants, like
		// reminders: a tick every minute queues what is due.
		{"@every 1m", "scheduled-news", time.Minute,
			s.counted("scheduled news queued", (&flows.NewsJob{Engine: engine, Store: store}).Run)},
		// 04:30 exists once every day in Europe/Paris (the changes are at 02:00–03:00).
		{"30 4 * * *", "prune-audience", 24 * time.Hour, s.counted("audience pruned", prune)},
		// Erasure reaches the disk: Redis's append-only file keeps deleted
		// values until it is rewritten. A minute after an erasure at the
		// latest, and at most once an hour (storage.RewriteEvery), Redis is
		// asked to rewrite it; and every day after the pruning, for what
		// expired or was deleted in the ordinary course of things.
		{"@every 1m", "aof-rewrite-after-erasure", time.Minute, s.rewriteAfterErasure},
		{"45 4 * * *", "aof-rewrite", 24 * time.Hour, s.rewriteDaily},
	}
	for _, j := range jobs {
		if _, err := s.cron.AddFunc(j.spec, func() { s.run(j) }); err != nil {
			return nil, fmt.Errorf("schedule %s: %w", j.name, err)
		}
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

// run claims the occurrence of j for its period, then runs it.
func (s *scheduler) run(j job) {
	ctx, cancel := context.WithTimeout(s.ctx, j.period)
	defer cancel()
	now := time.Now()
	ok, err := s.store.ClaimOccurrence(ctx, j.name, now.Truncate(j.period), 2*j.period)
	if err != nil {
		s.log.Warn("cannot claim a scheduled job", "job", j.name, "err", err)
		return
	}
	if !ok {
		return
	}
	if err := j.run(ctx, now); err != nil {
		s.log.Warn("scheduled job failed", "job", j.name, "err", err)
	}
}

// counted adapts a job that returns how many things it did, and logs that
// count with msg when it is not zero.
func (s *scheduler) counted(msg string, fn func(ctx context.Context, now time.Time) (int, error)) func(context.Context, time.Time) error {
	return func(ctx context.Context, now time.Time) error {
		n, err := fn(ctx, now)
		if n > 0 {
			s.log.Info(msg, "count", n)
		}
		return err
	}
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
