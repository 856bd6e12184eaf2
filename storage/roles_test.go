package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// mustCommit commits or fails the test.
func mustCommit(t testing.TB, r *Redis, chat int64, s *flows.Session, events ...flows.Event) {
	t.Helper()
	if err := r.Commit(context.Background(), chat, s, events); err != nil {
		t.Fatalf("Commit(%d, %d events): %v", chat, len(events), err)
	}
}

// coordinator is a coordinator role of a territory, invited by admin 1.
func coordinator(territory string, since time.Time) flows.Role {
	return flows.Role{Kind: flows.RoleCoordinator, Territory: territory, Since: since, By: 1}
}

// invite stores an invitation created by its role's inviter.
func invite(t testing.TB, r *Redis, token string, role flows.Role) {
	t.Helper()
	mustCommit(t, r, role.By, onboarded(), flows.InviteCreated{Invite: flows.Invite{
		Token: token, Role: role, Expires: redistest.Now().Add(flows.InviteTTL),
	}})
}

// grant invites chat and has it accept.
func grant(t testing.TB, r *Redis, chat int64, role flows.Role) {
	t.Helper()
	token := fmt.Sprintf("tok-%d-%s-%d", chat, role.Territory, role.Since.UnixNano())
	invite(t, r, token, role)
	mustCommit(t, r, chat, onboarded(), flows.RoleGranted{ChatID: chat, Role: role, Token: token})
}

// snapshot describes every key and its content, to compare before and after.
func snapshot(t testing.TB, r *Redis) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, k := range r.c.Keys(ctx, "*").Val() {
		typ := r.c.Type(ctx, k).Val()
		var v string
		switch typ {
		case "string":
			v = r.c.Get(ctx, k).Val()
		case "set":
			m := r.c.SMembers(ctx, k).Val()
			sort.Strings(m)
			v = strings.Join(m, ",")
		case "hash":
			v = fmt.Sprint(r.c.HGetAll(ctx, k).Val())
		case "stream":
			v = fmt.Sprint(r.c.XLen(ctx, k).Val())
		case "zset":
			v = strings.Join(r.c.ZRange(ctx, k, 0, -1).Val(), ",")
		}
		out[k] = typ + ":" + v
	}
	return out
}

// sameRole compares roles, times by instant.
func sameRole(a, b flows.Role) bool {
	return a.Kind == b.Kind && a.Territory == b.Territory && a.Org == b.Org && a.By == b.By && a.Since.Equal(b.Since)
}

func TestInviteCreated(t *testing.T) {
	now := redistest.Now()
	tests := []struct {
		name    string
		expires time.Time
		wantTTL time.Duration
	}{
		{"full validity", now.Add(flows.InviteTTL), flows.InviteTTL},
		{"shorter", now.Add(time.Hour), time.Hour},
		{"caller clock behind", now.Add(-time.Hour), flows.InviteTTL},
		{"caller clock ahead", now.Add(3 * flows.InviteTTL), flows.InviteTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			want := flows.Invite{Token: "abc", Role: flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cada", Since: now, By: 7}, Expires: tt.expires}
			mustCommit(t, r, 7, onboarded(), flows.InviteCreated{Invite: want})
			ttl := r.c.PTTL(ctx, tk.inviteKey("abc")).Val()
			if d := tt.wantTTL - ttl; d < 0 || d > time.Minute {
				t.Errorf("TTL %v, want about %v", ttl, tt.wantTTL)
			}
			got, err := r.Invite(ctx, "abc")
			if err != nil || got == nil {
				t.Fatalf("Invite: (%v, %v)", got, err)
			}
			if got.Token != "abc" || !sameRole(got.Role, want.Role) || !got.Expires.Equal(want.Expires) {
				t.Errorf("Invite: got %+v, want %+v", got, want)
			}
			if got, err := r.Invite(ctx, "unknown"); got != nil || err != nil {
				t.Errorf("Invite(unknown): (%v, %v), want (nil, nil)", got, err)
			}
		})
	}

	r, _ := open(t)
	err := r.Commit(context.Background(), 7, onboarded(), []flows.Event{flows.InviteCreated{Invite: flows.Invite{Expires: now}}})
	if err == nil {
		t.Error("Commit of an invitation without a token succeeded")
	}
}

