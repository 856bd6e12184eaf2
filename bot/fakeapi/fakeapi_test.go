package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "123456:TEST-token"

// apiResponse is a decoded Bot API answer.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// update is the part of an update the tests look at.
type update struct {
	UpdateID int64 `json:"update_id"`
	Message  *struct {
		MessageID int    `json:"message_id"`
		Text      string `json:"text"`
	} `json:"message"`
}

func newServer(t *testing.T) *Server {
	t.Helper()
	s := New(testToken)
	t.Cleanup(s.Close)
	return s
}

// stepClock is a clock that moves only when the test advances it.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the clock's time.
func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock d ahead.
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedServer starts a fake whose limits read a clock the test moves.
func newClockedServer(t *testing.T) (*Server, *stepClock) {
	t.Helper()
	clock := &stepClock{now: time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)}
	s := New(testToken, WithClock(clock.Now))
	t.Cleanup(s.Close)
	return s, clock
}

func methodURL(s *Server, method string) string {
	return s.URL() + "/bot" + testToken + "/" + method
}

// do sends req and decodes the answer.
func do(t *testing.T, req *http.Request) (int, apiResponse) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("decode answer %q: %v", body, err)
	}
	if r.OK != (resp.StatusCode == http.StatusOK) || (!r.OK && r.ErrorCode != resp.StatusCode) {
		t.Fatalf("answer %s does not match HTTP status %d", body, resp.StatusCode)
	}
	return resp.StatusCode, r
}

// multipartBody encodes p as multipart/form-data, like the client library does.
func multipartBody(t *testing.T, p map[string]string) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if err := w.WriteField(k, p[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, w.FormDataContentType()
}

// call posts method with multipart parameters.
func call(t *testing.T, s *Server, method string, p map[string]string) (int, apiResponse) {
	t.Helper()
	body, ct := multipartBody(t, p)
	req, err := http.NewRequest(http.MethodPost, methodURL(s, method), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	return do(t, req)
}

// mustCall posts method and fails the test unless it succeeds.
func mustCall(t *testing.T, s *Server, method string, p map[string]string) json.RawMessage {
	t.Helper()
	status, r := call(t, s, method, p)
	if status != http.StatusOK {
		t.Fatalf("%s %v: got %d %q, want 200", method, p, status, r.Description)
	}
	return r.Result
}

// wantError posts method and checks the error answer.
func wantError(t *testing.T, s *Server, method string, p map[string]string, code int, desc string) {
	t.Helper()
	status, r := call(t, s, method, p)
	if status != code || !strings.HasPrefix(r.Description, desc) {
		t.Fatalf("%s: got %d %q, want %d %q", method, status, r.Description, code, desc)
	}
}

func decodeUpdates(t *testing.T, raw json.RawMessage) []update {
	t.Helper()
	var us []update
	if err := json.Unmarshal(raw, &us); err != nil {
		t.Fatalf("decode updates %s: %v", raw, err)
	}
	return us
}

func updateIDs(us []update) []int64 {
	ids := make([]int64, len(us))
	for i, u := range us {
		ids[i] = u.UpdateID
	}
	return ids
}

// waitUntil polls cond until it holds or a second has passed.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestRouting(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		name, path string
		wantStatus int
		wantDesc   string
	}{
		{"good token", "/bot" + testToken + "/getMe", 200, ""},
		{"method case-insensitive", "/bot" + testToken + "/GETME", 200, ""},
		{"wrong token", "/bot999:other/getMe", 401, "Unauthorized"},
		{"unknown method", "/bot" + testToken + "/sendPigeon", 404, "Not Found"},
		{"no bot prefix", "/getMe", 404, "Not Found"},
		{"no method", "/bot" + testToken, 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.URL()+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			status, r := do(t, req)
			if status != tt.wantStatus || r.Description != tt.wantDesc {
				t.Fatalf("got %d %q, want %d %q", status, r.Description, tt.wantStatus, tt.wantDesc)
			}
			if status == 200 {
				want := `{"id":7000000001,"is_bot":true,"first_name":"Passerelle","username":"PasserelleBot"}`
				if got := canonicalJSON(string(r.Result)); got != canonicalJSON(want) {
					t.Fatalf("getMe = %s, want %s", got, want)
				}
			}
		})
	}
	calls := s.Calls()
	if len(calls) != len(tests) {
		t.Fatalf("journal has %d calls, want %d", len(calls), len(tests))
	}
	for i, c := range calls {
		if c.Status != tests[i].wantStatus {
			t.Errorf("call %d (%s): status %d, want %d", i, c.Method, c.Status, tests[i].wantStatus)
		}
	}
	if got := len(s.CallsTo("getme")); got != 3 {
		t.Errorf("CallsTo(getme) = %d calls, want 3", got)
	}
	if s.BotUsername() != "PasserelleBot" {
		t.Errorf("BotUsername = %q", s.BotUsername())
	}
}

