package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestInvitesByAndDropInvite(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	grant(t, r, 10, coordinator("dijon", redistest.Now()))
	grant(t, r, 11, coordinator("dijon", redistest.Now()))
	invite(t, r, "b", partnerBy(10, "cesam"))
	invite(t, r, "a", partnerBy(10, "mjc"))
	invite(t, r, "other", partnerBy(11, "mjc"))
	invs, err := r.InvitesBy(ctx, 10) // b expires first

	if err != nil || len(invs) != 2 || invs[0].Token != "b" || invs[1].Token != "a" || invs[0].Role.Org != "cesam" {
		t.Fatalf("InvitesBy(10) = %+v, %v", invs, err)
	}
	cases := []struct {
		name    string
		inviter int64
		token   string
		want    bool
	}{
		{"another's invitation", 10, "other", false},
		{"unknown", 10, "nope", false},
		{"empty", 10, "", false},
		{"own", 10, "a", true},
		{"twice", 10, "a", false},
	}
	for _, tc := range cases {
		if got, err := r.DropInvite(ctx, tc.inviter, tc.token); got != tc.want || err != nil {
			t.Errorf("%s: DropInvite(%d, %q) = %v, %v; want %v", tc.name, tc.inviter, tc.token, got, err, tc.want)
		}
	}
	if inv, _ := r.Invite(ctx, "a"); inv != nil {
		t.Error("a withdrawn invitation still works")
	}
	if inv, _ := r.Invite(ctx, "other"); inv == nil {
		t.Error("another coordinator's invitation was withdrawn")
	}
	if invs, _ := r.InvitesBy(ctx, 10); len(invs) != 1 || invs[0].Token != "b" {
		t.Errorf("InvitesBy after the withdrawal = %+v", invs)
	}
}

func TestAuditBefore(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	for i := range 7 {
		mustCommit(t, r, 10, onboarded(), flows.Audited{Entry: flows.AuditEntry{At: redistest.Now().Add(time.Duration(i) * time.Second), Action: fmt.Sprintf("a%d", i), Count: i}})
	}
	var got []string
	cursor, pages := "", 0
	for {
		es, next, err := r.AuditBefore(ctx, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got = append(got, e.Action)
		}
		pages++
		if next == "" || pages > 5 {
			break
		}
		cursor = next
	}
	if fmt.Sprint(got) != "[a6 a5 a4 a3 a2 a1 a0]" || pages != 3 {
		t.Errorf("pages of 3: %v in %d pages", got, pages)
	}
}
