package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// TestHelpRequestThroughTelegram plays a whole help request against the fake
// Bot API, with the outbox in Redis and the paced sender running: a person
// writing in Dari, two partner staff of Dijon writing in French who press
// "I take it" at the same moment, a canned reply that reaches the person in
// Dari, the person's answer, the resolution and the feedback question.
// Partner staff of Lyon see nothing; forged buttons change nothing.
func TestHelpRequestThroughTelegram(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	ctx := h.ctx
	const person, cesam, metropole, lyon = 4100010001, 4100010002, 4100010003, 4100010004
	now := h.clock.Now()
	consents := map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: now, Notice: flows.NoticeVersion}}
	h.seed(person, &flows.Session{Lang: "fa", Territory: "dijon", Onboarded: true, Consents: consents})
	for chat, role := range map[int64]flows.Role{
		cesam:     {Kind: flows.RolePartner, Territory: "dijon", Org: "cesam", Since: now},
		metropole: {Kind: flows.RolePartner, Territory: "dijon", Org: "metropole", Since: now},
		lyon:      {Kind: flows.RolePartner, Territory: "lyon", Org: "metropole", Since: now},
	} {
		grantStaff(h, chat, role)
	}
	startSender(h)

	tap := func(chat int64, data string) {
		t.Helper()
		h.mustHandle(fakeapi.CallbackUpdate(chat, 1, h.sign(chat, data), "fa"))
	}
	say := func(chat int64, text string) { t.Helper(); h.mustHandle(fakeapi.TextUpdate(chat, text, "fa")) }
	waitText := func(chat int64, want string) fakeapi.Message {
		t.Helper()
		var found fakeapi.Message
		h.eventually(fmt.Sprintf("chat %d to receive %q", chat, want), func() bool {
			for _, m := range h.fake.Messages(chat) {
				if strings.Contains(m.Text, want) {
					found = m
					return true
				}
			}
			return false
		})
		return found
	}

	// The person asks for help with housing, in Dari.
	tap(person, "hr:new")
	tap(person, "hr:n:housing")
	say(person, "در کمپ زندگی می‌کنیم و دنبال خانه هستیم.")
	tap(person, "hr:ok")
	reqs, err := h.store.MyRequests(ctx, person)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests %+v, %v", reqs, err)
	}
	ref := reqs[0].Ref
	waitText(person, ref) // the confirmation

	// Both partners of Dijon receive it, in French, with the need and the
	// description but nothing about the person's account.
	offer1 := waitText(cesam, ref)
	offer2 := waitText(metropole, ref)
	for _, m := range []fakeapi.Message{offer1, offer2} {
		if !strings.Contains(m.Text, "Logement") || !strings.Contains(m.Text, "دنبال خانه") || strings.Contains(m.Text, "4100010001") {
			t.Errorf("staff message %q", m.Text)
		}
	}

	// They press "I take it" at the same moment.
	takes := []map[string]any{
		fakeapi.CallbackUpdate(cesam, offer1.ID, h.press(cesam, offer1.Markup, "hs:take:"+ref), "fr"),
		fakeapi.CallbackUpdate(metropole, offer2.ID, h.press(metropole, offer2.Markup, "hs:take:"+ref), "fr"),
	}
	var wg sync.WaitGroup
	for _, u := range takes {
		wg.Add(1)
		go func() { defer wg.Done(); h.handle(u) }()
	}
	wg.Wait()
	req, _ := h.store.Request(ctx, ref)
	winner, loser := int64(cesam), int64(metropole)
	if req.Org == "metropole" {
		winner, loser = loser, winner
	}
	if req.Status != flows.StatusTaken || req.Staff != winner {
		t.Fatalf("after both takes: %+v", req)
	}
	winnerName := map[int64]string{cesam: "Cesam", metropole: "Dijon Métropole"}[winner]
	waitText(loser, "déjà été prise par "+winnerName)
	waitText(winner, "est à votre organisation")
	waitText(person, winnerName)

	// The winner sends the documents to bring: it reaches the person in Dari.
	tap(winner, "hs:docs:"+ref)
	h.mustHandle(fakeapi.TextUpdate(winner, "Titre de séjour, avis d'imposition", "fr"))
	docs := h.msgs.Text("fa", "ReqDocs", map[string]any{"Org": winnerName, "Ref": ref, "Documents": "Titre de séjour, avis d'imposition"})
	got := waitText(person, "Titre de séjour")
	if got.Text != docs {
		t.Errorf("the person received %q, want %q", got.Text, docs)
	}

	// The person answers with the button under that message.
	h.mustHandle(fakeapi.CallbackUpdate(person, got.ID, h.press(person, got.Markup, "hr:ans:"+ref), "fa"))
	say(person, "تشکر، فردا می‌آورم.")
	waitText(winner, "تشکر، فردا می‌آورم.")

	// Solved: the person is told in Dari, then asked once whether it helped.
	tap(winner, "hs:solved:"+ref)
	waitText(person, h.msgs.Text("fa", "ReqSolved", map[string]any{"Org": winnerName, "Ref": ref}))
	job := &flows.RequestFollowUpJob{Engine: h.engine, Store: h.store}
	if n, err := job.Run(ctx, h.clock.Now().Add(25*time.Hour)); err != nil || n != 1 {
		t.Fatalf("follow-up queued %d, %v", n, err)
	}
	question := waitText(person, h.msgs.Text("fa", "ReqFeedbackAsk", map[string]any{"Ref": ref}))
	h.mustHandle(fakeapi.CallbackUpdate(person, question.ID, h.press(person, question.Markup, "hr:fb:"+ref+":partly"), "fa"))
	req, _ = h.store.Request(ctx, ref)
	if req.Status != flows.StatusResolved || req.Feedback != "partly" {
		t.Fatalf("at the end: %+v", req)
	}

	// Forged buttons change nothing: the person cannot take requests, Lyon
	// cannot act on Dijon's, a tampered signature is refused.
	before, _ := json.Marshal(req)
	tap(person, "hs:take:"+ref)
	tap(lyon, "hs:solved:"+ref)
	h.mustHandle(fakeapi.CallbackUpdate(lyon, 1, strings.Replace(h.press(cesam, offer1.Markup, "hs:take:"+ref), "take", "pass", 1), "fr"))
	after, _ := h.store.Request(ctx, ref)
	if a, _ := json.Marshal(after); string(a) != string(before) {
		t.Errorf("a forged button changed the request:\n%s\n%s", before, a)
	}
	for _, m := range h.fake.Messages(lyon) {
		if strings.Contains(m.Text, ref) {
			t.Errorf("Lyon's partner saw Dijon's request: %q", m.Text)
		}
	}
}

