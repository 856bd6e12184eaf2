package flows_test

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

var update = flag.Bool("update", false, "rewrite the golden transcripts")

// catalog loads the messages once for every test: a Catalog is read-only,
// as the bot shares one between all its chats.
var catalog = sync.OnceValues(locales.Load)

// memStore is an in-memory flows.Store and flows.Directory for conversation scripts.
type memStore struct {
	sessions  map[int64][]byte
	events    []flows.Event
	roles     map[int64]flows.Role
	invites   map[string]flows.Invite
	audit     []flows.AuditEntry
	jobs      map[string]flows.BroadcastQueued
	meetings  map[string]flows.Meeting
	answers   map[string]map[int64]flows.RSVP
	waiting   map[string][]int64
	reminders []flows.Reminder
	subs      map[string]map[string]flows.Submission // survey → pseudonym → submission
	outcomes  map[string]map[string]string           // survey|territory → texts
	requests  map[string]flows.HelpRequest           // ref → request
}

func newMemStore() *memStore {
	return &memStore{sessions: map[int64][]byte{}, roles: map[int64]flows.Role{}, invites: map[string]flows.Invite{}, jobs: map[string]flows.BroadcastQueued{},
		meetings: map[string]flows.Meeting{}, answers: map[string]map[int64]flows.RSVP{}, waiting: map[string][]int64{},
		subs: map[string]map[string]flows.Submission{}, outcomes: map[string]map[string]string{}, requests: map[string]flows.HelpRequest{}}
}

func (m *memStore) Load(_ context.Context, chat int64) (*flows.Session, error) {
	buf, ok := m.sessions[chat]
	if !ok {
		return nil, flows.ErrNotFound
	}
	var s flows.Session
	if err := json.Unmarshal(buf, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", flows.ErrCorrupt, err)
	}
	s.Loaded = string(buf) // what was read, as the store's contract asks
	return &s, nil
}

func (m *memStore) Commit(_ context.Context, chat int64, s *flows.Session, events []flows.Event) error {
	if s != nil && s.Loaded != "" && s.Loaded != string(m.sessions[chat]) {
		return fmt.Errorf("session: %w", flows.ErrConflict)
	}
	for _, ev := range events {
		if g, ok := ev.(flows.RoleGranted); ok {
			if _, ok := m.invites[g.Token]; !ok {
				return flows.ErrInviteGone
			}
		}
		if r, ok := ev.(flows.RequestSaved); ok {
			cur, exists := m.requests[r.Request.Ref]
			if r.Expect == "" && exists || r.Expect != "" && (!exists || cur.Status != r.Expect) {
				return fmt.Errorf("request %s: %w", r.Request.Ref, flows.ErrConflict)
			}
		}
	}
	m.events = append(m.events, events...)
	forgotten := false
	for _, ev := range events {
		switch ev := ev.(type) {
		case flows.Forgotten:
			forgotten = true
			for _, subs := range m.subs {
				delete(subs, ev.Pseudonym)
			}
		case flows.SurveySubmitted:
			s := ev.Submission
			if m.subs[s.Survey] == nil {
				m.subs[s.Survey] = map[string]flows.Submission{}
			}
			if _, dup := m.subs[s.Survey][s.Pseudonym]; !dup {
				m.subs[s.Survey][s.Pseudonym] = s
			}
		case flows.SurveyOutcomeSet:
			m.outcomes[ev.Survey+"|"+ev.Territory] = ev.Texts
		case flows.RequestSaved:
			m.requests[ev.Request.Ref] = ev.Request
		case flows.InviteCreated:
			m.invites[ev.Invite.Token] = ev.Invite
		case flows.RoleGranted:
			delete(m.invites, ev.Token)
			m.roles[ev.ChatID] = ev.Role
		case flows.RoleRevoked:
			delete(m.roles, ev.ChatID)
			m.dropInvites(ev.ChatID)
		case flows.Audited:
			m.audit = append(m.audit, ev.Entry)
		case flows.BroadcastQueued:
			if _, dup := m.jobs[ev.Job.ID]; !dup {
				m.jobs[ev.Job.ID] = ev
			}
		case flows.MeetingCreated:
			m.meetings[ev.Meeting.ID] = ev.Meeting
			m.answers[ev.Meeting.ID] = map[int64]flows.RSVP{}
		case flows.RSVPGiven:
			m.rsvp(ev)
		case flows.RemindersScheduled:
			m.reminders = append(m.reminders, ev.Reminders...)
		case flows.RemindersCancelled:
			m.reminders = slices.DeleteFunc(m.reminders, func(r flows.Reminder) bool { return r.ChatID == ev.ChatID && r.Ref == ev.Ref })
		}
	}
	if forgotten {
		delete(m.sessions, chat)
		delete(m.roles, chat)
		m.dropInvites(chat)
		m.reminders = slices.DeleteFunc(m.reminders, func(r flows.Reminder) bool { return r.ChatID == chat })
		for _, answers := range m.answers {
			delete(answers, chat)
		}
		return nil
	}
	buf, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.sessions[chat] = buf
	return nil
}

