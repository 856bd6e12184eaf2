package flows

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// Help requests: a newcomer's need, shared with the partner organisations
// of their territory, taken by one of them and followed up through the bot.

// RequestStatus is where a help request stands.
type RequestStatus string

// The statuses of a help request.
const (
	StatusNew       RequestStatus = "new"       // waiting for a partner
	StatusTaken     RequestStatus = "taken"     // a partner took it
	StatusProgress  RequestStatus = "progress"  // the partner wrote to the person
	StatusResolved  RequestStatus = "resolved"  // the partner found a solution
	StatusClosed    RequestStatus = "closed"    // closed without a solution (Outcome says why)
	StatusWithdrawn RequestStatus = "withdrawn" // the person withdrew it, or used /forget
)

// Why a request was closed without a solution.
const (
	OutcomeCannotHelp = "cannot-help" // the partner said who can
	OutcomeNoAnswer   = "no-answer"   // the person stopped answering
	OutcomeNotNeeded  = "not-needed"  // the need went away
)

// Open reports whether the request still waits for something.
func (s RequestStatus) Open() bool {
	return s == StatusNew || s == StatusTaken || s == StatusProgress
}

// HelpRequest is one request for help. Requester is the only link to the
// person: it is never shown to staff, who see the reference, the need, the
// language and the description the person agreed to share.
type HelpRequest struct {
	Ref         string        `json:"ref"` // e.g. DIJ-4821
	Territory   string        `json:"ter"`
	Need        string        `json:"need"` // a need id, or "theme:<data·inclusion id>"
	Lang        string        `json:"lang"`
	Description string        `json:"desc,omitempty"`
	Requester   int64         `json:"chat,omitempty"` // 0 once withdrawn
	Status      RequestStatus `json:"status"`
	Outcome     string        `json:"outcome,omitempty"` // closed: OutcomeCannotHelp, OutcomeNoAnswer, OutcomeNotNeeded
	Org         string        `json:"org,omitempty"`     // the organisation that took it
	Staff       int64         `json:"staff,omitempty"`   // the staff member who took it
	Passed      []string      `json:"passed,omitempty"`  // organisations that passed
	Feedback    string        `json:"fb,omitempty"`      // "yes", "partly", "no"
	Created     time.Time     `json:"created"`
	Taken       time.Time     `json:"taken,omitzero"`
	Updated     time.Time     `json:"updated"` // the last message or change
	Closed      time.Time     `json:"closed,omitzero"`
}

// MaxOpenRequests bounds the open requests of one person.
const MaxOpenRequests = 3

// RequestRetention is how long a request is kept after it closed.
const RequestRetention = 365 * 24 * time.Hour

// RequestJobPrefix starts the outbox job id of every message about a
// request; such a message goes to anyone still using the bot.
const RequestJobPrefix = "req:"

// noticeMarker follows the reference in the job id of the messages that
// show partner staff what a person wrote (the new request, their answers).
const noticeMarker = ":show:"

// noticeJob is the job id of messages about req that show what the person
// wrote; token makes it unique.
func noticeJob(ref, token string) string {
	return RequestJobPrefix + ref + noticeMarker + token
}

// NoticeRequest reports whether the messages of a bulk job show partner
// staff what a person wrote in a request, and which request: the store
// records where they were delivered, so that a withdrawal edits them away,
// and does not send them once the request is withdrawn.
func NoticeRequest(job string) (ref string, ok bool) {
	rest, ok := strings.CutPrefix(job, RequestJobPrefix)
	if !ok {
		return "", false
	}
	ref, _, ok = strings.Cut(rest, noticeMarker)
	if !ok || ref == "" || strings.Contains(ref, ":") {
		return "", false
	}
	return ref, true
}

// Notice is a delivered message that showed partner staff, or a
// coordination group, what a person wrote in a request.
type Notice struct {
	ChatID    int64
	MessageID int
}

// Help request events, recorded by the store with the session.
type (
	// RequestSaved stores the request as it now is. Expect is the status
	// it must still have in the store (ignored for a new request): when
	// another staff member changed it meanwhile, Commit fails with an error
	// wrapping ErrConflict and nothing is written.
	RequestSaved struct {
		Request HelpRequest
		Expect  RequestStatus
	}

	// NoticesRetracted forgets where a withdrawn request's notices went:
	// the same step queues the edits that take what the person wrote out
	// of them. Notices are all those the step read; when the store holds
	// others (one was delivered meanwhile), Commit fails with an error
	// wrapping ErrConflict, nothing is written, and the step is played again.
	NoticesRetracted struct {
		Ref     string
		Notices []Notice
	}
)

