package flows_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// Chat ids of the authorization matrix.
const (
	admin     = 1
	coordA    = 2 // coordinates Dijon
	coordB    = 3 // coordinates Lyon
	partnerA  = 4 // Cesam, Dijon
	newcomer  = 5 // onboarded in Dijon, news accepted
	newcomer2 = 6 // Dijon, Arabic
	newcomer3 = 7 // Dijon, Ukrainian
)

// teamSecret keys the survey pseudonyms of the team tests.
var teamSecret = []byte("the team tests' pseudonym key, 32+")

// teamWorld is a service over an in-memory store holding one person of each role.
type teamWorld struct {
	t     *testing.T
	now   time.Time
	eng   *flows.Engine
	svc   *flows.Service
	store *memStore
	msgs  *locales.Catalog
}

func newTeamWorld(t *testing.T) *teamWorld {
	t.Helper()
	c, diags := content.Load(content.Sample(), locales.Codes())
	if c == nil {
		t.Fatal(diags)
	}
	msgs, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	e, err := flows.NewEngine(flows.Config{Content: c, Messages: msgs, Admins: []int64{admin}, Secret: teamSecret, DashboardURL: teamDashboard + "/",
		Rand: rand.NewChaCha8([32]byte{1})})
	if err != nil {
		t.Fatal(err)
	}
	store := newMemStore()
	since := fixedNow.Add(-24 * time.Hour)
	store.roles[coordA] = flows.Role{Kind: flows.RoleCoordinator, Territory: "dijon", Since: since}
	store.roles[coordB] = flows.Role{Kind: flows.RoleCoordinator, Territory: "lyon", Since: since}
	store.roles[partnerA] = flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "cesam", Since: since.Add(time.Hour)}
	w := &teamWorld{t: t, now: fixedNow, eng: e, store: store, msgs: msgs}
	w.svc = flows.NewService(e, store, flows.ClockFunc(func() time.Time { return w.now }))
	for chat, lang := range map[int64]string{newcomer: "fr", newcomer2: "ar", newcomer3: "uk"} {
		s := flows.NewSession(fixedNow)
		s.Lang, s.Territory, s.Onboarded, s.Nonce = lang, "dijon", true, "nonce"+strconv.FormatInt(chat, 10) // as long as a real one
		s.Consents = map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: fixedNow, Notice: flows.NoticeVersion}}
		if err := store.Commit(context.Background(), chat, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *teamWorld) do(chat int64, in flows.Input) []flows.Reply {
	w.t.Helper()
	in.ChatID = chat
	replies, err := w.svc.Handle(context.Background(), in)
	if err != nil {
		w.t.Fatalf("handle %+v: %v", in, err)
	}
	return replies
}

func (w *teamWorld) cmd(chat int64, line string) []flows.Reply {
	name, arg, _ := strings.Cut(strings.TrimPrefix(line, "/"), " ")
	return w.do(chat, flows.Input{Kind: flows.KindCommand, Command: name, Arg: arg})
}

// press presses a button with data shown in the person's conversation:
// bound to their session when they have one.
func (w *teamWorld) press(chat int64, data string) []flows.Reply {
	w.t.Helper()
	if s, err := w.store.Load(context.Background(), chat); err == nil {
		data = s.Bind(data)
	}
	return w.do(chat, flows.Input{Kind: flows.KindButton, Data: data, MessageID: 9})
}

func (w *teamWorld) text(chat int64, text string) []flows.Reply {
	return w.do(chat, flows.Input{Kind: flows.KindText, Text: text})
}

// events counts the store's events of one type since mark.
func countEvents[E flows.Event](store *memStore, mark int) int {
	n := 0
	for _, ev := range store.events[mark:] {
		if _, ok := ev.(E); ok {
			n++
		}
	}
	return n
}

func deniedSince(store *memStore, mark int) bool {
	for _, ev := range store.events[mark:] {
		if a, ok := ev.(flows.Audited); ok && strings.HasPrefix(a.Entry.Action, "denied:") {
			return true
		}
	}
	return false
}

