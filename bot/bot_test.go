package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
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
			calls := h.waitCalls(chat, 1)
			prompt, langKB := h.languageMenu(chat, tt.hint) // bound to the session /start made
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
				[]btn{{"⬜ " + h.text(lang, "ConsentNews"), "cons:+news"}},
				[]btn{{"⬜ " + h.text(lang, "ConsentSurveys"), "cons:+surveys"}},
				[]btn{{h.text(lang, "ButtonContinue"), "cons:ok"}},
			)
			calls = h.waitCalls(chat, 3)
			wantSent(t, "after choosing the language", calls[1:], []sent{
				edit(first.ID, h.text(lang, "LanguageSet"), ""),
				sendMsg(h.privacyText(lang), consentKB),
			})

			// Continue: the notice loses its buttons, then the menu (the
			// territory came with the deep link).
			notice := h.fake.Messages(chat)[1]
			press2 := fakeapi.CallbackUpdate(chat, notice.ID, h.press(chat, notice.Markup, "cons:ok"), tt.hint)
			h.fake.Push(press2)
			calls = h.waitCalls(chat, 5)
			wantSent(t, "after continue", calls[3:], []sent{
				edit(notice.ID, h.privacyText(lang), ""),
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

// TestDuplicateUpdates delivers one update_id twice: it is handled once.
func TestDuplicateUpdates(t *testing.T) {
	t.Parallel()
	const chat = 4100000101
	check := func(t *testing.T, h *harness) {
		t.Helper()
		wantSent(t, "replies", h.sentTo(chat), []sent{sendMsg(h.helpText("fr"), h.menuButton(chat, "fr"))})
		if got := h.counter("passerelle_updates_total", "kind", "duplicate"); got != 1 {
			t.Errorf("duplicates counted = %v, want 1", got)
		}
		if got := h.counter("passerelle_updates_total", "kind", "command"); got != 1 {
			t.Errorf("commands counted = %v, want 1", got)
		}
	}
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{})
		u := fakeapi.TextUpdate(chat, "/help", "fr")
		u["update_id"] = int64(7)
		h.fake.Push(u)
		h.fake.Push(u)
		h.startPolling()
		h.eventually("offset past update 7", func() bool { return slices.Contains(h.getUpdatesOffsets(), 8) })
		// Confirmed once in the inbox: handled in the chat's turn, just after.
		h.eventually("the update and its duplicate handled", func() bool {
			return len(h.sentTo(chat)) >= 1 && h.counter("passerelle_updates_total", "kind", "duplicate") >= 1
		})
		check(t, h)
	})
	t.Run("webhook handler", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{webhook: true})
		_, body := h.updateJSON(fakeapi.TextUpdate(chat, "/help", "fr"))
		for i := range 2 {
			if code := h.postWebhook(testWebhookSecret, body); code != http.StatusOK {
				t.Fatalf("post #%d: %d, want 200", i+1, code)
			}
		}
		check(t, h)
	})
	t.Run("webhook pushed by Telegram", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{webhook: true})
		if err := h.bot.Setup(h.ctx); err != nil {
			t.Fatal(err)
		}
		u := fakeapi.TextUpdate(chat, "/help", "fr")
		u["update_id"] = int64(9)
		h.fake.Push(u)
		h.fake.Push(u)
		h.eventually("two deliveries", func() bool { return len(h.fake.Deliveries()) >= 2 })
		for _, d := range h.fake.Deliveries() {
			if d.UpdateID != 9 || d.Status != http.StatusOK {
				t.Errorf("delivery %+v, want update 9 accepted", d)
			}
		}
		check(t, h)
	})
}

