package storage

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// schedule records reminders as their first person.
func schedule(t testing.TB, r *Redis, rs ...flows.Reminder) {
	t.Helper()
	mustCommit(t, r, rs[0].ChatID, onboarded(), flows.RemindersScheduled{Reminders: rs})
}

// personal returns Personal or fails the test.
func personal(t testing.TB, r *Redis, chat int64) []flows.Reminder {
	t.Helper()
	rs, err := r.Personal(context.Background(), chat)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// sameReminders compares reminders, times by instant.
func sameReminders(a, b []flows.Reminder) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ChatID != b[i].ChatID || a[i].Kind != b[i].Kind || a[i].Ref != b[i].Ref ||
			!a[i].Due.Equal(b[i].Due) || !a[i].At.Equal(b[i].At) {
			return false
		}
	}
	return true
}

// TestReminderEncoding encodes and decodes only, with a due time relative to
// the tests' clock like every other reminder here.
func TestReminderEncoding(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	due := redistest.Now().In(paris).Truncate(time.Minute).Add(72 * time.Hour)
	base := flows.Reminder{Due: due, Kind: "personal2h", Ref: `rdv "préfecture"`, At: due.Add(2 * time.Hour)}
	utc := base
	utc.Due, utc.At = base.Due.UTC(), base.At.UTC()
	withMonotonic := base
	withMonotonic.Due = time.Now()
	withMonotonic.Due = withMonotonic.Due.Add(due.Sub(withMonotonic.Due))

	for _, chat := range []int64{0, 5, -1001234567890, math.MaxInt64} {
		t.Run(strconv.FormatInt(chat, 10), func(t *testing.T) {
			var members []string
			for _, r := range []flows.Reminder{base, utc, withMonotonic} {
				r.ChatID = chat
				m, err := encodeReminder(r)
				if err != nil {
					t.Fatal(err)
				}
				members = append(members, m)
			}
			if members[0] != members[1] || members[0] != members[2] {
				t.Errorf("one reminder, several members: %q", members)
			}
			// The rsvp script builds members as head + chat + tail.
			tail, err := reminderTail(base)
			if err != nil {
				t.Fatal(err)
			}
			if got := `{"chat":` + strconv.FormatInt(chat, 10) + tail; got != members[0] {
				t.Errorf("script member %q, want %q", got, members[0])
			}
			back, err := decodeReminder(members[0])
			if err != nil {
				t.Fatal(err)
			}
			want := base
			want.ChatID = chat
			if !sameReminders([]flows.Reminder{back}, []flows.Reminder{want}) {
				t.Errorf("decoded %+v, want %+v", back, want)
			}
		})
	}
}

func TestRemindersScheduledAndCancelled(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().Truncate(time.Second)
	appt := now.Add(26 * time.Hour)
	a := flows.Reminder{ChatID: 11, Due: appt.Add(-24 * time.Hour), Kind: "personal1d", Ref: "appt1", At: appt}
	b := flows.Reminder{ChatID: 11, Due: now.Add(-time.Minute), Kind: "personal2h", Ref: "appt1", At: appt} // late: kept
	c := flows.Reminder{ChatID: 11, Due: now.Add(72 * time.Hour), Kind: "personal1d", Ref: "appt2", At: now.Add(96 * time.Hour)}
	d := flows.Reminder{ChatID: 12, Due: now.Add(2 * time.Hour), Kind: "personal2h", Ref: "appt1", At: now.Add(4 * time.Hour)}
	schedule(t, r, a, b, c, d)

	steps := []struct {
		name  string
		event flows.Event
		want  map[int64][]flows.Reminder
		total int64
	}{
		{"scheduled", nil, map[int64][]flows.Reminder{11: {b, a, c}, 12: {d}}, 4},
		{"scheduled again in another zone", flows.RemindersScheduled{Reminders: []flows.Reminder{
			{ChatID: 11, Due: a.Due.In(time.FixedZone("X", -5*3600)), Kind: a.Kind, Ref: a.Ref, At: a.At},
		}}, map[int64][]flows.Reminder{11: {b, a, c}, 12: {d}}, 4},
		{"cancelled for one person", &flows.RemindersCancelled{ChatID: 11, Ref: "appt1"},
			map[int64][]flows.Reminder{11: {c}, 12: {d}}, 2},
		{"cancelled again", flows.RemindersCancelled{ChatID: 11, Ref: "appt1"},
			map[int64][]flows.Reminder{11: {c}, 12: {d}}, 2},
		{"forgetting wins", nil, map[int64][]flows.Reminder{11: {c}, 12: {d}}, 2},
	}
	for _, st := range steps {
		switch {
		case st.name == "forgetting wins":
			mustCommit(t, r, 13, nil, flows.Forgotten{}, flows.RemindersScheduled{Reminders: []flows.Reminder{
				{ChatID: 13, Due: now.Add(time.Hour), Kind: "personal2h", Ref: "x", At: now.Add(3 * time.Hour)},
			}})
		case st.event != nil:
			mustCommit(t, r, 11, onboarded(), st.event)
		}
		for chat, want := range st.want {
			if got := personal(t, r, chat); !sameReminders(got, want) {
				t.Errorf("%s: Personal(%d)\n got %+v\nwant %+v", st.name, chat, got, want)
			}
		}
		if n := r.c.ZCard(ctx, tk.remindersKey()).Val(); n != st.total {
			t.Errorf("%s: %d reminders in all, want %d", st.name, n, st.total)
		}
	}
	// A person's set lives a day past their latest reminder.
	expiresAt(t, r, tk.myRemindersKey(11), c.Due.Add(reminderKeep).UnixMilli())
	if got := personal(t, r, 999); len(got) != 0 {
		t.Errorf("Personal(unknown) = %+v", got)
	}
	for _, bad := range []flows.Reminder{{ChatID: 11, Due: now, Ref: "x"}, {ChatID: 11, Kind: "personal2h", Ref: "x"}} {
		if err := r.Commit(ctx, 11, onboarded(), []flows.Event{flows.RemindersScheduled{Reminders: []flows.Reminder{bad}}}); err == nil {
			t.Errorf("reminder %+v accepted", bad)
		}
	}
}

