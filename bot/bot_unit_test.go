package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		text, name, arg string
		ok              bool
	}{
		{"/start", "start", "", true},
		{"/start dijon__cesam", "start", "dijon__cesam", true},
		{"/START  dijon ", "start", "dijon", true},
		{"/start@PasserelleBot dijon", "start", "dijon", true},
		{"/start@passerellebot", "start", "", true},
		{"/start@OtherBot", "", "", false},
		{"  /help", "help", "", true},
		{"\u200f/help", "help", "", true},          // right-to-left mark typed before the slash
		{"\ufeff\u061c/menu x", "menu", "x", true}, // BOM and Arabic letter mark
		{"مرحبا /help", "", "", false},             // text before the command: not a command
		{"/", "", "", false},
		{"/مساعدة", "", "", false},
		{"/" + strings.Repeat("a", 33), "", "", false},
		{"hello", "", "", false},
		{"/mydata\nmore", "mydata", "more", true},
	}
	for _, tt := range tests {
		name, arg, ok := ParseCommand(tt.text, "PasserelleBot")
		if name != tt.name || arg != tt.arg || ok != tt.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v; want %q, %q, %v", tt.text, name, arg, ok, tt.name, tt.arg, tt.ok)
		}
	}
}

func TestSigner(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	signed, ok := s.Sign(42, "lang:ar")
	if !ok || len(signed) > 64 {
		t.Fatalf("Sign = %q, %v", signed, ok)
	}
	if data, ok := s.Verify(42, signed); !ok || data != "lang:ar" {
		t.Errorf("Verify(own) = %q, %v", data, ok)
	}
	tests := map[string]struct {
		user int64
		data string
	}{
		"other presser":   {43, signed},
		"tampered data":   {42, strings.Replace(signed, "ar", "fa", 1)},
		"no signature":    {42, "lang:ar"},
		"short signature": {42, signed[:len(signed)-1]},
		"other key":       {42, func() string { d, _ := NewSigner([]byte("k")).Sign(42, "lang:ar"); return d }()},
		"empty":           {42, ""},
	}
	for name, tt := range tests {
		if _, ok := s.Verify(tt.user, tt.data); ok {
			t.Errorf("%s: Verify accepted %q", name, tt.data)
		}
	}
	if _, ok := s.Sign(1, strings.Repeat("x", flows.MaxButtonData)); !ok {
		t.Errorf("MaxButtonData does not fit once signed")
	}
	if _, ok := s.Sign(1, strings.Repeat("x", flows.MaxButtonData+5)); ok {
		t.Errorf("oversized data accepted")
	}
}

