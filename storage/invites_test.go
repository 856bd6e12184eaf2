package storage

import (
	"context"
	"testing"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// partnerBy is a partner role of Dijon invited by coordinator by.
func partnerBy(by int64, org string) flows.Role {
	return flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: org, Since: redistest.Now(), By: by}
}

func openInvites(t *testing.T, r *Redis, inviter int64) int {
	t.Helper()
	n, err := r.OpenInvites(context.Background(), inviter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRevokeDeletesInvitations: a used invitation leaves its inviter's
// list; revoking the inviter deletes the open ones, and only theirs.
func TestRevokeDeletesInvitations(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	grant(t, r, 10, coordinator("dijon", redistest.Now()))
	grant(t, r, 11, coordinator("dijon", redistest.Now()))
	for _, tok := range []string{"a", "b", "c"} {
		invite(t, r, tok, partnerBy(10, "cesam"))
	}
	invite(t, r, "other", partnerBy(11, "mjc"))
	if n := openInvites(t, r, 10); n != 3 {
		t.Fatalf("OpenInvites = %d, want 3", n)
	}
	mustCommit(t, r, 20, onboarded(), flows.RoleGranted{ChatID: 20, Role: partnerBy(10, "cesam"), Token: "a"})
	if r.c.SIsMember(ctx, tk.invitesByKey(10), "a").Val() {
		t.Error("a used invitation stays in its inviter's list")
	}
	if n := openInvites(t, r, 10); n != 2 {
		t.Errorf("OpenInvites after one was used = %d, want 2", n)
	}

	mustCommit(t, r, 1, onboarded(), flows.RoleRevoked{ChatID: 10})
	for _, tok := range []string{"b", "c"} {
		if inv, err := r.Invite(ctx, tok); inv != nil || err != nil {
			t.Errorf("invitation %s after its inviter was revoked: (%+v, %v)", tok, inv, err)
		}
	}
	if n := r.c.Exists(ctx, tk.invitesByKey(10)).Val(); n != 0 || openInvites(t, r, 10) != 0 {
		t.Error("the revoked inviter's list is still there")
	}
	if inv, _ := r.Invite(ctx, "other"); inv == nil || openInvites(t, r, 11) != 1 {
		t.Error("another coordinator's invitation was deleted")
	}
	if role, _ := r.Role(ctx, 20); role == nil {
		t.Error("the partner who joined lost their role with their inviter")
	}
}

// TestInviterListExpires: the list of an inviter's invitations lives as
// long as the last one may.
func TestInviterListExpires(t *testing.T) {
	r, _ := open(t)
	invite(t, r, "a", partnerBy(10, "cesam"))
	ttl := r.c.PTTL(context.Background(), tk.invitesByKey(10)).Val()
	if ttl <= 0 || ttl > flows.InviteTTL {
		t.Errorf("TTL of the inviter's list = %v, want up to %v", ttl, flows.InviteTTL)
	}
}

// TestForgetDeletesInvitations: the invitations of a forgotten staff
// member name them (Role.By): they go with them.
func TestForgetDeletesInvitations(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	grant(t, r, 10, coordinator("dijon", redistest.Now()))
	invite(t, r, "a", partnerBy(10, "cesam"))
	mustCommit(t, r, 10, nil, flows.Forgotten{})
	if inv, err := r.Invite(ctx, "a"); inv != nil || err != nil {
		t.Errorf("invitation of a forgotten coordinator: (%+v, %v)", inv, err)
	}
	if n := r.c.Exists(ctx, tk.invitesByKey(10)).Val(); n != 0 {
		t.Error("the forgotten coordinator's list is still there")
	}
}

// TestSessionNonce: a session stored before nonces existed loads without
// one (the engine gives it one); a nonce is kept across a write.
func TestSessionNonce(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	legacy := `{"v":1,"lang":"fr","flow":"cons","step":"onb","created":"2026-01-01T00:00:00Z","seen":"2026-01-01T00:00:00Z"}`
	if err := r.c.Set(ctx, tk.sessionKey(30), legacy, flows.Retention).Err(); err != nil {
		t.Fatal(err)
	}
	s, err := r.Load(ctx, 30)
	if err != nil || s.Nonce != "" || s.Lang != "fr" || s.Flow != "cons" {
		t.Fatalf("legacy session: (%+v, %v)", s, err)
	}
	s.Nonce = "Ab3_-z"
	mustCommit(t, r, 30, s)
	if got, err := r.Load(ctx, 30); err != nil || got.Nonce != "Ab3_-z" {
		t.Errorf("after a write: (%+v, %v)", got, err)
	}
}