func TestParameterEncodings(t *testing.T) {
	markup := `{"inline_keyboard":[[{"text":"Oui","callback_data":"yes"}]]}`
	tests := []struct {
		name    string
		request func(t *testing.T, u string) *http.Request
		want    map[string]string
	}{
		{
			name: "multipart",
			request: func(t *testing.T, u string) *http.Request {
				body, ct := multipartBody(t, map[string]string{"chat_id": "42", "text": "héllo", "reply_markup": markup})
				req, _ := http.NewRequest(http.MethodPost, u, body)
				req.Header.Set("Content-Type", ct)
				return req
			},
			want: map[string]string{"chat_id": "42", "text": "héllo", "reply_markup": markup},
		},
		{
			name: "urlencoded",
			request: func(t *testing.T, u string) *http.Request {
				form := url.Values{"chat_id": {"42"}, "text": {"héllo & co"}}
				req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return req
			},
			want: map[string]string{"chat_id": "42", "text": "héllo & co"},
		},
		{
			name: "json",
			request: func(t *testing.T, u string) *http.Request {
				body := `{"chat_id": 12345678901234567, "text": "héllo", "disable_notification": true,
					"reply_markup": {"inline_keyboard": [[{"text": "Oui", "callback_data": "yes"}]]}, "parse_mode": null}`
				req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
				return req
			},
			want: map[string]string{
				"chat_id": "12345678901234567", "text": "héllo", "disable_notification": "true", "reply_markup": markup,
			},
		},
		{
			name: "query string",
			request: func(t *testing.T, u string) *http.Request {
				req, _ := http.NewRequest(http.MethodGet, u+"?chat_id=-42&text=salut", nil)
				return req
			},
			want: map[string]string{"chat_id": "-42", "text": "salut"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			if status, r := do(t, tt.request(t, methodURL(s, "sendMessage"))); status != 200 {
				t.Fatalf("got %d %q", status, r.Description)
			}
			calls := s.CallsTo("sendMessage")
			if len(calls) != 1 || !maps.Equal(calls[0].Params, tt.want) {
				t.Fatalf("params = %v, want %v", calls, tt.want)
			}
		})
	}

	t.Run("empty multipart body", func(t *testing.T) {
		// The client library sends parameterless calls such as getMe this way.
		s := newServer(t)
		req, _ := http.NewRequest(http.MethodPost, methodURL(s, "getMe"), http.NoBody)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
		if status, r := do(t, req); status != 200 {
			t.Fatalf("got %d %q", status, r.Description)
		}
	})
}

func TestGetUpdatesLongPoll(t *testing.T) {
	s := newServer(t)
	type result struct {
		status int
		r      apiResponse
		took   time.Duration
	}
	done := make(chan result, 1)
	body, ct := multipartBody(t, map[string]string{"timeout": "5"})
	go func() {
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, methodURL(s, "getUpdates"), body)
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{}
			return
		}
		defer resp.Body.Close()
		var r apiResponse
		_ = json.NewDecoder(resp.Body).Decode(&r)
		done <- result{resp.StatusCode, r, time.Since(start)}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	pending := func(calls []Call) bool {
		return len(calls) == 1 && calls[0].Method == "getUpdates" && calls[0].Status == 0
	}
	if err := s.WaitFor(ctx, pending); err != nil {
		t.Fatal(err)
	}
	id := s.Push(TextUpdate(42, "bonjour", "fr"))

	select {
	case res := <-done:
		if res.status != 200 {
			t.Fatalf("long poll answered %d %q", res.status, res.r.Description)
		}
		us := decodeUpdates(t, res.r.Result)
		if len(us) != 1 || us[0].UpdateID != id || us[0].Message == nil || us[0].Message.Text != "bonjour" {
			t.Fatalf("long poll returned %s", res.r.Result)
		}
		if res.took > 2*time.Second {
			t.Fatalf("long poll took %v", res.took)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("long poll did not return after Push")
	}
	if calls := s.CallsTo("getUpdates"); calls[0].Status != 200 {
		t.Fatalf("journal status after answer = %d", calls[0].Status)
	}

	t.Run("times out empty", func(t *testing.T) {
		s := newServer(t)
		start := time.Now()
		res := mustCall(t, s, "getUpdates", map[string]string{"timeout": "0.05"})
		if took := time.Since(start); took < 50*time.Millisecond || took > time.Second {
			t.Fatalf("timeout 0.05 took %v", took)
		}
		if string(res) != "[]" {
			t.Fatalf("result = %s, want []", res)
		}
	})
}

