package flows_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// More staff for the help-request tests.
const (
	partnerB    = 8 // Dijon Métropole, Dijon
	partnerLyon = 9 // Lyon
)

func helpWorld(t *testing.T) *teamWorld {
	w := newTeamWorld(t)
	since := fixedNow.Add(-12 * time.Hour)
	w.store.roles[partnerB] = flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "metropole", Since: since}
	w.store.roles[partnerLyon] = flows.Role{Kind: flows.RolePartner, Territory: "lyon", Org: "metropole", Since: since}
	return w
}

// queuedSince returns the messages queued since mark, by chat.
func queuedSince(w *teamWorld, mark int) map[int64][]flows.Bulk {
	out := map[int64][]flows.Bulk{}
	for _, ev := range w.store.events[mark:] {
		if q, ok := ev.(flows.BroadcastQueued); ok {
			for _, m := range q.Messages {
				out[m.ChatID] = append(out[m.ChatID], m)
			}
		}
	}
	return out
}

// lastRequest is the request saved last.
func lastRequest(t *testing.T, w *teamWorld) flows.HelpRequest {
	t.Helper()
	for i := len(w.store.events) - 1; i >= 0; i-- {
		if r, ok := w.store.events[i].(flows.RequestSaved); ok {
			return w.store.requests[r.Request.Ref]
		}
	}
	t.Fatal("no request saved")
	return flows.HelpRequest{}
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

func TestHelpRequestLifecycle(t *testing.T) {
	w := helpWorld(t)
	// An Arabic speaker in Dijon asks for help with housing.
	w.press(newcomer2, "hr:new")
	w.press(newcomer2, "hr:n:housing")
	consent := transcript(w.text(newcomer2, "نسكن في مركز إيواء ونبحث عن شقة."))
	mustContain(t, "consent", consent, "Cesam", "Dijon Métropole")
	mark := len(w.store.events)
	created := transcript(w.press(newcomer2, "hr:ok"))
	req := lastRequest(t, w)
	if req.Status != flows.StatusNew || req.Lang != "ar" || req.Need != "housing" || !strings.HasPrefix(req.Ref, "DIJ-") {
		t.Fatalf("request %+v", req)
	}
	mustContain(t, "confirmation", created, req.Ref)
	sent := queuedSince(w, mark)
	if len(sent[partnerA]) != 1 || len(sent[partnerB]) != 1 || len(sent[partnerLyon]) != 0 || len(sent[coordA]) != 0 {
		t.Fatalf("new request sent to %v", keys(sent))
	}
	staffMsg := sent[partnerA][0]
	mustContain(t, "staff message", staffMsg.Text, req.Ref, "Logement", "العربية", "مركز إيواء")
	if strings.Contains(staffMsg.Text, "6") && strings.Contains(staffMsg.Text, "newcomer") {
		t.Error("the staff message names the person")
	}
	if len(staffMsg.Buttons) != 1 || staffMsg.Buttons[0][0].Data != "hs:take:"+req.Ref {
		t.Errorf("staff buttons %+v", staffMsg.Buttons)
	}

	// An unknown reference is a stale button.
	mustContain(t, "unknown reference", transcript(w.press(partnerA, "hs:take:DIJ-0000")), w.msgs.Text("fr", "ButtonExpired", nil))

	// Lyon's partner and the newcomer cannot take it; Cesam takes it first.
	before := lastRequest(t, w)
	w.press(partnerLyon, "hs:take:"+req.Ref)
	mark = len(w.store.events)
	w.press(newcomer, "hs:take:"+req.Ref)
	if !deniedSince(w.store, mark) || lastRequest(t, w).Status != before.Status {
		t.Error("a newcomer's press on a staff button was not refused")
	}
	mark = len(w.store.events)
	taken := transcript(w.press(partnerA, "hs:take:"+req.Ref))
	mustContain(t, "take", taken, req.Ref, "📍")
	sent = queuedSince(w, mark)
	if want := w.msgs.Text("ar", "ReqTakenPerson", map[string]any{"Ref": req.Ref, "Org": "Cesam"}); sent[newcomer2][0].Text != want {
		t.Errorf("the person's news = %q, want it in Arabic: %q", sent[newcomer2][0].Text, want)
	}
	mustContain(t, "the other partner's news", sent[partnerB][0].Text, "Cesam")
	mustContain(t, "second taker", transcript(w.press(partnerB, "hs:take:"+req.Ref)), "déjà été prise par Cesam")
	if r := lastRequest(t, w); r.Org != "cesam" || r.Staff != partnerA || r.Status != flows.StatusTaken {
		t.Fatalf("after take: %+v", r)
	}

	// Cesam invites the person to its office; the person gets it in Arabic.
	w.press(partnerA, "hs:office:"+req.Ref)
	w.text(partnerA, "15/12/2026")
	w.text(partnerA, "14h30")
	mark = len(w.store.events)
	w.text(partnerA, "12 rue Mably, Dijon")
	office := queuedSince(w, mark)[newcomer2]
	if len(office) != 1 {
		t.Fatalf("office invitation sent %d times", len(office))
	}
	mustContain(t, "office", office[0].Text, "15/12/2026", "14:30", "12 rue Mably, Dijon", "Cesam")
	if office[0].Buttons[0][0].Data != "hr:ans:"+req.Ref {
		t.Errorf("no answer button: %+v", office[0].Buttons)
	}

	// The person answers through the bot.
	w.press(newcomer2, "hr:ans:"+req.Ref)
	mark = len(w.store.events)
	w.text(newcomer2, "شكراً، سأحضر.")
	relayed := queuedSince(w, mark)[partnerA]
	if len(relayed) != 1 {
		t.Fatalf("answer relayed %d times", len(relayed))
	}
	mustContain(t, "relayed answer", relayed[0].Text, req.Ref, "شكراً، سأحضر.")
	// Someone else cannot answer on this request.
	mustContain(t, "forged answer", transcript(w.press(newcomer3, "hr:ans:"+req.Ref)), w.msgs.Text("uk", "ButtonExpired", nil))

	// Solved: the person is told, then asked once whether it helped.
	w.press(partnerA, "hs:solved:"+req.Ref)
	if r := lastRequest(t, w); r.Status != flows.StatusResolved || r.Closed.IsZero() {
		t.Fatalf("after solved: %+v", r)
	}
	job := &flows.RequestFollowUpJob{Engine: w.eng, Store: w.store}
	ctx := context.Background()
	if n, _ := job.Run(ctx, fixedNow.Add(23*time.Hour)); n != 0 {
		t.Errorf("feedback asked after 23 h: %d", n)
	}
	n1, err1 := job.Run(ctx, fixedNow.Add(25*time.Hour))
	n2, err2 := job.Run(ctx, fixedNow.Add(26*time.Hour))
	if err1 != nil || err2 != nil || n1 != 1 || n2 != 0 {
		t.Fatalf("feedback runs %d, %d (%v, %v), want 1 then 0", n1, n2, err1, err2)
	}
	q := w.store.jobs[flows.RequestJobPrefix+req.Ref+":feedback"]
	if len(q.Messages) != 1 || q.Messages[0].ChatID != newcomer2 || len(q.Messages[0].Buttons[0]) != 3 {
		t.Fatalf("feedback question %+v", q)
	}
	w.press(newcomer2, "hr:fb:"+req.Ref+":partly")
	if r := lastRequest(t, w); r.Feedback != "partly" {
		t.Errorf("feedback = %q", r.Feedback)
	}
	mark = len(w.store.events)
	w.press(newcomer2, "hr:fb:"+req.Ref+":yes")
	if countEvents[flows.RequestSaved](w.store, mark) != 0 {
		t.Error("feedback recorded twice")
	}
}

// ask makes chat ask for help with need, without a description, and
// returns the request stored.
func (w *teamWorld) ask(chat int64, need string) flows.HelpRequest {
	w.t.Helper()
	w.press(chat, "hr:new")
	w.press(chat, "hr:n:"+need)
	w.press(chat, "hr:skip")
	w.press(chat, "hr:ok")
	return lastRequest(w.t, w)
}

func keys(m map[int64][]flows.Bulk) []int64 {
	var out []int64
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestHelpRequestFollowUp: nobody takes a request for 2 days, the
// coordinators are told; a taker silent for 7 days is nudged; /forget
// withdraws the person's requests and tells the partner.
func TestHelpRequestFollowUp(t *testing.T) {
	w := helpWorld(t)
	waiting := w.ask(newcomer, "papers")
	taken := w.ask(newcomer3, "job")
	w.press(partnerB, "hs:take:"+taken.Ref)
	job := &flows.RequestFollowUpJob{Engine: w.eng, Store: w.store}
	n, err := job.Run(context.Background(), fixedNow.Add(49*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("after 49 h: %d, %v", n, err)
	}
	late := w.store.jobs[flows.RequestJobPrefix+waiting.Ref+":late"]
	if len(late.Messages) != 1 || late.Messages[0].ChatID != coordA {
		t.Fatalf("late request told to %+v", late.Messages)
	}
	mustContain(t, "late", late.Messages[0].Text, waiting.Ref, "Papiers")
	if n, _ := job.Run(context.Background(), fixedNow.Add(8*24*time.Hour)); n != 1 {
		t.Fatalf("after 8 days: %d, want the silent partner nudged once", n)
	}
	if n, _ := job.Run(context.Background(), fixedNow.Add(8*24*time.Hour+time.Hour)); n != 0 {
		t.Errorf("nudged again: %d", n)
	}

	w.cmd(newcomer3, "/forget")
	mark := len(w.store.events)
	w.press(newcomer3, "fgt:yes")
	r := w.store.requests[taken.Ref]
	if r.Status != flows.StatusWithdrawn || r.Requester != 0 || r.Description != "" {
		t.Errorf("after /forget: %+v", r)
	}
	told := slices.DeleteFunc(queuedSince(w, mark)[partnerB], func(b flows.Bulk) bool { return b.Edit != 0 }) // its notice is edited too
	if len(told) != 1 {
		t.Fatalf("partner told %d times", len(told))
	}
	mustContain(t, "withdrawn", told[0].Text, taken.Ref, "retirée par la personne")
}

func TestHelpRequestLimits(t *testing.T) {
	w := helpWorld(t)
	for i := range flows.MaxOpenRequests {
		w.ask(newcomer, "other")
		if n := len(w.store.requests); n != i+1 {
			t.Fatalf("%d requests after %d", n, i+1)
		}
	}
	mustContain(t, "too many", transcript(w.press(newcomer, "hr:new")), "/requests")
	mustContain(t, "/requests", transcript(w.cmd(newcomer, "/requests")), "Autre chose", "en attente")
	// Sent without a description: nothing the person wrote is kept, and /mydata says so.
	mustContain(t, "/mydata", transcript(w.cmd(newcomer, "/mydata")), "Demandes d'aide sans votre texte : 3")
	// No partner organisation in Lyon: the person is told before anything is shared.
	s := flows.NewSession(fixedNow)
	s.Lang, s.Territory, s.Onboarded = "fa", "lyon", true
	if err := w.store.Commit(context.Background(), 60, s, nil); err != nil {
		t.Fatal(err)
	}
	delete(w.store.roles, partnerLyon)
	w.press(60, "hr:new")
	w.press(60, "hr:n:french")
	before := len(w.store.requests)
	w.press(60, "hr:skip")
	if len(w.store.requests) != before {
		t.Error("a request was stored with no partner to take it")
	}
}

// conflictStore fails the first commit of a request change as if another
// replica had changed it meanwhile.
type conflictStore struct {
	*memStore
	armed bool
	apply func()
}

func (c *conflictStore) Commit(ctx context.Context, chat int64, s *flows.Session, events []flows.Event) error {
	for _, ev := range events {
		if _, ok := ev.(flows.RequestSaved); ok && c.armed {
			c.armed = false
			c.apply() // the other staff member's take lands first
			return c.memStore.Commit(ctx, chat, s, events)
		}
	}
	return c.memStore.Commit(ctx, chat, s, events)
}

// TestSecondTakerLosesTheRace: two partners press "I take it" at the same
// moment; the store refuses the second, whose step is played again and
// says who took it.
func TestSecondTakerLosesTheRace(t *testing.T) {
	w := helpWorld(t)
	req := w.ask(newcomer, "health")
	cs := &conflictStore{memStore: w.store, armed: true}
	cs.apply = func() {
		r := w.store.requests[req.Ref]
		r.Status, r.Org, r.Staff = flows.StatusTaken, "cesam", partnerA
		w.store.requests[req.Ref] = r
	}
	svc := flows.NewService(w.eng, cs, flows.ClockFunc(func() time.Time { return w.now }))
	replies, err := svc.Handle(context.Background(), flows.Input{ChatID: partnerB, Kind: flows.KindButton, Data: "hs:take:" + req.Ref, MessageID: 3})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "second taker", transcript(replies), "déjà été prise par Cesam")
	if r := w.store.requests[req.Ref]; r.Org != "cesam" || r.Staff != partnerA {
		t.Errorf("the second taker overwrote the first: %+v", r)
	}
}

// TestNeedsDashboard computes the dashboard on fixed data: two months of
// Dijon's requests, every count under 5 hidden.
func TestNeedsDashboard(t *testing.T) {
	w := helpWorld(t)
	add := func(ref, need string, created time.Time, status flows.RequestStatus, org string, take, resolve time.Duration) {
		r := flows.HelpRequest{Ref: ref, Territory: "dijon", Need: need, Lang: "fa", Status: status, Org: org, Created: created, Updated: created}
		if take > 0 {
			r.Taken = created.Add(take)
		}
		if resolve > 0 {
			r.Closed = created.Add(resolve)
		}
		w.store.requests[ref] = r
	}
	nov := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	oct := time.Date(2026, 10, 12, 9, 0, 0, 0, time.UTC)
	for i := range 6 {
		status := []flows.RequestStatus{flows.StatusNew, flows.StatusNew, flows.StatusTaken, flows.StatusProgress, flows.StatusResolved, flows.StatusResolved}[i]
		org, take, resolve := "", time.Duration(0), time.Duration(0)
		if i >= 2 {
			org, take = "cesam", time.Duration(i)*time.Hour
		}
		if status == flows.StatusResolved {
			resolve = 48 * time.Hour
		}
		add(fmt.Sprintf("DIJ-10%02d", i), "housing", nov, status, org, take, resolve)
	}
	for i := range 3 {
		add(fmt.Sprintf("DIJ-20%02d", i), "french", nov, flows.StatusNew, "", 0, 0)
	}
	for i := range 5 {
		add(fmt.Sprintf("DIJ-30%02d", i), "papers", oct, flows.StatusResolved, "metropole", 10*time.Hour, 72*time.Hour)
	}
	add("DIJ-4000", "papers", oct.AddDate(0, -2, 0), flows.StatusResolved, "metropole", time.Hour, time.Hour) // too old
	add("LYO-0001", "housing", nov, flows.StatusNew, "", 0, 0)
	lyon := w.store.requests["LYO-0001"]
	lyon.Territory = "lyon" // another city
	w.store.requests["LYO-0001"] = lyon

	got := transcript(w.cmd(coordA, "/needs"))
	mustContain(t, "dashboard", got,
		"📊 Besoins à Dijon",
		"11/2026 — demandes : 9",
		"• Logement et hébergement : 6 (en attente moins de 5, en cours moins de 5, résolues moins de 5, fermées moins de 5)",
		"• Apprendre le français : moins de 5",
		"10/2026 — demandes : 5",
		"• Papiers et droits : 5 (en attente moins de 5, en cours moins de 5, résolues 5, fermées moins de 5)",
		"Délai médian : 10 h pour être prise, 72 h pour être résolue.",
		"Demandes résolues : 50 %",
		"• Cesam : moins de 5 prises, moins de 5 résolues",
		"• Dijon Métropole : 5 prises, 5 résolues",
	)
	if strings.Contains(got, "LYO-") || strings.Contains(got, "DIJ-") {
		t.Errorf("the dashboard shows references:\n%s", got)
	}
	for _, chat := range []int64{partnerA, newcomer} {
		mark := len(w.store.events)
		if got := transcript(w.cmd(chat, "/needs")); strings.Contains(got, "📊") || !deniedSince(w.store, mark) {
			t.Errorf("chat %d saw the dashboard or was not audited", chat)
		}
	}

	var buf strings.Builder
	reqs, _ := w.store.TerritoryRequests(context.Background(), "dijon", time.Time{})
	if err := flows.ExportNeeds(&buf, reqs); err != nil {
		t.Fatal(err)
	}
	csv := buf.String()
	if !strings.HasPrefix(csv, "\ufeffref,territory,need,language,status,outcome,organisation,created_at,taken_at,closed_at,feedback\n") || strings.Count(csv, "\n") != 16 || strings.Contains(csv, "LYO-") {
		t.Errorf("export:\n%s", csv)
	}
}

func TestPartnerQueue(t *testing.T) {
	w := helpWorld(t)
	for _, need := range []string{"housing", "job"} {
		w.ask(newcomer, need)
	}
	reqs, _ := w.store.MyRequests(context.Background(), newcomer)
	w.press(partnerA, "hs:take:"+reqs[0].Ref)
	queue := w.cmd(partnerB, "/requests")
	bs := flows.Buttons(queue)
	if len(bs) != 1 || flowData(bs[0].Data) != "hs:take:"+reqs[1].Ref {
		t.Errorf("Métropole's queue: %+v", bs)
	}
	bs = flows.Buttons(w.cmd(partnerA, "/requests"))
	if len(bs) != 2 {
		t.Errorf("Cesam's queue: %+v", bs)
	}
	if got := transcript(w.cmd(partnerLyon, "/requests")); strings.Contains(got, "DIJ-") {
		t.Errorf("Lyon's queue shows Dijon's requests: %s", got)
	}
}

// TestPartnerClosesWithoutSolution: the partner closes a request the person
// stopped answering; the person is told, neutrally.
func TestPartnerClosesWithoutSolution(t *testing.T) {
	w := helpWorld(t)
	req := w.ask(newcomer2, "job")
	w.press(partnerB, "hs:take:"+req.Ref)
	bs := flows.Buttons(w.press(partnerB, "hs:close:"+req.Ref))
	if len(bs) != 2 || flowData(bs[0].Data) != "hs:no-answer:"+req.Ref {
		t.Fatalf("reasons %+v", bs)
	}
	mark := len(w.store.events)
	w.press(partnerB, "hs:no-answer:"+req.Ref)
	r := lastRequest(t, w)
	if r.Status != flows.StatusClosed || r.Outcome != flows.OutcomeNoAnswer || r.Closed.IsZero() {
		t.Fatalf("after closing: %+v", r)
	}
	told := queuedSince(w, mark)[newcomer2]
	if want := w.msgs.Text("ar", "ReqClosedPerson", map[string]any{"Ref": req.Ref, "Org": "Dijon Métropole"}); len(told) != 1 || told[0].Text != want {
		t.Errorf("the person was told %+v, want %q", told, want)
	}
	mustContain(t, "closed twice", transcript(w.press(partnerB, "hs:not-needed:"+req.Ref)), "n'est plus ouverte")
}