// TestAuthorizationMatrix runs every privileged command as each role: the
// allowed cells do their work, the others change nothing and are audited.
func TestAuthorizationMatrix(t *testing.T) {
	actors := []struct {
		name string
		chat int64
	}{{"admin", admin}, {"coordinator of Dijon", coordA}, {"coordinator of Lyon", coordB}, {"partner staff", partnerA}, {"newcomer", newcomer}}
	commands := []struct {
		line    string
		allowed map[int64]bool // who may do it, on Dijon
		did     func(w *teamWorld, mark int, chat int64, replies []flows.Reply) bool
	}{
		{"/invite coordinator dijon", map[int64]bool{admin: true},
			func(w *teamWorld, mark int, _ int64, _ []flows.Reply) bool {
				return countEvents[flows.InviteCreated](w.store, mark) == 1
			}},
		{"/invite partner cesam", map[int64]bool{coordA: true},
			func(w *teamWorld, mark int, _ int64, _ []flows.Reply) bool {
				return countEvents[flows.InviteCreated](w.store, mark) == 1
			}},
		{"/revoke 2", map[int64]bool{coordA: true}, // Dijon's second member is the partner
			func(w *teamWorld, mark int, _ int64, _ []flows.Reply) bool {
				return countEvents[flows.RoleRevoked](w.store, mark) == 1
			}},
		{"/revoke dijon 2", map[int64]bool{admin: true},
			func(w *teamWorld, mark int, _ int64, _ []flows.Reply) bool {
				return countEvents[flows.RoleRevoked](w.store, mark) == 1
			}},
		{"/team dijon", map[int64]bool{admin: true, coordA: true}, showsDijonTeam},
		{"/team", map[int64]bool{coordA: true}, showsDijonTeam},
		{"/audit", map[int64]bool{admin: true},
			func(w *teamWorld, mark int, _ int64, replies []flows.Reply) bool {
				return len(replies) == 1 && (strings.HasPrefix(replies[0].Text, w.msgs.Text("fr", "AuditTitle", nil)) || replies[0].Text == w.msgs.Text("fr", "AuditEmpty", nil))
			}},
		{"/broadcast dijon", map[int64]bool{admin: true, coordA: true},
			func(w *teamWorld, _ int, chat int64, _ []flows.Reply) bool { return w.flowTerritory(chat) == "dijon" }},
		{"/broadcast", map[int64]bool{coordA: true},
			func(w *teamWorld, _ int, chat int64, _ []flows.Reply) bool { return w.flowTerritory(chat) == "dijon" }},
		{"/event dijon", map[int64]bool{admin: true, coordA: true},
			func(w *teamWorld, _ int, chat int64, _ []flows.Reply) bool {
				return w.dialogueTerritory(chat, "evc") == "dijon"
			}},
		// The academy's survey is for every territory: Lyon's coordinator
		// reads Lyon's answers.
		{"/results academie-participation", map[int64]bool{admin: true, coordA: true, coordB: true},
			func(w *teamWorld, mark int, _ int64, replies []flows.Reply) bool {
				return countEvents[flows.Audited](w.store, mark) == 1 && !deniedSince(w.store, mark) && len(replies) == 1
			}},
		{"/outcome academie-participation dijon", map[int64]bool{admin: true, coordA: true, coordB: true},
			func(w *teamWorld, mark int, _ int64, replies []flows.Reply) bool {
				return !deniedSince(w.store, mark) && len(replies) == 1 && strings.Contains(replies[0].Text, "31/12/2027")
			}},
		{"/events dijon", map[int64]bool{admin: true, coordA: true},
			func(w *teamWorld, _ int, _ int64, replies []flows.Reply) bool {
				return len(replies) == 1 && replies[0].Text == w.msgs.Text("fr", "EventsNone", map[string]any{"Territory": "Dijon"})
			}},
	}
	for _, c := range commands {
		for _, a := range actors {
			t.Run(c.line+"/"+a.name, func(t *testing.T) {
				w := newTeamWorld(t)
				rolesBefore := len(w.store.roles)
				mark := len(w.store.events)
				replies := w.cmd(a.chat, c.line)
				did := c.did(w, mark, a.chat, replies)
				if want := c.allowed[a.chat]; did != want {
					t.Errorf("did = %v, want %v (events %v)", did, want, w.store.events[mark:])
				}
				if c.allowed[a.chat] {
					return
				}
				if len(w.store.roles) != rolesBefore || len(w.store.invites) != 0 || len(w.store.jobs) != 0 || len(w.store.meetings) != 0 {
					t.Errorf("a refused command changed something: roles %d→%d, invites %d, jobs %d", rolesBefore, len(w.store.roles), len(w.store.invites), len(w.store.jobs))
				}
				staff := a.chat == admin || a.chat == coordA || a.chat == coordB
				if !staff && !deniedSince(w.store, mark) {
					t.Errorf("refusal not audited: %v", w.store.events[mark:])
				}
			})
		}
	}
}

// showsDijonTeam reports whether the replies list Dijon's team.
func showsDijonTeam(w *teamWorld, _ int, _ int64, replies []flows.Reply) bool {
	return len(replies) == 1 && strings.HasPrefix(replies[0].Text, w.msgs.Text("fr", "TeamTitle", map[string]any{"Territory": "Dijon"}))
}

