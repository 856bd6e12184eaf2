package flows

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// partnerFlow is the partner staff's side of help requests: take or pass a
// new request, then write to the person through canned replies that reach
// them in their language, or a message of their own.
const partnerFlow = "hs"

// Steps of the partner dialogue; Vars holds "ref", and "date" and "time"
// while writing an invitation to the office.
const (
	stepOfficeDate = "odate"
	stepOfficeTime = "otime"
	stepOfficeAddr = "oaddr"
	stepDocs       = "docs"
	stepCannot     = "cannot"
	stepMessage    = "msg"
)

// partnerRequest reads a request for a partner staff member of its
// territory; ok is false (and the answer given) otherwise.
func partnerRequest(t *Turn, action, ref string) (*HelpRequest, bool) {
	if !t.allowed(action, RolePartner) {
		return nil, false
	}
	req, ok := readRequest(t, ref)
	if ok && req.Territory != t.env.Role.Territory {
		t.Expired()
		return nil, false
	}
	return req, ok
}

// actions is the keyboard of what a partner can send about a request.
func actions(t *Turn, ref string) [][]Button {
	b := func(label, verb string) Button {
		return Button{Text: t.T(label, nil), Data: partnerFlow + ":" + verb + ":" + ref}
	}
	return [][]Button{
		{b("ButtonReqCall", "call"), b("ButtonReqOffice", "office")},
		{b("ButtonReqDocs", "docs"), b("ButtonReqMessage", "msg")},
		{b("ButtonReqSolved", "solved"), b("ButtonReqCannot", "cannot")},
		{b("ButtonReqHandOver", "pass"), b("ButtonReqClose", "close")},
	}
}

// take gives the request to the presser's organisation, if nobody was
// faster: the store refuses a second taker and the step is played again,
// which then says who took it.
func take(t *Turn, req *HelpRequest) {
	org := t.env.Role.Org
	if req.Status != StatusNew {
		if req.Status.Open() {
			t.EditOrSend(Reply{MessageID: "ReqAlreadyTaken", Text: t.T("ReqAlreadyTaken", map[string]any{"Ref": req.Ref, "Org": t.orgName(req.Territory, req.Org)})})
		} else {
			t.EditOrSend(Reply{MessageID: "ReqNotOpen", Text: t.T("ReqNotOpen", map[string]any{"Ref": req.Ref})})
		}
		return
	}
	req.Status, req.Org, req.Staff, req.Taken, req.Updated = StatusTaken, org, t.In.ChatID, t.Now.UTC(), t.Now.UTC()
	t.Emit(RequestSaved{Request: *req, Expect: StatusNew})
	t.audit("take", req.Territory, 1)
	name := t.orgName(req.Territory, org)
	t.tellPerson(*req, "ReqTakenPerson", map[string]any{"Ref": req.Ref, "Org": name}, false)
	if _, staff, ok := partnerOrgs(t, req.Territory); ok {
		others := slices.DeleteFunc(staff, func(m StaffMember) bool { return m.ChatID == t.In.ChatID })
		t.notifyStaff(*req, others, false, func(lang string) Bulk {
			return Bulk{Text: t.e.msgs.Text(lang, "ReqTakenOther", map[string]any{"Ref": req.Ref, "Org": name})}
		})
	}
	t.EditOrSend(Reply{MessageID: "ReqTakenByYou", Text: t.T("ReqTakenByYou", map[string]any{"Ref": req.Ref, "Need": t.e.needLabel(t.lib, t.lang, req.Need)}), Buttons: actions(t, req.Ref)})
}

// pass: before taking, the organisation declines; after, it hands the
// request over to the other partners, who are told again.
func pass(t *Turn, req *HelpRequest) {
	org := t.env.Role.Org
	status := req.Status
	switch {
	case status == StatusNew:
		if !slices.Contains(req.Passed, org) {
			req.Passed = append(req.Passed, org)
		}
		req.Updated = t.Now.UTC()
		t.Emit(RequestSaved{Request: *req, Expect: status})
	case status.Open() && req.Org == org:
		req.Passed = append(req.Passed, org)
		req.Status, req.Org, req.Staff, req.Taken, req.Updated = StatusNew, "", 0, time.Time{}, t.Now.UTC()
		t.Emit(RequestSaved{Request: *req, Expect: status})
		t.tellPerson(*req, "ReqPassedPerson", map[string]any{"Ref": req.Ref}, false)
		if _, staff, ok := partnerOrgs(t, req.Territory); ok {
			others := slices.DeleteFunc(staff, func(m StaffMember) bool { return slices.Contains(req.Passed, m.Role.Org) })
			t.notifyStaff(*req, others, true, func(lang string) Bulk { return newRequestMessage(t, *req, lang) })
		}
	default:
		t.EditOrSend(Reply{MessageID: "ReqNotOpen", Text: t.T("ReqNotOpen", map[string]any{"Ref": req.Ref})})
		return
	}
	t.audit("pass", req.Territory, 1)
	t.EditOrSend(Reply{MessageID: "ReqPassedDone", Text: t.T("ReqPassedDone", map[string]any{"Ref": req.Ref})})
}