func TestGetUpdatesOffsets(t *testing.T) {
	s := newServer(t)
	for i := range 3 {
		if got := s.Push(TextUpdate(42, "m", "")); got != int64(i+1) {
			t.Fatalf("Push #%d = %d", i, got)
		}
	}
	if got := s.Push(map[string]any{"update_id": 10, "message": map[string]any{"text": "x"}}); got != 10 {
		t.Fatalf("explicit update_id: got %d", got)
	}
	if got := s.Push(TextUpdate(42, "m", "")); got != 11 {
		t.Fatalf("after explicit 10: got %d, want 11", got)
	}

	steps := []struct {
		params map[string]string
		want   []int64
	}{
		{map[string]string{}, []int64{1, 2, 3, 10, 11}},
		{map[string]string{"limit": "2"}, []int64{1, 2}},
		{map[string]string{"offset": "3"}, []int64{3, 10, 11}},
		{map[string]string{}, []int64{3, 10, 11}}, // 1 and 2 were confirmed
		{map[string]string{"offset": "-1"}, []int64{11}},
		{map[string]string{"offset": "12"}, []int64{}},
	}
	for i, st := range steps {
		got := updateIDs(decodeUpdates(t, mustCall(t, s, "getUpdates", st.params)))
		if !slices.Equal(got, st.want) {
			t.Fatalf("step %d %v: got %v, want %v", i, st.params, got, st.want)
		}
	}
}

func TestFailNext(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		times     int
		wantRetry int
	}{
		{"429 flood", Fault{Code: 429, RetryAfter: 1, Description: "Too Many Requests: retry after 1"}, 1, 1},
		{"403 forbidden", Fault{Code: 403, Description: "Forbidden: bot was blocked by the user"}, 1, 0},
		{"500 twice", Fault{Code: 500, Description: "Internal Server Error"}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newClockedServer(t)
			s.FailNext("SENDMESSAGE", tt.fault, tt.times)
			p := map[string]string{"chat_id": "42", "text": "hi"}
			mustCall(t, s, "getMe", nil) // other methods are unaffected
			for range tt.times {
				status, r := call(t, s, "sendMessage", p)
				if status != tt.fault.Code || r.Description != tt.fault.Description {
					t.Fatalf("got %d %q, want %d %q", status, r.Description, tt.fault.Code, tt.fault.Description)
				}
				if tt.wantRetry == 0 && r.Parameters != nil {
					t.Fatalf("parameters present without retry_after")
				}
				if tt.wantRetry != 0 && (r.Parameters == nil || r.Parameters.RetryAfter != tt.wantRetry) {
					t.Fatalf("parameters = %+v, want retry_after %d", r.Parameters, tt.wantRetry)
				}
			}
			if tt.wantRetry != 0 {
				clock.Advance(time.Duration(tt.wantRetry) * time.Second) // the bot is held until then
			}
			mustCall(t, s, "sendMessage", p)
			var statuses []int
			for _, c := range s.CallsTo("sendMessage") {
				statuses = append(statuses, c.Status)
			}
			want := append(slices.Repeat([]int{tt.fault.Code}, tt.times), 200)
			if !slices.Equal(statuses, want) {
				t.Fatalf("journal statuses %v, want %v", statuses, want)
			}
			if got := len(s.Messages(42)); got != 1 {
				t.Fatalf("failed calls stored messages: %d", got)
			}
		})
	}
}

