package storage

// Erasure that reaches the disk. Redis's append-only file (AOF) keeps every
// write, deleted values included, until Redis rewrites it from the live data
// (on its own only once the file has doubled past 64 MB). An erasure marks
// erasedKey; RewriteAfterErasure, run every minute, then asks for a rewrite
// at most once per RewriteEvery across replicas, and RewriteAOF is the daily
// rewrite that also takes out what expired or was deleted routinely.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// RewriteEvery is the least time between two rewrites asked for after
// erasures: a deleted item leaves the append-only file within about this
// long (plus the minute of the tick and the rewrite itself).
const RewriteEvery = time.Hour

var (
	// ErrRewriteRefused: the server refuses BGREWRITEAOF (renamed or
	// disabled, as managed services may do, or not permitted to this user).
	ErrRewriteRefused = errors.New("redis refuses BGREWRITEAOF")
	// ErrNoAOF: the server keeps no append-only file (appendonly no, or the
	// embedded store): there is nothing to rewrite.
	ErrNoAOF = errors.New("redis keeps no append-only file")
	// ErrRewriteBusy: a rewrite was already under way, which may have
	// started before the erasure; the next tick asks again.
	ErrRewriteBusy = errors.New("an append-only file rewrite is already under way")
)

// erases reports whether the commit erases personal data: the person is
// forgotten, or a staff member's role is revoked.
func (c *commit) erases() bool {
	return c.forget || slices.ContainsFunc(c.events, func(e flows.Event) bool {
		_, ok := e.(flows.RoleRevoked)
		return ok
	})
}

// markErased records, with the erasure, that the append-only file holds
// erased data until its next rewrite.
func (k keyspace) markErased(ctx context.Context, p redis.Pipeliner, now time.Time) {
	p.Set(ctx, k.erasedKey(), now.UnixMilli(), erasedTTL)
}

// RewriteAfterErasure asks Redis to rewrite its append-only file when
// something was erased since the last rewrite and no replica asked within
// RewriteEvery. It reports whether it asked. ErrRewriteBusy frees the turn
// for the next call; ErrRewriteRefused and ErrNoAOF keep it, so that a
// server that refuses is asked once an hour.
func (r *Redis) RewriteAfterErasure(ctx context.Context) (bool, error) {
	n, err := r.c.Exists(ctx, r.erasedKey()).Result()
	if err != nil {
		return false, fmt.Errorf("rewrite after erasure: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	ok, err := r.c.SetNX(ctx, r.rewriteKey(), 1, RewriteEvery).Result()
	if err != nil {
		return false, fmt.Errorf("rewrite after erasure: %w", err)
	}
	if !ok {
		return false, nil
	}
	err = r.RewriteAOF(ctx)
	if errors.Is(err, ErrRewriteBusy) {
		if derr := r.c.Del(ctx, r.rewriteKey()).Err(); derr != nil {
			err = errors.Join(err, fmt.Errorf("free the rewrite turn: %w", derr))
		}
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// RewriteAOF asks Redis to rewrite its append-only file now, from the live
// data only (BGREWRITEAOF; Redis may schedule it after a snapshot under
// way). It returns once Redis accepted; the rewrite runs in the background.
func (r *Redis) RewriteAOF(ctx context.Context) error {
	if r.mini != nil {
		return ErrNoAOF
	}
	// With appendonly off, BGREWRITEAOF would write a new copy of the data.
	// A server that refuses INFO is asked anyway.
	if info, err := r.c.Info(ctx, "persistence").Result(); err == nil && strings.Contains(info, "aof_enabled:0") {
		return ErrNoAOF
	}
	// What is erased from here on needs the next rewrite; what was erased
	// before is out of this one, which copies the data Redis holds when it starts.
	if err := r.c.Del(ctx, r.erasedKey()).Err(); err != nil {
		return fmt.Errorf("rewrite append-only file: %w", err)
	}
	err := r.c.BgRewriteAOF(ctx).Err()
	if err == nil {
		return nil
	}
	// Not rewritten: the erasures still need a rewrite.
	if merr := r.c.Set(ctx, r.erasedKey(), r.now().UnixMilli(), erasedTTL).Err(); merr != nil {
		err = errors.Join(err, merr)
	}
	var reply redis.Error
	switch {
	case strings.Contains(err.Error(), "already in progress"):
		return fmt.Errorf("%w: %w", ErrRewriteBusy, err)
	case errors.As(err, &reply):
		return fmt.Errorf("%w: %w", ErrRewriteRefused, err)
	}
	return fmt.Errorf("rewrite append-only file: %w", err)
}
