package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// SaveMeeting stores a meeting written in the dashboard, new or changed,
// as a MeetingCreated event of the bot's /event stores it (queueMeeting):
// its answers and waiting list follow its new start; the reminders already
// scheduled stay as they are.
func (r *Redis) SaveMeeting(ctx context.Context, m flows.Meeting) error {
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		return r.queueMeeting(ctx, p, m, r.now())
	})
	if err != nil {
		return fmt.Errorf("save meeting: %w", err)
	}
	return nil
}

// EventReminders are how long before a meeting the people coming are
// reminded of it (SetEventReminders).
func (r *Redis) EventReminders() []time.Duration { return slices.Clone(r.eventOffsets()) }
