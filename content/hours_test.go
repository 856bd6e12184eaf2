package content

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Paris even where the system has no time zone database
)

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// week builds weekly hours from "mo: 09:00-12:00; fr: 22:00-02:00" lines.
func week(t testing.TB, spec string) Hours {
	t.Helper()
	h := Hours{Known: true}
	for part := range strings.SplitSeq(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		day, value, _ := strings.Cut(part, ":")
		wd, ok := dayKeyWeekday(strings.TrimSpace(day))
		if !ok {
			t.Fatalf("bad day in %q", part)
		}
		spans, msg := parseSpans(value)
		if msg != "" {
			t.Fatalf("%q: %s", part, msg)
		}
		h.Weekly[wd] = spans
	}
	return h
}

func mustSpans(t testing.TB, s string) []Span {
	t.Helper()
	spans, msg := parseSpans(s)
	if msg != "" {
		t.Fatalf("%q: %s", s, msg)
	}
	return spans
}

func date(y int, m time.Month, d int) Date { return Date{y, m, d} }

const weekdays9to17 = "mo: 09:00-17:00; tu: 09:00-17:00; we: 09:00-17:00; th: 09:00-17:00; fr: 09:00-17:00"

func TestHours(t *testing.T) {
	loc := paris(t)
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, loc) }
	// utc gives an instant in UTC, as a time in Europe/Paris: around clock changes, wall times are ambiguous.
	utc := func(y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, time.UTC).In(loc)
	}
	none := time.Time{}

	overnight := week(t, "fr: 22:00-02:00")
	tuesday := week(t, "tu: 09:00-12:00")
	everyDay := week(t, "mo: 09:00-17:00; tu: 09:00-17:00; we: 09:00-17:00; th: 09:00-17:00; fr: 09:00-17:00; sa: 09:00-17:00; su: 09:00-17:00")
	allWeek := week(t, "mo: 24h; tu: 24h; we: 24h; th: 24h; fr: 24h; sa: 24h; su: 24h")
	adjacent := week(t, "mo: 09:00-12:00, 12:00-14:00; tu: 09:00-12:00, 12:00-14:00")

	christmas := week(t, weekdays9to17)
	christmas.Exceptions = []Exception{
		{Date: date(2026, 12, 24), Spans: mustSpans(t, "09:00-12:00")},
		{Date: date(2026, 12, 25), Closed: true},
		{Date: date(2026, 12, 27), Spans: mustSpans(t, "10:00-12:00")}, // a Sunday
	}
	summer := everyDay
	summer.Closures = []Closure{{From: date(2026, 8, 1), To: date(2026, 8, 21), Reason: map[string]string{"fr": "Fermeture d'été"}}}
	summer247 := allWeek
	summer247.Closures = summer.Closures
	tuesdayClosed := tuesday
	tuesdayClosed.Closures = []Closure{{From: date(2026, 11, 17), To: date(2026, 11, 17)}, {From: date(2026, 11, 24), To: date(2026, 11, 24)}}
	overnightSatClosed := overnight
	overnightSatClosed.Exceptions = []Exception{{Date: date(2026, 11, 28), Closed: true}}
	overnightSatClosure := overnight
	overnightSatClosure.Closures = []Closure{{From: date(2026, 11, 28), To: date(2026, 11, 28)}}
	overnightFriClosure := overnight
	overnightFriClosure.Closures = []Closure{{From: date(2026, 11, 27), To: date(2026, 11, 27)}}

	// Both clock changes of 2026 in Europe/Paris fall on a Sunday.
	springLong := week(t, "su: 01:00-04:00") // 2026-03-29: 02:00 CET → 03:00 CEST
	springGap := week(t, "su: 02:30-03:30")  // opens in the missing hour
	fallLong := week(t, "su: 01:00-04:00")   // 2026-10-25: 03:00 CEST → 02:00 CET
	fallTwice := week(t, "su: 02:30-03:30")  // opens in the repeated hour
	dailyTwice := week(t, "mo: 02:30-03:30; tu: 02:30-03:30; we: 02:30-03:30; th: 02:30-03:30; fr: 02:30-03:30; sa: 02:30-03:30; su: 02:30-03:30")

	t.Run("OpenAt", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			h    Hours
			t    time.Time
			want bool
		}{
			{"before an overnight span", overnight, at(2026, 11, 27, 21, 59), false},
			{"overnight span opens", overnight, at(2026, 11, 27, 22, 0), true},
			{"overnight span, Saturday 01:00", overnight, at(2026, 11, 28, 1, 0), true},
			{"overnight span, Saturday 01:59:59", overnight, time.Date(2026, 11, 28, 1, 59, 59, 0, loc), true},
			{"overnight span closes at 02:00", overnight, at(2026, 11, 28, 2, 0), false},
			{"overnight span, Saturday 03:00", overnight, at(2026, 11, 28, 3, 0), false},
			{"overnight span, Thursday 01:00", overnight, at(2026, 11, 26, 1, 0), false},
			{"overnight span runs into an exception day", overnightSatClosed, at(2026, 11, 28, 1, 0), true},
			{"overnight span cut by a closure", overnightSatClosure, at(2026, 11, 28, 1, 0), false},
			{"overnight span of a closed day", overnightFriClosure, at(2026, 11, 28, 1, 0), false},
			{"exception hours, morning", christmas, at(2026, 12, 24, 10, 0), true},
			{"exception hours, afternoon", christmas, at(2026, 12, 24, 14, 0), false},
			{"exception closed", christmas, at(2026, 12, 25, 10, 0), false},
			{"exception on a Sunday", christmas, at(2026, 12, 27, 11, 0), true},
			{"weekly hours otherwise", christmas, at(2026, 12, 23, 16, 59), true},
			{"day before a closure", summer, at(2026, 7, 31, 10, 0), true},
			{"first day of a closure", summer, at(2026, 8, 1, 10, 0), false},
			{"last day of a closure", summer, at(2026, 8, 21, 16, 0), false},
			{"day after a closure", summer, at(2026, 8, 22, 9, 0), true},
			{"24h", allWeek, at(2026, 11, 29, 0, 0), true},
			{"24h, last second", allWeek, time.Date(2026, 11, 29, 23, 59, 59, 0, loc), true},
			{"closed every day", Hours{Known: true}, at(2026, 11, 27, 12, 0), false},
			{"hours not known", Hours{}, at(2026, 11, 27, 12, 0), false},
			{"wall clock of t's location", tuesday, time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC), false},
			{"wall clock of t's location, Paris", tuesday, time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC).In(loc), true},
			{"spring: before the change", springLong, at(2026, 3, 29, 1, 30), true},
			{"spring: after the change", springLong, at(2026, 3, 29, 3, 30), true},
			{"spring: missing hour span, just before the change", springGap, utc(2026, 3, 29, 0, 59), false},
			{"spring: missing hour span, at the change", springGap, utc(2026, 3, 29, 1, 0), true},
			{"spring: missing hour span, 03:30", springGap, utc(2026, 3, 29, 1, 30), false},
			{"fall: first 02:30", fallLong, utc(2026, 10, 25, 0, 30), true},
			{"fall: second 02:30", fallLong, utc(2026, 10, 25, 1, 30), true},
			{"fall: 03:59 CET", fallLong, utc(2026, 10, 25, 2, 59), true},
			{"fall: 04:00 CET", fallLong, utc(2026, 10, 25, 3, 0), false},
			{"fall: repeated hour, first 02:45", fallTwice, utc(2026, 10, 25, 0, 45), true},
			{"fall: repeated hour, 02:10 CET", fallTwice, utc(2026, 10, 25, 1, 10), false},
		} {
			if got := tt.h.OpenAt(tt.t); got != tt.want {
				t.Errorf("%s: OpenAt(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
			}
		}
	})

	t.Run("NextOpening", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			h    Hours
			t    time.Time
			want time.Time // zero: none
		}{
			{"opens Tuesday at 9:00 from a Saturday evening", tuesday, at(2026, 11, 28, 19, 0), at(2026, 12, 1, 9, 0)},
			{"strictly after t", tuesday, at(2026, 12, 1, 9, 0), at(2026, 12, 8, 9, 0)},
			{"while open", tuesday, at(2026, 12, 1, 10, 0), at(2026, 12, 8, 9, 0)},
			{"later the same day", adjacent, at(2026, 11, 30, 8, 0), at(2026, 11, 30, 9, 0)},
			{"adjacent spans are one opening", adjacent, at(2026, 11, 30, 10, 0), at(2026, 12, 1, 9, 0)},
			{"overnight span from Saturday 03:00", overnight, at(2026, 11, 28, 3, 0), at(2026, 12, 4, 22, 0)},
			{"closed every day", Hours{Known: true}, at(2026, 11, 28, 19, 0), none},
			{"open all week: never opens", allWeek, at(2026, 11, 28, 19, 0), none},
			{"exception hours after a closed exception day", christmas, at(2026, 12, 24, 13, 0), at(2026, 12, 27, 10, 0)},
			{"after the Sunday exception", christmas, at(2026, 12, 27, 12, 0), at(2026, 12, 28, 9, 0)},
			{"after a closure", summer, at(2026, 8, 10, 12, 0), at(2026, 8, 22, 9, 0)},
			{"closure longer than 14 days", summer, at(2026, 8, 1, 0, 0), none},
			{"exactly 14 days later", tuesdayClosed, at(2026, 11, 17, 9, 0), at(2026, 12, 1, 9, 0)},
			{"14 days and a minute later", tuesdayClosed, at(2026, 11, 17, 8, 59), none},
			{"spring: a span starting before the change", springLong, at(2026, 3, 28, 20, 0), at(2026, 3, 29, 1, 0)},
			{"spring: opening in the missing hour moves to the change", springGap, at(2026, 3, 28, 20, 0), utc(2026, 3, 29, 1, 0)},
			{"spring: the next one is a week later", springGap, utc(2026, 3, 29, 1, 10), at(2026, 4, 5, 2, 30)},
			{"spring: daily, over the change", dailyTwice, at(2026, 3, 28, 4, 0), utc(2026, 3, 29, 1, 0)},
			{"spring: daily, the day after the change", dailyTwice, utc(2026, 3, 29, 1, 10), at(2026, 3, 30, 2, 30)},
			{"fall: a span starting before the change", fallLong, at(2026, 10, 24, 20, 0), utc(2026, 10, 24, 23, 0)},
			{"fall: opening in the repeated hour, first occurrence", fallTwice, at(2026, 10, 24, 20, 0), utc(2026, 10, 25, 0, 30)},
			{"fall: not again at the second 02:30", fallTwice, utc(2026, 10, 25, 1, 10), at(2026, 11, 1, 2, 30)},
			{"fall: daily, over the change", dailyTwice, at(2026, 10, 24, 4, 0), utc(2026, 10, 25, 0, 30)},
			{"fall: daily, not the same opening twice", dailyTwice, utc(2026, 10, 25, 0, 31), at(2026, 10, 26, 2, 30)},
		} {
			got, ok := tt.h.NextOpening(tt.t)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("%s: NextOpening(%v) = %v, %v; want %v", tt.name, tt.t.In(loc), got, ok, tt.want.In(loc))
			}
			if ok && got.Location() != tt.t.Location() {
				t.Errorf("%s: NextOpening returned a time in %v", tt.name, got.Location())
			}
			if ok && !tt.h.OpenAt(got) {
				t.Errorf("%s: not open at its next opening %v", tt.name, got)
			}
		}
	})

	t.Run("ClosesAt", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			h    Hours
			t    time.Time
			want time.Time // zero: none
		}{
			{"overnight span", overnight, at(2026, 11, 27, 23, 0), at(2026, 11, 28, 2, 0)},
			{"overnight span, after midnight", overnight, at(2026, 11, 28, 1, 0), at(2026, 11, 28, 2, 0)},
			{"closed", overnight, at(2026, 11, 28, 3, 0), none},
			{"adjacent spans", adjacent, at(2026, 11, 30, 10, 0), at(2026, 11, 30, 14, 0)},
			{"exception hours", christmas, at(2026, 12, 24, 10, 0), at(2026, 12, 24, 12, 0)},
			{"before a closure", summer, at(2026, 7, 31, 16, 0), at(2026, 7, 31, 17, 0)},
			{"24h until a closure", summer247, at(2026, 7, 29, 10, 0), at(2026, 8, 1, 0, 0)},
			{"open all week", allWeek, at(2026, 11, 28, 19, 0), none},
			{"spring: long span", springLong, at(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 0)},
			{"spring: span of the missing hour", springGap, utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 1, 30)},
			{"fall: long span", fallLong, at(2026, 10, 25, 1, 30), utc(2026, 10, 25, 3, 0)},
			{"fall: the wall clock goes back before the span", fallTwice, utc(2026, 10, 25, 0, 45), utc(2026, 10, 25, 1, 0)},
		} {
			got, ok := tt.h.ClosesAt(tt.t)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("%s: ClosesAt(%v) = %v, %v; want %v", tt.name, tt.t.In(loc), got, ok, tt.want.In(loc))
			}
			if ok && (tt.h.OpenAt(got) || !tt.h.OpenAt(got.Add(-time.Second))) {
				t.Errorf("%s: ClosesAt(%v) = %v is not a closing", tt.name, tt.t, got)
			}
		}
	})

	t.Run("ClosedFor", func(t *testing.T) {
		for _, tt := range []struct {
			t    time.Time
			want bool
		}{
			{at(2026, 7, 31, 23, 59), false},
			{at(2026, 8, 1, 0, 0), true},
			{at(2026, 8, 10, 12, 0), true},
			{time.Date(2026, 8, 21, 23, 59, 59, 0, loc), true},
			{at(2026, 8, 22, 0, 0), false},
		} {
			c, ok := summer.ClosedFor(tt.t)
			if ok != tt.want || (c != nil) != tt.want {
				t.Errorf("ClosedFor(%v) = %v, %v; want %v", tt.t, c, ok, tt.want)
			}
			if ok && (c.Reason["fr"] != "Fermeture d'été" || c != &summer.Closures[0]) {
				t.Errorf("ClosedFor(%v) = %+v", tt.t, c)
			}
		}
	})
}

