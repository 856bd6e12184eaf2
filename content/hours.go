package content

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Opening hours are wall-clock times of the caller's time zone (the
// *time.Location of the times passed in; PASSERELLE_TZ in production).
//
// A span belongs to the day it opens: a span 22:00-02:00 on Friday is open
// Friday from 22:00 and Saturday until 02:00, even when Saturday is an
// exception. A temporary closure closes its days completely, including what
// would run into them from the day before; and a span opening on a closed day
// does not run into the next day.

// maxLookAhead is how far NextOpening and ClosesAt look, in days.
const maxLookAhead = 14

const minutesPerDay = 24 * 60

// end returns the minute after midnight at which the span stops on the day it
// opens: Close, or 24:00 for a span running past midnight.
func (s Span) end() int {
	if s.Close <= s.Open {
		return minutesPerDay
	}
	return s.Close
}

// overnight reports whether the span runs past midnight into the next day.
func (s Span) overnight() bool { return s.Close <= s.Open }

// AllDay reports whether the span is the whole day, 00:00 to 24:00 ("24h").
func (s Span) AllDay() bool { return s.Open == 0 && s.Close == minutesPerDay }

// String formats the span as "09:00-12:00".
func (s Span) String() string { return clock(s.Open) + "-" + clock(s.Close) }

func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// dateOf returns t's calendar day in t's location.
func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Compare returns -1, 0 or +1 as d is before, the same day as, or after e.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}

// AddDays returns the day n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date {
	return dateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// parseDate parses YYYY-MM-DD.
func parseDate(s string) (Date, bool) {
	if len(s) != len("2006-01-02") {
		return Date{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, false
	}
	return dateOf(t), true
}

// includes reports whether day is between From and To, both included.
func (c *Closure) includes(day Date) bool {
	return c.From.Compare(day) <= 0 && day.Compare(c.To) <= 0
}

// ClosedFor returns the temporary closure in force on t's day, the first one
// listed when several are.
func (h Hours) ClosedFor(t time.Time) (*Closure, bool) {
	return h.closure(dateOf(t))
}

func (h Hours) closure(day Date) (*Closure, bool) {
	for i := range h.Closures {
		if h.Closures[i].includes(day) {
			return &h.Closures[i], true
		}
	}
	return nil, false
}

// spansOn returns the spans opening on day: none during a temporary
// closure, the exception's for an exception day, else the weekly ones.
func (h Hours) spansOn(day Date) []Span {
	if _, closed := h.closure(day); closed {
		return nil
	}
	for _, e := range h.Exceptions {
		if e.Date == day {
			if e.Closed {
				return nil
			}
			return e.Spans
		}
	}
	return h.Weekly[day.Weekday()]
}

// OpenAt reports whether the service is open at t, read as a wall-clock time
// in t.Location(). Spans that started the day before and run past midnight
// count; exceptions replace their day's weekly spans; a temporary closure
// closes its whole days.
func (h Hours) OpenAt(t time.Time) bool {
	day := dateOf(t)
	if _, closed := h.closure(day); closed {
		return false
	}
	sec := t.Hour()*3600 + t.Minute()*60 + t.Second()
	for _, s := range h.spansOn(day) {
		if s.Open*60 <= sec && sec < s.end()*60 {
			return true
		}
	}
	for _, s := range h.spansOn(day.AddDays(-1)) {
		if s.overnight() && sec < s.Close*60 {
			return true
		}
	}
	return false
}

// NextOpening returns the next time the service opens strictly after t, at
// most 14 days later, in t.Location(). An opening is the start of a span when
// the service was closed just before; on the day clocks go forward, an
// opening at a wall time that does not exist moves to the change itself
// (02:30 becomes 03:00 in Europe/Paris); on the day they go back, an opening
// in the repeated hour happens at its first occurrence only.
func (h Hours) NextOpening(t time.Time) (time.Time, bool) {
	loc := t.Location()
	limit := t.AddDate(0, 0, maxLookAhead)
	first := dateOf(t)
	for i := 0; i <= maxLookAhead; i++ {
		day := first.AddDays(i)
		spans := slices.Clone(h.spansOn(day))
		slices.SortFunc(spans, func(a, b Span) int { return cmp.Compare(a.Open, b.Open) })
		for _, s := range spans {
			at := wallTime(day, s.Open, loc)
			if !at.After(t) {
				continue
			}
			if at.After(limit) {
				return time.Time{}, false
			}
			if !h.OpenAt(at.Add(-time.Nanosecond)) {
				return at, true
			}
		}
	}
	return time.Time{}, false
}

// Status is what can be said of a service's opening at one moment.
type Status struct {
	Closure *Closure  // the temporary closure in force, if any: then the rest is zero
	Open    bool      // open at that moment
	Until   time.Time // when open: when it closes; zero when it stays open 14 days or more (day and night)
	Next    time.Time // when closed: when it opens next; zero when not within 14 days
}

// StatusAt tells whether the service is open at t and until when, or when it
// opens next, in t.Location(). A service open day and night is open with no
// closing time, never "closed".
func (h Hours) StatusAt(t time.Time) Status {
	if c, closed := h.ClosedFor(t); closed {
		return Status{Closure: c}
	}
	if h.OpenAt(t) {
		until, _ := h.ClosesAt(t)
		return Status{Open: true, Until: until}
	}
	next, _ := h.NextOpening(t)
	return Status{Next: next}
}

// ClosesAt returns when the service, open at t, next closes: the first
// instant after t at which OpenAt is false, within 14 days. It returns false
// when the service is closed at t or stays open for longer.
func (h Hours) ClosesAt(t time.Time) (time.Time, bool) {
	if !h.OpenAt(t) {
		return time.Time{}, false
	}
	loc := t.Location()
	limit := t.AddDate(0, 0, maxLookAhead)
	first := dateOf(t)
	// OpenAt can only turn false at the end of a span, at the start of a
	// closure, or when the clocks change.
	var ends []time.Time
	for i := -1; i <= maxLookAhead+1; i++ {
		day := first.AddDays(i)
		for _, s := range h.spansOn(day) {
			if s.overnight() {
				ends = append(ends, wallTime(day.AddDays(1), s.Close, loc))
			} else {
				ends = append(ends, wallTime(day, s.Close, loc))
			}
		}
	}
	for _, c := range h.Closures {
		ends = append(ends, wallTime(c.From, 0, loc))
	}
	for z := t; ; {
		_, end := z.ZoneBounds()
		if end.IsZero() || end.After(limit) || !end.After(z) {
			break
		}
		ends = append(ends, end)
		z = end
	}
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	for _, at := range ends {
		if at.After(limit) {
			break
		}
		if at.After(t) && !h.OpenAt(at) {
			return at, true
		}
	}
	return time.Time{}, false
}

// wallTime returns the first instant at which the wall clock of loc shows
// minutes after midnight on day (24:00 is midnight of the next day). When the
// clocks go forward over that time, it is the instant of the change; when
// they go back over it, its first occurrence.
func wallTime(day Date, minutes int, loc *time.Location) time.Time {
	t := time.Date(day.Year, day.Month, day.Day, 0, minutes, 0, 0, loc)
	want := time.Date(day.Year, day.Month, day.Day, 0, minutes, 0, 0, time.UTC)
	switch got := wall(t); {
	case got.After(want):
		// The time does not exist: time.Date moved it past the change.
		if start, _ := t.ZoneBounds(); !start.IsZero() && !wall(start).Before(want) {
			return start
		}
	case got.Before(want):
		// Moved back past a change: the first instant showing want or later is the change.
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end
		}
	default:
		// The time may exist twice: prefer the occurrence before the change.
		start, _ := t.ZoneBounds()
		if start.IsZero() {
			return t
		}
		_, before := start.Add(-time.Nanosecond).Zone()
		_, now := t.Zone()
		if before > now {
			if earlier := t.Add(-time.Duration(before-now) * time.Second); earlier.Before(start) && wall(earlier).Equal(want) {
				return earlier
			}
		}
	}
	return t
}

