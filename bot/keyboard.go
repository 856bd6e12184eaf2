package bot

import (
	"fmt"

	"github.com/territoires-integration/passerelle/flows"
)

// inlineKeyboardMarkup is the Bot API object with only the fields we send:
// go-telegram/bot's own type always adds an empty "copy_text", which Telegram
// may refuse (BUTTON_COPY_TEXT_INVALID).
type inlineKeyboardMarkup struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string      `json:"text"`
	CallbackData string      `json:"callback_data,omitempty"`
	URL          string      `json:"url,omitempty"`
	WebApp       *webAppInfo `json:"web_app,omitempty"`
}

// webAppInfo is the Mini App a button opens.
type webAppInfo struct {
	URL string `json:"url"`
}

// inlineKeyboard renders a reply's buttons as an inline keyboard signed for
// userID; nil when there are none.
func inlineKeyboard(rows [][]flows.Button, userID int64, signer *Signer) (*inlineKeyboardMarkup, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	n := 0
	for _, row := range rows {
		n += len(row)
	}
	// One array holds every button, each row a slice of it.
	all := make([]inlineButton, 0, n)
	kb := &inlineKeyboardMarkup{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	for _, row := range rows {
		first := len(all)
		for _, b := range row {
			switch {
			case b.URL != "":
				all = append(all, inlineButton{Text: b.Text, URL: b.URL})
				continue
			case b.WebApp != "":
				all = append(all, inlineButton{Text: b.Text, WebApp: &webAppInfo{URL: b.WebApp}})
				continue
			}
			data, ok := signer.Sign(userID, b.Data)
			if !ok || b.Data == "" {
				return nil, fmt.Errorf("button data %q does not fit callback_data", b.Data)
			}
			all = append(all, inlineButton{Text: b.Text, CallbackData: data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, all[first:len(all):len(all)])
	}
	return kb, nil
}

// replyKeyboardMarkup asks for the location with a keyboard button; it hides
// once used.
type replyKeyboardMarkup struct {
	Keyboard        [][]keyboardButton `json:"keyboard"`
	ResizeKeyboard  bool               `json:"resize_keyboard"`
	OneTimeKeyboard bool               `json:"one_time_keyboard"`
}

type keyboardButton struct {
	Text            string `json:"text"`
	RequestLocation bool   `json:"request_location,omitempty"`
}

// locationKeyboard renders a location request.
func locationKeyboard(ask *flows.AskLocation) *replyKeyboardMarkup {
	return &replyKeyboardMarkup{
		Keyboard:        [][]keyboardButton{{{Text: ask.Send, RequestLocation: true}}, {{Text: ask.Cancel}}},
		ResizeKeyboard:  true,
		OneTimeKeyboard: true,
	}
}
