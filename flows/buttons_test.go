package flows_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// convo is one person talking to a service over a memStore; it keeps every
// button it was shown, to press old ones.
type convo struct {
	t     *testing.T
	svc   *flows.Service
	store *memStore
	chat  int64
	hint  string
	shown []flows.Button // newest last
}

func newConvo(t *testing.T, store *memStore, chat int64, hint string) *convo {
	t.Helper()
	svc := flows.NewService(newEngine(t), store, flows.ClockFunc(func() time.Time { return fixedNow }))
	return &convo{t: t, svc: svc, store: store, chat: chat, hint: hint}
}

func (c *convo) do(in flows.Input) []flows.Reply {
	c.t.Helper()
	in.ChatID, in.LangHint = c.chat, c.hint
	replies, err := c.svc.Handle(context.Background(), in)
	if err != nil {
		c.t.Fatalf("handle %+v: %v", in, err)
	}
	c.shown = append(c.shown, flows.Buttons(replies)...)
	return replies
}

func (c *convo) cmd(line string) []flows.Reply {
	c.t.Helper()
	name, arg, _ := strings.Cut(strings.TrimPrefix(line, "/"), " ")
	return c.do(flows.Input{Kind: flows.KindCommand, Command: name, Arg: arg})
}

// flowData is a button's data without the session nonce it carries.
func flowData(data string) string {
	head, _, _ := strings.Cut(data, ":")
	if nonce, _, bound := strings.Cut(head, "."); bound {
		return data[len(nonce)+1:]
	}
	return data
}

// old returns the data, as sent, of the newest button shown whose flow data
// (after the session nonce) is data.
func (c *convo) old(data string) string {
	c.t.Helper()
	for _, b := range slices.Backward(c.shown) {
		if b.Data != data && flowData(b.Data) == data {
			return b.Data
		}
	}
	c.t.Fatalf("no button %q was shown", data)
	return ""
}

// press presses the newest button shown with flow data data.
func (c *convo) press(data string) []flows.Reply { c.t.Helper(); return c.pressSent(c.old(data)) }

// pressSent presses a button carrying exactly sent.
func (c *convo) pressSent(sent string) []flows.Reply {
	c.t.Helper()
	return c.do(flows.Input{Kind: flows.KindButton, Data: sent, MessageID: 7})
}

func (c *convo) session() *flows.Session {
	c.t.Helper()
	s, err := c.store.Load(context.Background(), c.chat)
	if err != nil {
		c.t.Fatal(err)
	}
	return s
}

// onboard goes from the Dijon poster to the menu in French, accepting news.
func (c *convo) onboard() {
	c.t.Helper()
	c.cmd("/start dijon")
	c.press("lang:fr")
	c.press("cons:+news")
	c.press("cons:ok")
	if s := c.session(); !s.Onboarded || s.Territory != "dijon" {
		c.t.Fatalf("onboarding did not finish: %+v", s)
	}
}

func expired(replies []flows.Reply) bool {
	return len(replies) > 0 && replies[0].MessageID == "ButtonExpired"
}

// comparable is a stored session without what differs between two people
// (nonce, times).
func comparable(t *testing.T, s *flows.Session) string {
	t.Helper()
	c := *s
	c.Nonce, c.Created, c.Seen = "", time.Time{}, time.Time{}
	buf, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf)
}

