package storage

// The audit log: one stream entry per privileged action, with who, what,
// where and how many, never contents, kept flows.AuditRetention.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// queueAudit appends an entry and trims, in the same command, entries older
// than flows.AuditRetention. The trimming is approximate ("~": whole stream
// nodes only, cheap); Audit never returns the few older entries it leaves.
func (k keyspace) queueAudit(ctx context.Context, p redis.Pipeliner, e flows.AuditEntry, now time.Time) {
	at := e.At
	if at.IsZero() {
		at = now
	}
	p.XAdd(ctx, &redis.XAddArgs{
		Stream: k.auditKey(),
		MinID:  auditMinID(now),
		Approx: true,
		ID:     "*",
		Values: []any{
			"at", at.UnixMilli(),
			"actor", e.Actor,
			"role", string(e.Role),
			"action", e.Action,
			"territory", e.Territory,
			"count", e.Count,
		},
	})
}

// auditMinID is the oldest stream id still within flows.AuditRetention.
func auditMinID(now time.Time) string {
	return strconv.FormatInt(now.Add(-flows.AuditRetention).UnixMilli(), 10) + "-0"
}

// Audit returns the newest n audit entries, newest first.
func (r *Redis) Audit(ctx context.Context, n int) ([]flows.AuditEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	es, _, err := r.AuditBefore(ctx, "", n)
	return es, err
}

// decodeAudit reads the fields queueAudit wrote.
func decodeAudit(v map[string]any) (flows.AuditEntry, error) {
	at, err := intField(v, "at")
	if err != nil {
		return flows.AuditEntry{}, err
	}
	actor, err := intField(v, "actor")
	if err != nil {
		return flows.AuditEntry{}, err
	}
	count, err := intField(v, "count")
	if err != nil {
		return flows.AuditEntry{}, err
	}
	return flows.AuditEntry{
		At:        time.UnixMilli(at).UTC(),
		Actor:     actor,
		Role:      flows.RoleKind(stringField(v, "role")),
		Action:    stringField(v, "action"),
		Territory: stringField(v, "territory"),
		Count:     int(count),
	}, nil
}

// stringField returns a stream or hash field, "" when absent.
func stringField(v map[string]any, name string) string {
	s, _ := v[name].(string)
	return s
}

// intField parses an integer stream or hash field.
func intField(v map[string]any, name string) (int64, error) {
	s, ok := v[name].(string)
	if !ok {
		return 0, fmt.Errorf("%w: field %q missing", flows.ErrCorrupt, name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: field %q: %w", flows.ErrCorrupt, name, err)
	}
	return n, nil
}
