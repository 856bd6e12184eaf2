package storage

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Park keeps polled updates, by update id, until their chat's turn. The
// entries hold what a person wrote: each leaves as its update is claimed,
// and the inbox expires InboxTTL after its last write.
func (r *Redis) Park(ctx context.Context, entries map[int64][]byte) error {
	if len(entries) == 0 {
		return nil
	}
	values := make([]any, 0, 2*len(entries))
	for id, e := range entries {
		values = append(values, strconv.FormatInt(id, 10), e)
	}
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.inboxKey(), values...)
		p.Expire(ctx, r.inboxKey(), InboxTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("park updates: %w", err)
	}
	return nil
}

// Parked returns every update the inbox keeps.
func (r *Redis) Parked(ctx context.Context) (map[int64][]byte, error) {
	m, err := r.c.HGetAll(ctx, r.inboxKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("parked updates: %w", err)
	}
	out := make(map[int64][]byte, len(m))
	for k, v := range m {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			continue // not ours to read; it expires with the inbox
		}
		out[id] = []byte(v)
	}
	return out, nil
}

// ClaimParked claims an update as Open does and, in the same
// transaction, takes it out of the inbox.
func (r *Redis) ClaimParked(ctx context.Context, updateID int64) (bool, error) {
	var set *redis.BoolCmd
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetNX(ctx, r.updateKey(updateID), 1, UpdateClaimTTL)
		p.HDel(ctx, r.inboxKey(), strconv.FormatInt(updateID, 10))
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("claim parked update: %w", err)
	}
	return set.Val(), nil
}

// ReleaseParked undoes ClaimParked: the claim goes and the entry is back in
// the inbox, to be handled again.
func (r *Redis) ReleaseParked(ctx context.Context, updateID int64, entry []byte) error {
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, r.updateKey(updateID))
		p.HSet(ctx, r.inboxKey(), strconv.FormatInt(updateID, 10), entry)
		p.Expire(ctx, r.inboxKey(), InboxTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("release parked update: %w", err)
	}
	return nil
}
