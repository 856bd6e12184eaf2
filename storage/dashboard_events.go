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
// scheduled stay as they are. When it has more places than people coming
// (its places were raised, or no longer limited), the first people waiting
// get them, with their reminders and a message saying so, as when someone
// gives a place back.
func (r *Redis) SaveMeeting(ctx context.Context, m flows.Meeting) error {
	key := r.waitingKey(m.ID)
	err := r.watched(ctx, func(tx *redis.Tx) error {
		waiting, err := tx.ZRange(ctx, key, 0, -1).Result()
		if err != nil && !isWrongType(err) {
			return fmt.Errorf("read waiting list: %w", err)
		}
		now := r.now()
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if err := r.queueMeeting(ctx, p, m, now); err != nil || len(waiting) == 0 || !m.Start.After(now) {
				return err
			}
			return r.queueRSVP(ctx, p, &m, 0, rsvpFill, now, r.eventOffsets(), waiting)
		})
		return err
	}, key)
	if err != nil {
		return fmt.Errorf("save meeting: %w", err)
	}
	return nil
}

// EventReminders are how long before a meeting the people coming are
// reminded of it (SetEventReminders).
func (r *Redis) EventReminders() []time.Duration { return slices.Clone(r.eventOffsets()) }
