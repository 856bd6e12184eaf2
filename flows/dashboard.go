package flows

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// SignInTTL is how long a dashboard sign-in link works.
const SignInTTL = 10 * time.Minute

// signInNonce is the random part of a sign-in token: what the dashboard
// marks as used, so that a link works once.
const signInNonce = 12

// signInMAC is how many bytes of the HMAC a sign-in token carries.
const signInMAC = 16

// ErrSignIn is returned for a sign-in token that is malformed, forged or expired.
var ErrSignIn = errors.New("sign-in link not valid")

// SignInKey derives the key of dashboard sign-in tokens from the secret, so
// that a token can never pass for a signed button or a pseudonym.
func SignInKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("passerelle dashboard sign-in"))
	return m.Sum(nil)
}

// SignInToken is a URL-safe token that signs chatID in until exp; nonce
// (signInNonce bytes) makes it single-use once the dashboard records it.
func SignInToken(key []byte, chatID int64, exp time.Time, nonce []byte) string {
	b := make([]byte, 16, 16+signInNonce+signInMAC)
	binary.BigEndian.PutUint64(b, uint64(chatID))
	binary.BigEndian.PutUint64(b[8:], uint64(exp.Unix()))
	b = append(b, nonce...)
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(b)[:len(b)+signInMAC])
}

// ReadSignInToken checks a token made by SignInToken at now and returns the
// chat it signs in and its nonce (base64, to record as used).
func ReadSignInToken(key []byte, token string, now time.Time) (chatID int64, nonce string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 16+signInNonce+signInMAC {
		return 0, "", ErrSignIn
	}
	body, mac := b[:len(b)-signInMAC], b[len(b)-signInMAC:]
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)[:signInMAC]) {
		return 0, "", ErrSignIn
	}
	if exp := time.Unix(int64(binary.BigEndian.Uint64(body[8:16])), 0); !now.Before(exp) {
		return 0, "", fmt.Errorf("%w: expired at %s", ErrSignIn, exp.UTC().Format(time.RFC3339))
	}
	return int64(binary.BigEndian.Uint64(body[:8])), base64.RawURLEncoding.EncodeToString(body[16:]), nil
}

// RoleOf is a person's staff role now: admin from configuration, else what
// dir holds; nil when they are not staff.
func (e *Engine) RoleOf(ctx context.Context, dir Directory, chatID int64, now time.Time) (*Role, error) {
	return e.roleOf(ctx, dir, chatID, now)
}

// dashboard gives staff a Mini App button and a one-time sign-in link to
// the web dashboard.
func dashboard(t *Turn) {
	if !t.allowed("dashboard", RoleAdmin, RoleCoordinator, RolePartner) {
		return
	}
	if t.e.dashboardURL == "" {
		t.Say("DashboardOff", nil, nil)
		return
	}
	nonce := make([]byte, signInNonce)
	if _, err := io.ReadFull(t.e.rand, nonce); !t.read(err) {
		return
	}
	tok := SignInToken(SignInKey(t.e.secret), t.In.ChatID, t.Now.Add(SignInTTL), nonce)
	t.audit("dashboard:link", t.env.Role.Territory, 1)
	t.Say("DashboardSignIn", map[string]any{"Minutes": int(SignInTTL / time.Minute)}, [][]Button{
		{{Text: t.T("DashboardOpenApp", nil), WebApp: t.e.dashboardURL + "/app"}},
		{{Text: t.T("DashboardOpenBrowser", nil), URL: t.e.dashboardURL + "/signin?t=" + tok}},
	})
}