func TestParseSpans(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // spans joined by ", ", or "error: …" prefix
	}{
		{"09:00-12:00, 14:00-17:30", "09:00-12:00, 14:00-17:30"},
		{"14:00-17:30,09:00-12:00", "09:00-12:00, 14:00-17:30"},
		{" 9:00 - 12:00 ", "09:00-12:00"},
		{"closed", ""},
		{"Closed", ""},
		{"24h", "00:00-24:00"},
		{"24H", "00:00-24:00"},
		{"00:00-24:00", "00:00-24:00"},
		{"0:00-24:00", "00:00-24:00"},
		{"00:00-12:00, 12:00-24:00", "00:00-24:00"},
		{"09:00-12:00, 12:00-14:00", "09:00-14:00"},
		{"20:00-22:00, 22:00-02:00", "20:00-02:00"},
		{"22:00-24:00", "22:00-24:00"},
		{"22:00-02:00", "22:00-02:00"},
		{"22:00-00:00", "22:00-24:00"},
		{"09:00-12:00, 20:00-09:30", "09:00-12:00, 20:00-09:30"},
		{"", "error: empty"},
		{"fermé", `error: "fermé" is not understood: write "closed"`},
		{"9h-12h", `error: "9h-12h" is not a span: write times as HH:MM`},
		{"09:00", `error: "09:00" is not a span: write opening and closing times`},
		{"25:00-26:00", `error: "25:00-26:00" is not a span`},
		{"09:60-10:00", `error: "09:60-10:00" is not a span`},
		{"24:30-10:00", `error: "24:30-10:00" is not a span`},
		{"+9:00-10:00", `error: "+9:00-10:00" is not a span`},
		{"24:00-02:00", `error: "24:00-02:00" opens at 24:00`},
		{"09:00-09:00", `error: "09:00-09:00" is a span of zero length`},
		{"09:00-12:00, 11:00-14:00", "error: 11:00-14:00 overlaps 09:00-12:00"},
		{"20:00-02:00, 21:00-22:00", "error: 21:00-22:00 overlaps 20:00-02:00"},
		{"09:00-12:00,", `error: "" is not a span`},
	} {
		spans, msg := parseSpans(tt.in)
		got := ""
		if msg != "" {
			got = "error: " + msg
		} else {
			var parts []string
			for _, s := range spans {
				parts = append(parts, s.String())
			}
			got = strings.Join(parts, ", ")
		}
		if !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("parseSpans(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDate(t *testing.T) {
	d := date(2026, 12, 31)
	if got := d.AddDays(1); got != date(2027, 1, 1) {
		t.Errorf("AddDays(1) = %v", got)
	}
	if got := date(2026, 3, 1).AddDays(-1); got != date(2026, 2, 28) {
		t.Errorf("AddDays(-1) = %v", got)
	}
	if d.String() != "2026-12-31" || d.Weekday() != time.Thursday || d.IsZero() || !(Date{}).IsZero() {
		t.Errorf("Date methods: %v %v", d, d.Weekday())
	}
	if d.Compare(date(2027, 1, 1)) != -1 || d.Compare(d) != 0 || d.Compare(date(2026, 11, 30)) != 1 || d.Compare(date(2026, 12, 30)) != 1 {
		t.Error("Compare")
	}
	for _, s := range []string{"2026-02-30", "2026-1-01", "26-01-01", "2026/01/01", "2026-01-01T00:00:00Z", ""} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) ok", s)
		}
	}
	if got, ok := parseDate("2028-02-29"); !ok || got != date(2028, 2, 29) {
		t.Errorf("parseDate(2028-02-29) = %v, %v", got, ok)
	}
}