func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{webhook: true})
	chat := int64(4100000200)
	tests := []struct {
		name    string
		method  string
		secret  string
		body    func(u map[string]any) []byte // nil: the update's JSON
		want    int
		handled bool
	}{
		{"GET", http.MethodGet, testWebhookSecret, nil, http.StatusMethodNotAllowed, false},
		{"missing secret", http.MethodPost, "", nil, http.StatusUnauthorized, false},
		{"wrong secret", http.MethodPost, "hook_Secret-43", nil, http.StatusUnauthorized, false},
		{"secret prefix", http.MethodPost, testWebhookSecret[:5], nil, http.StatusUnauthorized, false},
		{"bad JSON", http.MethodPost, testWebhookSecret, func(map[string]any) []byte { return []byte(`{"update_id":`) }, http.StatusBadRequest, false},
		{"too large", http.MethodPost, testWebhookSecret, func(map[string]any) []byte {
			return []byte(`{"update_id":1,"pad":"` + strings.Repeat("x", maxUpdateBytes) + `"}`)
		}, http.StatusBadRequest, false},
		{"good", http.MethodPost, testWebhookSecret, nil, http.StatusOK, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat++
			id, body := h.updateJSON(fakeapi.TextUpdate(chat, "/help", "fr"))
			if tt.body != nil {
				body = tt.body(nil)
			}
			req := httptest.NewRequest(tt.method, webhookPath, bytes.NewReader(body))
			if tt.secret != "" {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", tt.secret)
			}
			rec := httptest.NewRecorder()
			h.bot.WebhookHandler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d", rec.Code, tt.want)
			}
			var want []sent
			if tt.handled {
				want = []sent{sendMsg(h.helpText("fr"), h.menuButton(chat, "fr"))}
			}
			wantSent(t, "replies", h.sentTo(chat), want)
			// A claim still free means the update was never handled.
			if h.claimed(id) != tt.handled {
				t.Errorf("update claimed = %v; want %v", !tt.handled, tt.handled)
			}
		})
	}
	if got := h.counter("passerelle_errors_total", "kind", "webhook_auth"); got != 3 {
		t.Errorf("webhook_auth errors = %v, want 3", got)
	}
	if got := h.counter("passerelle_errors_total", "kind", "bad_update"); got != 1 {
		t.Errorf("bad_update errors = %v, want 1", got)
	}
}

func TestMux(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{webhook: true})
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d, want 200", code)
	}

	// The webhook path is served by the mux.
	const chat = 4100000300
	_, body := h.updateJSON(fakeapi.TextUpdate(chat, "/help", "en"))
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+webhookPath, bytes.NewReader(body))
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", testWebhookSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook through the mux: %d", resp.StatusCode)
	}
	wantSent(t, "webhook reply", h.sentTo(chat), []sent{sendMsg(h.helpText("en"), h.menuButton(chat, "en"))})

	code, metrics := get("/metrics")
	if code != http.StatusOK || !strings.Contains(metrics, `passerelle_updates_total{kind="command"} 1`) ||
		!strings.Contains(metrics, `passerelle_replies_total{method="sendMessage"} 1`) ||
		!strings.Contains(metrics, "passerelle_update_handling_seconds_count 1") {
		t.Errorf("/metrics = %d:\n%s", code, metrics)
	}

	h.redis.Stop()
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down = %d, want 503", code)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with Redis down = %d, want 200", code)
	}
	h.redis.Restart()
	h.eventually("ready again", func() bool { code, _ := get("/readyz"); return code == http.StatusOK })

	// Without a webhook URL, the mux serves no webhook.
	mux, err := Mux(nil, h.store.Ping, h.reg)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, webhookPath, bytes.NewReader(body)))
	if rec.Code != http.StatusNotFound {
		t.Errorf("webhook path without a webhook = %d, want 404", rec.Code)
	}
}

