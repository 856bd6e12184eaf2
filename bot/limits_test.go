package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
)

// floodScript is what each person does in the flood tests: open the bot,
// press a button of a screen that no longer exists, ask for help.
func floodScript(chat int64) []map[string]any {
	return []map[string]any{
		fakeapi.TextUpdate(chat, "/start", "fr"),
		fakeapi.CallbackUpdate(chat, 1, "menu:home~AAAAAAAAAAA", "fr"),
		fakeapi.TextUpdate(chat, "/help", "fr"),
	}
}

// shown is what a chat received, in order: the method and text of every
// message-changing call Telegram accepted (buttons are signed per chat).
func shown(fake *fakeapi.Server, chat int64) []string {
	id := strconv.FormatInt(chat, 10)
	var out []string
	for _, c := range fake.Calls() {
		if c.Params["chat_id"] != id || c.Status != http.StatusOK || !accounted[c.Method] {
			continue
		}
		out = append(out, c.Method+" "+c.Params["message_id"]+" "+c.Params["text"])
	}
	return out
}

// TestInteractiveFloodKeepsRetryAfter: many people use the bot at once, a
// broadcast is under way, and Telegram answers 429 (its global limit broken,
// and injected ones, for messages and callback answers alike). No call
// reaches Telegram while a retry_after runs for its scope, every reply and
// every bulk message arrives in the end, and each chat sees its replies in
// the order of its updates.
func TestInteractiveFloodKeepsRetryAfter(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	for _, mode := range []string{"webhook", "polling"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			chats := 100 // 300 updates and 50 bulk messages: some 560 calls, several seconds at floodRate
			r := newRig(t, fakeapi.Limits{}, nil, nil)
			h := r.h
			r.lim = h.store
			h.bot.cfg.Limiter, h.bot.cfg.Rate = h.store, floodRate
			h.bot.cfg.WebhookSecret = testWebhookSecret
			base := int64(4200000000)
			if mode == "polling" {
				base += 1000000
				h.startPolling()
			}
			post := func(chat int64) {
				for _, u := range floodScript(chat) {
					if mode == "polling" {
						h.fake.Push(u)
						continue
					}
					// As Telegram does: a chat's next update once the last is answered.
					_, body := h.updateJSON(u)
					for h.postWebhook(testWebhookSecret, body) != http.StatusOK {
						time.Sleep(10 * time.Millisecond)
					}
				}
			}

			// What one person sees when nobody else is there.
			post(base)
			h.eventually("the calm run's replies", func() bool { return len(shown(h.fake, base)) >= 3 })
			time.Sleep(200 * time.Millisecond) // anything late would show up now
			want := shown(h.fake, base)

			// Telegram's global limit, a little below the bot's pace so
			// that it is broken now and then, and 429s injected on top.
			h.fake.Limit(fakeapi.Limits{Global: floodRate * 95 / 100, RetryAfter: 1, InFlight: inFlight})
			h.fake.FailNext("sendMessage", fakeapi.Fault{Code: http.StatusTooManyRequests, RetryAfter: 1}, 1)
			h.fake.FailNext("answerCallbackQuery", fakeapi.Fault{Code: http.StatusTooManyRequests, RetryAfter: 2}, 1)
			start := time.Now()
			bulk := recipients(base+500000, chats/2)
			r.mem.enqueue(testJob("flood-"+mode, base+499999), bulk, "Distribution alimentaire samedi.")
			cfg := r.config("a")
			cfg.Rate = floodRate
			r.start(cfg)
			var wg sync.WaitGroup
			for i := range chats {
				wg.Go(func() { post(base + 1 + int64(i)) })
			}
			wg.Wait()
			deadline := time.Now().Add(2 * time.Minute)
			for !allShown(h.fake, base+1, chats, len(want)) {
				if time.Now().After(deadline) {
					t.Fatalf("replies missing after %v", time.Since(start))
				}
				time.Sleep(20 * time.Millisecond)
			}
			drain := time.Since(start)
			for r.mem.status("flood-"+mode).Pending() > 0 {
				if time.Now().After(deadline) {
					t.Fatalf("bulk messages still pending after %v: %+v", time.Since(start), r.mem.status("flood-"+mode))
				}
				time.Sleep(20 * time.Millisecond)
			}
			bulkDone := time.Since(start)
			if st := r.mem.status("flood-" + mode); st.Sent != len(bulk) {
				t.Errorf("bulk job %+v, want %d sent", st, len(bulk))
			}
			if got := delivered(h.fake, bulk); len(got) != len(bulk) {
				t.Errorf("%d of %d chats got the bulk message", len(got), len(bulk))
			}

			for i := range chats {
				chat := base + 1 + int64(i)
				if got := shown(h.fake, chat); strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("chat %d saw %d replies %q, want %q", chat, len(got), got, want)
				}
			}
			tooMany, calls := 0, 0
			for _, c := range h.fake.Calls() {
				if c.At.After(start) && c.Method != "getUpdates" {
					calls++
				}
				if c.Status == http.StatusTooManyRequests {
					tooMany++
				}
			}
			t.Logf("%s: %d chats, %d updates, %d bulk messages, %d calls: %d × 429 (%d from the limit), %d calls inside a running retry_after; replies drained in %v, bulk in %v",
				mode, chats, 3*chats, len(bulk), calls, tooMany, h.fake.Violations(), h.fake.EarlyCalls(), drain.Round(time.Millisecond), bulkDone.Round(time.Millisecond))
			if tooMany == 0 {
				t.Error("no 429: the test proves nothing")
			}
			if n := h.fake.EarlyCalls(); n != 0 {
				t.Errorf("%d calls made while a retry_after ran for their scope, want 0", n)
				var last time.Time
				for _, c := range h.fake.Calls() {
					if c.Status == http.StatusTooManyRequests && !c.Early {
						last = c.At
					}
					if c.Early {
						t.Logf("early: %s chat=%s %v after the last 429", c.Method, c.Params["chat_id"], c.At.Sub(last))
					}
				}
			}
		})
	}
}

