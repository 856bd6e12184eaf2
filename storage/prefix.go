package storage

import (
	"context"
	"fmt"
	"strings"
)

// SetPrefix namespaces every key this store reads and writes under p
// (default LegacyPrefix), so that several bots can share one Redis
// database. Call it before use; CheckPrefix says which prefixes are valid.
func (r *Redis) SetPrefix(p string) error {
	if err := CheckPrefix(p); err != nil {
		return err
	}
	r.keyspace = keyspace{p}
	return nil
}

// CheckPrefix reports whether p can prefix keys: 1 to 64 printable ASCII
// characters, without spaces or the glob characters * ? [ ] \ (the store
// matches its own keys with patterns).
func CheckPrefix(p string) error {
	if p == "" || len(p) > 64 {
		return fmt.Errorf("key prefix %q: want 1 to 64 characters", p)
	}
	for _, c := range p {
		if c <= ' ' || c > '~' || strings.ContainsRune(`*?[]\`, c) {
			return fmt.Errorf("key prefix %q: %q is not allowed (printable ASCII without spaces or * ? [ ] \\)", p, c)
		}
	}
	return nil
}

// HasLegacyData reports whether the keys of a store that ran before
// prefixes could be configured are still under LegacyPrefix while this store
// uses another prefix: a bot started on its new prefix would then not see
// its people, jobs and answers. It looks for the outbox stream, which every
// serve creates at start. Always false when the prefix is LegacyPrefix.
func (r *Redis) HasLegacyData(ctx context.Context) (bool, error) {
	if r.prefix == LegacyPrefix {
		return false, nil
	}
	n, err := r.c.Exists(ctx, keyspace{LegacyPrefix}.outboxKey()).Result()
	if err != nil {
		return false, fmt.Errorf("look for keys under %q: %w", LegacyPrefix, err)
	}
	return n > 0, nil
}

// MovePrefix renames every key under the prefix from to the same name under
// this store's prefix, keeping values, TTLs and the outbox's consumer group,
// and returns how many it moved. Run it with every bot of that prefix
// stopped. It never overwrites: a key whose new name exists stops it with an
// error naming the key, and what was moved stays moved, so that running it
// again after resolving the conflict finishes the job.
func (r *Redis) MovePrefix(ctx context.Context, from string) (int, error) {
	if err := CheckPrefix(from); err != nil {
		return 0, err
	}
	if from == r.prefix {
		return 0, fmt.Errorf("move keys: the prefix is already %q", from)
	}
	moved := 0
	iter := r.c.Scan(ctx, 0, from+"*", 1000).Iterator()
	for iter.Next(ctx) {
		old := iter.Val()
		if strings.HasPrefix(old, r.prefix) {
			continue // already under the new prefix (which may start with the old one)
		}
		to := r.prefix + strings.TrimPrefix(old, from)
		ok, err := r.c.RenameNX(ctx, old, to).Result()
		if err != nil && strings.Contains(err.Error(), "no such key") {
			continue // expired since the scan found it
		}
		if err != nil {
			return moved, fmt.Errorf("move key %q: %w", old, err)
		}
		if !ok {
			return moved, fmt.Errorf("move key %q: %q already exists; nothing was overwritten", old, to)
		}
		moved++
	}
	if err := iter.Err(); err != nil {
		return moved, fmt.Errorf("move keys under %q: %w", from, err)
	}
	return moved, nil
}
