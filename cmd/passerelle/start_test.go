package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// fakeClock drives patience without sleeping: sleep moves now on.
type fakeClock struct {
	t     time.Time
	slept []time.Duration
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	return nil
}

// waitHint is an error asking to wait, as bot.Identify returns for a 429.
type waitHint time.Duration

func (w waitHint) Error() string             { return "429" }
func (w waitHint) RetryAfter() time.Duration { return time.Duration(w) }

func TestPatience(t *testing.T) {
	down := errors.New("connection refused")
	refused := errors.New("token refused")
	ms := time.Millisecond
	tests := []struct {
		name      string
		budget    time.Duration
		errs      []error // what each try returns; nil afterwards
		wantSlept []time.Duration
		wantErr   error  // errors.Is the result; nil: success
		wantText  string // in the error
	}{
		{"at once", 30 * time.Second, nil, nil, nil, ""},
		{"third try", 30 * time.Second, []error{down, down}, []time.Duration{100 * ms, 200 * ms}, nil, ""},
		{"backoff capped at 2s", 30 * time.Second, []error{down, down, down, down, down, down, down},
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms, 2000 * ms, 2000 * ms}, nil, ""},
		{"budget spent", time.Second, []error{down, down, down, down, down, down},
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 300 * ms}, down, "did not answer within 1s (PASSERELLE_REDIS_WAIT; attempts: 5)"},
		{"no wait", 0, []error{down}, nil, down, "attempts: 1"},
		{"permanent", 30 * time.Second, []error{permanent(refused)}, nil, refused, "token refused"},
		{"retry_after honoured", 30 * time.Second, []error{waitHint(3 * time.Second)}, []time.Duration{3 * time.Second}, nil, ""},
		{"retry_after beyond the budget", 2 * time.Second, []error{waitHint(5 * time.Second)}, nil, waitHint(5 * time.Second), "attempts: 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			p := startPatience(tt.budget)
			p.now, p.sleep = clock.now, clock.sleep
			var logs bytes.Buffer
			tries := 0
			err := p.await(context.Background(), redactingLogger(&logs, nil), "Redis", func(context.Context) error {
				tries++
				if tries <= len(tt.errs) {
					return tt.errs[tries-1]
				}
				return nil
			})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("await = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q lacks %q", err, tt.wantText)
			}
			var perm permanentError
			if errors.As(err, &perm) {
				t.Errorf("the permanent marker leaked out: %v", err)
			}
			if fmt.Sprint(clock.slept) != fmt.Sprint(tt.wantSlept) {
				t.Errorf("slept %v, want %v", clock.slept, tt.wantSlept)
			}
			if n := strings.Count(logs.String(), `"msg":"start: waiting for a service"`); n != len(clock.slept) {
				t.Errorf("%d waiting lines for %d waits:\n%s", n, len(clock.slept), logs.String())
			}
		})
	}
}

func TestPatienceInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := startPatience(time.Minute)
	p.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return sleepCtx(ctx, d)
	}
	var logs bytes.Buffer
	err := p.await(ctx, redactingLogger(&logs, nil), "Telegram", func(context.Context) error { return errors.New("down") })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("await = %v", err)
	}
}

func TestRedactingLogger(t *testing.T) {
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN": testToken, "REDIS_URL": "redis://app:p%40ss-w0rd@redis:6379/0",
		"PASSERELLE_SECRET": "0123456789abcdef0123456789abcdef-log", "PASSERELLE_WEBHOOK_SECRET": "hook-secret",
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	log := redactingLogger(&out, cfg.secrets())
	log.Error("x", "err", fmt.Errorf("dial redis://app:p%%40ss-w0rd@redis: %s", "p@ss-w0rd"),
		"url", "https://api.telegram.org/bot"+testToken+"/getMe", "detail", "hook-secret and "+cfg.Secret, "n", 3)
	for _, secret := range []string{testToken, "p@ss-w0rd", "p%40ss-w0rd", "hook-secret", cfg.Secret} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("log shows %q: %s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), `"url":"https://api.telegram.org/bot***/getMe"`) || !strings.Contains(out.String(), `"n":3`) {
		t.Errorf("log = %s", out.String())
	}
}