// TestRedisDown: while Redis is down an update is not recorded, the person is
// told once to try again in their language, and nothing is lost.
func TestRedisDown(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	t.Run("webhook", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{webhook: true})
		const chat = 4100000401
		_, body := h.updateJSON(fakeapi.TextUpdate(chat, "/start", "uk"))
		tryAgain := sendMsg(h.text("uk", "TryAgain"), "")

		h.redis.Stop()
		for i := range 3 {
			if code := h.postWebhook(testWebhookSecret, body); code != http.StatusServiceUnavailable {
				t.Fatalf("delivery #%d with Redis down: %d, want 503", i+1, code)
			}
		}
		wantSent(t, "while Redis is down", h.sentTo(chat), []sent{tryAgain})
		if got := h.counter("passerelle_errors_total", "kind", "store"); got != 3 {
			t.Errorf("store errors = %v, want 3", got)
		}

		h.redis.Restart()
		// Telegram delivers the update again until it is accepted; the Redis
		// client may take a moment to reconnect.
		h.eventually("the update accepted after restart", func() bool {
			if h.postWebhook(testWebhookSecret, body) == http.StatusOK {
				return true
			}
			time.Sleep(50 * time.Millisecond)
			return false
		})
		prompt, kb := h.languageMenu(chat, "uk")
		wantSent(t, "after restart", h.sentTo(chat), []sent{tryAgain, sendMsg(prompt, kb)})
		if code := h.postWebhook(testWebhookSecret, body); code != http.StatusOK {
			t.Fatalf("late duplicate: %d, want 200", code)
		}
		wantSent(t, "after a late duplicate", h.sentTo(chat), []sent{tryAgain, sendMsg(prompt, kb)})
		if s := h.session(chat); s.Flow != "lang" {
			t.Errorf("session after restart = %+v", s)
		}
	})
	t.Run("polling", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOpts{})
		const warm, chat = 4100000402, 4100000403
		h.startPolling()
		h.fake.Push(fakeapi.TextUpdate(warm, "/help", "fr"))
		h.waitMessages(warm, 1)

		h.redis.Stop()
		id := h.fake.Push(fakeapi.TextUpdate(chat, "/start", "uk"))
		tryAgain := sendMsg(h.text("uk", "TryAgain"), "")
		wantSent(t, "first attempt", h.waitCalls(chat, 1), []sent{tryAgain})
		// The inbox is tried again and again, quickly, without confirming the update.
		h.eventually("the inbox tried again", func() bool { return h.counter("passerelle_errors_total", "kind", "store") >= 3 })
		back := time.Now()
		h.redis.Restart()

		h.waitCalls(chat, 2)
		prompt, kb := h.languageMenu(chat, "uk")
		t.Logf("answered %v after Redis came back", time.Since(back).Round(time.Millisecond))
		h.eventually("offset past the update", func() bool { return slices.Contains(h.getUpdatesOffsets(), id+1) })
		wantSent(t, "after restart", h.sentTo(chat), []sent{tryAgain, sendMsg(prompt, kb)})

		offsets := h.getUpdatesOffsets()
		past := slices.Index(offsets, id+1)
		for _, off := range offsets[:past] {
			if off > id {
				t.Errorf("offset moved past update %d before it was handled: %v", id, offsets)
			}
		}
		if s := h.session(chat); s.Flow != "lang" {
			t.Errorf("session after restart = %+v", s)
		}
	})
}

// TestRateLimited: a 429 is waited out and the reply is sent once.
func TestRateLimited(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const chat = 4100000501
	h.fake.FailNext("sendMessage", fakeapi.Fault{Code: http.StatusTooManyRequests, RetryAfter: 1}, 1)
	h.mustHandle(fakeapi.TextUpdate(chat, "/help", "fr"))
	help := sendMsg(h.helpText("fr"), h.menuButton(chat, "fr"))
	limited := help
	limited.Status = http.StatusTooManyRequests
	wantSent(t, "calls", h.sentTo(chat), []sent{limited, help})
	if n := len(h.fake.Messages(chat)); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if got := h.counter("passerelle_errors_total", "kind", "rate_limited"); got != 1 {
		t.Errorf("rate_limited errors = %v, want 1", got)
	}
	if got := h.counter("passerelle_replies_total", "method", "sendMessage"); got != 1 {
		t.Errorf("sendMessage replies = %v, want 1", got)
	}
}

// TestBlocked: a person who blocked the bot is marked inactive, whether a send
// answers 403 or Telegram tells us with my_chat_member.
func TestBlocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})

	t.Run("send answers 403", func(t *testing.T) {
		const chat = 4100000601
		h.fake.Block(chat, true)
		h.mustHandle(fakeapi.TextUpdate(chat, "/start", "fr"))
		prompt, kb := h.languageMenu(chat, "fr")
		refused := sendMsg(prompt, kb)
		refused.Status = http.StatusForbidden
		wantSent(t, "calls", h.sentTo(chat), []sent{refused})
		if s := h.session(chat); !s.Inactive {
			t.Errorf("session after 403 = %+v, want inactive", s)
		}
		if got := h.counter("passerelle_errors_total", "kind", "forbidden"); got != 1 {
			t.Errorf("forbidden errors = %v, want 1", got)
		}
	})

	t.Run("my_chat_member", func(t *testing.T) {
		const chat = 4100000602
		h.seed(chat, &flows.Session{Lang: "ru", Territory: "lyon", Onboarded: true})
		h.mustHandle(fakeapi.BlockUpdate(chat, true))
		s := h.session(chat)
		if !s.Inactive || s.Lang != "ru" || s.Territory != "lyon" || !s.Onboarded {
			t.Errorf("session after kicked = %+v, want inactive and kept", s)
		}
		// Unblocking keeps the session (the engine counts the person active
		// again, as after any input) and says nothing.
		h.mustHandle(fakeapi.BlockUpdate(chat, false))
		s = h.session(chat)
		if s.Lang != "ru" || s.Territory != "lyon" || !s.Onboarded {
			t.Errorf("session after member = %+v, want kept", s)
		}
		wantSent(t, "replies", h.sentTo(chat), nil)
		if got := h.counter("passerelle_updates_total", "kind", "blocked"); got != 1 {
			t.Errorf("blocked updates = %v, want 1", got)
		}
	})
}

