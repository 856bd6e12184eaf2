package storage

// The outbox: bulk messages are written to a stream in the same transaction
// that records the broadcast, then claimed by sender replicas through one
// consumer group. Delivery is at least once: a message leaves the outbox only
// when Finish or Retry settles it, and the messages of a replica that died
// while sending are claimed again by another after an idle time.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// claimBlock is how long Claim waits for a new message when none is ready:
// short, so that a replica notices due retries and stops promptly, and never
// 0, which would wait forever.
const claimBlock = time.Second

// The job hash's fields.
const (
	jobID       = "id"
	jobKind     = "kind"
	jobTerr     = "ter"
	jobOwner    = "owner"
	jobLang     = "lang"
	jobCreated  = "created" // unix ms; absent when the job had no time
	jobTotal    = "total"
	jobSent     = "sent"
	jobBlocked  = "blocked"
	jobFailed   = "failed"
	jobProgress = "progress" // the owner's progress message id
)

// outcomeField is the job counter each outcome increments.
var outcomeField = map[flows.Outcome]string{
	flows.OutcomeSent:    jobSent,
	flows.OutcomeBlocked: jobBlocked,
	flows.OutcomeFailed:  jobFailed,
}

// enqueue creates the job and writes its messages, unless a job with this id
// was already queued (Commit may be retried, or the same broadcast confirmed
// twice): the job key is watched, so two concurrent commits queue it once.
func (c *commit) enqueue(ctx context.Context, p redis.Pipeliner, e flows.BroadcastQueued) error {
	if e.Job.ID == "" {
		return errors.New("broadcast without a job id")
	}
	if c.jobs[e.Job.ID] {
		return nil
	}
	c.jobs[e.Job.ID] = true
	key := c.jobKey(e.Job.ID)
	fields := []any{
		jobID, e.Job.ID,
		jobKind, e.Job.Kind,
		jobTerr, e.Job.Territory,
		jobOwner, e.Job.Owner,
		jobLang, e.Job.OwnerLang,
		jobTotal, len(e.Messages),
		jobSent, 0,
		jobBlocked, 0,
		jobFailed, 0,
		jobProgress, 0,
	}
	if !e.Job.Created.IsZero() {
		fields = append(fields, jobCreated, e.Job.Created.UnixMilli())
	}
	p.HSet(ctx, key, fields...)
	p.Expire(ctx, key, JobTTL)
	if e.Job.Territory != "" && (e.Job.Kind == "broadcast" || e.Job.Kind == "outcome") {
		p.ZAdd(ctx, c.territoryJobsKey(e.Job.Territory), redis.Z{Score: float64(c.now.UnixMilli()), Member: e.Job.ID})
	}
	for _, m := range e.Messages {
		buttons, err := encodeButtons(m.Buttons)
		if err != nil {
			return err
		}
		values := []any{"job", e.Job.ID, "chat", m.ChatID, "text", m.Text, "attempt", 1, "buttons", buttons}
		if m.Edit != 0 {
			values = append(values, "edit", m.Edit)
		}
		p.XAdd(ctx, &redis.XAddArgs{Stream: c.outboxKey(), ID: "*", Values: values})
	}
	return nil
}

// encodeButtons is the JSON of a bulk message's buttons, "" when none.
func encodeButtons(rows [][]flows.Button) (string, error) {
	if len(rows) == 0 {
		return "", nil
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("encode buttons: %w", err)
	}
	return string(b), nil
}

// decodeButtons reads encodeButtons; unreadable buttons are dropped and
// the text still goes out.
func decodeButtons(s string) [][]flows.Button {
	var rows [][]flows.Button
	if s == "" || json.Unmarshal([]byte(s), &rows) != nil {
		return nil
	}
	return rows
}

// promote moves up to ARGV[1] deliveries due by the server's clock from the
// later set KEYS[1] back into the stream KEYS[2]. An unreadable member is
// dropped rather than blocking the ones behind it.
var promote = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now), 'LIMIT', '0', ARGV[1])
for _, m in ipairs(due) do
  local ok, d = pcall(cjson.decode, m)
  if ok and type(d) == 'table' and type(d.job) == 'string' and type(d.chat) == 'string'
      and type(d.text) == 'string' and type(d.attempt) == 'string' then
    local buttons = d.buttons
    if type(buttons) ~= 'string' then buttons = '' end
    local fields = {'job', d.job, 'chat', d.chat, 'text', d.text, 'attempt', d.attempt, 'buttons', buttons}
    if type(d.edit) == 'string' then
      table.insert(fields, 'edit')
      table.insert(fields, d.edit)
    end
    redis.call('XADD', KEYS[2], '*', unpack(fields))
  end
  redis.call('ZREM', KEYS[1], m)
