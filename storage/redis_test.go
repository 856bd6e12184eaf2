package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// testClock is the tests' clock (see redistest.Now), which the stores and
// the Redis they use share.
var testClock = flows.ClockFunc(redistest.Now)

// testPrefix is the key prefix of the tests' stores: not LegacyPrefix, so
// that a key written without the store's prefix shows.
const testPrefix = "t42:"

// tk names the keys of the stores open returns.
var tk = keyspace{testPrefix}

// open starts a Redis for this test only and connects a store to it.
func open(t testing.TB) (*Redis, *redistest.Server) {
	t.Helper()
	srv := redistest.New(t)
	return connect(t, srv.URL()), srv
}

// connect connects a store with the tests' prefix and clock to the Redis
// at url, closed with the test.
func connect(t testing.TB, url string) *Redis {
	t.Helper()
	r, err := New(context.Background(), url)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := r.SetPrefix(testPrefix); err != nil {
		t.Fatal(err)
	}
	r.SetClock(testClock)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// onboarded is a realistic session after onboarding.
func onboarded() *flows.Session {
	at := redistest.Now().UTC().Add(-90 * 24 * time.Hour).Truncate(time.Second)
	return &flows.Session{
		Version:   flows.SessionVersion,
		Lang:      "ar",
		Territory: "dijon",
		Consents: map[flows.Purpose]flows.Consent{
			flows.PurposeNews:    {At: at, Notice: 1},
			flows.PurposeSurveys: {At: at, Notice: 1},
		},
		Flow:      "menu",
		Step:      "home",
		LastMsg:   "menu.home",
		Onboarded: true,
		Created:   at,
		Seen:      at.Add(5 * time.Minute),
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	paris := time.FixedZone("CET", 3600)
	year := redistest.Now().Year()
	want := &flows.Session{
		Version:   flows.SessionVersion,
		Lang:      "uk",
		Territory: "dijon",
		Consents: map[flows.Purpose]flows.Consent{
			flows.PurposeNews:    {At: time.Date(year, 1, 2, 3, 4, 5, 600, paris), Notice: 2},
			flows.PurposeSurveys: {At: redistest.Now(), Notice: 1}, // monotonic reading, local zone
		},
		Flow:      "housing",
		Step:      "ask_city",
		Vars:      map[string]string{"city": "Dijon", "empty": ""},
		LastMsg:   "housing.ask_city",
		Onboarded: true,
		Inactive:  true,
		Created:   time.Date(year-1, 12, 31, 23, 59, 59, 999999999, paris),
		Seen:      redistest.Now(),
	}
	if err := r.Commit(ctx, 42, want, nil); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	got, err := r.Load(ctx, 42)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Version != want.Version || got.Lang != want.Lang || got.Territory != want.Territory ||
		got.Flow != want.Flow || got.Step != want.Step || got.LastMsg != want.LastMsg ||
		got.Onboarded != want.Onboarded || got.Inactive != want.Inactive {
		t.Errorf("scalar fields: got %+v, want %+v", got, want)
	}
	if !got.Created.Equal(want.Created) || !got.Seen.Equal(want.Seen) {
		t.Errorf("times: got %v / %v, want %v / %v", got.Created, got.Seen, want.Created, want.Seen)
	}
	if !reflect.DeepEqual(got.Vars, want.Vars) {
		t.Errorf("Vars: got %v, want %v", got.Vars, want.Vars)
	}
	if len(got.Consents) != len(want.Consents) {
		t.Fatalf("Consents: got %v, want %v", got.Consents, want.Consents)
	}
	for p, w := range want.Consents {
		g, ok := got.Consents[p]
		if !ok || g.Notice != w.Notice || !g.At.Equal(w.At) {
			t.Errorf("Consents[%s]: got %+v (present %v), want %+v", p, g, ok, w)
		}
	}

	// Another person is unaffected.
	if _, err := r.Load(ctx, 43); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("Load(43): got %v, want ErrNotFound", err)
	}
}

func TestCommitStampsVersion(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	s := onboarded()
	s.Version = 0
	if err := r.Commit(ctx, 1, s, nil); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if s.Version != 0 {
		t.Errorf("Commit modified the caller's session")
	}
	got, err := r.Load(ctx, 1)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Version != flows.SessionVersion {
		t.Errorf("Version: got %d, want %d", got.Version, flows.SessionVersion)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	tests := []struct {
		name    string
		stored  string // "" stores nothing
		want    error
		message string // substring expected in the error
	}{
		{name: "unknown chat", want: flows.ErrNotFound},
		{name: "garbage", stored: "not json{", want: flows.ErrCorrupt},
		{name: "json null", stored: "null", want: flows.ErrCorrupt, message: "version missing"},
		{name: "version missing", stored: `{"lang":"fr"}`, want: flows.ErrCorrupt, message: "version missing"},
		{name: "version zero", stored: `{"v":0,"lang":"fr"}`, want: flows.ErrCorrupt, message: "version missing"},
		{name: "version negative", stored: `{"v":-1}`, want: flows.ErrCorrupt},
		{name: "version not a number", stored: `{"v":"1"}`, want: flows.ErrCorrupt},
		{name: "future version", stored: `{"v":99,"lang":"fr"}`, want: flows.ErrCorrupt,
			message: "session version 99 is newer than this binary"},
		{name: "bad field", stored: `{"v":1,"cons":"yes"}`, want: flows.ErrCorrupt},
		{name: "truncated", stored: `{"v":1,"lang":"f`, want: flows.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			if tt.stored != "" {
				if err := r.c.Set(ctx, tk.sessionKey(7), tt.stored, time.Hour).Err(); err != nil {
					t.Fatal(err)
				}
			}
			s, err := r.Load(ctx, 7)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load: got (%v, %v), want %v", s, err, tt.want)
			}
			if s != nil {
				t.Errorf("Load returned a session with an error: %+v", s)
			}
			if tt.message != "" && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not mention %q", err, tt.message)
			}
		})
	}
}

