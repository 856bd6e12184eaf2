package content

import (
	"testing"
	"time"
)

// Load compares dates with the calendar day of the time Today is given, in
// that time's location: 23:30 UTC on 26 November is already the 27th in
// Paris, and a service verified on the 27th is not in the future there.
func TestLoadTodayInTimeZone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	now := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)
	fsys := withTerritories(map[string]string{"services/ville.yaml": svcReplace("verified:", "verified: 2026-11-27")})
	for _, tc := range []struct {
		loc        *time.Location
		wantErrors int
	}{
		{time.UTC, 1},
		{paris, 0},
	} {
		t.Run(tc.loc.String(), func(t *testing.T) {
			_, ds := Load(fsys, twoLangs, Today(now.In(tc.loc)))
			if got := ds.Errors(); got != tc.wantErrors {
				t.Errorf("%d errors, want %d: %v", got, tc.wantErrors, ds)
			}
		})
	}
}
