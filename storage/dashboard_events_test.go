package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestSaveMeeting(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	start := redistest.Now().Add(48 * time.Hour).Truncate(time.Minute)
	m := meeting("web1", "dijon", start, 1)
	if err := r.SaveMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, r, 31, onboarded(), flows.RSVPGiven{MeetingID: m.ID, ChatID: 31, Answer: flows.RSVPComing})

	// Changed: the answers stay, the listing follows the new start.
	m.Place, m.Start = "Salle B", start.Add(time.Hour)
	if err := r.SaveMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	got, err := r.Meetings(ctx, "dijon", redistest.Now(), 10)
	if err != nil || len(got) != 1 || got[0].Place != "Salle B" || !got[0].Start.Equal(start.Add(time.Hour)) {
		t.Fatalf("Meetings = %+v, %v", got, err)
	}
	if c, err := r.MeetingCounts(ctx, m.ID); err != nil || c.Coming != 1 {
		t.Errorf("counts after the change: %+v, %v", c, err)
	}
	if err := r.SaveMeeting(ctx, flows.Meeting{ID: "x"}); err == nil {
		t.Error("a meeting without territory or start was saved")
	}
	if got := r.EventReminders(); !slices.Equal(got, flows.DefaultEventReminders) {
		t.Errorf("EventReminders = %v", got)
	}
	r.SetEventReminders([]time.Duration{time.Hour})
	if got := r.EventReminders(); !slices.Equal(got, []time.Duration{time.Hour}) {
		t.Errorf("EventReminders after SetEventReminders = %v", got)
	}
}

// TestSaveMeetingMorePlaces raises a full meeting's places: the first people
// waiting get them, in order, each told so and reminded as anyone coming.
func TestSaveMeetingMorePlaces(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	start := redistest.Now().Add(48 * time.Hour).Truncate(time.Minute)
	m := meeting("web2", "dijon", start, 1)
	if err := r.SaveMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []int64{41, 42, 43, 44} {
		answer(t, r, chat, m.ID, flows.RSVPComing)
	}
	steps := []struct {
		capacity int
		waiting  []string
		promoted []int64
	}{
		{1, []string{"42", "43", "44"}, nil}, // the texts changed: nobody moves
		{3, []string{"44"}, []int64{42, 43}}, // two more places
		{0, nil, []int64{42, 43, 44}},        // no limit any more
	}
	for _, s := range steps {
		m.Capacity = s.capacity
		if err := r.SaveMeeting(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got := waiting(t, r, m.ID); !slices.Equal(got, s.waiting) {
			t.Errorf("places %d: waiting %v, want %v", s.capacity, got, s.waiting)
		}
		if got := promotions(t, r, m.ID); !slices.Equal(got, s.promoted) {
			t.Errorf("places %d: promoted %v, want %v", s.capacity, got, s.promoted)
		}
		coming := 1 + len(s.promoted)
		if c, err := r.MeetingCounts(ctx, m.ID); err != nil || c.Coming != coming || c.Waiting != len(s.waiting) {
			t.Errorf("places %d: counts %+v, %v; want %d coming", s.capacity, c, err, coming)
		}
	}
	if got, _ := r.Personal(ctx, 43); len(got) != 3 || got[0].Kind != kindPromoted {
		t.Errorf("Personal(43) = %+v, want the promotion then two event reminders", got)
	}
}
