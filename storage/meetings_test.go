package storage

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// meeting is a meeting of a territory, owned by coordinator 900.
func meeting(id, territory string, start time.Time, capacity int) flows.Meeting {
	return flows.Meeting{
		ID:        id,
		Territory: territory,
		Title:     map[string]string{"fr": "Atelier " + id, "uk": "Майстерня " + id},
		Start:     start,
		Place:     "Maison des associations, 2 rue des Corroyeurs",
		Languages: []string{"fr", "uk"},
		Capacity:  capacity,
		Owner:     900,
		Created:   start.Add(-10 * 24 * time.Hour),
	}
}

// redisZ is a meetingsKey member starting at start.
func redisZ(start time.Time, id string) redis.Z {
	return redis.Z{Score: float64(start.UnixMilli()), Member: id}
}

// expiresAt returns when a key expires (unix ms), failing the test unless it
// does within a second of want: miniredis keeps a relative TTL, which drifts
// by the time the test takes.
func expiresAt(t testing.TB, r *Redis, key string, want int64) {
	t.Helper()
	got := r.c.PExpireTime(context.Background(), key).Val().Milliseconds()
	if d := got - want; d < -1000 || d > 1000 {
		t.Errorf("%s expires at %d, want %d", key, got, want)
	}
}

// createMeeting stores a meeting as its owner.
func createMeeting(t testing.TB, r *Redis, m flows.Meeting) {
	t.Helper()
	mustCommit(t, r, m.Owner, onboarded(), flows.MeetingCreated{Meeting: m})
}

// answer records a person's answer as that person.
func answer(t testing.TB, r *Redis, chat int64, id string, a flows.RSVP) {
	t.Helper()
	mustCommit(t, r, chat, onboarded(), flows.RSVPGiven{MeetingID: id, ChatID: chat, Answer: a})
}

