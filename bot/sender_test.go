package bot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/bulk"
	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// The real store must keep implementing the sender's interfaces exactly.
var (
	_ bulk.Outbox  = (*storage.Redis)(nil)
	_ bulk.Limiter = (*storage.Redis)(nil)
	_ Limiter      = (*storage.Redis)(nil)
)

// testRate is the overall rate of these tests: Telegram's 30 a second, ×10 for speed.
const testRate = 300

// sendBudget is how long a test job may take.
const sendBudget = 30 * time.Second

// memOutbox is an in-memory Outbox with the storage's semantics: a delivery
// is claimed by one consumer until settled by Finish or Retry; one left
// unsettled longer than idle is claimed again, by anyone; Retry queues a copy
// with Attempt+1 due at `at`; settling twice counts once.
type memOutbox struct {
	mu      sync.Mutex
	entries []*memEntry
	byID    map[string]*memEntry
	head    int // entries before head are not ready
	seq     int
	jobs    map[string]*flows.JobStatus
	claims  map[string]int // deliveries claimed, per consumer
}

type memEntry struct {
	d       flows.Delivery
	state   entryState
	owner   string
	claimed time.Time
}

type entryState int

const (
	entryReady entryState = iota
	entryClaimed
	entrySettled
)

func newMemOutbox() *memOutbox {
	return &memOutbox{byID: map[string]*memEntry{}, jobs: map[string]*flows.JobStatus{}, claims: map[string]int{}}
}

// enqueue queues one message of text to each chat for job.
func (o *memOutbox) enqueue(job flows.Job, chats []int64, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.jobs[job.ID] = &flows.JobStatus{Job: job, Total: len(chats)}
	for _, c := range chats {
		o.addLocked(flows.Delivery{Bulk: flows.Bulk{Job: job.ID, ChatID: c, Text: text}, Attempt: 1})
	}
}

func (o *memOutbox) addLocked(d flows.Delivery) {
	o.seq++
	d.ID = "m-" + strconv.Itoa(o.seq)
	e := &memEntry{d: d}
	o.entries = append(o.entries, e)
	o.byID[d.ID] = e
}

func (o *memOutbox) Claim(ctx context.Context, consumer string, n int, idle time.Duration) ([]flows.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []flows.Delivery
	take := func(e *memEntry) {
		e.state, e.owner, e.claimed = entryClaimed, consumer, now
		o.claims[consumer]++
		out = append(out, e.d)
	}
	for _, e := range o.entries[:o.head] { // unsettled for too long: claimed again
		if len(out) < n && e.state == entryClaimed && now.Sub(e.claimed) >= idle {
			take(e)
		}
	}
	for i := o.head; i < len(o.entries) && len(out) < n; i++ {
		e := o.entries[i]
		if e.state == entryReady && !e.d.NotBefore.After(now) {
			take(e)
		}
	}
	for o.head < len(o.entries) && o.entries[o.head].state != entryReady {
		o.head++
	}
	return out, nil
}

// settleLocked settles d; false when it was already.
func (o *memOutbox) settleLocked(d flows.Delivery) bool {
	e := o.byID[d.ID]
	if e == nil || e.state == entrySettled {
		return false
	}
	e.state = entrySettled
	return true
}

