package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestRedisMovePrefix: the data an earlier version kept under the legacy
// prefix is found under the bot's prefix after redis move-prefix, which
// serve then accepts.
func TestRedisMovePrefix(t *testing.T) {
	ctx := context.Background()
	srv := redistest.New(t)
	old, err := storage.New(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	at := redistest.Now().UTC().Truncate(time.Second)
	if err := old.Commit(ctx, 42, flows.NewSession(at), nil); err != nil {
		t.Fatal(err)
	}
	saved := environ
	t.Cleanup(func() { environ = saved })
	env := map[string]string{"REDIS_URL": srv.URL(), "TELEGRAM_BOT_TOKEN": testToken}
	environ = func(k string) string { return env[k] }

	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"redis"}, 2, ""},
		{[]string{"redis", "move-prefix", "extra"}, 2, ""},
		{[]string{"redis", "move-prefix", "--from", "a*"}, 1, ""},
		{[]string{"redis", "move-prefix"}, 0, "moved 1 keys from psl: to " + testPrefix},
		{[]string{"redis", "move-prefix"}, 0, "moved 0 keys"},
	}
	for _, tt := range tests {
		code, out, errOut := runCmd(t, "", tt.args...)
		if code != tt.code || !strings.Contains(out, tt.out) {
			t.Errorf("%v: exit %d, out %q, err %q; want %d and %q", tt.args, code, out, errOut, tt.code, tt.out)
		}
	}
	moved, err := storage.New(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Close()
	if err := usePrefix(ctx, moved, testPrefix); err != nil {
		t.Fatalf("after the move, serve's check: %v", err)
	}
	if _, err := moved.Load(ctx, 42); err != nil {
		t.Errorf("the moved session: %v", err)
	}
	env = map[string]string{"REDIS_URL": srv.URL()}
	if code, _, errOut := runCmd(t, "", "redis", "move-prefix"); code != 2 || !strings.Contains(errOut, "TELEGRAM_BOT_TOKEN") {
		t.Errorf("without a prefix: exit %d, %q", code, errOut)
	}
}

func TestDefaultPrefix(t *testing.T) {
	tests := []struct{ token, want string }{
		{"7000000001:abc", "psl:7000000001:"},
		{"abc", ""},
		{"x1:abc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := defaultPrefix(tt.token); got != tt.want {
			t.Errorf("defaultPrefix(%q) = %q, want %q", tt.token, got, tt.want)
		}
	}
}

// TestRedisConfig: the key prefix's default and checks, the Sentinel form
// of REDIS_URL, and its password kept out of the logs.
func TestRedisConfig(t *testing.T) {
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name    string
		env     map[string]string
		prefix  string
		problem string // in loadConfig's or validateServe's error; "": none
	}{
		{"default from the token", map[string]string{"TELEGRAM_BOT_TOKEN": testToken}, testPrefix, ""},
		{"set", map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "PASSERELLE_REDIS_PREFIX": "staging:"}, "staging:", ""},
		{"glob character", map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "PASSERELLE_REDIS_PREFIX": "p*"}, "p*", "PASSERELLE_REDIS_PREFIX"},
		{"token without an id", map[string]string{"TELEGRAM_BOT_TOKEN": "t", "REDIS_URL": "redis://localhost:6379"}, "", "PASSERELLE_REDIS_PREFIX is required"},
		{"sentinel", map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "REDIS_URL": "redis+sentinel://:s3cret-pw@h1:26379,h2:26379/passerelle/0"}, testPrefix, ""},
		{"bad sentinel", map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "REDIS_URL": "redis+sentinel://:s3cret-pw@h1:26379/"}, testPrefix, "REDIS_URL is not like"},
		{"sentinels' password", map[string]string{"TELEGRAM_BOT_TOKEN": testToken, "REDIS_URL": "redis+sentinel://h1,h2/passerelle?sentinel_password=s3cret-pw"}, testPrefix, ""},
	}
	for _, tt := range tests {
		tt.env["PASSERELLE_SECRET"] = secret
		c, err := loadConfig(func(k string) string { return tt.env[k] })
		if err == nil {
			err = c.validateServe()
		}
		if c.RedisPrefix != tt.prefix || (tt.problem == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.problem) {
			t.Errorf("%s: prefix %q, error %v; want %q and %q", tt.name, c.RedisPrefix, err, tt.prefix, tt.problem)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("%s: the error quotes the password: %v", tt.name, err)
		}
		if strings.HasPrefix(tt.env["REDIS_URL"], "redis+sentinel") && !slices.Contains(c.secrets(), "s3cret-pw") {
			t.Errorf("%s: the Sentinel URL's password is not kept out of the logs", tt.name)
		}
	}
}
