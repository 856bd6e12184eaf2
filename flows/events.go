package flows

import (
	"context"
	"strconv"
	"time"
)

// Meeting is an event a coordinator announces to the newcomers of a territory
// (named so to stay apart from Event, the facts the engine records).
type Meeting struct {
	ID          string            `json:"id"`
	Territory   string            `json:"ter"`
	Title       map[string]string `json:"title"` // language → text; "fr" always
	Start       time.Time         `json:"start"`
	Place       string            `json:"place"`          // address or place name, as written
	Location    *Location         `json:"loc,omitempty"`  // when shared on a map
	Description map[string]string `json:"desc,omitempty"` // language → text
	Languages   []string          `json:"langs,omitempty"`
	Capacity    int               `json:"cap,omitempty"` // 0: no limit
	Owner       int64             `json:"owner"`
	Created     time.Time         `json:"created"`
}

// MeetingRetention is how long a meeting and its answers are kept after it starts.
const MeetingRetention = 7 * 24 * time.Hour

// RSVP is a person's answer to a meeting.
type RSVP string

// The answers to a meeting.
const (
	RSVPComing  RSVP = "yes"  // has a place
	RSVPWaiting RSVP = "wait" // on the waiting list
	RSVPNo      RSVP = "no"
)

// MeetingCounts are the numbers a coordinator sees.
type MeetingCounts struct {
	Coming, Waiting, No int
}

// Reminder is a message due at a given instant to one person; Ref names what
// it is about (an event id, or a personal appointment) and Key which reminder
// it is, so that the same reminder is never sent twice.
type Reminder struct {
	ChatID int64     `json:"chat"`
	Due    time.Time `json:"due"`
	Kind   string    `json:"kind"` // "event24h", "event2h", "personal1d", "personal2h"
	Ref    string    `json:"ref"`
	At     time.Time `json:"at"` // when the event or appointment is
}

// EventReminderKind names the reminder due `before` a meeting starts:
// "event24h", "event2h", "event1h30m".
func EventReminderKind(before time.Duration) string {
	h, m := int(before/time.Hour), int(before%time.Hour/time.Minute)
	switch {
	case m == 0:
		return "event" + strconv.Itoa(h) + "h"
	case h == 0:
		return "event" + strconv.Itoa(m) + "m"
	}
	return "event" + strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
}

// DefaultEventReminders are when people coming to a meeting are reminded of it.
var DefaultEventReminders = []time.Duration{24 * time.Hour, 2 * time.Hour}

// ReminderJobPrefix starts the outbox job id of every reminder.
const ReminderJobPrefix = "rem:"

// Key identifies a reminder: the outbox job id its message goes out under.
func (r Reminder) Key() string {
	return ReminderJobPrefix + r.Kind + ":" + r.Ref + ":" + strconv.FormatInt(r.ChatID, 10) + ":" + r.Due.UTC().Format("20060102T1504")
}

// Event and reminder events, recorded by the store with the session.
type (
	// MeetingCreated stores a meeting.
	MeetingCreated struct{ Meeting Meeting }
	// RSVPGiven records a person's answer; the store decides Coming or
	// Waiting from the capacity, atomically, and schedules or cancels the
	// event reminders. Promoting the first person waiting when a place frees
	// is the store's job too.
	RSVPGiven struct {
		MeetingID string
		ChatID    int64
		Answer    RSVP // RSVPComing asks for a place; RSVPNo gives it back
	}
	// RemindersScheduled adds reminders.
	RemindersScheduled struct{ Reminders []Reminder }
	// RemindersCancelled removes the reminders of a person about Ref.
	RemindersCancelled struct {
		ChatID int64
		Ref    string
	}
)

func (MeetingCreated) isEvent()     {}
func (RSVPGiven) isEvent()          {}
func (RemindersScheduled) isEvent() {}
func (RemindersCancelled) isEvent() {}

// Calendar answers what the meeting and reminder features ask of the store.
type Calendar interface {
	Meetings(ctx context.Context, territory string, from time.Time, n int) ([]Meeting, error) // upcoming, soonest first
	Meeting(ctx context.Context, id string) (*Meeting, error)                                 // nil, nil when unknown
	MeetingCounts(ctx context.Context, id string) (MeetingCounts, error)
	Answer(ctx context.Context, id string, chatID int64) (RSVP, error)     // "" when none
	WaitingRank(ctx context.Context, id string, chatID int64) (int, error) // 1 for the first waiting; 0 when not waiting
	AnswerCount(ctx context.Context, chatID int64) (int, error)            // how many meetings the person answered
	Personal(ctx context.Context, chatID int64) ([]Reminder, error)        // a person's own reminders, soonest first
	DueReminders(ctx context.Context, now time.Time, n int) ([]Reminder, error)
	DoneReminder(ctx context.Context, r Reminder) error // removes it once its message is queued
}
