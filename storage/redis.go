// Package storage keeps Passerelle's sessions, aggregate counters, staff
// roles, audit log, broadcast audience, outbox, meetings, reminders and rate
// limiters in Redis.
//
// It stores the minimum: one small JSON session per person, always with a
// TTL, counters that name no one, and per-person staff and audience records
// that /forget erases. It never logs; every failure comes back as a wrapped
// error.
package storage

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// Client timeouts: short, so that a Redis outage surfaces as an error within
// seconds instead of piling up blocked handlers.
const (
	dialTimeout  = 2 * time.Second
	readTimeout  = 2 * time.Second
	writeTimeout = 2 * time.Second
	// dialAttempts per command attempt; commands are themselves retried
	// (MaxRetries), so the client's default of 5 only delays the error.
	dialAttempts = 2
)

// Redis is a flows.Store, flows.Directory and flows.Calendar backed by
// Redis; it also holds the outbox of bulk messages, the claims of scheduled
// tasks and the shared rate limiters.
type Redis struct {
	keyspace

	c    redis.UniversalClient
	mini *miniredis.Miniredis // the embedded server, when OpenEmbedded started one

	groupReady atomic.Bool // the outbox's consumer group was created by this client

	sentinel     bool         // opened through Sentinel: outbox writes wait for a replica (see durably)
	log          *slog.Logger // nil: slog.Default()
	unreplicated atomic.Bool  // the last outbox write no replica acknowledged in time
	replicas     replicaCount // the primary's replicas, in Sentinel mode

	eventReminders []time.Duration // nil: flows.DefaultEventReminders

	clock flows.Clock // nil: flows.SystemClock

	lease  ChatLease        // zero: off
	heldMu sync.Mutex       // guards leases
	leases map[int64]string // chat → token of the lease this process holds
}

var _ flows.Store = (*Redis)(nil)

// SetClock sets the clock the store dates its own decisions by (cut-offs,
// reminders already past, promotions); default the system clock. Call it
// before use.
func (r *Redis) SetClock(c flows.Clock) { r.clock = c }

// now is the time by the store's clock.
func (r *Redis) now() time.Time {
	if r.clock == nil {
		return flows.SystemClock.Now()
	}
	return r.clock.Now()
}

// New connects to the Redis at url and checks it answers: redis:// or
// rediss:// for one server, redis+sentinel:// or rediss+sentinel:// for the
// primary that Redis Sentinel names (see ParseURL).
func New(ctx context.Context, url string) (*Redis, error) {
	o, err := newClientOptions(url)
	if err != nil {
		return nil, err
	}
	c := o.client()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connect redis: %w", err)
	}
	return &Redis{keyspace: keyspace{LegacyPrefix}, c: c, sentinel: o.failover != nil}, nil
}

// setDefaults applies this package's timeouts where the URL set none.
func setDefaults(opt *redis.Options) {
	applyDefaults(&opt.ContextTimeoutEnabled, &opt.DialerRetries, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout)
}

// applyDefaults sets the fields that one server's options and Sentinel's
// share: context deadlines honoured, and the timeouts left unset.
func applyDefaults(ctxTimeout *bool, dialRetries *int, dial, read, write *time.Duration) {
	*ctxTimeout = true
	*dialRetries = cmp.Or(*dialRetries, dialAttempts)
	*dial = cmp.Or(*dial, dialTimeout)
	*read = cmp.Or(*read, readTimeout)
	*write = cmp.Or(*write, writeTimeout)
}

// NewFromClient wraps an already configured client (Sentinel, Cluster…).
func NewFromClient(c redis.UniversalClient) *Redis {
	return &Redis{keyspace: keyspace{LegacyPrefix}, c: c}
}

// OpenEmbedded starts an in-process Redis and connects to it; its data is lost at exit.
func OpenEmbedded() (*Redis, error) {
	m, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	// The embedded server listens on loopback: a random password keeps other
	// local users from reading sessions through it.
	pw, err := randomPassword()
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	m.RequireAuth(pw)
	opt := &redis.Options{Addr: m.Addr(), Password: pw}
	setDefaults(opt)
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		m.Close()
		return nil, fmt.Errorf("connect embedded redis: %w", err)
	}
	return &Redis{keyspace: keyspace{LegacyPrefix}, c: c, mini: m}, nil
}

