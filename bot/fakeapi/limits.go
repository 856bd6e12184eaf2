package fakeapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limits are the Bot API's flood limits as the fake enforces them with Limit.
// A send (sendMessage, sendVenue, sendLocation, sendPhoto, editMessageText) that breaks
// one is answered 429 with retry_after and counted in Violations.
//
// Like Telegram, the fake then holds the scope that got the 429 — the whole
// bot for the global limit, the chat for its own — for retry_after, whatever
// the limits: every call to that scope before the end (any method but
// getUpdates; a call without chat_id belongs to the bot-wide scope only) is
// answered 429 with the time left, marked Early in the journal and counted in
// EarlyCalls. Injected 429s with a retry_after hold a scope too: FailNext's
// the whole bot, FailChat's the chat. Windows, gaps and holds are measured
// on the server's clock (see WithClock).
type Limits struct {
	Global     int           // sends accepted in any sliding 1 s window; 0: no limit
	PerChat    time.Duration // least gap between two sends to one private chat; 0: no limit
	PerGroup   time.Duration // least gap between two sends to one group (negative chat id); 0: no limit
	RetryAfter int           // retry_after of the 429 answers; 1 when 0
	// InFlight is how long after a 429 answer a call is taken for one the
	// client had sent before it could read that answer: it is refused but not
	// counted as early. 0: every call after the answer counts.
	InFlight time.Duration
}

// limitState is what Limit, Delay and FailChat keep; guarded by Server.mu.
type limitState struct {
	limits     Limits
	window     []time.Time         // arrival of the sends accepted in the last second, oldest first
	last       map[int64]time.Time // arrival of the last accepted send, per chat
	violations int
	delay      time.Duration
	failing    map[int64]Fault

	held  map[int64]hold // running retry_after per scope: botScope for the whole bot, else a chat id
	early int            // calls made to a held scope
}

// hold is a retry_after running for a scope.
type hold struct {
	since, until time.Time // when the 429 was answered, and when the scope is free again
}

// botScope is the key of the bot-wide scope in limitState.held (no chat has id 0).
const botScope int64 = 0

// sendMethods are the methods that put a message in a chat, counted by the limits.
var sendMethods = map[string]bool{
	"sendmessage":     true,
	"sendvenue":       true,
	"sendlocation":    true,
	"editmessagetext": true,
	"sendphoto":       true,
}

// Limit enforces l from now on and forgets the sends seen so far; the zero
// Limits turns enforcement off. Violations, early calls and the retry_after
// still running are kept.
func (s *Server) Limit(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lim.limits = l
	s.lim.window = nil
	s.lim.last = map[int64]time.Time{}
}

// Violations is how many sends were refused with 429 because they broke the Limits.
func (s *Server) Violations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lim.violations
}

// EarlyCalls is how many calls came to a scope while a retry_after it was
// given was still running (calls in flight at the 429 answer excepted, see
// Limits.InFlight). A client that honours retry_after makes none.
func (s *Server) EarlyCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lim.early
}

// Delay makes every send answer d after it was received (a slow Bot API); 0 stops it.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lim.delay = d
}

// FailChat makes every send to chatID answer f while failing is true. A 429
// with a retry_after holds the chat (see Limits).
func (s *Server) FailChat(chatID int64, f Fault, failing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !failing {
		delete(s.lim.failing, chatID)
		return
	}
	if s.lim.failing == nil {
		s.lim.failing = map[int64]Fault{}
	}
	s.lim.failing[chatID] = f
}

// sendDelayLocked is how long a call to method waits before it is answered; s.mu must be held.
func (s *Server) sendDelayLocked(method string) time.Duration {
	if !sendMethods[strings.ToLower(method)] {
		return 0
	}
	return s.lim.delay
}