// flowTerritory is the territory of the broadcast the person is writing, if any.
func (w *teamWorld) flowTerritory(chat int64) string { return w.dialogueTerritory(chat, "bc") }

// dialogueTerritory is the territory of the staff dialogue flow the person is in, if any.
func (w *teamWorld) dialogueTerritory(chat int64, flow string) string {
	s, err := w.store.Load(context.Background(), chat)
	if err != nil || s.Flow != flow {
		return ""
	}
	return s.Vars["ter"]
}

// TestInviteOnce: an invitation link works once; the audit log says who did
// what, never the contents.
func TestInviteOnce(t *testing.T) {
	w := newTeamWorld(t)
	replies := w.cmd(coordA, "/invite partner mjc")
	link := replies[0].Text[strings.Index(replies[0].Text, "https://t.me/"):]
	token := strings.TrimPrefix(link[strings.Index(link, "start=")+len("start="):], "inv_")
	const newStaff = 42
	got := w.cmd(newStaff, "/start inv_"+token)
	if r := w.store.roles[newStaff]; r.Kind != flows.RolePartner || r.Territory != "dijon" || r.Org != "mjc" {
		t.Fatalf("role after the invitation = %+v (%q)", r, got[0].Text)
	}
	again := w.cmd(43, "/start inv_"+token)
	if _, ok := w.store.roles[43]; ok || again[0].Text != w.msgs.Text("fr", "InviteInvalid", nil) {
		t.Errorf("a used invitation worked again: %q", again[0].Text)
	}
	for _, e := range w.store.audit {
		if e.Action == "invite:partner" && (e.Actor != coordA || e.Territory != "dijon" || e.Count != 1) {
			t.Errorf("audit entry %+v", e)
		}
	}
}

// TestBroadcastDialogue: a coordinator writes in French, adds an Arabic
// translation, previews and sends; each person gets their language, or French
// with a note in theirs.
func TestBroadcastDialogue(t *testing.T) {
	w := newTeamWorld(t)
	w.cmd(coordA, "/broadcast")
	w.press(coordA, "bc:next")
	w.text(coordA, "Fête de quartier samedi à 15 h.")
	w.press(coordA, "bc:t:ar")
	w.text(coordA, "حفلة الحي يوم السبت الساعة 15.")
	preview := w.press(coordA, "bc:p")
	if len(preview) != 4 { // fr, ar, uk previews + the confirmation
		t.Fatalf("preview replies = %d: %+v", len(preview), preview)
	}
	if !strings.Contains(preview[3].Text, "3") {
		t.Errorf("confirmation %q does not say 3 people", preview[3].Text)
	}
	w.press(coordA, "bc:send")
	w.press(coordA, "bc:send") // a second press on a stale button sends nothing more
	if len(w.store.jobs) != 1 {
		t.Fatalf("jobs = %d, want 1", len(w.store.jobs))
	}
	for _, q := range w.store.jobs {
		want := map[int64]string{
			newcomer:  "Fête de quartier samedi à 15 h.",
			newcomer2: "حفلة الحي يوم السبت الساعة 15.",
			newcomer3: w.msgs.Text("uk", "NewsInFrench", nil) + "\n\nFête de quartier samedi à 15 h.",
		}
		if len(q.Messages) != len(want) || q.Job.Owner != coordA || q.Job.Territory != "dijon" {
			t.Fatalf("job %+v with %d messages", q.Job, len(q.Messages))
		}
		for _, m := range q.Messages {
			if m.Text != want[m.ChatID] {
				t.Errorf("chat %d gets %q, want %q", m.ChatID, m.Text, want[m.ChatID])
			}
		}
	}
	if s, _ := w.store.Load(context.Background(), coordA); s.Flow == "bc" || s.Vars["fr"] != "" {
		t.Errorf("the dialogue left state behind: %+v", s)
	}
}