// allShown reports whether each of n chats from first was shown want replies.
func allShown(fake *fakeapi.Server, first int64, n, want int) bool {
	for i := range n {
		if len(shown(fake, first+int64(i))) < want {
			return false
		}
	}
	return true
}

// floodRate is the bot's pace in the flood tests, messages a second: low
// enough for the test machine to reach it, so that Telegram's limit matters.
const floodRate = 150

// TestWebhookSkipsUnreadableUpdates: valid JSON the client library cannot
// decode (a value newer than it) is answered 200 and skipped — a 4xx would
// make Telegram deliver it for ever and hold the chat's later updates —,
// counted and logged without personal data; only a body that is no JSON
// object is refused.
func TestWebhookSkipsUnreadableUpdates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{webhook: true})
	const chat = 4300000001
	tests := []struct {
		name string
		body string
		want int
	}{
		{"forward from an unknown origin", `{"update_id":%d,"message":{"message_id":51,"from":{"id":4300000001,"is_bot":false,"first_name":"Amina","language_code":"ar"},"chat":{"id":4300000001,"first_name":"Amina","type":"private"},"date":1764150000,"forward_origin":{"type":"paid_broadcast","date":1764140000,"sender_chat":{"id":-1001000000001,"type":"channel","title":"Infos"}},"text":"secret words 0612345678"}}`, http.StatusOK},
		{"boost from an unknown source", `{"update_id":%d,"chat_boost":{"chat":{"id":-1001000000002,"title":"Entraide Dijon","type":"supergroup"},"boost":{"boost_id":"Ab3","add_date":1764150000,"expiration_date":1766742000,"source":{"source":"stars","user":{"id":4300000001,"is_bot":false,"first_name":"Amina"}}}}}`, http.StatusOK},
		{"member with an unknown status", `{"update_id":%d,"my_chat_member":{"chat":{"id":4300000001,"first_name":"Amina","type":"private"},"from":{"id":4300000001,"is_bot":false,"first_name":"Amina"},"date":1764150000,"old_chat_member":{"status":"member","user":{"id":7000000001,"is_bot":true,"first_name":"Passerelle"}},"new_chat_member":{"status":"guest","user":{"id":7000000001,"is_bot":true,"first_name":"Passerelle"}}}}`, http.StatusOK},
		{"truncated", `{"update_id":%d,"message":{"text":"secret`, http.StatusBadRequest},
		{"array", `[{"update_id":%d}]`, http.StatusBadRequest},
		{"string", `"update %d"`, http.StatusBadRequest},
		{"empty", ` %.0d `, http.StatusBadRequest},
	}
	unreadable := 0
	for _, tt := range tests {
		id := h.nextUpdate.Add(1)
		if got := h.postWebhook(testWebhookSecret, fmt.Appendf(nil, tt.body, id)); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
		if tt.want == http.StatusOK {
			unreadable++
			if !strings.Contains(h.logs.String(), "update_id="+strconv.FormatInt(id, 10)) {
				t.Errorf("%s: update %d not logged", tt.name, id)
			}
		}
	}
	if got := h.counter("passerelle_errors_total", "kind", "bad_update"); got != float64(len(tests)) {
		t.Errorf("bad_update errors = %v, want %d", got, len(tests))
	}
	for _, secret := range []string{"4300000001", "Amina", "secret", "0612345678", "Entraide"} {
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the log shows %q", secret)
		}
	}
	// The chat is not held: its next update is answered.
	h.mustHandle(fakeapi.TextUpdate(chat, "/help", "fr"))
	if len(h.fake.Messages(chat)) != 1 {
		t.Errorf("the next update got %d replies, want 1", len(h.fake.Messages(chat)))
	}
	if unreadable != 3 {
		t.Fatalf("%d unreadable fixtures, want 3", unreadable)
	}
}

