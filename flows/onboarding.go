package flows

import (
	"regexp"
	"slices"
	"strings"

	"github.com/territoires-integration/passerelle/locales"
)

// Names of the core flows (button prefixes).
const (
	languageFlow  = "lang"
	consentFlow   = "cons"
	territoryFlow = "ter"
)

// Steps of the consent flow: during onboarding or from /privacy.
const (
	stepOnboarding = "onb"
	stepSettings   = "set"
)

var deepLinkRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ParseDeepLink splits a /start payload "<territory>" or "<territory>__<source>".
// Anything else gives ok == false; the caller ignores it.
func ParseDeepLink(payload string) (territory, source string, ok bool) {
	if !deepLinkRE.MatchString(payload) {
		return "", "", false
	}
	territory, source, _ = strings.Cut(strings.ToLower(payload), "__")
	if territory == "" {
		return "", "", false
	}
	return territory, source, true
}

// start handles /start, with or without a deep-link payload.
func start(t *Turn) {
	if token, ok := strings.CutPrefix(t.In.Arg, invitePrefix); ok {
		acceptInvite(t, token)
		return
	}
	if ter, src, ok := ParseDeepLink(t.In.Arg); ok {
		if tr, known := t.lib.content.Territory(ter); known {
			if s, known := tr.Source(src); known {
				t.Emit(SourceScanned{Territory: tr.ID, Source: s.ID})
			}
			if t.S.Onboarded && t.S.Territory != tr.ID {
				t.S.Territory = tr.ID
				t.Say("TerritorySet", map[string]any{"Territory": tr.Name(t.lang)}, nil)
			}
			t.S.Territory = tr.ID
		}
	}
	if t.S.Onboarded {
		t.Menu("")
		return
	}
	languageMenu(t, false)
}

// languageMenu offers every language in its own script, the likeliest first.
func languageMenu(t *Turn, edit bool) {
	first := t.S.Lang
	if first == "" {
		first = locales.Match(t.In.LangHint)
	}
	ordered := make([]locales.Language, 0, len(locales.Languages))
	for _, l := range locales.Languages {
		if l.Code == first {
			ordered = append([]locales.Language{l}, ordered...)
		} else {
			ordered = append(ordered, l)
		}
	}
	lines := make([]string, len(ordered))
	bs := make([]Button, len(ordered))
	for i, l := range ordered {
		lines[i] = t.e.msgs.Text(l.Code, "LanguagePrompt", nil)
		bs[i] = Button{Text: l.Name, Data: languageFlow + ":" + l.Code}
	}
	rows := twoPerRow(bs)
	t.Goto(languageFlow, "")
	r := Reply{MessageID: "LanguagePrompt", Text: "🌐 " + strings.Join(lines, "\n"), Buttons: rows}
	if edit {
		t.EditOrSend(r)
	} else {
		t.out = append(t.out, r)
	}
}

type languageChooser struct{}

func (languageChooser) Name() string { return languageFlow }

// Press sets the language from the language menu last shown; an older menu
// only repeats the language already chosen (a double tap), so that it
// cannot take the person back into onboarding with another choice.
func (languageChooser) Press(t *Turn, code string) {
	if _, ok := locales.Lookup(code); !ok || t.S.Flow != languageFlow && code != t.S.Lang {
		t.Expired()
		return
	}
	t.S.Lang = code
	t.SetLang(code)
	t.EditOrSend(Reply{MessageID: "LanguageSet", Text: t.T("LanguageSet", nil)})
	if !t.S.Onboarded {
		consentScreen(t, false)
		return
	}
	t.Menu("")
}

func (languageChooser) Input(*Turn) bool { return false }

// consentScreen shows the privacy notice with one toggle per purpose.
func consentScreen(t *Turn, edit bool) {
	step := stepSettings
	done := "ButtonDone"
	if !t.S.Onboarded {
		step, done = stepOnboarding, "ButtonContinue"
	}
	t.Goto(consentFlow, step)
	labels := map[Purpose]string{PurposeNews: "ConsentNews", PurposeSurveys: "ConsentSurveys"}
	var rows [][]Button
	for _, p := range Purposes {
		// Each toggle carries the state it sets: "+news" gives, "-news" withdraws.
		mark, set := "⬜ ", "+"
		if _, ok := t.S.Consents[p]; ok {
			mark, set = "✅ ", "-"
		}
		rows = append(rows, []Button{{Text: mark + t.T(labels[p], nil), Data: consentFlow + ":" + set + string(p)}})
	}
	rows = append(rows, []Button{{Text: t.T(done, nil), Data: consentFlow + ":ok"}})
	r := Reply{MessageID: "PrivacyNotice", Text: privacyText(t), Buttons: rows}
	if edit {
		t.EditOrSend(r)
	} else {
		t.Send(r)
	}
}