// TestHelpRequestInCoordinationGroup: Dijon's file sends new requests to a
// coordination group only; a partner takes one from the group and is
// answered in private, and the group sees who took it.
func TestHelpRequestInCoordinationGroup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const group = -1001234567890
	requestGroup(h, group, false)
	ctx := h.ctx
	const person, cesam = 4100020001, 4100020002
	now := h.clock.Now()
	h.seed(person, &flows.Session{Lang: "uk", Territory: "dijon", Onboarded: true})
	grantStaff(h, cesam, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cesam", Since: now})
	startSender(h)
	for _, data := range []string{"hr:new", "hr:n:french", "hr:skip", "hr:ok"} {
		h.mustHandle(fakeapi.CallbackUpdate(person, 1, h.sign(person, data), "uk"))
	}
	reqs, _ := h.store.MyRequests(ctx, person)
	if len(reqs) != 1 {
		t.Fatalf("requests %+v", reqs)
	}
	ref := reqs[0].Ref
	h.eventually("the request in the group", func() bool { return len(h.fake.Messages(group)) == 1 })
	posted := h.fake.Messages(group)[0]
	if !strings.Contains(posted.Text, ref) || !strings.Contains(posted.Text, "Українська") {
		t.Errorf("group message %q", posted.Text)
	}
	if n := len(h.fake.Messages(cesam)); n != 0 {
		t.Errorf("the partner also got %d private messages, the file says group only", n)
	}

	// The partner presses "I take it" in the group.
	press := fakeapi.CallbackUpdate(cesam, posted.ID, h.press(group, posted.Markup, "hs:take:"+ref), "fr")
	press["callback_query"].(map[string]any)["message"].(map[string]any)["chat"] = map[string]any{"id": group, "type": "supergroup", "title": "Coordination Dijon"}
	h.mustHandle(press)
	if req, _ := h.store.Request(ctx, ref); req.Org != "cesam" || req.Staff != cesam {
		t.Fatalf("after the take in the group: %+v", req)
	}
	h.eventually("the taker's private answer", func() bool {
		for _, m := range h.fake.Messages(cesam) {
			if strings.Contains(m.Text, "est à votre organisation") {
				return true
			}
		}
		return false
	})
	h.eventually("the group to see who took it", func() bool {
		for _, m := range h.fake.Messages(group) {
			if strings.Contains(m.Text, "prise par Cesam") {
				return true
			}
		}
		return false
	})
}

// grantStaff gives chat a French-speaking session and role, through a
// one-time invitation as in production.
func grantStaff(h *harness, chat int64, role flows.Role) {
	h.tb.Helper()
	h.seed(chat, &flows.Session{Lang: "fr", Territory: role.Territory, Onboarded: true})
	token := fmt.Sprintf("tok%d", chat)
	inv := flows.Invite{Token: token, Role: role, Expires: h.clock.Now().Add(time.Hour)}
	for _, ev := range []flows.Event{flows.InviteCreated{Invite: inv}, flows.RoleGranted{ChatID: chat, Role: role, Token: token}} {
		if err := h.store.Commit(h.ctx, chat, h.session(chat), []flows.Event{ev}); err != nil {
			h.tb.Fatal(err)
		}
	}
}

// startSender runs the paced sender on the harness's Redis outbox, with the
// production eligibility check and record of deliveries.
func startSender(h *harness) {
	startSenderWith(h, h.store.Eligible)
}

// startSenderWith is startSender with another eligibility check.
func startSenderWith(h *harness, eligible func(ctx context.Context, d flows.Delivery) (bool, error)) {
	run := &rig{tb: h.tb, h: h, out: h.store, lim: newMemLimiter()}
	h.bot.cfg.Limiter = run.lim
	cfg := run.config("a")
	cfg.Eligible, cfg.Delivered = eligible, h.store.Delivered
	// Notices to one staff chat or group are not held a second (three for a
	// group) each: these tests are not about Telegram's per-chat limits,
	// which the fake does not enforce here.
	cfg.PerChat, cfg.PerGroup = h.bot.cfg.ChatPace, h.bot.cfg.ChatPace
	run.start(cfg)
}

// requestGroup makes Dijon's file send new requests to a coordination
// group, and to each partner in private too when private.
func requestGroup(h *harness, group int64, private bool) {
	h.tb.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(content.Sample(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.Sample(), p)
		if p == "territories/dijon.yaml" {
			data = append(data, fmt.Sprintf("requests:\n  group: %d\n  private: %v\n", group, private)...)
		}
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		h.tb.Fatal(err)
	}
	c, diags := content.Load(fsys, locales.Codes())
	if c == nil {
		h.tb.Fatal(diags)
	}
	if err := h.engine.SetContent(c); err != nil {
		h.tb.Fatal(err)
	}
}
