// Package flows holds Passerelle's conversations and their vocabulary: an Input
// comes in, the engine moves the person's Session one step and returns Replies
// and Events. Flows never see Telegram, Redis or the clock directly.
package flows

import (
	"context"
	"errors"
	"time"
)

// InputKind says what a person did.
type InputKind string

// The kinds of input a flow can receive.
const (
	KindText     InputKind = "text"     // free text
	KindCommand  InputKind = "command"  // /command [arg]
	KindButton   InputKind = "button"   // an inline button press (Data is trusted: signature checked upstream)
	KindLocation InputKind = "location" // a shared location
	KindOther    InputKind = "other"    // a photo, sticker, voice note… that we do not read
	KindBlocked  InputKind = "blocked"  // the person blocked the bot (no reply possible)
	KindUnblock  InputKind = "unblock"  // the person unblocked the bot
)

// Input is one thing a person did, transport-neutral.
type Input struct {
	ChatID    int64     // the private chat; the person is always acted on as this id
	Kind      InputKind //
	Text      string    // KindText
	Command   string    // KindCommand, lower case, without slash
	Arg       string    // KindCommand: the rest of the line (deep-link payload for /start)
	Data      string    // KindButton: the flow's button data
	Expired   bool      // KindButton: the button was forged, stale or unreadable
	Location  *Location // KindLocation
	LangHint  string    // the client's language code, a hint only
	MessageID int       // KindButton: the message carrying the pressed button (for edits)
	Group     bool      // sent in a group: only "write to me in private" is answered
	Claim     Claim     `json:"-"` // the update to claim as the step reads its session (see Opener)
}

// Location is a point on the map.
type Location struct {
	Latitude  float64
	Longitude float64
}

// Venue is a named place shown on a map.
type Venue struct {
	Location
	Title   string
	Address string
}

// Button is an inline button: exactly one of Data (pressed: comes back as
// KindButton; must fit MaxButtonData bytes), URL (opens a link) and WebApp
// (opens that HTTPS address as a Telegram Mini App) is set.
type Button struct {
	Text   string
	Data   string
	URL    string
	WebApp string
}

// MaxButtonData is the most a button's data may take, session nonce included,
// for the transport to sign it within Telegram's 64 bytes: 64 minus a
// separator and an 11-byte signature.
const MaxButtonData = 52

// Reply is one message to show the person.
type Reply struct {
	MessageID string     // the locale message id of the main text (for /feedback)
	Text      string     // plain text, never parsed as markup
	Buttons   [][]Button // inline keyboard rows
	Edit      bool       // replace the message whose button was pressed, when there is one
	Venue     *Venue     // a place to show on a map, sent after the text (alone when Text is empty)
	Photo     []byte     // a PNG image, sent with Text as its caption (≤ 1,024 characters)
	Ask       *AskLocation
	RTL       bool // the text is right-to-left (for terminals)
}

// AskLocation replaces the keyboard with a "share my location" button and a
// cancel button; it goes away once used. A reply with it has no Buttons.
type AskLocation struct {
	Send, Cancel string
}

// Purpose is something a person can consent to.
type Purpose string

// The consent purposes of the first release.
const (
	PurposeNews    Purpose = "news"
	PurposeSurveys Purpose = "surveys"
)

// Purposes lists every purpose in display order.
var Purposes = []Purpose{PurposeNews, PurposeSurveys}

// Consent records when a person agreed to a purpose, and to which notice.
type Consent struct {
	At     time.Time `json:"at"`
	Notice int       `json:"notice"`
}

// SessionVersion is the current shape of Session; older ones are migrated on load.
const SessionVersion = 1

