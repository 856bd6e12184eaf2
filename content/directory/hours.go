package directory

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// Week is the weekly opening hours read from a directory, indexed by
// time.Weekday, and whether the place closes on public holidays.
type Week struct {
	Days           [7][]content.Span
	HolidaysClosed bool
}

// errHours is the error of hours that cannot be read without guessing.
var errHours = errors.New("hours not understood")

// ParseOpeningHours reads the subset of the OpenStreetMap opening_hours
// syntax that the national directories publish: rules separated by ";" (a
// later rule replaces the hours of the days it names) or ", " (it adds to
// them); days and day ranges (Mo-Fr, Mo,We,Fr-Su); spans, several per rule
// (08:30-12:00,13:30-17:00), past midnight (22:00-02:00 or 22:00-26:00);
// 24/7; the modifiers open, closed and off; "PH off" (closed on public
// holidays); comments in double quotes, which are dropped. A rule without
// spans ("Mo open"), a month, a week number, a date, a holiday rule other
// than "PH off", hours that are closed every day, and anything else are
// refused with an error wrapping errHours: the caller then keeps the hours
// unknown rather than guess.
func ParseOpeningHours(s string) (Week, error) {
	var w Week
	toks, err := tokenize(s)
	if err != nil {
		return w, err
	}
	p := &hoursParser{toks: toks}
	mentioned := false
	for sep := ";"; ; {
		r, err := p.rule()
		if err != nil {
			return w, err
		}
		if r.holiday {
			w.HolidaysClosed = true
		} else {
			r.apply(&w, sep == ",")
		}
		mentioned = mentioned || !r.holiday
		if p.done() {
			break
		}
		if sep = p.next().text; p.done() { // ";" or ",", checked by rule
			break // a separator at the end is harmless
		}
	}
	open := false
	for _, d := range w.Days {
		open = open || len(d) > 0
	}
	if !open {
		if mentioned {
			return w, fmt.Errorf("%w: closed every day", errHours)
		}
		return w, fmt.Errorf("%w: no opening hours, only public holidays", errHours)
	}
	for d := range w.Days {
		if w.Days[d], err = union(w.Days[d]); err != nil {
			return w, err
		}
	}
	if err := checkOvernight(w.Days); err != nil {
		return w, err
	}
	return w, nil
}

type tokenKind int

const (
	tokDay tokenKind = iota
	tokPH
	tokTime
	tokDash
	tokComma
	tokSemicolon
	tokModifier
	tokComment
	tok247
)

type token struct {
	kind tokenKind
	text string
	val  int // minutes for a time, weekday for a day
}

var osmDays = map[string]time.Weekday{"Mo": time.Monday, "Tu": time.Tuesday, "We": time.Wednesday, "Th": time.Thursday, "Fr": time.Friday, "Sa": time.Saturday, "Su": time.Sunday}

// tokenize splits opening hours into tokens, refusing words outside the subset.
func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '-':
			toks, i = append(toks, token{kind: tokDash, text: "-"}), i+1
		case c == ',':
			toks, i = append(toks, token{kind: tokComma, text: ","}), i+1
		case c == ';':
			toks, i = append(toks, token{kind: tokSemicolon, text: ";"}), i+1
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: a comment is not closed", errHours)
			}
			toks, i = append(toks, token{kind: tokComment, text: s[i : i+end+2]}), i+end+2
		case '0' <= c && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ':' || s[j] == '/') {
				j++
			}
			word := s[i:j]
			if word == "24/7" {
				toks = append(toks, token{kind: tok247, text: word})
			} else if m, ok := osmClock(word); ok {
				toks = append(toks, token{kind: tokTime, text: word, val: m})
			} else {
				return nil, fmt.Errorf("%w: %q is not a time", errHours, word)
			}
			i = j
		default:
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("%w: unexpected %q", errHours, s[i:i+1])
			}
			word := s[i:j]
			switch d, isDay := osmDays[word]; {
			case isDay:
				toks = append(toks, token{kind: tokDay, text: word, val: int(d)})
			case word == "PH":
				toks = append(toks, token{kind: tokPH, text: word})
			case word == "open" || word == "closed" || word == "off":
				toks = append(toks, token{kind: tokModifier, text: word})
			default:
				return nil, fmt.Errorf("%w: %q is not supported", errHours, word)
			}
			i = j
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: empty", errHours)
	}
	return toks, nil
}

// osmClock reads HH:MM, hours up to 48 for spans past midnight.
func osmClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || m > 59 || h > 48 {
		return 0, false
	}
	return h*60 + m, true
}

type hoursParser struct {
	toks []token
	pos  int
}

func (p *hoursParser) done() bool { return p.pos >= len(p.toks) }

func (p *hoursParser) peek(k tokenKind) bool { return !p.done() && p.toks[p.pos].kind == k }

// peek2 reports whether the token after the next one is of kind k.
func (p *hoursParser) peek2(k tokenKind) bool {
	return p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == k
}

func (p *hoursParser) next() token { t := p.toks[p.pos]; p.pos++; return t }

// osmRule is one rule: days (all when none), spans, modifier.
type osmRule struct {
	days     []time.Weekday
	holiday  bool
	spans    []content.Span
	allDay   bool
	modifier string
}