// TestLocationRefusedKindly: a shared point that cannot be a real place is
// answered kindly in the person's language and changes nothing: the person
// still waits for their location, and a real one is then used.
func TestLocationRefusedKindly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	location := func(chat int64, lat, lon float64) map[string]any {
		u := fakeapi.TextUpdate(chat, "", "")
		m := u["message"].(map[string]any)
		delete(m, "text")
		m["location"] = map[string]any{"latitude": lat, "longitude": lon}
		return u
	}
	tests := []struct {
		name     string
		lat, lon float64
	}{
		{"beyond the pole", 90.5, 5.04},
		{"beyond the date line", 47.32, -180.01},
		{"far off the globe", 1e308, -1e308},
		{"nowhere: 0,0", 0, 0},
	}
	chat := int64(4500000000)
	for _, tt := range tests {
		for _, lang := range []string{"ar", "uk"} {
			chat++
			h.seed(chat, &flows.Session{Lang: lang, Territory: "dijon", Onboarded: true, Flow: "g", Step: "near"})
			h.mustHandle(location(chat, tt.lat, tt.lon))
			wantSent(t, tt.name+" in "+lang, h.sentTo(chat), []sent{sendMsg(h.text(lang, "LocationInvalid"), "")})
			if s := h.session(chat); s.Flow != "g" || s.Step != "near" {
				t.Errorf("%s in %s: the session moved to %q/%q", tt.name, lang, s.Flow, s.Step)
			}
			h.mustHandle(location(chat, 47.3220, 5.0415))
			if calls := h.sentTo(chat); len(calls) < 2 || calls[1].Text != h.text(lang, "GuideNoneNearby") {
				t.Errorf("%s in %s: a real location then got %v", tt.name, lang, calls)
			}
		}
	}
}