func TestRedisWaitConfig(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 30 * time.Second, true},
		{"2m", 2 * time.Minute, true},
		{"0s", 0, true},
		{"-1s", 0, false},
		{"30", 0, false},
	}
	for _, tt := range tests {
		c, err := loadConfig(func(k string) string {
			if k == "PASSERELLE_REDIS_WAIT" {
				return tt.value
			}
			return ""
		})
		if (err == nil) != tt.ok || tt.ok && c.RedisWait != tt.want {
			t.Errorf("PASSERELLE_REDIS_WAIT=%q: %v, %v", tt.value, c.RedisWait, err)
		}
	}
}

// startEnv is what a start-up test runs serve with: a fake Bot API, a
// Redis, a free listen address and a short wait; extra entries override.
func startEnv(fake *fakeapi.Server, redisURL, listen string, extra ...string) []string {
	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+testToken,
		"TELEGRAM_API_URL="+fake.URL(),
		"REDIS_URL="+redisURL,
		"PASSERELLE_SECRET=0123456789abcdef0123456789abcdef-start",
		"PASSERELLE_LISTEN="+listen,
		"PASSERELLE_CONTENT_DIR=",
		"PASSERELLE_REDIS_WAIT=1s",
	)
	return append(env, extra...)
}

// logLines decodes serve's JSON log lines.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON log line: %q\n%s", l, out)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestStartFailsCleanly: every start-up failure exits non-zero with one
// error line naming the cause, no panic, no secret, and nothing said to
// Telegram that would change the bot's public state.
func TestStartFailsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // waits on processes and on Telegram's pace, not on the CPU
	redis := redistest.New(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	// A Redis with the data of an earlier version, under the legacy prefix.
	legacy := redistest.New(t)
	old, err := storage.New(context.Background(), legacy.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { old.Close() })
	if _, err := old.Claim(context.Background(), "replica", 1, time.Minute); err != nil { // creates the outbox
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		redisURL  string   // "": the test's Redis
		extra     []string // more environment, overriding
		code      int
		cause     string   // in the error line
		calls     []string // the only Bot API methods called
		waits     int      // "waiting" lines at least
		realRedis bool     // needs a real redis-server
	}{
		{name: "Redis down", redisURL: "redis://" + freeAddr(t) + "/0",
			code: 1, cause: "Redis did not answer within 1s", waits: 1},
		{name: "bad REDIS_URL", redisURL: "redis://app:s3cret-pw@127.0.0.1:notaport/x",
			code: 2, cause: "REDIS_URL is not like redis://"},
		{name: "Redis refuses the password", redisURL: strings.Replace(redis.URL(), "redis://", "redis://nobody:s3cret-pw@", 1),
			code: 1, cause: "WRONGPASS", realRedis: true},
		{name: "data under the legacy prefix", redisURL: legacy.URL(),
			code: 1, cause: "run passerelle redis move-prefix"},
		{name: "listen address busy", extra: []string{"PASSERELLE_LISTEN=" + busy.Addr().String()},
			code: 1, cause: "listen " + busy.Addr().String()},
		{name: "token refused", extra: []string{"TELEGRAM_BOT_TOKEN=7000000002:refused-token-not-a-secret"},
			code: 1, cause: "bot token refused by Telegram", calls: []string{"getMe"}},
		{name: "Telegram unreachable", extra: []string{"TELEGRAM_API_URL=http://" + freeAddr(t)},
			code: 1, cause: "Telegram did not answer within 1s", waits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.realRedis && !redis.Real() {
				t.Skip("miniredis does not check ACL users")
			}
			fake := fakeapi.New(testToken)
			t.Cleanup(fake.Close)
			url := tt.redisURL
			if url == "" {
				url = redis.URL()
			}
			cmd := serveCommand(t, startEnv(fake, url, freeAddr(t), tt.extra...))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.code {
				t.Fatalf("serve: %v, want exit code %d\n%s", err, tt.code, out.String())
			}
			for _, bad := range []string{"panic", "goroutine ", testToken, "refused-token-not-a-secret", "s3cret-pw"} {
				if strings.Contains(out.String(), bad) {
					t.Errorf("output shows %q:\n%s", bad, out.String())
				}
			}
			var errorLines []string
			waits := 0
			for _, l := range logLines(t, out.String()) {
				switch {
				case l["level"] == "ERROR":
					errorLines = append(errorLines, fmt.Sprint(l["err"]))
				case l["msg"] == "start: waiting for a service":
					waits++
				}
			}
			if len(errorLines) != 1 || !strings.Contains(errorLines[0], tt.cause) {
				t.Errorf("error lines %q, want one with %q\n%s", errorLines, tt.cause, out.String())
			}
			if waits < tt.waits || tt.waits == 0 && waits > 0 {
				t.Errorf("%d waiting lines, want %d or more (none when 0)\n%s", waits, tt.waits, out.String())
			}
			var called []string
			for _, c := range fake.Calls() {
				if len(called) == 0 || called[len(called)-1] != c.Method {
					called = append(called, c.Method)
				}
			}
			if fmt.Sprint(called) != fmt.Sprint(tt.calls) {
				t.Errorf("Bot API calls %v, want %v", called, tt.calls)
			}
		})
	}
}

