package fakeapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Limits are the Bot API's flood limits as the fake enforces them with Limit.
// A send (sendMessage, sendVenue, sendLocation, sendPhoto, editMessageText) that breaks
// one is answered 429 with retry_after and counted in Violations.
type Limits struct {
	Global     int           // sends accepted in any sliding 1 s window; 0: no limit
	PerChat    time.Duration // least gap between two sends to one private chat; 0: no limit
	PerGroup   time.Duration // least gap between two sends to one group (negative chat id); 0: no limit
	RetryAfter int           // retry_after of the 429 answers; 1 when 0
}

// limitState is what Limit, Delay and FailChat keep; guarded by Server.mu.
type limitState struct {
	limits     Limits
	window     []time.Time         // arrival of the sends accepted in the last second, oldest first
	last       map[int64]time.Time // arrival of the last accepted send, per chat
	violations int
	delay      time.Duration
	failing    map[int64]Fault
}

// sendMethods are the methods that put a message in a chat, counted by the limits.
var sendMethods = map[string]bool{
	"sendmessage":     true,
	"sendvenue":       true,
	"sendlocation":    true,
	"editmessagetext": true,
	"sendphoto":       true,
}

// Limit enforces l from now on and forgets the sends seen so far; the zero
// Limits turns enforcement off. Violations are kept.
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

// Delay makes every send answer d after it was received (a slow Bot API); 0 stops it.
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lim.delay = d
}

// FailChat makes every send to chatID answer f while failing is true.
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
	chatID, _ := strconv.ParseInt(strings.TrimSpace(p["chat_id"]), 10, 64)
	l := &s.lim
	now := time.Now()
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
	switch {
	case l.limits.Global > 0 && len(l.window) >= l.limits.Global,
		chatID != 0 && gap > 0 && seen && now.Sub(last) < gap:
		l.violations++
		after := max(l.limits.RetryAfter, 1)
		return &reply{status: http.StatusTooManyRequests, description: fmt.Sprintf("Too Many Requests: retry after %d", after), retryAfter: after}
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
		r := faultReply(f)
		return &r
	}
	return nil
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
