package flows

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// FollowUpStore is what the help-request follow-up reads and writes.
type FollowUpStore interface {
	Requests
	Queue
	Staff(ctx context.Context, territory string) ([]StaffMember, error)
}

// When the follow-up steps in.
const (
	notTakenAfter  = 48 * time.Hour     // coordinators are told
	silentAfter    = 7 * 24 * time.Hour // the partner is nudged
	feedbackAfter  = 24 * time.Hour     // the person is asked whether the help came
	followUpWindow = 90 * 24 * time.Hour
)

// RequestFollowUpJob tells coordinators about requests nobody took in two
// days, nudges partners silent for a week, and asks people once whether
// they got the help they needed. Each message goes out under its own job
// id, so runs on several replicas, or again after a crash, send it once.
type RequestFollowUpJob struct {
	Engine *Engine
	Store  FollowUpStore
}

// Run queues the follow-up messages due at now and returns how many.
func (j *RequestFollowUpJob) Run(ctx context.Context, now time.Time) (int, error) {
	queued := 0
	for _, tr := range j.Engine.Content().Territories() {
		reqs, err := j.Store.TerritoryRequests(ctx, tr.ID, now.Add(-followUpWindow))
		if err != nil {
			return queued, fmt.Errorf("follow-up: %w", err)
		}
		var staff []StaffMember // read once per territory, when needed
		staffRead := false
		for _, r := range reqs {
			id, msgs := "", []Bulk(nil)
			late := r.Status == StatusNew && now.Sub(r.Created) >= notTakenAfter
			silent := (r.Status == StatusTaken || r.Status == StatusProgress) && now.Sub(r.Updated) >= silentAfter && r.Staff != 0
			if (late || silent) && !staffRead {
				if staff, err = j.Store.Staff(ctx, tr.ID); err != nil {
					return queued, fmt.Errorf("follow-up: %w", err)
				}
				staffRead = true
			}
			switch {
			case late:
				id = RequestJobPrefix + r.Ref + ":late"
				for _, m := range staff {
					if m.Role.Kind == RoleCoordinator {
						lang := knownLang(m.Lang)
						msgs = append(msgs, Bulk{ChatID: m.ChatID, Text: j.Engine.msgs.Text(lang, "ReqLateCoordinator", map[string]any{
							"Ref": r.Ref, "Need": j.Engine.needLabel(j.Engine.library.Load(), lang, r.Need)})})
					}
				}
			case silent:
				id = RequestJobPrefix + r.Ref + ":silent:" + strconv.FormatInt(r.Updated.Unix(), 10)
				lang := knownLang(staffLangOf(staff, r.Staff))
				msgs = []Bulk{{ChatID: r.Staff, Text: j.Engine.msgs.Text(lang, "ReqSilentStaff", map[string]any{"Ref": r.Ref}),
					Buttons: [][]Button{{{Text: j.Engine.msgs.Text(lang, "ButtonReqReply", nil), Data: partnerFlow + ":act:" + r.Ref}}}}}
			case !r.Status.Open() && r.Status != StatusWithdrawn && r.Feedback == "" && r.Requester != 0 && !r.Closed.IsZero() && now.Sub(r.Closed) >= feedbackAfter:
				id = RequestJobPrefix + r.Ref + ":feedback"
				lang := knownLang(r.Lang)
				b := func(label, answer string) Button {
					return Button{Text: j.Engine.msgs.Text(lang, label, nil), Data: askFlow + ":fb:" + r.Ref + ":" + answer}
				}
				msgs = []Bulk{{ChatID: r.Requester, Text: j.Engine.msgs.Text(lang, "ReqFeedbackAsk", map[string]any{"Ref": r.Ref}),
					Buttons: [][]Button{{b("ButtonYes", "yes"), b("ButtonPartly", "partly"), b("ButtonNo", "no")}}}}
			}
			if len(msgs) == 0 {
				continue
			}
			for i := range msgs {
				msgs[i].Job = id
			}
			first, err := j.Store.Enqueue(ctx, Job{ID: id, Kind: "request", Territory: tr.ID, Created: now}, msgs)
			if err != nil {
				return queued, fmt.Errorf("follow-up: %w", err)
			}
			if first {
				queued += len(msgs)
			}
		}
	}
	return queued, nil
}

// staffLangOf is the language of a staff member among staff, "" when
// they are not among them any more.
func staffLangOf(staff []StaffMember, chat int64) string {
	for _, m := range staff {
		if m.ChatID == chat {
			return m.Lang
		}
	}
	return ""
}
