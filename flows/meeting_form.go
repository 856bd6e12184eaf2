package flows

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/locales"
)

// MeetingForm is a meeting as a coordinator writes it, field by field: in
// the bot's /event dialogue or in the dashboard's form. Both build the
// meeting with Engine.FillMeeting, so the rules are the same.
type MeetingForm struct {
	Title, Date, Time, Place, Description, Capacity string
	Languages                                       []string          // languages spoken at the event
	Titles, Descriptions                            map[string]string // translations, language → text
}

// Fields of a MeetingForm, as FieldError names them.
const (
	FieldTitle       = "title"
	FieldDate        = "date"
	FieldTime        = "time"
	FieldPlace       = "place"
	FieldDescription = "desc"
	FieldCapacity    = "cap"
)

// FieldError says which field of a form is wrong (a Field… name, or
// "title:<lang>"/"desc:<lang>" for a translation) and the message id, with
// its Count, that says why.
type FieldError struct {
	Field, Message string
	Count          int
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("field %s: %s", e.Field, e.Message)
}

// MaxMeetingText bounds each text a coordinator writes about a meeting.
const MaxMeetingText = 1500

// meetingText checks one text of a meeting: too long is wrong, and so is
// empty when required.
func meetingText(field, text string, required bool) error {
	if n := utf8.RuneCountInString(text); n > MaxMeetingText {
		return &FieldError{Field: field, Message: "BroadcastTooLong", Count: n}
	}
	if required && text == "" {
		return &FieldError{Field: field, Message: "WebMissingText"}
	}
	return nil
}

// parseCapacity reads a number of places, 0 for no limit.
func parseCapacity(text string) (int, bool) {
	n, err := strconv.Atoi(asciiDigits(strings.TrimSpace(text)))
	return n, err == nil && n >= 0 && n <= 10000
}

// FillMeeting checks f at now as the /event dialogue does (the date read
// as people write it and not past, the time, the number of places, texts
// of at most MaxMeetingText characters, title, place and description
// required) and writes it into m, leaving m's id, territory, owner, map
// location and creation alone. The error is a *FieldError, and m is then
// left as it was.
func (e *Engine) FillMeeting(m *Meeting, f MeetingForm, now time.Time) error {
	title, place, desc := strings.TrimSpace(f.Title), strings.TrimSpace(f.Place), strings.TrimSpace(f.Description)
	for _, c := range []struct {
		field, text string
	}{{FieldTitle, title}, {FieldPlace, place}, {FieldDescription, desc}} {
		if err := meetingText(c.field, c.text, true); err != nil {
			return err
		}
	}
	day, ok := parseDate(f.Date, now.In(e.loc))
	if !ok {
		return &FieldError{Field: FieldDate, Message: "BadDate"}
	}
	h, mi, ok := parseClock(f.Time)
	if !ok {
		return &FieldError{Field: FieldTime, Message: "BadTime"}
	}
	capacity, ok := parseCapacity(f.Capacity)
	if !ok {
		return &FieldError{Field: FieldCapacity, Message: "BadCapacity"}
	}
	titles, descs := map[string]string{locales.Source: title}, map[string]string{locales.Source: desc}
	for _, l := range locales.Codes() {
		if l == locales.Source {
			continue
		}
		tt, td := strings.TrimSpace(f.Titles[l]), strings.TrimSpace(f.Descriptions[l])
		if err := meetingText(FieldTitle+":"+l, tt, false); err != nil {
			return err
		}
		if err := meetingText(FieldDescription+":"+l, td, false); err != nil {
			return err
		}
		if tt != "" {
			titles[l] = tt
		}
		if td != "" {
			descs[l] = td
		}
	}
	var spoken []string
	for _, l := range f.Languages {
		if _, ok := locales.Lookup(l); ok {
			spoken = append(spoken, l)
		}
	}
	m.Title, m.Description, m.Languages = titles, descs, spoken
	m.Start, m.Place, m.Capacity = at(day, h, mi), place, capacity
	return nil
}
