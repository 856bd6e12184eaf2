package flows

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

// menuLabelRunes is the longest main-menu label, in characters, that a
// phone shows whole in a half-width button.
const menuLabelRunes = 24

// NoticeVersion is the version of the privacy notice people consent to; bump it
// when the PrivacyNotice message changes in substance. It is recorded with
// each consent, as the text the person saw; nothing compares it, so a bump
// asks no one again. Version 2 lists every kind of data kept with how long,
// and names who is responsible for the data; the purposes are those of
// version 1.
const NoticeVersion = 2

// Flow is one conversation registered with the engine. Its name prefixes its
// button data ("name:action") and is stored in Session.Flow while it waits for
// the person.
type Flow interface {
	Name() string
	// Press handles a press on one of the flow's buttons; action is the data
	// after "name:". A press the flow does not expect in the current step must
	// call t.Expired().
	Press(t *Turn, action string)
	// Input handles text or a location while Session.Flow is this flow and
	// reports whether it did.
	Input(t *Turn) bool
}

// MenuEntry is a main-menu button. Entries only show when they work.
type MenuEntry struct {
	Label   string // message id of the button text
	Data    string // button data, routed like any other
	Visible func(t *Turn) bool
}

// Engine runs conversations: one input, one state transition, replies and events.
// It does no I/O.
type Engine struct {
	library      atomic.Pointer[library]
	admins       map[int64]bool
	secret       []byte
	dashboardURL string // the web dashboard's public address, no trailing slash; "" when off
	rand         io.Reader
	username     atomic.Pointer[string]
	msgs         *locales.Catalog
	loc          *time.Location
	flows        map[string]Flow
	commands     map[string]func(*Turn)
	menu         []MenuEntry
	onText       func(*Turn) // free text nobody else wanted, once onboarded
}

// Config is what an engine needs.
type Config struct {
	Content  *content.Content
	Messages *locales.Catalog
	Location *time.Location // time zone of opening hours; default Europe/Paris
	Admins   []int64        // national admins' Telegram user ids
	Rand     io.Reader      // randomness of invitation tokens and job ids; default crypto/rand
	Secret   []byte         // key of survey pseudonyms and dashboard sign-in links; default random (pseudonyms then change at each start)
	// DashboardURL is the public address of the coordinators' web
	// dashboard; "" when it is off (then /dashboard says so).
	DashboardURL string
}

// Env is what one step may read besides the session: the time, the person's
// staff role, and the store's directory (reads only; writes are events).
type Env struct {
	Ctx   context.Context
	Now   time.Time
	Role  *Role       // nil for newcomers
	Dir   Directory   // nil when there is no store (then staff commands are refused)
	Cal   Calendar    // nil when there is no store (then meetings and reminders are hidden)
	Polls SurveyStore // nil when there is no store (then surveys are hidden)
	Reqs  Requests    // nil when there is no store (then help requests are hidden)
}

// NewEngine returns an engine with the core flows and the guide registered.
func NewEngine(cfg Config) (*Engine, error) {
	e := &Engine{msgs: cfg.Messages, loc: cfg.Location, flows: map[string]Flow{}, commands: map[string]func(*Turn){},
		admins: map[int64]bool{}, rand: cfg.Rand}
	for _, id := range cfg.Admins {
		e.admins[id] = true
	}
	if e.rand == nil {
		e.rand = rand.Reader
	}
	e.secret = cfg.Secret
	e.dashboardURL = strings.TrimSuffix(cfg.DashboardURL, "/")
	if len(e.secret) == 0 {
		e.secret = make([]byte, 32)
		if _, err := io.ReadFull(e.rand, e.secret); err != nil {
			return nil, fmt.Errorf("engine: pseudonym key: %w", err)
		}
	}
	e.SetBotUsername("PasserelleBot")
	if e.loc == nil {
		loc, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		e.loc = loc
	}
	if err := e.SetContent(cfg.Content); err != nil {
		return nil, err
	}
	registerCore(e)
	return e, nil
}

