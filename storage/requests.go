package storage

// Help requests: one JSON value per request, the person's set of requests
// (for /mydata and /forget), a sorted set per territory (for the dashboard
// and the follow-up job), and monthly counts that outlive the requests.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

var _ flows.Requests = (*Redis)(nil)

// Request returns the request with this reference; nil when unknown.
func (r *Redis) Request(ctx context.Context, ref string) (*flows.HelpRequest, error) {
	return r.loadRequest(ctx, r.c, ref)
}

func (k keyspace) loadRequest(ctx context.Context, c redis.Cmdable, ref string) (*flows.HelpRequest, error) {
	req, err := getJSON[flows.HelpRequest](ctx, c, k.requestKey(ref))
	if err != nil {
		return nil, fmt.Errorf("load request %s: %w", ref, err)
	}
	return req, nil
}

// MyRequests returns the person's requests still kept, newest first.
func (r *Redis) MyRequests(ctx context.Context, chatID int64) ([]flows.HelpRequest, error) {
	refs, err := r.c.SMembers(ctx, r.myRequestsKey(chatID)).Result()
	if err != nil {
		return nil, fmt.Errorf("load my requests: %w", err)
	}
	out, err := r.requests(ctx, refs)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b flows.HelpRequest) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// TerritoryRequests returns the territory's requests created since, oldest first.
