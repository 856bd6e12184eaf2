package flows

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// askFlow is the newcomers' "Ask for help": a need, an optional
// description, an explicit consent naming the partners, then a reference.
const askFlow = "hr"

// Steps of the newcomers' help flow, with stepDesc; Vars holds "need",
// "desc" and, while answering a partner, "ref".
const (
	stepNeed    = "need"
	stepConsent = "consent"
	stepAnswer  = "answer"
)

// maxRequestText is the longest description or relayed message, in
// characters: a few sentences, well under Telegram's limit with the frame.
const maxRequestText = 500

// needChoice is one of the concrete needs offered first. A need that is one of the
// guide's themes is named as the guide names it (one theme, one name); its
// message id names it when the content has no such theme.
type needChoice struct{ ID, Label, Theme string }

// needs are the concrete needs, in the order offered; the guide's other
// themes follow in the same list, then "other".
var needs = []needChoice{
	{"french", "NeedFrench", "lecture-ecriture-calcul--maitriser-le-francais"},
	{"school-transport", "NeedSchoolTransport", ""},
	{"housing", "NeedHousing", "logement-hebergement"},
	{"health", "NeedHealth", "sante"},
	{"job", "NeedJob", "trouver-un-emploi"},
	{"papers", "NeedPapers", "difficultes-administratives-ou-juridiques"},
	{"other", "NeedOther", ""},
}

// themeNeed prefixes a need that is one of the guide's themes.
const themeNeed = "theme:"

func registerHelp(e *Engine) {
	e.Register(asker{})
	e.Register(partnerDesk{})
	e.AddMenuEntry(MenuEntry{Label: "MenuAskHelp", Data: askFlow + ":new", Visible: func(t *Turn) bool {
		_, ok := t.territory()
		return ok && t.env.Reqs != nil && t.env.Dir != nil
	}})
	e.Command("requests", myRequests)
	e.Command("needs", needsDashboard)
}

// needLabel names a need in lang.
func (e *Engine) needLabel(lib *library, lang, need string) string {
	if id, ok := strings.CutPrefix(need, themeNeed); ok {
		if th, ok := lib.content.Theme(id); ok {
			return th.Label(lang)
		}
	}
	for _, n := range needs {
		if th, ok := lib.content.Theme(n.Theme); ok && n.ID == need {
			return th.Label(lang)
		}
		if n.ID == need {
			return e.msgs.Text(lang, n.Label, nil)
		}
	}
	return e.msgs.Text(lang, "NeedOther", nil)
}

// orgName is an organisation's name as its territory file writes it.
func (t *Turn) orgName(territory, org string) string {
	tr, _ := t.lib.content.Territory(territory)
	if s, ok := tr.Source(org); ok {
		return s.Name
	}
	return org
}

// partnerOrgs are the organisations of the territory with partner staff,
// and those staff members.
func partnerOrgs(t *Turn, territory string) (orgs []string, staff []StaffMember, ok bool) {
	all, err := t.env.Dir.Staff(t.env.Ctx, territory)
	if !t.read(err) {
		return nil, nil, false
	}
	for _, m := range all {
		if m.Role.Kind != RolePartner {
			continue
		}
		staff = append(staff, m)
		if !slices.Contains(orgs, m.Role.Org) {
			orgs = append(orgs, m.Role.Org)
		}
	}
	return orgs, staff, true
}

// openRequests counts the person's requests still waiting for something.
func openRequests(t *Turn) (int, bool) {
	mine, err := t.env.Reqs.MyRequests(t.env.Ctx, t.In.ChatID)
	if !t.read(err) {
		return 0, false
	}
	n := 0
	for _, r := range mine {
		if r.Status.Open() {
			n++
		}
	}
	return n, true
}

