package storage

import (
	"context"
	"testing"
	"time"
)

func TestWebSessions(t *testing.T) {
	r, _ := open(t)
	ctx := context.Background()
	if err := r.SaveWebSession(ctx, "sid", []byte(`{"chat":1}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	b, err := r.WebSession(ctx, "sid", time.Hour)
	if err != nil || string(b) != `{"chat":1}` {
		t.Fatalf("WebSession = %s, %v", b, err)
	}
	if ttl := r.c.TTL(ctx, tk.webSessionKey("sid")).Val(); ttl < 59*time.Minute {
		t.Errorf("a read does not renew the session: TTL %v", ttl)
	}
	if err := r.DropWebSession(ctx, "sid"); err != nil {
		t.Fatal(err)
	}
	if b, err := r.WebSession(ctx, "sid", time.Hour); b != nil || err != nil {
		t.Errorf("after sign-out: %s, %v", b, err)
	}
}

func TestUseSignIn(t *testing.T) {
	r, _ := open(t)
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		if got, err := r.UseSignIn(ctx, "nonce"); err != nil || got != want {
			t.Errorf("use %d: %v, %v; want %v", i+1, got, err, want)
		}
	}
	if got, _ := r.UseSignIn(ctx, "other"); !got {
		t.Error("another link is refused")
	}
}
