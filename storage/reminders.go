package storage

// Reminders: messages due at a given instant to one person. They wait in one
// sorted set shared by every replica; the reminder job reads the due ones,
// queues each as an outbox job whose id is the reminder's Key (queued once
// per id), then settles it with DoneReminder. A replica that dies between
// the two, or two replicas reading the same reminders, queue the same job id
// again, which does nothing: each reminder is sent once.
//
// Scheduled tasks are run once per occurrence across replicas through
// ClaimOccurrence. Nothing needs catching up after a downtime: reminders are
// due at absolute instants and the first run afterwards finds them.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// encodeReminder is the canonical JSON of a reminder, its member in
// remindersKey: the fields of flows.Reminder in their declared order, times
// in UTC, so that the same reminder is always the same member whatever the
// zone or monotonic reading of the times it was built from.
func encodeReminder(r flows.Reminder) (string, error) {
	r.Due = r.Due.UTC()
	r.At = r.At.UTC()
	raw, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode reminder: %w", err)
	}
	return string(raw), nil
}

// reminderHead is how encodeReminder starts for chat 0: the chat id comes
// first, so that a script can write the member of any person as
// `{"chat":` + chat id + reminderTail.
const reminderHead = `{"chat":0`

// reminderTail is the canonical JSON of r after its chat id (r.ChatID is
// ignored).
func reminderTail(r flows.Reminder) (string, error) {
	r.ChatID = 0
	m, err := encodeReminder(r)
	if err != nil {
		return "", err
	}
	tail, ok := strings.CutPrefix(m, reminderHead)
	if !ok {
		return "", fmt.Errorf("encode reminder: %q does not start with the chat id", m)
	}
	return tail, nil
}

// decodeReminder reads a member of remindersKey.
func decodeReminder(m string) (flows.Reminder, error) {
	var r flows.Reminder
	if err := json.Unmarshal([]byte(m), &r); err != nil {
		return flows.Reminder{}, fmt.Errorf("%w: reminder: %w", flows.ErrCorrupt, err)
	}
	return r, nil
}

// luaExtend defines extend(key, at): make key expire at unix ms at (a
// string of digits) unless it already expires later. A key without a TTL
// gets one.
const luaExtend = `
local function extend(key, at)
  if redis.call('PEXPIRETIME', key) < tonumber(at) then
    redis.call('PEXPIREAT', key, at)
  end
end
`

// luaUnschedule defines unschedule(rem, mine, ref): remove from the shared
// set rem and from the person's set mine the person's reminders about ref.
// A set of the wrong type is left for /forget to delete.
const luaUnschedule = `
local function unschedule(rem, mine, ref)
  local members = redis.pcall('SMEMBERS', mine)
  if type(members) ~= 'table' or members.err then
    return
  end
  for _, m in ipairs(members) do
    local ok, d = pcall(cjson.decode, m)
    if ok and type(d) == 'table' and d.ref == ref then
      redis.call('ZREM', rem, m)
      redis.call('SREM', mine, m)
    end
  end
end
`

// extendTo makes KEYS[1] expire at unix ms ARGV[1] unless it already
// expires later.
var extendTo = redis.NewScript(luaExtend + `
extend(KEYS[1], ARGV[1])
return 0
`)

// cancelReminders removes from KEYS[1] (remindersKey) and KEYS[2] (the
// person's set) the person's reminders whose ref is ARGV[1].
var cancelReminders = redis.NewScript(luaUnschedule + `
unschedule(KEYS[1], KEYS[2], ARGV[1])
return 0
`)

// purgeReminders removes every member of the person's set KEYS[2] from
// KEYS[1] (remindersKey); the set itself is deleted with the other keys of
// the person.
var purgeReminders = redis.NewScript(`
local members = redis.pcall('SMEMBERS', KEYS[2])
if type(members) ~= 'table' or members.err then
  return 0
end
for _, m in ipairs(members) do
  redis.call('ZREM', KEYS[1], m)
end
return #members
`)

// schedule adds reminders to remindersKey and to their person's set, whose
// TTL it extends to reminderKeep past the latest due time. Reminders are
// stored as given, even when already due: the flows decide what is late.
func (c *commit) schedule(ctx context.Context, p redis.Pipeliner, e flows.RemindersScheduled) error {
	for _, r := range e.Reminders {
		if r.Kind == "" || r.Due.IsZero() {
			return fmt.Errorf("reminder without a kind or due time: %+v", r)
		}
		if c.forget && r.ChatID == c.chatID {
			continue // forgetting wins
		}
		m, err := encodeReminder(r)
		if err != nil {
			return err
		}
		mine := c.myRemindersKey(r.ChatID)
		p.ZAdd(ctx, c.remindersKey(), redis.Z{Score: float64(r.Due.UnixMilli()), Member: m})
		p.SAdd(ctx, mine, m)
		extendTo.Eval(ctx, p, []string{mine}, strconv.FormatInt(r.Due.Add(reminderKeep).UnixMilli(), 10))
	}
	return nil
}

