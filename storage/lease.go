package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ChatLease makes the replicas sharing this Redis take turns per chat: Open
// takes the chat's lease in the same script that claims the update, and
// ReleaseChat gives it back once the step's replies are out. Updates
// waiting for a chat go in update id order. The zero ChatLease is off: one
// process alone orders its chats itself.
type ChatLease struct {
	// TTL bounds how long a replica that died keeps a chat: longer than an
	// update's budget, so that a live handler's Commit is sent before its
	// lease can expire.
	TTL time.Duration
	// Wait bounds how long Open waits for its turn before it gives up with
	// an error wrapping ErrChatBusy.
	Wait time.Duration
}

// DefaultChatLease suits the bot's 10-second update budget.
var DefaultChatLease = ChatLease{TTL: 15 * time.Second, Wait: 2 * time.Second}

// ErrChatBusy means another replica handled the chat for longer than
// ChatLease.Wait: the update was not claimed and can be parked for later.
var ErrChatBusy = errors.New("chat busy on another replica")

// busyError is ErrChatBusy with the method the bot recognises it by.
type busyError struct{}

func (busyError) Error() string        { return ErrChatBusy.Error() }
func (busyError) Is(target error) bool { return target == ErrChatBusy }

// ChatBusy reports that the update waits for its chat's turn.
func (busyError) ChatBusy() bool { return true }

// Turn polling: from leasePollFirst, doubling, up to leasePollMax. A waiting
// update's entry in the turns hash lives turnEntryTTL past each try: longer
// than the bot waits between two tries of a parked update (a second), so
// that it keeps its place, and short enough that one whose replica died
// stops holding later ones back within seconds.
const (
	leasePollFirst = 5 * time.Millisecond
	leasePollMax   = 50 * time.Millisecond
	turnEntryTTL   = 3 * time.Second
)

// SetChatLease turns the per-chat lease on (or off with the zero
// ChatLease). Call it before use.
func (r *Redis) SetChatLease(l ChatLease) { r.lease = l }

// hold remembers the token of the lease this process took for chatID,
// making the map if needed and emptying it first when it is full.
func (r *Redis) hold(chatID int64, token string) {
	r.heldMu.Lock()
	defer r.heldMu.Unlock()
	if r.leases == nil || len(r.leases) >= maxHeld {
		r.leases = map[int64]string{}
	}
	r.leases[chatID] = token
}

// release forgets the lease held for chatID and returns its token, "" when
// none.
func (r *Redis) release(chatID int64) string {
	r.heldMu.Lock()
	defer r.heldMu.Unlock()
	token := r.leases[chatID]
	delete(r.leases, chatID)
	return token
}

// maxHeld bounds the chats whose lease is remembered: a lease that was not
// given back (its release failed) expires in Redis by itself.
const maxHeld = 100_000

// dropScript deletes a lease if it still holds the token. KEYS: lease;
// ARGV: token.
var dropScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// ReleaseChat gives back the chat's lease if this process holds it, once
// the step's replies are out (so that they go before the next update's);
// otherwise it costs nothing.
func (r *Redis) ReleaseChat(ctx context.Context, chatID int64) error {
	token := r.release(chatID)
	if token == "" {
		return nil
	}
	if err := dropScript.Run(ctx, r.c, []string{r.leaseKey(chatID)}, token).Err(); err != nil {
		return fmt.Errorf("release chat lease: %w", err)
	}
	return nil
}

// sleepCtx waits d or until ctx ends (false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