func TestRoleGranted(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	since := redistest.Now().UTC().Add(-90 * 24 * time.Hour).Truncate(time.Second)
	role := coordinator("dijon", since)
	invite(t, r, "tok", role)

	s := onboarded()
	s.Flow = "staff"
	mustCommit(t, r, 42, s, &flows.RoleGranted{ChatID: 42, Role: role, Token: "tok"})

	got, err := r.Role(ctx, 42)
	if err != nil || got == nil || !sameRole(*got, role) {
		t.Fatalf("Role: (%+v, %v), want %+v", got, err, role)
	}
	if ttl := r.c.TTL(ctx, tk.roleKey(42)).Val(); ttl != -1 {
		t.Errorf("role TTL %v, want none", ttl)
	}
	if inv, err := r.Invite(ctx, "tok"); inv != nil || err != nil {
		t.Errorf("invitation not consumed: (%+v, %v)", inv, err)
	}
	if sess, err := r.Load(ctx, 42); err != nil || sess.Flow != "staff" {
		t.Errorf("session not written with the role: (%+v, %v)", sess, err)
	}
	staff, err := r.Staff(ctx, "dijon")
	if err != nil || len(staff) != 1 || staff[0].ChatID != 42 || !sameRole(staff[0].Role, role) {
		t.Errorf("Staff: (%+v, %v)", staff, err)
	}
	if got, err := r.Role(ctx, 43); got != nil || err != nil {
		t.Errorf("Role(43): (%v, %v), want (nil, nil)", got, err)
	}

	// The invitation is gone: a second grant writes nothing at all, not
	// even the session or the other events of its commit.
	before := snapshot(t, r)
	err = r.Commit(ctx, 43, onboarded(), []flows.Event{
		flows.Audited{Entry: flows.AuditEntry{Actor: 43, Action: "join"}},
		flows.RoleGranted{ChatID: 43, Role: role, Token: "tok"},
	})
	if !errors.Is(err, flows.ErrInviteGone) {
		t.Fatalf("second grant: %v, want ErrInviteGone", err)
	}
	if after := snapshot(t, r); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("failed grant wrote something:\nbefore %v\nafter  %v", before, after)
	}

	// An unknown token fails the same way.
	if err := r.Commit(ctx, 44, onboarded(), []flows.Event{flows.RoleGranted{ChatID: 44, Role: role, Token: "nope"}}); !errors.Is(err, flows.ErrInviteGone) {
		t.Errorf("unknown token: %v, want ErrInviteGone", err)
	}
	// One invitation grants one role even within a commit.
	invite(t, r, "twice", role)
	err = r.Commit(ctx, 45, onboarded(), []flows.Event{
		flows.RoleGranted{ChatID: 45, Role: role, Token: "twice"},
		flows.RoleGranted{ChatID: 46, Role: role, Token: "twice"},
	})
	if !errors.Is(err, flows.ErrInviteGone) {
		t.Errorf("one token granted twice in a commit: %v, want ErrInviteGone", err)
	}
	if inv, _ := r.Invite(ctx, "twice"); inv == nil {
		t.Error("the failed commit consumed the invitation")
	}
}