// TestEditFallback: an edit Telegram refuses becomes a new message, except
// when the message already reads the same.
func TestEditFallback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	consentKB := func(chat int64) string {
		return h.keyboard(chat,
			[]btn{{"⬜ " + h.text("fr", "ConsentNews"), "cons:+news"}},
			[]btn{{"⬜ " + h.text("fr", "ConsentSurveys"), "cons:+surveys"}},
			[]btn{{h.text("fr", "ButtonContinue"), "cons:ok"}},
		)
	}

	t.Run("message gone", func(t *testing.T) {
		const chat = 4100000701
		h.seed(chat, &flows.Session{Flow: "lang"})
		h.mustHandle(fakeapi.CallbackUpdate(chat, 999, h.sign(chat, "lang:fr"), "fr"))
		gone := edit(999, h.text("fr", "LanguageSet"), "")
		gone.Status = http.StatusBadRequest
		wantSent(t, "calls", h.sentTo(chat), []sent{
			gone,
			sendMsg(h.text("fr", "LanguageSet"), ""),
			sendMsg(h.privacyText("fr"), consentKB(chat)),
		})
		if s := h.session(chat); s.Lang != "fr" || s.Flow != "cons" {
			t.Errorf("session = %+v", s)
		}
	})

	t.Run("not modified", func(t *testing.T) {
		const chat = 4100000702
		h.mustHandle(fakeapi.TextUpdate(chat, "/start", "fr"))
		menu := h.fake.Messages(chat)[0]
		data := h.press(chat, menu.Markup, "lang:fr")
		h.mustHandle(fakeapi.CallbackUpdate(chat, menu.ID, data, "fr"))
		before := len(h.sentTo(chat))
		// The same button again: the edit changes nothing, and no copy is sent.
		h.mustHandle(fakeapi.CallbackUpdate(chat, menu.ID, data, "fr"))
		same := edit(menu.ID, h.text("fr", "LanguageSet"), "")
		same.Status = http.StatusBadRequest
		wantSent(t, "calls", h.sentTo(chat)[before:], []sent{same, sendMsg(h.privacyText("fr"), consentKB(chat))})
		if n := len(h.fake.Messages(chat)); n != 3 {
			t.Errorf("%d messages, want 3", n)
		}
	})
}

