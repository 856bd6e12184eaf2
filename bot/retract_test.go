package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
)

// TestWithdrawnRequestNoticesEdited: a person writing in Arabic asks for
// help with an address and a phone number; Dijon's two partners (one
// reading French, one Ukrainian) and its coordination group get the
// request. The person uses /forget before anyone takes it: through the
// paced sender, each of those messages is edited into "This request was
// withdrawn." in its reader's language, without buttons, and no partner
// chat shows what the person wrote any more.
func TestWithdrawnRequestNoticesEdited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const group = -1001234567891
	requestGroup(h, group, true)
	const person, cesam, metropole = 4100030001, 4100030002, 4100030003
	now := h.clock.Now()
	h.seed(person, &flows.Session{Lang: "ar", Territory: "dijon", Onboarded: true})
	grantStaff(h, cesam, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cesam", Since: now})
	grantStaff(h, metropole, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "metropole", Since: now})
	uk := h.session(metropole)
	uk.Lang = "uk"
	h.seed(metropole, uk)
	startSender(h)

	const phone = "0699887766"
	ref := askForHelp(h, person, "نسكن في 12 rue des Lilas، هاتفي "+phone)
	readers := map[int64]string{cesam: "fr", metropole: "uk", group: "fr"}
	shown := map[int64]fakeapi.Message{}
	for chat := range readers {
		h.eventually(fmt.Sprintf("the request in chat %d", chat), func() bool {
			for _, m := range h.fake.Messages(chat) {
				if strings.Contains(m.Text, phone) {
					shown[chat] = m
					return true
				}
			}
			return false
		})
	}
	h.eventually("the three notices recorded", func() bool {
		n, err := h.store.Notices(h.ctx, ref)
		return err == nil && len(n) == 3
	})

	h.mustHandle(fakeapi.TextUpdate(person, "/forget", "ar"))
	h.mustHandle(fakeapi.CallbackUpdate(person, 1, h.sign(person, "fgt:yes"), "ar"))

	for chat, lang := range readers {
		want := h.msgs.Text(lang, "ReqWithdrawnNotice", map[string]any{"Ref": ref})
		h.eventually(fmt.Sprintf("the notice in chat %d edited", chat), func() bool {
			for _, m := range h.fake.Messages(chat) {
				if m.ID == shown[chat].ID {
					return m.Text == want
				}
			}
			return false
		})
		var edits []fakeapi.Call
		for _, c := range h.fake.CallsTo("editMessageText") {
			if c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
				edits = append(edits, c)
			}
		}
		if len(edits) != 1 {
			t.Fatalf("chat %d: %d edits", chat, len(edits))
		}
		p := edits[0].Params
		if p["message_id"] != strconv.Itoa(shown[chat].ID) || p["text"] != want || p["reply_markup"] != "" || edits[0].Status != 200 {
			t.Errorf("chat %d: editMessageText %v (answered %d), want message %d, text %q, no reply_markup", chat, p, edits[0].Status, shown[chat].ID, want)
		}
		for _, m := range h.fake.Messages(chat) {
			if strings.Contains(m.Text, phone) || strings.Contains(m.Text, "Lilas") {
				t.Errorf("chat %d still shows what the person wrote: %q", chat, m.Text)
			}
			if m.ID == shown[chat].ID && m.Markup != "" {
				t.Errorf("chat %d: the withdrawn request keeps its buttons: %s", chat, m.Markup)
			}
		}
	}
	if n, _ := h.store.Notices(h.ctx, ref); len(n) != 0 {
		t.Errorf("notices left after /forget: %+v", n)
	}
}

// TestNoticeDeliveredDuringWithdrawal: the person's /forget is committed
// while the notices are on their way (their eligibility already checked):
// each is deleted as soon as it is delivered.
func TestNoticeDeliveredDuringWithdrawal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const person, cesam, metropole = 4100040001, 4100040002, 4100040003
	now := h.clock.Now()
	h.seed(person, &flows.Session{Lang: "fa", Territory: "dijon", Onboarded: true})
	grantStaff(h, cesam, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cesam", Since: now})
	grantStaff(h, metropole, flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "metropole", Since: now})

	var once sync.Once
	forgot := make(chan error, 1)
	startSenderWith(h, func(ctx context.Context, d flows.Delivery) (bool, error) {
		ok, err := h.store.Eligible(ctx, d)
		if _, notice := flows.NoticeRequest(d.Bulk.Job); notice && ok && err == nil {
			once.Do(func() {
				_, ferr := h.handle(fakeapi.TextUpdate(person, "/forget", "fa"))
				if ferr == nil {
					_, ferr = h.handle(fakeapi.CallbackUpdate(person, 1, h.sign(person, "fgt:yes"), "fa"))
				}
				forgot <- ferr
			})
		}
		return ok, err
	})
	ref := askForHelp(h, person, "شماره من 0611223344 است")
	if err := <-forgot; err != nil {
		t.Fatalf("/forget: %v", err)
	}

	// Every notice that passed its check before the /forget was saved (the
	// sender has several on their way at once) is deleted once delivered;
	// none is left showing what the person wrote.
	partnerSends := func() []fakeapi.Call {
		var sent []fakeapi.Call
		for _, c := range h.fake.CallsTo("sendMessage") {
			if chat := c.Params["chat_id"]; chat == strconv.Itoa(cesam) || chat == strconv.Itoa(metropole) {
				sent = append(sent, c)
			}
		}
		return sent
	}
	h.eventually("the late notices deleted", func() bool {
		n := len(h.fake.CallsTo("deleteMessage"))
		return n >= 1 && n == len(partnerSends())
	})
	for _, del := range h.fake.CallsTo("deleteMessage") {
		chat, _ := strconv.ParseInt(del.Params["chat_id"], 10, 64)
		if chat != cesam && chat != metropole {
			t.Errorf("deleted a message in chat %d", chat)
		}
		for _, m := range h.fake.Messages(chat) {
			if strings.Contains(m.Text, "0611223344") || strconv.Itoa(m.ID) == del.Params["message_id"] && m.Kind != "deleted" {
				t.Errorf("chat %d still shows the request: %+v", chat, m)
			}
		}
	}
	if n, _ := h.store.Notices(h.ctx, ref); len(n) != 0 {
		t.Errorf("a late notice was recorded: %+v", n)
	}
}

// askForHelp makes person ask Dijon's partners for help with housing,
// describing it with desc, and returns the request's reference.
func askForHelp(h *harness, person int64, desc string) string {
	h.tb.Helper()
	lang := h.session(person).Lang
	h.mustHandle(fakeapi.CallbackUpdate(person, 1, h.sign(person, "hr:new"), lang))
	h.mustHandle(fakeapi.CallbackUpdate(person, 1, h.sign(person, "hr:n:housing"), lang))
	h.mustHandle(fakeapi.TextUpdate(person, desc, lang))
	if h.session(person).Step != "consent" {
		h.tb.Fatalf("not asked to consent: %+v", h.session(person))
	}
	h.mustHandle(fakeapi.CallbackUpdate(person, 1, h.sign(person, "hr:ok"), lang))
	reqs, err := h.store.MyRequests(h.ctx, person)
	if err != nil || len(reqs) != 1 {
		h.tb.Fatalf("requests %+v, %v", reqs, err)
	}
	return reqs[0].Ref
}