func TestInlineKeyboard(t *testing.T) {
	s := NewSigner([]byte("key"))
	sign := func(d string) string { out, _ := s.Sign(7, d); return out }
	tests := []struct {
		name    string
		rows    [][]flows.Button
		want    string
		wantErr bool
	}{
		{"none", nil, "null", false},
		{"one row", [][]flows.Button{{{Text: "Menu", Data: "menu:home"}}},
			`{"inline_keyboard":[[{"text":"Menu","callback_data":"` + sign("menu:home") + `"}]]}`, false},
		{"two per row", [][]flows.Button{{{Text: "Français", Data: "lang:fr"}, {Text: "العربية", Data: "lang:ar"}}},
			`{"inline_keyboard":[[{"text":"Français","callback_data":"` + sign("lang:fr") + `"},{"text":"العربية","callback_data":"` + sign("lang:ar") + `"}]]}`, false},
		{"too long", [][]flows.Button{{{Text: "x", Data: strings.Repeat("y", 60)}}}, "null", true},
		{"empty data", [][]flows.Button{{{Text: "x"}}}, "null", true},
		{"link and mini app", [][]flows.Button{{{Text: "App", WebApp: "https://d.example/app"}}, {{Text: "Link", URL: "https://d.example/signin?t=abc"}}},
			`{"inline_keyboard":[[{"text":"App","web_app":{"url":"https://d.example/app"}}],[{"text":"Link","url":"https://d.example/signin?t=abc"}]]}`, false},
	}
	for _, tt := range tests {
		kb, err := inlineKeyboard(tt.rows, 7, s)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		got, _ := json.Marshal(kb)
		if string(got) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestToInput(t *testing.T) {
	s := NewSigner([]byte("key"))
	signed, _ := s.Sign(5, "menu:sos")
	private := models.Chat{ID: 5, Type: models.ChatTypePrivate}
	group := models.Chat{ID: -100, Type: models.ChatTypeGroup}
	user := &models.User{ID: 5, LanguageCode: "ar"}
	tests := []struct {
		name string
		u    models.Update
		want flows.Input
		ok   bool
	}{
		{"text", models.Update{Message: &models.Message{Chat: private, From: user, Text: "مرحبا"}},
			flows.Input{ChatID: 5, Kind: flows.KindText, Text: "مرحبا", LangHint: "ar"}, true},
		{"start payload", models.Update{Message: &models.Message{Chat: private, From: user, Text: "/start dijon__cesam"}},
			flows.Input{ChatID: 5, Kind: flows.KindCommand, Command: "start", Arg: "dijon__cesam", LangHint: "ar"}, true},
		{"photo", models.Update{Message: &models.Message{Chat: private, From: user, Photo: []models.PhotoSize{{}}}},
			flows.Input{ChatID: 5, Kind: flows.KindOther, LangHint: "ar"}, true},
		{"location", models.Update{Message: &models.Message{Chat: private, From: user, Location: &models.Location{Latitude: 47.3, Longitude: 5.04}}},
			flows.Input{ChatID: 5, Kind: flows.KindLocation, Location: &flows.Location{Latitude: 47.3, Longitude: 5.04}, LangHint: "ar"}, true},
		{"button", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: signed,
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 9, Chat: private}}}},
			flows.Input{ChatID: 5, Kind: flows.KindButton, Data: "menu:sos", MessageID: 9, LangHint: "ar"}, true},
		{"forged button", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: "menu:sos~AAAAAAAAAAA",
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 9, Chat: private}}}},
			flows.Input{ChatID: 5, Kind: flows.KindButton, Expired: true, MessageID: 9, LangHint: "ar"}, true},
		{"button pressed in someone else's chat", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: *user, Data: signed,
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 9, Chat: models.Chat{ID: 6, Type: models.ChatTypePrivate}}}}},
			flows.Input{ChatID: 6, Kind: flows.KindButton, Expired: true, MessageID: 9, LangHint: "ar"}, true},
		{"group command", models.Update{Message: &models.Message{Chat: group, From: user, Text: "/start@PasserelleBot"}},
			flows.Input{ChatID: -100, Kind: flows.KindCommand, Command: "start", LangHint: "ar", Group: true}, true},
		{"group chatter", models.Update{Message: &models.Message{Chat: group, From: user, Text: "hi"}}, flows.Input{}, false},
		{"from a bot", models.Update{Message: &models.Message{Chat: private, From: &models.User{ID: 5, IsBot: true}, Text: "hi"}}, flows.Input{}, false},
		{"no sender", models.Update{Message: &models.Message{Chat: private, Text: "hi"}}, flows.Input{}, false},
		{"edited", models.Update{EditedMessage: &models.Message{Chat: private, From: user, Text: "x"}}, flows.Input{}, false},
		{"empty", models.Update{}, flows.Input{}, false},
	}
	for _, tt := range tests {
		got, _, ok := toInput(&tt.u, "PasserelleBot", s)
		if ok != tt.ok {
			t.Errorf("%s: ok = %v", tt.name, ok)
			continue
		}
		if !ok {
			continue
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(tt.want)
		if string(gj) != string(wj) {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, gj, wj)
		}
	}
}

func TestBlockedUpdates(t *testing.T) {
	for _, tt := range []struct {
		body string
		want flows.InputKind
	}{
		{`{"update_id":1,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5},"date":1,"old_chat_member":{"status":"member","user":{"id":1}},"new_chat_member":{"status":"kicked","user":{"id":1},"until_date":0}}}`, flows.KindBlocked},
		{`{"update_id":2,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5},"date":1,"old_chat_member":{"status":"kicked","user":{"id":1},"until_date":0},"new_chat_member":{"status":"member","user":{"id":1}}}}`, flows.KindUnblock},
	} {
		var u models.Update
		if err := json.Unmarshal([]byte(tt.body), &u); err != nil {
			t.Fatal(err)
		}
		in, _, ok := toInput(&u, "b", NewSigner(nil))
		if !ok || in.Kind != tt.want || in.ChatID != 5 {
			t.Errorf("got %+v, %v; want kind %s", in, ok, tt.want)
		}
	}
}