// TestInviteNeedsInviterRole: an invitation works only while its sender
// holds the role that allowed it; otherwise it is refused kindly, grants
// nothing, and the refusal is audited without naming the person.
func TestInviteNeedsInviterRole(t *testing.T) {
	partnerOfDijon := flows.Role{Kind: flows.RolePartner, Territory: "dijon", Org: "mjc"}
	coordinatorOfLyon := flows.Role{Kind: flows.RoleCoordinator, Territory: "lyon"}
	tests := []struct {
		name    string
		by      int64
		role    flows.Role
		before  func(w *teamWorld)
		granted bool
	}{
		{"coordinator invites a partner", coordA, partnerOfDijon, nil, true},
		{"coordinator revoked since", coordA, partnerOfDijon, func(w *teamWorld) { delete(w.store.roles, coordA) }, false},
		{"coordinator moved to another territory", coordA, partnerOfDijon, func(w *teamWorld) {
			w.store.roles[coordA] = flows.Role{Kind: flows.RoleCoordinator, Territory: "lyon", Since: fixedNow}
		}, false},
		{"admin invites a coordinator", admin, coordinatorOfLyon, nil, true},
		{"no longer an admin", 77, coordinatorOfLyon, nil, false},
		{"partner staff cannot invite", partnerA, partnerOfDijon, nil, false},
		{"coordinator cannot invite a coordinator", coordA, flows.Role{Kind: flows.RoleCoordinator, Territory: "dijon"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTeamWorld(t)
			role := tt.role
			role.By, role.Since = tt.by, fixedNow
			w.store.invites["tok"] = flows.Invite{Role: role, Expires: fixedNow.Add(time.Hour)}
			if tt.before != nil {
				tt.before(w)
			}
			const invitee = 50
			mark := len(w.store.events)
			replies := w.cmd(invitee, "/start inv_tok")
			_, got := w.store.roles[invitee]
			if got != tt.granted {
				t.Fatalf("granted = %v, want %v: %q", got, tt.granted, replies[0].Text)
			}
			if tt.granted {
				return
			}
			if want := w.msgs.Text("fr", "InviteWithdrawn", nil); replies[0].Text != want {
				t.Errorf("answer %q, want %q", replies[0].Text, want)
			}
			refused := false
			for _, ev := range w.store.events[mark:] {
				if a, ok := ev.(flows.Audited); ok && a.Entry.Action == "refused:invite" {
					refused = a.Entry.Actor == 0 && a.Entry.Count == 1 && a.Entry.Territory == role.Territory
				}
			}
			if !refused {
				t.Errorf("refusal not audited as expected: %+v", w.store.events[mark:])
			}
		})
	}
}

// TestRevokeDeletesInvitations: revoking a coordinator deletes the
// invitations they created, says how many in the audit log, and a link
// opened afterwards grants nothing.
func TestRevokeDeletesInvitations(t *testing.T) {
	w := newTeamWorld(t)
	var tokens []string
	for _, org := range []string{"mjc", "cesam"} {
		text := w.cmd(coordA, "/invite partner "+org)[0].Text
		tokens = append(tokens, text[strings.Index(text, "inv_")+len("inv_"):])
	}
	w.cmd(coordB, "/invite partner metropole") // Lyon's: untouched
	if len(w.store.invites) != 3 {
		t.Fatalf("invitations = %d, want 3", len(w.store.invites))
	}
	mark := len(w.store.events)
	w.cmd(admin, "/revoke dijon 1") // Dijon's first member is its coordinator
	if _, ok := w.store.roles[coordA]; ok {
		t.Fatal("the coordinator was not revoked")
	}
	counts := map[string]int{}
	for _, ev := range w.store.events[mark:] {
		if a, ok := ev.(flows.Audited); ok {
			counts[a.Entry.Action] = a.Entry.Count
		}
	}
	if counts["revoke:coordinator"] != 1 || counts["revoke:invites"] != 2 {
		t.Errorf("audit counts %v, want 1 coordinator and 2 invitations", counts)
	}
	if len(w.store.invites) != 1 {
		t.Errorf("invitations left = %d, want Lyon's only", len(w.store.invites))
	}
	replies := w.cmd(51, "/start inv_"+tokens[0])
	if _, ok := w.store.roles[51]; ok || replies[0].Text != w.msgs.Text("fr", "InviteInvalid", nil) {
		t.Errorf("a revoked coordinator's link still worked: %q", replies[0].Text)
	}
}

// TestRevokeChecked: "/revoke N:SINCE" revokes member N only while N still
// is the member who started then; otherwise nobody.
func TestRevokeChecked(t *testing.T) {
	w := newTeamWorld(t)
	since := strconv.FormatInt(w.store.roles[partnerA].Since.UnixMilli(), 10)
	for _, arg := range []string{"2:" + since + "9", "3:" + since, "x:" + since, "1:" + since} {
		mark := len(w.store.events)
		replies := w.cmd(coordA, "/revoke "+arg)
		if n := countEvents[flows.RoleRevoked](w.store, mark); n != 0 || len(replies) != 1 || replies[0].Text != w.msgs.Text("fr", "RevokeChanged", nil) {
			t.Errorf("/revoke %s: %d revoked, replies %+v", arg, n, replies)
		}
	}
	mark := len(w.store.events)
	w.cmd(coordA, "/revoke 2:"+since) // Dijon's second member is the partner
	if n := countEvents[flows.RoleRevoked](w.store, mark); n != 1 {
		t.Errorf("/revoke 2:%s revoked %d", since, n)
	}
}
