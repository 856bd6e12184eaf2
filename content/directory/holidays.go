package directory

import (
	"slices"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// publicHolidays returns the French public holidays from from to to, both
// included: the eleven national ones, and Good Friday and 26 December in
// Alsace and Moselle (départements 57, 67 and 68), known from the commune's
// INSEE code.
func publicHolidays(from, to content.Date, commune string) []content.Date {
	alsaceMoselle := strings.HasPrefix(commune, "57") || strings.HasPrefix(commune, "67") || strings.HasPrefix(commune, "68")
	var out []content.Date
	for year := from.Year; year <= to.Year; year++ {
		easter := easterSunday(year)
		days := []content.Date{
			{Year: year, Month: 1, Day: 1},
			easter.AddDays(1), // lundi de Pâques
			{Year: year, Month: 5, Day: 1},
			{Year: year, Month: 5, Day: 8},
			easter.AddDays(39), // Ascension
			easter.AddDays(50), // lundi de Pentecôte
			{Year: year, Month: 7, Day: 14},
			{Year: year, Month: 8, Day: 15},
			{Year: year, Month: 11, Day: 1},
			{Year: year, Month: 11, Day: 11},
			{Year: year, Month: 12, Day: 25},
		}
		if alsaceMoselle {
			days = append(days, easter.AddDays(-2), content.Date{Year: year, Month: 12, Day: 26})
		}
		for _, d := range days {
			if from.Compare(d) <= 0 && d.Compare(to) <= 0 {
				out = append(out, d)
			}
		}
	}
	slices.SortFunc(out, content.Date.Compare)
	return out
}

// easterSunday is the date of Easter in the Gregorian calendar (the
// anonymous Gregorian algorithm, "Meeus/Jones/Butcher").
func easterSunday(year int) content.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return content.Date{Year: year, Month: time.Month(month), Day: day}
}