func (m *memStore) Role(_ context.Context, chat int64) (*flows.Role, error) {
	if r, ok := m.roles[chat]; ok {
		return &r, nil
	}
	return nil, nil
}

func (m *memStore) Invite(_ context.Context, token string) (*flows.Invite, error) {
	if inv, ok := m.invites[token]; ok {
		inv.Token = token
		return &inv, nil
	}
	return nil, nil
}

func (m *memStore) OpenInvites(_ context.Context, inviter int64) (int, error) {
	n := 0
	for _, inv := range m.invites {
		if inv.Role.By == inviter {
			n++
		}
	}
	return n, nil
}

// dropInvites deletes the invitations inviter created, as a revocation does.
func (m *memStore) dropInvites(inviter int64) {
	maps.DeleteFunc(m.invites, func(_ string, inv flows.Invite) bool { return inv.Role.By == inviter })
}

func (m *memStore) Staff(_ context.Context, territory string) ([]flows.StaffMember, error) {
	var out []flows.StaffMember
	for chat, r := range m.roles {
		if r.Territory == territory {
			out = append(out, flows.StaffMember{ChatID: chat, Role: r})
		}
	}
	slices.SortFunc(out, func(a, b flows.StaffMember) int {
		return cmp.Or(a.Role.Since.Compare(b.Role.Since), cmp.Compare(a.ChatID, b.ChatID))
	})
	return out, nil
}

func (m *memStore) Audit(_ context.Context, n int) ([]flows.AuditEntry, error) {
	out := slices.Clone(m.audit)
	slices.Reverse(out)
	return out[:min(n, len(out))], nil
}

func (m *memStore) Audience(ctx context.Context, territory string, langs []string) ([]flows.Recipient, error) {
	var out []flows.Recipient
	for chat := range m.sessions {
		s, _ := m.Load(ctx, chat)
		if _, news := s.Consents[flows.PurposeNews]; !news || s.Inactive || s.Territory != territory || s.Lang == "" {
			continue
		}
		if len(langs) == 0 || slices.Contains(langs, s.Lang) {
			out = append(out, flows.Recipient{ChatID: chat, Lang: s.Lang})
		}
	}
	slices.SortFunc(out, func(a, b flows.Recipient) int { return cmp.Compare(a.ChatID, b.ChatID) })
	return out, nil
}

func (m *memStore) Submitted(_ context.Context, survey, pseudonym string) (bool, error) {
	_, ok := m.subs[survey][pseudonym]
	return ok, nil
}

func (m *memStore) Submissions(_ context.Context, survey string) ([]flows.Submission, error) {
	var out []flows.Submission
	for _, s := range m.subs[survey] {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b flows.Submission) int {
		return cmp.Or(a.Submitted.Compare(b.Submitted), cmp.Compare(a.Pseudonym, b.Pseudonym))
	})
	return out, nil
}

func (m *memStore) Outcome(_ context.Context, survey, territory string) (map[string]string, error) {
	return m.outcomes[survey+"|"+territory], nil
}

func (m *memStore) SurveyAudience(ctx context.Context, territory string) ([]flows.Recipient, error) {
	var out []flows.Recipient
	for chat := range m.sessions {
		s, _ := m.Load(ctx, chat)
		if _, ok := s.Consents[flows.PurposeSurveys]; ok && !s.Inactive && s.Territory == territory && s.Lang != "" {
			out = append(out, flows.Recipient{ChatID: chat, Lang: s.Lang})
		}
	}
	slices.SortFunc(out, func(a, b flows.Recipient) int { return cmp.Compare(a.ChatID, b.ChatID) })
	return out, nil
}