// wall returns t's wall clock as a time in UTC, to compare wall clocks.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// Hours syntax, as written in a service file: "09:00-12:00, 14:00-17:30",
// "closed" or "24h" (the same as "00:00-24:00").
const (
	hoursClosed = "closed"
	hoursAllDay = "24h"
)

// parseSpans parses a day's hours. It returns the spans sorted by opening
// time, spans that touch joined into one ("00:00-12:00, 12:00-24:00" is
// "24h"), or a message saying what is wrong.
func parseSpans(s string) ([]Span, string) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case hoursClosed:
		return nil, ""
	case hoursAllDay:
		return []Span{{0, minutesPerDay}}, ""
	case "":
		return nil, `empty: write spans such as "09:00-12:00, 14:00-17:30", or "closed"`
	case "fermé", "ferme":
		return nil, fmt.Sprintf("%q is not understood: write %q", s, hoursClosed)
	}
	var spans []Span
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		open, closing, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Sprintf("%s is not a span: write opening and closing times as 09:00-12:00, spans separated by commas", quote(part))
		}
		o, ok1 := parseClock(strings.TrimSpace(open))
		c, ok2 := parseClock(strings.TrimSpace(closing))
		switch {
		case !ok1 || !ok2:
			return nil, fmt.Sprintf("%s is not a span: write times as HH:MM from 00:00 to 24:00, for example 09:00-12:00", quote(part))
		case o == minutesPerDay:
			return nil, fmt.Sprintf("%s opens at 24:00: write 00:00 and put the span on the next day", quote(part))
		case o == c:
			return nil, fmt.Sprintf("%s is a span of zero length", quote(part))
		}
		if c == 0 && o != 0 {
			c = minutesPerDay // 22:00-00:00 ends at midnight the same day
		}
		spans = append(spans, Span{o, c})
	}
	slices.SortFunc(spans, func(a, b Span) int { return cmp.Compare(a.Open, b.Open) })
	joined := spans[:1]
	for _, s := range spans[1:] {
		last := &joined[len(joined)-1]
		switch {
		case s.Open < last.end():
			return nil, fmt.Sprintf("%s overlaps %s", s, last)
		case s.Open == last.Close:
			last.Close = s.Close
		default:
			joined = append(joined, s)
		}
	}
	return joined, ""
}

// parseClock parses H:MM or HH:MM, from 00:00 to 24:00, into minutes after midnight.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || hh[0] == '+' || hh[0] == '-' || mm[0] == '+' || mm[0] == '-' || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, false
	}
	return h*60 + m, true
}