// TestForgedButton: a button not signed for the presser is answered "expired"
// in the person's language and changes nothing but the last-seen time.
func TestForgedButton(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	own := func(chat int64, data string) string { s, _ := h.bot.signer.Sign(chat, data); return s }
	forgeries := []struct {
		name string
		data func(chat int64) string
	}{
		{"unsigned", func(int64) string { return "lang:fr" }},
		{"signed for another user", func(chat int64) string { return own(chat+1, "lang:fr") }},
		{"signed with another key", func(chat int64) string { s, _ := NewSigner([]byte("other")).Sign(chat, "lang:fr"); return s }},
		{"tampered", func(chat int64) string { return strings.Replace(own(chat, "lang:fr"), "fr", "ru", 1) }},
		{"signature only", func(chat int64) string { s := own(chat, "lang:fr"); return s[strings.LastIndexByte(s, '~'):] }},
	}
	ter, _ := h.engine.Content().Territory("dijon")
	states := []struct {
		name string
		hint string
		lang string // language of the answer
		seed func(chat int64)
		home func(chat int64) sent
	}{
		{"at the language menu", "uk", "uk",
			func(chat int64) { h.mustHandle(fakeapi.TextUpdate(chat, "/start", "uk")) },
			func(chat int64) sent { p, kb := h.languageMenu(chat, "uk"); return sendMsg(p, kb) }},
		{"onboarded", "en", "ar",
			func(chat int64) {
				h.seed(chat, &flows.Session{Lang: "ar", Territory: "dijon", Onboarded: true, LastMsg: "MenuTitle"})
			},
			func(chat int64) sent {
				title := h.msgs.Text("ar", "MenuTitle", map[string]any{"Territory": ter.Name("ar")})
				return sendMsg(title, h.mainMenu(chat, "ar"))
			}},
	}
	chat := int64(4100000800)
	for _, st := range states {
		for _, f := range forgeries {
			t.Run(st.name+"/"+f.name, func(t *testing.T) {
				chat += 10
				st.seed(chat)
				before := h.session(chat)
				n := len(h.sentTo(chat))
				now := h.clock.Advance(time.Hour)

				u := fakeapi.CallbackUpdate(chat, 1, f.data(chat), st.hint)
				h.mustHandle(u)
				wantSent(t, "replies", h.sentTo(chat)[n:], []sent{sendMsg(h.text(st.lang, "ButtonExpired"), ""), st.home(chat)})
				answered := false
				for _, c := range h.fake.CallsTo("answerCallbackQuery") {
					answered = answered || c.Params["callback_query_id"] == callbackID(u)
				}
				if !answered {
					t.Errorf("callback query not answered")
				}

				after := h.session(chat)
				if !after.Seen.Equal(now) {
					t.Errorf("seen = %v, want %v", after.Seen, now)
				}
				before.Seen = after.Seen
				b, _ := json.Marshal(before)
				a, _ := json.Marshal(after)
				if string(a) != string(b) {
					t.Errorf("session changed:\n before %s\n after  %s", b, a)
				}
			})
		}
	}
}

// TestOrderAndParallelChats: in one batch, one chat's replies follow its
// updates in order while twenty other chats are answered alongside.
func TestOrderAndParallelChats(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.bot.cfg.ChatPace = time.Millisecond // order is what this test is about, not the pace
	const chat, others = 4100000900, 4100000910
	var inputs []flows.Input
	for i := range 20 {
		cmd := "help"
		if i%2 == 1 {
			cmd = "mydata"
		}
		inputs = append(inputs, flows.Input{ChatID: chat, Kind: flows.KindCommand, Command: cmd, LangHint: "fr"})
		h.fake.Push(fakeapi.TextUpdate(chat, "/"+cmd, "fr"))
		h.fake.Push(fakeapi.TextUpdate(others+int64(i), "/help", "fr"))
	}
	h.startPolling()
	got := h.waitCalls(chat, 20) // the session the keyboards are bound to exists now

	// What the engine answers to the same inputs, in order, on its own.
	var want []sent
	s := flows.NewSession(h.clock.Now())
	for _, in := range inputs {
		res := h.engine.Step(flows.Env{Now: h.clock.Now(), Cal: h.store}, s, in)
		s = res.Session
		for _, r := range res.Replies {
			var rows [][]btn
			for _, row := range r.Buttons {
				var out []btn
				for _, b := range row {
					out = append(out, btn{b.Text, flowData(b.Data)}) // bound again below, to the served session
				}
				rows = append(rows, out)
			}
			want = append(want, sendMsg(r.Text, h.keyboard(chat, rows...)))
		}
	}
	if len(want) != 20 || want[0].Text == want[1].Text {
		t.Fatalf("expected replies are not distinguishable: %v", want)
	}
	wantSent(t, "the busy chat", got, want)
	for i := range 20 {
		other := others + int64(i)
		wantSent(t, fmt.Sprintf("chat %d", other), h.waitCalls(other, 1), []sent{sendMsg(h.helpText("fr"), h.menuButton(other, "fr"))})
	}
	if got := h.counter("passerelle_updates_total", "kind", "command"); got != 40 {
		t.Errorf("commands counted = %v, want 40", got)
	}
}

// panicky is a Handler that panics for one chat.
type panicky struct {
	Handler
	chat  int64
	calls *atomic.Int32
}

func (p panicky) Handle(ctx context.Context, in flows.Input) ([]flows.Reply, error) {
	if in.ChatID == p.chat {
		p.calls.Add(1)
		panic("handler exploded")
	}
	return p.Handler.Handle(ctx, in)
}

