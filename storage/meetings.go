package storage

// Meetings and their answers. A meeting, its answers and its waiting list
// are kept until flows.MeetingRetention after it starts, then expire. An
// answer is recorded by a script, so that two people asking for the last
// place at once get one place between them, and so that the event reminders
// of the person (and of whoever is promoted from the waiting list) always
// follow their answer: a person coming has them, a person waiting or not
// coming has none.

import (
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

var _ flows.Calendar = (*Redis)(nil)

// The kinds of reminder the store schedules itself.
const (
	kindEvent24h = "event24h" // the day before a meeting
	kindEvent2h  = "event2h"  // two hours before a meeting
	kindPromoted = "promoted" // a place freed up: the person now has one
)

// SetEventReminders sets how long before a meeting the people coming are
// reminded of it (default flows.DefaultEventReminders). Call it before use.
func (r *Redis) SetEventReminders(before []time.Duration) { r.eventReminders = slices.Clone(before) }

// eventOffsets are the reminders of a person coming to a meeting, by how
// long before the start they are due.
func (r *Redis) eventOffsets() []time.Duration {
	if r.eventReminders == nil {
		return flows.DefaultEventReminders
	}
	return r.eventReminders
}

// The actions of the rsvp script.
const (
	rsvpAsk    = "yes"    // flows.RSVPComing: asks for a place
	rsvpLeave  = "no"     // flows.RSVPNo: gives it back
	rsvpForget = "forget" // the person is forgotten: no answer is left
	rsvpFill   = "fill"   // nobody answers: the places the meeting has now go to the first people waiting
)

// rsvp records a person's answer to a meeting, promotes the first people
// waiting while places are free, and keeps the event reminders of both in
// step. It returns the person's answer afterwards ("" once forgotten).
//
// KEYS: 1 answers hash, 2 waiting list, 3 remindersKey, 4 the person's
// meetings set, 5 the person's reminders set, then the reminders set of
// each of the w people on the waiting list (read under WATCH), whom the
// script may promote.
// ARGV: 1 chat id (unused by rsvpFill), 2 action (rsvpAsk, rsvpLeave, rsvpForget, rsvpFill), 3 capacity
// (0: no limit), 4 meeting id, 5 meeting expiry (unix ms), 6 w, 7
// reminderKeep (ms), 8 count k of event reminders, then k pairs (due unix
// ms, reminderTail), then one pair for the promoted reminder, then the w
// chat ids of the waiting list, in the order of their keys.
//
// Every key comes through KEYS: a promoted person whose reminder set was
// not given (the waiting list changed under the commit's WATCH, which
// cannot happen) fails the script rather than name a key itself.
var rsvp = redis.NewScript(luaExtend + luaUnschedule + `
local answers, queue, rem, mymt, myrem = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local chat, action, cap, id, expiry = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local w, keep, k = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local event = {}
for i = 0, k - 1 do
  event[#event + 1] = {ARGV[9 + 2 * i], ARGV[10 + 2 * i]}
end
local promoted = {{ARGV[9 + 2 * k], ARGV[10 + 2 * k]}}
local theirs = {[chat] = myrem}
for i = 1, w do
  theirs[ARGV[10 + 2 * k + i]] = KEYS[5 + i]
end

local function schedule(who, list)
  local mine = theirs[who]
  if not mine then
    error('rsvp: the reminder set of a promoted person was not given')
  end
  for _, r in ipairs(list) do
    local m = '{"chat":' .. who .. r[2]
    redis.call('ZADD', rem, r[1], m)
    redis.call('SADD', mine, m)
    extend(mine, string.format('%.0f', tonumber(r[1]) + keep))
  end
end

local function coming()
  local n = 0
  for _, v in ipairs(redis.call('HVALS', answers)) do
    if v == 'yes' then
      n = n + 1
    end
  end
  return n
end

local function fill()
  local n = coming()
  while cap == 0 or n < cap do
    local first = redis.call('ZPOPMIN', queue)
    if #first == 0 then
      return
    end
    local who = first[1]
    if redis.call('HGET', answers, who) == 'wait' then
      redis.call('HSET', answers, who, 'yes')
      schedule(who, event)
      schedule(who, promoted)
      n = n + 1
    end
  end
end

local function asked()
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local last = redis.call('ZRANGE', queue, -1, -1, 'WITHSCORES')
  if last[2] and tonumber(last[2]) >= now then
    now = tonumber(last[2]) + 1
  end
  return string.format('%.0f', now)
end

local function list()
  redis.call('PEXPIREAT', answers, expiry)
  redis.call('PEXPIREAT', queue, expiry)
  redis.call('SADD', mymt, id)
  extend(mymt, expiry)
end

if action == 'fill' then
  fill()
  return ''
end

local before = redis.call('HGET', answers, chat)
if action == 'yes' then
  if before == 'yes' or before == 'wait' then
    return before
  end
  fill()
  local answer = 'wait'
  if cap == 0 or coming() < cap then
    answer = 'yes'
    schedule(chat, event)
  else
    redis.call('ZADD', queue, asked(), chat)
  end
  redis.call('HSET', answers, chat, answer)
  list()
  return answer
end

redis.call('ZREM', queue, chat)
unschedule(rem, myrem, id)
local answer = ''
if action == 'no' then
  answer = 'no'
  redis.call('HSET', answers, chat, answer)
  list()
else
  redis.call('HDEL', answers, chat)
  redis.pcall('SREM', mymt, id)
end
if before == 'yes' then
  fill()
end
return answer
`)

// queueMeeting stores a meeting until it expires and lists it in its
// territory. Storing it again replaces it, and moves the expiry of its
// answers to the new start; the reminders already scheduled stay as they
// are. A meeting already past its retention is not stored.
func (k keyspace) queueMeeting(ctx context.Context, p redis.Pipeliner, m flows.Meeting, now time.Time) error {
	if m.ID == "" || m.Territory == "" || m.Start.IsZero() {
		return errors.New("meeting without an id, territory or start")
	}
	exp := meetingExpiry(m)
	if !exp.After(now) {
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode meeting: %w", err)
	}
	p.Set(ctx, k.meetingKey(m.ID), raw, 0)
	p.PExpireAt(ctx, k.meetingKey(m.ID), exp)
	p.ZAdd(ctx, k.meetingsKey(m.Territory), redis.Z{Score: float64(m.Start.UnixMilli()), Member: m.ID})
	p.PExpireAt(ctx, k.answersKey(m.ID), exp)
	p.PExpireAt(ctx, k.waitingKey(m.ID), exp)
	return nil
}

// answer records an RSVPGiven. An answer to a meeting unknown or expired
// when read records nothing (Answer then returns ""), and neither does the
// answer of the person this commit forgets.
func (c *commit) answer(ctx context.Context, p redis.Pipeliner, e flows.RSVPGiven) error {
	var action string
	switch e.Answer {
	case flows.RSVPComing:
		action = rsvpAsk
	case flows.RSVPNo:
		action = rsvpLeave
	default:
		return fmt.Errorf("unknown answer %q to meeting %s", e.Answer, e.MeetingID)
	}
	if c.forget && e.ChatID == c.chatID {
		return nil
	}
	m := c.meetings[e.MeetingID]
	if m == nil {
		return nil
	}
	return c.queueRSVP(ctx, p, m, e.ChatID, action, c.now, c.offsets, c.waiting[m.ID])
}

// forgetAnswers removes the forgotten person's answers and waiting-list
// places from every meeting they answered, giving their places to the
// people waiting.
func (c *commit) forgetAnswers(ctx context.Context, p redis.Pipeliner) error {
	for _, id := range c.answered {
		m := c.meetings[id]
		if m == nil {
			// Gone or unreadable: nobody can be promoted, but nothing of
			// the person stays.
			p.HDel(ctx, c.answersKey(id), strconv.FormatInt(c.chatID, 10))
			p.ZRem(ctx, c.waitingKey(id), strconv.FormatInt(c.chatID, 10))
			continue
		}
		if err := c.queueRSVP(ctx, p, m, c.chatID, rsvpForget, c.now, c.offsets, c.waiting[id]); err != nil {
			return err
		}
	}
	return nil
}

// queueRSVP runs the rsvp script for one person and meeting. Event
// reminders already due at now are not scheduled; a promotion is due now.
func (k keyspace) queueRSVP(ctx context.Context, p redis.Pipeliner, m *flows.Meeting, chat int64, action string, now time.Time, offsets []time.Duration, waiting []string) error {
	args := []any{
		strconv.FormatInt(chat, 10),
		action,
		strconv.Itoa(max(m.Capacity, 0)),
		m.ID,
		strconv.FormatInt(meetingExpiry(*m).UnixMilli(), 10),
		len(waiting),
		strconv.FormatInt(reminderKeep.Milliseconds(), 10),
		0, // event reminders, counted below
	}
	n := 0
	for _, before := range offsets {
		due := m.Start.Add(-before)
		if due.Before(now) {
			continue
		}
		tail, err := reminderTail(flows.Reminder{Due: due, Kind: flows.EventReminderKind(before), Ref: m.ID, At: m.Start})
		if err != nil {
			return err
		}
		args = append(args, strconv.FormatInt(due.UnixMilli(), 10), tail)
		n++
	}
	args[7] = strconv.Itoa(n)
	due := now.Truncate(time.Millisecond)
	tail, err := reminderTail(flows.Reminder{Due: due, Kind: kindPromoted, Ref: m.ID, At: m.Start})
	if err != nil {
		return err
	}
	args = append(args, strconv.FormatInt(due.UnixMilli(), 10), tail)
	keys := []string{k.answersKey(m.ID), k.waitingKey(m.ID), k.remindersKey(), k.myMeetingsKey(chat), k.myRemindersKey(chat)}
	for _, w := range waiting {
		id, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			return fmt.Errorf("waiting list of meeting %s: %q is not a chat id", m.ID, w)
		}
		keys = append(keys, k.myRemindersKey(id))
		args = append(args, w)
	}
	rsvp.Eval(ctx, p, keys, args...)
	return nil
}