// sendToPerson sends a canned reply and moves the request on: the first
// message puts it in progress; "solved" resolves it, "cannot" closes it.
func sendToPerson(t *Turn, req *HelpRequest, id string, data map[string]any) {
	status := req.Status
	data["Ref"], data["Org"] = req.Ref, t.orgName(req.Territory, req.Org)
	req.Updated = t.Now.UTC()
	answer := true
	switch id {
	case "ReqSolved":
		req.Status, req.Closed, answer = StatusResolved, t.Now.UTC(), false
	case "ReqCannot":
		req.Status, req.Outcome, req.Closed, answer = StatusClosed, OutcomeCannotHelp, t.Now.UTC(), false
	case "ReqClosedPerson":
		req.Status, req.Closed, answer = StatusClosed, t.Now.UTC(), false
	default:
		req.Status = StatusProgress
	}
	t.Emit(RequestSaved{Request: *req, Expect: status})
	t.tellPerson(*req, id, data, answer)
	t.audit("reply", req.Territory, 1)
	t.Goto("", "")
	var rows [][]Button
	if req.Status.Open() {
		rows = actions(t, req.Ref)
	}
	t.Send(Reply{MessageID: "ReqSentToPerson", Text: t.T("ReqSentToPerson", map[string]any{"Ref": req.Ref}), Buttons: rows})
}

type partnerDesk struct{}

func (partnerDesk) Name() string { return partnerFlow }

// Press: "<verb>:<ref>" with take, pass, act (show the actions), call,
// office, docs, msg, solved, cannot.
func (partnerDesk) Press(t *Turn, action string) {
	verb, ref, _ := strings.Cut(action, ":")
	req, ok := partnerRequest(t, "request:"+verb, ref)
	if !ok {
		return
	}
	switch verb {
	case "take":
		take(t, req)
		return
	case "pass":
		pass(t, req)
		return
	}
	if req.Org != t.env.Role.Org || !req.Status.Open() {
		t.EditOrSend(Reply{MessageID: "ReqNotOpen", Text: t.T("ReqNotOpen", map[string]any{"Ref": req.Ref})})
		return
	}
	ask := func(step, id string) {
		t.Goto(partnerFlow, step)
		t.S.Vars = map[string]string{"ref": req.Ref}
		t.Say(id, map[string]any{"Ref": req.Ref}, nil)
	}
	switch verb {
	case "act":
		t.Send(Reply{MessageID: "ReqActions", Text: t.T("ReqActions", map[string]any{"Ref": req.Ref}), Buttons: actions(t, req.Ref)})
	case "call":
		sendToPerson(t, req, "ReqCall", map[string]any{})
	case "solved":
		sendToPerson(t, req, "ReqSolved", map[string]any{})
	case "close":
		t.Send(Reply{MessageID: "ReqCloseAsk", Text: t.T("ReqCloseAsk", map[string]any{"Ref": req.Ref}), Buttons: [][]Button{
			{{Text: t.T("ButtonOutcomeNoAnswer", nil), Data: partnerFlow + ":" + OutcomeNoAnswer + ":" + req.Ref}},
			{{Text: t.T("ButtonOutcomeNotNeeded", nil), Data: partnerFlow + ":" + OutcomeNotNeeded + ":" + req.Ref}},
		}})
	case OutcomeNoAnswer, OutcomeNotNeeded:
		req.Outcome = verb
		sendToPerson(t, req, "ReqClosedPerson", map[string]any{})
	case "office":
		ask(stepOfficeDate, "AskDate")
	case "docs":
		ask(stepDocs, "ReqAskDocs")
	case "cannot":
		ask(stepCannot, "ReqAskCannot")
	case "msg":
		ask(stepMessage, "ReqAskMessage")
	default:
		t.Expired()
	}
}

// Input takes what a partner writes for the person.
func (partnerDesk) Input(t *Turn) bool {
	if t.In.Kind != KindText || t.S.Flow != partnerFlow {
		return false
	}
	req, ok := partnerRequest(t, "request:write", t.S.Vars["ref"])
	if !ok {
		t.Goto("", "")
		return true
	}
	if req.Org != t.env.Role.Org || !req.Status.Open() {
		t.Goto("", "")
		t.Say("ReqNotOpen", map[string]any{"Ref": req.Ref}, nil)
		return true
	}
	text := strings.TrimSpace(t.In.Text)
	if n := utf8.RuneCountInString(text); n > maxRequestText || n == 0 {
		t.Say("HelpTooLong", map[string]any{"Count": n, "Max": maxRequestText}, nil)
		return true
	}
	switch t.S.Step {
	case stepOfficeDate:
		d, ok := parseDate(text, t.Now)
		if !ok {
			t.Say("BadDate", nil, nil)
			return true
		}
		t.S.Vars["date"], t.S.Step = d.Format(dateLayout), stepOfficeTime
		t.Say("AskTime", nil, nil)
	case stepOfficeTime:
		h, m, ok := parseClock(text)
		if !ok {
			t.Say("BadTime", nil, nil)
			return true
		}
		t.S.Vars["time"], t.S.Step = time.Date(2000, 1, 1, h, m, 0, 0, time.UTC).Format(timeLayout), stepOfficeAddr
		t.Say("ReqAskAddress", nil, nil)
	case stepOfficeAddr:
		sendToPerson(t, req, "ReqOffice", map[string]any{"Date": t.S.Vars["date"], "Time": t.S.Vars["time"], "Address": text})
	case stepDocs:
		sendToPerson(t, req, "ReqDocs", map[string]any{"Documents": text})
	case stepCannot:
		sendToPerson(t, req, "ReqCannot", map[string]any{"Text": text})
	case stepMessage:
		sendToPerson(t, req, "ReqMessage", map[string]any{"Text": text})
	default:
		return false
	}
	return true
}