// privacyText is the privacy notice: what is kept and for how long, who is
// responsible for the data and how to reach them (when the content says),
// and the privacy commands.
func privacyText(t *Turn) string {
	text := t.T("PrivacyNotice", nil)
	if c, ok := t.lib.content.DataContact(); ok {
		text += "\n\n" + t.T("PrivacyContact", map[string]any{"Controller": c.Name(t.lang), "Contact": c.Contact})
	}
	return text + "\n\n" + t.T("PrivacyCommands", nil)
}

type consentChooser struct{}

func (consentChooser) Name() string { return consentFlow }

// Press acts only while the consent screen is the last one shown; a toggle
// sets the state its label showed, so that pressing an old copy twice does
// not flip it back.
func (consentChooser) Press(t *Turn, action string) {
	if t.S.Flow != consentFlow || t.S.Lang == "" {
		t.Expired()
		return
	}
	set, p := action[:min(1, len(action))], Purpose(action[min(1, len(action)):])
	switch {
	case (set == "+" || set == "-") && slices.Contains(Purposes, p):
		_, on := t.S.Consents[p]
		switch {
		case set == "-":
			delete(t.S.Consents, p)
		case !on:
			if t.S.Consents == nil {
				t.S.Consents = map[Purpose]Consent{}
			}
			t.S.Consents[p] = Consent{At: t.Now.UTC(), Notice: NoticeVersion}
		}
		consentScreen(t, true)
	case action == "ok" && t.S.Step == stepOnboarding:
		t.EditOrSend(Reply{MessageID: "PrivacyNotice", Text: privacyText(t)})
		if _, ok := t.territory(); ok {
			finishOnboarding(t)
			return
		}
		territoryMenu(t)
	case action == "ok":
		t.EditOrSend(Reply{MessageID: "PrivacyNotice", Text: privacyText(t)})
		t.Menu("ConsentsSaved")
	default:
		t.Expired()
	}
}

func (consentChooser) Input(*Turn) bool { return false }

// territoryMenu offers the territories of the content, and "another city".
func territoryMenu(t *Turn) {
	var rows [][]Button
	for _, tr := range t.lib.content.Territories() {
		rows = append(rows, []Button{{Text: tr.Name(t.lang), Data: territoryFlow + ":" + tr.ID}})
	}
	rows = append(rows, []Button{{Text: t.T("TerritoryOther", nil), Data: territoryFlow + ":-"}})
	t.Goto(territoryFlow, "")
	t.Say("TerritoryPrompt", nil, rows)
}

type territoryChooser struct{}

func (territoryChooser) Name() string { return territoryFlow }

// Press sets the territory, only from the territory menu last shown: an
// older one would finish onboarding from another screen.
func (territoryChooser) Press(t *Turn, id string) {
	if t.S.Lang == "" || t.S.Flow != territoryFlow {
		t.Expired()
		return
	}
	if id == "-" {
		t.S.Territory = ""
		t.EditOrSend(Reply{MessageID: "TerritoryNone", Text: t.T("TerritoryNone", nil)})
	} else {
		tr, ok := t.lib.content.Territory(id)
		if !ok {
			t.Expired()
			return
		}
		t.S.Territory = tr.ID
		t.EditOrSend(Reply{MessageID: "TerritorySet", Text: t.T("TerritorySet", map[string]any{"Territory": tr.Name(t.lang)})})
	}
	if !t.S.Onboarded {
		finishOnboarding(t)
		return
	}
	t.Menu("")
}

func (territoryChooser) Input(*Turn) bool { return false }

func finishOnboarding(t *Turn) {
	t.S.Onboarded = true
	t.Menu("OnboardingDone")
}
