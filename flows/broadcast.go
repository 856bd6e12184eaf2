package flows

import (
	"strings"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/locales"
)

// broadcastFlow is the coordinators' dialogue that sends news to a territory.
const broadcastFlow = "bc"

// Steps of the broadcast dialogue, besides the shared ones; Vars holds "ter",
// "langs" (comma list), "fr", "t:<lang>" translations and "job", and
// "survey" when it sends the outcome of a survey to its respondents.
const (
	stepText    = "text"
	stepPreview = "preview"
)

// MaxBroadcast is the longest broadcast text, in characters: it leaves room
// under Telegram's 4,096 characters for the note above a French-only message.
const MaxBroadcast = 3500

func broadcast(t *Turn) {
	if !t.allowed("broadcast", RoleAdmin, RoleCoordinator) {
		return
	}
	ter, _, ok := staffTerritory(t, "BroadcastUsageAdmin")
	if !ok {
		return
	}
	t.Goto(broadcastFlow, stepLangs)
	t.S.Vars = map[string]string{"ter": ter}
	languagesScreen(t)
}

// targetLangs are the languages the broadcast is for; none ticked means all.
func targetLangs(t *Turn) []string {
	if v := t.S.Vars["langs"]; v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

func languagesScreen(t *Turn) {
	tr, _ := t.lib.content.Territory(t.S.Vars["ter"])
	languageChoice(t, broadcastFlow, "BroadcastLanguages", t.T("BroadcastLanguages", map[string]any{"Territory": tr.Name(t.lang)}), targetLangs(t))
}

// translationsScreen offers a translation per target language, then the preview.
func translationsScreen(t *Turn) {
	t.Goto(broadcastFlow, stepTranslations)
	langs := targetLangs(t)
	if len(langs) == 0 {
		langs = locales.Codes()
	}
	rows := translationRows(broadcastFlow, langs, func(code string) bool { return t.S.Vars["t:"+code] != "" })
	rows = append(rows, []Button{{Text: t.T("ButtonPreview", nil), Data: broadcastFlow + ":p"}, {Text: t.T("ButtonCancel", nil), Data: broadcastFlow + ":x"}})
	t.Say("BroadcastTranslations", nil, rows)
}

// written is the staff member's text for lang: the translation, or "" when
// there is none.
func written(t *Turn, lang string) string {
	if lang == locales.Source {
		return t.S.Vars["fr"]
	}
	return t.S.Vars["t:"+lang]
}

// versionFor is the text a person reading lang receives.
func versionFor(t *Turn, lang string) string {
	s, _ := t.lib.content.Survey(t.S.Vars["survey"])
	return t.e.newsText(written(t, lang), t.S.Vars["fr"], s, lang)
}

// audience reads who would receive the broadcast now; when nobody would,
// it says so and ok is false.
func audience(t *Turn) (rs []Recipient, ok bool) {
	rs, err := t.env.Dir.Audience(t.env.Ctx, t.S.Vars["ter"], targetLangs(t))
	if !t.read(err) {
		return nil, false
	}
	if t.S.Vars["survey"] != "" {
		if rs, ok = respondents(t, rs); !ok {
			return nil, false
		}
	}
	if len(rs) == 0 {
		noAudience(t)
		return nil, false
	}
	return rs, true
}

// noAudience says that nobody would receive the message.
func noAudience(t *Turn) {
	tr, _ := t.lib.content.Territory(t.S.Vars["ter"])
	id := "BroadcastNoAudience"
	if t.S.Vars["survey"] != "" {
		id = "OutcomeNoAudience"
	}
	t.Goto("", "")
	t.Say(id, map[string]any{"Territory": tr.Name(t.lang)}, nil)
}

func preview(t *Turn) {
	rs, ok := audience(t)
	if !ok {
		return
	}
	perLang := map[string]int{}
	for _, r := range rs {
		perLang[r.Lang]++
	}
	for _, l := range locales.Languages {
		if n := perLang[l.Code]; n > 0 {
			head := t.e.msgs.Plural(t.lang, "BroadcastPreview", n, map[string]any{"Language": l.Name})
			t.Send(Reply{MessageID: "BroadcastPreview", Text: head + "\n\n" + versionFor(t, l.Code)})
		}
	}
	if t.S.Vars["job"] == "" {
		t.S.Vars["job"] = t.token()
	}
	t.Goto(broadcastFlow, stepPreview)
	t.Send(Reply{MessageID: "BroadcastConfirm", Text: t.e.msgs.Plural(t.lang, "BroadcastConfirm", len(rs), nil), Buttons: [][]Button{
		{{Text: "📤 " + t.T("ButtonSend", nil), Data: broadcastFlow + ":send"}, {Text: t.T("ButtonCancel", nil), Data: broadcastFlow + ":x"}},
	}})
}

func send(t *Turn) {
	rs, ok := audience(t)
	if !ok {
		return
	}
	texts := map[string]string{}
	for _, code := range locales.Codes() {
		if w := written(t, code); w != "" {
			texts[code] = w
		}
	}
	s, _ := t.lib.content.Survey(t.S.Vars["survey"])
	job := Job{ID: t.S.Vars["job"], Territory: t.S.Vars["ter"], Owner: t.In.ChatID, OwnerLang: t.lang, Created: t.Now}
	t.Goto("", "")
	events := t.e.newsEvents(job, s, texts, rs)
	for _, ev := range events {
		t.Emit(ev)
	}
	queued := events[len(events)-1].(BroadcastQueued)
	t.audit(queued.Job.Kind, queued.Job.Territory, len(queued.Messages))
	t.EditOrSend(Reply{MessageID: "BroadcastQueued", Text: t.e.msgs.Plural(t.lang, "BroadcastQueued", len(queued.Messages), nil)})
}

// broadcastLength is a broadcast text's length in characters, and whether
// it may be sent: not empty, at most MaxBroadcast.
func broadcastLength(text string) (int, bool) {
	n := utf8.RuneCountInString(text)
	return n, n > 0 && n <= MaxBroadcast
}

type broadcaster struct{}

func (broadcaster) Name() string { return broadcastFlow }

// Press: "l:<code>" toggles a language, "next", "t:<code>" asks a
// translation, "p" previews, "send", "x" cancels.
func (broadcaster) Press(t *Turn, action string) {
	switch verb := staffPress(t, broadcastFlow, action, languagesScreen, "BroadcastWriteTranslation"); {
	case verb == "":
	case verb == "next" && t.S.Step == stepLangs:
		t.Goto(broadcastFlow, stepText)
		t.Say("BroadcastWriteFrench", nil, nil)
	case verb == "p" && t.S.Step == stepTranslations:
		preview(t)
	case verb == "send" && t.S.Step == stepPreview:
		send(t)
	default:
		t.Expired()
	}
}

// Input takes the French text and the translations.
func (broadcaster) Input(t *Turn) bool {
	if t.In.Kind != KindText {
		return false
	}
	text := strings.TrimSpace(t.In.Text)
	switch {
	case t.S.Step == stepText, strings.HasPrefix(t.S.Step, stepTranslationOf):
	default:
		return false
	}
	if n, ok := broadcastLength(text); !ok {
		t.Say("BroadcastTooLong", map[string]any{"Count": n}, nil)
		return true
	}
	if t.S.Step == stepText {
		t.S.Vars["fr"] = text
	} else {
		t.S.Vars["t:"+strings.TrimPrefix(t.S.Step, stepTranslationOf)] = text
	}
	translationsScreen(t)
	return true
}