func TestBlock(t *testing.T) {
	s := newServer(t)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "avant"})
	s.Block(42, true)
	const forbidden = "Forbidden: bot was blocked by the user"
	wantError(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "hi"}, 403, forbidden)
	wantError(t, s, "editMessageText", map[string]string{"chat_id": "42", "message_id": "1", "text": "x"}, 403, forbidden)
	wantError(t, s, "sendLocation", map[string]string{"chat_id": "42", "latitude": "45", "longitude": "4"}, 403, forbidden)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "43", "text": "other chat"})
	s.Block(42, false)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "après"})
	if got := len(s.Messages(42)); got != 2 {
		t.Fatalf("Messages(42) has %d messages, want 2", got)
	}
}

// receiver is a webhook endpoint recording what it gets.
type receiver struct {
	mu      sync.Mutex
	ids     []int64
	secrets []string
	answer  func(n int) int // HTTP status for the n-th request (from 0)
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var u update
	_ = json.NewDecoder(r.Body).Decode(&u)
	rc.mu.Lock()
	n := len(rc.ids)
	rc.ids = append(rc.ids, u.UpdateID)
	rc.secrets = append(rc.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
	rc.mu.Unlock()
	w.WriteHeader(rc.answer(n))
}

func (rc *receiver) seen() ([]int64, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.ids), slices.Clone(rc.secrets)
}

func newReceiver(t *testing.T, answer func(n int) int) (*receiver, string) {
	t.Helper()
	rc := &receiver{answer: answer}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)
	return rc, ts.URL
}

