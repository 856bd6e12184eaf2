package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf16"
)

// Webhook retry backoff bounds and the time limit of one delivery attempt.
const (
	backoffStart    = 20 * time.Millisecond
	backoffMax      = 500 * time.Millisecond
	deliveryTimeout = 10 * time.Second
)

// updateMessageIDs numbers the messages of updates built by TextUpdate.
var updateMessageIDs atomic.Int64

// callbackIDs numbers the callback queries built by CallbackUpdate.
var callbackIDs atomic.Int64

// Push queues an update, assigning "update_id" when missing, and returns its id.
func (s *Server) Push(update map[string]any) int64 {
	u := maps.Clone(update)
	if u == nil {
		u = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, has := updateID(u["update_id"])
	if !has {
		id = s.nextUpdateID
		u["update_id"] = id
	}
	if id >= s.nextUpdateID {
		s.nextUpdateID = id + 1
	}
	raw, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("fakeapi: Push: update %d is not JSON-encodable: %v", id, err))
	}
	i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].id > id })
	s.queue = append(s.queue, queuedUpdate{})
	copy(s.queue[i+1:], s.queue[i:])
	s.queue[i] = queuedUpdate{id: id, raw: raw, chat: queueID(id, raw)}
	s.signalLocked()
	return id
}

// updateID reads an explicit update_id of any numeric type.
func updateID(v any) (int64, bool) {
	switch n := v.(type) {
	case nil:
		return 0, false
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) {
			return int64(n), true
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
	}
	panic(fmt.Sprintf("fakeapi: Push: update_id %v (%T) is not an integer", v, v))
}

// user is the JSON object of the private-chat user chatID.
func user(chatID int64, langCode string) map[string]any {
	u := map[string]any{"id": chatID, "is_bot": false, "first_name": "User"}
	if langCode != "" {
		u["language_code"] = langCode
	}
	return u
}

// privateChat is the JSON object of the private chat chatID.
func privateChat(chatID int64) map[string]any {
	return map[string]any{"id": chatID, "type": "private", "first_name": "User"}
}

// botUser is the JSON object of the fake bot as a user.
func botUser() map[string]any {
	return map[string]any{"id": botUserID, "is_bot": true, "first_name": "Passerelle", "username": botUsername}
}

// commandRE matches a leading bot command such as /start or /start@PasserelleBot.
var commandRE = regexp.MustCompile(`^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?`)

// TextUpdate builds a private-chat "message" update from chatID with text, tagging a leading /command.
func TextUpdate(chatID int64, text, langCode string) map[string]any {
	msg := map[string]any{
		"message_id": int(updateMessageIDs.Add(1)),
		"from":       user(chatID, langCode),
		"chat":       privateChat(chatID),
		"date":       time.Now().Unix(),
		"text":       text,
	}
	if cmd := commandRE.FindString(text); cmd != "" {
		msg["entities"] = []any{map[string]any{
			"type": "bot_command", "offset": 0, "length": len(utf16.Encode([]rune(cmd))),
		}}
	}
	return map[string]any{"message": msg}
}

// CallbackUpdate builds a "callback_query" update for a button press on message messageID.
func CallbackUpdate(chatID int64, messageID int, data, langCode string) map[string]any {
	return map[string]any{"callback_query": map[string]any{
		"id":   "cbq-" + strconv.FormatInt(callbackIDs.Add(1), 10),
		"from": user(chatID, langCode),
		"message": map[string]any{
			"message_id": messageID,
			"from":       botUser(),
			"chat":       privateChat(chatID),
			"date":       time.Now().Unix(),
			"text":       "",
		},
		"chat_instance": strconv.FormatInt(chatID, 10),
		"data":          data,
	}}
}

// BlockUpdate builds a "my_chat_member" update: the user chatID blocked (kicked) or unblocked the bot.
func BlockUpdate(chatID int64, blocked bool) map[string]any {
	kicked := map[string]any{"status": "kicked", "user": botUser(), "until_date": 0}
	member := map[string]any{"status": "member", "user": botUser()}
	oldM, newM := kicked, member
	if blocked {
		oldM, newM = member, kicked
	}
	return map[string]any{"my_chat_member": map[string]any{
		"chat":            privateChat(chatID),
		"from":            user(chatID, ""),
		"date":            time.Now().Unix(),
		"old_chat_member": oldM,
		"new_chat_member": newM,
	}}
}