// startAsk shows the needs, unless the person has too many open requests.
func startAsk(t *Turn) {
	if _, ok := t.territory(); !ok || t.env.Reqs == nil || t.env.Dir == nil {
		t.Expired()
		return
	}
	n, ok := openRequests(t)
	if !ok {
		return
	}
	if n >= MaxOpenRequests {
		t.EditOrSend(Reply{MessageID: "HelpTooMany", Text: t.e.msgs.Plural(t.lang, "HelpTooMany", n, nil), Buttons: t.menuButton()})
		return
	}
	if !partnersReceive(t) {
		return
	}
	t.Goto(askFlow, stepNeed)
	// One list: the concrete needs, each theme once under the guide's name
	// for it, and "other" last.
	var bs []Button
	covered := map[string]bool{}
	for _, n := range needs[:len(needs)-1] {
		text := t.T(n.Label, nil)
		if th, ok := t.lib.content.Theme(n.Theme); ok {
			// A need that is a sub-theme (French) stands for its theme too,
			// and shows its emoji.
			text, covered[th.ID], covered[th.Parent] = themeLabel(t, th), true, true
			if parent, ok := t.lib.content.Theme(th.Parent); ok && th.Emoji == "" {
				text = themeLabel(t, &content.Theme{Emoji: parent.Emoji, Labels: th.Labels})
			}
		}
		bs = append(bs, Button{Text: text, Data: askFlow + ":n:" + n.ID})
	}
	for _, th := range t.lib.content.Themes() {
		if !covered[th.ID] {
			bs = append(bs, Button{Text: themeLabel(t, th), Data: askFlow + ":t:" + t.lib.themeKey[th.ID]})
		}
	}
	other := needs[len(needs)-1]
	bs = append(bs, Button{Text: t.T(other.Label, nil), Data: askFlow + ":n:" + other.ID})
	rows := append(twoPerRow(bs), []Button{{Text: t.T("ButtonCancel", nil), Data: askFlow + ":x"}})
	t.EditOrSend(Reply{MessageID: "HelpNeedTitle", Text: t.T("HelpNeedTitle", nil), Buttons: rows})
}

// askDescription takes the need and asks for an optional description.
func askDescription(t *Turn, need string) {
	t.S.Vars = map[string]string{"need": need}
	t.S.Step = stepDesc
	t.EditOrSend(Reply{MessageID: "HelpDescribe", Text: t.T("HelpDescribe", map[string]any{"Need": t.e.needLabel(t.lib, t.lang, need), "Max": maxRequestText}), Buttons: [][]Button{
		{{Text: t.T("ButtonSkip", nil), Data: askFlow + ":skip"}, {Text: t.T("ButtonCancel", nil), Data: askFlow + ":x"}},
	}})
}

// askConsent names the partners who would see the request, and asks.
func askConsent(t *Turn) {
	tr, _ := t.territory()
	orgs, _, ok := partnerOrgs(t, tr.ID)
	if !ok {
		return
	}
	if len(orgs) == 0 {
		noPartner(t, tr, t.S.Vars["desc"])
		return
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = t.orgName(tr.ID, o)
	}
	t.S.Step = stepConsent
	t.Send(Reply{MessageID: "HelpConsent", Text: t.T("HelpConsent", map[string]any{
		"Territory": tr.Name(t.lang), "Orgs": strings.Join(names, ", "), "Need": t.e.needLabel(t.lib, t.lang, t.S.Vars["need"]),
	}), Buttons: [][]Button{
		{{Text: t.T("ButtonSendRequest", nil), Data: askFlow + ":ok"}},
		{{Text: t.T("ButtonCancel", nil), Data: askFlow + ":x"}},
	}})
}

// newRef is a short reference: three letters of the territory and four
// digits, e.g. DIJ-4821. A reference already in use fails the commit with
// ErrConflict, and the step is played again with another one.
func newRef(t *Turn, territory string) string {
	prefix := strings.ToUpper(territory)
	if len(prefix) > 3 {
		prefix = prefix[:3]
	}
	var b [4]byte
	if _, err := io.ReadFull(t.e.rand, b[:]); err != nil { // the engine's source: seeded in tests
		t.read(fmt.Errorf("random reference: %w", err))
	}
	return fmt.Sprintf("%s-%04d", prefix, binary.BigEndian.Uint32(b[:])%10000)
}