func (r *Redis) TerritoryRequests(ctx context.Context, territory string, since time.Time) ([]flows.HelpRequest, error) {
	refs, err := r.c.ZRangeByScore(ctx, r.territoryRequestsKey(territory), &redis.ZRangeBy{
		Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("load requests: %w", err)
	}
	out, err := r.requests(ctx, refs)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b flows.HelpRequest) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// requests loads the requests still kept among refs.
func (r *Redis) requests(ctx context.Context, refs []string) ([]flows.HelpRequest, error) {
	reqs, err := fetchJSON[flows.HelpRequest](ctx, r.c, refs, r.requestKey)
	if err != nil {
		return nil, fmt.Errorf("load requests: %w", err)
	}
	out := make([]flows.HelpRequest, 0, len(reqs))
	for _, req := range reqs {
		if req != nil { // nil: erased after its retention
			out = append(out, *req)
		}
	}
	return out, nil
}

// requestExpiry is when a request is erased: a year after it closed, or
// after its last change while it is open.
func requestExpiry(req flows.HelpRequest) time.Time {
	if !req.Closed.IsZero() {
		return req.Closed.Add(flows.RequestRetention)
	}
	return req.Updated.Add(flows.RequestRetention)
}

// readRequest reads, under WATCH, the status of a request about to be saved.
func (c *commit) readRequest(ctx context.Context, tx *redis.Tx, e flows.RequestSaved) error {
	cur, err := c.loadRequest(ctx, tx, e.Request.Ref)
	if err != nil {
		return err
	}
	switch {
	case e.Expect == "" && cur != nil:
		return fmt.Errorf("request %s exists: %w", e.Request.Ref, flows.ErrConflict)
	case e.Expect != "" && (cur == nil || cur.Status != e.Expect):
		return fmt.Errorf("request %s changed: %w", e.Request.Ref, flows.ErrConflict)
	}
	c.previous[e.Request.Ref] = cur
	return nil
}

// queueRequest writes a request and keeps its indexes and counts.
func (c *commit) queueRequest(ctx context.Context, p redis.Pipeliner, e flows.RequestSaved) error {
	req := e.Request
	v, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	expires := requestExpiry(req)
	p.Set(ctx, c.requestKey(req.Ref), v, 0)
	p.ExpireAt(ctx, c.requestKey(req.Ref), expires)
	p.ExpireAt(ctx, c.noticesKey(req.Ref), expires) // nothing when none was delivered yet
	if req.Requester != 0 {
		mine := c.myRequestsKey(req.Requester)
		p.SAdd(ctx, mine, req.Ref)
		extendTo.Eval(ctx, p, []string{mine}, expires.UnixMilli())
	}
	ter := c.territoryRequestsKey(req.Territory)
	p.ZAdd(ctx, ter, redis.Z{Score: float64(req.Created.UnixMilli()), Member: req.Ref})
	p.ZRemRangeByScore(ctx, ter, "-inf", strconv.FormatInt(c.now.Add(-2*flows.RequestRetention).UnixMilli(), 10))
	prev := c.previous[req.Ref]
	month := c.needsKey(req.Territory, req.Created)
	if prev == nil {
		p.HIncrBy(ctx, month, req.Need+"|created", 1)
	}
	if req.Status == flows.StatusResolved && (prev == nil || prev.Status != flows.StatusResolved) {
		p.HIncrBy(ctx, month, req.Need+"|resolved", 1)
	}
	return nil
}

// NeedCounts returns the monthly counts of a territory ("need|created",
// "need|resolved"), kept after the requests themselves are erased.
func (r *Redis) NeedCounts(ctx context.Context, territory string, month time.Time) (map[string]int64, error) {
	m, err := r.counts(ctx, r.needsKey(territory, month))
	if err != nil {
		return nil, fmt.Errorf("need counts: %w", err)
	}
	return m, nil
}

// Notices returns where the request's notices were delivered and not yet
// retracted, by chat then message.
func (r *Redis) Notices(ctx context.Context, ref string) ([]flows.Notice, error) {
	members, err := r.c.SMembers(ctx, r.noticesKey(ref)).Result()
	if err != nil {
		return nil, fmt.Errorf("load notices: %w", err)
	}
	return decodeNotices(members), nil
}

// noticeMember is a notice as a member of noticesKey: "chat:message".
func noticeMember(n flows.Notice) string {
	return strconv.FormatInt(n.ChatID, 10) + ":" + strconv.Itoa(n.MessageID)
}

// decodeNotices reads members of noticesKey, dropping unreadable ones.
func decodeNotices(members []string) []flows.Notice {
	out := make([]flows.Notice, 0, len(members))
	for _, m := range members {
		chat, msg, _ := strings.Cut(m, ":")
		c, err1 := strconv.ParseInt(chat, 10, 64)
		id, err2 := strconv.Atoi(msg)
		if err1 == nil && err2 == nil {
			out = append(out, flows.Notice{ChatID: c, MessageID: id})
		}
	}
	slices.SortFunc(out, func(a, b flows.Notice) int {
		if a.ChatID != b.ChatID {
			return cmp.Compare(a.ChatID, b.ChatID)
		}
		return cmp.Compare(a.MessageID, b.MessageID)
	})
	return out
}

// recordNotice adds member ARGV[1] to the notice set KEYS[2] of the request
// KEYS[1], expiring with the request, and returns 1; it records nothing and
// returns 0 when the request is gone or withdrawn.
var recordNotice = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, req = pcall(cjson.decode, v)
if ok and type(req) == 'table' and req.status == 'withdrawn' then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
`)

// Delivered records where a message showing what a person wrote in a
// request (flows.NoticeRequest) was delivered, so that a withdrawal edits it
// away. It reports whether the message may stay: false when its request was
// withdrawn, or erased, while it was on its way. Other messages are neither
// recorded nor read.
func (r *Redis) Delivered(ctx context.Context, d flows.Delivery, messageID int) (bool, error) {
	ref, ok := flows.NoticeRequest(d.Bulk.Job)
	if !ok {
		return true, nil
	}
	member := noticeMember(flows.Notice{ChatID: d.Bulk.ChatID, MessageID: messageID})
	kept, err := recordNotice.Run(ctx, r.c, []string{r.requestKey(ref), r.noticesKey(ref)}, member).Int()
	if err != nil {
		return true, fmt.Errorf("record notice: %w", err)
	}
	return kept == 1, nil
}

// noticeShown reports whether a notice of the request ref may still be
// sent: the request exists and is not withdrawn.
func (r *Redis) noticeShown(ctx context.Context, ref string) (bool, error) {
	req, err := r.Request(ctx, ref)
	if err != nil {
		return false, err
	}
	return req != nil && req.Status != flows.StatusWithdrawn, nil
}

// readNotices checks, under WATCH, that the notices a step retracts are
// all those the store holds; otherwise one was delivered meanwhile, and
// the step is played again.
func (c *commit) readNotices(ctx context.Context, tx *redis.Tx, e flows.NoticesRetracted) error {
	held, err := tx.SMembers(ctx, c.noticesKey(e.Ref)).Result()
	if err != nil {
		return fmt.Errorf("read notices: %w", err)
	}
	retracted := make(map[string]bool, len(e.Notices))
	for _, n := range e.Notices {
		retracted[noticeMember(n)] = true
	}
	if len(held) != len(retracted) || slices.ContainsFunc(held, func(m string) bool { return !retracted[m] }) {
		return fmt.Errorf("notices of request %s: %w", e.Ref, flows.ErrConflict)
	}
	return nil
}
