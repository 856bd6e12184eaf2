package flows

import "time"

// Delivery is a Bulk message claimed from the outbox by one sender.
type Delivery struct {
	ID        string // the outbox's id of this copy
	Bulk      Bulk
	Attempt   int       // 1 for the first try
	NotBefore time.Time // zero: as soon as possible
}

// Outcome is how a delivery ended.
type Outcome string

// The outcomes of a delivery.
const (
	OutcomeSent    Outcome = "sent"
	OutcomeBlocked Outcome = "blocked" // 403: the person blocked the bot or is deactivated
	OutcomeFailed  Outcome = "failed"  // gave up after the allowed attempts, or refused by Telegram
)