// SetContent swaps the content served, atomically: a turn in progress keeps
// the content it started with.
func (e *Engine) SetContent(c *content.Content) error {
	lib, err := newLibrary(c)
	if err != nil {
		return err
	}
	e.library.Store(lib)
	return nil
}

// Register adds a flow; its name must be unique and free of ':' and '.'.
func (e *Engine) Register(f Flow) {
	if _, dup := e.flows[f.Name()]; dup || strings.ContainsAny(f.Name(), ":"+nonceSep) {
		panic("flows: bad or duplicate flow name " + f.Name())
	}
	e.flows[f.Name()] = f
}

// Command routes /name to fn.
func (e *Engine) Command(name string, fn func(*Turn)) { e.commands[name] = fn }

// AddMenuEntry appends a main-menu button.
func (e *Engine) AddMenuEntry(m MenuEntry) { e.menu = append(e.menu, m) }

// SetBotUsername sets the @username used in the links the bot hands out.
func (e *Engine) SetBotUsername(name string) { e.username.Store(&name) }

// IsAdmin reports whether chatID is a national admin.
func (e *Engine) IsAdmin(chatID int64) bool { return e.admins[chatID] }

// Content returns the content the engine serves now.
func (e *Engine) Content() *content.Content { return e.library.Load().content }

// Result is what one step produced.
type Result struct {
	Session *Session
	Replies []Reply
	Events  []Event
	Err     error // a directory read failed: tell the person to try again, commit nothing
	// Discard: the store knew nothing about the person and the step kept
	// nothing (/mydata after /forget): commit nothing, so that no record
	// starts.
	Discard bool
}

// NewSession returns the session of someone we have never met.
func NewSession(now time.Time) *Session {
	return &Session{Version: SessionVersion, Created: now, Seen: now, fresh: true}
}

// Step moves the session one input forward. Whatever the input, the person
// gets an answer; Result.Err is set only when a directory read failed, and
// then nothing must be committed.
func (e *Engine) Step(env Env, s *Session, in Input) Result {
	if env.Ctx == nil {
		env.Ctx = context.Background()
	}
	now := env.Now
	t := &Turn{e: e, lib: e.library.Load(), S: s, In: in, Now: now.In(e.loc), env: env}
	t.lang = s.Lang
	if t.lang == "" {
		t.lang = locales.Match(in.LangHint)
	}
	if t.lang == "" {
		t.lang = locales.Source
	}
	if in.Kind != KindBlocked {
		s.Seen = now
		s.Inactive = false
	}
	if s.Nonce == "" {
		s.Nonce = t.nonce()
	}
	e.route(t)
	for i := range t.out {
		t.out[i].Buttons = t.S.bindAll(t.out[i].Buttons)
	}
	for i := len(t.out) - 1; i >= 0; i-- {
		if id := t.out[i].MessageID; id != "" {
			s.LastMsg = id
			break
		}
	}
	discard := t.keepNothing && s.fresh && len(t.events) == 0
	s.fresh = s.fresh && discard // committed from now on: the store knows the person
	return Result{Session: t.S, Replies: t.out, Events: t.events, Err: t.err, Discard: discard}
}

func (e *Engine) route(t *Turn) {
	switch t.In.Kind {
	case KindBlocked:
		t.S.Inactive = true
	case KindUnblock:
		// Nothing to say: they come back when they write.
	case KindCommand:
		if fn, ok := e.commands[t.In.Command]; ok {
			fn(t)
			return
		}
		t.Hint("FreeTextHint")
	case KindButton:
		data, live := t.pressed()
		name, action, _ := strings.Cut(data, ":")
		f, ok := e.flows[name]
		if !live || !ok {
			t.Expired()
			return
		}
		f.Press(t, action)
	case KindText, KindLocation:
		if t.In.Kind == KindLocation && !plausible(t.In.Location) {
			// A point off the map (a broken client, a forged update): said
			// kindly, and the person stays where they were.
			t.Say("LocationInvalid", nil, nil)
			return
		}
		if f, ok := e.flows[t.S.Flow]; ok && f.Input(t) {
			return
		}
		if t.S.Onboarded && e.onText != nil {
			e.onText(t)
			return
		}
		t.Hint("FreeTextHint")
	default:
		t.Hint("UnsupportedInput")
	}
}

