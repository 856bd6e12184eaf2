package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/territoires-integration/passerelle/flows"
)

// FuzzUpdate feeds arbitrary JSON as an update: decoding may fail, turning it
// into an input must never panic, a button is either verified or expired,
// and an input is never for chat 0 nor, outside groups, for a negative id.
func FuzzUpdate(f *testing.F) {
	f.Add(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"language_code":"ar"},"text":"/start dijon__cesam"}}`)
	f.Add(`{"update_id":2,"callback_query":{"id":"q","from":{"id":5},"data":"menu:sos~AAAAAAAAAAA","message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"}}}}`)
	f.Add(`{"update_id":3,"callback_query":{"id":"q","from":{"id":5},"data":"x","message":{"message_id":3,"date":0,"chat":{"id":5,"type":"private"}}}}`)
	f.Add(`{"update_id":4,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5},"date":1,"old_chat_member":{"status":"member","user":{"id":1}},"new_chat_member":{"status":"kicked","user":{"id":1},"until_date":0}}}`)
	f.Add(`{"update_id":5,"message":{"chat":{"id":-1,"type":"supergroup"},"from":{"id":5},"text":"/help@PasserelleBot"}}`)
	f.Add(`{"update_id":6,"message":{"message_id":1,"date":1,"chat":{"id":0,"type":"private"},"from":{"id":5},"text":"/start"}}`)
	f.Add(`{"update_id":7,"message":{"message_id":1,"date":1,"chat":{"id":-5,"type":"private"},"from":{"id":-5},"text":"/start"}}`)
	f.Add(`{"update_id":8,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"location":{"latitude":91.5,"longitude":-181}}}`)
	f.Add(`{"update_id":9,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"location":{"latitude":1e308,"longitude":-1e308}}}`)
	f.Add(`{"update_id":10,"callback_query":{"id":"q","from":{"id":0},"data":"x","message":{"message_id":3,"date":1,"chat":{"id":0,"type":"private"}}}}`)
	f.Add(`{"update_id":11,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"forward_origin":{"type":"paid_broadcast","date":1},"text":"x"}}`)
	f.Add(`{"update_id":12,"my_chat_member":{"chat":{"id":5,"type":"private"},"from":{"id":5},"date":1,"old_chat_member":{"status":"member","user":{"id":1}},"new_chat_member":{"status":"guest","user":{"id":1}}}}`)
	s := NewSigner([]byte("fuzz"))
	f.Fuzz(func(t *testing.T, body string) {
		var u models.Update
		if json.Unmarshal([]byte(body), &u) != nil {
			return
		}
		in, _, ok := toInput(&u, "PasserelleBot", s)
		if ok && in.Kind == flows.KindButton && !in.Expired && in.Data == "" {
			t.Errorf("button with no data accepted: %s", body)
		}
		if ok && (in.ChatID == 0 || (!in.Group && in.ChatID < 0)) {
			t.Errorf("input for chat %d accepted: %s", in.ChatID, body)
		}
	})
}

// FuzzParseCommand checks the command parser on any text.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/start", "/start@PasserelleBot dijon__cesam", "\u200f/help", "مرحبا", "/", "/a@", "/start@@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		name, arg, ok := ParseCommand(text, "PasserelleBot")
		if !ok {
			return
		}
		if name == "" || len(name) > 32 || name != strings.ToLower(name) || strings.ContainsAny(name, " /@") {
			t.Errorf("ParseCommand(%q) gave name %q", text, name)
		}
		if arg != strings.TrimSpace(arg) {
			t.Errorf("ParseCommand(%q) gave untrimmed arg %q", text, arg)
		}
	})
}

// FuzzButtonData checks that only data signed for the presser verifies.
func FuzzButtonData(f *testing.F) {
	f.Add(int64(5), "lang:ar", "lang:ar~AAAAAAAAAAA")
	f.Add(int64(-1), "", "~")
	s := NewSigner([]byte("fuzz"))
	f.Fuzz(func(t *testing.T, user int64, data, callback string) {
		signed, fits := s.Sign(user, data)
		if fits {
			if got, ok := s.Verify(user, signed); !ok || got != data {
				t.Errorf("round trip of %q failed", data)
			}
			if _, ok := s.Verify(user+1, signed); ok {
				t.Errorf("data signed for %d verified for %d", user, user+1)
			}
		}
		if got, ok := s.Verify(user, callback); ok {
			if again, _ := s.Sign(user, got); again != callback {
				t.Errorf("Verify accepted %q which is not what Sign gives", callback)
			}
		}
	})
}
