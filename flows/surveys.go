package flows

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"strings"
	"time"
)

// Participation surveys: the vocabulary shared by the answering flow, the
// results and the store.

// SurveyProgressTTL is how long an unfinished survey waits for the person.
const SurveyProgressTTL = 7 * 24 * time.Hour

// SurveyRetention is how long submissions are kept after their survey closes.
const SurveyRetention = 2 * 365 * 24 * time.Hour

// SurveyProgress is a survey being answered, kept in the session.
type SurveyProgress struct {
	ID      string            `json:"id"`
	Current string            `json:"q"`              // the question shown
	Path    []string          `json:"path,omitempty"` // questions answered or skipped, in order, for "back"
	Answers map[string]string `json:"a,omitempty"`    // question id → answer
	Picked  []string          `json:"pick,omitempty"` // choices ticked so far on the multiple question shown
	Page    int               `json:"pg,omitempty"`   // the page of choices shown, on a question with more than maxChoicesShown
	Started time.Time         `json:"start"`
	Updated time.Time         `json:"upd"`
}

// Submission is one person's answers to one survey, under a pseudonym.
// Answers hold the choice id (single), the ticked ids joined by spaces
// (multiple), "1".."5" (scale), "yes"/"no", a number, a text or a
// YYYY-MM-DD date; a question skipped or not shown has no entry.
type Submission struct {
	Survey    string            `json:"sv"`
	Pseudonym string            `json:"p"`
	Territory string            `json:"ter"`
	Lang      string            `json:"lang"` // the language the person answered in
	Started   time.Time         `json:"start"`
	Submitted time.Time         `json:"at"`
	Answers   map[string]string `json:"a"`
}

// Survey events, recorded by the store with the session.
type (
	// SurveySubmitted stores a submission once per pseudonym and survey,
	// kept until Expires: a repeated commit changes nothing.
	SurveySubmitted struct {
		Submission Submission
		Expires    time.Time
	}
	// SurveyOutcomeSet records what came of a closed survey in a territory
	// (language → text), for the people who answered it.
	SurveyOutcomeSet struct {
		Survey, Territory string
		Texts             map[string]string
		Expires           time.Time
	}
)

func (SurveySubmitted) isEvent()  {}
func (SurveyOutcomeSet) isEvent() {}

// SurveyStore answers what the survey features ask of the store.
type SurveyStore interface {
	Submitted(ctx context.Context, survey, pseudonym string) (bool, error)
	Submissions(ctx context.Context, survey string) ([]Submission, error) // by submission time
	Outcome(ctx context.Context, survey, territory string) (map[string]string, error)
}

// Pseudonym is the name a person's answers are stored under: an HMAC of the
// chat id with the secret, never the chat id itself.
func Pseudonym(secret []byte, chatID int64) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(chatID, 10)))
	return strings.ToLower(keyEncoding.EncodeToString(mac.Sum(nil)[:16]))
}