// getUpdates answers getUpdates, long polling without holding s.mu.
func (s *Server) getUpdates(ctx context.Context, p params) reply {
	offset, err := intParam(p, "offset")
	if err != nil {
		return badRequest("Bad Request: invalid offset specified")
	}
	limit, err := intParam(p, "limit")
	if err != nil {
		return badRequest("Bad Request: invalid limit specified")
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	// timeout is in seconds; a fraction is accepted so that tests can poll briefly.
	var timeout time.Duration
	if t := p["timeout"]; t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(f) {
			return badRequest("Bad Request: invalid timeout specified")
		}
		timeout = time.Duration(max(0, min(f, 3600)) * float64(time.Second))
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		return conflictWebhook()
	}
	s.confirmLocked(offset)
	for {
		if s.webhookURL != "" {
			s.mu.Unlock()
			return fail(http.StatusConflict, "Conflict: terminated by setWebhook request")
		}
		if len(s.queue) > 0 || s.closed || timeout <= 0 {
			n := min(int(limit), len(s.queue))
			out := make([]json.RawMessage, n)
			for i := range n {
				out[i] = s.queue[i].raw
			}
			s.mu.Unlock()
			return ok(out)
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			timeout = 0
		case <-ctx.Done():
			timeout = 0
		case <-s.done:
		}
		s.mu.Lock()
	}
}

// conflictWebhook is the answer to getUpdates while a webhook is set.
func conflictWebhook() reply {
	return fail(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
}

// confirmLocked drops the updates confirmed by offset; s.mu must be held.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset > 0:
		i := sort.Search(len(s.queue), func(i int) bool { return s.queue[i].id >= offset })
		s.queue = append([]queuedUpdate(nil), s.queue[i:]...)
	case offset < 0:
		if keep := -offset; int64(len(s.queue)) > keep {
			s.queue = append([]queuedUpdate(nil), s.queue[int64(len(s.queue))-keep:]...)
		}
	}
}

// setWebhook answers setWebhook; an empty url removes the webhook.
func (s *Server) setWebhook(p params) reply {
	raw := p["url"]
	if raw == "" {
		return s.deleteWebhook(p)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := p["secret_token"]
	if len(secret) > 256 || !secretRE.MatchString(secret) {
		return badRequest("Bad Request: secret token contains unallowed characters")
	}
	if isTrue(p["drop_pending_updates"]) {
		s.queue = nil
	}
	if s.webhookCancel != nil {
		s.webhookCancel()
	}
	s.webhookURL, s.webhookSecret = raw, secret
	s.webhookCtx, s.webhookCancel = context.WithCancel(context.Background())
	s.lastErrorDate, s.lastErrorMsg = 0, ""
	s.signalLocked()
	return ok(true)
}

// secretRE matches an allowed webhook secret token.
var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)

// deleteWebhook answers deleteWebhook; undelivered updates go back to getUpdates.
func (s *Server) deleteWebhook(p params) reply {
	if isTrue(p["drop_pending_updates"]) {
		s.queue = nil
	}
	if s.webhookCancel != nil {
		s.webhookCancel()
	}
	s.webhookURL, s.webhookSecret = "", ""
	s.webhookCtx, s.webhookCancel = nil, nil
	s.lastErrorDate, s.lastErrorMsg = 0, ""
	s.signalLocked()
	return ok(true)
}

// getWebhookInfo answers getWebhookInfo.
func (s *Server) getWebhookInfo(params) reply {
	info := map[string]any{
		"url":                    s.webhookURL,
		"has_custom_certificate": false,
		"pending_update_count":   len(s.queue),
	}
	if s.lastErrorDate != 0 {
		info["last_error_date"] = s.lastErrorDate
		info["last_error_message"] = s.lastErrorMsg
	}
	return ok(info)
}