func TestWebhookPush(t *testing.T) {
	for _, secret := range []string{"s3cr3t_token-1", ""} {
		t.Run("secret="+secret, func(t *testing.T) {
			s := newServer(t)
			rc, target := newReceiver(t, func(n int) int {
				if n == 0 {
					return http.StatusInternalServerError
				}
				return http.StatusOK
			})
			mustCall(t, s, "setWebhook", map[string]string{"url": target, "secret_token": secret})
			wantError(t, s, "getUpdates", nil, 409,
				"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

			for range 3 {
				s.Push(TextUpdate(42, "m", ""))
			}
			waitUntil(t, "three deliveries", func() bool { return len(s.Deliveries()) >= 4 })

			ids, secrets := rc.seen()
			if want := []int64{1, 1, 2, 3}; !slices.Equal(ids, want) {
				t.Fatalf("receiver got %v, want %v", ids, want)
			}
			for i, got := range secrets {
				if got != secret {
					t.Fatalf("request %d secret header %q, want %q", i, got, secret)
				}
			}
			want := []Delivery{
				{UpdateID: 1, Status: 500, Err: "Wrong response from the webhook: 500 Internal Server Error"},
				{UpdateID: 1, Status: 200}, {UpdateID: 2, Status: 200}, {UpdateID: 3, Status: 200},
			}
			if got := s.Deliveries(); !slices.Equal(got, want) {
				t.Fatalf("Deliveries = %+v, want %+v", got, want)
			}
			var info struct {
				URL     string `json:"url"`
				Pending int    `json:"pending_update_count"`
			}
			if err := json.Unmarshal(mustCall(t, s, "getWebhookInfo", nil), &info); err != nil {
				t.Fatal(err)
			}
			if info.URL != target || info.Pending != 0 {
				t.Fatalf("getWebhookInfo = %+v", info)
			}
		})
	}
}

func TestWebhookDeleteReturnsUpdates(t *testing.T) {
	s := newServer(t)
	_, target := newReceiver(t, func(int) int { return http.StatusServiceUnavailable })
	mustCall(t, s, "setWebhook", map[string]string{"url": target})
	id := s.Push(TextUpdate(42, "perdu ?", ""))
	waitUntil(t, "two failed attempts", func() bool { return len(s.Deliveries()) >= 2 })
	for _, d := range s.Deliveries() {
		if d.UpdateID != id || d.Status != 503 || d.Err == "" {
			t.Fatalf("unexpected delivery %+v", d)
		}
	}
	mustCall(t, s, "deleteWebhook", nil)
	got := updateIDs(decodeUpdates(t, mustCall(t, s, "getUpdates", nil)))
	if !slices.Equal(got, []int64{id}) {
		t.Fatalf("getUpdates after deleteWebhook = %v, want [%d]", got, id)
	}
}

func TestEditMessageText(t *testing.T) {
	s := newServer(t)
	kb := `{"inline_keyboard":[[{"text":"Oui","callback_data":"yes"}]]}`
	kbReordered := `{ "inline_keyboard": [[{"callback_data": "yes", "text": "Oui"}]] }`
	res := mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "Bonjour", "reply_markup": kb})
	var sent struct {
		MessageID int `json:"message_id"`
		Chat      struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(res, &sent); err != nil {
		t.Fatal(err)
	}
	if sent.MessageID != 1 || sent.Chat.ID != 42 || sent.Chat.Type != "private" || sent.Text != "Bonjour" {
		t.Fatalf("sendMessage result %s", res)
	}
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "43", "text": "autre"})
	mustCall(t, s, "sendLocation", map[string]string{"chat_id": "42", "latitude": "45.75", "longitude": "4.85"})

	const notFound, notModified = "Bad Request: message to edit not found", "Bad Request: message is not modified"
	steps := []struct {
		name       string
		params     map[string]string
		wantStatus int
		wantDesc   string
		wantText   string
		wantMarkup string
	}{
		{"unknown id", map[string]string{"chat_id": "42", "message_id": "9", "text": "x"}, 400, notFound, "Bonjour", kb},
		{"other chat", map[string]string{"chat_id": "44", "message_id": "1", "text": "x"}, 400, notFound, "Bonjour", kb},
		{"same content", map[string]string{"chat_id": "42", "message_id": "1", "text": "Bonjour", "reply_markup": kbReordered}, 400, notModified, "Bonjour", kb},
		{"new text", map[string]string{"chat_id": "42", "message_id": "1", "text": "Bonsoir", "reply_markup": kb}, 200, "", "Bonsoir", kb},
		{"markup removed", map[string]string{"chat_id": "42", "message_id": "1", "text": "Bonsoir"}, 200, "", "Bonsoir", ""},
		{"no text to edit", map[string]string{"chat_id": "42", "message_id": "2", "text": "x"}, 400, "Bad Request: there is no text", "Bonsoir", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.wantStatus == 200 {
				mustCall(t, s, "editMessageText", st.params)
			} else {
				wantError(t, s, "editMessageText", st.params, st.wantStatus, st.wantDesc)
			}
			m := s.Messages(42)[0]
			if m.Text != st.wantText || m.Markup != st.wantMarkup || m.Kind != "text" || m.ID != 1 {
				t.Fatalf("Messages(42)[0] = %+v, want text %q markup %q", m, st.wantText, st.wantMarkup)
			}
		})
	}
	want := []Message{{ID: 1, ChatID: 43, Text: "autre", Kind: "text"}}
	if got := s.Messages(43); !reflect.DeepEqual(got, want) {
		t.Fatalf("Messages(43) = %+v", got)
	}
	if got := s.Messages(42)[1]; got.Kind != "location" || got.Text != "45.75,4.85" {
		t.Fatalf("location message = %+v", got)
	}
	mustCall(t, s, "sendVenue", map[string]string{
		"chat_id": "42", "latitude": "45.75", "longitude": "4.85", "title": "Mairie", "address": "1 place X",
	})
	if got := s.Messages(42)[2]; got.Kind != "venue" || got.ID != 3 || got.Text != "Mairie\n1 place X" {
		t.Fatalf("venue message = %+v", got)
	}
}