// createRequest stores the request and tells the partner staff.
func createRequest(t *Turn) {
	tr, _ := t.territory()
	n, ok := openRequests(t)
	if !ok {
		return
	}
	if n >= MaxOpenRequests {
		t.Goto("", "")
		t.EditOrSend(Reply{MessageID: "HelpTooMany", Text: t.e.msgs.Plural(t.lang, "HelpTooMany", n, nil), Buttons: t.menuButton()})
		return
	}
	_, staff, ok := partnerOrgs(t, tr.ID)
	if !ok {
		return
	}
	req := HelpRequest{Ref: newRef(t, tr.ID), Territory: tr.ID, Need: t.S.Vars["need"], Lang: t.lang, Description: t.S.Vars["desc"],
		Requester: t.In.ChatID, Status: StatusNew, Created: t.Now.UTC(), Updated: t.Now.UTC()}
	t.Emit(RequestSaved{Request: req})
	t.notifyStaff(req, staff, true, func(lang string) Bulk { return newRequestMessage(t, req, lang) })
	t.Goto("", "")
	t.EditOrSend(Reply{MessageID: "HelpCreated", Text: t.T("HelpCreated", map[string]any{"Ref": req.Ref, "Territory": tr.Name(t.lang)}), Buttons: t.menuButton()})
}

// newRequestMessage is what partner staff receive about a new request.
func newRequestMessage(t *Turn, req HelpRequest, lang string) Bulk {
	language, _ := locales.Lookup(req.Lang)
	data := map[string]any{"Ref": req.Ref, "Need": t.e.needLabel(t.lib, lang, req.Need), "Language": language.Name, "Description": req.Description}
	id := "ReqNewStaff"
	if req.Description == "" {
		id = "ReqNewStaffNoDesc"
	}
	return Bulk{Text: t.e.msgs.Text(lang, id, data), Buttons: [][]Button{{
		{Text: t.e.msgs.Text(lang, "ButtonTake", nil), Data: partnerFlow + ":take:" + req.Ref},
		{Text: t.e.msgs.Text(lang, "ButtonPass", nil), Data: partnerFlow + ":pass:" + req.Ref},
	}}}
}

// notifyStaff queues a message to the partners of the request's territory
// as its file says: one per staff member (in their language), and/or one in
// the coordination group (in French, the partners' common language). shows:
// the message shows what the person wrote (see queue).
func (t *Turn) notifyStaff(req HelpRequest, staff []StaffMember, shows bool, render func(lang string) Bulk) {
	tr, _ := t.lib.content.Territory(req.Territory)
	var msgs []Bulk
	if tr == nil || tr.RequestPrivate {
		for _, m := range staff {
			b := render(knownLang(m.Lang))
			b.ChatID = m.ChatID
			msgs = append(msgs, b)
		}
	}
	if tr != nil && tr.RequestGroup != 0 {
		b := render(locales.Source)
		b.ChatID = tr.RequestGroup
		msgs = append(msgs, b)
	}
	t.queue(req, shows, msgs)
}

// tellPerson queues a message to the person who asked, in their language,
// with an "Answer" button when they may answer.
func (t *Turn) tellPerson(req HelpRequest, id string, data map[string]any, answer bool) {
	if req.Requester == 0 {
		return
	}
	lang := knownLang(req.Lang)
	b := Bulk{ChatID: req.Requester, Text: t.e.msgs.Text(lang, id, data)}
	if answer {
		b.Buttons = [][]Button{{{Text: t.e.msgs.Text(lang, "ButtonAnswer", nil), Data: askFlow + ":ans:" + req.Ref}}}
	}
	t.queue(req, false, []Bulk{b})
}

