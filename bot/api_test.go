package bot

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// countingConn counts the writes made on a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// seenRequest is what the server saw of one request.
type seenRequest struct {
	method, contentType string
	length              int64
	chunked             bool
	body                map[string]any
}

// apiServer answers every method with result, or with the error of fail
// when it is set, and records what it saw.
func apiServer(t *testing.T, result string, fail *envelope[any]) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var (
		mu   sync.Mutex
		seen []seenRequest
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		s := seenRequest{method: r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:], contentType: r.Header.Get("Content-Type"),
			length: r.ContentLength, chunked: len(r.TransferEncoding) > 0}
		_ = json.Unmarshal(raw, &s.body)
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if fail != nil {
			_ = json.NewEncoder(w).Encode(fail)
			return
		}
		io.WriteString(w, `{"ok":true,"result":`+result+`}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]seenRequest(nil), seen...)
	}
}

// A call without a file is one JSON body with its length, written in one go
// on a kept-alive connection.
func TestAPIOneWritePerRequest(t *testing.T) {
	srv, seen := apiServer(t, `{"message_id":7,"date":1,"chat":{"id":42,"type":"private"},"text":"x"}`, nil)
	b, err := New(Config{Token: testToken, APIURL: srv.URL, Handler: nil})
	if err != nil {
		t.Fatal(err)
	}
	var writes atomic.Int64
	tr := apiTransport()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{Conn: c, writes: &writes}, err
	}
	b.api.client = &http.Client{Transport: tr}
	ctx := context.Background()
	kb := &inlineKeyboardMarkup{InlineKeyboard: [][]inlineButton{{{Text: "Oui", CallbackData: "fgt:yes~abcdefghijk"}}}}
	calls := []struct {
		name string
		call func() error
	}{
		{"sendMessage", func() error {
			id, err := b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: int64(42), Text: "Bonjour « toi »", ReplyMarkup: kb})
			if err == nil && id != 7 {
				t.Errorf("sendMessage result: message %d", id)
			}
			return err
		}},
		{"editMessageText", func() error {
			return b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: int64(42), MessageID: 7, Text: "مرحبا"})
		}},
		{"sendVenue", func() error {
			return b.api.SendVenue(ctx, &tgbot.SendVenueParams{ChatID: int64(42), Latitude: 47.32, Longitude: 5.04, Title: "CESAM", Address: "Dijon"})
		}},
	}
	for _, c := range calls {
		before := writes.Load()
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n := writes.Load() - before; n != 1 {
			t.Errorf("%s: %d writes, want 1", c.name, n)
		}
	}
	got := seen()
	if len(got) != len(calls) {
		t.Fatalf("server saw %d requests, want %d", len(got), len(calls))
	}
	for i, s := range got {
		if s.method != calls[i].name || s.contentType != "application/json" || s.length <= 0 || s.chunked {
			t.Errorf("request %d: %+v; want %s, JSON with a Content-Length", i, s, calls[i].name)
		}
	}
	// The exact Bot API fields, as Telegram reads them.
	if m := got[0].body; m["chat_id"] != 42.0 || m["text"] != "Bonjour « toi »" ||
		m["reply_markup"].(map[string]any)["inline_keyboard"].([]any)[0].([]any)[0].(map[string]any)["callback_data"] != "fgt:yes~abcdefghijk" {
		t.Errorf("sendMessage body %v", m)
	}
	if m := got[1].body; m["message_id"] != 7.0 || m["text"] != "مرحبا" || m["reply_markup"] != nil {
		t.Errorf("editMessageText body %v", m)
	}
	if m := got[2].body; m["latitude"] != 47.32 || m["title"] != "CESAM" {
		t.Errorf("sendVenue body %v", m)
	}
}

// Refusals come back as go-telegram/bot's own error classes, which the bot
// and the sender tell apart.
func TestAPIErrors(t *testing.T) {
	refusal := func(code int, desc string, retryAfter, migrate int) *envelope[any] {
		r := &envelope[any]{}
		r.ErrorCode, r.Description = code, desc
		r.Parameters.RetryAfter, r.Parameters.MigrateToChatID = retryAfter, migrate
		return r
	}
	cases := []struct {
		name  string
		fail  *envelope[any]
		check func(error) bool
	}{
		{"blocked", refusal(403, "Forbidden: bot was blocked by the user", 0, 0), func(err error) bool { return errors.Is(err, tgbot.ErrorForbidden) }},
		{"bad request", refusal(400, "Bad Request: message is not modified", 0, 0), func(err error) bool {
			return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "not modified")
		}},
		{"migrated", refusal(400, "Bad Request: group chat was upgraded", 0, -100123), func(err error) bool {
			var m *tgbot.MigrateError
			return errors.As(err, &m) && m.MigrateToChatID == -100123
		}},
		{"token", refusal(401, "Unauthorized", 0, 0), func(err error) bool { return errors.Is(err, tgbot.ErrorUnauthorized) }},
		{"not found", refusal(404, "Not Found", 0, 0), func(err error) bool { return errors.Is(err, tgbot.ErrorNotFound) }},
		{"conflict", refusal(409, "Conflict", 0, 0), func(err error) bool { return errors.Is(err, tgbot.ErrorConflict) }},
		{"flood", refusal(429, "Too Many Requests: retry after 7", 7, 0), func(err error) bool {
			var tm *tgbot.TooManyRequestsError
			return errors.As(err, &tm) && tm.RetryAfter == 7
		}},
		{"server", refusal(502, "Bad Gateway", 0, 0), func(err error) bool {
			return err != nil && strings.Contains(err.Error(), "502 Bad Gateway")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := apiServer(t, "", c.fail)
			a := newAPI(nil, http.DefaultClient, srv.URL, testToken)
			_, err := a.SendMessage(context.Background(), &tgbot.SendMessageParams{ChatID: int64(1), Text: "x"})
			if !c.check(err) {
				t.Errorf("error %v (%T)", err, err)
			}
		})
	}
	// An answer that is no Bot API JSON, and a server that cannot be reached
	// (its address, with the token, is never quoted).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "<html>proxy</html>") }))
	defer srv.Close()
	if _, err := newAPI(nil, http.DefaultClient, srv.URL, testToken).GetMe(context.Background()); err == nil || !strings.Contains(err.Error(), "no Bot API JSON") {
		t.Errorf("HTML answer: %v", err)
	}
	srv.Close()
	_, err := newAPI(nil, http.DefaultClient, srv.URL, testToken).GetMe(context.Background())
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("unreachable server: %v", err)
	}
	var me *models.User
	srv2, _ := apiServer(t, `{"id":1,"is_bot":true,"first_name":"P","username":"PasserelleBot"}`, nil)
	if me, err = newAPI(nil, http.DefaultClient, srv2.URL, testToken).GetMe(context.Background()); err != nil || me.Username != "PasserelleBot" {
		t.Errorf("getMe = %+v, %v", me, err)
	}
}
