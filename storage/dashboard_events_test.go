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
