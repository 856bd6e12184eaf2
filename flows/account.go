package flows

import (
	"strings"

	"github.com/territoires-integration/passerelle/locales"
)

// Names of the account flows (button prefixes).
const (
	menuFlow     = "menu"
	forgetFlow   = "fgt"
	feedbackFlow = "fb"
)

// dateLayout is how dates read in every language: day/month/year, as on French documents.
const dateLayout = "02/01/2006"

func registerCore(e *Engine) {
	e.Register(languageChooser{})
	e.Register(consentChooser{})
	e.Register(territoryChooser{})
	e.Register(menu{})
	e.Register(forget{})
	e.Register(feedback{})
	e.Register(guide{})
	e.onText = searchText
	registerTeam(e)

	e.Command("start", start)
	e.Command("menu", func(t *Turn) { t.Home() })
	e.Command("language", func(t *Turn) { languageMenu(t, false) })
	e.Command("territory", func(t *Turn) { requireLang(t, territoryMenu) })
	e.Command("help", help)
	e.Command("privacy", func(t *Turn) { requireLang(t, func(t *Turn) { consentScreen(t, false) }) })
	e.Command("mydata", myData)
	e.Command("stop", stop)
	e.Command("forget", func(t *Turn) {
		t.Goto(forgetFlow, "confirm")
		t.Say("ForgetConfirm", nil, [][]Button{
			{{Text: t.T("ForgetYes", nil), Data: forgetFlow + ":yes"}},
			{{Text: t.T("ForgetNo", nil), Data: forgetFlow + ":no"}},
		})
	})
	e.Command("feedback", askFeedback)
	e.Command("emergency", emergency)
	e.Command("sos", emergency)

	e.AddMenuEntry(MenuEntry{Label: "MenuGuide", Data: guideFlow + ":h"})
	registerMeetings(e)
	registerReminders(e)
	registerSurveys(e)
	registerHelp(e)
	e.AddMenuEntry(MenuEntry{Label: "MenuEmergency", Data: menuFlow + ":sos"})
	e.AddMenuEntry(MenuEntry{Label: "MenuTerritory", Data: menuFlow + ":ter", Visible: func(t *Turn) bool {
		return len(t.lib.content.Territories()) > 0
	}})
	e.AddMenuEntry(MenuEntry{Label: "MenuLanguage", Data: menuFlow + ":lang"})
	e.AddMenuEntry(MenuEntry{Label: "MenuPrivacy", Data: menuFlow + ":priv"})
	e.AddMenuEntry(MenuEntry{Label: "MenuHelp", Data: menuFlow + ":help"})
}

// requireLang runs fn once the person has a language, else asks for it first.
func requireLang(t *Turn, fn func(*Turn)) {
	if t.S.Lang == "" {
		languageMenu(t, false)
		return
	}
	fn(t)
}

type menu struct{}

func (menu) Name() string { return menuFlow }

func (menu) Press(t *Turn, action string) {
	switch action {
	case "home":
		t.Home()
	case "sos":
		emergency(t)
	case "lang":
		languageMenu(t, false)
	case "ter":
		requireLang(t, territoryMenu)
	case "priv":
		requireLang(t, func(t *Turn) { consentScreen(t, false) })
	case "help":
		help(t)
	default:
		t.Expired()
	}
}

func (menu) Input(*Turn) bool { return false }

// help lists every command the person has: the reminders' with a
// calendar, the requests' with a territory where requests can be made.
func help(t *Turn) {
	text := t.T("Help", nil)
	if t.env.Cal != nil {
		text += "\n" + t.T("HelpRemindCommands", nil)
	}
	if _, ok := t.territory(); ok && t.env.Reqs != nil && t.env.Dir != nil {
		text += "\n" + t.T("HelpRequestsCommand", nil)
	}
	text += "\n" + t.T("HelpEmergencyCommand", nil) + "\n\n" + t.T("HelpSearch", nil)
	t.Send(Reply{MessageID: "Help", Text: text, Buttons: t.menuButton()})
}

// myData says what is kept about the person. To someone the store knows
// nothing about (after /forget), it says so and starts no record.
func myData(t *Turn) {
	extra, ok := myDataLines(t)
	if !ok {
		return
	}
	if t.S.fresh && len(extra) == 0 {
		t.keepNothing = true
		t.Say("MyDataNothing", nil, nil)
		return
	}
	consent := func(p Purpose) string {
		c, ok := t.S.Consents[p]
		if !ok {
			return t.T("ConsentNo", nil)
		}
		return t.T("ConsentYes", map[string]any{"Date": c.At.Format(dateLayout)})
	}
	lang, _ := locales.Lookup(t.lang)
	ter := t.T("NoTerritory", nil)
	if tr, ok := t.territory(); ok {
		ter = tr.Name(t.lang)
	}
	retention := Retention
	if t.S.Inactive {
		retention = InactiveRetention
	}
	text := t.T("MyData", map[string]any{
		"Language":  lang.Name,
		"Territory": ter,
		"News":      consent(PurposeNews),
		"Surveys":   consent(PurposeSurveys),
		"Created":   t.S.Created.Format(dateLayout),
		"Seen":      t.S.Seen.Format(dateLayout),
		"Expires":   t.S.Seen.Add(retention).Format(dateLayout),
	})
	if len(extra) > 0 {
		text += "\n\n" + strings.Join(extra, "\n")
	}
	if days := calendarDays(t.S.Created.In(t.e.loc), t.Now); days > 0 {
		text += "\n\n" + t.e.msgs.Plural(t.lang, "MyDataDays", days, nil)
	} else {
		text += "\n\n" + t.T("MyDataToday", nil)
	}
	t.Send(Reply{MessageID: "MyData", Text: text, Buttons: t.menuButton()})
}