// TestCallbackAnswerDuringRetryAfter: while Telegram holds the bot, a
// button's answer waits when the hold ends soon and is skipped when it does
// not, so that the update keeps its budget; the reply goes once the hold ends.
func TestCallbackAnswerDuringRetryAfter(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	tests := []struct {
		name     string
		hold     time.Duration
		answered bool
	}{
		{"short hold: the answer waits", callbackWait / 2, true},
		{"long hold: the answer is skipped", callbackWait + time.Second, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{})
			chat := int64(4600000001 + i)
			end := time.Now().Add(tt.hold)
			h.bot.gates.close(0, end)
			h.mustHandle(fakeapi.CallbackUpdate(chat, 1, "menu:home~AAAAAAAAAAA", "fr"))
			answers := h.fake.CallsTo("answerCallbackQuery")
			if got := len(answers) == 1; got != tt.answered {
				t.Errorf("%d callback answers, want answered %v", len(answers), tt.answered)
			}
			skipped := h.counter("passerelle_errors_total", "kind", "callback_skipped")
			if (skipped == 1) == tt.answered {
				t.Errorf("callback_skipped = %v", skipped)
			}
			calls := h.fake.Calls()
			if len(calls) == 0 || len(h.sentTo(chat)) == 0 {
				t.Fatal("no reply")
			}
			for _, c := range calls {
				if c.Method != "getMe" && c.At.Before(end) {
					t.Errorf("%s made %v before the hold ended", c.Method, end.Sub(c.At))
				}
			}
		})
	}
}

// TestToInputIgnoresImpossibleIDs: updates with ids Telegram never sends are
// ignored (a callback among them is still answered).
func TestToInputIgnoresImpossibleIDs(t *testing.T) {
	s := NewSigner([]byte("key"))
	person := &models.User{ID: 5}
	tests := []struct {
		name     string
		u        models.Update
		ok       bool
		callback bool
	}{
		{"text from chat 0", models.Update{Message: &models.Message{Chat: models.Chat{ID: 0, Type: models.ChatTypePrivate}, From: person, Text: "/start"}}, false, false},
		{"private chat with a negative id", models.Update{Message: &models.Message{Chat: models.Chat{ID: -5, Type: models.ChatTypePrivate}, From: person, Text: "/start"}}, false, false},
		{"sender 0", models.Update{Message: &models.Message{Chat: models.Chat{ID: 5, Type: models.ChatTypePrivate}, From: &models.User{}, Text: "/start"}}, false, false},
		{"negative sender in a group", models.Update{Message: &models.Message{Chat: models.Chat{ID: -100, Type: models.ChatTypeSupergroup}, From: &models.User{ID: -7}, Text: "/start"}}, false, false},
		{"group chat 0", models.Update{Message: &models.Message{Chat: models.Chat{ID: 0, Type: models.ChatTypeSupergroup}, From: person, Text: "/start"}}, false, false},
		{"button in chat 0", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: *person, Data: "x",
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 1, Chat: models.Chat{ID: 0, Type: models.ChatTypePrivate}}}}}, false, true},
		{"button pressed by user 0", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: models.User{}, Data: "x",
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 1, Chat: models.Chat{ID: 5, Type: models.ChatTypePrivate}}}}}, false, true},
		{"button in a private chat with a negative id", models.Update{CallbackQuery: &models.CallbackQuery{ID: "q", From: models.User{ID: -5}, Data: "x",
			Message: models.MaybeInaccessibleMessage{Message: &models.Message{ID: 1, Chat: models.Chat{ID: -5, Type: models.ChatTypePrivate}}}}}, false, true},
		{"member update from chat 0", models.Update{MyChatMember: &models.ChatMemberUpdated{Chat: models.Chat{ID: 0, Type: models.ChatTypePrivate}, From: *person,
			NewChatMember: models.ChatMember{Type: models.ChatMemberTypeBanned}}}, false, false},
		{"member update from user 0", models.Update{MyChatMember: &models.ChatMemberUpdated{Chat: models.Chat{ID: 5, Type: models.ChatTypePrivate},
			NewChatMember: models.ChatMember{Type: models.ChatMemberTypeBanned}}}, false, false},
		{"a real private chat", models.Update{Message: &models.Message{Chat: models.Chat{ID: 5, Type: models.ChatTypePrivate}, From: person, Text: "/start"}}, true, false},
		{"a real group", models.Update{Message: &models.Message{Chat: models.Chat{ID: -100, Type: models.ChatTypeSupergroup}, From: person, Text: "/start"}}, true, false},
	}
	for _, tt := range tests {
		in, callbackID, ok := toInput(&tt.u, "PasserelleBot", s)
		if ok != tt.ok || (callbackID != "") != tt.callback {
			t.Errorf("%s: ok %v, callback %q; want ok %v, callback answered %v", tt.name, ok, callbackID, tt.ok, tt.callback)
		}
		if ok && (in.ChatID == 0 || (!in.Group && in.ChatID < 0)) {
			t.Errorf("%s: input for chat %d", tt.name, in.ChatID)
		}
	}
}