func (o *memOutbox) Finish(ctx context.Context, d flows.Delivery, outcome flows.Outcome) (flows.JobStatus, error) {
	if err := ctx.Err(); err != nil {
		return flows.JobStatus{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.jobs[d.Bulk.Job]
	if st == nil {
		return flows.JobStatus{Job: flows.Job{ID: d.Bulk.Job}}, nil
	}
	if o.settleLocked(d) {
		switch outcome {
		case flows.OutcomeSent:
			st.Sent++
		case flows.OutcomeBlocked:
			st.Blocked++
		case flows.OutcomeFailed:
			st.Failed++
		default:
			return flows.JobStatus{}, fmt.Errorf("unknown outcome %q", outcome)
		}
	}
	return *st, nil
}

func (o *memOutbox) Retry(ctx context.Context, d flows.Delivery, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.settleLocked(d) {
		d.Attempt++
		d.NotBefore = at
		o.addLocked(d)
	}
	return nil
}

// Unclaim makes consumer's claimed deliveries look idle for an hour.
func (o *memOutbox) Unclaim(ctx context.Context, consumer string, ids []string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, id := range ids {
		if e := o.byID[id]; e != nil && e.state == entryClaimed && e.owner == consumer {
			e.claimed = e.claimed.Add(-time.Hour)
			n++
		}
	}
	return n, nil
}

func (o *memOutbox) SetProgressMessage(ctx context.Context, job string, messageID int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if st := o.jobs[job]; st != nil {
		st.ProgressMessage = messageID
		return nil
	}
	return flows.ErrNotFound
}

func (o *memOutbox) status(job string) flows.JobStatus {
	o.mu.Lock()
	defer o.mu.Unlock()
	return *o.jobs[job]
}

// unsettled counts the deliveries consumer claimed and did not settle.
func (o *memOutbox) unsettled(consumer string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, e := range o.entries {
		if e.state == entryClaimed && e.owner == consumer {
			n++
		}
	}
	return n
}

// testReporter renders a status plainly.
type testReporter struct{}

func (testReporter) JobReport(s flows.JobStatus) flows.Reply {
	return flows.Reply{Text: fmt.Sprintf("job %s: %d sent, %d blocked, %d failed, %d pending of %d",
		s.ID, s.Sent, s.Blocked, s.Failed, s.Pending(), s.Total)}
}

// blockRecorder records the chats the bot marks inactive.
type blockRecorder struct {
	Handler
	mu      sync.Mutex
	blocked []int64
}

func (r *blockRecorder) Handle(ctx context.Context, in flows.Input) ([]flows.Reply, error) {
	if in.Kind == flows.KindBlocked {
		r.mu.Lock()
		r.blocked = append(r.blocked, in.ChatID)
		r.mu.Unlock()
	}
	return r.Handler.Handle(ctx, in)
}

func (r *blockRecorder) chats() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.blocked))
}

// rig is a bot on the fake Bot API with a shared limiter and an outbox.
type rig struct {
	tb       testing.TB
	h        *harness
	out      bulk.Outbox
	mem      *memOutbox // out, when in memory
	lim      Limiter
	recorder *blockRecorder
}

// newRig starts a harness whose fake enforces limits, and gives the bot the
// limiter lim (an in-memory one when nil) and the outbox out (in memory when nil).
func newRig(tb testing.TB, limits fakeapi.Limits, out bulk.Outbox, lim Limiter) *rig {
	tb.Helper()
	r := &rig{tb: tb, recorder: &blockRecorder{}}
	r.h = newHarness(tb, harnessOpts{wrap: func(next Handler) Handler { r.recorder.Handler = next; return r.recorder }})
	if lim == nil {
		lim = newMemLimiter()
	}
	if out == nil {
		r.mem = newMemOutbox()
		out = r.mem
	}
	r.out, r.lim = out, lim
	r.h.bot.cfg.Limiter, r.h.bot.cfg.Rate = lim, testRate
	if limits.PerChat > 0 {
		r.h.bot.cfg.ChatPace = limits.PerChat // replies keep the limit the fake enforces
	}
	r.h.fake.Limit(limits)
	return r
}

// config is a sender configuration for consumer.
func (r *rig) config(consumer string) bulk.Config {
	return bulk.Config{
		Client:   r.h.bot.Bulk(),
		Logger:   r.h.bot.log,
		Registry: r.h.reg,
		Outbox:   r.out,
		Limiter:  r.lim,
		Reporter: testReporter{},
		Consumer: consumer,
		Rate:     testRate,
		PerChat:  time.Second,
		Idle:     5 * time.Second,
	}
}

