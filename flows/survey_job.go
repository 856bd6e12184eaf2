package flows

import (
	"context"
	"fmt"
	"time"
)

// InviteStore is what the survey invitation job reads and writes.
type InviteStore interface {
	SurveyStore
	Queue
	SurveyAudience(ctx context.Context, territory string) ([]Recipient, error)
	Job(ctx context.Context, id string) (*JobStatus, error)
}

// surveyInviteAfter is how long after opening a survey the people who
// accepted surveys and have not answered it are invited, once (half the
// survey's time when it is shorter).
const surveyInviteAfter = 72 * time.Hour

// SurveyInviteJob invites, once per survey, the people of each territory
// who accepted surveys and have not answered an open survey. Each survey and
// territory goes out under one job id, so replicas running it at once, or a
// crash halfway, invite nobody twice.
type SurveyInviteJob struct {
	Engine *Engine
	Store  InviteStore
}

// Run queues the invitations due at now and returns how many it queued.
func (j *SurveyInviteJob) Run(ctx context.Context, now time.Time) (int, error) {
	c, loc := j.Engine.Content(), j.Engine.loc
	queued := 0
	for _, s := range c.Surveys() {
		opens, closes := s.OpensAt(loc), s.ClosesAt(loc)
		if !s.OpenAt(now.In(loc)) || now.Before(opens.Add(min(surveyInviteAfter, closes.Sub(opens)/2))) {
			continue
		}
		var answered map[string]bool // read once per survey, when needed
		for _, tr := range c.Territories() {
			if !s.For(tr.ID) {
				continue
			}
			id := ReminderJobPrefix + "svinv:" + s.ID + ":" + tr.ID
			// Sent already: skip reading the audience and computing pseudonyms.
			if st, err := j.Store.Job(ctx, id); err != nil {
				return queued, fmt.Errorf("survey invitation: %w", err)
			} else if st != nil {
				continue
			}
			rs, err := j.Store.SurveyAudience(ctx, tr.ID)
			if err != nil {
				return queued, fmt.Errorf("survey invitation: %w", err)
			}
			if len(rs) == 0 {
				continue
			}
			if answered == nil {
				subs, err := j.Store.Submissions(ctx, s.ID)
				if err != nil {
					return queued, fmt.Errorf("survey invitation: %w", err)
				}
				answered = make(map[string]bool, len(subs))
				for _, sub := range subs {
					answered[sub.Pseudonym] = true
				}
			}
			var msgs []Bulk
			for _, r := range rs {
				if !answered[Pseudonym(j.Engine.secret, r.ChatID)] {
					text := j.Engine.msgs.Text(r.Lang, "SurveyInvite", map[string]any{"Title": s.Title(r.Lang)})
					msgs = append(msgs, Bulk{Job: id, ChatID: r.ChatID, Text: text})
				}
			}
			if len(msgs) == 0 {
				continue
			}
			job := Job{ID: id, Kind: "survey-invite", Territory: tr.ID, Created: now}
			first, err := j.Store.Enqueue(ctx, job, msgs)
			if err != nil {
				return queued, fmt.Errorf("survey invitation: %w", err)
			}
			if first {
				queued += len(msgs)
			}
		}
	}
	return queued, nil
}