// queue writes messages about a request to the outbox, as one job. shows:
// they show partner staff what the person wrote, so they are not sent once
// the request is withdrawn, and where they were delivered is recorded for
// retractNotices.
func (t *Turn) queue(req HelpRequest, shows bool, msgs []Bulk) {
	if len(msgs) == 0 {
		return
	}
	id := RequestJobPrefix + req.Ref + ":" + t.token()
	if shows {
		id = noticeJob(req.Ref, t.token())
	}
	job := Job{ID: id, Kind: "request", Territory: req.Territory, Created: t.Now}
	for i := range msgs {
		msgs[i].Job = job.ID
	}
	t.Emit(BroadcastQueued{Job: job, Messages: msgs})
}

// knownLang is lang, or French when it is unknown or empty.
func knownLang(lang string) string {
	if _, ok := locales.Lookup(lang); ok {
		return lang
	}
	return locales.Source
}

// statusLine says where one of the person's requests stands.
func statusLine(t *Turn, r HelpRequest) string {
	data := map[string]any{"Ref": r.Ref, "Need": t.e.needLabel(t.lib, t.lang, r.Need), "Org": t.orgName(r.Territory, r.Org)}
	id := map[RequestStatus]string{
		StatusNew: "RequestStatusNew", StatusTaken: "RequestStatusTaken", StatusProgress: "RequestStatusTaken",
		StatusResolved: "RequestStatusResolved", StatusClosed: "RequestStatusClosed", StatusWithdrawn: "RequestStatusWithdrawn",
	}[r.Status]
	if id == "" {
		id = "RequestStatusClosed"
	}
	return t.T(id, data)
}

// myRequests lists the person's requests and where they stand, each open
// one with a Withdraw button; partner staff get their territory's queue
// instead.
func myRequests(t *Turn) {
	if r := t.env.Role; r != nil && r.Kind == RolePartner && t.env.Reqs != nil {
		staffQueue(t)
		return
	}
	if t.env.Reqs == nil || t.S.Lang == "" {
		t.Hint("FreeTextHint")
		return
	}
	mine, err := t.env.Reqs.MyRequests(t.env.Ctx, t.In.ChatID)
	if !t.read(err) {
		return
	}
	if len(mine) == 0 {
		t.Say("RequestsNone", nil, t.menuButton())
		return
	}
	lines := []string{t.T("RequestsTitle", nil)}
	var rows [][]Button
	for _, r := range mine {
		lines = append(lines, statusLine(t, r))
		if r.Status.Open() {
			rows = append(rows, []Button{{Text: t.T("ButtonWithdrawRequest", map[string]any{"Ref": r.Ref}), Data: askFlow + ":w:" + r.Ref}})
		}
	}
	t.Send(Reply{MessageID: "RequestsTitle", Text: strings.Join(lines, "\n"), Buttons: append(rows, t.menuButton()...)})
}

// maxQueue bounds the requests listed in a partner's queue.
const maxQueue = 20

// staffQueue lists, for partner staff, the open requests of their
// territory that their organisation may take or has taken.
func staffQueue(t *Turn) {
	role := t.env.Role
	reqs, err := t.env.Reqs.TerritoryRequests(t.env.Ctx, role.Territory, t.Now.Add(-RequestRetention))
	if !t.read(err) {
		return
	}
	lines := []string{t.T("QueueTitle", nil)}
	var rows [][]Button
	for _, r := range PartnerQueue(reqs, role.Org, maxQueue) {
		lines = append(lines, statusLine(t, r))
		label, verb := "🙋 ", "take"
		if r.Status != StatusNew {
			label, verb = "✍️ ", "act"
		}
		rows = append(rows, []Button{{Text: label + r.Ref + " · " + t.e.needLabel(t.lib, t.lang, r.Need), Data: partnerFlow + ":" + verb + ":" + r.Ref}})
	}
	if len(rows) == 0 {
		t.Say("QueueEmpty", nil, nil)
		return
	}
	t.Send(Reply{MessageID: "QueueTitle", Text: strings.Join(lines, "\n"), Buttons: rows})
}

