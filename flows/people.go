package flows

import "time"

// TrendDays is how many days the overview's trend of arrivals covers.
const TrendDays = 30

// ActiveWithin is how recently a person must have written to the bot to
// count as active.
const ActiveWithin = 30 * 24 * time.Hour

// People counts the people of one territory, as the dashboard's overview
// shows them: aggregates only, never who.
type People struct {
	Territory string
	Total     int
	ByLang    map[string]int  // language code → people
	Consents  map[Purpose]int // purpose → people who accepted it
	Active    int             // wrote within ActiveWithin and did not block the bot
	Blocked   int             // blocked the bot or deactivated their account
	Arrivals  []int           // people who started the bot each day, the last TrendDays days, today last
	now       time.Time
}

// NewPeople starts counting the people of territory at now; the trend's
// days are calendar days in now's location.
func NewPeople(territory string, now time.Time) *People {
	return &People{Territory: territory, ByLang: map[string]int{}, Consents: map[Purpose]int{}, Arrivals: make([]int, TrendDays), now: now}
}

// Add counts a session when it belongs to the territory.
func (p *People) Add(s *Session) {
	if s == nil || s.Territory != p.Territory {
		return
	}
	p.Total++
	if s.Lang != "" {
		p.ByLang[s.Lang]++
	}
	for _, purpose := range Purposes {
		if _, ok := s.Consents[purpose]; ok {
			p.Consents[purpose]++
		}
	}
	switch {
	case s.Inactive:
		p.Blocked++
	case p.now.Sub(s.Seen) <= ActiveWithin:
		p.Active++
	}
	if ago := daysBetween(s.Created.In(p.now.Location()), p.now); !s.Created.IsZero() && ago >= 0 && ago < TrendDays {
		p.Arrivals[TrendDays-1-ago]++
	}
}

// daysBetween is how many calendar days from a to b, in their locations.
func daysBetween(a, b time.Time) int {
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	return int(day(b).Sub(day(a)) / (24 * time.Hour))
}

// HiddenCells says which of counts that add up to a shown total must be
// hidden, by the rule of /results: those under MinShown and, when that is a
// single one, the smallest of the others, which would give it away.
func HiddenCells(counts []int) []bool { return hiddenCells(counts) }
