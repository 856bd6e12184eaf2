package directory

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// weekString writes a week as "mo 09:00-12:00 | tu … | PH off".
func weekString(w Week) string {
	var parts []string
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		if len(w.Days[d]) > 0 {
			parts = append(parts, dayKey(d)+" "+formatSpans(w.Days[d]))
		}
	}
	if w.HolidaysClosed {
		parts = append(parts, "PH off")
	}
	return strings.Join(parts, " | ")
}

func TestParseOpeningHours(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// The schema's example.
		{"Mo-Fr 08:30-12:30; PH off", "mo 08:30-12:30 | tu 08:30-12:30 | we 08:30-12:30 | th 08:30-12:30 | fr 08:30-12:30 | PH off"},
		// What data·inclusion writes for France Travail (comments, several spans).
		{`Mo 08:00-18:00 open "Sans rendez-vous"; Tu 09:00-12:00 open "Sans rendez-vous"; PH off`, "mo 08:00-18:00 | tu 09:00-12:00 | PH off"},
		{`Th 09:00-12:00,14:00-17:00 open "Sans rendez-vous"; PH off`, "th 09:00-12:00, 14:00-17:00 | PH off"},
		// … for Soliguide: rules separated by ", ", closed days.
		{"Mo 08:30-17:00 open, Tu 08:30-17:00 open, We 08:30-17:00 open, Th 08:30-17:00 open, Fr 08:30-15:45 open, Sa closed, Su closed", "mo 08:30-17:00 | tu 08:30-17:00 | we 08:30-17:00 | th 08:30-17:00 | fr 08:30-15:45"},
		// … for Réseau Alpha: day lists and ranges.
		{"Mo,Th-Fr 19:30-21:00 open", "mo 19:30-21:00 | th 19:30-21:00 | fr 19:30-21:00"},
		{"Mo 09:30-11:30 open; Th 09:30-12:30 open", "mo 09:30-11:30 | th 09:30-12:30"},
		// A later ";" rule replaces, a "," rule adds; spans are joined.
		{"Mo-Fr 09:00-17:00; We 09:00-12:00", "mo 09:00-17:00 | tu 09:00-17:00 | we 09:00-12:00 | th 09:00-17:00 | fr 09:00-17:00"},
		{"Mo 09:00-12:00, Mo 11:00-14:00", "mo 09:00-14:00"},
		{"Mo-Sa 09:00-18:00; Sa off", "mo 09:00-18:00 | tu 09:00-18:00 | we 09:00-18:00 | th 09:00-18:00 | fr 09:00-18:00"},
		// Past midnight, whole days, wrapping ranges.
		{"Fr 22:00-02:00", "fr 22:00-02:00"},
		{"Sa 20:00-28:00", "sa 20:00-04:00"},
		{"24/7", "mo 24h | tu 24h | we 24h | th 24h | fr 24h | sa 24h | su 24h"},
		{"Sa-Mo 10:00-12:00", "mo 10:00-12:00 | sa 10:00-12:00 | su 10:00-12:00"},
		{"09:00-17:00", "mo 09:00-17:00 | tu 09:00-17:00 | we 09:00-17:00 | th 09:00-17:00 | fr 09:00-17:00 | sa 09:00-17:00 | su 09:00-17:00"},
		{"Mo 9:00-12:00;", "mo 09:00-12:00"},
	}
	for _, tt := range tests {
		w, err := ParseOpeningHours(tt.in)
		if err != nil {
			t.Errorf("ParseOpeningHours(%q): %v", tt.in, err)
			continue
		}
		if got := weekString(w); got != tt.want {
			t.Errorf("ParseOpeningHours(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestParseOpeningHoursRefuses(t *testing.T) {
	// Each of these would need a guess: the hours stay unknown.
	for _, in := range []string{
		"Mo open", // open, but when?
		"Mo-Fr",   // the same
		"Mo closed, Tu closed, We closed, Th closed, Fr closed, Sa closed, Su closed", // Soliguide's "not filled in"
		"PH off",                                // nothing else
		"Jan-Mar Mo 09:00-12:00",                // months
		"week 1-53/2 Mo 09:00-12:00",            // every other week
		"Mo[1] 09:00-12:00",                     // first Monday of the month
		"Dec 25 off",                            // a date
		"Mo 09:00-12:00 || \"sur rendez-vous\"", // fallback rule
		"PH 10:00-12:00",                        // hours on public holidays
		"Mo-Fr,PH 09:00-12:00",                  // days mixed with public holidays
		"Mo 12:00-14:00 off",                    // closed during some hours
		"Mo 09:00-12:00 unknown",                // unknown modifier
		"sunrise-sunset",                        // events
		"Mo 09h00-12h00",                        // not OSM
		"Mo 09:00-09:00",                        // zero length
		"Fr 22:00-03:00; Sa 02:00-05:00",        // runs into the next day
		"Mo 09:00",                              // no closing time
		`Mo 09:00-12:00 "not closed`,            // comment not closed
		"",
	} {
		w, err := ParseOpeningHours(in)
		if err == nil {
			t.Errorf("ParseOpeningHours(%q) = %s, want an error", in, weekString(w))
		} else if !errors.Is(err, errHours) {
			t.Errorf("ParseOpeningHours(%q): %v does not wrap errHours", in, err)
		}
	}
}

func TestPublicHolidays(t *testing.T) {
	days := func(ds []content.Date) string {
		var s []string
		for _, d := range ds {
			s = append(s, d.String())
		}
		return strings.Join(s, " ")
	}
	from, to := content.Date{Year: 2027, Month: 1, Day: 1}, content.Date{Year: 2027, Month: 12, Day: 31}
	// Easter 2027 is on 28 March.
	want := "2027-01-01 2027-03-29 2027-05-01 2027-05-06 2027-05-08 2027-05-17 2027-07-14 2027-08-15 2027-11-01 2027-11-11 2027-12-25"
	if got := days(publicHolidays(from, to, "21231")); got != want {
		t.Errorf("Dijon 2027:\n got %s\nwant %s", got, want)
	}
	if got := days(publicHolidays(from, to, "67482")); !strings.Contains(got, "2027-03-26") || !strings.Contains(got, "2027-12-26") {
		t.Errorf("Strasbourg 2027 lacks Good Friday or 26 December: %s", got)
	}
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2038: "2038-04-25"} {
		if got := easterSunday(year).String(); got != want {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}
