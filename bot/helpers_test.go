package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// Test constants. Chat ids are long so that they cannot be mistaken for an
// update id or a port in the logs.
const (
	testToken         = "7000000001:AAHx-harness-token-9Qz"
	testButtonSecret  = "button-secret-for-tests-0123456789abcdef"
	testWebhookSecret = "hook_Secret-42"
	webhookPath       = "/telegram/hook"
	waitBudget        = 10 * time.Second // how long a condition may take before the test fails
)

// sampleTZ is the time zone of the sample content.
var sampleTZ = mustLoadLocation("Europe/Paris")

// fixedNow is where the test clock starts: the next 11:00 in Paris after the
// tests' clock, so that what the tests write to Redis is dated relative to now.
var fixedNow = redistest.NextHour(11, sampleTZ).UTC()

// mustLoadLocation loads a time zone or panics.
func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// dayOf is t's calendar day in Paris.
func dayOf(t time.Time) content.Date {
	y, m, d := t.In(sampleTZ).Date()
	return content.Date{Year: y, Month: m, Day: d}
}

// catalog loads the messages once for every harness: a Catalog is
// read-only, as the bot shares one between all its chats.
var catalog = sync.OnceValues(locales.Load)

// testClock is a flows.Clock that only moves when the test says so.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harnessOpts tunes newHarness.
type harnessOpts struct {
	// webhook configures the bot for a webhook served by h.mux at h.srv.
	webhook bool
	// wrap, when set, wraps the flows service given to the bot as Handler.
	wrap func(Handler) Handler
	// hook, when set, sees every command the store sends to Redis.
	hook redis.Hook
	// lease, when set, makes the bot one of several replicas: the store
	// takes per-chat leases.
	lease storage.ChatLease
}

// harness is a bot wired to a fake Bot API, a Redis and the real engine.
type harness struct {
	tb     testing.TB
	ctx    context.Context
	fake   *fakeapi.Server
	redis  *redistest.Server
	store  *storage.Redis
	msgs   *locales.Catalog
	engine *flows.Engine
	svc    *flows.Service
	clock  *testClock
	logs   *syncBuffer
	reg    *prometheus.Registry
	bot    *Bot
	cfg    Config

	srv *httptest.Server // serves mux (webhook, health, metrics)
	mux atomic.Pointer[http.ServeMux]

	nextUpdate atomic.Int64 // update ids for updates handed over directly

	pollMu     sync.Mutex
	pollCancel context.CancelFunc
	pollDone   chan struct{}
}