// TestAttemptOutcome: a call whose request reached the server without an
// answer coming back is marked as of unknown outcome (not to be made again);
// one that never left, or was answered, is not; a 429 closes the gate of its
// scope: a group's for a group, the whole bot's otherwise.
func TestAttemptOutcome(t *testing.T) {
	answer := func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, `{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"}}}`)
	}
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseMultipartForm(1 << 20) // the whole request is read…
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close() // …and no answer comes
		}
	}
	tooMany := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = fmt.Fprint(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`)
	}
	closed := httptest.NewServer(http.HandlerFunc(answer))
	closed.Close() // nothing listens: the request never leaves
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		url        string
		chat       int64
		unknown    bool
		ok         bool
		botGate    bool
		groupGated int64
	}{
		{name: "answered", handler: answer, chat: 5, ok: true},
		{name: "no answer after the request", handler: hangUp, chat: 5, unknown: true},
		{name: "connection refused", url: closed.URL, chat: 5},
		{name: "429 in a private chat", handler: tooMany, chat: 5, botGate: true},
		{name: "429 in a group", handler: tooMany, chat: -100, groupGated: -100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				url = srv.URL
			}
			b := &Bot{log: slog.New(slog.DiscardHandler), metrics: newMetrics(prometheus.NewRegistry()), cfg: Config{Rate: defaultRate}}
			api := newAPI(nil, apiClient(), url, "1:x")
			err := b.attempt(context.Background(), tt.chat, func(ctx context.Context) error {
				_, err := api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: tt.chat, Text: "bonjour"})
				return err
			})
			if (err == nil) != tt.ok || errors.Is(err, errOutcomeUnknown) != tt.unknown {
				t.Errorf("err = %v; want ok %v, unknown outcome %v", err, tt.ok, tt.unknown)
			}
			if open := !b.gates.until(0).After(time.Now()); open == tt.botGate {
				t.Errorf("bot-wide gate open = %v, want %v", open, !tt.botGate)
			}
			if tt.groupGated != 0 {
				if until := time.Until(b.gates.until(tt.groupGated)); until < 2*time.Second {
					t.Errorf("group gated for %v, want about 3s", until)
				}
				if b.gates.until(5).After(time.Now()) {
					t.Error("a group's 429 held a private chat")
				}
			}
		})
	}
}

// TestSlowAnswerNotRepeated: Telegram answering later than an update's
// budget is waited for: the reply and the bulk message arrive once each.
func TestSlowAnswerNotRepeated(t *testing.T) {
	if testing.Short() {
		t.Skip("waits in real time (pacing, retry_after, restarts): run without -short")
	}
	t.Parallel()
	r := newRig(t, fakeapi.Limits{}, nil, nil)
	r.h.bot.cfg.HandleTimeout = 300 * time.Millisecond
	r.h.fake.Delay(time.Second)
	const person, owner = 4400000001, 4400000000
	r.h.mustHandle(fakeapi.TextUpdate(person, "/help", "fr"))
	if n := len(r.h.sentTo(person)); n != 1 {
		t.Errorf("reply sent %d times, want once", n)
	}
	chats := recipients(4400000002, 3)
	r.mem.enqueue(testJob("slow", owner), chats, "Réunion d'information mardi.")
	r.start(r.config("a"))
	r.waitJob("slow")
	for _, chat := range chats {
		if n := len(r.h.fake.Messages(chat)); n != 1 {
			t.Errorf("chat %d got the bulk message %d times, want once", chat, n)
		}
	}
}
