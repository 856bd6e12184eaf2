package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
)

func TestIdentify(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		fault      *fakeapi.Fault
		refused    bool
		retryAfter time.Duration // 0: no RetryAfter method
		ok         bool
	}{
		{name: "answers", token: testToken, ok: true},
		{name: "401", token: "7000000002:other-token", refused: true},
		{name: "404", token: testToken, fault: &fakeapi.Fault{Code: 404}, refused: true},
		{name: "429", token: testToken, fault: &fakeapi.Fault{Code: 429, RetryAfter: 7}, retryAfter: 7 * time.Second},
		{name: "502", token: testToken, fault: &fakeapi.Fault{Code: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakeapi.New(testToken)
			t.Cleanup(fake.Close)
			if tt.fault != nil {
				fake.FailNext("getMe", *tt.fault, 1)
			}
			b, err := New(Config{Token: tt.token, APIURL: fake.URL()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b.Close)
			err = b.Identify(context.Background())
			if tt.ok != (err == nil) {
				t.Fatalf("Identify = %v", err)
			}
			if tt.ok && b.Username() != fake.BotUsername() {
				t.Errorf("Username() = %q, want %q", b.Username(), fake.BotUsername())
			}
			if refused := errors.Is(err, ErrTokenRefused); refused != tt.refused {
				t.Errorf("errors.Is(%v, ErrTokenRefused) = %v", err, refused)
			}
			var hint interface{ RetryAfter() time.Duration }
			if got := errors.As(err, &hint); got != (tt.retryAfter > 0) || got && hint.RetryAfter() != tt.retryAfter {
				t.Errorf("RetryAfter of %v: %v", err, hint)
			}
			if err != nil && tt.token != testToken && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}
