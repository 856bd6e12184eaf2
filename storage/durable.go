package storage

// Outbox writes that must survive a Sentinel failover. Redis replicates
// asynchronously: a write the primary acknowledged but had not passed on
// when it died is missing on the replica the sentinels promote. For the
// outbox that means a delivery sent twice (its claim lost: it looks new
// again; its record lost: it is reclaimed after the idle time). So, in
// Sentinel mode, the claim and the record of each delivery are followed by
// WAIT 1 on the same connection: one more round trip, which the bulk sender
// pays, never an interactive reply.

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// replicaWait is how long an outbox write waits for a replica to have it.
	replicaWait = 500 * time.Millisecond
	// replicasFresh is how long the primary's count of connected replicas
	// is trusted: with none connected, WAIT would only wait its timeout.
	replicasFresh = time.Second
)

// replicaCount is the primary's count of connected replicas, as last asked.
type replicaCount struct {
	mu sync.Mutex
	n  int
	at time.Time // zero: to ask
}

// SetLogger sets where the store reports that no replica keeps up with the
// outbox's writes; default slog.Default(). Call it before use.
func (r *Redis) SetLogger(l *slog.Logger) { r.log = l }

// conner is a client that can hand out one connection of its own (WAIT
// counts the writes of its connection only).
type conner interface {
	Conn() *redis.Conn
}

// durably runs fn on one connection and, when the store was opened through
// Sentinel and fn says it wrote, waits until a replica has those writes
// (WAIT 1). An error of WAIT is returned: the primary is likely gone, and
// the write must be made again on the new one (every outbox write is
// idempotent). No replica within replicaWait is not an error: without a
// replica in sync (it is down, or lagging) the outbox goes on as it did
// without WAIT, at least once, and that is logged once, until a replica
// acknowledges again.
func (r *Redis) durably(ctx context.Context, fn func(c redis.Cmdable) (wrote bool, err error)) error {
	cc, ok := r.c.(conner)
	if !r.sentinel || !ok {
		_, err := fn(r.c)
		return err
	}
	conn := cc.Conn()
	defer conn.Close()
	wrote, err := fn(conn)
	if err != nil || !wrote {
		return err
	}
	connected, err := r.connectedReplicas(ctx, conn)
	if err != nil {
		return err
	}
	if connected == 0 {
		r.noteReplicas(0)
		return nil
	}
	n, err := conn.Wait(ctx, 1, replicaWait).Result()
	if err != nil {
		return fmt.Errorf("wait for a replica: %w", err)
	}
	if n < 1 {
		r.replicas.mu.Lock()
		r.replicas.at = time.Time{} // it may have gone: ask again next time
		r.replicas.mu.Unlock()
	}
	r.noteReplicas(n)
	return nil
}

// connectedReplicas is how many replicas the primary has, asked (ROLE) at
// most every replicasFresh.
func (r *Redis) connectedReplicas(ctx context.Context, c *redis.Conn) (int, error) {
	rc := &r.replicas
	rc.mu.Lock()
	defer rc.mu.Unlock()
	now := r.now()
	if age := now.Sub(rc.at); !rc.at.IsZero() && age >= 0 && age < replicasFresh {
		return rc.n, nil
	}
	role, err := c.Do(ctx, "ROLE").Slice()
	if err != nil {
		return 0, fmt.Errorf("ask the primary its replicas: %w", err)
	}
	if len(role) < 3 || role[0] != "master" {
		return 0, fmt.Errorf("ask the primary its replicas: ROLE says %v", role[0])
	}
	replicas, _ := role[2].([]any)
	rc.n, rc.at = len(replicas), now
	return rc.n, nil
}

// noteReplicas logs when outbox writes stop, or start again, being
// acknowledged by a replica.
func (r *Redis) noteReplicas(n int64) {
	log := r.logger()
	switch {
	case n < 1 && r.unreplicated.CompareAndSwap(false, true):
		log.Warn("no Redis replica acknowledged an outbox write in time: bulk messages go on, but a failover now may send some twice",
			"wait", replicaWait)
	case n >= 1 && r.unreplicated.CompareAndSwap(true, false):
		log.Info("a Redis replica acknowledges the outbox's writes again")
	}
}