// answers returns every answer to a meeting.
func answers(t testing.TB, r *Redis, id string) map[string]string {
	t.Helper()
	h, err := r.c.HGetAll(context.Background(), tk.answersKey(id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// waiting returns a meeting's waiting list, first in line first.
func waiting(t testing.TB, r *Redis, id string) []string {
	t.Helper()
	q, err := r.c.ZRange(context.Background(), tk.waitingKey(id), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// scheduled returns every member of remindersKey, decoded.
func scheduled(t testing.TB, r *Redis) []flows.Reminder {
	t.Helper()
	members, err := r.c.ZRange(context.Background(), tk.remindersKey(), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]flows.Reminder, 0, len(members))
	for _, m := range members {
		rem, err := decodeReminder(m)
		if err != nil {
			t.Fatalf("member %q: %v", m, err)
		}
		out = append(out, rem)
	}
	return out
}

// eventMembers are the members of remindersKey a person coming to m has, as
// encodeReminder writes them, sorted.
func eventMembers(t testing.TB, m flows.Meeting, chat int64, kinds ...string) []string {
	t.Helper()
	var out []string
	for _, k := range kinds {
		before := map[string]time.Duration{kindEvent24h: 24 * time.Hour, kindEvent2h: 2 * time.Hour}[k]
		mem, err := encodeReminder(flows.Reminder{ChatID: chat, Due: m.Start.Add(-before), Kind: k, Ref: m.ID, At: m.Start})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mem)
	}
	slices.Sort(out)
	return out
}

// memberSet returns the members of remindersKey about ref, except the
// promotions, sorted.
func memberSet(t testing.TB, r *Redis, ref string) []string {
	t.Helper()
	var out []string
	for _, m := range r.c.ZRange(context.Background(), tk.remindersKey(), 0, -1).Val() {
		rem, err := decodeReminder(m)
		if err != nil {
			t.Fatal(err)
		}
		if rem.Ref == ref && rem.Kind != kindPromoted {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// promotions returns the chats told of a promotion to ref.
func promotions(t testing.TB, r *Redis, ref string) []int64 {
	t.Helper()
	var out []int64
	for _, rem := range scheduled(t, r) {
		if rem.Kind == kindPromoted && rem.Ref == ref {
			out = append(out, rem.ChatID)
		}
	}
	slices.Sort(out)
	return out
}

func TestRSVPCapacityConcurrent(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	other := connect(t, srv.URL())
	start := redistest.Now().Add(72 * time.Hour).Truncate(time.Minute)
	m := meeting("m1", "dijon", start, 2)
	createMeeting(t, r, m)

	// Four people ask at once through two replicas.
	people := []int64{101, 102, 103, 104}
	var wg sync.WaitGroup
	for i, chat := range people {
		c := []*Redis{r, other}[i%2]
		wg.Go(func() {
			e := flows.RSVPGiven{MeetingID: "m1", ChatID: chat, Answer: flows.RSVPComing}
			if err := c.Commit(ctx, chat, onboarded(), []flows.Event{e}); err != nil {
				t.Errorf("Commit(%d): %v", chat, err)
			}
		})
	}
	wg.Wait()

	var yes, wait []int64
	for _, chat := range people {
		a, err := r.Answer(ctx, "m1", chat)
		if err != nil {
			t.Fatal(err)
		}
		switch a {
		case flows.RSVPComing:
			yes = append(yes, chat)
		case flows.RSVPWaiting:
			wait = append(wait, chat)
		default:
			t.Errorf("answer of %d: %q", chat, a)
		}
	}
	if len(yes) != 2 || len(wait) != 2 {
		t.Fatalf("coming %v, waiting %v: want 2 and 2", yes, wait)
	}
	if n, err := r.MeetingCounts(ctx, "m1"); err != nil || n != (flows.MeetingCounts{Coming: 2, Waiting: 2}) {
		t.Errorf("MeetingCounts = (%+v, %v), want 2 coming, 2 waiting", n, err)
	}
	queue := r.c.ZRangeWithScores(ctx, tk.waitingKey("m1"), 0, -1).Val()
	if len(queue) != 2 || queue[0].Score >= queue[1].Score {
		t.Fatalf("waiting list %v, want two people in strict order", queue)
	}
	first, _ := strconv.ParseInt(queue[0].Member.(string), 10, 64)
	second, _ := strconv.ParseInt(queue[1].Member.(string), 10, 64)
	if !slices.Contains(wait, first) || !slices.Contains(wait, second) {
		t.Fatalf("waiting list %v, want %v", queue, wait)
	}

	// Only the people coming have reminders.
	want := append(eventMembers(t, m, yes[0], kindEvent24h, kindEvent2h), eventMembers(t, m, yes[1], kindEvent24h, kindEvent2h)...)
	slices.Sort(want)
	if got := memberSet(t, r, "m1"); !slices.Equal(got, want) {
		t.Errorf("reminders\n got %v\nwant %v", got, want)
	}
	if p := promotions(t, r, "m1"); len(p) != 0 {
		t.Errorf("promoted %v before anyone left", p)
	}

	// Asking again changes nothing.
	answer(t, r, yes[0], "m1", flows.RSVPComing)
	answer(t, r, first, "m1", flows.RSVPComing)
	if got := waiting(t, r, "m1"); !slices.Equal(got, []string{strconv.FormatInt(first, 10), strconv.FormatInt(second, 10)}) {
		t.Errorf("waiting list %v after asking again", got)
	}

	// One person coming says no: the first waiting takes the place, and
	// the reminders follow.
	before := redistest.Now().Truncate(time.Millisecond)
	answer(t, r, yes[0], "m1", flows.RSVPNo)
	after := redistest.Now()
	wantAnswers := map[string]string{
		strconv.FormatInt(yes[0], 10): "no",
		strconv.FormatInt(yes[1], 10): "yes",
		strconv.FormatInt(first, 10):  "yes",
		strconv.FormatInt(second, 10): "wait",
	}
	if got := answers(t, r, "m1"); fmt.Sprint(got) != fmt.Sprint(wantAnswers) {
		t.Errorf("answers %v, want %v", got, wantAnswers)
	}
	if got := waiting(t, r, "m1"); !slices.Equal(got, []string{strconv.FormatInt(second, 10)}) {
		t.Errorf("waiting list %v, want only %d", got, second)
	}
	want = append(eventMembers(t, m, yes[1], kindEvent24h, kindEvent2h), eventMembers(t, m, first, kindEvent24h, kindEvent2h)...)
	slices.Sort(want)
	if got := memberSet(t, r, "m1"); !slices.Equal(got, want) {
		t.Errorf("reminders after the promotion\n got %v\nwant %v", got, want)
	}
	for _, rem := range scheduled(t, r) {
		if rem.Kind != kindPromoted {
			continue
		}
		if rem.ChatID != first || rem.Ref != "m1" || !rem.At.Equal(start) || rem.Due.Before(before) || rem.Due.After(after) {
			t.Errorf("promotion %+v, want one to %d about m1 due now", rem, first)
		}
	}
	if p := promotions(t, r, "m1"); !slices.Equal(p, []int64{first}) {
		t.Errorf("promoted %v, want %d", p, first)
	}
	// The person's own sets follow too.
	if got := r.c.SMembers(ctx, tk.myRemindersKey(yes[0])).Val(); len(got) != 0 {
		t.Errorf("%d still has reminders %v", yes[0], got)
	}
	if got, _ := r.Personal(ctx, first); len(got) != 3 || got[0].Kind != kindPromoted {
		t.Errorf("Personal(%d) = %+v, want the promotion then two event reminders", first, got)
	}

	// Changing one's mind: back at the end of the line.
	answer(t, r, yes[0], "m1", flows.RSVPComing)
	if got := waiting(t, r, "m1"); !slices.Equal(got, []string{strconv.FormatInt(second, 10), strconv.FormatInt(yes[0], 10)}) {
		t.Errorf("waiting list %v, want %d then %d", got, second, yes[0])
	}
	// Someone waiting leaves: nobody is promoted.
	answer(t, r, second, "m1", flows.RSVPNo)
	if n, _ := r.MeetingCounts(ctx, "m1"); n != (flows.MeetingCounts{Coming: 2, Waiting: 1, No: 1}) {
		t.Errorf("MeetingCounts = %+v, want 2 coming, 1 waiting, 1 no", n)
	}
	if p := promotions(t, r, "m1"); !slices.Equal(p, []int64{first}) {
		t.Errorf("promoted %v, want still only %d", p, first)
	}
}

func TestRSVPWaitingOrder(t *testing.T) {
	tests := []struct {
		name      string
		capacity  int
		leave     []int64 // in this order, after everyone asked
		coming    []int64
		waitOrder []int64
	}{
		{"one place", 1, []int64{1, 2}, []int64{3}, []int64{4, 5}},
		{"a waiting person leaves", 1, []int64{3, 1}, []int64{2}, []int64{4, 5}},
		{"two places", 2, []int64{2}, []int64{1, 3}, []int64{4, 5}},
		{"no limit", 0, []int64{2}, []int64{1, 3, 4, 5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			createMeeting(t, r, meeting("m", "dijon", redistest.Now().Add(48*time.Hour), tt.capacity))
			// Asked within the same millisecond or not, the order holds.
			for chat := int64(1); chat <= 5; chat++ {
				answer(t, r, chat, "m", flows.RSVPComing)
			}
			for _, chat := range tt.leave {
				answer(t, r, chat, "m", flows.RSVPNo)
			}
			var coming []int64
			for chat := int64(1); chat <= 5; chat++ {
				if a, _ := r.Answer(ctx, "m", chat); a == flows.RSVPComing {
					coming = append(coming, chat)
				}
			}
			if !slices.Equal(coming, tt.coming) {
				t.Errorf("coming %v, want %v", coming, tt.coming)
			}
			var want []string
			for _, chat := range tt.waitOrder {
				want = append(want, strconv.FormatInt(chat, 10))
			}
			if got := waiting(t, r, "m"); !slices.Equal(got, want) {
				t.Errorf("waiting %v, want %v", got, want)
			}
			// Each person's rank is their place in that order, 0 when not waiting.
			for chat := int64(1); chat <= 5; chat++ {
				rank, err := r.WaitingRank(ctx, "m", chat)
				if want := slices.Index(tt.waitOrder, chat) + 1; err != nil || rank != want {
					t.Errorf("WaitingRank(%d) = %d, %v; want %d", chat, rank, err, want)
				}
			}
			for _, chat := range tt.leave {
				if a, _ := r.Answer(ctx, "m", chat); a != flows.RSVPNo {
					t.Errorf("answer of %d = %q, want no", chat, a)
				}
			}
		})
	}
}

func TestEventRemindersInThePast(t *testing.T) {
	now := redistest.Now()
	tests := []struct {
		name  string
		start time.Time
		kinds []string
	}{
		{"in three days", now.Add(72 * time.Hour), []string{kindEvent24h, kindEvent2h}},
		{"in five hours", now.Add(5 * time.Hour), []string{kindEvent2h}},
		{"in one hour", now.Add(time.Hour), nil},
		{"started an hour ago", now.Add(-time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r, _ := open(t)
			m := meeting("m", "dijon", tt.start.Truncate(time.Minute), 0)
			createMeeting(t, r, m)
			answer(t, r, 7, "m", flows.RSVPComing)
			if a, _ := r.Answer(ctx, "m", 7); a != flows.RSVPComing {
				t.Fatalf("answer %q, want yes", a)
			}
			want := eventMembers(t, m, 7, tt.kinds...)
			if got := memberSet(t, r, "m"); !slices.Equal(got, want) {
				t.Errorf("reminders\n got %v\nwant %v", got, want)
			}
			mine := r.c.SMembers(ctx, tk.myRemindersKey(7)).Val()
			slices.Sort(mine)
			if !slices.Equal(mine, want) {
				t.Errorf("person's reminders %v, want %v", mine, want)
			}
			if len(tt.kinds) > 0 {
				// Kept a day past the latest.
				expiresAt(t, r, tk.myRemindersKey(7), m.Start.Add(-2*time.Hour).Add(reminderKeep).UnixMilli())
			}
		})
	}
}

func TestMeetingTTLs(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	soon := meeting("soon", "dijon", redistest.Now().Add(24*time.Hour).Truncate(time.Second), 1)
	later := meeting("later", "dijon", redistest.Now().Add(30*24*time.Hour).Truncate(time.Second), 1)
	createMeeting(t, r, soon)
	createMeeting(t, r, later)
	answer(t, r, 1, "later", flows.RSVPComing)
	answer(t, r, 2, "later", flows.RSVPComing) // waits
	answer(t, r, 2, "soon", flows.RSVPNo)

	exp := func(m flows.Meeting) int64 { return meetingExpiry(m).UnixMilli() }
	tests := []struct {
		key  string
		want int64
	}{
		{tk.meetingKey("soon"), exp(soon)},
		{tk.meetingKey("later"), exp(later)},
		{tk.answersKey("soon"), exp(soon)},
		{tk.answersKey("later"), exp(later)},
		{tk.waitingKey("later"), exp(later)},
		{tk.myMeetingsKey(1), exp(later)},
		{tk.myMeetingsKey(2), exp(later)}, // the latest of the two, whatever the order
	}
	for _, tt := range tests {
		expiresAt(t, r, tt.key, tt.want)
	}
	if got := r.c.SMembers(ctx, tk.myMeetingsKey(2)).Val(); len(got) != 2 {
		t.Errorf("person 2's meetings %v, want both", got)
	}
	// A list of meeting ids names no one and needs no TTL.
	if ttl := r.c.TTL(ctx, tk.meetingsKey("dijon")).Val(); ttl != -1 {
		t.Errorf("meetings list TTL %v, want none", ttl)
	}
	// A meeting already past its retention is not stored at all.
	createMeeting(t, r, meeting("old", "dijon", redistest.Now().Add(-flows.MeetingRetention-time.Hour), 0))
	if n := r.c.Exists(ctx, tk.meetingKey("old")).Val(); n != 0 {
		t.Error("a meeting past its retention was stored")
	}
}

func TestMeetingsList(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().Truncate(time.Second)
	ms := []flows.Meeting{
		meeting("d3", "dijon", now.Add(72*time.Hour), 0),
		meeting("d1", "dijon", now.Add(time.Hour), 0),
		meeting("past", "dijon", now.Add(-48*time.Hour), 0),
		meeting("b1", "besancon", now.Add(2*time.Hour), 0),
		meeting("d2", "dijon", now.Add(24*time.Hour), 15),
		meeting("d2bis", "dijon", now.Add(24*time.Hour), 0), // same start: by id
	}
	for _, m := range ms {
		createMeeting(t, r, m)
	}
	// A meeting past its retention lingering in the list is trimmed; one
	// whose key is gone is skipped.
	r.c.ZAdd(ctx, tk.meetingsKey("dijon"), redisZ(now.Add(-flows.MeetingRetention-time.Minute), "ancient"))
	r.c.ZAdd(ctx, tk.meetingsKey("dijon"), redisZ(now.Add(30*time.Minute), "vanished"))

	tests := []struct {
		name      string
		territory string
		from      time.Time
		n         int
		want      []string
	}{
		{"upcoming", "dijon", now, 10, []string{"d1", "d2", "d2bis", "d3"}},
		{"first two", "dijon", now, 2, []string{"d1", "d2"}},
		{"from tomorrow", "dijon", now.Add(24 * time.Hour), 10, []string{"d2", "d2bis", "d3"}},
		{"with the recent past", "dijon", now.Add(-72 * time.Hour), 10, []string{"past", "d1", "d2", "d2bis", "d3"}},
		{"skipping a vanished one", "dijon", now.Add(-72 * time.Hour), 2, []string{"past", "d1"}},
		{"other territory", "besancon", now, 10, []string{"b1"}},
		{"unknown territory", "nowhere", now, 10, nil},
		{"none asked", "dijon", now, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Meetings(ctx, tt.territory, tt.from, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range got {
				ids = append(ids, m.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("Meetings = %v, want %v", ids, tt.want)
			}
		})
	}
	if r.c.ZScore(ctx, tk.meetingsKey("dijon"), "ancient").Err() == nil {
		t.Error("a meeting past its retention was not trimmed from the list")
	}

	got, err := r.Meeting(ctx, "d2")
	if err != nil || got == nil {
		t.Fatalf("Meeting(d2) = (%v, %v)", got, err)
	}
	want := ms[4]
	if got.ID != want.ID || got.Territory != want.Territory || !got.Start.Equal(want.Start) ||
		got.Capacity != 15 || got.Title["uk"] != want.Title["uk"] || got.Place != want.Place ||
		!slices.Equal(got.Languages, want.Languages) || got.Owner != want.Owner {
		t.Errorf("Meeting(d2) = %+v, want %+v", got, want)
	}
	if m, err := r.Meeting(ctx, "unknown"); m != nil || err != nil {
		t.Errorf("Meeting(unknown) = (%v, %v), want (nil, nil)", m, err)
	}
	if n, err := r.MeetingCounts(ctx, "unknown"); err != nil || n != (flows.MeetingCounts{}) {
		t.Errorf("MeetingCounts(unknown) = (%+v, %v)", n, err)
	}
	if a, err := r.Answer(ctx, "d2", 5); a != "" || err != nil {
		t.Errorf("Answer(no answer) = (%q, %v)", a, err)
	}

	// Moved to another territory: listed there only.
	moved := ms[0]
	moved.Territory = "besancon"
	createMeeting(t, r, moved)
	if got, _ := r.Meetings(ctx, "dijon", now, 10); len(got) != 3 {
		t.Errorf("dijon still lists %d meetings, want 3", len(got))
	}
	if got, _ := r.Meetings(ctx, "besancon", now, 10); len(got) != 2 || got[1].ID != "d3" {
		t.Errorf("besancon lists %+v, want b1 then d3", got)
	}
}

func TestRSVPEdgeCases(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	createMeeting(t, r, meeting("m", "dijon", redistest.Now().Add(48*time.Hour), 1))

	// An answer to an unknown meeting records nothing.
	answer(t, r, 3, "unknown", flows.RSVPComing)
	if a, _ := r.Answer(ctx, "unknown", 3); a != "" {
		t.Errorf("answer to an unknown meeting recorded: %q", a)
	}
	if n := r.c.Exists(ctx, tk.myMeetingsKey(3), tk.myRemindersKey(3)).Val(); n != 0 {
		t.Errorf("%d personal keys written for an unknown meeting", n)
	}
	// Only yes and no are asked for.
	err := r.Commit(ctx, 3, onboarded(), []flows.Event{flows.RSVPGiven{MeetingID: "m", ChatID: 3, Answer: flows.RSVPWaiting}})
	if err == nil {
		t.Error("an answer of wait was accepted")
	}
	// A meeting and an answer in one commit; pointers work too.
	mt := meeting("n", "dijon", redistest.Now().Add(48*time.Hour), 0)
	mustCommit(t, r, 4, onboarded(), &flows.MeetingCreated{Meeting: mt}, &flows.RSVPGiven{MeetingID: "n", ChatID: 4, Answer: flows.RSVPComing})
	if a, _ := r.Answer(ctx, "n", 4); a != flows.RSVPComing {
		t.Errorf("answer in the creating commit = %q, want yes", a)
	}
	// A meeting needs an id, a territory and a start.
	for _, bad := range []flows.Meeting{{Territory: "dijon", Start: redistest.Now()}, {ID: "x", Start: redistest.Now()}, {ID: "x", Territory: "dijon"}} {
		if err := r.Commit(ctx, 900, onboarded(), []flows.Event{flows.MeetingCreated{Meeting: bad}}); err == nil {
			t.Errorf("meeting %+v accepted", bad)
		}
	}
	// Forgetting wins over an answer in the same commit.
	mustCommit(t, r, 5, nil, flows.Forgotten{}, flows.RSVPGiven{MeetingID: "m", ChatID: 5, Answer: flows.RSVPComing})
	if a, _ := r.Answer(ctx, "m", 5); a != "" {
		t.Errorf("a forgotten person's answer was recorded: %q", a)
	}
}

func TestForgottenMeetings(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	const (
		gone   = 7770001 // forgotten
		waiter = 101
		other  = 102
	)
	m := meeting("m1", "dijon", redistest.Now().Add(72*time.Hour).Truncate(time.Minute), 1)
	createMeeting(t, r, m)
	createMeeting(t, r, meeting("m2", "dijon", redistest.Now().Add(96*time.Hour).Truncate(time.Minute), 0))
	createMeeting(t, r, meeting("m3", "dijon", redistest.Now().Add(120*time.Hour).Truncate(time.Minute), 1))
	answer(t, r, gone, "m1", flows.RSVPComing)
	answer(t, r, waiter, "m1", flows.RSVPComing)
	answer(t, r, gone, "m2", flows.RSVPNo)
	answer(t, r, other, "m3", flows.RSVPComing)
	answer(t, r, gone, "m3", flows.RSVPComing) // waits
	mustCommit(t, r, gone, onboarded(), flows.RemindersScheduled{Reminders: []flows.Reminder{
		{ChatID: gone, Due: redistest.Now().Add(time.Hour).Truncate(time.Minute), Kind: "personal2h", Ref: "prefecture",
			At: redistest.Now().Add(3 * time.Hour).Truncate(time.Minute)},
	}})
	// A meeting the person answered that has expired since.
	r.c.SAdd(ctx, tk.myMeetingsKey(gone), "expired")
	r.c.HSet(ctx, tk.answersKey("expired"), strconv.Itoa(gone), "yes")

	mustCommit(t, r, gone, nil, flows.Forgotten{})

	// The place went to the person waiting, with their reminders.
	if a, _ := r.Answer(ctx, "m1", waiter); a != flows.RSVPComing {
		t.Errorf("waiter's answer %q, want yes", a)
	}
	if got, want := memberSet(t, r, "m1"), eventMembers(t, m, waiter, kindEvent24h, kindEvent2h); !slices.Equal(got, want) {
		t.Errorf("reminders of m1\n got %v\nwant %v", got, want)
	}
	if p := promotions(t, r, "m1"); !slices.Equal(p, []int64{waiter}) {
		t.Errorf("promoted %v, want %d", p, waiter)
	}
	if n, _ := r.MeetingCounts(ctx, "m3"); n != (flows.MeetingCounts{Coming: 1}) {
		t.Errorf("m3 counts %+v, want only the other person", n)
	}
	// Nothing names the person any more: no key, member, field or value.
	id := strconv.Itoa(gone)
	for k, v := range snapshot(t, r) {
		if strings.Contains(k, id) || strings.Contains(v, id) {
			t.Errorf("after Forgotten, %s = %s", k, v)
		}
	}
	for _, k := range tk.userKeys(gone) {
		if r.c.Exists(ctx, k).Val() != 0 {
			t.Errorf("%s survived Forgotten", k)
		}
	}
	if got, _ := r.Personal(ctx, gone); len(got) != 0 {
		t.Errorf("Personal after Forgotten = %+v", got)
	}
}

func TestForgottenWrongTypes(t *testing.T) {
	// Forgetting erases keys it cannot read, whatever their type.
	ctx := context.Background()
	r, _ := open(t)
	for _, k := range []string{tk.myMeetingsKey(8), tk.myRemindersKey(8)} {
		r.c.Set(ctx, k, "x", time.Hour)
	}
	mustCommit(t, r, 8, nil, flows.Forgotten{})
	for _, k := range tk.userKeys(8) {
		if r.c.Exists(ctx, k).Val() != 0 {
			t.Errorf("%s survived Forgotten", k)
		}
	}
}

// TestConfiguredEventReminders: the offsets come from configuration and name
// the reminders' kinds.
func TestConfiguredEventReminders(t *testing.T) {
	r, _ := open(t)
	r.SetEventReminders([]time.Duration{48 * time.Hour, 90 * time.Minute})
	m := meeting("m", "dijon", redistest.Now().Add(72*time.Hour).Truncate(time.Minute), 0)
	createMeeting(t, r, m)
	answer(t, r, 7, "m", flows.RSVPComing)
	var want []string
	for _, before := range []time.Duration{48 * time.Hour, 90 * time.Minute} {
		mem, err := encodeReminder(flows.Reminder{ChatID: 7, Due: m.Start.Add(-before), Kind: flows.EventReminderKind(before), Ref: m.ID, At: m.Start})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, mem)
	}
	slices.Sort(want)
	if got := memberSet(t, r, "m"); !slices.Equal(got, want) {
		t.Errorf("reminders\n got %v\nwant %v", got, want)
	}
}
