package fakeapi

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLimitGlobal(t *testing.T) {
	s, clock := newClockedServer(t)
	s.Limit(Limits{Global: 5, RetryAfter: 2})
	for i := range 5 {
		mustCall(t, s, "sendMessage", map[string]string{"chat_id": strconv.Itoa(100 + i), "text": "hi"})
	}
	status, r := call(t, s, "sendMessage", map[string]string{"chat_id": "200", "text": "one too many"})
	if status != http.StatusTooManyRequests || r.Parameters == nil || r.Parameters.RetryAfter != 2 {
		t.Fatalf("6th send in a second: %d %+v, want 429 retry_after 2", status, r.Parameters)
	}
	if got := s.Violations(); got != 1 {
		t.Fatalf("Violations = %d, want 1", got)
	}
	if len(s.Messages(200)) != 0 {
		t.Fatal("a refused send stored a message")
	}
	clock.Advance(2*time.Second - time.Nanosecond)
	wantError(t, s, "sendMessage", map[string]string{"chat_id": "201", "text": "too soon"}, 429, "Too Many Requests: retry after 1")
	clock.Advance(time.Nanosecond)
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "200", "text": "later"})
	if got := s.EarlyCalls(); got != 1 {
		t.Fatalf("EarlyCalls = %d, want 1: the call a nanosecond before retry_after ended", got)
	}
}

func TestLimitPerChat(t *testing.T) {
	s, clock := newClockedServer(t)
	s.Limit(Limits{PerChat: 200 * time.Millisecond, PerGroup: 400 * time.Millisecond})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "a"})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "43", "text": "other chat"})
	wantError(t, s, "editMessageText", map[string]string{"chat_id": "42", "message_id": "1", "text": "b"}, 429, "Too Many Requests")
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "-100", "text": "group"})
	clock.Advance(250 * time.Millisecond)
	wantError(t, s, "sendMessage", map[string]string{"chat_id": "-100", "text": "group again"}, 429, "Too Many Requests")
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "43", "text": "another chat is free"})
	clock.Advance(time.Second) // the chats' retry_after
	mustCall(t, s, "sendLocation", map[string]string{"chat_id": "42", "latitude": "45", "longitude": "4"})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "-100", "text": "group later"})
	if got := s.Violations(); got != 2 {
		t.Fatalf("Violations = %d, want 2", got)
	}
	s.Limit(Limits{})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "no limits"})
	mustCall(t, s, "sendMessage", map[string]string{"chat_id": "42", "text": "no limits"})
}

// TestRetryAfterHoldsScope: after a 429 with retry_after, every call to the
// scope that got it is refused and counted until the time is over; other
// scopes are free.
func TestRetryAfterHoldsScope(t *testing.T) {
	msg := func(chat string) map[string]string { return map[string]string{"chat_id": chat, "text": "hi"} }
	tests := []struct {
		name     string
		flood    func(s *Server) // makes the 429 happen
		held     []string        // methods (with chat 42 or 43) refused while it runs
		free     []string        // methods that still go
		inFlight time.Duration
		early    int
	}{
		{
			name: "global limit holds the whole bot",
			flood: func(s *Server) {
				s.Limit(Limits{Global: 1})
				mustCall(t, s, "sendMessage", msg("41"))
				wantError(t, s, "sendMessage", msg("42"), 429, "Too Many Requests")
			},
			held:  []string{"sendMessage 42", "sendMessage 43", "answerCallbackQuery", "getMe"},
			free:  []string{"getUpdates"},
			early: 4,
		},
		{
			name: "injected 429 holds the whole bot",
			flood: func(s *Server) {
				s.FailNext("sendMessage", Fault{Code: 429, RetryAfter: 1}, 1)
				call(t, s, "sendMessage", msg("42"))
			},
			held:  []string{"editMessageText 43", "answerCallbackQuery"},
			early: 2,
		},
		{
			name: "a chat's 429 holds that chat",
			flood: func(s *Server) {
				s.FailChat(42, Fault{Code: 429, RetryAfter: 1}, true)
				call(t, s, "sendMessage", msg("42"))
				s.FailChat(42, Fault{}, false)
			},
			held:  []string{"sendMessage 42", "sendVenue 42"},
			free:  []string{"sendMessage 43", "answerCallbackQuery", "getUpdates"},
			early: 2,
		},
		{
			name: "calls in flight at the 429 are refused, not counted",
			flood: func(s *Server) {
				s.FailNext("sendMessage", Fault{Code: 429, RetryAfter: 1}, 1)
				call(t, s, "sendMessage", msg("42"))
			},
			held:     []string{"sendMessage 43"},
			inFlight: time.Minute,
			early:    0,
		},
	}
	params := func(call string) (string, map[string]string) {
		method, chat, _ := strings.Cut(call, " ")
		p := map[string]string{"callback_query_id": "1", "timeout": "0"}
		if chat != "" {
			p = map[string]string{"chat_id": chat, "text": "again", "message_id": "1", "title": "t", "address": "a", "latitude": "45", "longitude": "4"}
		}
		return method, p
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newClockedServer(t)
			mustCall(t, s, "sendMessage", msg("43")) // a message to edit
			s.Limit(Limits{InFlight: tt.inFlight})
			tt.flood(s)
			s.Limit(Limits{InFlight: tt.inFlight})
			clock.Advance(time.Millisecond) // the 429 has been read
			for _, c := range tt.held {
				method, p := params(c)
				status, r := call(t, s, method, p)
				if status != http.StatusTooManyRequests || r.Parameters == nil || r.Parameters.RetryAfter != 1 {
					t.Errorf("%s while held: %d %+v, want 429 with retry_after 1", c, status, r.Parameters)
				}
			}
			for _, c := range tt.free {
				method, p := params(c)
				if status, _ := call(t, s, method, p); status != http.StatusOK {
					t.Errorf("%s while another scope is held: %d, want 200", c, status)
				}
			}
			if got := s.EarlyCalls(); got != tt.early {
				t.Errorf("EarlyCalls = %d, want %d", got, tt.early)
			}
			early := 0
			for _, c := range s.Calls() {
				if c.Early {
					early++
				}
			}
			if early != tt.early {
				t.Errorf("%d calls marked Early in the journal, want %d", early, tt.early)
			}
			clock.Advance(time.Second - time.Millisecond)
			for _, c := range tt.held {
				method, p := params(c)
				if status, _ := call(t, s, method, p); status == http.StatusTooManyRequests {
					t.Errorf("%s after retry_after: still 429", c)
				}
			}
			if got := s.EarlyCalls(); got != tt.early {
				t.Errorf("EarlyCalls = %d after retry_after, want still %d", got, tt.early)
			}
		})
	}
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
