package flows

import (
	"context"
	"errors"
	"time"
)

// RoleKind is what a staff member may do.
type RoleKind string

// The staff roles. National admins come from configuration, the others from
// one-time invitations.
const (
	RoleAdmin       RoleKind = "admin"       // every territory; invites coordinators; reads the audit log
	RoleCoordinator RoleKind = "coordinator" // one territory; broadcasts; invites partner staff
	RolePartner     RoleKind = "partner"     // one organisation of one territory
)

// Role binds a staff member to a territory, and partner staff to an
// organisation (a deep-link source id of that territory).
type Role struct {
	Kind      RoleKind  `json:"kind"`
	Territory string    `json:"ter,omitempty"` // "" for admins
	Org       string    `json:"org,omitempty"`
	Since     time.Time `json:"since"`
	By        int64     `json:"by,omitempty"` // who invited them
}

// InviteTTL is how long an invitation link works.
const InviteTTL = 48 * time.Hour

// Invite is a one-time link that grants Role to whoever opens it first.
type Invite struct {
	Token   string    `json:"-"`
	Role    Role      `json:"role"`
	Expires time.Time `json:"exp"`
}

// StaffMember is one entry of a territory's team.
type StaffMember struct {
	ChatID int64
	Role   Role
	Lang   string // the language they chose; "" when unknown
}

// AuditEntry is one privileged action: who, what, where, how many — never contents.
type AuditEntry struct {
	At        time.Time
	Actor     int64
	Role      RoleKind
	Action    string // e.g. "invite", "revoke", "broadcast", "denied:broadcast"
	Territory string
	Count     int
}

// AuditRetention is how long the audit log is kept.
const AuditRetention = 365 * 24 * time.Hour

// Recipient is someone a broadcast may reach: news consent given, active.
type Recipient struct {
	ChatID int64
	Lang   string
}

// Bulk is one message of a bulk job to one person, written to the outbox
// before it is sent.
type Bulk struct {
	Job     string     `json:"job"`
	ChatID  int64      `json:"chat"`
	Text    string     `json:"text"`
	Buttons [][]Button `json:"buttons,omitempty"` // signed for ChatID when sent
	Edit    int        `json:"edit,omitempty"`    // a message of ChatID to edit into Text (its buttons replaced by Buttons) instead of sending a new one
}

// Job describes a bulk send: who asked, and where to report progress.
type Job struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"` // "broadcast"
	Territory string    `json:"ter"`
	Owner     int64     `json:"owner"` // the coordinator's chat, told the progress
	OwnerLang string    `json:"lang"`
	Created   time.Time `json:"created"`
}

// JobStatus counts what happened to a job's messages.
type JobStatus struct {
	Job
	Total, Sent, Blocked, Failed int
	ProgressMessage              int // the owner's message edited with the progress
}

// Pending is how many messages are still to be sent.
func (s JobStatus) Pending() int { return s.Total - s.Sent - s.Blocked - s.Failed }

// Staff events, recorded by the store with the session.
type (
	// InviteCreated stores an invitation.
	InviteCreated struct{ Invite Invite }
	// RoleGranted gives ChatID a role, consuming the invitation Token at the
	// same time; the store fails with ErrInviteGone when it was already used.
	RoleGranted struct {
		ChatID int64
		Role   Role
		Token  string
	}
	// RoleRevoked takes a role away and deletes the open invitations the
	// member created.
	RoleRevoked struct{ ChatID int64 }
	// Audited appends to the audit log.
	Audited struct{ Entry AuditEntry }
	// BroadcastQueued writes one bulk message per recipient to the outbox,
	// once per job id.
	BroadcastQueued struct {
		Job      Job
		Messages []Bulk
	}
)

func (InviteCreated) isEvent()   {}
func (RoleGranted) isEvent()     {}
func (RoleRevoked) isEvent()     {}
func (Audited) isEvent()         {}
func (BroadcastQueued) isEvent() {}

// ErrInviteGone is returned by Commit when an invitation was used or expired
// in the meantime.
var ErrInviteGone = errors.New("invitation already used or expired")

// Directory answers the questions staff commands ask of the store. The
// engine only reads through it; every write is an event.
type Directory interface {
	Role(ctx context.Context, chatID int64) (*Role, error)
	Invite(ctx context.Context, token string) (*Invite, error)   // nil, nil when unknown or expired
	OpenInvites(ctx context.Context, inviter int64) (int, error) // how many of inviter's invitations can still be used
	Staff(ctx context.Context, territory string) ([]StaffMember, error)
	Audit(ctx context.Context, n int) ([]AuditEntry, error) // newest first
	Audience(ctx context.Context, territory string, langs []string) ([]Recipient, error)
	Job(ctx context.Context, id string) (*JobStatus, error)
}