func TestValidation(t *testing.T) {
	button := func(data string) string {
		b, _ := json.Marshal(map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "B", "callback_data": data}}}})
		return string(b)
	}
	send := func(text, markup string) map[string]string {
		p := map[string]string{"chat_id": "42", "text": text}
		if markup != "" {
			p["reply_markup"] = markup
		}
		return p
	}
	const buttonInvalid = "Bad Request: BUTTON_DATA_INVALID"
	tests := []struct {
		name     string
		method   string
		params   map[string]string
		wantDesc string // "" means success
	}{
		{"callback_data 64 bytes", "sendMessage", send("hi", button(strings.Repeat("a", 64))), ""},
		{"callback_data 65 bytes", "sendMessage", send("hi", button(strings.Repeat("a", 65))), buttonInvalid},
		{"callback_data 33 runes but 66 bytes", "sendMessage", send("hi", button(strings.Repeat("é", 33))), buttonInvalid},
		{"callback_data empty", "sendMessage", send("hi", button("")), buttonInvalid},
		{"copy_text empty", "sendMessage", send("hi", `{"inline_keyboard":[[{"text":"B","callback_data":"x","copy_text":{"text":""}}]]}`), "Bad Request: BUTTON_COPY_TEXT_INVALID"},
		{"copy_text empty on edit", "editMessageText", map[string]string{"chat_id": "42", "message_id": "1", "text": "hi", "reply_markup": `{"inline_keyboard":[[{"text":"B","copy_text":{"text":""}}]]}`}, "Bad Request: BUTTON_COPY_TEXT_INVALID"},
		{"copy_text without text", "sendMessage", send("hi", `{"inline_keyboard":[[{"text":"B","copy_text":{}}]]}`), "Bad Request: BUTTON_COPY_TEXT_INVALID"},
		{"copy_text set", "sendMessage", send("hi", `{"inline_keyboard":[[{"text":"B","copy_text":{"text":"06 12 34 56 78"}}]]}`), ""},
		{"markup not JSON", "sendMessage", send("hi", "{inline"), "Bad Request: can't parse reply keyboard markup"},
		{"text 4096 runes", "sendMessage", send(strings.Repeat("é", 4096), ""), ""},
		{"text 4097 runes", "sendMessage", send(strings.Repeat("a", 4097), ""), "Bad Request: message is too long"},
		{"text empty", "sendMessage", send("", ""), "Bad Request: message text is empty"},
		{"text missing", "sendMessage", map[string]string{"chat_id": "42"}, "Bad Request: message text is empty"},
		{"chat_id missing", "sendMessage", map[string]string{"text": "hi"}, "Bad Request: chat_id is empty"},
		{"edit too long", "editMessageText", map[string]string{"chat_id": "42", "message_id": "1", "text": strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		{"commands fr", "setMyCommands", map[string]string{"commands": `[{"command":"start","description":"Démarrer"}]`, "language_code": "fr"}, ""},
		{"commands EN", "setMyCommands", map[string]string{"commands": `[{"command":"start","description":"Start"}]`, "language_code": "EN"}, "Bad Request"},
		{"commands fra", "setMyCommands", map[string]string{"commands": `[{"command":"start","description":"Start"}]`, "language_code": "fra"}, "Bad Request"},
		{"commands bad JSON", "setMyCommands", map[string]string{"commands": `[{`}, "Bad Request"},
		{"delete commands", "deleteMyCommands", nil, ""},
		{"callback answer", "answerCallbackQuery", map[string]string{"callback_query_id": "cbq-1"}, ""},
		{"callback answer without id", "answerCallbackQuery", nil, "Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			if tt.wantDesc == "" {
				mustCall(t, s, tt.method, tt.params)
				return
			}
			wantError(t, s, tt.method, tt.params, 400, tt.wantDesc)
			if got := s.Messages(42); len(got) != 0 {
				t.Fatalf("rejected call stored %+v", got)
			}
		})
	}
}

func TestUpdateHelpers(t *testing.T) {
	roundTrip := func(v map[string]any) map[string]any {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	get := func(v any, path ...string) any {
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}

	a, b := roundTrip(TextUpdate(42, "/start abc", "fr")), roundTrip(TextUpdate(42, "salut", ""))
	if get(a, "message", "from", "id") != 42.0 || get(a, "message", "chat", "id") != 42.0 ||
		get(a, "message", "chat", "type") != "private" || get(a, "message", "from", "language_code") != "fr" {
		t.Fatalf("TextUpdate = %v", a)
	}
	if ents, _ := get(a, "message", "entities").([]any); len(ents) != 1 || get(ents[0], "length") != 6.0 {
		t.Fatalf("TextUpdate command entity = %v", get(a, "message", "entities"))
	}
	if _, has := get(b, "message", "from").(map[string]any)["language_code"]; has {
		t.Fatalf("empty language_code not omitted: %v", b)
	}
	if get(b, "message", "message_id").(float64) <= get(a, "message", "message_id").(float64) {
		t.Fatalf("message ids not increasing: %v then %v", a, b)
	}

	c1, c2 := roundTrip(CallbackUpdate(42, 5, "menu:1", "fr")), roundTrip(CallbackUpdate(42, 5, "menu:1", "fr"))
	if get(c1, "callback_query", "id") == get(c2, "callback_query", "id") ||
		get(c1, "callback_query", "data") != "menu:1" || get(c1, "callback_query", "message", "message_id") != 5.0 ||
		get(c1, "callback_query", "message", "chat", "id") != 42.0 || get(c1, "callback_query", "from", "id") != 42.0 {
		t.Fatalf("CallbackUpdate = %v / %v", c1, c2)
	}

	for _, blocked := range []bool{true, false} {
		u := roundTrip(BlockUpdate(42, blocked))
		newS, oldS := get(u, "my_chat_member", "new_chat_member", "status"), get(u, "my_chat_member", "old_chat_member", "status")
		wantNew, wantOld := "member", "kicked"
		if blocked {
			wantNew, wantOld = "kicked", "member"
		}
		if newS != wantNew || oldS != wantOld || get(u, "my_chat_member", "from", "id") != 42.0 {
			t.Fatalf("BlockUpdate(%v) = %v", blocked, u)
		}
	}
}

func TestWaitForAndReset(t *testing.T) {
	s := newServer(t)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "hi"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := s.WaitFor(ctx, func(calls []Call) bool { return len(calls) > 5 })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "sendMessage chat=42 200") {
		t.Fatalf("WaitFor error = %v", err)
	}
	if err := s.WaitFor(context.Background(), func(calls []Call) bool { return len(calls) == 1 }); err != nil {
		t.Fatal(err)
	}
	s.Calls()[0].Params["chat_id"] = "mutated"
	if got := s.Calls()[0].Params["chat_id"]; got != "42" {
		t.Fatalf("Calls shares its maps with the journal: %q", got)
	}
	s.Reset()
	if got := s.Calls(); len(got) != 0 {
		t.Fatalf("Calls after Reset = %v", got)
	}
}

