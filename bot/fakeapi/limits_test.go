package fakeapi

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestLimitGlobal(t *testing.T) {
	s := newServer(t)
	s.Limit(Limits{Global: 5, RetryAfter: 2})
	for i := range 5 {
		mustCall(t, s, "sendMessage", map[string]string{"chat_id": strconv.Itoa(100 + i), "text": "hi"})
	}
	status, r := call(t, s, "sendMessage", map[string]string{"chat_id": "200", "text": "one too many"})
	if status != http.StatusTooManyRequests || r.Parameters == nil || r.Parameters.RetryAfter != 2 {
		t.Fatalf("6th send in a second: %d %+v, want 429 retry_after 2", status, r.Parameters)
	}
	mustCall(t, s, "getMe", nil) // not a send
	if got := s.Violations(); got != 1 {
		t.Fatalf("Violations = %d, want 1", got)
	}
	if len(s.Messages(200)) != 0 {
		t.Fatal("a refused send stored a message")
	}
	time.Sleep(time.Second)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "200", "text": "later"})
}

func TestLimitPerChat(t *testing.T) {
	s := newServer(t)
	s.Limit(Limits{PerChat: 200 * time.Millisecond, PerGroup: 400 * time.Millisecond})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "a"})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "43", "text": "other chat"})
	wantError(t, s, "editMessageText", map[string]string{"chat_id": "42", "message_id": "1", "text": "b"}, 429, "Too Many Requests")
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "-100", "text": "group"})
	time.Sleep(250 * time.Millisecond)
	mustCall(t, s, "sendLocation", map[string]string{"chat_id": "42", "latitude": "45", "longitude": "4"})
	wantError(t, s, "sendMessage", map[string]string{"chat_id": "-100", "text": "group again"}, 429, "Too Many Requests")
	time.Sleep(200 * time.Millisecond)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "-100", "text": "group later"})
	if got := s.Violations(); got != 2 {
		t.Fatalf("Violations = %d, want 2", got)
	}
	s.Limit(Limits{})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "no limits"})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "no limits"})
}

func TestDelayAndFailChat(t *testing.T) {
	s := newServer(t)
	s.Delay(150 * time.Millisecond)
	start := time.Now()
	mustCall(t, s, "getMe", nil)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("getMe delayed %v", d)
	}
	start = time.Now()
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "slow"})
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("sendMessage answered after %v, want at least 150ms", d)
	}
	s.Delay(0)

	s.FailChat(42, Fault{Code: 502}, true)
	wantError(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "x"}, 502, "Bad Gateway")
	wantError(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "x"}, 502, "Bad Gateway")
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "43", "text": "other chat"})
	s.FailChat(42, Fault{}, false)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "x"})
}