func TestRoleGrantedConcurrent(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	const rounds, contenders = 20, 8
	// Each contender has its own client, like replicas.
	clients := make([]*Redis, contenders)
	for i := range clients {
		c := connect(t, srv.URL())
		clients[i] = c
	}
	for round := range rounds {
		token := fmt.Sprintf("race-%d", round)
		role := coordinator("dijon", redistest.Now())
		invite(t, r, token, role)
		start := make(chan struct{})
		errs := make([]error, contenders)
		var wg sync.WaitGroup
		for i := range contenders {
			wg.Go(func() {
				chat := int64(1000*round + i + 100)
				<-start
				errs[i] = clients[i].Commit(ctx, chat, onboarded(), []flows.Event{flows.RoleGranted{ChatID: chat, Role: role, Token: token}})
			})
		}
		close(start)
		wg.Wait()
		winners := 0
		for i, err := range errs {
			chat := int64(1000*round + i + 100)
			_, loadErr := r.Load(ctx, chat)
			roleNow, _ := r.Role(ctx, chat)
			switch {
			case err == nil:
				winners++
				if loadErr != nil || roleNow == nil {
					t.Errorf("round %d: winner %d has session %v, role %v", round, chat, loadErr, roleNow)
				}
			case errors.Is(err, flows.ErrInviteGone):
				if !errors.Is(loadErr, flows.ErrNotFound) || roleNow != nil {
					t.Errorf("round %d: loser %d half-written: session %v, role %+v", round, chat, loadErr, roleNow)
				}
			default:
				t.Errorf("round %d: contender %d: %v", round, i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners, want exactly 1", round, winners)
		}
	}
	if n := r.c.SCard(ctx, tk.staffKey("dijon")).Val(); n != rounds {
		t.Errorf("staff set has %d members, want %d", n, rounds)
	}
}

func TestRoleRevokedAndMoved(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	t0 := redistest.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	grant(t, r, 10, coordinator("dijon", t0))
	grant(t, r, 11, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cada", Since: t0.Add(time.Hour), By: 10})
	grant(t, r, 12, coordinator("besancon", t0))

	steps := []struct {
		name   string
		events []flows.Event
		want   map[string][]int64 // territory → staff, in order
	}{
		{"granted", nil, map[string][]int64{"dijon": {10, 11}, "besancon": {12}}},
		{"revoked", []flows.Event{flows.RoleRevoked{ChatID: 11}},
			map[string][]int64{"dijon": {10}, "besancon": {12}}},
		{"revoking no one", []flows.Event{&flows.RoleRevoked{ChatID: 999}},
			map[string][]int64{"dijon": {10}, "besancon": {12}}},
	}
	for _, st := range steps {
		if st.events != nil {
			mustCommit(t, r, 1, onboarded(), st.events...)
		}
		for ter, want := range st.want {
			staff, err := r.Staff(ctx, ter)
			if err != nil {
				t.Fatalf("%s: Staff(%s): %v", st.name, ter, err)
			}
			var got []int64
			for _, m := range staff {
				got = append(got, m.ChatID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: Staff(%s) = %v, want %v", st.name, ter, got, want)
			}
		}
	}
	if role, _ := r.Role(ctx, 11); role != nil {
		t.Errorf("revoked role still stored: %+v", role)
	}

	// A role in another territory replaces the first one everywhere.
	grant(t, r, 10, coordinator("besancon", t0.Add(-time.Hour)))
	if n := r.c.SIsMember(ctx, tk.staffKey("dijon"), 10).Val(); n {
		t.Error("moved member still in its old territory's set")
	}
	staff, _ := r.Staff(ctx, "besancon")
	if len(staff) != 2 || staff[0].ChatID != 10 || staff[1].ChatID != 12 {
		t.Errorf("Staff(besancon) = %+v, want 10 then 12 (by Since)", staff)
	}
}

func TestStaffSkipsStale(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	t0 := redistest.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
	// Granted out of order of Since.
	grant(t, r, 30, coordinator("dijon", t0.Add(2*time.Hour)))
	grant(t, r, 31, coordinator("dijon", t0))
	grant(t, r, 32, coordinator("dijon", t0.Add(time.Hour)))
	grant(t, r, 33, coordinator("dijon", t0)) // same Since as 31: by chat id
	// Members whose role is missing, unreadable or elsewhere are left out.
	r.c.SAdd(ctx, tk.staffKey("dijon"), 34, 35, 36, "not-a-chat")
	r.c.Set(ctx, tk.roleKey(35), "{", 0)
	r.c.Set(ctx, tk.roleKey(36), `{"kind":"coordinator","ter":"besancon"}`, 0)

	staff, err := r.Staff(ctx, "dijon")
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, m := range staff {
		got = append(got, m.ChatID)
	}
	if want := []int64{31, 33, 32, 30}; !slices.Equal(got, want) {
		t.Errorf("Staff = %v, want %v", got, want)
	}
	if staff, err := r.Staff(ctx, "nowhere"); err != nil || len(staff) != 0 {
		t.Errorf("Staff(nowhere) = (%v, %v)", staff, err)
	}
	if _, err := r.Role(ctx, 35); !errors.Is(err, flows.ErrCorrupt) {
		t.Errorf("Role(corrupt) = %v, want ErrCorrupt", err)
	}
	r.c.Set(ctx, tk.inviteKey("bad"), "[", time.Hour)
	if _, err := r.Invite(ctx, "bad"); !errors.Is(err, flows.ErrCorrupt) {
		t.Errorf("Invite(corrupt) = %v, want ErrCorrupt", err)
	}
}

func TestForgottenStaff(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, r *Redis)
	}{
		{"stored role", func(t *testing.T, r *Redis) {
			grant(t, r, 50, coordinator("dijon", redistest.Now()))
		}},
		{"unreadable role", func(t *testing.T, r *Redis) {
			mustCommit(t, r, 50, onboarded())
			r.c.Set(context.Background(), tk.roleKey(50), "x", 0)
			r.c.SAdd(context.Background(), tk.staffKey("dijon"), 50)
			r.c.SAdd(context.Background(), tk.staffKey("besancon"), 50)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			tt.prepare(t, r)
			grant(t, r, 51, coordinator("dijon", redistest.Now()))
			if r.c.HExists(ctx, tk.audienceKey(), audienceField(50)).Val() == false {
				t.Fatal("no audience entry to erase")
			}

			mustCommit(t, r, 50, nil, flows.Forgotten{})

			for _, k := range tk.userKeys(50) {
				if r.c.Exists(ctx, k).Val() != 0 {
					t.Errorf("%s survived Forgotten", k)
				}
			}
			for _, ter := range []string{"dijon", "besancon"} {
				if r.c.SIsMember(ctx, tk.staffKey(ter), 50).Val() {
					t.Errorf("still in %s's staff", ter)
				}
			}
			if r.c.HExists(ctx, tk.audienceKey(), audienceField(50)).Val() {
				t.Error("audience entry survived Forgotten")
			}
			// No key, set member or hash field names the person any more.
			for _, k := range r.c.Keys(ctx, "*").Val() {
				switch {
				case strings.HasSuffix(k, ":50"):
					t.Errorf("after Forgotten, key %s", k)
				case r.c.Type(ctx, k).Val() == "set" && r.c.SIsMember(ctx, k, 50).Val():
					t.Errorf("after Forgotten, member of %s", k)
				case r.c.Type(ctx, k).Val() == "hash" && r.c.HExists(ctx, k, "50").Val():
					t.Errorf("after Forgotten, field of %s", k)
				}
			}
			// Others are unaffected.
			if role, _ := r.Role(ctx, 51); role == nil {
				t.Error("another member lost their role")
			}
			if !r.c.SIsMember(ctx, tk.staffKey("dijon"), 51).Val() {
				t.Error("another member left the staff")
			}
		})
	}
}