func TestSessionTTL(t *testing.T) {
	tests := []struct {
		name     string
		inactive bool
		want     time.Duration
	}{
		{"active", false, flows.Retention},
		{"inactive", true, flows.InactiveRetention},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			s := onboarded()
			s.Inactive = tt.inactive
			if err := r.Commit(ctx, 5, s, nil); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			ttl, err := r.c.TTL(ctx, tk.sessionKey(5)).Result()
			if err != nil {
				t.Fatal(err)
			}
			if d := tt.want - ttl; d < 0 || d > time.Minute {
				t.Errorf("TTL %v, want about %v", ttl, tt.want)
			}
		})
	}

	// Becoming active again restores the long retention.
	ctx := context.Background()
	r, _ := open(t)
	s := onboarded()
	s.Inactive = true
	if err := r.Commit(ctx, 6, s, nil); err != nil {
		t.Fatal(err)
	}
	s.Inactive = false
	if err := r.Commit(ctx, 6, s, nil); err != nil {
		t.Fatal(err)
	}
	if ttl := r.c.TTL(ctx, tk.sessionKey(6)).Val(); flows.Retention-ttl > time.Minute {
		t.Errorf("TTL after reactivation %v, want about %v", ttl, flows.Retention)
	}
}

func TestForgotten(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	const chat = 1234
	if err := r.Commit(ctx, chat, onboarded(), nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, chat+1, onboarded(), nil); err != nil {
		t.Fatal(err)
	}
	// Every personal key exists, whatever its type, so that DEL is exercised on each.
	for _, k := range tk.userKeys(chat) {
		if n := r.c.Exists(ctx, k).Val(); n == 0 {
			if err := r.c.Set(ctx, k, "x", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The session passed along is not written: forgetting wins.
	events := []flows.Event{flows.Forgotten{}, flows.FeedbackGiven{MessageID: "forget.done", Lang: "ar", Kind: "unclear"}}
	if err := r.Commit(ctx, chat, onboarded(), events); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	for _, k := range tk.userKeys(chat) {
		if n := r.c.Exists(ctx, k).Val(); n != 0 {
			t.Errorf("key %s survived Forgotten", k)
		}
	}
	if _, err := r.Load(ctx, chat); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("Load after Forgotten: %v, want ErrNotFound", err)
	}
	if _, err := r.Load(ctx, chat+1); err != nil {
		t.Errorf("another person was erased: %v", err)
	}
	fb, err := r.FeedbackCounts(ctx, "ar")
	if err != nil {
		t.Fatal(err)
	}
	if fb["forget.done|unclear"] != 1 {
		t.Errorf("events of the forgetting commit not counted: %v", fb)
	}

	// Forgetting someone unknown, with no session, is fine.
	if err := r.Commit(ctx, 999, nil, []flows.Event{&flows.Forgotten{}}); err != nil {
		t.Errorf("Commit(Forgotten, nil session): %v", err)
	}
	if n := r.c.Exists(ctx, tk.sessionKey(999)).Val(); n != 0 {
		t.Errorf("session written for a forgotten person")
	}
}

func TestEventsCounted(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	s := onboarded()
	commits := [][]flows.Event{
		{flows.SourceScanned{Territory: "dijon", Source: "poster-gare"}},
		{flows.SourceScanned{Territory: "dijon", Source: "poster-gare"},
			flows.FeedbackGiven{MessageID: "menu.home", Lang: "ar", Kind: "unclear"}},
		{&flows.SourceScanned{Territory: "dijon", Source: "cada"},
			flows.FeedbackGiven{MessageID: "menu.home", Lang: "ar", Kind: "translation"},
			&flows.FeedbackGiven{MessageID: "menu.home", Lang: "ar", Kind: "unclear"}},
		{flows.SourceScanned{Territory: "besancon", Source: "poster-gare"},
			flows.FeedbackGiven{MessageID: "menu.home", Lang: "uk", Kind: "unclear"}},
	}
	for i, ev := range commits {
		if err := r.Commit(ctx, int64(100+i), s, ev); err != nil {
			t.Fatalf("Commit %d: %v", i, err)
		}
	}
	tests := []struct {
		name string
		get  func() (map[string]int64, error)
		want map[string]int64
	}{
		{"sources dijon", func() (map[string]int64, error) { return r.SourceCounts(ctx, "dijon") },
			map[string]int64{"poster-gare": 2, "cada": 1}},
		{"sources besancon", func() (map[string]int64, error) { return r.SourceCounts(ctx, "besancon") },
			map[string]int64{"poster-gare": 1}},
		{"sources unknown", func() (map[string]int64, error) { return r.SourceCounts(ctx, "nowhere") },
			map[string]int64{}},
		{"feedback ar", func() (map[string]int64, error) { return r.FeedbackCounts(ctx, "ar") },
			map[string]int64{"menu.home|unclear": 2, "menu.home|translation": 1}},
		{"feedback uk", func() (map[string]int64, error) { return r.FeedbackCounts(ctx, "uk") },
			map[string]int64{"menu.home|unclear": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Aggregates are not personal: they never expire.
	for _, k := range []string{tk.sourceKey("dijon"), tk.feedbackKey("ar")} {
		if ttl := r.c.TTL(ctx, k).Val(); ttl != -1 {
			t.Errorf("TTL(%s) = %v, want none", k, ttl)
		}
	}
}

// Open claims an update once, and reads the session and the role with the
// claim: one transaction. A redelivery (another claimant) is a duplicate; the
// claimant that already holds the claim (a try whose answer was lost) is not.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 910, onboarded())
	role := flows.Role{Kind: flows.RolePartner, Territory: "dijon", Since: testClock.Now()}
	raw, _ := json.Marshal(role)
	r.c.Set(ctx, tk.roleKey(910), raw, 0)

	mine := flows.Claim{UpdateID: 555, Token: "a"}
	steps := []struct {
		name    string
		release bool
		claim   flows.Claim
		dup     bool
	}{
		{"first claim", false, mine, false},
		{"the same claimant again", false, mine, false},
		{"redelivery", false, flows.Claim{UpdateID: 555, Token: "b"}, true},
		{"after release", true, flows.Claim{UpdateID: 555, Token: "b"}, false},
		{"redelivery after reclaim", false, mine, true},
		{"no claim", false, flows.Claim{}, false},
	}
	for _, st := range steps {
		if st.release {
			if err := r.ReleaseUpdate(ctx, 555); err != nil {
				t.Fatalf("%s: ReleaseUpdate: %v", st.name, err)
			}
		}
		sess, got, err := r.Open(ctx, 910, st.claim)
		if st.dup {
			if !errors.Is(err, flows.ErrDuplicate) || sess != nil {
				t.Errorf("%s: Open = %v, %v; want ErrDuplicate", st.name, sess, err)
			}
			continue
		}
		if err != nil || sess == nil || !sess.Onboarded || got == nil || got.Kind != flows.RolePartner || got.Territory != "dijon" {
			t.Errorf("%s: Open = %+v, %+v, %v", st.name, sess, got, err)
		}
	}
	// Nobody's session: not found, with the role all the same.
	r.c.Set(ctx, tk.roleKey(911), raw, 0)
	if sess, got, err := r.Open(ctx, 911, flows.Claim{UpdateID: 556}); !errors.Is(err, flows.ErrNotFound) || sess != nil || got == nil {
		t.Errorf("no session: %v, %v, %v", sess, got, err)
	}
	r.c.Set(ctx, tk.sessionKey(912), "{not json", 0)
	if _, _, err := r.Open(ctx, 912, flows.Claim{}); !errors.Is(err, flows.ErrCorrupt) {
		t.Errorf("corrupt session: %v", err)
	}
	if _, got, err := r.Open(ctx, 913, flows.Claim{}); !errors.Is(err, flows.ErrNotFound) || got != nil {
		t.Errorf("nobody: role %v, %v", got, err)
	}
	// A claim lives claimPendingTTL until the Commit of the step's session
	// naming it keeps it; a commit of the same chat naming none (a
	// dashboard action) leaves it alone.
	if _, _, err := r.Open(ctx, 914, flows.Claim{UpdateID: 557, Token: "c"}); !errors.Is(err, flows.ErrNotFound) {
		t.Fatal(err)
	}
	mustCommit(t, r, 914, onboarded())
	step := onboarded()
	step.Claimed = flows.Claim{UpdateID: 557, Token: "c"}
	for _, st := range []struct {
		name string
		want time.Duration
	}{{"after Open and a commit naming no claim", claimPendingTTL}, {"after the step's Commit", UpdateClaimTTL}} {
		ttl, err := r.c.PTTL(ctx, tk.updateKey(557)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if d := st.want - ttl; d < 0 || d > 5*time.Second {
			t.Errorf("claim TTL %s: %v, want about %v", st.name, ttl, st.want)
		}
		mustCommit(t, r, 914, step)
	}
	if err := r.ReleaseUpdate(ctx, 777); err != nil {
		t.Errorf("releasing an unclaimed update: %v", err)
	}
}

// unknownEvent is an event this store does not know how to record.
type unknownEvent struct{ flows.Forgotten }

func TestCommitAllOrNothing(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		events []flows.Event
	}{
		{"cancelled context", cancelled, []flows.Event{
			flows.SourceScanned{Territory: "dijon", Source: "poster"},
			flows.FeedbackGiven{MessageID: "m", Lang: "ar", Kind: "unclear"},
		}},
		{"unknown event", context.Background(), []flows.Event{
			flows.SourceScanned{Territory: "dijon", Source: "poster"},
			flows.FeedbackGiven{MessageID: "m", Lang: "ar", Kind: "unclear"},
			unknownEvent{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			if err := r.Commit(tt.ctx, 8, onboarded(), tt.events); err == nil {
				t.Fatal("Commit succeeded")
			}
			if _, err := r.Load(ctx, 8); !errors.Is(err, flows.ErrNotFound) {
				t.Errorf("Load: %v, want ErrNotFound", err)
			}
			if n := r.c.DBSize(ctx).Val(); n != 0 {
				t.Errorf("%d keys written, want none: %v", n, r.c.Keys(ctx, "*").Val())
			}
		})
	}
}

func TestCommitNilSession(t *testing.T) {
	r, _ := open(t)
	if err := r.Commit(context.Background(), 9, nil, nil); err == nil {
		t.Error("Commit(nil session) succeeded")
	}
}

func TestRedisDown(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel() // waits in real time, on a Redis of its own
	r, srv := open(t)
	ctx := context.Background()
	if err := r.Commit(ctx, 10, onboarded(), nil); err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"Load", func(ctx context.Context) error { _, err := r.Load(ctx, 10); return err }},
		{"Commit", func(ctx context.Context) error { return r.Commit(ctx, 10, onboarded(), nil) }},
		{"Open", func(ctx context.Context) error { _, _, err := r.Open(ctx, 10, flows.Claim{UpdateID: 1}); return err }},
		{"Ping", r.Ping},
	}
	for _, c := range calls {
		start := time.Now()
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := c.call(ctx)
		cancel()
		if err == nil {
			t.Errorf("%s with Redis down: no error", c.name)
		}
		if errors.Is(err, flows.ErrNotFound) {
			t.Errorf("%s with Redis down: ErrNotFound would make the person start afresh", c.name)
		}
		t.Logf("%s with Redis down: %v after %v", c.name, err, time.Since(start).Round(time.Millisecond))
	}

	srv.Restart()
	// The same client reconnects by itself, possibly after a short back-off.
	deadline := time.Now().Add(10 * time.Second)
	for r.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnection after restart: %v", r.Ping(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := r.Commit(ctx, 10, onboarded(), nil); err != nil {
		t.Fatalf("Commit after restart: %v", err)
	}
	if _, err := r.Load(ctx, 10); err != nil {
		t.Fatalf("Load after restart: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	ctx := context.Background()
	// A port that nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	tests := []struct {
		name, url, want string
	}{
		{"bad scheme", "http://user:s3cret@" + addr, "parse redis url"},
		{"bad port", "redis://user:s3cret@127.0.0.1:notaport", "parse redis url"},
		{"unreachable", "redis://user:s3cret@" + addr + "/0", "connect redis"},
		{"unreachable tls", "rediss://user:s3cret@" + addr + "/0", "connect redis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			r, err := New(ctx, tt.url)
			if err == nil {
				r.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not start with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestNewFromClient(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	r2 := NewFromClient(r.c)
	if err := r2.SetPrefix(testPrefix); err != nil {
		t.Fatal(err)
	}
	if err := r2.Commit(ctx, 11, onboarded(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Load(ctx, 11); err != nil {
		t.Fatal(err)
	}
}

func TestOpenEmbedded(t *testing.T) {
	ctx := context.Background()
	r, err := OpenEmbedded()
	if err != nil {
		t.Fatalf("OpenEmbedded: %v", err)
	}
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	want := onboarded()
	if err := r.Commit(ctx, 12, want, []flows.Event{flows.SourceScanned{Territory: "dijon", Source: "x"}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	got, err := r.Load(ctx, 12)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Lang != want.Lang || !got.Seen.Equal(want.Seen) {
		t.Errorf("Load: got %+v", got)
	}
	if _, err := r.MemoryUsage(ctx, 12); err != nil {
		t.Logf("MemoryUsage on the embedded server: %v", err)
	}

	// The embedded server requires a password: other local users cannot read it.
	addr := r.mini.Addr()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	key := tk.sessionKey(12)
	c.Write([]byte(fmt.Sprintf("*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key)))
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	c.Close()
	if !strings.HasPrefix(string(buf[:n]), "-NOAUTH") {
		t.Errorf("unauthenticated GET answered %q", buf[:n])
	}

	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("embedded server still listening on %s after Close", addr)
	}
}

func TestMemoryUsageUnknown(t *testing.T) {
	r, _ := open(t)
	if _, err := r.MemoryUsage(context.Background(), 13); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("MemoryUsage of an unknown chat: %v, want ErrNotFound", err)
	}
}

func TestBytesPerUser(t *testing.T) {
	r, srv := open(t)
	if !srv.Real() {
		t.Skip("MEMORY USAGE is only meaningful on a real redis-server")
	}
	ctx := context.Background()
	s := onboarded()
	if err := r.Commit(ctx, 6543210987, s, nil); err != nil {
		t.Fatal(err)
	}
	n, err := r.MemoryUsage(ctx, 6543210987)
	if err != nil {
		t.Fatalf("MemoryUsage: %v", err)
	}
	raw, _ := encodeSession(s)
	t.Logf("onboarded session (ar, dijon, 2 consents): %d bytes in Redis, %d bytes of JSON", n, len(raw))
}

func BenchmarkCommit(b *testing.B) {
	r, _ := open(b)
	ctx := context.Background()
	const chat = 6543210987
	if err := r.Commit(ctx, chat, onboarded(), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := r.Load(ctx, chat)
		if err != nil {
			b.Fatal(err)
		}
		s.Seen = redistest.Now()
		if err := r.Commit(ctx, chat, s, nil); err != nil {
			b.Fatal(err)
		}
	}
}
