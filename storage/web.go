package storage

// What the web dashboard keeps: its sessions, the used sign-in links, and
// its entries of the audit log.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// SaveWebSession stores a dashboard session for idle.
func (r *Redis) SaveWebSession(ctx context.Context, id string, data []byte, idle time.Duration) error {
	if err := r.c.Set(ctx, r.webSessionKey(id), data, idle).Err(); err != nil {
		return fmt.Errorf("save web session: %w", err)
	}
	return nil
}

// WebSession returns a dashboard session and keeps it for idle more; nil,
// nil when there is none (signed out or expired).
func (r *Redis) WebSession(ctx context.Context, id string, idle time.Duration) ([]byte, error) {
	b, err := r.c.GetEx(ctx, r.webSessionKey(id), idle).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read web session: %w", err)
	}
	return b, nil
}

// DropWebSession deletes a dashboard session (sign-out, lost role).
func (r *Redis) DropWebSession(ctx context.Context, id string) error {
	if err := r.c.Del(ctx, r.webSessionKey(id)).Err(); err != nil {
		return fmt.Errorf("drop web session: %w", err)
	}
	return nil
}

// UseSignIn marks a sign-in link's nonce as used; false when it already was.
func (r *Redis) UseSignIn(ctx context.Context, nonce string) (bool, error) {
	ok, err := r.c.SetNX(ctx, r.signInUsedKey(nonce), 1, flows.SignInTTL).Result()
	if err != nil {
		return false, fmt.Errorf("use sign-in link: %w", err)
	}
	return ok, nil
}

// AppendAudit writes one entry to the audit log, outside of any turn.
func (r *Redis) AppendAudit(ctx context.Context, e flows.AuditEntry) error {
	p := r.c.Pipeline()
	r.queueAudit(ctx, p, e, r.now())
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}
