package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestAuditOrder(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	t0 := redistest.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var entries []flows.AuditEntry
	for i := range 5 {
		e := flows.AuditEntry{
			At:        t0.Add(time.Duration(i) * time.Minute),
			Actor:     int64(100 + i),
			Role:      flows.RoleCoordinator,
			Action:    fmt.Sprintf("action-%d", i),
			Territory: "dijon",
			Count:     i * 10,
		}
		entries = append(entries, e)
		var ev flows.Event = flows.Audited{Entry: e}
		if i%2 == 1 {
			ev = &flows.Audited{Entry: e}
		}
		mustCommit(t, r, e.Actor, onboarded(), ev)
	}
	// An entry without a time is stamped now.
	mustCommit(t, r, 1, onboarded(), flows.Audited{Entry: flows.AuditEntry{Actor: 1, Role: flows.RoleAdmin, Action: "denied:broadcast"}})

	tests := []struct {
		n    int
		want []string // actions, newest first
	}{
		{0, nil},
		{-1, nil},
		{1, []string{"denied:broadcast"}},
		{3, []string{"denied:broadcast", "action-4", "action-3"}},
		{10, []string{"denied:broadcast", "action-4", "action-3", "action-2", "action-1", "action-0"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			got, err := r.Audit(ctx, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Audit(%d) returned %d entries, want %d", tt.n, len(got), len(tt.want))
			}
			for i, e := range got {
				if e.Action != tt.want[i] {
					t.Errorf("entry %d: action %q, want %q", i, e.Action, tt.want[i])
				}
			}
		})
	}

	got, err := r.Audit(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := redistest.Now().Sub(got[0].At); d < 0 || d > time.Minute {
		t.Errorf("entry without a time stamped %v", got[0].At)
	}
	for i, e := range got[1:] {
		want := entries[len(entries)-1-i]
		if !e.At.Equal(want.At) || e.Actor != want.Actor || e.Role != want.Role ||
			e.Territory != want.Territory || e.Count != want.Count {
			t.Errorf("entry %d: got %+v, want %+v", i+1, e, want)
		}
	}
	if ttl := r.c.TTL(ctx, tk.auditKey()).Val(); ttl != -1 {
		t.Errorf("audit TTL %v: it is trimmed, not expired", ttl)
	}
}

func TestAuditTrim(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	now := redistest.Now()
	add := func(at time.Time, seq int, action string) {
		t.Helper()
		err := r.c.XAdd(ctx, &redis.XAddArgs{
			Stream: tk.auditKey(),
			ID:     fmt.Sprintf("%d-%d", at.UnixMilli(), seq),
			Values: []any{"at", at.UnixMilli(), "actor", 1, "role", "admin", "action", action, "territory", "", "count", 0},
		}).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	const old = 350
	expired := now.Add(-flows.AuditRetention - 30*24*time.Hour)
	for i := range old {
		add(expired, i, "expired")
	}
	kept := now.Add(-flows.AuditRetention + 24*time.Hour)
	for i := range 3 {
		add(kept, i, "kept")
	}

	mustCommit(t, r, 1, onboarded(), flows.Audited{Entry: flows.AuditEntry{At: now, Actor: 1, Role: flows.RoleAdmin, Action: "new"}})

	left := r.c.XLen(ctx, tk.auditKey()).Val()
	t.Logf("real server %v: %d of %d expired entries trimmed by the append (approximate: whole nodes)", srv.Real(), old+4-left, old)
	if removed := old + 4 - left; removed < 100 {
		t.Errorf("only %d expired entries trimmed, want at least a node's worth", removed)
	}
	got, err := r.Audit(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range got {
		actions = append(actions, e.Action)
	}
	if want := []string{"new", "kept", "kept", "kept"}; fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("Audit = %v, want %v (nothing past retention)", actions, want)
	}
}