// myDataLines are the lines of /mydata about what is kept beside the
// session: event answers, appointments, help requests, a survey begun, a
// staff role; false when a read failed.
func myDataLines(t *Turn) (extra []string, ok bool) {
	if cal := t.env.Cal; cal != nil {
		answered, err := cal.AnswerCount(t.env.Ctx, t.In.ChatID)
		if !t.read(err) {
			return nil, false
		}
		reminders, err := cal.Personal(t.env.Ctx, t.In.ChatID)
		if !t.read(err) {
			return nil, false
		}
		if answered > 0 {
			extra = append(extra, t.T("MyDataEvents", map[string]any{"Count": answered}))
		}
		if n := len(appointments(reminders)); n > 0 {
			extra = append(extra, t.T("MyDataReminders", map[string]any{"Count": n}))
		}
	}
	if t.env.Reqs != nil {
		mine, err := t.env.Reqs.MyRequests(t.env.Ctx, t.In.ChatID)
		if !t.read(err) {
			return nil, false
		}
		// A request withdrawn, or sent without a description, keeps
		// nothing the person wrote: it gets its own line.
		written := 0
		for _, r := range mine {
			if r.Description != "" {
				written++
			}
		}
		if written > 0 {
			extra = append(extra, t.e.msgs.Plural(t.lang, "MyDataRequests", written, nil))
		}
		if bare := len(mine) - written; bare > 0 {
			extra = append(extra, t.e.msgs.Plural(t.lang, "MyDataRequestsBare", bare, nil))
		}
	}
	if p := progress(t); p != nil {
		extra = append(extra, t.T("MyDataSurvey", map[string]any{"Date": p.Updated.Add(SurveyProgressTTL).In(t.e.loc).Format(dateLayout)}))
	}
	if r := t.env.Role; r != nil && r.Kind != RoleAdmin {
		tr, _ := t.lib.content.Territory(r.Territory)
		extra = append(extra, t.T("MyDataRole", map[string]any{"Role": roleName(t, r.Kind), "Territory": tr.Name(t.lang)}))
	}
	return extra, true
}

func stop(t *Turn) {
	for _, p := range Purposes {
		delete(t.S.Consents, p)
	}
	t.S.Survey = nil // answers in progress go with the consent
	t.Goto("", "")
	t.Say("StopDone", nil, t.menuButton())
}

type forget struct{}

func (forget) Name() string { return forgetFlow }

func (forget) Press(t *Turn, action string) {
	if t.S.Flow != forgetFlow {
		t.Expired()
		return
	}
	switch action {
	case "yes":
		withdrawRequests(t)
		t.Emit(Forgotten{Pseudonym: t.pseudonym()})
		t.EditOrSend(Reply{MessageID: "ForgetDone", Text: t.T("ForgetDone", nil)})
		*t.S = *NewSession(t.Now)
	case "no":
		t.EditOrSend(Reply{MessageID: "ForgetCancelled", Text: t.T("ForgetCancelled", nil)})
		t.Home()
	default:
		t.Expired()
	}
}

func (forget) Input(*Turn) bool { return false }

func askFeedback(t *Turn) {
	if t.S.LastMsg == "" {
		t.Send(Reply{Text: t.T("FeedbackNothing", nil), Buttons: t.menuButton()})
		return
	}
	t.Goto(feedbackFlow, "ask")
	t.S.Vars = map[string]string{"msg": t.S.LastMsg}
	t.Send(Reply{Text: t.T("FeedbackPrompt", nil), Buttons: [][]Button{
		{{Text: t.T("FeedbackUnclear", nil), Data: feedbackFlow + ":unclear"}},
		{{Text: t.T("FeedbackTranslation", nil), Data: feedbackFlow + ":translation"}},
		{{Text: t.T("ButtonCancel", nil), Data: feedbackFlow + ":cancel"}},
	}})
}

type feedback struct{}

func (feedback) Name() string { return feedbackFlow }

func (feedback) Press(t *Turn, action string) {
	msg := t.S.Vars["msg"]
	if t.S.Flow != feedbackFlow || msg == "" {
		t.Expired()
		return
	}
	switch action {
	case "unclear", "translation":
		t.Emit(FeedbackGiven{MessageID: msg, Lang: t.lang, Kind: action})
		t.Goto("", "")
		t.EditOrSend(Reply{Text: t.T("FeedbackThanks", nil), Buttons: t.menuButton()})
	case "cancel":
		t.Home()
	default:
		t.Expired()
	}
}

func (feedback) Input(*Turn) bool { return false }

// CommandInfo is one command of the list Telegram shows in its menu.
type CommandInfo struct{ Name, Description string }

// listedCommands are the commands shown in Telegram's menu, with their description message.
var listedCommands = [][2]string{
	{"menu", "CommandMenu"}, {"language", "CommandLanguage"}, {"territory", "CommandTerritory"},
	{"help", "CommandHelp"}, {"privacy", "CommandPrivacy"}, {"mydata", "CommandMyData"},
	{"stop", "CommandStop"}, {"forget", "CommandForget"}, {"feedback", "CommandFeedback"},
	{"start", "CommandStart"},
}

// CommandList returns the command menu in lang.
func (e *Engine) CommandList(lang string) []CommandInfo {
	out := make([]CommandInfo, len(listedCommands))
	for i, c := range listedCommands {
		out[i] = CommandInfo{Name: c[0], Description: e.msgs.Text(lang, c[1], nil)}
	}
	return out
}