func TestWallTime(t *testing.T) {
	loc := paris(t)
	for _, tt := range []struct {
		day     Date
		minutes int
		want    time.Time
	}{
		{date(2026, 3, 29), 2*60 + 30, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},    // missing: the change
		{date(2026, 3, 29), 2 * 60, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},       // missing: the change
		{date(2026, 3, 29), 3 * 60, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},       // 03:00 CEST
		{date(2026, 10, 25), 2*60 + 30, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)}, // twice: the first
		{date(2026, 10, 25), 2 * 60, time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)},     // twice: the first
		{date(2026, 10, 25), 3 * 60, time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC)},     // 03:00 CET
		{date(2026, 10, 25), 24 * 60, time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC)},   // midnight after
		{date(2026, 7, 14), 9 * 60, time.Date(2026, 7, 14, 7, 0, 0, 0, time.UTC)},
	} {
		if got := wallTime(tt.day, tt.minutes, loc); !got.Equal(tt.want) || got.Location() != loc {
			t.Errorf("wallTime(%v, %s) = %v, want %v", tt.day, clock(tt.minutes), got, tt.want.In(loc))
		}
	}
	if got := wallTime(date(2026, 7, 14), 9*60, time.UTC); !got.Equal(time.Date(2026, 7, 14, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("wallTime in UTC = %v", got)
	}
}