// run is one Sender in the background.
type run struct {
	stop func() // ends ctx: the sender drains
	kill func() // ends the process: nothing more is sent or recorded
	done chan error
	once sync.Once
	err  error
}

func (r *rig) start(cfg bulk.Config) *run {
	s, err := bulk.NewSender(cfg)
	if err != nil {
		r.tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	life, kill := context.WithCancel(context.Background())
	ru := &run{stop: stop, kill: kill, done: make(chan error, 1)}
	go func() {
		s.Serve(ctx, life)
		ru.done <- nil
	}()
	r.tb.Cleanup(func() { kill(); stop(); ru.wait(r.tb) })
	return ru
}

// wait waits for the sender to return.
func (ru *run) wait(tb testing.TB) error {
	tb.Helper()
	ru.once.Do(func() {
		select {
		case ru.err = <-ru.done:
		case <-time.After(sendBudget):
			ru.err = errors.New("the sender did not return")
		}
	})
	return ru.err
}

// recipients returns n private chat ids from base.
func recipients(base int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = base + int64(i)
	}
	return out
}

// testJob is a broadcast owned by owner.
func testJob(id string, owner int64) flows.Job {
	return flows.Job{ID: id, Kind: "broadcast", Territory: "dijon", Owner: owner, OwnerLang: "fr", Created: fixedNow}
}

