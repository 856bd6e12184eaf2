package storage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestPrefixesKeepStoresApart: two bots sharing one Redis under two prefixes
// (staging and production) see nothing of each other: sessions, update
// claims, the outbox, occurrence claims and rate limiters are their own.
func TestPrefixesKeepStoresApart(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	ctx := context.Background()
	prod, srv := open(t)
	staging := connect(t, srv.URL())
	if err := staging.SetPrefix("psl:1234567:"); err != nil {
		t.Fatal(err)
	}
	const chat = 501

	// Sessions.
	mustCommit(t, prod, chat, onboarded())
	if _, err := staging.Load(ctx, chat); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("staging loads production's session: %v", err)
	}

	// Update claims: the same update id is new to each bot.
	for _, s := range []*Redis{prod, staging} {
		if _, _, err := s.Open(ctx, chat, flows.Claim{UpdateID: 77, Token: "a"}); err != nil && !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("%s: Open(update 77): %v, want the claim", s.prefix, err)
		}
	}
	if _, _, err := staging.Open(ctx, chat, flows.Claim{UpdateID: 77, Token: "b"}); !errors.Is(err, flows.ErrDuplicate) {
		t.Errorf("staging's second claim of update 77: %v, want ErrDuplicate", err)
	}

	// The outbox: a broadcast queued by one is claimed only by it.
	mustCommit(t, prod, chat, onboarded(), broadcast("job-p", 3, "Bonjour"))
	if ds := claim(t, staging, "s", 10, time.Minute); len(ds) != 0 {
		t.Errorf("staging claimed %d of production's deliveries", len(ds))
	}
	if st, err := staging.Job(ctx, "job-p"); st != nil || err != nil {
		t.Errorf("staging sees production's job: (%v, %v)", st, err)
	}
	if ds := claim(t, prod, "p", 10, time.Minute); len(ds) != 3 {
		t.Errorf("production claimed %d deliveries, want 3", len(ds))
	}

	// Occurrence claims (scheduled jobs run once per bot, not once per Redis).
	at := redistest.Now().Truncate(time.Hour)
	for _, s := range []*Redis{prod, staging} {
		if ok, err := s.ClaimOccurrence(ctx, "digest", at, time.Hour); !ok || err != nil {
			t.Errorf("%s: ClaimOccurrence = (%v, %v), want its own claim", s.prefix, ok, err)
		}
	}

	// Rate limiters: each bot has its own budget.
	for _, s := range []*Redis{prod, staging} {
		if ok, _ := allow(t, s, "global", time.Hour, 1); !ok {
			t.Errorf("%s: first Allow refused: the budget is shared", s.prefix)
		}
	}

	// Every key of either bot starts with its prefix.
	keys, err := prod.c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prod.prefix) && !strings.HasPrefix(k, staging.prefix) {
			t.Errorf("key %q is outside both prefixes", k)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"psl:", true},
		{"psl:123456789:", true},
		{"staging", true},
		{"", false},
		{"psl *", false},
		{"psl:*", false},
		{"a[b]", false},
		{"é:", false},
		{strings.Repeat("p", 65), false},
	}
	for _, tt := range tests {
		if err := CheckPrefix(tt.prefix); (err == nil) != tt.ok {
			t.Errorf("CheckPrefix(%q) = %v, want ok %v", tt.prefix, err, tt.ok)
		}
	}
}

// TestMovePrefix: the data of a bot that ran under LegacyPrefix is found
// again under its new prefix once moved, with its outbox group and TTLs,
// and a conflict stops the move without overwriting anything.
func TestMovePrefix(t *testing.T) {
	ctx := context.Background()
	_, srv := open(t)
	old := connect(t, srv.URL())
	if err := old.SetPrefix(LegacyPrefix); err != nil {
		t.Fatal(err)
	}
	const chat = 602
	mustCommit(t, old, chat, onboarded(), broadcast("job-old", 4, "Bonjour"))
	if ds := claim(t, old, "a", 1, time.Minute); len(ds) != 1 {
		t.Fatalf("claimed %d, want 1", len(ds))
	}

	moved := connect(t, srv.URL())
	if err := moved.SetPrefix(LegacyPrefix + "1234567:"); err != nil {
		t.Fatal(err)
	}
	if has, err := moved.HasLegacyData(ctx); !has || err != nil {
		t.Fatalf("HasLegacyData = (%v, %v), want true", has, err)
	}
	if has, err := old.HasLegacyData(ctx); has || err != nil {
		t.Errorf("HasLegacyData under the legacy prefix itself = (%v, %v), want false", has, err)
	}
	n, err := moved.MovePrefix(ctx, LegacyPrefix)
	if err != nil || n == 0 {
		t.Fatalf("MovePrefix = (%d, %v)", n, err)
	}
	if has, err := moved.HasLegacyData(ctx); has || err != nil {
		t.Errorf("after the move, HasLegacyData = (%v, %v), want false", has, err)
	}
	if _, err := moved.Load(ctx, chat); err != nil {
		t.Errorf("the moved session: %v", err)
	}
	if ttl := moved.c.TTL(ctx, moved.sessionKey(chat)).Val(); ttl <= 0 {
		t.Errorf("the moved session's TTL is %v", ttl)
	}
	// The group moved with the stream: the 3 unclaimed deliveries come, and
	// the one claimed before the move is still pending: reclaiming every
	// pending delivery finds it with the 3.
	if ds := claim(t, moved, "b", 10, time.Hour); len(ds) != 3 {
		t.Errorf("claimed %d after the move, want 3", len(ds))
	}
	if ds := claim(t, moved, "c", 10, 0); len(ds) != 4 {
		t.Errorf("reclaimed %d pending after the move, want 4", len(ds))
	}
	if n, err := moved.MovePrefix(ctx, LegacyPrefix); n != 0 || err != nil {
		t.Errorf("second MovePrefix = (%d, %v), want nothing to do", n, err)
	}

	// A conflict: the key is left where it is, and so is the other.
	mustCommit(t, old, chat, onboarded())
	if _, err := moved.MovePrefix(ctx, LegacyPrefix); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("MovePrefix onto an existing key: %v, want a conflict", err)
	}
	if _, err := old.Load(ctx, chat); err != nil {
		t.Errorf("the conflicting key was lost: %v", err)
	}
	if _, err := moved.MovePrefix(ctx, moved.prefix); err == nil {
		t.Error("MovePrefix from its own prefix did not fail")
	}
}