func TestDueReminders(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().Truncate(time.Second)
	var rs []flows.Reminder
	for i, d := range []time.Duration{-3 * time.Hour, time.Hour, -time.Hour, -2 * time.Hour, 2 * time.Hour} {
		rs = append(rs, flows.Reminder{ChatID: int64(20 + i), Due: now.Add(d), Kind: "personal2h", Ref: "r", At: now.Add(d + 2*time.Hour)})
	}
	stale := flows.Reminder{ChatID: 29, Due: now.Add(-reminderStale - time.Minute), Kind: "personal2h", Ref: "r", At: now.Add(-10 * time.Hour)}
	schedule(t, r, append(rs, stale)...)
	// Unreadable: it can never be sent.
	r.c.ZAdd(ctx, tk.remindersKey(), redisZ(now.Add(-4*time.Hour), "not json"))

	due := func(n int) []flows.Reminder {
		t.Helper()
		got, err := r.DueReminders(ctx, now, n)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	tests := []struct {
		name string
		n    int
		want []flows.Reminder
	}{
		{"all due, oldest first", 10, []flows.Reminder{rs[0], rs[3], rs[2]}},
		{"read again: nothing removed", 10, []flows.Reminder{rs[0], rs[3], rs[2]}},
		{"limited", 2, []flows.Reminder{rs[0], rs[3]}},
		{"none asked", 0, nil},
	}
	for _, tt := range tests {
		if got := due(tt.n); !sameReminders(got, tt.want) {
			t.Errorf("%s: DueReminders\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
	if r.c.ZScore(ctx, tk.remindersKey(), "not json").Err() == nil {
		t.Error("an unreadable reminder was not dropped")
	}
	// Too late to be useful: dropped unsent, from both sets.
	if got := personal(t, r, stale.ChatID); len(got) != 0 {
		t.Errorf("stale reminder still listed for its person: %+v", got)
	}

	// Settled, twice: gone from both sets, once.
	first := due(1)[0]
	for range 2 {
		if err := r.DoneReminder(ctx, first); err != nil {
			t.Fatalf("DoneReminder: %v", err)
		}
	}
	if got := due(10); !sameReminders(got, []flows.Reminder{rs[3], rs[2]}) {
		t.Errorf("after DoneReminder: %+v", got)
	}
	if got := personal(t, r, first.ChatID); len(got) != 0 {
		t.Errorf("Personal after DoneReminder = %+v", got)
	}
	if n := r.c.ZCard(ctx, tk.remindersKey()).Val(); n != 4 {
		t.Errorf("%d reminders left, want 4", n)
	}
}

func TestDueRemindersTwoReplicas(t *testing.T) {
	t.Parallel() // waits in real time, on a Redis of its own
	ctx := context.Background()
	r, srv := open(t)
	const total = 500
	now := redistest.Now()
	var rs []flows.Reminder
	for i := range total {
		at := now.Add(time.Duration(i) * time.Minute)
		rs = append(rs, flows.Reminder{ChatID: int64(5000 + i%50), Due: now.Add(-time.Duration(i+1) * time.Second),
			Kind: "personal2h", Ref: fmt.Sprintf("appt-%d", i), At: at})
	}
	schedule(t, r, rs...)

	// send queues a reminder's message under its key, as the reminder job does.
	send := func(c *Redis, rem flows.Reminder) error {
		e := flows.BroadcastQueued{
			Job: flows.Job{ID: rem.Key(), Kind: "reminder", Territory: "dijon", Owner: rem.ChatID, OwnerLang: "fr"},
			Messages: []flows.Bulk{{Job: rem.Key(), ChatID: rem.ChatID,
				Text: "Rappel : " + rem.Ref + " à " + rem.At.Format("15:04")}},
		}
		return c.Commit(ctx, rem.ChatID, onboarded(), []flows.Event{e})
	}
	// A replica crashed after queuing a few, before settling them.
	for _, rem := range rs[:10] {
		if err := send(r, rem); err != nil {
			t.Fatal(err)
		}
	}

	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	for range 2 {
		c := connect(t, srv.URL())
		wg.Go(func() {
			for time.Now().Before(deadline) {
				due, err := c.DueReminders(ctx, redistest.Now(), 25)
				if err != nil {
					t.Errorf("DueReminders: %v", err)
					return
				}
				if len(due) == 0 {
					return
				}
				for _, rem := range due {
					if err := send(c, rem); err != nil {
						t.Errorf("queue %s: %v", rem.Key(), err)
						return
					}
					if err := c.DoneReminder(ctx, rem); err != nil {
						t.Errorf("DoneReminder: %v", err)
						return
					}
				}
			}
			t.Error("reminders still due at the deadline")
		})
	}
	wg.Wait()

	if n := outboxLen(t, r); n != total {
		t.Errorf("OutboxLen = %d, want %d: a reminder was sent twice or not at all", n, total)
	}
	if n := r.c.ZCard(ctx, tk.remindersKey()).Val(); n != 0 {
		t.Errorf("%d reminders left", n)
	}
	seen := map[string]int{}
	for _, d := range claim(t, r, "sender", 2*total, time.Minute) {
		seen[d.Bulk.Job]++
	}
	for _, rem := range rs {
		if seen[rem.Key()] != 1 {
			t.Errorf("reminder %s queued %d times", rem.Key(), seen[rem.Key()])
		}
	}
}

func TestEnqueue(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	other := connect(t, srv.URL())
	rem := flows.Reminder{ChatID: 31, Due: redistest.Now().Add(-time.Minute), Kind: "personal2h", Ref: "caf", At: redistest.Now().Add(2 * time.Hour)}
	job := flows.Job{ID: rem.Key(), Kind: "reminder", Created: redistest.Now()}
	msgs := []flows.Bulk{{Job: job.ID, ChatID: rem.ChatID, Text: "Rappel : rendez-vous à la CAF"}}

	// Twice per replica, at once, and once more through a Commit: one message.
	var wg sync.WaitGroup
	var firsts atomic.Int32
	for _, c := range []*Redis{r, other, r, other} {
		wg.Go(func() {
			queued, err := c.Enqueue(ctx, job, msgs)
			if err != nil {
				t.Errorf("Enqueue: %v", err)
			}
			if queued {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d calls say they queued the job, want 1", n)
	}
	mustCommit(t, r, 31, onboarded(), flows.BroadcastQueued{Job: job, Messages: msgs})
	if n := outboxLen(t, r); n != 1 {
		t.Errorf("OutboxLen = %d, want 1", n)
	}
	st, err := r.Job(ctx, job.ID)
	if err != nil || st == nil || st.Total != 1 || st.Kind != "reminder" {
		t.Errorf("Job = (%+v, %v), want a reminder job of one message", st, err)
	}
	if _, err := r.Enqueue(ctx, flows.Job{}, msgs); err == nil {
		t.Error("a job without an id was queued")
	}
	if n := r.c.Exists(ctx, tk.sessionKey(0)).Val(); n != 0 {
		t.Error("Enqueue wrote a session")
	}
}

func TestClaimOccurrence(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	other := connect(t, srv.URL())
	at := redistest.Now().UTC().Truncate(time.Hour)

	// Two replicas, several tries each: one wins.
	var (
		mu   sync.Mutex
		wins int
		wg   sync.WaitGroup
	)
	for i := range 10 {
		c := []*Redis{r, other}[i%2]
		wg.Go(func() {
			ok, err := c.ClaimOccurrence(ctx, "digest", at, time.Hour)
			if err != nil {
				t.Errorf("ClaimOccurrence: %v", err)
				return
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d replicas claimed the occurrence, want 1", wins)
	}
	if ttl := r.c.TTL(ctx, tk.occurrenceKey("digest", at)).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("claim TTL %v, want at most an hour", ttl)
	}
	tests := []struct {
		name string
		task string
		at   time.Time
		want bool
	}{
		{"next occurrence", "digest", at.Add(24 * time.Hour), true},
		{"same instant in another zone", "digest", at.In(time.FixedZone("CET", 3600)), false},
		{"another task", "reminders", at, true},
	}
	for _, tt := range tests {
		if ok, err := r.ClaimOccurrence(ctx, tt.task, tt.at, time.Hour); err != nil || ok != tt.want {
			t.Errorf("%s: ClaimOccurrence = (%v, %v), want %v", tt.name, ok, err, tt.want)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Second, time.Microsecond} {
		if _, err := r.ClaimOccurrence(ctx, "digest", at, ttl); err == nil {
			t.Errorf("ClaimOccurrence with TTL %v accepted", ttl)
		}
	}
}