end
return #due
`)

// finish acknowledges and deletes entry ARGV[2] of stream KEYS[1] for group
// ARGV[1] and, only when this call acknowledged it, increments counter
// ARGV[3] of job KEYS[2] (if the job still exists). It returns the job.
var finish = redis.NewScript(`
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  if redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  end
end
return redis.call('HGETALL', KEYS[2])
`)

// retry acknowledges and deletes entry ARGV[2] of stream KEYS[1] for group
// ARGV[1] and, only when this call acknowledged it, adds member ARGV[3] to
// the later set KEYS[2] at score ARGV[4]. It returns 1 when it did.
var retry = redis.NewScript(`
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
  redis.call('XDEL', KEYS[1], ARGV[2])
end
return acked
`)

// setProgress sets the progress field of job KEYS[1] to ARGV[1] if the job
// exists, and returns 1 when it does.
var setProgress = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'progress', ARGV[1])
  return 1
end
return 0
`)

// laterEntry is a delivery waiting in laterKey. Every field is a string so
// that the promote script copies chat ids without going through a float.
type laterEntry struct {
	From    string `json:"from"` // the entry it replaces: two retries of one copy are one member
	Job     string `json:"job"`
	Chat    string `json:"chat"`
	Text    string `json:"text"`
	Attempt string `json:"attempt"`
	Buttons string `json:"buttons,omitempty"` // encodeButtons
	Edit    string `json:"edit,omitempty"`    // the message to edit; absent for a new message
}