// pushLoop delivers queued updates to the webhook as the real Bot API server
// does: up to maxConnections at once, each chat's updates one at a time and
// in order, and a chat whose update failed waits (with a growing backoff)
// while other chats go on.
func (s *Server) pushLoop() {
	defer s.wg.Done()
	var (
		inflight = map[int64]bool{}          // chats with a delivery under way
		retryAt  = map[int64]time.Time{}     // chats waiting after a failure
		backoff  = map[int64]time.Duration{} // per chat
		results  = make(chan pushResult)
		running  int
	)
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			for ; running > 0; running-- {
				<-results
			}
			return
		}
		now := time.Now()
		wake := time.Duration(-1)
		if s.webhookURL != "" {
			seen := map[int64]bool{}
			for _, q := range s.queue {
				chat := q.chat
				if s.parallel {
					chat = ownQueue(q.id)
				}
				if seen[chat] {
					continue // behind an earlier update of its chat
				}
				seen[chat] = true
				if inflight[chat] || running >= maxConnections {
					continue
				}
				if at, ok := retryAt[chat]; ok && at.After(now) {
					if d := at.Sub(now); wake < 0 || d < wake {
						wake = d
					}
					continue
				}
				inflight[chat] = true
				running++
				go func(q queuedUpdate, chat int64, target, secret string, ctx context.Context) {
					status, errText := s.deliver(ctx, target, secret, q.raw)
					results <- pushResult{q: q, chat: chat, status: status, err: errText, ctx: ctx}
				}(q, chat, s.webhookURL, s.webhookSecret, s.webhookCtx)
			}
		}
		ch := s.changed
		s.mu.Unlock()

		var timer <-chan time.Time
		if wake >= 0 {
			timer = time.After(wake)
		}
		select {
		case r := <-results:
			running--
			delete(inflight, r.chat)
			s.mu.Lock()
			s.deliveries = append(s.deliveries, Delivery{UpdateID: r.q.id, Status: r.status, Err: r.err})
			switch {
			case r.err == "":
				for i, q := range s.queue {
					if q.id == r.q.id {
						s.queue = append(s.queue[:i:i], s.queue[i+1:]...)
						break
					}
				}
				delete(retryAt, r.chat)
				delete(backoff, r.chat)
			case r.ctx.Err() != nil:
				// The webhook was changed or deleted during the attempt: start afresh.
				delete(retryAt, r.chat)
				delete(backoff, r.chat)
			default:
				s.lastErrorDate, s.lastErrorMsg = time.Now().Unix(), r.err
				backoff[r.chat] = min(max(backoffStart, backoff[r.chat]*2), backoffMax)
				retryAt[r.chat] = time.Now().Add(backoff[r.chat])
			}
			s.mu.Unlock()
		case <-ch:
		case <-timer:
		case <-s.done:
			for ; running > 0; running-- {
				<-results
			}
			return
		}
	}
}

// maxConnections is the webhook's default max_connections.
const maxConnections = 40

// pushResult is the end of one webhook delivery attempt.
type pushResult struct {
	q      queuedUpdate
	chat   int64
	status int
	err    string
	ctx    context.Context
}

// queueID is the queue an update is delivered in: its chat (or its sender),
// or, when it names neither, its own.
func queueID(id int64, raw json.RawMessage) int64 {
	var u struct {
		Message *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"message"`
		CallbackQuery *struct {
			From struct{ ID int64 } `json:"from"`
		} `json:"callback_query"`
		MyChatMember *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"my_chat_member"`
	}
	if json.Unmarshal(raw, &u) == nil {
		switch {
		case u.Message != nil && u.Message.Chat.ID != 0:
			return u.Message.Chat.ID
		case u.CallbackQuery != nil && u.CallbackQuery.From.ID != 0:
			return u.CallbackQuery.From.ID
		case u.MyChatMember != nil && u.MyChatMember.Chat.ID != 0:
			return u.MyChatMember.Chat.ID
		}
	}
	return ownQueue(id)
}

// ownQueue is the webhook queue of update id alone, apart from any chat id.
func ownQueue(id int64) int64 { return -1<<62 - id }

// PushChatsInParallel makes the webhook pusher send an update without
// waiting for the answer to the previous update of its chat (still in
// update order, up to max_connections at once): what a load balancer in
// front of several replicas sees when Telegram redelivers a slow update or
// uses its parallel connections, so that two updates of one chat are
// handled at once by two replicas. Off by default: one at a time per chat.
func (s *Server) PushChatsInParallel(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parallel = on
	s.signalLocked()
}

// deliver POSTs one update to the webhook and reports the HTTP status and, on failure, why.
func (s *Server) deliver(ctx context.Context, target, secret string, raw json.RawMessage) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, "Wrong response from the webhook: " + resp.Status
	}
	return resp.StatusCode, ""
}

// intParam reads an optional integer parameter (0 when absent).
func intParam(p params, name string) (int64, error) {
	v := strings.TrimSpace(p[name])
	if v == "" {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

// isTrue reports whether a boolean parameter is set.
func isTrue(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return err == nil && b
}
