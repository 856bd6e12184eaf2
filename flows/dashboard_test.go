package flows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// teamDashboard is the dashboard address of the team tests' engine.
const teamDashboard = "https://tableau.example.fr"

func TestDashboardCommand(t *testing.T) {
	w := newTeamWorld(t)
	key := flows.SignInKey(teamSecret)
	seen := map[string]bool{}
	for _, chat := range []int64{admin, coordA, partnerA} {
		replies := w.do(chat, flows.Input{Kind: flows.KindCommand, Command: "dashboard"})
		bs := flows.Buttons(replies)
		if len(bs) != 2 || bs[0].WebApp != teamDashboard+"/app" || bs[0].Data != "" {
			t.Fatalf("%d: buttons %+v", chat, bs)
		}
		tok, ok := strings.CutPrefix(bs[1].URL, teamDashboard+"/signin?t=")
		if !ok || bs[1].Data != "" {
			t.Fatalf("%d: link button %+v", chat, bs[1])
		}
		got, nonce, err := flows.ReadSignInToken(key, tok, w.now.Add(flows.SignInTTL-time.Second))
		if err != nil || got != chat || seen[nonce] {
			t.Errorf("%d: token reads as %d, nonce %q (seen: %v), %v", chat, got, nonce, seen[nonce], err)
		}
		seen[nonce] = true
		if _, _, err := flows.ReadSignInToken(key, tok, w.now.Add(flows.SignInTTL)); !errors.Is(err, flows.ErrSignIn) {
			t.Errorf("%d: token still valid after %v: %v", chat, flows.SignInTTL, err)
		}
	}
	replies := w.do(newcomer, flows.Input{Kind: flows.KindCommand, Command: "dashboard"})
	if len(flows.Buttons(replies)) != 0 || replies[0].Text != w.msgs.Text("fr", "NotAllowed", nil) {
		t.Errorf("a newcomer gets %+v", replies)
	}
}

func TestSignInToken(t *testing.T) {
	key := flows.SignInKey([]byte("one key"))
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	good := flows.SignInToken(key, 42, now.Add(time.Minute), []byte("0123456789ab"))
	flipped := []byte(good)
	flipped[3] ^= 1
	cases := []struct {
		name  string
		key   []byte
		token string
		at    time.Time
		ok    bool
	}{
		{"valid", key, good, now, true},
		{"expired", key, good, now.Add(time.Minute), false},
		{"other key", flows.SignInKey([]byte("another key")), good, now, false},
		{"tampered", key, string(flipped), now, false},
		{"truncated", key, good[:len(good)-2], now, false},
		{"not base64", key, "!!!", now, false},
	}
	for _, tc := range cases {
		chat, _, err := flows.ReadSignInToken(tc.key, tc.token, tc.at)
		if tc.ok != (err == nil) || tc.ok && chat != 42 {
			t.Errorf("%s: chat %d, err %v", tc.name, chat, err)
		}
		if err != nil && !errors.Is(err, flows.ErrSignIn) {
			t.Errorf("%s: %v is not ErrSignIn", tc.name, err)
		}
	}
}