// TestStaleButtonsAfterForget replays, after /forget, the old language
// button then the old survey-consent toggle: both are expired, no consent
// is granted, and the person's stored state is what a fresh /start stores.
func TestStaleButtonsAfterForget(t *testing.T) {
	store := newMemStore()
	c := newConvo(t, store, 501, "fr")
	c.cmd("/start dijon")
	oldLang := c.old("lang:fr")
	c.pressSent(oldLang)
	oldToggle := c.old("cons:+surveys")
	c.onboard()
	c.cmd("/forget")
	c.press("fgt:yes")
	if _, err := store.Load(context.Background(), c.chat); err == nil {
		t.Fatal("the session survived /forget")
	}
	mark := len(store.events)
	for _, sent := range []string{oldLang, oldToggle} {
		if replies := c.pressSent(sent); !expired(replies) {
			t.Errorf("old button %q acted after /forget: %q", sent, flows.Render(replies, 1))
		}
	}
	got := c.session()
	if len(got.Consents) != 0 || got.Lang != "" || got.Onboarded {
		t.Errorf("after the replay the session holds %+v", got)
	}
	if evs := store.events[mark:]; len(evs) != 0 {
		t.Errorf("the replay recorded %v", evs)
	}
	fresh := newConvo(t, store, 502, "fr")
	fresh.cmd("/start")
	if g, w := comparable(t, got), comparable(t, fresh.session()); g != w {
		t.Errorf("stored after the replay %s, a fresh start stores %s", g, w)
	}
}

