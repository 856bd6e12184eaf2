package flows

import (
	"slices"
	"testing"
	"time"
)

func TestPeople(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 30, 9, 0, 0, 0, paris) // the day after the change to summer time
	consent := map[Purpose]Consent{PurposeNews: {At: now}}
	sessions := []*Session{
		{Territory: "dijon", Lang: "ar", Consents: consent, Created: now.Add(-time.Hour), Seen: now},                                                      // today, active
		{Territory: "dijon", Lang: "ar", Created: time.Date(2026, 3, 29, 0, 30, 0, 0, paris), Seen: now.Add(-40 * 24 * time.Hour)},                        // yesterday, dormant
		{Territory: "dijon", Lang: "fa", Inactive: true, Created: time.Date(2026, 2, 28, 23, 0, 0, 0, paris), Seen: now},                                  // 30 days ago: outside
		{Territory: "dijon", Lang: "uk", Created: time.Date(2026, 3, 1, 0, 0, 0, 0, paris), Seen: now, Consents: map[Purpose]Consent{PurposeSurveys: {}}}, // 29 days ago: first day
		{Territory: "lyon", Lang: "ar", Created: now, Seen: now},
		nil,
	}
	p := NewPeople("dijon", now)
	for _, s := range sessions {
		p.Add(s)
	}
	want := make([]int, TrendDays)
	want[TrendDays-1], want[TrendDays-2], want[0] = 1, 1, 1
	if p.Total != 4 || p.Active != 2 || p.Blocked != 1 || p.ByLang["ar"] != 2 || p.ByLang["fa"] != 1 ||
		p.Consents[PurposeNews] != 1 || p.Consents[PurposeSurveys] != 1 || !slices.Equal(p.Arrivals, want) {
		t.Errorf("people: %+v", p)
	}
}
