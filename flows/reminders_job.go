package flows

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Queue puts a bulk job in the outbox, once per job id; queued is false
// when the job id was queued before (by an earlier run or another replica).
type Queue interface {
	Enqueue(ctx context.Context, job Job, msgs []Bulk) (queued bool, err error)
}

// ReminderStore is what the reminder job reads and writes.
type ReminderStore interface {
	Store
	Calendar
	Queue
}

// ReminderJob queues the reminders that are due. It is idempotent: a reminder
// goes out under its own job id, so replicas running it at once, or a crash
// between queuing and marking it done, send it once.
type ReminderJob struct {
	Engine *Engine
	Store  ReminderStore
}

// reminderBatch bounds one run; the next run takes the rest.
const reminderBatch = 500

// Run queues every reminder due at now and returns how many it queued.
func (j *ReminderJob) Run(ctx context.Context, now time.Time) (int, error) {
	due, err := j.Store.DueReminders(ctx, now, reminderBatch)
	if err != nil {
		return 0, fmt.Errorf("due reminders: %w", err)
	}
	queued := 0
	for _, r := range due {
		text, ok, err := j.render(ctx, r, now)
		if err != nil {
			return queued, err
		}
		if ok {
			job := Job{ID: r.Key(), Kind: "reminder", Created: now}
			first, err := j.Store.Enqueue(ctx, job, []Bulk{{Job: job.ID, ChatID: r.ChatID, Text: text}})
			if err != nil {
				return queued, fmt.Errorf("queue reminder: %w", err)
			}
			if first {
				queued++
			}
		}
		if err := j.Store.DoneReminder(ctx, r); err != nil {
			return queued, fmt.Errorf("reminder done: %w", err)
		}
	}
	return queued, nil
}

// render writes the reminder in the person's language; ok is false when it
// must not be sent (the person left, blocked the bot, the meeting is gone or
// the survey was finished).
func (j *ReminderJob) render(ctx context.Context, r Reminder, now time.Time) (string, bool, error) {
	s, err := j.Store.Load(ctx, r.ChatID)
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrCorrupt):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("reminder session: %w", err)
	case s.Inactive:
		return "", false, nil
	}
	lang := knownLang(s.Lang)
	if r.Kind == surveyReminderKind {
		text, ok := j.surveyNudge(lang, s, r, now)
		return text, ok, nil
	}
	var m *Meeting
	if r.Kind != kindPersonalDayBefore && r.Kind != kindPersonalSoon {
		if m, err = j.Store.Meeting(ctx, r.Ref); err != nil {
			return "", false, fmt.Errorf("reminder meeting: %w", err)
		}
	}
	text, err := j.Engine.reminderText(lang, r, m)
	return text, err == nil, nil
}

// surveyNudge is the reminder of a survey left unfinished; ok is false when
// the person finished or dropped it, withdrew their consent, or it closed.
func (j *ReminderJob) surveyNudge(lang string, s *Session, r Reminder, now time.Time) (string, bool) {
	sv, ok := j.Engine.Content().Survey(r.Ref)
	_, consent := s.Consents[PurposeSurveys]
	p := s.Survey
	if !ok || !consent || p == nil || p.ID != r.Ref || !sv.OpenAt(now.In(j.Engine.loc)) || now.Sub(p.Updated) > SurveyProgressTTL {
		return "", false
	}
	return j.Engine.msgs.Text(lang, "SurveyNudge", map[string]any{"Title": sv.Title(lang)}), true
}