// within waits until cond holds, for at most d.
func within(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sendCalls lists the sendMessage calls the fake received, per chat.
func sendCalls(fake *fakeapi.Server) map[int64][]fakeapi.Call {
	out := map[int64][]fakeapi.Call{}
	for _, c := range fake.CallsTo("sendMessage") {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		out[id] = append(out[id], c)
	}
	return out
}

// delivered counts the messages each chat received.
func delivered(fake *fakeapi.Server, chats []int64) map[int64]int {
	calls := sendCalls(fake)
	out := make(map[int64]int, len(chats))
	for _, c := range chats {
		for _, call := range calls[c] {
			if call.Status == http.StatusOK {
				out[c]++
			}
		}
	}
	return out
}

// finalReport waits until the owner's progress message shows st: one
// message, sent once and edited since.
func (r *rig) finalReport(owner int64, st flows.JobStatus) {
	r.tb.Helper()
	want := testReporter{}.JobReport(st).Text
	within(r.tb, sendBudget, "the final report", func() bool {
		msgs := r.h.fake.Messages(owner)
		return len(msgs) > 0 && msgs[len(msgs)-1].Text == want
	})
	if msgs := r.h.fake.Messages(owner); len(msgs) != 1 {
		r.tb.Errorf("the owner got %d progress messages, want 1", len(msgs))
	}
}

// bulkRetries reads passerelle_bulk_retries_total.
func (r *rig) bulkRetries() float64 {
	r.tb.Helper()
	families, err := r.h.reg.Gather()
	if err != nil {
		r.tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "passerelle_bulk_retries_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// waitJob waits until the in-memory job has nothing pending and returns it.
func (r *rig) waitJob(id string) flows.JobStatus {
	r.tb.Helper()
	within(r.tb, sendBudget, "job "+id+" done", func() bool { return r.mem.status(id).Pending() == 0 })
	return r.mem.status(id)
}

// peakRate is the most messages accepted in any sliding second of the journal.
func peakRate(fake *fakeapi.Server) int {
	var at []time.Time
	for _, c := range fake.Calls() {
		if accounted[c.Method] && c.Status == http.StatusOK {
			at = append(at, c.At)
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= time.Second {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

func TestSenderPacesABroadcast(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5400000000
	chats := recipients(5400000001, 1000)
	r.mem.enqueue(testJob("j1", owner), chats, "Réunion d'information jeudi à 14 h.")
	start := time.Now()
	r.start(r.config("a"))

	st := r.waitJob("j1")
	elapsed := time.Since(start)
	if st.Sent != 1000 || st.Blocked != 0 || st.Failed != 0 {
		t.Fatalf("status %+v, want 1000 sent", st)
	}
	r.finalReport(owner, st)
	for c, n := range delivered(r.h.fake, chats) {
		if n != 1 {
			t.Errorf("chat %d received %d messages, want 1", c, n)
		}
	}
	if got := len(delivered(r.h.fake, chats)); got != 1000 {
		t.Errorf("%d chats received the message, want 1000", got)
	}
	if v := r.h.fake.Violations(); v != 0 {
		t.Errorf("%d sends broke Telegram's limits", v)
	}
	if got := r.h.counter("passerelle_bulk_total", "outcome", "sent"); got != 1000 {
		t.Errorf("passerelle_bulk_total{sent} = %v", got)
	}
	t.Logf("1000 messages in %v: %.0f/s for a limit of %d/s; peak %d in a second",
		elapsed.Round(time.Millisecond), 1000/elapsed.Seconds(), testRate, peakRate(r.h.fake))
}

func TestSenderBlockedChats(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5410000000
	chats := recipients(5410000001, 40)
	blocked := []int64{chats[3], chats[17], chats[31]}
	for _, c := range blocked {
		r.h.fake.Block(c, true)
	}
	r.mem.enqueue(testJob("j2", owner), chats, "Atelier CV demain.")
	r.start(r.config("a"))

	st := r.waitJob("j2")
	if st.Sent != 37 || st.Blocked != 3 || st.Failed != 0 {
		t.Fatalf("status %+v, want 37 sent, 3 blocked", st)
	}
	r.finalReport(owner, st)
	if got := r.recorder.chats(); !slices.Equal(got, blocked) {
		t.Errorf("marked inactive: %v, want %v", got, blocked)
	}
	calls := sendCalls(r.h.fake)
	for _, c := range blocked {
		if n := len(calls[c]); n != 1 {
			t.Errorf("blocked chat %d: %d sends, want 1 (never retried)", c, n)
		}
	}
	if got := r.h.counter("passerelle_bulk_total", "outcome", "blocked"); got != 3 {
		t.Errorf("passerelle_bulk_total{blocked} = %v", got)
	}
}

// TestSenderSkipsWithdrawn: someone who used /stop or /forget after the
// broadcast was queued gets nothing; they are counted with the blocked.
func TestSenderSkipsWithdrawn(t *testing.T) {
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5415000000
	chats := recipients(5415000001, 10)
	withdrawn := map[int64]bool{chats[2]: true, chats[7]: true}
	r.mem.enqueue(testJob("jw", owner), chats, "Sortie au musée samedi.")
	cfg := r.config("a")
	cfg.Eligible = func(_ context.Context, d flows.Delivery) (bool, error) { return !withdrawn[d.Bulk.ChatID], nil }
	r.start(cfg)

	st := r.waitJob("jw")
	if st.Sent != 8 || st.Blocked != 2 || st.Failed != 0 {
		t.Fatalf("status %+v, want 8 sent, 2 withdrawn", st)
	}
	calls := sendCalls(r.h.fake)
	for c := range withdrawn {
		if len(calls[c]) != 0 {
			t.Errorf("chat %d withdrew but got %d messages", c, len(calls[c]))
		}
	}
	if got := r.recorder.chats(); len(got) != 0 {
		t.Errorf("withdrawn people were marked inactive: %v", got)
	}
}

func TestSenderServerErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5420000000
	chats := recipients(5420000001, 20)
	broken := chats[7]
	r.h.fake.FailChat(broken, fakeapi.Fault{Code: http.StatusBadGateway}, true)
	r.h.fake.FailNext("sendMessage", fakeapi.Fault{Code: http.StatusInternalServerError}, 1)
	r.mem.enqueue(testJob("j3", owner), chats, "Permanence juridique lundi.")
	cfg := r.config("a")
	cfg.MaxAttempts = 3
	r.start(cfg)

	st := r.waitJob("j3")
	if st.Sent != 19 || st.Failed != 1 || st.Blocked != 0 {
		t.Fatalf("status %+v, want 19 sent and 1 failed", st)
	}
	r.finalReport(owner, st)
	calls := sendCalls(r.h.fake)
	if n := len(calls[broken]); n != 3 {
		t.Errorf("always failing chat: %d sends, want MaxAttempts=3", n)
	} else if gap := calls[broken][2].At.Sub(calls[broken][1].At); gap < calls[broken][1].At.Sub(calls[broken][0].At) {
		t.Errorf("backoff does not grow: %v then %v", calls[broken][1].At.Sub(calls[broken][0].At), gap)
	}
	// The 500 went to the first chat sent to; it was tried again after a backoff.
	var retried []fakeapi.Call
	for _, cs := range calls {
		if cs[0].Status == http.StatusInternalServerError {
			retried = cs
		}
	}
	if len(retried) != 2 || retried[1].Status != http.StatusOK {
		t.Fatalf("500 then: %v, want one more send that succeeds", retried)
	}
	if gap := retried[1].At.Sub(retried[0].At); gap < 800*time.Millisecond {
		t.Errorf("retried %v after a 500, want a backoff of about a second", gap)
	}
	if got := r.h.counter("passerelle_bulk_total", "outcome", "failed"); got != 1 {
		t.Errorf("passerelle_bulk_total{failed} = %v", got)
	}
	if got := r.bulkRetries(); got != 3 {
		t.Errorf("passerelle_bulk_retries_total = %v, want 3 (one 500, two 502)", got)
	}
}

func TestSenderFloodPausesAllBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5430000000
	chats := recipients(5430000001, 300)
	r.mem.enqueue(testJob("j4", owner), chats, "Distribution alimentaire samedi.")
	cfg := r.config("a")
	r.start(cfg)
	within(t, sendBudget, "some messages sent", func() bool { return r.mem.status("j4").Sent >= 50 })
	r.h.fake.FailNext("sendMessage", fakeapi.Fault{Code: http.StatusTooManyRequests, RetryAfter: 1}, 1)

	st := r.waitJob("j4")
	if st.Sent != 300 {
		t.Fatalf("status %+v, want 300 sent", st)
	}
	r.finalReport(owner, st)
	var flood time.Time
	var after []time.Time
	for _, c := range r.h.fake.CallsTo("sendMessage") {
		switch {
		case c.Status == http.StatusTooManyRequests:
			flood = c.At
		case !flood.IsZero() && c.Params["chat_id"] != strconv.FormatInt(owner, 10):
			after = append(after, c.At)
		}
	}
	if flood.IsZero() || len(after) == 0 {
		t.Fatal("no 429, or nothing sent after it")
	}
	// Sends already on their way when the 429 came may still arrive; then nothing for retry_after.
	early := 0
	for _, at := range after {
		if at.Sub(flood) < 900*time.Millisecond {
			early++
		}
	}
	if early > bulk.Workers {
		t.Errorf("%d bulk sends within retry_after of the 429, want at most the %d under way", early, bulk.Workers)
	}
	if got := delivered(r.h.fake, chats); len(got) != 300 {
		t.Errorf("%d chats received the message, want 300", len(got))
	}
}

func TestSenderQuietHours(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5440000000
	chats := recipients(5440000001, 30)
	r.mem.enqueue(testJob("j5", owner), chats, "Rappel : fermeture exceptionnelle.")
	var quiet atomic.Bool
	quiet.Store(true)
	asked := make(chan struct{}, 1)
	cfg := r.config("a")
	cfg.Quiet = func(now time.Time) (time.Time, bool) {
		select {
		case asked <- struct{}{}:
		default:
		}
		return now.Add(8 * time.Hour), quiet.Load()
	}
	r.start(cfg)

	// The sender looks at the quiet hours as it starts and again a recheck
	// later: nothing may have gone out in between.
	for i := range 2 {
		select {
		case <-asked:
		case <-time.After(waitBudget):
			t.Fatalf("the sender asked about quiet hours %d times in %v, want 2", i, waitBudget)
		}
	}
	if n := len(r.h.fake.CallsTo("sendMessage")); n != 0 {
		t.Fatalf("%d messages sent during quiet hours", n)
	}
	quiet.Store(false)
	st := r.waitJob("j5")
	if st.Sent != 30 {
		t.Fatalf("status %+v after quiet hours, want 30 sent", st)
	}
	r.finalReport(owner, st)
}

// TestSenderCrashResumes: a sender dies mid-job (nothing drained, its sends
// under way abandoned); another one, under another name, finishes the job.
func TestSenderCrashResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	r.h.fake.Delay(40 * time.Millisecond) // sends take a while: some are under way at the crash
	const owner = 5450000000
	chats := recipients(5450000001, 400)
	r.mem.enqueue(testJob("j6", owner), chats, "Nouveaux horaires de la préfecture.")
	a := r.start(r.config("a"))
	within(t, sendBudget, "a third sent", func() bool { return r.mem.status("j6").Sent >= 130 })
	a.kill()
	if err := a.wait(t); err != nil {
		t.Fatal(err)
	}
	inFlight := r.mem.unsettled("a")
	r.h.fake.Delay(0)

	cfg := r.config("b")
	cfg.Idle = 300 * time.Millisecond
	r.start(cfg)
	st := r.waitJob("j6")
	if st.Sent != 400 {
		t.Fatalf("status %+v, want 400 sent", st)
	}
	r.finalReport(owner, st)
	dups := 0
	for c, n := range delivered(r.h.fake, chats) {
		if n == 0 {
			t.Errorf("chat %d never got the message", c)
		}
		dups += n - 1
	}
	if got := len(delivered(r.h.fake, chats)); got != 400 {
		t.Errorf("%d chats got the message, want 400", got)
	}
	if dups > inFlight {
		t.Errorf("%d duplicates, more than the %d deliveries in flight at the crash", dups, inFlight)
	}
	t.Logf("crash with %d deliveries in flight: %d duplicates", inFlight, dups)
}

// TestSenderDrains: ending ctx finishes and records the sends under way; a
// new sender finishes the job without sending anything twice.
func TestSenderDrains(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	r.h.fake.Delay(40 * time.Millisecond)
	const owner = 5460000000
	chats := recipients(5460000001, 400)
	r.mem.enqueue(testJob("j7", owner), chats, "Inscriptions au cours de français ouvertes.")
	a := r.start(r.config("a"))
	within(t, sendBudget, "a third sent", func() bool { return r.mem.status("j7").Sent >= 130 })
	stopped := time.Now()
	a.stop()
	if err := a.wait(t); err != nil {
		t.Fatal(err)
	}
	drain := time.Since(stopped)
	// Everything sent was recorded.
	sent := 0
	for _, n := range delivered(r.h.fake, chats) {
		sent += n
	}
	if st := r.mem.status("j7"); st.Sent != sent {
		t.Fatalf("after the drain: %d messages sent, %d recorded", sent, st.Sent)
	}
	if drain > 2*time.Second {
		t.Errorf("drain took %v", drain)
	}

	cfg := r.config("b")
	cfg.Idle = 300 * time.Millisecond
	r.h.fake.Delay(0)
	r.start(cfg)
	st := r.waitJob("j7")
	if st.Sent != 400 {
		t.Fatalf("status %+v, want 400 sent", st)
	}
	r.finalReport(owner, st)
	for c, n := range delivered(r.h.fake, chats) {
		if n != 1 {
			t.Errorf("chat %d got %d messages, want 1", c, n)
		}
	}
	t.Logf("drained in %v with %d sent", drain.Round(time.Millisecond), sent)
}

func TestSenderTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5470000000
	chats := recipients(5470000001, 1000)
	r.mem.enqueue(testJob("j8", owner), chats, "Sortie au musée dimanche.")
	r.start(r.config("a"))
	r.start(r.config("b"))

	st := r.waitJob("j8")
	if st.Sent != 1000 {
		t.Fatalf("status %+v, want 1000 sent", st)
	}
	r.finalReport(owner, st)
	for c, n := range delivered(r.h.fake, chats) {
		if n != 1 {
			t.Errorf("chat %d got %d messages, want 1", c, n)
		}
	}
	if v := r.h.fake.Violations(); v != 0 {
		t.Errorf("%d sends broke Telegram's limits with two replicas", v)
	}
	r.mem.mu.Lock()
	t.Logf("claimed: a %d, b %d", r.mem.claims["a"], r.mem.claims["b"])
	r.mem.mu.Unlock()
}

// interactiveLoad sends one /start from a new person every period until stop
// and returns how long each took to handle, replies included.
func interactiveLoad(tb testing.TB, h *harness, base int64, period time.Duration, stop <-chan struct{}) <-chan []time.Duration {
	out := make(chan []time.Duration, 1)
	go func() {
		var lat []time.Duration
		t := time.NewTicker(period)
		defer t.Stop()
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				out <- lat
				return
			case <-t.C:
			}
			u := decodeUpdate(tb, withUpdateID(h, fakeapi.TextUpdate(base+i, "/start", "fr")))
			t0 := time.Now()
			if err := h.bot.HandleUpdate(h.ctx, u); err != nil {
				tb.Errorf("interactive update: %v", err)
			}
			lat = append(lat, time.Since(t0))
		}
	}()
	return out
}

// percentile of durations, p in [0, 1].
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[max(int(math.Ceil(p*float64(len(d))))-1, 0)]
}