// newHarness starts everything and closes it when the test ends.
func newHarness(tb testing.TB, opts harnessOpts) *harness {
	tb.Helper()
	h := &harness{
		tb:    tb,
		ctx:   context.Background(),
		clock: &testClock{now: fixedNow},
		logs:  &syncBuffer{},
		reg:   prometheus.NewRegistry(),
	}
	h.nextUpdate.Store(100000)
	h.redis = redistest.New(tb)
	tb.Cleanup(h.close)

	var err error
	h.store, err = storage.New(h.ctx, h.redis.URL())
	if err != nil {
		tb.Fatalf("storage: %v", err)
	}
	if opts.hook != nil {
		opt, _ := redis.ParseURL(h.redis.URL())
		c := redis.NewClient(opt)
		c.AddHook(opts.hook)
		_ = h.store.Close()
		h.store = storage.NewFromClient(c)
	}
	h.store.SetClock(h.clock)
	h.store.SetChatLease(opts.lease)
	c, diags := content.Load(content.Sample(), locales.Codes())
	if c == nil {
		tb.Fatalf("sample content: %v", diags)
	}
	// The sample survey is open on fixedNow whatever the date: it opened 10
	// days before and closes 24 days after.
	for _, sv := range c.Surveys() {
		sv.Opens, sv.Closes = dayOf(fixedNow.AddDate(0, 0, -10)), dayOf(fixedNow.AddDate(0, 0, 24))
	}
	if h.msgs, err = catalog(); err != nil {
		tb.Fatalf("locales: %v", err)
	}
	h.engine, err = flows.NewEngine(flows.Config{Content: c, Messages: h.msgs})
	if err != nil {
		tb.Fatalf("engine: %v", err)
	}
	h.svc = flows.NewService(h.engine, h.store, h.clock)
	var handler Handler = h.svc
	if opts.wrap != nil {
		handler = opts.wrap(handler)
	}

	h.fake = fakeapi.New(testToken)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := h.mux.Load(); m != nil {
			m.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))

	h.cfg = Config{
		Token:         testToken,
		APIURL:        h.fake.URL(),
		ButtonSecret:  []byte(testButtonSecret),
		Handler:       handler,
		Claims:        h.store,
		Inbox:         h.store,
		Commands:      h.engine.CommandList,
		Languages:     locales.Codes(),
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registry:      h.reg,
		PollTimeout:   time.Second,
		HandleTimeout: 5 * time.Second,
		// Replies to one chat are not held a second each past a burst: the
		// tests that are about Telegram's per-chat limit set it (newRig).
		ChatPace: 20 * time.Millisecond,
	}
	if opts.lease.TTL > 0 {
		h.cfg.Leases = h.store
	}
	if opts.webhook {
		h.cfg.WebhookURL = h.srv.URL + webhookPath
		h.cfg.WebhookSecret = testWebhookSecret
	}
	h.bot, err = New(h.cfg)
	if err != nil {
		tb.Fatalf("bot.New: %v", err)
	}
	if err := h.bot.Identify(h.ctx); err != nil {
		tb.Fatalf("Identify: %v", err)
	}
	mux, err := Mux(h.bot, h.store.Ping, h.reg)
	if err != nil {
		tb.Fatalf("Mux: %v", err)
	}
	h.mux.Store(mux)
	return h
}

// close stops the poller, the fake, the HTTP server, the bot and the store, in
// that order, so that no update is submitted to a closed bot.
func (h *harness) close() {
	h.stopPolling()
	if h.fake != nil {
		h.fake.Close()
	}
	if h.srv != nil {
		h.srv.Close()
	}
	if h.bot != nil {
		h.bot.Close()
	}
	if h.store != nil {
		_ = h.store.Close()
	}
}

// startPolling runs the bot's long polling until the test ends.
func (h *harness) startPolling() {
	h.tb.Helper()
	h.pollMu.Lock()
	defer h.pollMu.Unlock()
	if h.pollCancel != nil {
		h.tb.Fatal("already polling")
	}
	ctx, cancel := context.WithCancel(h.ctx)
	h.pollCancel, h.pollDone = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		h.bot.Poll(ctx)
	}(h.pollDone)
}

func (h *harness) stopPolling() {
	h.pollMu.Lock()
	defer h.pollMu.Unlock()
	if h.pollCancel == nil {
		return
	}
	h.pollCancel()
	<-h.pollDone
	h.pollCancel = nil
}

// handle gives one update straight to HandleUpdate, with a fresh update_id
// unless it has one, and returns the id and HandleUpdate's error.
func (h *harness) handle(u map[string]any) (int64, error) {
	h.tb.Helper()
	id := h.withID(u)
	return id, h.bot.HandleUpdate(h.ctx, decodeUpdate(h.tb, u))
}

// mustHandle is handle that fails the test on error.
func (h *harness) mustHandle(u map[string]any) int64 {
	h.tb.Helper()
	id, err := h.handle(u)
	if err != nil {
		h.tb.Fatalf("HandleUpdate: %v", err)
	}
	return id
}

// withID sets a fresh update_id on u unless it has one.
func (h *harness) withID(u map[string]any) int64 {
	if v, ok := u["update_id"].(int64); ok {
		return v
	}
	id := h.nextUpdate.Add(1)
	u["update_id"] = id
	return id
}