// plausible reports whether a shared point can be a real place: latitude
// within ±90°, longitude within ±180° (NaN and infinities are neither), and
// not 0,0, where broken clients put a position they do not know.
func plausible(l *Location) bool {
	return l != nil && math.Abs(l.Latitude) <= 90 && math.Abs(l.Longitude) <= 180 &&
		(l.Latitude != 0 || l.Longitude != 0)
}

// Turn is one step in progress: the session, the input, and what to answer.
type Turn struct {
	e      *Engine
	lib    *library
	env    Env
	err    error
	S      *Session
	In     Input
	Now    time.Time
	lang   string
	out    []Reply
	events []Event
	// keepNothing: the step asks that a session never stored stays so.
	keepNothing bool
}

// Lang is the language of this turn's replies.
func (t *Turn) Lang() string { return t.lang }

// SetLang switches the language of this turn's replies.
func (t *Turn) SetLang(code string) { t.lang = code }

// T renders message id in the turn's language.
func (t *Turn) T(id string, data map[string]any) string { return t.e.msgs.Text(t.lang, id, data) }

// Say sends message id with optional buttons.
func (t *Turn) Say(id string, data map[string]any, buttons [][]Button) {
	t.Send(Reply{MessageID: id, Text: t.T(id, data), Buttons: buttons})
}

// Send appends a reply, marking right-to-left text.
func (t *Turn) Send(r Reply) {
	if l, ok := locales.Lookup(t.lang); ok {
		r.RTL = l.RTL
	}
	t.out = append(t.out, r)
}

// EditOrSend replaces the pressed message when there is one, else sends anew.
func (t *Turn) EditOrSend(r Reply) {
	r.Edit = t.In.Kind == KindButton && t.In.MessageID != 0
	t.Send(r)
}

// Emit records an event for the store.
func (t *Turn) Emit(ev Event) { t.events = append(t.events, ev) }

// Goto sets the flow and step the person is in.
func (t *Turn) Goto(flow, step string) {
	t.S.Flow, t.S.Step = flow, step
	if flow == "" {
		t.S.Vars = nil
	}
}

// Expired answers a forged, stale or unknown button without changing state.
func (t *Turn) Expired() {
	t.Say("ButtonExpired", nil, nil)
	t.Home()
}

// Hint answers unexpected input with message id, then shows where the person is.
func (t *Turn) Hint(id string) {
	t.Say(id, nil, nil)
	t.Home()
}

// Home shows the menu, or the next onboarding question for someone who has
// not finished it.
func (t *Turn) Home() {
	switch {
	case t.S.Lang == "":
		languageMenu(t, false)
	case !t.S.Onboarded && t.S.Flow != territoryFlow:
		consentScreen(t, false)
	case !t.S.Onboarded:
		territoryMenu(t)
	default:
		t.Menu("")
	}
}

// Menu shows the main menu, headed by message id (or the default title).
func (t *Turn) Menu(id string) {
	ter, ok := t.territory()
	title := id
	var data map[string]any
	switch {
	case id != "":
	case ok:
		title, data = "MenuTitle", map[string]any{"Territory": ter.Name(t.lang)}
	default:
		title = "MenuTitleNoTerritory"
	}
	// Two buttons a row, so that the whole menu fits a phone screen;
	// menuLabelRunes keeps each label readable at half width.
	var bs []Button
	for _, m := range t.e.menu {
		if m.Visible == nil || m.Visible(t) {
			bs = append(bs, Button{Text: t.T(m.Label, nil), Data: m.Data})
		}
	}
	t.Goto("", "")
	t.Say(title, data, twoPerRow(bs))
}

func (t *Turn) territory() (*content.Territory, bool) {
	if t.S.Territory == "" {
		return nil, false
	}
	return t.lib.content.Territory(t.S.Territory)
}

// menuButton is the one-button keyboard that leads back to the menu.
func (t *Turn) menuButton() [][]Button {
	return [][]Button{{{Text: t.T("ButtonMenu", nil), Data: "menu:home"}}}
}