func TestSenderRepliesDoNotWaitBehindBulk(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, nil, nil)
	const owner = 5480000000
	chats := recipients(5480000001, 1000)

	// The same replies with no bulk running, for comparison.
	stop := make(chan struct{})
	res := interactiveLoad(t, r.h, 5489000000, 20*time.Millisecond, stop)
	time.Sleep(time.Second)
	close(stop)
	quiet := <-res

	r.mem.enqueue(testJob("j9", owner), chats, "Consultation médicale gratuite mardi.")
	r.start(r.config("a"))
	stop = make(chan struct{})
	res = interactiveLoad(t, r.h, 5489100000, 20*time.Millisecond, stop)
	st := r.waitJob("j9")
	close(stop)
	busy := <-res
	if st.Sent != 1000 {
		t.Fatalf("status %+v, want 1000 sent", st)
	}
	t.Logf("replies without bulk: %d, p50 %v, p95 %v", len(quiet), percentile(quiet, .5), percentile(quiet, .95))
	t.Logf("replies during 1000 bulk messages: %d, p50 %v, p95 %v; 429 answered: %d",
		len(busy), percentile(busy, .5), percentile(busy, .95), r.h.fake.Violations())
}

// TestSenderWithRedis runs a broadcast through the real store: the outbox
// and the limiter in Redis, the job queued by Commit.
func TestSenderWithRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	ctx := context.Background()
	store, err := storage.New(ctx, redistest.New(t).URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	r := newRig(t, fakeapi.Limits{Global: testRate, PerChat: time.Second}, store, store)
	const owner = 5490000000
	chats := recipients(5490000001, 300)
	r.h.fake.Block(chats[10], true)
	queue(t, store, testJob("r1", owner), chats, "Forum de l'emploi vendredi.")

	a := r.start(r.config("a"))
	b := r.start(r.config("b"))
	var st *flows.JobStatus
	within(t, sendBudget, "the job done", func() bool {
		st, err = store.Job(ctx, "r1")
		return err == nil && st != nil && st.Pending() == 0
	})
	if st.Sent != 299 || st.Blocked != 1 {
		t.Fatalf("status %+v, want 299 sent and 1 blocked", st)
	}
	r.finalReport(owner, *st)
	a.stop()
	b.stop()
	for c, n := range delivered(r.h.fake, chats) {
		if n != 1 && c != chats[10] {
			t.Errorf("chat %d got %d messages, want 1", c, n)
		}
	}
	if v := r.h.fake.Violations(); v != 0 {
		t.Errorf("%d sends broke Telegram's limits", v)
	}
	if got := r.recorder.chats(); !slices.Equal(got, []int64{chats[10]}) {
		t.Errorf("marked inactive: %v", got)
	}
	if n, err := store.OutboxLen(ctx); err != nil || n != 0 {
		t.Errorf("outbox holds %d messages (%v), want 0", n, err)
	}
}