// PartnerQueue is what an organisation's queue shows of its territory's
// requests, in their order, at most limit of them (0: all): the new ones it
// did not pass, and the open ones it took. The bot's /requests and the web
// dashboard show the same queue.
func PartnerQueue(reqs []HelpRequest, org string, limit int) []HelpRequest {
	var out []HelpRequest
	for _, r := range reqs {
		waiting := r.Status == StatusNew && !slices.Contains(r.Passed, org)
		ours := r.Status.Open() && r.Status != StatusNew && r.Org == org
		if !waiting && !ours {
			continue
		}
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, r)
	}
	return out
}

type asker struct{}

func (asker) Name() string { return askFlow }

// Press: "new", "n:<need>", "t:<theme key>", "skip", "ok", "x";
// "w:<ref>" asks to withdraw a request, "wy:<ref>" withdraws it;
// "ans:<ref>" answers a partner; "fb:<ref>:<yes|partly|no>" says whether
// the help came.
func (asker) Press(t *Turn, action string) {
	verb, arg, _ := strings.Cut(action, ":")
	inFlow := t.S.Flow == askFlow
	switch {
	case verb == "new":
		startAsk(t)
	case verb == "n" && inFlow && t.S.Step == stepNeed && slices.ContainsFunc(needs, func(n needChoice) bool { return n.ID == arg }):
		askDescription(t, arg)
	case verb == "t" && inFlow && t.S.Step == stepNeed && t.lib.themes[arg] != nil:
		askDescription(t, themeNeed+t.lib.themes[arg].ID)
	case verb == "skip" && inFlow && t.S.Step == stepDesc:
		t.S.Vars["desc"] = ""
		askConsent(t)
	case verb == "ok" && inFlow && t.S.Step == stepConsent:
		createRequest(t)
	case verb == "x" && inFlow:
		t.Goto("", "")
		t.EditOrSend(Reply{MessageID: "HelpCancelled", Text: t.T("HelpCancelled", nil), Buttons: t.menuButton()})
	case verb == "w":
		confirmWithdraw(t, arg)
	case verb == "wy":
		withdrawOne(t, arg)
	case verb == "ans":
		answerPartner(t, arg)
	case verb == "fb":
		requestFeedback(t, arg)
	default:
		t.Expired()
	}
}

// Input takes the description, and the person's answers to a partner.
func (asker) Input(t *Turn) bool {
	if t.In.Kind != KindText || (t.S.Step != stepDesc && t.S.Step != stepAnswer) {
		return false
	}
	text := strings.TrimSpace(t.In.Text)
	if n := utf8.RuneCountInString(text); n > maxRequestText {
		t.Say("HelpTooLong", map[string]any{"Count": n, "Max": maxRequestText}, nil)
		return true
	}
	if t.S.Step == stepDesc {
		t.S.Vars["desc"] = text
		askConsent(t)
		return true
	}
	req, ok := ownRequest(t, t.S.Vars["ref"])
	if !ok {
		return true
	}
	t.Goto("", "")
	if !req.Status.Open() || req.Staff == 0 {
		t.Say("HelpRequestClosed", map[string]any{"Ref": req.Ref}, t.menuButton())
		return true
	}
	req.Updated = t.Now.UTC()
	t.Emit(RequestSaved{Request: *req, Expect: req.Status})
	tellTaker(t, *req, "ReqAnswerStaff", map[string]any{"Ref": req.Ref, "Text": text}, true, func(lang string) [][]Button {
		return [][]Button{{{Text: t.e.msgs.Text(lang, "ButtonReqReply", nil), Data: partnerFlow + ":act:" + req.Ref}}}
	})
	t.Say("HelpAnswerSent", map[string]any{"Org": t.orgName(req.Territory, req.Org)}, t.menuButton())
	return true
}

// readRequest reads a request a button names; a missing one is answered
// like a forged button.
func readRequest(t *Turn, ref string) (*HelpRequest, bool) {
	if t.env.Reqs == nil {
		t.Expired()
		return nil, false
	}
	req, err := t.env.Reqs.Request(t.env.Ctx, ref)
	if !t.read(err) {
		return nil, false
	}
	if req == nil {
		t.Expired()
		return nil, false
	}
	return req, true
}

