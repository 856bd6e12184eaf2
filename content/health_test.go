package content

import (
	"testing"
	"time"
)

func TestNeedsVerifying(t *testing.T) {
	now := time.Date(2026, time.March, 29, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		verified Date
		made     bool
		want     bool
	}{
		{"never", Date{}, false, true},
		{"yesterday", Date{2026, time.March, 28}, false, false},
		{"twelve months ago to the day", Date{2025, time.March, 29}, false, false},
		{"a day more", Date{2025, time.March, 28}, false, true},
		{"made up, never", Date{}, true, false},
	}
	for _, tc := range cases {
		s := &Service{Verified: tc.verified, Fictional: tc.made}
		if got := s.NeedsVerifying(now); got != tc.want {
			t.Errorf("%s: NeedsVerifying = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := staleBefore(Date{2028, time.February, 29}); got != (Date{2027, time.March, 1}) {
		t.Errorf("a year before the 29th of February: %s", got)
	}
}