// queue writes a broadcast to the store's outbox the way flows does: an event of the owner's commit.
func queue(tb testing.TB, store *storage.Redis, job flows.Job, chats []int64, text string) {
	tb.Helper()
	msgs := make([]flows.Bulk, len(chats))
	for i, c := range chats {
		msgs[i] = flows.Bulk{Job: job.ID, ChatID: c, Text: text}
	}
	s := flows.NewSession(fixedNow)
	if err := store.Commit(context.Background(), job.Owner, s, []flows.Event{flows.BroadcastQueued{Job: job, Messages: msgs}}); err != nil {
		tb.Fatalf("queue the broadcast: %v", err)
	}
}

// BenchmarkBroadcastLoad sends 10,000 messages through Redis and the fake Bot
// API, whose limits are Telegram's ×10, while people talk to the bot. It
// reports the achieved rate as a share of the limit, the 429 answers and the
// reply latency of the others during the run.
//
//	go test -run '^$' -bench BroadcastLoad -benchtime 1x ./bot/
func BenchmarkBroadcastLoad(b *testing.B) {
	const n = 10000
	for i := range b.N {
		ctx := context.Background()
		store, err := storage.New(ctx, redistest.New(b).URL())
		if err != nil {
			b.Fatal(err)
		}
		r := newRig(b, fakeapi.Limits{Global: testRate, PerChat: time.Second}, store, store)
		owner := int64(5500000000 + i*100000)
		chats := recipients(owner+1, n)
		job := testJob("load-"+strconv.Itoa(i), owner)
		queue(b, store, job, chats, "Message de test de charge.")

		start := time.Now()
		run := r.start(r.config("load"))
		stop := make(chan struct{})
		res := interactiveLoad(b, r.h, owner+50000, 50*time.Millisecond, stop)
		var st *flows.JobStatus
		within(b, 5*time.Minute, "the job done", func() bool {
			st, err = store.Job(ctx, job.ID)
			return err == nil && st != nil && st.Pending() == 0
		})
		elapsed := time.Since(start)
		close(stop)
		lat := <-res
		run.stop()
		_ = run.wait(b)
		_ = store.Close()
		if st.Sent != n {
			b.Fatalf("status %+v, want %d sent", st, n)
		}
		total := 0 // bulk, replies and reports
		for _, c := range r.h.fake.Calls() {
			if accounted[c.Method] && c.Status == http.StatusOK {
				total++
			}
		}
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "bulk-msg/s")
		b.ReportMetric(rate/testRate, "bulk-share")
		b.ReportMetric(float64(total)/elapsed.Seconds()/testRate, "share-of-limit")
		b.ReportMetric(float64(peakRate(r.h.fake)), "peak-msg/s")
		b.ReportMetric(float64(r.h.fake.Violations()), "429s")
		b.ReportMetric(float64(len(lat)), "replies")
		b.ReportMetric(float64(percentile(lat, .95).Microseconds())/1000, "reply-p95-ms")
		b.ReportMetric(float64(percentile(lat, .5).Microseconds())/1000, "reply-p50-ms")
	}
}