// TestHoursForms reads every form of a day's hours the content format
// accepts and tells what a person is told: open and until when, or when it
// opens. A place open all day is open, never "closed".
func TestHoursForms(t *testing.T) {
	loc := paris(t)
	at := func(m time.Month, d, hh, mm int) time.Time { return time.Date(2026, m, d, hh, mm, 0, 0, loc) }
	every := func(value string) string { // the same hours every day
		var days []string
		for _, k := range dayKeys {
			days = append(days, k+": "+value)
		}
		return strings.Join(days, "; ")
	}
	exception := func(h Hours, e Exception) Hours { h.Exceptions = []Exception{e}; return h }
	closure := func(h Hours, c Closure) Hours { h.Closures = []Closure{c}; return h }
	open := func(until time.Time) Status { return Status{Open: true, Until: until} }
	closed := func(next time.Time) Status { return Status{Next: next} }
	always := Status{Open: true}
	// 2026-11-30 is a Monday.
	for _, tt := range []struct {
		name   string
		h      Hours
		t      time.Time
		want   Status
		allDay bool // Monday's hours are the whole day
	}{
		{"24h every day", week(t, every("24h")), at(11, 30, 10, 0), always, true},
		{"24H every day", week(t, every("24H")), at(11, 30, 10, 0), always, true},
		{"00:00-24:00 every day", week(t, every("00:00-24:00")), at(11, 30, 0, 0), always, true},
		{"0:00-24:00 every day", week(t, every("0:00-24:00")), at(11, 30, 23, 59), always, true},
		{"touching spans make a whole day", week(t, every("00:00-12:00, 12:00-24:00")), at(11, 30, 12, 0), always, true},
		{"24h on weekdays, Wednesday", week(t, "mo: 24h; tu: 24h; we: 24h; th: 24h; fr: 24h"), at(12, 2, 10, 0), open(at(12, 5, 0, 0)), true},
		{"24h on weekdays, Saturday", week(t, "mo: 24h; tu: 24h; we: 24h; th: 24h; fr: 24h"), at(12, 5, 10, 0), closed(at(12, 7, 0, 0)), true},
		{"24h on Monday, Sunday night", week(t, "mo: 24h"), at(11, 29, 23, 0), closed(at(11, 30, 0, 0)), true},
		{"24h on Monday, last minute", week(t, "mo: 24h"), at(11, 30, 23, 59), open(at(12, 1, 0, 0)), true},
		{"spans, morning", week(t, "mo: 09:00-12:00, 14:00-17:30"), at(11, 30, 10, 0), open(at(11, 30, 12, 0)), false},
		{"spans, lunch", week(t, "mo: 09:00-12:00, 14:00-17:30"), at(11, 30, 12, 30), closed(at(11, 30, 14, 0)), false},
		{"one-digit hour", week(t, "mo: 9:00-12:00"), at(11, 30, 8, 0), closed(at(11, 30, 9, 0)), false},
		{"closed", week(t, "mo: closed; tu: 09:00-12:00"), at(11, 30, 10, 0), closed(at(12, 1, 9, 0)), false},
		{"day not listed", week(t, "tu: 09:00-12:00"), at(11, 30, 10, 0), closed(at(12, 1, 9, 0)), false},
		{"never open", week(t, every("closed")), at(11, 30, 10, 0), Status{}, false},
		{"past midnight", week(t, "mo: 22:00-02:00"), at(12, 1, 1, 0), open(at(12, 1, 2, 0)), false},
		{"until midnight, 00:00", week(t, "mo: 22:00-00:00"), at(11, 30, 23, 0), open(at(12, 1, 0, 0)), false},
		{"until midnight, 24:00", week(t, "mo: 22:00-24:00"), at(11, 30, 23, 0), open(at(12, 1, 0, 0)), false},
		{"exception open all day", exception(week(t, "mo: 09:00-17:00"), Exception{Date: date(2026, 12, 5), Spans: mustSpans(t, "24h")}),
			at(12, 5, 12, 0), open(at(12, 6, 0, 0)), false},
		{"exception closed in a 24/7 week", exception(week(t, every("24h")), Exception{Date: date(2026, 12, 25), Closed: true}),
			at(12, 24, 10, 0), open(at(12, 25, 0, 0)), true},
		{"24/7, the day after a closed exception", exception(week(t, every("24h")), Exception{Date: date(2026, 12, 25), Closed: true}),
			at(12, 25, 10, 0), closed(at(12, 26, 0, 0)), true},
		{"closure in a 24/7 week", closure(week(t, every("24h")), Closure{From: date(2026, 12, 1), To: date(2026, 12, 3)}),
			at(11, 30, 10, 0), open(at(12, 1, 0, 0)), true},
	} {
		got := tt.h.StatusAt(tt.t)
		if got.Open != tt.want.Open || !got.Until.Equal(tt.want.Until) || !got.Next.Equal(tt.want.Next) || got.Closure != nil {
			t.Errorf("%s: StatusAt(%v) = %+v, want %+v", tt.name, tt.t, got, tt.want)
		}
		monday := tt.h.Weekly[time.Monday]
		if allDay := len(monday) == 1 && monday[0].AllDay(); allDay != tt.allDay {
			t.Errorf("%s: Monday %v whole day = %v, want %v", tt.name, monday, allDay, tt.allDay)
		}
	}
	h := closure(week(t, every("24h")), Closure{From: date(2026, 12, 1), To: date(2026, 12, 3)})
	if st := h.StatusAt(at(12, 2, 10, 0)); st.Closure != &h.Closures[0] || st.Open || !st.Next.IsZero() || !st.Until.IsZero() {
		t.Errorf("during a closure: StatusAt = %+v, want the closure only", st)
	}
}