// randomPassword returns 128 random bits in hex.
func randomPassword() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Load returns the person's session, flows.ErrNotFound, or an error wrapping flows.ErrCorrupt.
func (r *Redis) Load(ctx context.Context, chatID int64) (*flows.Session, error) {
	raw, err := r.c.Get(ctx, r.sessionKey(chatID)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, flows.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	s, err := decodeSession(raw)
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	s.Loaded = digest(raw)
	return s, nil
}

// digest names a stored session's bytes for Session.Loaded: the hex SHA-1
// that the commit scripts compare with redis.sha1hex.
func digest(raw []byte) string {
	sum := sha1.Sum(raw)
	return hex.EncodeToString(sum[:])
}

// openScript claims an update and reads a session and a role, atomically.
// KEYS: session, role, then when there is a claim: the update's claim, the
// inbox, and with a ChatLease the chat's lease and turns. ARGV: the
// claimant's token, the claim's TTL in ms, the update id, "1" when the
// update leaves the inbox, the lease's TTL and a turn entry's TTL in ms.
// It returns {claim holder, session, role}, false for what is missing, or
// {false, false, false, 1} when the chat is another update's turn (its
// entry is then in the turns hash, and nothing was claimed).
//
// With a lease, an update claimed by another token is a duplicate before
// anything else; then the lease must be free (or the caller's own, from a
// try whose answer was lost) and no live entry of the turns hash may have a
// lower update id.
var openScript = redis.NewScript(`
local holder = false
if KEYS[3] then
  if KEYS[5] then
    local held = redis.call('GET', KEYS[3])
    if held and held ~= ARGV[1] then
      return {held, false, false}
    end
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local id = tonumber(ARGV[3])
    local lease = redis.call('GET', KEYS[5])
    local turn = (not lease) or lease == ARGV[1]
    local q = redis.call('HGETALL', KEYS[6])
    for i = 1, #q, 2 do
      if tonumber(q[i + 1]) < now then
        redis.call('HDEL', KEYS[6], q[i])
      elseif tonumber(q[i]) < id then
        turn = false
      end
    end
    if not turn then
      redis.call('HSET', KEYS[6], ARGV[3], now + tonumber(ARGV[6]))
      redis.call('PEXPIRE', KEYS[6], ARGV[6])
      return {false, false, false, 1}
    end
    redis.call('SET', KEYS[5], ARGV[1], 'PX', ARGV[5])
    redis.call('HDEL', KEYS[6], ARGV[3])
  end
  redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2])
  holder = redis.call('GET', KEYS[3])
  if ARGV[4] == '1' then
    redis.call('HDEL', KEYS[4], ARGV[3])
  end
end
return {holder, redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}
`)

// The scripts' fixed numeric arguments, converted to interfaces once: an
// int64 above 255 costs an allocation each time it is boxed, and Open and
// Commit run for every update.
var (
	claimPendingArg any = claimPendingTTL.Milliseconds()
	claimKeptArg    any = UpdateClaimTTL.Milliseconds()
	turnEntryArg    any = turnEntryTTL.Milliseconds()
	noLease         any = int64(0)
)

// Open claims the update claim names, when it names one (and takes its
// entry out of the inbox), and reads the session and the staff role, in one
// script: one round trip for what a step needs (flows.Opener). A claim
// already held with the same token is the caller's own, from a try whose
// answer was lost. The claim lives claimPendingTTL until a Commit of the
// step's session naming it (Session.Claimed) keeps it. The session's errors
// are Load's, with the role read.
//
// With a ChatLease, Open also takes the chat's lease, waiting for its turn
// up to ChatLease.Wait (then the error wraps ErrChatBusy and nothing is
// claimed); ReleaseChat gives it back.
func (r *Redis) Open(ctx context.Context, chatID int64, claim flows.Claim) (*flows.Session, *flows.Role, error) {
	token := cmp.Or(claim.Token, "1")
	keys := make([]string, 2, 6)
	keys[0], keys[1] = r.sessionKey(chatID), r.roleKey(chatID)
	leased := claim.UpdateID != 0 && r.lease.TTL > 0
	if claim.UpdateID != 0 {
		keys = append(keys, r.updateKey(claim.UpdateID), r.inboxKey())
		if leased {
			keys = append(keys, r.leaseKey(chatID), r.turnsKey(chatID))
		}
	}
	parked := "0"
	if claim.Parked {
		parked = "1"
	}
	var res []any
	leaseArg := noLease
	if leased {
		leaseArg = r.lease.TTL.Milliseconds()
	}
	deadline := time.Now().Add(r.lease.Wait)
	for wait := leasePollFirst; ; wait = min(2*wait, leasePollMax) {
		var err error
		res, err = openScript.Run(ctx, r.c, keys, token, claimPendingArg, claim.UpdateID, parked,
			leaseArg, turnEntryArg).Slice()
		if err != nil {
			return nil, nil, fmt.Errorf("open session: %w", err)
		}
		if len(res) != 4 {
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("open session: %w", busyError{})
		}
		if !sleepCtx(ctx, wait) {
			return nil, nil, fmt.Errorf("open session: %w: %w", busyError{}, ctx.Err())
		}
	}
	if len(res) != 3 {
		return nil, nil, fmt.Errorf("open session: unexpected reply %v", res)
	}
	holder, sess, role := res[0], res[1], res[2]
	if claim.UpdateID != 0 && holder != token {
		return nil, nil, flows.ErrDuplicate
	}
	if leased {
		r.hold(chatID, token) // ReleaseChat gives it back
	}
	var staff *flows.Role
	if raw, ok := role.(string); ok {
		staff = &flows.Role{}
		if err := json.Unmarshal([]byte(raw), staff); err != nil {
			return nil, nil, fmt.Errorf("load role: %w: %w", flows.ErrCorrupt, err)
		}
	}
	raw, ok := sess.(string)
	if !ok {
		return nil, staff, flows.ErrNotFound
	}
	b := []byte(raw)
	s, err := decodeSession(b)
	if err != nil {
		return nil, staff, fmt.Errorf("load session: %w", err)
	}
	s.Loaded = digest(b)
	return s, staff, nil
}

// decodeSession reads a stored session of any known version.
func decodeSession(raw []byte) (*flows.Session, error) {
	if s := new(flows.Session); json.Unmarshal(raw, s) == nil && s.Version == flows.SessionVersion {
		return s, nil // the current version, read in one pass
	}
	var head struct {
		V int `json:"v"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: %w", flows.ErrCorrupt, err)
	}
	switch {
	case head.V <= 0:
		return nil, fmt.Errorf("%w: session version missing", flows.ErrCorrupt)
	case head.V > flows.SessionVersion:
		return nil, fmt.Errorf("%w: session version %d is newer than this binary", flows.ErrCorrupt, head.V)
	}
	raw, err := migrate(head.V, raw)
	if err != nil {
		return nil, err
	}
	var s flows.Session
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", flows.ErrCorrupt, err)
	}
	s.Version = flows.SessionVersion
	return &s, nil
}

// migrate brings the JSON of a session stored at version v up to
// flows.SessionVersion, one version at a time.
func migrate(v int, raw []byte) ([]byte, error) {
	for ; v < flows.SessionVersion; v++ {
		switch v {
		// When SessionVersion becomes 2, add here:
		// case 1:
		//	raw, err = migrate1to2(raw)
		default:
			return nil, fmt.Errorf("%w: no migration from session version %d", flows.ErrCorrupt, v)
		}
	}
	return raw, nil
}

// encodeSession writes s as the current version without modifying it.
func encodeSession(s *flows.Session) ([]byte, error) {
	c := *s
	c.Version = flows.SessionVersion
	return json.Marshal(&c)
}

// commitAttempts bounds how many times Commit starts over when a key it
// watches changed under it (another replica consumed the same invitation or
// queued the same job); the next attempt sees the change.
const commitAttempts = 10

// watched runs fn in a WATCH of keys, starting over while a watched key
// changed under it, commitAttempts times at most.
func (r *Redis) watched(ctx context.Context, fn func(*redis.Tx) error, keys ...string) error {
	for range commitAttempts {
		if err := r.c.Watch(ctx, fn, keys...); !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("%w after %d attempts", redis.TxFailedErr, commitAttempts)
}

// Commit writes the session, or erases the person on flows.Forgotten, and
// records the events in one transaction. A RoleGranted whose invitation is
// gone fails the whole Commit with an error wrapping flows.ErrInviteGone, and
// nothing is written. Forgetting wins over the answers and reminders of the
// same person in the same Commit: they are not recorded. A session read
// from the store (Session.Loaded) is written only if nobody wrote it since:
// otherwise nothing is written and the error wraps flows.ErrConflict. The
// update claim the session names (Session.Claimed) is kept with it. A
// commit whose answer was lost (the primary died) is read back, and
// succeeds when Redis carried it out.
func (r *Redis) Commit(ctx context.Context, chatID int64, s *flows.Session, events []flows.Event) error {
	events, forget, err := normalizeEvents(events)
	if err != nil {
		// Nothing was sent.
		return fmt.Errorf("commit: %w", err)
	}
	var payload []byte
	if !forget {
		if s == nil {
			return errors.New("commit: nil session")
		}
		if payload, err = encodeSession(s); err != nil {
			return fmt.Errorf("commit: encode session: %w", err)
		}
	}
	// The update claim Open took for this step is kept for good with it;
	// if the write fails, the claim expires soon by itself.
	var claim string
	if s != nil && s.Claimed.UpdateID != 0 {
		claim = r.updateKey(s.Claimed.UpdateID)
	}
	err = r.commit(ctx, chatID, s, payload, forget, events, claim)
	if err != nil && !forget && answerLost(err) && r.committed(ctx, chatID, payload) {
		// Carried out: the step's replies can go. Without this read, the
		// person would be told to try again, and Telegram's next delivery
		// of the update, already claimed, would be dropped unanswered.
		r.logger().Warn("a commit's answer was lost (a failover?); reading the session back showed it was carried out", "err", err)
		return nil
	}
	return err
}

// verifyFor bounds how long a commit whose answer was lost waits for Redis
// to answer again (a Sentinel failover takes 2–4 s) to learn whether it
// was carried out: well within an update's 10-second budget.
const verifyFor = 5 * time.Second

// answerLost reports whether err may hide a commit that Redis carried out:
// the connection failed once the commit could have been sent (the primary
// died, a timeout), rather than Redis refusing it or the dial failing.
func answerLost(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false // nothing was sent
	}
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}

// committed reads the session back after a commit whose answer was lost,
// until Redis answers or verifyFor passes: the commit, atomic, was carried
// out when the stored session is the one it wrote.
func (r *Redis) committed(ctx context.Context, chatID int64, payload []byte) bool {
	ctx, cancel := context.WithTimeout(ctx, verifyFor)
	defer cancel()
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		raw, err := r.c.Get(ctx, r.sessionKey(chatID)).Bytes()
		if err == nil || errors.Is(err, redis.Nil) {
			return bytes.Equal(raw, payload)
		}
		if !sleepCtx(ctx, wait) {
			return false
		}
	}
}

// logger is the store's logger (SetLogger), else slog's default.
func (r *Redis) logger() *slog.Logger {
	if r.log == nil {
		return slog.Default()
	}
	return r.log
}

// commit is Commit's write, once the events are checked and the session
// encoded: one script without events, else one transaction.
func (r *Redis) commit(ctx context.Context, chatID int64, s *flows.Session, payload []byte, forget bool, events []flows.Event, claim string) error {
	if len(events) == 0 { // forgetting is an event
		return r.writeSession(ctx, chatID, s, payload, claim)
	}
	c := &commit{keyspace: r.keyspace, chatID: chatID, s: s, payload: payload, forget: forget, events: events, now: r.now(), offsets: r.eventOffsets()}
	if !forget {
		c.loaded = s.Loaded
	}
	for _, e := range events {
		if f, ok := e.(flows.Forgotten); ok {
			c.pseudonym = f.Pseudonym
		}
	}
	c.reset() // what the events' bookkeeping fills
	queue := func(p redis.Pipeliner) error {
		if err := c.queue(ctx, p); err != nil {
			return err
		}
		if claim != "" {
			p.PExpire(ctx, claim, UpdateClaimTTL)
		}
		return nil
	}
	watch := c.watchKeys()
	if len(watch) == 0 {
		// Nothing to read first: a plain MULTI/EXEC.
		if _, err := r.c.TxPipelined(ctx, queue); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	err := r.watched(ctx, func(tx *redis.Tx) error {
		if err := c.read(ctx, tx); err != nil {
			return err
		}
		_, err := tx.TxPipelined(ctx, queue)
		return err
	}, watch...)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sessionScript writes a session and its audience entries, and keeps the
// step's update claim, atomically: the whole commit of a step without
// events, as one command. KEYS: the session, the audience hash of each
// purpose (audienceKeys), then the update claim when there is one; ARGV: the
// session, its TTL in ms, the audience field, the claim's TTL in ms ("": no
// claim), the digest of the session as the step read it ("": write
// whatever is stored), then the entry in each hash ("": none). It returns
// 0, and writes nothing, when the stored session is no longer the one read,
// unless it is already the one to write: the client sends the script again
// when its answer was lost, and that try must find its own write, not a
// conflict.
var sessionScript = redis.NewScript(`
if ARGV[5] ~= '' then
  local stored = redis.call('GET', KEYS[1])
  if stored ~= ARGV[1] and redis.sha1hex(stored or '') ~= ARGV[5] then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 6, #ARGV do
  if ARGV[i] ~= '' then
    redis.call('HSET', KEYS[i - 4], ARGV[3], ARGV[i])
  else
    redis.call('HDEL', KEYS[i - 4], ARGV[3])
  end
end
if ARGV[4] ~= '' then
  redis.call('PEXPIRE', KEYS[#KEYS], ARGV[4])
end
return 1
`)

// writeSession is the commit of a step without events: the session and its
// audience entries (queueAudience's writes), and the step's update claim
// kept UpdateClaimTTL when claim names one, in one script rather than a
// transaction of five commands.
func (r *Redis) writeSession(ctx context.Context, chatID int64, s *flows.Session, payload []byte, claim string) error {
	hashes := r.audienceKeys()
	now := r.now()
	keys := make([]string, 0, 2+len(hashes))
	args := make([]any, 0, 5+len(hashes))
	keys = append(keys, r.sessionKey(chatID))
	args = append(args, payload, sessionTTL(s).Milliseconds(), audienceField(chatID), "", s.Loaded)
	if claim != "" {
		args[3] = claimKeptArg
	}
	for _, h := range hashes {
		v, _ := audienceValue(s, now, h.purpose) // "" when none
		keys, args = append(keys, h.key), append(args, v)
	}
	if claim != "" {
		keys = append(keys, claim)
	}
	written, err := sessionScript.Run(ctx, r.c, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if written == 0 {
		return fmt.Errorf("commit: session: %w", flows.ErrConflict)
	}
	return nil
}

// normalizeEvents dereferences pointer events, rejects unknown ones and
// reports whether the person is to be forgotten.
func normalizeEvents(events []flows.Event) ([]flows.Event, bool, error) {
	out := make([]flows.Event, 0, len(events))
	forget := false
	for _, e := range events {
		switch v := e.(type) {
		case flows.SourceScanned, flows.FeedbackGiven, flows.InviteCreated, flows.RoleGranted,
			flows.RoleRevoked, flows.Audited, flows.BroadcastQueued, flows.MeetingCreated,
			flows.RSVPGiven, flows.RemindersScheduled, flows.RemindersCancelled,
			flows.SurveySubmitted, flows.SurveyOutcomeSet, flows.RequestSaved, flows.NoticesRetracted:
			out = append(out, v)
		case flows.Forgotten:
			forget = true
			out = append(out, v)
		case *flows.SourceScanned, *flows.FeedbackGiven, *flows.Forgotten, *flows.InviteCreated,
			*flows.RoleGranted, *flows.RoleRevoked, *flows.Audited, *flows.BroadcastQueued,
			*flows.MeetingCreated, *flows.RSVPGiven, *flows.RemindersScheduled, *flows.RemindersCancelled,
			*flows.SurveySubmitted, *flows.SurveyOutcomeSet, *flows.RequestSaved, *flows.NoticesRetracted:
			d, ok := deref(v)
			if !ok {
				return nil, false, fmt.Errorf("nil event %T", e)
			}
			if _, f := d.(flows.Forgotten); f {
				forget = true
			}
			out = append(out, d)
		default:
			return nil, false, fmt.Errorf("unknown event %T", e)
		}
	}
	return out, forget, nil
}

// deref returns the value a known pointer event points to, false when nil.
func deref(e flows.Event) (flows.Event, bool) {
	switch p := e.(type) {
	case *flows.SourceScanned:
		return derefOf(p)
	case *flows.FeedbackGiven:
		return derefOf(p)
	case *flows.Forgotten:
		return derefOf(p)
	case *flows.InviteCreated:
		return derefOf(p)
	case *flows.RoleGranted:
		return derefOf(p)
	case *flows.RoleRevoked:
		return derefOf(p)
	case *flows.Audited:
		return derefOf(p)
	case *flows.BroadcastQueued:
		return derefOf(p)
	case *flows.MeetingCreated:
		return derefOf(p)
	case *flows.RSVPGiven:
		return derefOf(p)
	case *flows.RemindersScheduled:
		return derefOf(p)
	case *flows.RemindersCancelled:
		return derefOf(p)
	case *flows.SurveySubmitted:
		return derefOf(p)
	case *flows.SurveyOutcomeSet:
		return derefOf(p)
	case *flows.RequestSaved:
		return derefOf(p)
	case *flows.NoticesRetracted:
		return derefOf(p)
	}
	return nil, false
}

func derefOf[T flows.Event](p *T) (flows.Event, bool) {
	if p == nil {
		return nil, false
	}
	return *p, true
}

// commit is one Commit being written: what to write, and what was read under
// WATCH before writing it.
type commit struct {
	keyspace
	chatID  int64
	s       *flows.Session
	payload []byte // the encoded session; nil when forgetting
	forget  bool
	events  []flows.Event
	now     time.Time
	offsets []time.Duration // when the people coming to a meeting are reminded of it

	// Read under WATCH by read.
	invites   map[string]bool    // token → the invitation still exists
	invitedBy map[int64][]string // revoked chat → tokens of the invitations it created
	listed    map[int64][]string // chat → territories whose staff set may list it
	jobs      map[string]bool    // job id → already queued

	meetings map[string]*flows.Meeting // meeting id → the meeting answered; nil when unknown
	answered []string                  // the meetings the forgotten person answered
	waiting  map[string][]string       // meeting id → the chat ids on its waiting list

	loaded string // the session's digest as the step read it ("": no check)

	pseudonym string   // the forgotten person's survey pseudonym
	surveys   []string // the surveys they answered

	previous map[string]*flows.HelpRequest // ref → the request as it was before this commit; nil when new
}

// watchKeys lists the keys whose current value decides what Commit writes.
func (c *commit) watchKeys() []string {
	var keys []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if c.loaded != "" {
		add(c.sessionKey(c.chatID))
	}
	if c.forget {
		add(c.roleKey(c.chatID))
		add(c.invitesByKey(c.chatID))
		add(c.myMeetingsKey(c.chatID))
		if c.pseudonym != "" {
			add(c.answeredKey(c.pseudonym))
		}
	}
	for _, e := range c.events {
		switch e := e.(type) {
		case flows.RoleGranted:
			add(c.inviteKey(e.Token))
			add(c.roleKey(e.ChatID))
		case flows.RoleRevoked:
			add(c.roleKey(e.ChatID))
			add(c.invitesByKey(e.ChatID))
		case flows.BroadcastQueued:
			add(c.jobKey(e.Job.ID))
		case flows.RSVPGiven:
			add(c.meetingKey(e.MeetingID))
		case flows.RequestSaved:
			add(c.requestKey(e.Request.Ref))
		case flows.NoticesRetracted:
			add(c.noticesKey(e.Ref))
		}
	}
	return keys
}

// reset forgets what a previous attempt read.
func (c *commit) reset() {
	c.invites = map[string]bool{}
	c.invitedBy = map[int64][]string{}
	c.listed = map[int64][]string{}
	c.jobs = map[string]bool{}
	c.meetings = map[string]*flows.Meeting{}
	c.answered = nil
	c.waiting = map[string][]string{}
	c.surveys = nil
	c.previous = map[string]*flows.HelpRequest{}
}

// read fetches, under WATCH, what the events depend on.
func (c *commit) read(ctx context.Context, tx *redis.Tx) error {
	c.reset()
	if c.loaded != "" {
		raw, err := tx.Get(ctx, c.sessionKey(c.chatID)).Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("read session: %w", err)
		}
		if digest(raw) != c.loaded {
			return fmt.Errorf("session: %w", flows.ErrConflict)
		}
	}
	if c.forget {
		if err := c.readForgotten(ctx, tx); err != nil {
			return err
		}
	}
	if err := c.readMeetings(ctx, tx); err != nil {
		return err
	}
	for _, e := range c.events {
		switch e := e.(type) {
		case flows.RoleGranted:
			n, err := tx.Exists(ctx, c.inviteKey(e.Token)).Result()
			if err != nil {
				return fmt.Errorf("read invitation: %w", err)
			}
			c.invites[e.Token] = n == 1
			if err := c.readListed(ctx, tx, e.ChatID); err != nil {
				return err
			}
		case flows.RoleRevoked:
			if err := c.readListed(ctx, tx, e.ChatID); err != nil {
				return err
			}
			if err := c.readInvites(ctx, tx, e.ChatID); err != nil {
				return err
			}
		case flows.BroadcastQueued:
			n, err := tx.Exists(ctx, c.jobKey(e.Job.ID)).Result()
			if err != nil {
				return fmt.Errorf("read job: %w", err)
			}
			c.jobs[e.Job.ID] = n == 1
		case flows.RequestSaved:
			if err := c.readRequest(ctx, tx, e); err != nil {
				return err
			}
		case flows.NoticesRetracted:
			if err := c.readNotices(ctx, tx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// readForgotten reads, under WATCH, what erasing the person depends on:
// their role, the invitations they created, the meetings and the surveys
// they answered, in one pipeline (each answer is checked by its reader).
func (c *commit) readForgotten(ctx context.Context, tx *redis.Tx) error {
	var (
		role              *redis.StringCmd
		invites, meetings *redis.StringSliceCmd
		surveys           *redis.StringSliceCmd // nil without a pseudonym
	)
	_, _ = tx.Pipelined(ctx, func(p redis.Pipeliner) error {
		role = p.Get(ctx, c.roleKey(c.chatID))
		invites = p.SMembers(ctx, c.invitesByKey(c.chatID))
		meetings = p.SMembers(ctx, c.myMeetingsKey(c.chatID))
		if c.pseudonym != "" {
			surveys = p.SMembers(ctx, c.answeredKey(c.pseudonym))
		}
		return nil
	})
	if err := c.listedRead(ctx, tx, c.chatID, role); err != nil {
		return err
	}
	if err := c.invitesRead(c.chatID, invites); err != nil {
		return err
	}
	if err := c.readAnswered(ctx, tx, meetings); err != nil {
		return err
	}
	return c.readSurveysAnswered(surveys)
}

// queue adds the writes to the transaction; an error discards them all.
func (c *commit) queue(ctx context.Context, p redis.Pipeliner) error {
	if c.forget {
		if err := c.forgetAnswers(ctx, p); err != nil {
			return err
		}
		c.forgetSubmissions(ctx, p)
		purgeReminders.Eval(ctx, p, []string{c.remindersKey(), c.myRemindersKey(c.chatID)})
		p.Del(ctx, c.userKeys(c.chatID)...)
		c.revoke(ctx, p, c.chatID) // a forgotten staff member's invitations name them
		for _, h := range c.audienceKeys() {
			p.HDel(ctx, h.key, audienceField(c.chatID))
		}
	} else {
		p.Set(ctx, c.sessionKey(c.chatID), c.payload, sessionTTL(c.s))
		c.queueAudience(ctx, p, c.chatID, c.s, c.now)
	}
	if c.erases() {
		c.markErased(ctx, p, c.now)
	}
	for _, e := range c.events {
		switch e := e.(type) {
		case flows.SourceScanned:
			p.HIncrBy(ctx, c.sourceKey(e.Territory), e.Source, 1)
		case flows.FeedbackGiven:
			p.HIncrBy(ctx, c.feedbackKey(e.Lang), feedbackField(e.MessageID, e.Kind), 1)
		case flows.Forgotten:
			// handled above
		case flows.InviteCreated:
			if err := c.queueInvite(ctx, p, e.Invite, c.now); err != nil {
				return err
			}
		case flows.RoleGranted:
			if err := c.grant(ctx, p, e); err != nil {
				return err
			}
		case flows.RoleRevoked:
			c.revoke(ctx, p, e.ChatID)
		case flows.Audited:
			c.queueAudit(ctx, p, e.Entry, c.now)
		case flows.BroadcastQueued:
			if err := c.enqueue(ctx, p, e); err != nil {
				return err
			}
		case flows.MeetingCreated:
			if err := c.queueMeeting(ctx, p, e.Meeting, c.now); err != nil {
				return err
			}
		case flows.RSVPGiven:
			if err := c.answer(ctx, p, e); err != nil {
				return err
			}
		case flows.RemindersScheduled:
			if err := c.schedule(ctx, p, e); err != nil {
				return err
			}
		case flows.RemindersCancelled:
			if !c.forget || e.ChatID != c.chatID {
				c.cancel(ctx, p, e)
			}
		case flows.SurveySubmitted:
			if c.forget {
				continue // forgetting wins over the answers of the same Commit
			}
			if err := c.queueSubmission(ctx, p, e); err != nil {
				return err
			}
		case flows.SurveyOutcomeSet:
			if err := c.queueOutcome(ctx, p, e); err != nil {
				return err
			}
		case flows.RequestSaved:
			if err := c.queueRequest(ctx, p, e); err != nil {
				return err
			}
		case flows.NoticesRetracted:
			p.Del(ctx, c.noticesKey(e.Ref))
		default:
			return fmt.Errorf("unknown event %T", e)
		}
	}
	return nil
}

// ReleaseUpdate forgets a claim so that a redelivery of the update is handled again.
func (r *Redis) ReleaseUpdate(ctx context.Context, updateID int64) error {
	if err := r.c.Del(ctx, r.updateKey(updateID)).Err(); err != nil {
		return fmt.Errorf("release update: %w", err)
	}
	return nil
}

// SourceCounts returns how many times each deep-link source of a territory was scanned.
func (r *Redis) SourceCounts(ctx context.Context, territory string) (map[string]int64, error) {
	m, err := r.counts(ctx, r.sourceKey(territory))
	if err != nil {
		return nil, fmt.Errorf("source counts: %w", err)
	}
	return m, nil
}

// FeedbackCounts returns the feedback counts of a language, keyed "messageID|kind".
func (r *Redis) FeedbackCounts(ctx context.Context, lang string) (map[string]int64, error) {
	m, err := r.counts(ctx, r.feedbackKey(lang))
	if err != nil {
		return nil, fmt.Errorf("feedback counts: %w", err)
	}
	return m, nil
}

// counts reads a hash of integer counters.
func (r *Redis) counts(ctx context.Context, key string) (map[string]int64, error) {
	h, err := r.c.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	m := make(map[string]int64, len(h))
	for field, v := range h {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("field %q is not a count: %w", field, err)
		}
		m[field] = n
	}
	return m, nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// MemoryUsage returns the bytes Redis uses for the person's session, as MEMORY USAGE reports them.
func (r *Redis) MemoryUsage(ctx context.Context, chatID int64) (int64, error) {
	n, err := r.c.MemoryUsage(ctx, r.sessionKey(chatID)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, flows.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("memory usage (the server may not support MEMORY USAGE): %w", err)
	}
	return n, nil
}

// Close closes the client and stops the embedded server, if any.
func (r *Redis) Close() error {
	err := r.c.Close()
	if r.mini != nil {
		r.mini.Close()
	}
	if err != nil {
		return fmt.Errorf("close redis: %w", err)
	}
	return nil
}