// TestStaleButtonFromEarlierStep: once onboarding moved on, the buttons that
// set something from its earlier screens are expired and change nothing,
// while the buttons meant to stay live still work.
func TestStaleButtonFromEarlierStep(t *testing.T) {
	meeting := flows.Meeting{ID: "m1", Territory: "dijon", Title: map[string]string{"fr": "Atelier vélo"},
		Start: fixedNow.Add(48 * time.Hour), Place: "MJC", Created: fixedNow}
	tests := []struct {
		name  string
		old   string // flow data of a button shown before
		setup func(c *convo)
		live  bool
		check func(t *testing.T, c *convo, mark int)
	}{
		{name: "language of onboarding", old: "lang:ar", check: func(t *testing.T, c *convo, _ int) {
			if s := c.session(); s.Lang != "fr" {
				t.Errorf("language = %q", s.Lang)
			}
		}},
		{name: "same language again (a double tap)", old: "lang:fr", live: true, check: func(t *testing.T, c *convo, _ int) {
			if s := c.session(); s.Lang != "fr" || !s.Onboarded {
				t.Errorf("session = %+v", s)
			}
		}},
		{name: "consent toggle", old: "cons:+surveys", check: func(t *testing.T, c *convo, _ int) {
			if _, ok := c.session().Consents[flows.PurposeSurveys]; ok {
				t.Error("survey consent granted")
			}
		}},
		{name: "continue of the notice", old: "cons:ok"},
		{name: "territory of onboarding", old: "ter:lyon",
			setup: func(c *convo) { c.cmd("/territory") },
			check: func(t *testing.T, c *convo, _ int) {
				if s := c.session(); s.Territory != "dijon" {
					t.Errorf("territory = %q", s.Territory)
				}
			}},
		{name: "survey consent after /stop", old: "sv:c",
			setup: func(c *convo) { c.press("sv:list"); c.cmd("/stop") },
			check: func(t *testing.T, c *convo, _ int) {
				if _, ok := c.session().Consents[flows.PurposeSurveys]; ok {
					t.Error("survey consent granted")
				}
			}},
		{name: "menu entry", old: "g:h", live: true},
		{name: "event answer", old: "ev:y:m1", live: true,
			setup: func(c *convo) { c.press("ev:l"); c.press("ev:o:m1"); c.cmd("/menu"); c.press("g:h") },
			check: func(t *testing.T, c *convo, mark int) {
				if countEvents[flows.RSVPGiven](c.store, mark) != 1 {
					t.Errorf("no answer recorded: %v", c.store.events[mark:])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore()
			store.meetings[meeting.ID] = meeting
			store.answers[meeting.ID] = map[int64]flows.RSVP{}
			c := newConvo(t, store, 503, "fr")
			c.onboard()
			if tt.setup != nil {
				tt.setup(c)
			}
			sent := c.old(tt.old)
			c.cmd("/menu") // the conversation moves on
			before, mark := comparable(t, c.session()), len(store.events)
			replies := c.pressSent(sent)
			if expired(replies) == tt.live {
				t.Fatalf("expired = %v, want %v: %q", expired(replies), !tt.live, flows.Render(replies, 1))
			}
			if tt.check != nil {
				tt.check(t, c, mark)
			}
			if !tt.live {
				if after := comparable(t, c.session()); after != before || len(store.events) != mark {
					t.Errorf("a stale button changed the session %s → %s or recorded %v", before, after, store.events[mark:])
				}
			}
		})
	}
}

// TestConsentToggleCarriesItsState: an old copy of the consent screen does
// what its label said, however often it is pressed.
func TestConsentToggleCarriesItsState(t *testing.T) {
	c := newConvo(t, newMemStore(), 504, "fr")
	c.onboard()
	c.cmd("/privacy")
	give := c.old("cons:+surveys")
	for range 2 {
		c.pressSent(give)
		if _, ok := c.session().Consents[flows.PurposeSurveys]; !ok {
			t.Fatal("⬜ surveys pressed: no consent")
		}
	}
	withdraw := c.old("cons:-news")
	c.pressSent(withdraw)
	c.pressSent(withdraw)
	if _, ok := c.session().Consents[flows.PurposeNews]; ok {
		t.Error("✅ news pressed twice: consent back")
	}
}

// TestButtonWithoutNonce: a session stored before nonces existed gets one,
// and its earlier buttons (without nonce) are expired; buttons sent outside
// the conversation (partner staff's, no nonce) still reach their flow.
func TestButtonWithoutNonce(t *testing.T) {
	store := newMemStore()
	legacy := flows.NewSession(fixedNow)
	legacy.Lang, legacy.Flow, legacy.Step = "fr", "cons", "onb"
	if err := store.Commit(context.Background(), 505, legacy, nil); err != nil {
		t.Fatal(err)
	}
	c := newConvo(t, store, 505, "fr")
	if replies := c.pressSent("cons:+surveys"); !expired(replies) {
		t.Errorf("a button from before the nonce acted: %q", flows.Render(replies, 1))
	}
	s := c.session()
	if s.Nonce == "" || len(s.Consents) != 0 {
		t.Errorf("session after the press: %+v", s)
	}
	// Once given a nonce, the consent screen shown with the expiry works.
	c.press("cons:+surveys")
	if _, ok := c.session().Consents[flows.PurposeSurveys]; !ok {
		t.Error("the fresh toggle did not work")
	}
	// A partner's button from a bulk message has no nonce: the partner flow
	// answers (here: not staff), it is not expired.
	if replies := c.pressSent("hs:take:DIJ-0001"); expired(replies) {
		t.Errorf("a partner button was expired before reaching its flow")
	}
}

// TestEveryButtonFits walks every screen reachable by pressing buttons and
// typing a few answers, as a newcomer and as each staff role, and checks
// that every button's data (session nonce included) and every bulk
// message's button fit MaxButtonData, which the transport signs within
// Telegram's 64 bytes (bot tests check that side).
func TestEveryButtonFits(t *testing.T) {
	w := newTeamWorld(t)
	const id = "0123456789abcdef" // as long as a meeting id
	w.store.meetings[id] = flows.Meeting{ID: id, Territory: "dijon", Title: map[string]string{"fr": "Atelier"},
		Start: fixedNow.Add(48 * time.Hour), Place: "MJC", Location: &flows.Location{Latitude: 47.32, Longitude: 5.04}, Created: fixedNow}
	w.store.answers[id] = map[int64]flows.RSVP{}
	w.store.reminders = append(w.store.reminders, flows.Reminder{ChatID: newcomer, Due: fixedNow.Add(24 * time.Hour),
		Kind: "personal1d", Ref: "prefecture:" + id, At: fixedNow.Add(48 * time.Hour)}) // the longest kind
	for i, status := range []flows.RequestStatus{flows.StatusNew, flows.StatusTaken} {
		ref := "DIJ-000" + strconv.Itoa(i)
		w.store.requests[ref] = flows.HelpRequest{Ref: ref, Territory: "dijon", Need: "housing", Lang: "fr", Requester: newcomer,
			Status: status, Org: "cesam", Staff: partnerA, Created: fixedNow, Updated: fixedNow}
	}
	texts := []string{"Atelier vélo samedi", "28/11/2026", "14:30", "3", "logement", "Maison de quartier, 2 rue de la Paix"}
	commands := []string{"start dijon", "menu", "language", "territory", "help", "privacy", "mydata", "stop", "forget",
		"feedback", "emergency", "remind", "reminders", "invite", "team", "revoke 1", "audit", "broadcast", "broadcast dijon",
		"event", "event dijon", "events", "events dijon", "results", "results academie-participation", "outcome", "needs", "requests"}
	const maxScreens = 20000
	longest, screens := "", 0
	check := func(where string, bs []flows.Button) {
		for _, b := range bs {
			if b.Data == "" || len(b.Data) > flows.MaxButtonData {
				t.Errorf("%s: button data %q is empty or longer than %d bytes", where, b.Data, flows.MaxButtonData)
			}
			if len(b.Data) > len(longest) {
				longest = b.Data
			}
		}
	}
	for _, chat := range []int64{newcomer, newcomer2, admin, coordA, partnerA, 99} {
		var role *flows.Role
		if chat == admin {
			role = &flows.Role{Kind: flows.RoleAdmin}
		} else if r, ok := w.store.roles[chat]; ok {
			role = &r
		}
		env := flows.Env{Ctx: context.Background(), Now: fixedNow, Role: role, Dir: w.store, Cal: w.store, Polls: w.store, Reqs: w.store}
		start, err := w.store.Load(context.Background(), chat)
		if err != nil {
			start = flows.NewSession(fixedNow)
		}
		start.LastMsg = "Help" // for /feedback
		type node struct {
			session []byte
			buttons []flows.Button
			typing  bool // a flow waits for typed text
			depth   int
		}
		seen := map[string]bool{}
		var queue []node
		step := func(from []byte, in flows.Input, depth int) {
			var s flows.Session
			if err := json.Unmarshal(from, &s); err != nil {
				t.Fatal(err)
			}
			in.ChatID = chat
			res := w.eng.Step(env, &s, in)
			if res.Err != nil {
				t.Fatalf("step %+v: %v", in, res.Err)
			}
			bs := flows.Buttons(res.Replies)
			check(in.Command+in.Data+in.Text, bs)
			for _, ev := range res.Events {
				if q, ok := ev.(flows.BroadcastQueued); ok {
					for _, m := range q.Messages {
						check("bulk after "+in.Data, slices.Concat(m.Buttons...))
					}
				}
			}
			// A screen is its keyboard (and the step waiting for text): each
			// is explored once, whatever else the session holds.
			key := s.Flow + "/" + s.Step
			for _, b := range bs {
				key += "|" + b.Data
			}
			if !seen[key] && depth < 12 {
				seen[key] = true
				buf, _ := json.Marshal(&s)
				queue = append(queue, node{buf, bs, s.Flow != "", depth + 1})
			}
		}
		first, _ := json.Marshal(start)
		for _, c := range commands {
			name, arg, _ := strings.Cut(c, " ")
			step(first, flows.Input{Kind: flows.KindCommand, Command: name, Arg: arg}, 0)
		}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			screens++
			for _, b := range n.buttons {
				step(n.session, flows.Input{Kind: flows.KindButton, Data: b.Data, MessageID: 1}, n.depth)
			}
			for _, text := range texts {
				if n.typing {
					step(n.session, flows.Input{Kind: flows.KindText, Text: text}, n.depth)
				}
			}
			if screens > maxScreens {
				t.Fatalf("more than %d screens: the walk does not converge", maxScreens)
			}
		}
	}
	t.Logf("%d screens; longest button data: %d bytes (%q), limit %d", screens, len(longest), longest, flows.MaxButtonData)
}