// rule parses one rule and leaves the parser on the separator after it.
func (p *hoursParser) rule() (osmRule, error) {
	var r osmRule
	hasDays := false
	for p.peek(tokDay) || p.peek(tokPH) {
		hasDays = true
		t := p.next()
		if t.kind == tokPH {
			r.holiday = true
		} else if p.peek(tokDash) && p.peek2(tokDay) {
			p.next()
			end := p.next()
			for d := t.val; ; d = (d + 1) % 7 {
				r.days = append(r.days, time.Weekday(d))
				if d == end.val {
					break
				}
			}
		} else {
			r.days = append(r.days, time.Weekday(t.val))
		}
		if !(p.peek(tokComma) && (p.peek2(tokDay) || p.peek2(tokPH))) {
			break
		}
		p.next()
	}
	if r.holiday && len(r.days) > 0 {
		return r, fmt.Errorf("%w: public holidays mixed with days", errHours)
	}
	switch {
	case p.peek(tok247):
		p.next()
		if hasDays {
			return r, fmt.Errorf("%w: 24/7 after days", errHours)
		}
		r.allDay = true
	case p.peek(tokTime):
		for {
			open := p.next()
			if !p.peek(tokDash) || !p.peek2(tokTime) {
				return r, fmt.Errorf("%w: %s is not followed by a closing time", errHours, open.text)
			}
			p.next()
			closing := p.next().val
			if open.val >= 24*60 {
				return r, fmt.Errorf("%w: %s opens after midnight", errHours, open.text)
			}
			if closing > 24*60 {
				closing -= 24 * 60
				if closing >= open.val {
					return r, fmt.Errorf("%w: a span longer than a day", errHours)
				}
			}
			if closing == open.val {
				return r, fmt.Errorf("%w: a span of zero length", errHours)
			}
			if closing == 0 {
				closing = 24 * 60 // until midnight
			}
			r.spans = append(r.spans, content.Span{Open: open.val, Close: closing})
			if !(p.peek(tokComma) && p.peek2(tokTime)) {
				break
			}
			p.next()
		}
	}
	if p.peek(tokModifier) {
		r.modifier = p.next().text
	}
	for p.peek(tokComment) {
		p.next()
	}
	if !p.done() && !p.peek(tokSemicolon) && !p.peek(tokComma) {
		return r, fmt.Errorf("%w: unexpected %q", errHours, p.toks[p.pos].text)
	}
	closed := r.modifier == "closed" || r.modifier == "off"
	switch {
	case r.holiday && (!closed || len(r.spans) > 0):
		return r, fmt.Errorf("%w: only \"PH off\" is understood for public holidays", errHours)
	case closed && (len(r.spans) > 0 || r.allDay):
		return r, fmt.Errorf("%w: closed during some hours only", errHours)
	case !closed && !r.holiday && len(r.spans) == 0 && !r.allDay:
		return r, fmt.Errorf("%w: open without hours", errHours)
	case !hasDays && !r.allDay && len(r.spans) == 0 && !closed:
		return r, fmt.Errorf("%w: a rule without days or hours", errHours)
	}
	return r, nil
}

// apply writes the rule into w: a rule after ";" replaces the hours of its
// days, a rule after "," adds to them.
func (r osmRule) apply(w *Week, additional bool) {
	days := r.days
	if len(days) == 0 {
		days = []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	}
	spans := r.spans
	if r.allDay {
		spans = []content.Span{{Open: 0, Close: 24 * 60}}
	}
	if r.modifier == "closed" || r.modifier == "off" {
		spans = nil
	}
	for _, d := range days {
		if additional && spans != nil {
			w.Days[d] = append(slices.Clone(w.Days[d]), spans...)
		} else {
			w.Days[d] = slices.Clone(spans)
		}
	}
}

// union sorts spans and joins those that overlap or touch; spans that
// would join into more than a day are refused.
func union(spans []content.Span) ([]content.Span, error) {
	if len(spans) < 2 {
		return spans, nil
	}
	end := func(s content.Span) int {
		if s.Close <= s.Open {
			return s.Close + 24*60
		}
		return s.Close
	}
	slices.SortFunc(spans, func(a, b content.Span) int { return cmp.Compare(a.Open, b.Open) })
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.Open <= end(*last) {
			if end(s) > end(*last) {
				if end(s)-last.Open >= 24*60 && !(last.Open == 0 && end(s) == 24*60) {
					return nil, fmt.Errorf("%w: spans that join into more than a day", errHours)
				}
				last.Close = s.Close
			}
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// checkOvernight refuses a span past midnight that runs into the next
// day's first span: the content format would refuse it too.
func checkOvernight(days [7][]content.Span) error {
	for d, spans := range days {
		for _, s := range spans {
			if s.Close > s.Open {
				continue
			}
			for _, n := range days[(d+1)%7] {
				if n.Open < s.Close {
					return fmt.Errorf("%w: %s runs into the next day's hours", errHours, s)
				}
			}
		}
	}
	return nil
}

// formatSpans writes one day's spans as the content format does ("09:00-12:00,
// 14:00-17:30"; "24h" for the whole day).
func formatSpans(spans []content.Span) string {
	if len(spans) == 0 {
		return "closed"
	}
	if len(spans) == 1 && spans[0].AllDay() {
		return "24h"
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}
