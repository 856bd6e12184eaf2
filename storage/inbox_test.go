package storage

import (
	"context"
	"errors"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// The inbox keeps polled updates until their turn; claiming one takes it out
// in the same step, releasing it puts it back.
func TestInbox(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	if got, err := r.Parked(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty inbox: %v, %v", got, err)
	}
	entries := map[int64][]byte{11: []byte(`{"id":11}`), 12: []byte(`{"id":12}`), 13: []byte(`{"id":13}`)}
	if err := r.Park(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if err := r.Park(ctx, nil); err != nil {
		t.Fatalf("Park(nothing): %v", err)
	}
	got, err := r.Parked(ctx)
	if err != nil || !maps.EqualFunc(got, entries, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Fatalf("Parked = %v, %v; want %v", texts(got), err, texts(entries))
	}
	if ttl := r.c.TTL(ctx, tk.inboxKey()).Val(); ttl <= InboxTTL-time.Minute || ttl > InboxTTL {
		t.Errorf("inbox TTL %v, want about %v", ttl, InboxTTL)
	}

	first, err := r.ClaimParked(ctx, 12)
	if err != nil || !first {
		t.Fatalf("ClaimParked(12) = %v, %v", first, err)
	}
	if again, _ := r.ClaimParked(ctx, 12); again {
		t.Error("update 12 claimed twice")
	}
	if _, _, err := r.Open(ctx, 1, flows.Claim{UpdateID: 12, Token: "webhook"}); !errors.Is(err, flows.ErrDuplicate) {
		t.Errorf("a redelivery of update 12 was not seen as a duplicate: %v", err)
	}
	got, _ = r.Parked(ctx)
	if _, still := got[12]; still || len(got) != 2 {
		t.Errorf("after claiming 12 the inbox holds %v", texts(got))
	}

	if err := r.ReleaseParked(ctx, 12, entries[12]); err != nil {
		t.Fatal(err)
	}
	got, _ = r.Parked(ctx)
	if string(got[12]) != string(entries[12]) {
		t.Errorf("after the release the inbox holds %v", texts(got))
	}
	if first, _ := r.ClaimParked(ctx, 12); !first {
		t.Error("a released update cannot be claimed again")
	}
}

// Unclaim hands a stopping consumer's deliveries to the next consumer at
// once, and only those still its own.
func TestUnclaim(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 900, onboarded(), broadcast("j-unclaim", 4, "Atelier"))
	mine := claim(t, r, "a", 4, time.Minute)
	if len(mine) != 4 {
		t.Fatalf("claimed %d, want 4", len(mine))
	}
	if got := claimNone(t, r, "b"); got != 0 {
		t.Fatalf("b claimed %d of a's deliveries before any idle time", got)
	}
	ids := []string{mine[0].ID, mine[1].ID}
	n, err := r.Unclaim(ctx, "a", ids)
	if err != nil || n != 2 {
		t.Fatalf("Unclaim = %d, %v; want 2", n, err)
	}
	got := claim(t, r, "b", 4, time.Minute)
	if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] {
		t.Fatalf("b claimed %+v, want the 2 given back", got)
	}
	// Given back by a consumer that no longer holds them: nothing changes.
	if n, err := r.Unclaim(ctx, "a", ids); err != nil || n != 0 {
		t.Errorf("Unclaim of deliveries b holds = %d, %v; want 0", n, err)
	}
	if n, err := r.Unclaim(ctx, "a", nil); err != nil || n != 0 {
		t.Errorf("Unclaim(nothing) = %d, %v", n, err)
	}
	if got := claimNone(t, r, "c"); got != 0 {
		t.Errorf("c claimed %d deliveries others hold", got)
	}
}

// claimNone claims for a consumer that should get nothing, without waiting
// the second an empty outbox blocks for (Claim blocks half the time left).
// On a loaded machine the short wait may end in a timeout rather than an
// empty answer; either way what counts is what the consumer now holds.
func claimNone(t *testing.T, r *Redis, consumer string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ds, err := r.Claim(ctx, consumer, 4, time.Minute)
	// The client reads with the context's deadline on the socket: on a busy
	// machine the read times out a moment before ctx itself says it is done.
	if err != nil && ctx.Err() == nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Claim(%s): %v", consumer, err)
	}
	held, err := r.c.XPendingExt(context.Background(), &redis.XPendingExtArgs{
		Stream: tk.outboxKey(), Group: outboxGroup, Consumer: consumer, Start: "-", End: "+", Count: 100,
	}).Result()
	if err != nil {
		t.Fatalf("XPENDING for %s: %v", consumer, err)
	}
	return max(len(ds), len(held))
}

// texts shows inbox entries as text.
func texts(m map[int64][]byte) map[int64]string {
	out := make(map[int64]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
