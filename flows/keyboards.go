package flows

import (
	"slices"

	"github.com/territoires-integration/passerelle/locales"
)

// twoPerRow lays buttons out two per row, for short labels.
func twoPerRow(bs []Button) [][]Button {
	var rows [][]Button
	for i, b := range bs {
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
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