func (RequestSaved) isEvent()     {}
func (NoticesRetracted) isEvent() {}

// ErrConflict is returned by Commit when what a step read changed before it
// could be written (another staff member took the same request): the step
// is played again on fresh data.
var ErrConflict = errors.New("changed meanwhile")

// Requests answers what the help-request features ask of the store.
type Requests interface {
	Request(ctx context.Context, ref string) (*HelpRequest, error)                                   // nil, nil when unknown
	MyRequests(ctx context.Context, chatID int64) ([]HelpRequest, error)                             // the person's requests still kept, newest first
	TerritoryRequests(ctx context.Context, territory string, since time.Time) ([]HelpRequest, error) // created since, oldest first
	Notices(ctx context.Context, ref string) ([]Notice, error)                                       // the request's notices not yet retracted
}

// partnersReceive reports whether partner organisations of the person's
// territory receive requests; when none does, it says so, before the person
// chooses a need or writes anything.
func partnersReceive(t *Turn) bool {
	tr, _ := t.territory()
	orgs, _, ok := partnerOrgs(t, tr.ID)
	if !ok {
		return false
	}
	if len(orgs) == 0 {
		noPartner(t, tr, "")
		return false
	}
	return true
}

// noPartner says that no partner of tr receives requests and leads to the
// guide. What the person typed is given back, never thrown away silently:
// nothing was sent, and nothing of it is kept.
func noPartner(t *Turn, tr *content.Territory, typed string) {
	t.Goto("", "")
	id, data := "HelpNoPartner", map[string]any{"Territory": tr.Name(t.lang)}
	if typed != "" {
		id, data["Text"] = "HelpNoPartnerTyped", typed
	}
	t.Send(Reply{MessageID: id, Text: t.T(id, data), Buttons: [][]Button{
		{{Text: t.T("MenuGuide", nil), Data: guideFlow + ":h"}}, {{Text: t.T("ButtonMenu", nil), Data: "menu:home"}},
	}})
}

// ownOpenRequest is one of the person's requests that is still open; when
// it is closed, the person is told so and ok is false.
func ownOpenRequest(t *Turn, ref string) (req *HelpRequest, ok bool) {
	if req, ok = ownRequest(t, ref); !ok {
		return nil, false
	}
	if !req.Status.Open() {
		t.Say("HelpRequestClosed", map[string]any{"Ref": req.Ref}, t.menuButton())
		return nil, false
	}
	return req, true
}

// confirmWithdraw asks before withdrawing one of the person's open requests.
func confirmWithdraw(t *Turn, ref string) {
	req, ok := ownOpenRequest(t, ref)
	if !ok {
		return
	}
	t.EditOrSend(Reply{MessageID: "HelpWithdrawConfirm", Text: t.T("HelpWithdrawConfirm", map[string]any{"Ref": req.Ref, "Need": t.e.needLabel(t.lib, t.lang, req.Need)}), Buttons: [][]Button{
		{{Text: t.T("ButtonWithdrawYes", nil), Data: askFlow + ":wy:" + req.Ref}},
		{{Text: t.T("ButtonWithdrawNo", nil), Data: "menu:home"}},
	}})
}

// withdrawOne withdraws one of the person's open requests, as /forget does.
func withdrawOne(t *Turn, ref string) {
	req, ok := ownOpenRequest(t, ref)
	if !ok {
		return
	}
	withdraw(t, *req, false)
	t.EditOrSend(Reply{MessageID: "HelpWithdrawn", Text: t.T("HelpWithdrawn", map[string]any{"Ref": req.Ref}), Buttons: t.menuButton()})
}

// withdraw ends a request the person no longer wants: if it is open, the
// partner who took it is told "withdrawn by the person"; every notice that
// showed partners what the person wrote is edited away, and the description
// is erased. unlink (on /forget) also takes the person's chat id out of it;
// otherwise it stays in their /requests as withdrawn until it expires.
func withdraw(t *Turn, req HelpRequest, unlink bool) {
	status := req.Status
	req.Description = ""
	if unlink {
		req.Requester = 0
	}
	if status.Open() {
		req.Status, req.Closed = StatusWithdrawn, t.Now.UTC()
		if req.Staff != 0 {
			tellTaker(t, req, "ReqWithdrawnStaff", map[string]any{"Ref": req.Ref}, false, nil)
		}
	}
	req.Updated = t.Now.UTC()
	t.Emit(RequestSaved{Request: req, Expect: status})
	retractNotices(t, req)
}