// Claim returns up to n messages for consumer to send: first the retries
// now due, then messages another consumer claimed more than idle ago without
// settling them (it crashed or was killed), then new ones, waiting up to a
// second when there are none. Each must be settled with Finish or Retry;
// one left unsettled is claimed again after idle. In Sentinel mode Claim
// waits until a replica has the claim (see durably); when the primary fails
// meanwhile, Claim fails and gives back what it claimed.
func (r *Redis) Claim(ctx context.Context, consumer string, n int, idle time.Duration) ([]flows.Delivery, error) {
	if consumer == "" {
		return nil, errors.New("claim: empty consumer name")
	}
	if n <= 0 {
		return nil, nil
	}
	var ds []flows.Delivery
	err := r.durably(ctx, func(c redis.Cmdable) (bool, error) {
		var err error
		ds, err = r.claim(ctx, c, consumer, n, idle)
		if err != nil && strings.HasPrefix(err.Error(), "NOGROUP") {
			// The group vanished with the server's data: create it and try again.
			r.groupReady.Store(false)
			ds, err = r.claim(ctx, c, consumer, n, idle)
		}
		return len(ds) > 0, err
	})
	if err != nil && len(ds) > 0 {
		// Claimed, but perhaps on a primary that died: nothing was sent, so
		// hand them back at once where the claim survived.
		ids := make([]string, len(ds))
		for i, d := range ds {
			ids[i] = d.ID
		}
		if _, uerr := r.Unclaim(ctx, consumer, ids); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return ds, nil
}

// claim is one attempt of Claim; its errors are the server's, unwrapped.
func (r *Redis) claim(ctx context.Context, c redis.Cmdable, consumer string, n int, idle time.Duration) ([]flows.Delivery, error) {
	if err := r.ensureGroup(ctx); err != nil {
		return nil, err
	}
	if err := promote.Run(ctx, c, []string{r.laterKey(), r.outboxKey()}, n).Err(); err != nil {
		return nil, err
	}
	idle = max(idle.Truncate(time.Millisecond), 0) // the client logs below a millisecond
	var msgs []redis.XMessage
	for start := "0-0"; len(msgs) < n; {
		claimed, next, err := c.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream:   r.outboxKey(),
			Group:    outboxGroup,
			Consumer: consumer,
			MinIdle:  idle,
			Start:    start,
			Count:    int64(n - len(msgs)),
		}).Result()
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, claimed...)
		if next == "" || next == "0-0" {
			break
		}
		start = next
	}
	if rest := n - len(msgs); rest > 0 {
		block := time.Duration(-1) // no BLOCK: return what was claimed at once
		if len(msgs) == 0 {
			block = blockFor(ctx)
		}
		streams, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    outboxGroup,
			Consumer: consumer,
			Streams:  []string{r.outboxKey(), ">"},
			Count:    int64(rest),
			Block:    block,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		var read []string
		for _, s := range streams {
			for _, m := range s.Messages {
				msgs = append(msgs, m)
				read = append(read, m.ID)
			}
		}
		if r.sentinel && block > 0 && len(read) > 0 {
			// A read that blocked and was served later is not counted
			// among this connection's writes by Redis before 7.2, and
			// WAIT waits only for those: claim them again here, as ours.
			err := c.XClaimJustID(ctx, &redis.XClaimArgs{
				Stream: r.outboxKey(), Group: outboxGroup, Consumer: consumer, Messages: read,
			}).Err()
			if err != nil {
				return nil, err
			}
		}
	}
	out := make([]flows.Delivery, 0, len(msgs))
	for _, m := range msgs {
		d, err := decodeDelivery(m)
		if err != nil {
			// It can never be sent: settle it as failed rather than
			// claim it again forever.
			if err := finish.Run(ctx, c, []string{r.outboxKey(), r.jobKey(stringField(m.Values, "job"))},
				outboxGroup, m.ID, jobFailed).Err(); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// blockFor is how long XREADGROUP may wait: claimBlock, less when the
// context ends sooner, -1 (no BLOCK) when it is about to.
func blockFor(ctx context.Context) time.Duration {
	block := claimBlock
	if deadline, ok := ctx.Deadline(); ok {
		block = min(block, time.Until(deadline)/2).Truncate(time.Millisecond)
	}
	if block < time.Millisecond {
		return -1
	}
	return block
}

// ensureGroup creates the consumer group, and the stream, once per client.
// The group starts at id 0 so that messages queued before it existed are
// delivered.
func (r *Redis) ensureGroup(ctx context.Context) error {
	if r.groupReady.Load() {
		return nil
	}
	err := r.c.XGroupCreateMkStream(ctx, r.outboxKey(), outboxGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group: %w", err)
	}
	r.groupReady.Store(true)
	return nil
}

// decodeDelivery reads an outbox entry.
func decodeDelivery(m redis.XMessage) (flows.Delivery, error) {
	job := stringField(m.Values, "job")
	if job == "" {
		return flows.Delivery{}, fmt.Errorf("%w: outbox entry %s has no job", flows.ErrCorrupt, m.ID)
	}
	chat, err := intField(m.Values, "chat")
	if err != nil {
		return flows.Delivery{}, fmt.Errorf("outbox entry %s: %w", m.ID, err)
	}
	attempt, err := intField(m.Values, "attempt")
	if err != nil {
		return flows.Delivery{}, fmt.Errorf("outbox entry %s: %w", m.ID, err)
	}
	var edit int64
	if _, ok := m.Values["edit"]; ok {
		if edit, err = intField(m.Values, "edit"); err != nil {
			return flows.Delivery{}, fmt.Errorf("outbox entry %s: %w", m.ID, err)
		}
	}
	return flows.Delivery{
		ID:      m.ID,
		Bulk:    flows.Bulk{Job: job, ChatID: chat, Text: stringField(m.Values, "text"), Buttons: decodeButtons(stringField(m.Values, "buttons")), Edit: int(edit)},
		Attempt: int(attempt),
	}, nil
}

// Finish settles a delivery: it leaves the outbox and counts in its job. It
// returns the job's status afterwards (zero counts when the job has
// expired). Finishing a delivery already settled counts nothing, so a
// Finish that failed may be made again; in Sentinel mode it fails unless a
// replica has the record (see durably).
func (r *Redis) Finish(ctx context.Context, d flows.Delivery, outcome flows.Outcome) (flows.JobStatus, error) {
	field, ok := outcomeField[outcome]
	if !ok {
		return flows.JobStatus{}, fmt.Errorf("finish: unknown outcome %q", outcome)
	}
	var kv []string
	err := r.durably(ctx, func(c redis.Cmdable) (bool, error) {
		var err error
		kv, err = finish.Run(ctx, c, []string{r.outboxKey(), r.jobKey(d.Bulk.Job)}, outboxGroup, d.ID, field).StringSlice()
		return true, err
	})
	if err != nil {
		return flows.JobStatus{}, fmt.Errorf("finish: %w", err)
	}
	if len(kv) == 0 {
		return flows.JobStatus{Job: flows.Job{ID: d.Bulk.Job}}, nil
	}
	st, err := decodeJob(pairs(kv))
	if err != nil {
		return flows.JobStatus{}, fmt.Errorf("finish: job %s: %w", d.Bulk.Job, err)
	}
	return st, nil
}

// Retry settles a delivery for now and queues a copy with Attempt+1 that
// Claim returns once at has passed. Retrying a delivery already settled does
// nothing, so a Retry that failed may be made again; in Sentinel mode it
// fails unless a replica has it (see durably).
func (r *Redis) Retry(ctx context.Context, d flows.Delivery, at time.Time) error {
	buttons, err := encodeButtons(d.Bulk.Buttons)
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	later := laterEntry{
		From:    d.ID,
		Job:     d.Bulk.Job,
		Chat:    strconv.FormatInt(d.Bulk.ChatID, 10),
		Text:    d.Bulk.Text,
		Attempt: strconv.Itoa(d.Attempt + 1),
		Buttons: buttons,
	}
	if d.Bulk.Edit != 0 {
		later.Edit = strconv.Itoa(d.Bulk.Edit)
	}
	member, err := json.Marshal(later)
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	err = r.durably(ctx, func(c redis.Cmdable) (bool, error) {
		return true, retry.Run(ctx, c, []string{r.outboxKey(), r.laterKey()}, outboxGroup, d.ID, member, at.UnixMilli()).Err()
	})
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	return nil
}

// SetProgressMessage records the owner's message that shows the job's
// progress; flows.ErrNotFound when the job is unknown or expired.
func (r *Redis) SetProgressMessage(ctx context.Context, job string, messageID int) error {
	ok, err := setProgress.Run(ctx, r.c, []string{r.jobKey(job)}, messageID).Int()
	if err != nil {
		return fmt.Errorf("set progress message: %w", err)
	}
	if ok == 0 {
		return fmt.Errorf("set progress message: job %s: %w", job, flows.ErrNotFound)
	}
	return nil
}

// Job returns a bulk job's status, nil when it is unknown or expired.
func (r *Redis) Job(ctx context.Context, id string) (*flows.JobStatus, error) {
	h, err := r.c.HGetAll(ctx, r.jobKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("load job: %w", err)
	}
	if len(h) == 0 {
		return nil, nil
	}
	st, err := decodeJob(h)
	if err != nil {
		return nil, fmt.Errorf("load job %s: %w", id, err)
	}
	return &st, nil
}

// OutboxLen returns how many messages are not settled yet: queued, being
// sent, or waiting for a retry.
func (r *Redis) OutboxLen(ctx context.Context) (int64, error) {
	var xlen, zcard *redis.IntCmd
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		xlen = p.XLen(ctx, r.outboxKey())
		zcard = p.ZCard(ctx, r.laterKey())
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox length: %w", err)
	}
	return xlen.Val() + zcard.Val(), nil
}

// pairs turns an HGETALL reply into a map.
func pairs(kv []string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// decodeJob reads a job hash.
func decodeJob(h map[string]string) (flows.JobStatus, error) {
	num := func(name string) (int64, error) {
		v, ok := h[name]
		if !ok {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: field %q: %w", flows.ErrCorrupt, name, err)
		}
		return n, nil
	}
	var ints [7]int64
	for i, name := range []string{jobOwner, jobCreated, jobTotal, jobSent, jobBlocked, jobFailed, jobProgress} {
		n, err := num(name)
		if err != nil {
			return flows.JobStatus{}, err
		}
		ints[i] = n
	}
	st := flows.JobStatus{
		Job: flows.Job{
			ID:        h[jobID],
			Kind:      h[jobKind],
			Territory: h[jobTerr],
			Owner:     ints[0],
			OwnerLang: h[jobLang],
		},
		Total:           int(ints[2]),
		Sent:            int(ints[3]),
		Blocked:         int(ints[4]),
		Failed:          int(ints[5]),
		ProgressMessage: int(ints[6]),
	}
	if _, ok := h[jobCreated]; ok {
		st.Created = time.UnixMilli(ints[1]).UTC()
	}
	return st, nil
}

// unclaim hands the deliveries a stopping consumer claimed and did not send
// back to the outbox at once: each still pending with that consumer is made
// to look idle for an hour, so that the next Claim, by any consumer, takes it
// without waiting for the idle time. ARGV: group, consumer, ids…
var unclaim = redis.NewScript(`
local n = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', 3600000, 'JUSTID')
    n = n + 1
  end
end
return n
`)

// Unclaim gives back deliveries that consumer claimed and will not send
// (it is stopping): the next Claim of any consumer takes them at once. It
// returns how many were still its own.
func (r *Redis) Unclaim(ctx context.Context, consumer string, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := make([]any, 0, 2+len(ids))
	args = append(args, outboxGroup, consumer)
	for _, id := range ids {
		args = append(args, id)
	}
	n, err := unclaim.Run(ctx, r.c, []string{r.outboxKey()}, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("unclaim: %w", err)
	}
	return n, nil
}
