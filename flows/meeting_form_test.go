package flows_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

func TestFillMeeting(t *testing.T) {
	e := newEngine(t)
	paris := e.TimeZone()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, paris)
	good := flows.MeetingForm{Title: " Cours de vélo ", Date: "2026-12-03", Time: "18h30", Place: "Maison des associations",
		Description: "Vélos prêtés.", Capacity: "١٢", Languages: []string{"fr", "xx", "ar"},
		Titles: map[string]string{"ar": "دروس الدراجة", "fr": "ignored"}, Descriptions: map[string]string{"ar": " "}}
	m := flows.Meeting{ID: "kept", Territory: "dijon", Owner: 21}
	if err := e.FillMeeting(&m, good, now); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 3, 18, 30, 0, 0, paris)
	if m.ID != "kept" || m.Owner != 21 || !m.Start.Equal(want) || m.Capacity != 12 || m.Title["fr"] != "Cours de vélo" ||
		m.Title["ar"] != "دروس الدراجة" || len(m.Description) != 1 || strings.Join(m.Languages, ",") != "fr,ar" {
		t.Errorf("meeting: %+v", m)
	}

	long := strings.Repeat("é", flows.MaxMeetingText+1)
	for _, tc := range []struct {
		name  string
		edit  func(*flows.MeetingForm)
		field string
		msg   string
	}{
		{"no title", func(f *flows.MeetingForm) { f.Title = "  " }, flows.FieldTitle, "WebMissingText"},
		{"long title", func(f *flows.MeetingForm) { f.Title = long }, flows.FieldTitle, "BroadcastTooLong"},
		{"no place", func(f *flows.MeetingForm) { f.Place = "" }, flows.FieldPlace, "WebMissingText"},
		{"no description", func(f *flows.MeetingForm) { f.Description = "" }, flows.FieldDescription, "WebMissingText"},
		{"past", func(f *flows.MeetingForm) { f.Date = "2026-11-25" }, flows.FieldDate, "BadDate"},
		{"too far", func(f *flows.MeetingForm) { f.Date = "2029-01-01" }, flows.FieldDate, "BadDate"},
		{"unreadable date", func(f *flows.MeetingForm) { f.Date = "bientôt" }, flows.FieldDate, "BadDate"},
		{"unreadable time", func(f *flows.MeetingForm) { f.Time = "25:00" }, flows.FieldTime, "BadTime"},
		{"negative places", func(f *flows.MeetingForm) { f.Capacity = "-1" }, flows.FieldCapacity, "BadCapacity"},
		{"too many places", func(f *flows.MeetingForm) { f.Capacity = "10001" }, flows.FieldCapacity, "BadCapacity"},
		{"long translation", func(f *flows.MeetingForm) { f.Descriptions = map[string]string{"uk": long} }, flows.FieldDescription + ":uk", "BroadcastTooLong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.edit(&f)
			before := flows.Meeting{ID: "x", Place: "unchanged"}
			m := before
			err := e.FillMeeting(&m, f, now)
			var fe *flows.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.Message != tc.msg {
				t.Fatalf("error %v, want %s on %s", err, tc.msg, tc.field)
			}
			if m.Place != "unchanged" || m.Title != nil || m.Capacity != 0 {
				t.Errorf("a refused form changed the meeting: %+v", m)
			}
		})
	}
}

func TestCheckNews(t *testing.T) {
	long := strings.Repeat("a", flows.MaxBroadcast+1)
	for _, tc := range []struct {
		name  string
		texts map[string]string
		lang  string // the language at fault, "" when accepted
		msg   string
	}{
		{"French only", map[string]string{"fr": " Fête "}, "", ""},
		{"with translations", map[string]string{"fr": "Fête", "ar": "حفلة", "uk": ""}, "", ""},
		{"no French", map[string]string{"en": "Party"}, "fr", "WebMissingText"},
		{"blank French", map[string]string{"fr": " \n "}, "fr", "WebMissingText"},
		{"too long", map[string]string{"fr": "Fête", "ps": long}, "ps", "BroadcastTooLong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := flows.CheckNews(tc.texts)
			var te *flows.TextError
			switch {
			case tc.lang == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.lang == "":
				if got["fr"] != strings.TrimSpace(tc.texts["fr"]) || got["uk"] != "" {
					t.Errorf("texts: %q", got)
				}
			case !errors.As(err, &te) || te.Lang != tc.lang || te.Message != tc.msg:
				t.Errorf("error %v, want %s in %s", err, tc.msg, tc.lang)
			}
		})
	}
	if _, err := flows.CheckNews(map[string]string{"fr": "x", "zz": "y"}); err == nil {
		t.Error("a text in an unknown language was accepted")
	}
}