// TestPanicContained: a panic while handling one chat's update is counted and
// logged; other chats are answered and polling moves on.
func TestPanicContained(t *testing.T) {
	t.Parallel()
	const bad, chatB, chatC = 4100001001, 4100001002, 4100001003
	var calls atomic.Int32
	h := newHarness(t, harnessOpts{wrap: func(next Handler) Handler { return panicky{next, bad, &calls} }})
	first := h.fake.Push(fakeapi.TextUpdate(bad, "/help", "fr"))
	h.fake.Push(fakeapi.TextUpdate(chatB, "/help", "fr"))
	h.fake.Push(fakeapi.TextUpdate(bad, "/mydata", "fr"))
	h.fake.Push(fakeapi.TextUpdate(chatC, "/help", "fr"))
	h.startPolling()
	h.waitMessages(chatB, 1)
	h.waitMessages(chatC, 1)
	last := h.fake.Push(fakeapi.TextUpdate(chatB, "/help", "fr"))
	h.waitMessages(chatB, 2)
	h.eventually("offset past the last update", func() bool { return slices.Contains(h.getUpdatesOffsets(), last+1) })
	h.eventually("both updates of the panicking chat tried", func() bool { return h.counter("passerelle_errors_total", "kind", "panic") >= 2 })

	if got := calls.Load(); got != 2 {
		t.Errorf("panicking chat handled %d times, want 2 (once per update, never again)", got)
	}
	offsets := h.getUpdatesOffsets()
	if !slices.IsSorted(offsets) || slices.Contains(offsets, first) && offsets[len(offsets)-1] <= first {
		t.Errorf("getUpdates offsets %v do not move past update %d", offsets, first)
	}
	wantSent(t, "panicking chat", h.sentTo(bad), nil)
	if got := h.counter("passerelle_errors_total", "kind", "panic"); got != 2 {
		t.Errorf("panic errors = %v, want 2", got)
	}
	if logs := h.logs.String(); strings.Count(logs, "panic while handling an update") != 2 {
		t.Errorf("log does not tell the panics:\n%s", logs)
	}
}

// TestGroupChat: in a group only commands get an answer, "write to me in
// private", and nothing is stored about the group.
func TestGroupChat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const user = 4100001101
	tests := []struct {
		name  string
		group int64
		text  string
		lang  string
		reply bool
	}{
		{"start addressed to us", -1004100001102, "/start@PasserelleBot", "uk", true},
		{"bare command", -1004100001103, "/help", "fa", true},
		{"command to another bot", -1004100001104, "/start@OtherBot", "fr", false},
		{"chatter", -1004100001105, "bonjour à tous", "fr", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.mustHandle(groupUpdate(tt.group, user, tt.text, tt.lang))
			var want []sent
			if tt.reply {
				want = []sent{sendMsg(h.text(tt.lang, "PrivateOnly"), "")}
			}
			wantSent(t, "group", h.sentTo(tt.group), want)
			for _, id := range []int64{tt.group, user} {
				if s, err := h.store.Load(h.ctx, id); !errors.Is(err, flows.ErrNotFound) {
					t.Errorf("session stored for %d: %+v, %v", id, s, err)
				}
			}
		})
	}
	t.Run("button under a group message", func(t *testing.T) {
		const group = -1004100001106
		u := fakeapi.CallbackUpdate(user, 1, "lang:fr", "fr")
		u["callback_query"].(map[string]any)["message"].(map[string]any)["chat"] = map[string]any{"id": group, "type": "supergroup", "title": "Entraide"}
		h.mustHandle(u)
		wantSent(t, "group", h.sentTo(group), nil)
		answered := false
		for _, c := range h.fake.CallsTo("answerCallbackQuery") {
			answered = answered || c.Params["callback_query_id"] == callbackID(u)
		}
		if !answered {
			t.Errorf("callback query not answered")
		}
	})
	t.Run("bot muted in the group", func(t *testing.T) {
		// Telegram answers 403 when the bot may not write in a group: that
		// is no person blocking us, and nothing is stored about the group.
		const group = -1004100001107
		h.fake.Block(group, true)
		h.mustHandle(groupUpdate(group, user, "/start@PasserelleBot", "fr"))
		refused := sendMsg(h.text("fr", "PrivateOnly"), "")
		refused.Status = http.StatusForbidden
		wantSent(t, "group", h.sentTo(group), []sent{refused})
		if s, err := h.store.Load(h.ctx, group); !errors.Is(err, flows.ErrNotFound) {
			t.Errorf("session stored for the group: %+v, %v", s, err)
		}
	})
	wantSent(t, "the user's private chat", h.sentTo(user), nil)
	if got := h.counter("passerelle_updates_total", "kind", "ignored"); got != 3 {
		t.Errorf("ignored updates = %v, want 3", got)
	}
}

