package flows

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	dateRE = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$`)
	hourRE = regexp.MustCompile(`^(\d{1,2})(?:[:hH.](\d{2}))?$`)
)

// asciiDigits turns Arabic-Indic and Persian digits into ASCII, so that
// "۱۵/۱۲/۲۰۲۶" reads as a date.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		}
		return r
	}, strings.TrimSpace(s))
}

// parseDay reads a day as written in France (15/12/2026, 15/12, 15.12.26)
// or as 2026-12-15; without a year, the year of today.
func parseDay(s string, today time.Time) (time.Time, bool) {
	s = asciiDigits(s)
	if d, err := time.ParseInLocation(time.DateOnly, s, today.Location()); err == nil {
		return d, true
	}
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	day, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	year := today.Year()
	if m[3] != "" {
		year, _ = strconv.Atoi(m[3])
		if year < 100 {
			year += 2000
		}
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, today.Location())
	if d.Day() != day || int(d.Month()) != month { // 31/02 and the like
		return time.Time{}, false
	}
	return d, true
}

// parseDate reads a day with parseDay and refuses days before today (in
// today's location) or more than two years ahead.
func parseDate(s string, today time.Time) (time.Time, bool) {
	d, ok := parseDay(s, today)
	if !ok {
		return time.Time{}, false
	}
	y, mo, dd := today.Date()
	start := time.Date(y, mo, dd, 0, 0, 0, 0, today.Location())
	if !hasYear(s) && d.Before(start) {
		d = d.AddDate(1, 0, 0) // "15/01" in December means next year
	}
	if d.Before(start) || d.After(start.AddDate(2, 0, 0)) {
		return time.Time{}, false
	}
	return d, true
}

// hasYear reports whether a day parseDay read names its year.
func hasYear(s string) bool {
	m := dateRE.FindStringSubmatch(asciiDigits(s))
	return m == nil || m[3] != ""
}

// parseClock reads a time of day: 14:30, 14h30, 14h, 9.
func parseClock(s string) (hour, minute int, ok bool) {
	m := hourRE.FindStringSubmatch(asciiDigits(s))
	if m == nil {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	return hour, minute, hour < 24 && minute < 60
}

// at is the instant of a wall-clock time on day, in day's location. A time
// that does not exist (the spring DST gap) moves forward by the gap.
func at(day time.Time, hour, minute int) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, hour, minute, 0, 0, day.Location())
}
