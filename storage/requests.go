package storage

// Help requests: one JSON value per request, the person's set of requests
// (for /mydata and /forget), a sorted set per territory (for the dashboard
// and the follow-up job), and monthly counts that outlive the requests.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

var _ flows.Requests = (*Redis)(nil)

// Request returns the request with this reference; nil when unknown.
func (r *Redis) Request(ctx context.Context, ref string) (*flows.HelpRequest, error) {
	return loadRequest(ctx, r.c, ref)
}

func loadRequest(ctx context.Context, c redis.Cmdable, ref string) (*flows.HelpRequest, error) {
	v, err := c.Get(ctx, requestKey(ref)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load request: %w", err)
	}
	var req flows.HelpRequest
	if err := json.Unmarshal(v, &req); err != nil {
		return nil, fmt.Errorf("load request %s: %w", ref, err)
	}
	return &req, nil
}

// MyRequests returns the person's requests still kept, newest first.
func (r *Redis) MyRequests(ctx context.Context, chatID int64) ([]flows.HelpRequest, error) {
	refs, err := r.c.SMembers(ctx, myRequestsKey(chatID)).Result()
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
	refs, err := r.c.ZRangeByScore(ctx, territoryRequestsKey(territory), &redis.ZRangeBy{
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
	if len(refs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(refs))
	for i, ref := range refs {
		keys[i] = requestKey(ref)
	}
	vals, err := r.c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("load requests: %w", err)
	}
	out := make([]flows.HelpRequest, 0, len(vals))
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // erased after its retention
		}
		var req flows.HelpRequest
		if json.Unmarshal([]byte(s), &req) == nil {
			out = append(out, req)
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
	cur, err := loadRequest(ctx, tx, e.Request.Ref)
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
	p.Set(ctx, requestKey(req.Ref), v, 0)
	p.ExpireAt(ctx, requestKey(req.Ref), expires)
	if req.Requester != 0 {
		mine := myRequestsKey(req.Requester)
		p.SAdd(ctx, mine, req.Ref)
		extendTo.Eval(ctx, p, []string{mine}, expires.UnixMilli())
	}
	ter := territoryRequestsKey(req.Territory)
	p.ZAdd(ctx, ter, redis.Z{Score: float64(req.Created.UnixMilli()), Member: req.Ref})
	p.ZRemRangeByScore(ctx, ter, "-inf", strconv.FormatInt(c.now.Add(-2*flows.RequestRetention).UnixMilli(), 10))
	prev := c.previous[req.Ref]
	month := needsKey(req.Territory, req.Created)
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
	m, err := r.counts(ctx, needsKey(territory, month))
	if err != nil {
		return nil, fmt.Errorf("need counts: %w", err)
	}
	return m, nil
}