func (m *memStore) Request(_ context.Context, ref string) (*flows.HelpRequest, error) {
	if r, ok := m.requests[ref]; ok {
		return &r, nil
	}
	return nil, nil
}

func (m *memStore) MyRequests(_ context.Context, chat int64) ([]flows.HelpRequest, error) {
	var out []flows.HelpRequest
	for _, r := range m.requests {
		if r.Requester == chat {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b flows.HelpRequest) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(a.Ref, b.Ref))
	})
	return out, nil
}

func (m *memStore) TerritoryRequests(_ context.Context, territory string, since time.Time) ([]flows.HelpRequest, error) {
	var out []flows.HelpRequest
	for _, r := range m.requests {
		if r.Territory == territory && !r.Created.Before(since) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b flows.HelpRequest) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Ref, b.Ref))
	})
	return out, nil
}

func (m *memStore) Job(_ context.Context, id string) (*flows.JobStatus, error) {
	if q, ok := m.jobs[id]; ok {
		return &flows.JobStatus{Job: q.Job, Total: len(q.Messages)}, nil
	}
	return nil, nil
}

// engineFor serves the sample content, or the folder a script names on a
// first line "content DIR".
func engineFor(t *testing.T, script string) *flows.Engine {
	t.Helper()
	buf, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(buf), "\n")
	if dir, ok := strings.CutPrefix(first, "content "); ok {
		return newEngineFS(t, os.DirFS(dir))
	}
	return newEngine(t)
}

func newEngine(t testing.TB) *flows.Engine {
	t.Helper()
	return newEngineFS(t, content.Sample())
}

