package storage

// What the dashboard's broadcasts page keeps: news scheduled for later
// (newsKey, newsDueKey), which flows.NewsJob queues when due, and the
// history of a territory's broadcast jobs (territoryJobsKey).

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

var _ flows.NewsStore = (*Redis)(nil)

// ScheduleNews keeps n until n.At, when flows.NewsJob queues it. Scheduling
// the same id again replaces it.
func (r *Redis) ScheduleNews(ctx context.Context, n flows.News) error {
	if n.ID == "" || n.Territory == "" || n.At.IsZero() {
		return errors.New("schedule news: need an id, a territory and a time")
	}
	raw, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("schedule news: encode: %w", err)
	}
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.newsKey(), n.ID, raw)
		p.ZAdd(ctx, r.newsDueKey(), redis.Z{Score: float64(n.At.UnixMilli()), Member: n.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("schedule news: %w", err)
	}
	return nil
}

// ScheduledNews are the news of territory still scheduled, soonest first;
// an unreadable entry is left out.
func (r *Redis) ScheduledNews(ctx context.Context, territory string) ([]flows.News, error) {
	all, err := r.c.HVals(ctx, r.newsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("scheduled news: %w", err)
	}
	var out []flows.News
	for _, raw := range all {
		var n flows.News
		if json.Unmarshal([]byte(raw), &n) == nil && n.Territory == territory {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b flows.News) int { return a.At.Compare(b.At) })
	return out, nil
}

// News returns scheduled news, nil when it is unknown, sent or cancelled.
func (r *Redis) News(ctx context.Context, id string) (*flows.News, error) {
	raw, err := r.c.HGet(ctx, r.newsKey(), id).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load news: %w", err)
	}
	var n flows.News
	if err := json.Unmarshal([]byte(raw), &n); err != nil {
		return nil, fmt.Errorf("load news %s: %w: %w", id, flows.ErrCorrupt, err)
	}
	return &n, nil
}

// DueNews returns up to limit scheduled news due at now, soonest first. An id
// whose entry is gone or unreadable is dropped.
func (r *Redis) DueNews(ctx context.Context, now time.Time, limit int) ([]flows.News, error) {
	ids, err := r.c.ZRangeByScore(ctx, r.newsDueKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("due news: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	raws, err := r.c.HMGet(ctx, r.newsKey(), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("due news: %w", err)
	}
	var out []flows.News
	for i, raw := range raws {
		var n flows.News
		if s, ok := raw.(string); ok && json.Unmarshal([]byte(s), &n) == nil {
			out = append(out, n)
			continue
		}
		if err := r.DoneNews(ctx, ids[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DoneNews removes scheduled news; it reports nothing when they were gone.
func (r *Redis) DoneNews(ctx context.Context, id string) error {
	if _, err := r.CancelNews(ctx, id); err != nil {
		return fmt.Errorf("news done: %w", err)
	}
	return nil
}

// CancelNews removes scheduled news before they go out, and reports whether
// they were still scheduled.
func (r *Redis) CancelNews(ctx context.Context, id string) (bool, error) {
	var zrem *redis.IntCmd
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		zrem = p.ZRem(ctx, r.newsDueKey(), id)
		p.HDel(ctx, r.newsKey(), id)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("cancel news: %w", err)
	}
	return zrem.Val() == 1, nil
}

// TerritoryJobs returns the status of up to n of territory's broadcast jobs
// (news and survey outcomes, from the bot or the dashboard), newest first.
func (r *Redis) TerritoryJobs(ctx context.Context, territory string, n int) ([]flows.JobStatus, error) {
	key := r.territoryJobsKey(territory)
	cutoff := r.now().Add(-JobTTL).UnixMilli()
	if err := r.c.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(cutoff, 10)).Err(); err != nil {
		return nil, fmt.Errorf("trim jobs: %w", err)
	}
	ids, err := r.c.ZRevRange(ctx, key, 0, int64(n)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, r.jobKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load jobs: %w", err)
	}
	out := make([]flows.JobStatus, 0, len(ids))
	for i, c := range cmds {
		if len(c.Val()) == 0 {
			continue
		}
		st, err := decodeJob(c.Val())
		if err != nil {
			return nil, fmt.Errorf("load job %s: %w", ids[i], err)
		}
		out = append(out, st)
	}
	return out, nil
}