// cancel removes a person's reminders about e.Ref.
func (c *commit) cancel(ctx context.Context, p redis.Pipeliner, e flows.RemindersCancelled) {
	cancelReminders.Eval(ctx, p, []string{c.remindersKey(), c.myRemindersKey(e.ChatID)}, e.Ref)
}

// Personal returns every reminder still to send to a person, soonest first
// (the flows pick the ones to show). An unreadable one is left out.
func (r *Redis) Personal(ctx context.Context, chatID int64) ([]flows.Reminder, error) {
	members, err := r.c.SMembers(ctx, r.myRemindersKey(chatID)).Result()
	if err != nil {
		return nil, fmt.Errorf("load reminders: %w", err)
	}
	out := make([]flows.Reminder, 0, len(members))
	for _, m := range members {
		rem, err := decodeReminder(m)
		if err != nil {
			continue
		}
		out = append(out, rem)
	}
	slices.SortFunc(out, func(a, b flows.Reminder) int {
		return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Ref, b.Ref))
	})
	return out, nil
}

// staleBatch bounds how many stale reminders one DueReminders drops.
const staleBatch = 1000

// DueReminders returns up to n reminders due at now or before, oldest
// first. It removes nothing it returns: each must be settled with
// DoneReminder once its message is queued. It first drops, unsent, the
// reminders more than reminderStale late, and drops the unreadable ones,
// which can never be sent.
func (r *Redis) DueReminders(ctx context.Context, now time.Time, n int) ([]flows.Reminder, error) {
	if n <= 0 {
		return nil, nil
	}
	if err := r.dropStale(ctx, now); err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	members, err := r.c.ZRangeByScore(ctx, r.remindersKey(), &redis.ZRangeBy{
		Min:   "-inf",
		Max:   strconv.FormatInt(now.UnixMilli(), 10),
		Count: int64(n),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	out := make([]flows.Reminder, 0, len(members))
	for _, m := range members {
		rem, err := decodeReminder(m)
		if err != nil {
			if err := r.c.ZRem(ctx, r.remindersKey(), m).Err(); err != nil {
				return nil, fmt.Errorf("due reminders: drop unreadable: %w", err)
			}
			continue
		}
		out = append(out, rem)
	}
	return out, nil
}

// dropStale removes from remindersKey, and from their person's set, up to
// staleBatch reminders more than reminderStale late at now.
func (r *Redis) dropStale(ctx context.Context, now time.Time) error {
	cutoff := now.Add(-reminderStale).UnixMilli()
	members, err := r.c.ZRangeByScore(ctx, r.remindersKey(), &redis.ZRangeBy{
		Min:   "-inf",
		Max:   "(" + strconv.FormatInt(cutoff, 10),
		Count: staleBatch,
	}).Result()
	if err != nil || len(members) == 0 {
		return err
	}
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range members {
			p.ZRem(ctx, r.remindersKey(), m)
			if rem, err := decodeReminder(m); err == nil {
				p.SRem(ctx, r.myRemindersKey(rem.ChatID), m)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("drop stale reminders: %w", err)
	}
	return nil
}

// DoneReminder removes a reminder once its message is queued. Removing one
// already removed does nothing.
func (r *Redis) DoneReminder(ctx context.Context, rem flows.Reminder) error {
	m, err := encodeReminder(rem)
	if err != nil {
		return fmt.Errorf("done reminder: %w", err)
	}
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, r.remindersKey(), m)
		p.SRem(ctx, r.myRemindersKey(rem.ChatID), m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("done reminder: %w", err)
	}
	return nil
}

// Enqueue writes a bulk job and its messages to the outbox, once per job
// id, outside any person's Commit: the reminder job queues each reminder
// under its Key this way. Queuing the same job id again, from a retry or
// another replica, does nothing; queued reports whether this call queued it.
func (r *Redis) Enqueue(ctx context.Context, job flows.Job, msgs []flows.Bulk) (queued bool, err error) {
	if job.ID == "" {
		return false, errors.New("enqueue: job without an id")
	}
	e := flows.BroadcastQueued{Job: job, Messages: msgs}
	c := &commit{keyspace: r.keyspace, events: []flows.Event{e}, now: r.now()}
	err = r.watched(ctx, func(tx *redis.Tx) error {
		if err := c.read(ctx, tx); err != nil {
			return err
		}
		queued = !c.jobs[job.ID]
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error { return c.enqueue(ctx, p, e) })
		return err
	}, r.jobKey(job.ID))
	if err != nil {
		return false, fmt.Errorf("enqueue: %w", err)
	}
	return queued, nil
}

// ClaimOccurrence reports whether this caller is the first to claim the
// occurrence at of the scheduled task name, so that one replica runs it.
// The claim is remembered for ttl, which must outlast the time replicas may
// disagree on the occurrence.
func (r *Redis) ClaimOccurrence(ctx context.Context, name string, at time.Time, ttl time.Duration) (bool, error) {
	if name == "" || ttl < time.Millisecond {
		return false, fmt.Errorf("claim occurrence: need a name and a TTL of at least 1ms, got %q and %v", name, ttl)
	}
	ok, err := r.c.SetNX(ctx, r.occurrenceKey(name, at), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("claim occurrence: %w", err)
	}
	return ok, nil
}