// TestLogsArePrivate runs through errors of every kind and checks that the
// log never holds the token, a chat id or what people wrote.
func TestLogsArePrivate(t *testing.T) {
	t.Parallel()
	const secretText = "Mon code est zèbre-violet-8812"
	chats := []int64{4100001201, 4100001202, 4100001203, 4100001204, 4100001205}
	var calls atomic.Int32
	h := newHarness(t, harnessOpts{webhook: true, wrap: func(next Handler) Handler { return panicky{next, chats[4], &calls} }})
	post := func(u map[string]any) int {
		_, body := h.updateJSON(u)
		return h.postWebhook(testWebhookSecret, body)
	}

	// A conversation, with free text.
	post(fakeapi.TextUpdate(chats[0], "/start dijon__cesam", "fr"))
	post(fakeapi.TextUpdate(chats[0], secretText, "fr"))
	// A send Telegram refuses, and an edit of a message that is gone.
	h.fake.FailNext("sendMessage", fakeapi.Fault{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"}, 1)
	post(fakeapi.TextUpdate(chats[1], "/help "+secretText, "fr"))
	post(fakeapi.CallbackUpdate(chats[1], 999, h.sign(chats[1], "lang:fr"), "fr"))
	// A person who blocked the bot.
	h.fake.Block(chats[2], true)
	post(fakeapi.TextUpdate(chats[2], secretText, "fr"))
	// Bad webhook calls.
	h.postWebhook("wrong", []byte(`{}`))
	h.postWebhook(testWebhookSecret, []byte(secretText))
	// A panic.
	post(fakeapi.TextUpdate(chats[4], secretText, "fr"))
	// Redis down.
	h.redis.Stop()
	if code := post(fakeapi.TextUpdate(chats[3], secretText, "fr")); code != http.StatusServiceUnavailable {
		t.Errorf("with Redis down: %d, want 503", code)
	}
	h.redis.Restart()
	// Telegram unreachable while polling: the request URL holds the token.
	h.fake.Close()
	poller := newHarness(t, harnessOpts{})
	poller.fake.Close()
	poller.startPolling()
	poller.eventually("a failed poll", func() bool { return strings.Contains(poller.logs.String(), "getUpdates failed") })
	poller.stopPolling()

	logs := h.logs.String() + poller.logs.String()
	for _, want := range []string{"cannot send reply", "webhook call refused", "webhook update unreadable",
		"panic while handling an update", "cannot handle update", "getUpdates failed"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q: the check below would prove little", want)
		}
	}
	secrets := []string{testToken, secretText, "zèbre-violet"}
	for _, c := range chats {
		secrets = append(secrets, strconv.FormatInt(c, 10))
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q:\n%s", s, logs)
		}
	}
}

// TestUnreadableUpdatePolling: an update this client cannot decode (here a
// forward origin of a type newer than the library) must not stall polling.
func TestUnreadableUpdatePolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const poisoned, chat = 4100001301, 4100001302
	u := fakeapi.TextUpdate(poisoned, "hello", "fr")
	u["message"].(map[string]any)["forward_origin"] = map[string]any{"type": "future_origin", "date": 1}
	bad := h.fake.Push(u)
	h.fake.Push(fakeapi.TextUpdate(chat, "/help", "fr"))
	h.startPolling()
	wantSent(t, "the next update", h.waitCalls(chat, 1), []sent{sendMsg(h.helpText("fr"), h.menuButton(chat, "fr"))})
	h.eventually("offset past the batch", func() bool { return slices.Contains(h.getUpdatesOffsets(), bad+2) })
	wantSent(t, "the unreadable update", h.sentTo(poisoned), nil)
	if got := h.counter("passerelle_errors_total", "kind", "bad_update"); got != 1 {
		t.Errorf("bad_update errors = %v, want 1", got)
	}
}