// readMeetings records, under WATCH, the meetings the events answer: the
// ones created earlier in this commit, else the stored ones (nil when
// unknown) with their waiting lists. An unreadable stored meeting fails the
// commit.
func (c *commit) readMeetings(ctx context.Context, tx *redis.Tx) error {
	for _, e := range c.events {
		switch e := e.(type) {
		case flows.MeetingCreated:
			m := e.Meeting
			c.meetings[m.ID] = &m
		case flows.RSVPGiven:
			if _, ok := c.meetings[e.MeetingID]; !ok {
				m, err := c.loadMeeting(ctx, tx, e.MeetingID)
				if err != nil {
					return fmt.Errorf("read meeting: %w", err)
				}
				c.meetings[e.MeetingID] = m
				if err := c.readWaiting(ctx, tx, e.MeetingID); err != nil {
					return err
				}
			}
			// Someone this commit puts on the waiting list may be promoted
			// by a later answer of the same commit.
			c.waiting[e.MeetingID] = append(c.waiting[e.MeetingID], strconv.FormatInt(e.ChatID, 10))
		}
	}
	return nil
}

// readAnswered records, under WATCH, the meetings the forgotten person
// answered (members: the answer of SMEMBERS myMeetingsKey), and watches and
// reads them. A meeting unreadable or of a set of the wrong type counts as
// none: forgetting must not fail on bad data.
func (c *commit) readAnswered(ctx context.Context, tx *redis.Tx, members *redis.StringSliceCmd) error {
	ids, err := members.Result()
	if err != nil && !isWrongType(err) {
		return fmt.Errorf("read meetings answered: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.meetingKey(id)
	}
	if err := tx.Watch(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("watch meetings answered: %w", err)
	}
	meetings, err := fetchJSON[flows.Meeting](ctx, tx, ids, c.meetingKey)
	if err != nil {
		return fmt.Errorf("read meetings answered: %w", err)
	}
	for i, id := range ids {
		c.meetings[id] = meetings[i]
		if err := c.readWaiting(ctx, tx, id); err != nil {
			return err
		}
	}
	c.answered = ids
	return nil
}

// readWaiting watches and reads the waiting list of a meeting: the people
// the rsvp script may promote, whose reminder sets it is given. A list of
// the wrong type counts as empty (the script then fails on it).
func (c *commit) readWaiting(ctx context.Context, tx *redis.Tx, id string) error {
	if _, ok := c.waiting[id]; ok {
		return nil
	}
	key := c.waitingKey(id)
	if err := tx.Watch(ctx, key).Err(); err != nil {
		return fmt.Errorf("watch waiting list: %w", err)
	}
	ids, err := tx.ZRange(ctx, key, 0, -1).Result()
	if err != nil && !isWrongType(err) {
		return fmt.Errorf("read waiting list: %w", err)
	}
	c.waiting[id] = ids
	return nil
}

// isWrongType reports whether err is the server's WRONGTYPE error.
func isWrongType(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE")
}

// loadMeeting reads a stored meeting, nil when unknown or expired.
func (k keyspace) loadMeeting(ctx context.Context, c redis.Cmdable, id string) (*flows.Meeting, error) {
	return getJSON[flows.Meeting](ctx, c, k.meetingKey(id))
}

// Meetings returns up to n meetings of a territory starting at from or
// later, soonest first. It first drops from the territory's list the
// meetings past their retention; a listed meeting that is gone, unreadable
// or moved to another territory is left out.
func (r *Redis) Meetings(ctx context.Context, territory string, from time.Time, n int) ([]flows.Meeting, error) {
	if n <= 0 {
		return nil, nil
	}
	key := r.meetingsKey(territory)
	cutoff := r.now().Add(-flows.MeetingRetention).UnixMilli()
	if err := r.c.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(cutoff, 10)).Err(); err != nil {
		return nil, fmt.Errorf("trim meetings: %w", err)
	}
	var out []flows.Meeting
	for offset := int64(0); len(out) < n; {
		ids, err := r.c.ZRangeByScore(ctx, key, &redis.ZRangeBy{
			Min:    strconv.FormatInt(from.UnixMilli(), 10),
			Max:    "+inf",
			Offset: offset,
			Count:  int64(n),
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("list meetings: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		meetings, err := fetchJSON[flows.Meeting](ctx, r.c, ids, r.meetingKey)
		if err != nil {
			return nil, fmt.Errorf("load meetings: %w", err)
		}
		for _, m := range meetings {
			if m == nil || m.Territory != territory {
				continue
			}
			if out = append(out, *m); len(out) == n {
				break
			}
		}
		if len(ids) < n {
			break
		}
		offset += int64(len(ids))
	}
	return out, nil
}

// Meeting returns a meeting, nil when it is unknown or expired.
func (r *Redis) Meeting(ctx context.Context, id string) (*flows.Meeting, error) {
	m, err := r.loadMeeting(ctx, r.c, id)
	if err != nil {
		return nil, fmt.Errorf("load meeting: %w", err)
	}
	return m, nil
}

// MeetingCounts counts a meeting's answers (zero when it is unknown or
// expired).
func (r *Redis) MeetingCounts(ctx context.Context, id string) (flows.MeetingCounts, error) {
	vals, err := r.c.HVals(ctx, r.answersKey(id)).Result()
	if err != nil {
		return flows.MeetingCounts{}, fmt.Errorf("count answers: %w", err)
	}
	var n flows.MeetingCounts
	for _, v := range vals {
		switch flows.RSVP(v) {
		case flows.RSVPComing:
			n.Coming++
		case flows.RSVPWaiting:
			n.Waiting++
		case flows.RSVPNo:
			n.No++
		}
	}
	return n, nil
}

// Answer returns a person's answer to a meeting, "" when there is none.
func (r *Redis) Answer(ctx context.Context, id string, chatID int64) (flows.RSVP, error) {
	v, err := r.c.HGet(ctx, r.answersKey(id), strconv.FormatInt(chatID, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load answer: %w", err)
	}
	return flows.RSVP(v), nil
}

// WaitingRank is the person's place on a meeting's waiting list, 1 for the
// first; 0 when they are not waiting.
func (r *Redis) WaitingRank(ctx context.Context, id string, chatID int64) (int, error) {
	n, err := r.c.ZRank(ctx, r.waitingKey(id), strconv.FormatInt(chatID, 10)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load waiting rank: %w", err)
	}
	return int(n) + 1, nil
}

// AnswerCount is how many meetings the person answered (for /mydata).
func (r *Redis) AnswerCount(ctx context.Context, chatID int64) (int, error) {
	n, err := r.c.SCard(ctx, r.myMeetingsKey(chatID)).Result()
	if err != nil {
		return 0, fmt.Errorf("answer count: %w", err)
	}
	return int(n), nil
}
