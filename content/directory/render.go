package directory

import (
	"slices"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"go.yaml.in/yaml/v3"
)

// field is one value an import writes into a service. Keys are the
// service's keys, and "short.fr", "long.fr" for the French texts (the
// other languages are the coordinator's).
type field struct {
	key  string
	node *yaml.Node // nil: the directory does not give it
}

// holidayHorizon is how far ahead "closed on public holidays" is written
// as exceptions, in days.
const holidayHorizon = 365

// fields renders an entry's values; today dates the public holidays.
func (e *Entry) fields(today content.Date) []field {
	text := func(s string) *yaml.Node {
		if s == "" {
			return nil
		}
		return str(s)
	}
	list := func(l []string) *yaml.Node {
		if len(l) == 0 {
			return nil
		}
		return flowList(l)
	}
	var location, phone, hours, long *yaml.Node
	if e.Long != "" {
		long = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e.Long, Style: yaml.FoldedStyle}
	}
	if e.Location != nil {
		location = mapping(true, str("lat"), number(e.Location.Lat), str("lon"), number(e.Location.Lon))
	}
	if e.Phone.National != "" {
		phone = quoted(e.Phone.National)
	}
	switch {
	case e.Week != nil:
		hours = mapping(false)
		for i := 1; i <= 7; i++ {
			d := time.Weekday(i % 7)
			if spans := e.Week.Days[d]; len(spans) > 0 {
				hours.Content = append(hours.Content, str(dayKey(d)), quoted(formatSpans(spans)))
			}
		}
	case e.RawHours != "":
		hours = plain(content.HoursCall)
		hours.LineComment = "# " + e.Directory + ": " + oneLine(e.RawHours, maxComment)
	}
	return []field{
		{"name", text(e.Name)},
		{"organisation", text(e.Organisation)},
		{"themes", list(e.Themes)},
		{"short.fr", text(e.Short)},
		{"long.fr", long},
		{"address", text(e.Address)},
		{"location", location},
		{"phone", phone},
		{"website", text(e.Website)},
		{"hours", hours},
		{"exceptions", e.exceptions(today)},
		{"closures", e.closures()},
		{"languages", list(e.Languages)},
		{"publics", list(e.Publics)},
		{"fee", text(e.Fee)},
		{"access", list(e.Access)},
	}
}

// maxComment is the longest text of the directory kept in a comment, in
// characters.
const maxComment = 200

// oneLine puts text on one line, cut at n characters.
func oneLine(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return text
}

func dayKey(d time.Weekday) string {
	return [...]string{"su", "mo", "tu", "we", "th", "fr", "sa"}[d]
}

// exceptions are the public holidays of the coming year on which the place
// would otherwise be open, when it closes on them, and the days of
// temporary hours.
func (e *Entry) exceptions(today content.Date) *yaml.Node {
	byDate := map[content.Date]content.Exception{}
	if e.Week != nil && e.Week.HolidaysClosed {
		for _, d := range publicHolidays(today, today.AddDays(holidayHorizon), e.Commune) {
			if len(e.Week.Days[d.Weekday()]) > 0 {
				byDate[d] = content.Exception{Date: d, Closed: true}
			}
		}
	}
	for _, ex := range e.Exceptions {
		byDate[ex.Date] = ex
	}
	if len(byDate) == 0 {
		return nil
	}
	dates := make([]content.Date, 0, len(byDate))
	for d := range byDate {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, content.Date.Compare)
	l := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, d := range dates {
		ex := byDate[d]
		if ex.Closed {
			l.Content = append(l.Content, mapping(true, str("date"), plain(d.String()), str("closed"), plain("true")))
		} else {
			l.Content = append(l.Content, mapping(true, str("date"), plain(d.String()), str("hours"), quoted(formatSpans(ex.Spans))))
		}
	}
	return l
}

func (e *Entry) closures() *yaml.Node {
	if len(e.Closures) == 0 {
		return nil
	}
	l := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, c := range e.Closures {
		item := mapping(true, str("from"), plain(c.From.String()), str("to"), plain(c.To.String()))
		if r := c.Reason["fr"]; r != "" {
			item.Content = append(item.Content, str("reason"), mapping(true, str("fr"), str(r)))
		}
		l.Content = append(l.Content, item)
	}
	return l
}

// sourceNode is a service's entry for a directory.
func sourceNode(directory, id string, day content.Date) *yaml.Node {
	return mapping(true, str("directory"), str(directory), str("id"), quoted(id), str("date"), plain(day.String()))
}
