package flows

import (
	"slices"
	"strings"

	"github.com/territoires-integration/passerelle/locales"
)

// twoPerRow lays buttons out two per row, for short labels. The rows are
// slices of bs, which the caller must not change afterwards.
func twoPerRow(bs []Button) [][]Button {
	if len(bs) == 0 {
		return nil
	}
	rows := make([][]Button, 0, (len(bs)+1)/2)
	for i := 0; i < len(bs); i += 2 {
		end := min(i+2, len(bs))
		rows = append(rows, bs[i:end:end])
	}
	return rows
}

// languageChoice asks a staff member to tick languages: one button per
// language (data flow:l:<code>), then Continue (flow:next) and Cancel (flow:x).
// A press on a language edits the screen in place.
func languageChoice(t *Turn, flow, messageID, text string, chosen []string) {
	bs := make([]Button, len(locales.Languages))
	for i, l := range locales.Languages {
		mark := "⬜ "
		if slices.Contains(chosen, l.Code) {
			mark = "✅ "
		}
		bs[i] = Button{Text: mark + l.Name, Data: flow + ":l:" + l.Code}
	}
	rows := append(twoPerRow(bs), []Button{{Text: t.T("ButtonContinue", nil), Data: flow + ":next"}, {Text: t.T("ButtonCancel", nil), Data: flow + ":x"}})
	t.EditOrSend(Reply{MessageID: messageID, Text: text, Buttons: rows})
}

// toggled adds code to list, or removes it when it is there.
func toggled(list []string, code string) []string {
	list = slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == "" })
	if i := slices.Index(list, code); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return append(list, code)
}

// translationRows offers a translation per language but French (data
// flow:t:<code>), ticked once done.
func translationRows(flow string, langs []string, done func(code string) bool) [][]Button {
	var rows [][]Button
	for _, code := range langs {
		if code == locales.Source {
			continue
		}
		mark := "➕ "
		if done(code) {
			mark = "✅ "
		}
		rows = append(rows, []Button{{Text: mark + languageName(code), Data: flow + ":t:" + code}})
	}
	return rows
}

// Steps the coordinators' dialogues (broadcasts, events) share.
const (
	stepLangs         = "langs" // ticking languages; Vars["langs"] is a comma list
	stepTranslations  = "tr"    // offering a translation per language
	stepTranslationOf = "tr:"   // + language code: waiting for that translation
)

// staffPress handles what the coordinators' dialogues share: a press outside
// the dialogue, or by someone no longer staff, is stale; "x" cancels; "l:<code>"
// ticks a language (then redraw); "t:<code>" asks the translation into that
// language with message askTranslation. It returns the verb it left to the
// dialogue, or "" when the press is handled.
func staffPress(t *Turn, flow, action string, redraw func(*Turn), askTranslation string) string {
	if t.S.Flow != flow || t.env.Role == nil || (t.env.Role.Kind != RoleAdmin && t.env.Role.Kind != RoleCoordinator) {
		t.Expired()
		return ""
	}
	verb, arg, _ := strings.Cut(action, ":")
	_, known := locales.Lookup(arg)
	switch {
	case verb == "x":
		t.Goto("", "")
		t.EditOrSend(Reply{MessageID: "BroadcastCancelled", Text: t.T("BroadcastCancelled", nil)})
	case verb == "l" && t.S.Step == stepLangs && known:
		t.S.Vars["langs"] = strings.Join(toggled(strings.Split(t.S.Vars["langs"], ","), arg), ",")
		redraw(t)
	case verb == "t" && t.S.Step == stepTranslations && known && arg != locales.Source:
		t.S.Step = stepTranslationOf + arg
		t.Say(askTranslation, map[string]any{"Language": languageName(arg)}, nil)
	case verb == "l", verb == "t":
		t.Expired()
	default:
		return verb
	}
	return ""
}