// ownRequest reads one of the person's requests; a reference that is not
// theirs is answered like a forged button.
func ownRequest(t *Turn, ref string) (*HelpRequest, bool) {
	req, ok := readRequest(t, ref)
	if ok && req.Requester != t.In.ChatID {
		t.Expired()
		return nil, false
	}
	return req, ok
}

// answerPartner lets the person write to the partner who took the request.
func answerPartner(t *Turn, ref string) {
	req, ok := ownRequest(t, ref)
	if !ok {
		return
	}
	if !req.Status.Open() || req.Staff == 0 {
		t.Say("HelpRequestClosed", map[string]any{"Ref": req.Ref}, t.menuButton())
		return
	}
	t.Goto(askFlow, stepAnswer)
	t.S.Vars = map[string]string{"ref": req.Ref}
	t.Say("HelpWriteAnswer", map[string]any{"Ref": req.Ref, "Org": t.orgName(req.Territory, req.Org), "Max": maxRequestText}, nil)
}

// requestFeedback records, once, whether the person got the help needed.
func requestFeedback(t *Turn, arg string) {
	ref, answer, _ := strings.Cut(arg, ":")
	req, ok := ownRequest(t, ref)
	if !ok {
		return
	}
	if !slices.Contains([]string{"yes", "partly", "no"}, answer) || req.Status.Open() || req.Feedback != "" {
		t.Expired()
		return
	}
	status := req.Status
	req.Feedback = answer
	t.Emit(RequestSaved{Request: *req, Expect: status})
	t.EditOrSend(Reply{MessageID: "HelpFeedbackThanks", Text: t.T("HelpFeedbackThanks", nil), Buttons: t.menuButton()})
}

// tellTaker queues message id to the staff member who took the request, in
// their language, with optional buttons; shows: as for queue.
func tellTaker(t *Turn, req HelpRequest, id string, data map[string]any, shows bool, buttons func(lang string) [][]Button) {
	staff, err := t.env.Dir.Staff(t.env.Ctx, req.Territory)
	if !t.read(err) {
		return
	}
	lang := knownLang(staffLangOf(staff, req.Staff))
	b := Bulk{ChatID: req.Staff, Text: t.e.msgs.Text(lang, id, data)}
	if buttons != nil {
		b.Buttons = buttons(lang)
	}
	t.queue(req, shows, []Bulk{b})
}

// withdrawRequests ends the person's open requests on /forget: partners are
// told "withdrawn by the person", every notice that showed them what the
// person wrote is edited away, and nothing links the requests to them.
func withdrawRequests(t *Turn) {
	if t.env.Reqs == nil || t.env.Dir == nil {
		return
	}
	mine, err := t.env.Reqs.MyRequests(t.env.Ctx, t.In.ChatID)
	if !t.read(err) {
		return
	}
	for _, req := range mine {
		withdraw(t, req, true)
	}
}

// retractNotices edits every delivered notice of a withdrawn request, taken
// or not, into a neutral "This request was withdrawn." in its reader's
// language (French in a coordination group or for someone no longer staff),
// without buttons. Notices still in the outbox are not sent (see queue).
// The store checks that no other notice was delivered meanwhile, even when
// there is none to edit.
func retractNotices(t *Turn, req HelpRequest) {
	notices, err := t.env.Reqs.Notices(t.env.Ctx, req.Ref)
	if !t.read(err) {
		return
	}
	t.Emit(NoticesRetracted{Ref: req.Ref, Notices: notices})
	if len(notices) == 0 {
		return
	}
	staff, err := t.env.Dir.Staff(t.env.Ctx, req.Territory)
	if !t.read(err) {
		return
	}
	edits := make([]Bulk, len(notices))
	for i, n := range notices {
		lang := knownLang(staffLangOf(staff, n.ChatID))
		edits[i] = Bulk{ChatID: n.ChatID, Edit: n.MessageID, Text: t.e.msgs.Text(lang, "ReqWithdrawnNotice", map[string]any{"Ref": req.Ref})}
	}
	t.queue(req, false, edits)
}
