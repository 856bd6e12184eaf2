package bot

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/locales"
)

func TestSetup(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		webhook bool
	}{
		{"polling", false},
		{"webhook", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{webhook: tt.webhook})
			if got := h.bot.Username(); got != h.fake.BotUsername() {
				t.Errorf("Username() = %q, want %q", got, h.fake.BotUsername())
			}
			if err := h.bot.Setup(h.ctx); err != nil {
				t.Fatalf("Setup: %v", err)
			}

			// One command list per language, plus the default list (no
			// language_code) in the first language.
			calls := h.fake.CallsTo("setMyCommands")
			perLang := map[string]string{}
			defaults := 0
			for _, c := range calls {
				if c.Status != http.StatusOK {
					t.Errorf("setMyCommands answered %d", c.Status)
				}
				if _, ok := c.Params["scope"]; ok {
					t.Errorf("setMyCommands sent a scope: %v", c.Params)
				}
				lang, hasLang := c.Params["language_code"]
				if !hasLang {
					defaults++
					lang = ""
				} else if _, dup := perLang[lang]; dup {
					t.Errorf("setMyCommands twice for %q", lang)
				}
				perLang[lang] = c.Params["commands"]
			}
			codes := locales.Codes()
			if len(calls) != len(codes)+1 || defaults != 1 {
				t.Fatalf("setMyCommands: %d calls (%d without language_code), want %d and 1", len(calls), defaults, len(codes)+1)
			}
			for _, lang := range append([]string{""}, codes...) {
				want := lang
				if lang == "" {
					want = codes[0]
				}
				var got []struct{ Command, Description string }
				if err := json.Unmarshal([]byte(perLang[lang]), &got); err != nil {
					t.Fatalf("commands for %q: %v (%q)", lang, err, perLang[lang])
				}
				exp := h.engine.CommandList(want)
				if len(got) != len(exp) {
					t.Fatalf("commands for %q: %d, want %d", lang, len(got), len(exp))
				}
				for i := range exp {
					if got[i].Command != exp[i].Name || got[i].Description != exp[i].Description {
						t.Errorf("commands for %q #%d = %+v, want %+v", lang, i, got[i], exp[i])
					}
				}
			}

			deletes, sets := h.fake.CallsTo("deleteWebhook"), h.fake.CallsTo("setWebhook")
			if !tt.webhook {
				if len(deletes) != 1 || len(sets) != 0 {
					t.Fatalf("polling: %d deleteWebhook and %d setWebhook, want 1 and 0", len(deletes), len(sets))
				}
				return
			}
			if len(deletes) != 0 || len(sets) != 1 {
				t.Fatalf("webhook: %d deleteWebhook and %d setWebhook, want 0 and 1", len(deletes), len(sets))
			}
			p := sets[0].Params
			if p["url"] != h.srv.URL+webhookPath || p["secret_token"] != testWebhookSecret ||
				p["allowed_updates"] != `["message","callback_query","my_chat_member"]` {
				t.Errorf("setWebhook params = %v", p)
			}
		})
	}
}

// TestOnboardingPolling walks a person through onboarding over long polling,
// pressing the buttons the bot actually sent.
func TestOnboardingPolling(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		hint, lang, firstButton string
		chat                    int64
	}{
		{"fr", "fr", "Français", 4100000001},
		{"ar", "ar", "العربية", 4100000002},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{})
			h.startPolling()
			chat, lang := tt.chat, tt.lang

			// /start with a deep link: the language menu, likeliest first.
			h.fake.Push(fakeapi.TextUpdate(chat, "/start dijon__cesam", tt.hint))
			prompt, langKB := h.languageMenu(chat, tt.hint)
			calls := h.waitCalls(chat, 1)
			wantSent(t, "after /start", calls, []sent{sendMsg(prompt, langKB)})
			first := h.fake.Messages(chat)[0]
			var kb inlineKeyboardMarkup
			if err := json.Unmarshal([]byte(first.Markup), &kb); err != nil {
				t.Fatal(err)
			}
			if got := kb.InlineKeyboard[0][0].Text; got != tt.firstButton {
				t.Errorf("first language button = %q, want %q", got, tt.firstButton)
			}

			// Choose the language: that message is edited, then the privacy notice.
			press1 := fakeapi.CallbackUpdate(chat, first.ID, h.press(chat, first.Markup, "lang:"+lang), tt.hint)
			h.fake.Push(press1)
			consentKB := h.keyboard(chat,
				[]btn{{"⬜ " + h.text(lang, "ConsentNews"), "cons:news"}},
				[]btn{{"⬜ " + h.text(lang, "ConsentSurveys"), "cons:surveys"}},
				[]btn{{h.text(lang, "ButtonContinue"), "cons:ok"}},
			)
			calls = h.waitCalls(chat, 3)
			wantSent(t, "after choosing the language", calls[1:], []sent{
				edit(first.ID, h.text(lang, "LanguageSet"), ""),
				sendMsg(h.text(lang, "PrivacyNotice"), consentKB),
			})

			// Continue: the notice loses its buttons, then the menu (the
			// territory came with the deep link).
			notice := h.fake.Messages(chat)[1]
			press2 := fakeapi.CallbackUpdate(chat, notice.ID, h.press(chat, notice.Markup, "cons:ok"), tt.hint)
			h.fake.Push(press2)
			calls = h.waitCalls(chat, 5)
			wantSent(t, "after continue", calls[3:], []sent{
				edit(notice.ID, h.text(lang, "PrivacyNotice"), ""),
				sendMsg(h.text(lang, "OnboardingDone"), h.mainMenu(chat, lang)),
			})

			var answered []string
			for _, c := range h.fake.CallsTo("answerCallbackQuery") {
				answered = append(answered, c.Params["callback_query_id"])
			}
			if want := []string{callbackID(press1), callbackID(press2)}; !slices.Equal(answered, want) {
				t.Errorf("answerCallbackQuery ids = %v, want %v", answered, want)
			}

			s := h.session(chat)
			if s.Lang != lang || s.Territory != "dijon" || !s.Onboarded || s.Flow != "" || s.Inactive || len(s.Consents) != 0 {
				t.Errorf("session = %+v", s)
			}
			counts, err := h.store.SourceCounts(h.ctx, "dijon")
			if err != nil || counts["cesam"] != 1 {
				t.Errorf("source counts = %v, %v; want cesam 1", counts, err)
			}
			if n := len(h.fake.Messages(chat)); n != 3 {
				t.Errorf("%d messages in the chat, want 3", n)
			}
		})
	}
}