func newEngineFS(t testing.TB, fsys fs.FS) *flows.Engine {
	t.Helper()
	c, diags := content.Load(fsys, locales.Codes())
	if c == nil {
		t.Fatalf("sample content: %v", diags)
	}
	msgs, err := catalog()
	if err != nil {
		t.Fatal(err)
	}
	// A seeded source: session nonces and tokens are the same at every run.
	e, err := flows.NewEngine(flows.Config{Content: c, Messages: msgs, Secret: []byte("a fixed key for reproducible pseudonyms"),
		Rand: rand.NewChaCha8([32]byte{})})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestScripts plays every testdata/scripts/*.txt conversation and compares the
// transcript with its .golden file (go test ./flows -update rewrites them).
//
// Script lines: "> text" types text or a /command; "press N" presses the N-th
// button shown so far by the last message with buttons; "data X" presses a
// button carrying data X as sent outside the conversation (no session nonce);
// "own X" presses a button with data X shown earlier in the conversation
// (bound to the session); "forged" presses a button whose signature failed;
// "hint xx" sets the client language; "wait 36h" moves the clock;
// "location LAT LON" shares a location; "photo" sends a photo; "blocked" and
// "unblocked" are my_chat_member changes; "partner TERRITORY ORG" makes
// another chat partner staff of ORG, "partner none" takes the role back;
// "coordinator TERRITORY" makes the chat coordinator of TERRITORY; "rsvp
// yes" and "rsvp no" are that other chat's answer to every meeting;
// "# ..." is a comment.
func TestScripts(t *testing.T) {
	paths, _ := filepath.Glob("testdata/scripts/*.txt")
	if len(paths) == 0 {
		t.Fatal("no scripts")
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			got := runScript(t, engineFor(t, path), path)
			golden := strings.TrimSuffix(path, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (run with -update and review the diff):\n%s", golden, got)
			}
		})
	}
}

func runScript(t *testing.T, e *flows.Engine, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	now := fixedNow
	store := newMemStore()
	svc := flows.NewService(e, store, flows.ClockFunc(func() time.Time { return now }))
	const chat, partnerChat = 4242, 4343
	var (
		out     strings.Builder
		hint    string
		buttons []flows.Button
		lastMsg = 100
		nEvents int
		lineNo  int
		scanner = bufio.NewScanner(f)
	)
	for scanner.Scan() {
		lineNo++
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		in := flows.Input{ChatID: chat, LangHint: hint}
		verb, arg, _ := strings.Cut(line, " ")
		switch verb {
		case ">":
			in.Kind, in.Text = flows.KindText, arg
			if strings.HasPrefix(arg, "/") {
				cmd, rest, _ := strings.Cut(arg[1:], " ")
				in = flows.Input{ChatID: chat, LangHint: hint, Kind: flows.KindCommand, Command: cmd, Arg: rest}
			}
		case "press":
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 || n > len(buttons) {
				t.Errorf("%s:%d: no button %q among %d", path, lineNo, arg, len(buttons))
				fmt.Fprintf(&out, "%s\n    !! no such button\n", line)
				continue
			}
			in.Kind, in.Data, in.MessageID = flows.KindButton, buttons[n-1].Data, lastMsg
		case "data":
			in.Kind, in.Data, in.MessageID = flows.KindButton, arg, lastMsg
		case "own":
			s, err := store.Load(context.Background(), chat)
			if err != nil {
				t.Fatalf("%s:%d: own: %v", path, lineNo, err)
			}
			in.Kind, in.Data, in.MessageID = flows.KindButton, s.Bind(arg), lastMsg
		case "forged":
			in.Kind, in.Expired, in.MessageID = flows.KindButton, true, lastMsg
		case "hint":
			hint = arg
			continue
		case "content":
			continue
		case "partner":
			if ter, org, ok := strings.Cut(arg, " "); ok {
				store.roles[partnerChat] = flows.Role{Kind: flows.RolePartner, Territory: ter, Org: org, Since: now}
			} else {
				delete(store.roles, partnerChat)
			}
			out.WriteString(line + "\n")
			continue
		case "wait":
			d, err := time.ParseDuration(arg)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, lineNo, err)
			}
			now = now.Add(d)
			out.WriteString(line + "\n")
			continue
		case "coordinator":
			store.roles[chat] = flows.Role{Kind: flows.RoleCoordinator, Territory: arg, Since: now}
			out.WriteString(line + "\n")
			continue
		case "rsvp":
			answer := flows.RSVPNo
			if arg == "yes" {
				answer = flows.RSVPComing
			}
			for id := range store.meetings {
				store.rsvp(flows.RSVPGiven{MeetingID: id, ChatID: partnerChat, Answer: answer})
			}
			out.WriteString(line + "\n")
			continue
		case "location":
			var loc flows.Location
			fmt.Sscan(arg, &loc.Latitude, &loc.Longitude)
			in.Kind, in.Location = flows.KindLocation, &loc
		case "photo":
			in.Kind = flows.KindOther
		case "blocked":
			in.Kind = flows.KindBlocked
		case "unblocked":
			in.Kind = flows.KindUnblock
		default:
			t.Fatalf("%s:%d: unknown verb %q", path, lineNo, verb)
		}
		replies, err := svc.Handle(context.Background(), in)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, lineNo, err)
		}
		for _, r := range replies {
			if strings.Contains(r.Text, "[[") {
				t.Errorf("%s:%d: missing message in %q", path, lineNo, r.Text)
			}
			for _, b := range flows.Buttons([]flows.Reply{r}) {
				if len(b.Data) > flows.MaxButtonData || b.Data == "" {
					t.Errorf("%s:%d: button data %q is empty or longer than %d bytes", path, lineNo, b.Data, flows.MaxButtonData)
				}
			}
		}
		fmt.Fprintf(&out, "%s\n%s", line, indent(flows.Render(replies, 1)))
		if bs := flows.Buttons(replies); len(bs) > 0 {
			buttons = bs
			lastMsg++
		}
		for _, ev := range store.events[nEvents:] {
			fmt.Fprintf(&out, "    • event %T %+v\n", ev, ev)
		}
		nEvents = len(store.events)
	}
	if s, err := store.Load(context.Background(), chat); err == nil {
		buf, _ := json.Marshal(s)
		fmt.Fprintf(&out, "session: %s\n", buf)
	} else {
		fmt.Fprintf(&out, "session: %v\n", err)
	}
	return out.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// rsvp applies an answer with the capacity and the waiting list, as the
// Redis store does atomically.
func (m *memStore) rsvp(ev flows.RSVPGiven) {
	mt, answers := m.meetings[ev.MeetingID], m.answers[ev.MeetingID]
	prev := answers[ev.ChatID]
	coming := 0
	for _, a := range answers {
		if a == flows.RSVPComing {
			coming++
		}
	}
	schedule := func(chat int64) {
		for kind, due := range map[string]time.Time{"event24h": mt.Start.Add(-24 * time.Hour), "event2h": mt.Start.Add(-2 * time.Hour)} {
			m.reminders = append(m.reminders, flows.Reminder{ChatID: chat, Due: due, Kind: kind, Ref: mt.ID, At: mt.Start})
		}
	}
	switch {
	case ev.Answer == flows.RSVPComing && (prev == flows.RSVPComing || prev == flows.RSVPWaiting):
	case ev.Answer == flows.RSVPComing && (mt.Capacity == 0 || coming < mt.Capacity):
		answers[ev.ChatID] = flows.RSVPComing
		schedule(ev.ChatID)
	case ev.Answer == flows.RSVPComing:
		answers[ev.ChatID] = flows.RSVPWaiting
		m.waiting[mt.ID] = append(m.waiting[mt.ID], ev.ChatID)
	default:
		answers[ev.ChatID] = flows.RSVPNo
		m.waiting[mt.ID] = slices.DeleteFunc(m.waiting[mt.ID], func(c int64) bool { return c == ev.ChatID })
		m.reminders = slices.DeleteFunc(m.reminders, func(r flows.Reminder) bool { return r.ChatID == ev.ChatID && r.Ref == mt.ID })
		if prev == flows.RSVPComing && len(m.waiting[mt.ID]) > 0 {
			next := m.waiting[mt.ID][0]
			m.waiting[mt.ID] = m.waiting[mt.ID][1:]
			answers[next] = flows.RSVPComing
			schedule(next)
		}
	}
}

func (m *memStore) Meetings(_ context.Context, territory string, from time.Time, n int) ([]flows.Meeting, error) {
	var out []flows.Meeting
	for _, mt := range m.meetings {
		if mt.Territory == territory && mt.Start.After(from) {
			out = append(out, mt)
		}
	}
	slices.SortFunc(out, func(a, b flows.Meeting) int { return a.Start.Compare(b.Start) })
	return out[:min(n, len(out))], nil
}

func (m *memStore) Meeting(_ context.Context, id string) (*flows.Meeting, error) {
	if mt, ok := m.meetings[id]; ok {
		return &mt, nil
	}
	return nil, nil
}

func (m *memStore) MeetingCounts(_ context.Context, id string) (flows.MeetingCounts, error) {
	var c flows.MeetingCounts
	for _, a := range m.answers[id] {
		switch a {
		case flows.RSVPComing:
			c.Coming++
		case flows.RSVPWaiting:
			c.Waiting++
		case flows.RSVPNo:
			c.No++
		}
	}
	return c, nil
}

func (m *memStore) Answer(_ context.Context, id string, chat int64) (flows.RSVP, error) {
	return m.answers[id][chat], nil
}

func (m *memStore) WaitingRank(_ context.Context, id string, chat int64) (int, error) {
	return slices.Index(m.waiting[id], chat) + 1, nil
}

func (m *memStore) AnswerCount(_ context.Context, chat int64) (int, error) {
	n := 0
	for _, answers := range m.answers {
		if _, ok := answers[chat]; ok {
			n++
		}
	}
	return n, nil
}

func (m *memStore) Personal(_ context.Context, chat int64) ([]flows.Reminder, error) {
	var out []flows.Reminder
	for _, r := range m.reminders {
		if r.ChatID == chat {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b flows.Reminder) int { return a.Due.Compare(b.Due) })
	return out, nil
}

func (m *memStore) DueReminders(_ context.Context, now time.Time, n int) ([]flows.Reminder, error) {
	var out []flows.Reminder
	for _, r := range m.reminders {
		if !r.Due.After(now) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b flows.Reminder) int { return a.Due.Compare(b.Due) })
	return out[:min(n, len(out))], nil
}

func (m *memStore) DoneReminder(_ context.Context, r flows.Reminder) error {
	m.reminders = slices.DeleteFunc(m.reminders, func(x flows.Reminder) bool { return x.Key() == r.Key() })
	return nil
}

func (m *memStore) Enqueue(_ context.Context, job flows.Job, msgs []flows.Bulk) (bool, error) {
	if _, dup := m.jobs[job.ID]; dup {
		return false, nil
	}
	m.jobs[job.ID] = flows.BroadcastQueued{Job: job, Messages: msgs}
	return true, nil
}