// TestStartWaits: Telegram answering 5xx and 429 at first, and a Redis that
// comes up after the bot, delay the start; the bot then serves.
func TestStartWaits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // waits on processes and on Telegram's pace, not on the CPU
	tests := []struct {
		name  string
		setup func(fake *fakeapi.Server, redis *redistest.Server)
		late  func(redis *redistest.Server) // run once serve logs its first wait
		waits int                           // "waiting" lines expected
	}{
		{name: "Telegram 502 then 429", waits: 2, setup: func(fake *fakeapi.Server, _ *redistest.Server) {
			fake.FailNext("getMe", fakeapi.Fault{Code: 502}, 1)
			fake.FailNext("getMe", fakeapi.Fault{Code: 429, RetryAfter: 1}, 1)
		}},
		{name: "Redis comes late", waits: 1,
			setup: func(_ *fakeapi.Server, redis *redistest.Server) { redis.Stop() },
			late:  func(redis *redistest.Server) { redis.Restart() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakeapi.New(testToken)
			t.Cleanup(fake.Close)
			redis := redistest.New(t)
			tt.setup(fake, redis)
			logs, out := newLogFile(t)
			run := startServe(t, startEnv(fake, redis.URL(), freeAddr(t), "PASSERELLE_REDIS_WAIT=20s"), out)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if tt.late != nil {
				for !strings.Contains(logs.String(), "start: waiting for a service") {
					select {
					case err := <-run.exited:
						t.Fatalf("serve exited while waiting for Redis: %v\n%s", err, logs.String())
					case <-ctx.Done():
						t.Fatalf("serve never said it waits\n%s", logs.String())
					case <-time.After(20 * time.Millisecond):
					}
				}
				if n := len(fake.Calls()); n != 0 {
					t.Errorf("%d Bot API calls before Redis answered", n)
				}
				tt.late(redis)
			}
			waitFake(t, ctx, fake, logs, "polling", func([]fakeapi.Call) bool { return len(fake.CallsTo("getUpdates")) > 0 })
			run.stop(t, 10*time.Second, logs)
			var waits, errs int
			for _, l := range logLines(t, logs.String()) {
				switch {
				case l["level"] == "ERROR":
					errs++
				case l["msg"] == "start: waiting for a service":
					waits++
				}
			}
			if errs != 0 || waits < tt.waits || tt.late == nil && waits != tt.waits {
				t.Errorf("%d error lines, %d waiting lines (want %d)\n%s", errs, waits, tt.waits, logs.String())
			}
		})
	}
}