func decodeUpdate(tb testing.TB, u map[string]any) *models.Update {
	tb.Helper()
	raw, err := json.Marshal(u)
	if err != nil {
		tb.Fatal(err)
	}
	var out models.Update
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("decode update %s: %v", raw, err)
	}
	return &out
}

// text renders a message id in lang.
func (h *harness) text(lang, id string) string {
	h.tb.Helper()
	s := h.msgs.Text(lang, id, nil)
	if strings.Contains(s, "[[") {
		h.tb.Fatalf("message %s missing in %s", id, lang)
	}
	return s
}

// eventually waits until cond holds.
func (h *harness) eventually(what string, cond func() bool) {
	h.tb.Helper()
	deadline := time.Now().Add(waitBudget)
	for !cond() {
		if time.Now().After(deadline) {
			h.tb.Fatalf("timed out waiting for %s; journal: %s", what, h.journal())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitMessages waits until chat has at least n messages from the bot.
func (h *harness) waitMessages(chat int64, n int) []fakeapi.Message {
	h.tb.Helper()
	h.eventually(fmt.Sprintf("%d messages in chat %d", n, chat), func() bool { return len(h.fake.Messages(chat)) >= n })
	return h.fake.Messages(chat)
}

// waitCalls waits until chat has at least n calls in sentTo.
func (h *harness) waitCalls(chat int64, n int) []sent {
	h.tb.Helper()
	h.eventually(fmt.Sprintf("%d calls for chat %d", n, chat), func() bool { return len(h.sentTo(chat)) >= n })
	return h.sentTo(chat)
}

// journal summarizes the fake's calls for failure messages.
func (h *harness) journal() string {
	var b strings.Builder
	for _, c := range h.fake.Calls() {
		fmt.Fprintf(&b, "\n  %s %d chat=%s msg=%s offset=%s", c.Method, c.Status, c.Params["chat_id"], c.Params["message_id"], c.Params["offset"])
	}
	return b.String()
}

// sent is one message-changing call to the Bot API, as the fake received it.
type sent struct {
	Method    string
	MessageID string // editMessageText only
	Text      string
	Markup    string // raw reply_markup JSON, "" when none
	Status    int
}

func (s sent) String() string {
	return fmt.Sprintf("%s(msg=%q, %d) %q markup=%s", s.Method, s.MessageID, s.Status, s.Text, s.Markup)
}

// sentTo lists the sendMessage, editMessageText and sendVenue calls for chat, in order.
func (h *harness) sentTo(chat int64) []sent {
	id := strconv.FormatInt(chat, 10)
	var out []sent
	for _, c := range h.fake.Calls() {
		switch c.Method {
		case "sendMessage", "editMessageText", "sendVenue":
		default:
			continue
		}
		if c.Params["chat_id"] != id {
			continue
		}
		out = append(out, sent{Method: c.Method, MessageID: c.Params["message_id"], Text: c.Params["text"], Markup: c.Params["reply_markup"], Status: c.Status})
	}
	return out
}

// wantSent compares calls with want, exactly.
func wantSent(tb testing.TB, what string, got, want []sent) {
	tb.Helper()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i].String()
		}
		if i < len(want) {
			w = want[i].String()
		}
		mark := " "
		if g != w {
			mark = "≠"
		}
		fmt.Fprintf(&b, "\n%s #%d\n   got  %s\n   want %s", mark, i, g, w)
	}
	tb.Errorf("%s: calls differ:%s", what, b.String())
}

// sendMsg and edit build expected calls.
func sendMsg(text, markup string) sent {
	return sent{Method: "sendMessage", Text: text, Markup: markup, Status: http.StatusOK}
}

func edit(msgID int, text, markup string) sent {
	return sent{Method: "editMessageText", MessageID: strconv.Itoa(msgID), Text: text, Markup: markup, Status: http.StatusOK}
}

// btn is an expected button: its label and its flow data before signing.
type btn struct{ Text, Data string }