// Session is the small state kept about one person: never a transcript.
type Session struct {
	Version   int                 `json:"v"`
	Nonce     string              `json:"n,omitempty"` // random, made with the session: every button shown carries it (see Session.Bind)
	Lang      string              `json:"lang,omitempty"`
	Territory string              `json:"ter,omitempty"`
	Consents  map[Purpose]Consent `json:"cons,omitempty"`
	Flow      string              `json:"flow,omitempty"`
	Step      string              `json:"step,omitempty"`
	Vars      map[string]string   `json:"vars,omitempty"`
	LastMsg   string              `json:"last,omitempty"` // locale id of the last main message sent, for /feedback
	Survey    *SurveyProgress     `json:"sv,omitempty"`   // an unfinished survey
	Nudged    []string            `json:"svn,omitempty"`  // surveys whose unfinished-survey reminder was scheduled: once each
	Onboarded bool                `json:"onb,omitempty"`
	Inactive  bool                `json:"off,omitempty"` // blocked the bot or deactivated: never send bulk
	Created   time.Time           `json:"created"`
	Seen      time.Time           `json:"seen"`

	// Loaded names the stored session this one was read from (the store's
	// digest of it): Commit refuses with ErrConflict when another step
	// wrote the session meanwhile, so that neither overwrites the other.
	// "" (a session not read from the store) writes whatever is stored.
	Loaded string `json:"-"`
	// Claimed is the update this step claimed as it read the session (see
	// Opener): Commit keeps that claim for good with the session, so that
	// a redelivery of the update is known. The zero Claim keeps none (a
	// dashboard action, a bulk sender's mark).
	Claimed Claim `json:"-"`

	fresh bool // made by NewSession for someone the store knows nothing about
}

// Event is a fact the engine produced for the store to record with the session.
type Event interface{ isEvent() }

// SourceScanned counts a deep-link source (a poster, a partner) for attribution;
// it is never stored per person.
type SourceScanned struct{ Territory, Source string }

// FeedbackGiven counts one "unclear" or "badly translated" flag on a message in a language.
type FeedbackGiven struct{ MessageID, Lang, Kind string }

// Forgotten asks the store to erase every key about the person, and the
// survey answers stored under their pseudonym.
type Forgotten struct{ Pseudonym string }

func (SourceScanned) isEvent() {}
func (FeedbackGiven) isEvent() {}
func (Forgotten) isEvent()     {}

// ErrNotFound is returned by a Store when nothing is stored for a chat.
var ErrNotFound = errors.New("not found")

// ErrCorrupt is returned by a Store when a stored session cannot be read; the
// person then starts afresh rather than being stuck.
var ErrCorrupt = errors.New("corrupt session")

// Store keeps sessions and records events. Commit writes the session (or erases
// the person on Forgotten) and the events atomically; it returns an error
// wrapping ErrConflict, and writes nothing, when the session changed since
// Load read it (see Session.Loaded).
type Store interface {
	Load(ctx context.Context, chatID int64) (*Session, error)
	Commit(ctx context.Context, chatID int64, s *Session, events []Event) error
}

// ErrDuplicate is returned by an Opener when the update was claimed before:
// it was handled already, or is being handled elsewhere.
var ErrDuplicate = errors.New("update claimed already")

// Claim names the Telegram update a step handles, so that it is handled once
// across redeliveries and replicas; the zero Claim names none (claimed
// already, or no update).
type Claim struct {
	UpdateID int64
	Parked   bool   // taken from the polling inbox: its entry leaves with the claim
	Token    string // the claimant's: a try whose answer was lost finds its own claim
}

// Opener is a Store that claims the update and reads the session and the
// person's staff role in one round trip; Service needs one to honour a
// Claim. Open returns ErrDuplicate when another claimant (another token)
// took the claim before. Load's session errors (ErrNotFound, ErrCorrupt)
// come with the role read.
type Opener interface {
	Open(ctx context.Context, chatID int64, claim Claim) (*Session, *Role, error)
}

// Clock tells the time; tests inject a fixed one.
type Clock interface{ Now() time.Time }

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the real clock.
var SystemClock Clock = ClockFunc(time.Now)

// Retention is how long a person's session is kept after their last message.
const Retention = 180 * 24 * time.Hour

// InactiveRetention is how long the session of a person who blocked the bot is kept.
const InactiveRetention = 30 * 24 * time.Hour