// limitLocked answers a send that breaks the limits or goes to a failing chat,
// and records the sends let through; nil lets the call go on. s.mu must be held.
func (s *Server) limitLocked(method string, p params) *reply {
	if !sendMethods[strings.ToLower(method)] {
		return nil
	}
	chatID := chatOf(p)
	l := &s.lim
	now := s.now()
	cut := 0
	for cut < len(l.window) && now.Sub(l.window[cut]) >= time.Second {
		cut++
	}
	l.window = l.window[cut:]
	gap := l.limits.PerChat
	if chatID < 0 {
		gap = l.limits.PerGroup
	}
	last, seen := l.last[chatID]
	after := max(l.limits.RetryAfter, 1)
	switch {
	case l.limits.Global > 0 && len(l.window) >= l.limits.Global:
		l.violations++
		r := s.tooManyLocked(botScope, after, now)
		return &r
	case chatID != 0 && gap > 0 && seen && now.Sub(last) < gap:
		l.violations++
		r := s.tooManyLocked(chatID, after, now)
		return &r
	}
	if l.limits != (Limits{}) {
		l.window = append(l.window, now)
		if chatID != 0 {
			if l.last == nil {
				l.last = map[int64]time.Time{}
			}
			l.last[chatID] = now
		}
	}
	if f, failing := l.failing[chatID]; failing && chatID != 0 {
		r := s.faultLocked(chatID, f, now)
		return &r
	}
	return nil
}

// chatOf reads the chat a call is about; 0 when it names none.
func chatOf(p params) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(p["chat_id"]), 10, 64)
	return id
}

// heldLocked answers a call made to a scope whose retry_after is running,
// and counts it unless it was in flight at the 429; nil lets the call go on.
// getUpdates is not held. s.mu must be held.
func (s *Server) heldLocked(method string, p params, call *Call) *reply {
	if strings.EqualFold(method, "getupdates") {
		return nil
	}
	now := call.At
	l := &s.lim
	scopes := []int64{botScope}
	if chatID := chatOf(p); chatID != 0 {
		scopes = append(scopes, chatID)
	}
	var h hold
	for _, sc := range scopes {
		if g, ok := l.held[sc]; ok && now.Before(g.until) && g.until.After(h.until) {
			h = g
		}
	}
	if h.until.IsZero() {
		return nil
	}
	if now.Sub(h.since) > l.limits.InFlight {
		l.early++
		call.Early = true
	}
	left := int(math.Ceil(h.until.Sub(now).Seconds()))
	return &reply{status: http.StatusTooManyRequests, description: fmt.Sprintf("Too Many Requests: retry after %d", left), retryAfter: left}
}

// tooManyLocked answers 429 with retry_after seconds and holds scope for that
// long from now. s.mu must be held.
func (s *Server) tooManyLocked(scope int64, after int, now time.Time) reply {
	s.holdLocked(scope, after, now)
	return reply{status: http.StatusTooManyRequests, description: fmt.Sprintf("Too Many Requests: retry after %d", after), retryAfter: after}
}

// faultLocked turns an injected fault into an answer; a 429 with a
// retry_after holds scope. s.mu must be held.
func (s *Server) faultLocked(scope int64, f Fault, now time.Time) reply {
	r := faultReply(f)
	if r.status == http.StatusTooManyRequests && r.retryAfter > 0 {
		s.holdLocked(scope, r.retryAfter, now)
	}
	return r
}

// holdLocked holds scope for after seconds from now, or longer if it is
// already held longer. s.mu must be held.
func (s *Server) holdLocked(scope int64, after int, now time.Time) {
	l := &s.lim
	answered := now.Add(l.delay) // sends are answered after Delay
	until := answered.Add(time.Duration(after) * time.Second)
	if g, ok := l.held[scope]; ok && !g.until.Before(until) {
		return
	}
	if l.held == nil {
		l.held = map[int64]hold{}
	}
	l.held[scope] = hold{since: answered, until: until}
}

// wait sleeps d unless the request or the server ends first.
func (s *Server) wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.done:
	}
}