// serverGoroutines counts goroutines running code of a Server.
func serverGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "fakeapi.(*Server)") {
			n++
		}
	}
	return n
}

func TestCloseEndsGoroutines(t *testing.T) {
	if n := serverGoroutines(); n != 0 {
		t.Fatalf("%d server goroutines before the test", n)
	}
	polling := New(testToken)
	pushing := New(testToken)
	defer polling.Close()
	defer pushing.Close()

	pollDone := make(chan struct{})
	body, ct := multipartBody(t, map[string]string{"timeout": "30"})
	go func() {
		defer close(pollDone)
		req, _ := http.NewRequest(http.MethodPost, methodURL(polling, "getUpdates"), body)
		req.Header.Set("Content-Type", ct)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := polling.WaitFor(ctx, func(calls []Call) bool { return len(calls) == 1 }); err != nil {
		t.Fatal(err)
	}

	_, target := newReceiver(t, func(int) int { return http.StatusInternalServerError })
	mustCall(t, pushing, "setWebhook", map[string]string{"url": target})
	pushing.Push(TextUpdate(1, "x", ""))
	waitUntil(t, "a failed delivery", func() bool { return len(pushing.Deliveries()) > 0 })

	if n := serverGoroutines(); n < 2 {
		t.Fatalf("expected the long poll and the pusher to run, found %d goroutines", n)
	}
	start := time.Now()
	polling.Close()
	pushing.Close()
	pushing.Close() // idempotent
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Close took %v", took)
	}
	select {
	case <-pollDone:
	case <-time.After(time.Second):
		t.Fatal("long poll still pending after Close")
	}
	if n := serverGoroutines(); n != 0 {
		t.Fatalf("%d server goroutines left after Close", n)
	}
}

// In parallel mode two updates of one chat are on their way to the webhook
// at once; by default the second waits for the first's answer.
func TestWebhookPushChatsInParallel(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		t.Run(fmt.Sprint("parallel=", parallel), func(t *testing.T) {
			s := newServer(t)
			s.PushChatsInParallel(parallel)
			var inFlight, most atomic.Int32
			release := make(chan struct{})
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				<-release
				inFlight.Add(-1)
			}))
			t.Cleanup(ts.Close)
			mustCall(t, s, "setWebhook", map[string]string{"url": ts.URL})
			s.Push(TextUpdate(1, "first", ""))
			s.Push(TextUpdate(1, "second", ""))
			time.Sleep(100 * time.Millisecond) // time for a second delivery to start, if it may
			close(release)
			waitUntil(t, "both deliveries", func() bool { return len(s.Deliveries()) == 2 })
			if want := map[bool]int32{false: 1, true: 2}[parallel]; most.Load() != want {
				t.Errorf("%d deliveries of one chat at once, want %d", most.Load(), want)
			}
		})
	}
}