// keyboard renders the reply_markup JSON the bot must send to chat: every
// button's callback_data is the data, bound to the person's session, signed
// for that person.
func (h *harness) keyboard(chat int64, rows ...[]btn) string {
	h.tb.Helper()
	type button struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data"`
	}
	kb := struct {
		InlineKeyboard [][]button `json:"inline_keyboard"`
	}{}
	for _, row := range rows {
		var out []button
		for _, b := range row {
			data, ok := NewSigner([]byte(testButtonSecret)).Sign(chat, h.bound(chat, b.Data))
			if !ok {
				h.tb.Fatalf("data %q does not fit", b.Data)
			}
			out = append(out, button{b.Text, data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, out)
	}
	raw, err := json.Marshal(kb)
	if err != nil {
		h.tb.Fatal(err)
	}
	return string(raw)
}

// press returns the callback_data of the button of markup whose verified data
// is data (once the session nonce is set aside): what Telegram sends back
// when the person taps it.
func (h *harness) press(chat int64, markup, data string) string {
	h.tb.Helper()
	var kb struct {
		InlineKeyboard [][]map[string]any `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &kb); err != nil {
		h.tb.Fatalf("reply_markup %q: %v", markup, err)
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			cb, _ := b["callback_data"].(string)
			if got, ok := h.bot.signer.Verify(chat, cb); ok && flowData(got) == data {
				return cb
			}
		}
	}
	h.tb.Fatalf("no button with data %q signed for %d in %s", data, chat, markup)
	return ""
}

// callbackID reads the id of the callback query of an update built by fakeapi.CallbackUpdate.
func callbackID(u map[string]any) string {
	return u["callback_query"].(map[string]any)["id"].(string)
}

// claimed tells whether update id was claimed, taking its claim when not.
func (h *harness) claimed(id int64) bool {
	h.tb.Helper()
	_, _, err := h.store.Open(h.ctx, 0, flows.Claim{UpdateID: id, Token: "probe"})
	if err != nil && !errors.Is(err, flows.ErrDuplicate) && !errors.Is(err, flows.ErrNotFound) {
		h.tb.Fatalf("claim of update %d: %v", id, err)
	}
	return errors.Is(err, flows.ErrDuplicate)
}

// session loads chat's session from Redis.
func (h *harness) session(chat int64) *flows.Session {
	h.tb.Helper()
	s, err := h.store.Load(h.ctx, chat)
	if err != nil {
		h.tb.Fatalf("load session %d: %v", chat, err)
	}
	return s
}

// seed stores a session for chat.
func (h *harness) seed(chat int64, s *flows.Session) {
	h.tb.Helper()
	if s.Version == 0 {
		s.Version = flows.SessionVersion
	}
	if s.Created.IsZero() {
		s.Created, s.Seen = h.clock.Now(), h.clock.Now()
	}
	if s.Nonce == "" {
		s.Nonce = "seeded"
	}
	if err := h.store.Commit(h.ctx, chat, s, nil); err != nil {
		h.tb.Fatalf("seed session %d: %v", chat, err)
	}
}

// counter reads a labelled counter of the bot's registry; 0 when absent.
func (h *harness) counter(name, label, value string) float64 {
	h.tb.Helper()
	families, err := h.reg.Gather()
	if err != nil {
		h.tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelIs(m, label, value) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labelIs(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// postWebhook posts body to the bot's webhook handler with secret (none when
// empty) and returns the HTTP status.
func (h *harness) postWebhook(secret string, body []byte) int {
	h.tb.Helper()
	req := httptest.NewRequest(http.MethodPost, webhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	rec := httptest.NewRecorder()
	h.bot.WebhookHandler().ServeHTTP(rec, req)
	return rec.Code
}

// updateJSON gives u a fresh update_id unless it has one and encodes it.
func (h *harness) updateJSON(u map[string]any) (int64, []byte) {
	h.tb.Helper()
	id := h.withID(u)
	raw, err := json.Marshal(u)
	if err != nil {
		h.tb.Fatal(err)
	}
	return id, raw
}

// getUpdatesOffsets lists the offset of every getUpdates call, in order.
func (h *harness) getUpdatesOffsets() []int64 {
	var out []int64
	for _, c := range h.fake.CallsTo("getUpdates") {
		n, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
		out = append(out, n)
	}
	return out
}

// groupUpdate builds a message update from user in the group chat.
func groupUpdate(group, user int64, text, lang string) map[string]any {
	return map[string]any{"message": map[string]any{
		"message_id": 1,
		"from":       map[string]any{"id": user, "is_bot": false, "first_name": "User", "language_code": lang},
		"chat":       map[string]any{"id": group, "type": "supergroup", "title": "Entraide"},
		"date":       fixedNow.Unix(),
		"text":       text,
	}}
}

// languageOrder is the language menu order for a client language hint.
func languageOrder(hint string) []locales.Language {
	first := locales.Match(hint)
	var out []locales.Language
	for _, l := range locales.Languages {
		if l.Code == first {
			out = append([]locales.Language{l}, out...)
		} else {
			out = append(out, l)
		}
	}
	return out
}

// languageMenu is the expected language prompt and its keyboard for hint.
func (h *harness) languageMenu(chat int64, hint string) (string, string) {
	h.tb.Helper()
	var lines []string
	var rows [][]btn
	for i, l := range languageOrder(hint) {
		lines = append(lines, h.text(l.Code, "LanguagePrompt"))
		b := btn{l.Name, "lang:" + l.Code}
		if i%2 == 0 {
			rows = append(rows, []btn{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	return "🌐 " + strings.Join(lines, "\n"), h.keyboard(chat, rows...)
}

// mainMenu is the keyboard of the main menu in lang, for someone with a territory.
func (h *harness) mainMenu(chat int64, lang string) string {
	h.tb.Helper()
	return h.keyboard(chat,
		[]btn{{h.text(lang, "MenuGuide"), "g:h"}, {h.text(lang, "MenuEvents"), "ev:l"}},
		[]btn{{h.text(lang, "MenuRemind"), "rm:new"}, {h.text(lang, "MenuSurveys"), "sv:list"}}, // the sample survey is open on fixedNow
		[]btn{{h.text(lang, "MenuAskHelp"), "hr:new"}, {h.text(lang, "MenuEmergency"), "menu:sos"}},
		[]btn{{h.text(lang, "MenuTerritory"), "menu:ter"}, {h.text(lang, "MenuLanguage"), "menu:lang"}},
		[]btn{{h.text(lang, "MenuPrivacy"), "menu:priv"}, {h.text(lang, "MenuHelp"), "menu:help"}},
	)
}

// menuButton is the one-button "back to the menu" keyboard in lang.
func (h *harness) menuButton(chat int64, lang string) string {
	h.tb.Helper()
	return h.keyboard(chat, []btn{{h.text(lang, "ButtonMenu"), "menu:home"}})
}

// helpText is the answer to /help in lang.
// privacyText is the privacy notice as the engine shows it with the
// harness's content: the notice, who is responsible for the data, the commands.
func (h *harness) privacyText(lang string) string {
	text := h.text(lang, "PrivacyNotice")
	if c, ok := h.engine.Content().DataContact(); ok {
		text += "\n\n" + h.msgs.Text(lang, "PrivacyContact", map[string]any{"Controller": c.Name(lang), "Contact": c.Contact})
	}
	return text + "\n\n" + h.text(lang, "PrivacyCommands")
}

func (h *harness) helpText(lang string) string {
	// The harness has a store (reminders) and no territory (no requests).
	return h.text(lang, "Help") + "\n" + h.text(lang, "HelpRemindCommands") + "\n" + h.text(lang, "HelpEmergencyCommand") + "\n\n" + h.text(lang, "HelpSearch")
}
