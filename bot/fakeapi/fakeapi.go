// Package fakeapi is an in-process fake of the Telegram Bot API for end-to-end
// tests: it answers the methods the bot uses, keeps a journal of every call,
// can inject faults, enforce Telegram's flood limits and answer slowly, queues
// updates for getUpdates and pushes them to a webhook.
package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// botUsername is the username of the fake bot returned by getMe.
const botUsername = "PasserelleBot"

// botUserID is the user id of the fake bot returned by getMe.
const botUserID int64 = 7000000001

// maxBody bounds the size of a request body the fake accepts.
const maxBody = 32 << 20

// Call is one request received by the fake, as recorded in the journal.
type Call struct {
	Method string            // method name as sent in the URL
	Params map[string]string // decoded parameters (query string and body)
	Status int               // HTTP status answered; 0 while a long poll is still pending
	At     time.Time         // arrival time
	Early  bool              // made while a retry_after given to its scope was running (see Limits)
}

// Fault describes an error answer injected with FailNext.
type Fault struct {
	Code        int    // error_code and HTTP status; 500 when 0
	RetryAfter  int    // parameters.retry_after in seconds; omitted when 0
	Description string // description of the error; the HTTP status text when empty
}

// Message is a message the bot has sent to a chat, as the person would see it.
type Message struct {
	ID     int    // message_id, increasing per chat from 1
	ChatID int64  // chat the message was sent to
	Text   string // current text (updated by edits); title and address for a venue, "lat,lon" for a location
	Markup string // raw reply_markup JSON, "" when none
	Kind   string // "text", "venue", "location", "photo" (Text is then the caption) or "deleted"
	Photo  []byte // the PNG file of a photo
}

// Delivery is one attempt to push an update to the webhook.
type Delivery struct {
	UpdateID int64  // update_id of the pushed update
	Status   int    // HTTP status answered by the webhook, 0 on connection error
	Err      string // "" when the update was accepted
}

// Server is a fake Telegram Bot API served on a loopback address.
type Server struct {
	token     string
	now       func() time.Time // the limits' clock, see WithClock
	ts        *httptest.Server
	transport *http.Transport
	client    *http.Client
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	changed chan struct{} // closed and replaced whenever updates or the webhook change

	calls   []*Call
	faults  map[string][]*pendingFault
	blocked map[int64]bool

	queue        []queuedUpdate
	nextUpdateID int64

	webhookURL    string
	webhookSecret string
	webhookCtx    context.Context
	webhookCancel context.CancelFunc
	deliveries    []Delivery
	parallel      bool // see PushChatsInParallel
	lastErrorDate int64
	lastErrorMsg  string

	chats    map[int64]*chatState
	commands map[string]string

	lim limitState // Limit, Delay and FailChat

	observe atomic.Pointer[func(method string, chatID int64)] // see Observe
}

// pendingFault is a Fault still to be answered `left` times.
type pendingFault struct {
	f    Fault
	left int
}

// queuedUpdate is an update waiting for confirmation or webhook delivery.
type queuedUpdate struct {
	id   int64
	raw  json.RawMessage
	chat int64 // the webhook queue it is pushed in (see queueID)
}

// Option configures a Server made by New.
type Option func(*Server)

// WithClock makes the fake read the time from now instead of time.Now: the
// arrival time of calls, the windows and gaps of the Limits, the retry_after
// a scope is held for and the dates of the messages sent. A test that moves
// such a clock proves that a window passed, or did not, without waiting.
// Delay, long polls and webhook retries still wait in real time.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// New starts a fake Bot API on a loopback httptest server; requests must use /bot<token>/<method>.
func New(token string, opts ...Option) *Server {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	s := &Server{
		token:        token,
		now:          time.Now,
		transport:    tr,
		client:       &http.Client{Transport: tr},
		done:         make(chan struct{}),
		changed:      make(chan struct{}),
		faults:       map[string][]*pendingFault{},
		blocked:      map[int64]bool{},
		nextUpdateID: 1,
		chats:        map[int64]*chatState{},
		commands:     map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.handle))
	s.wg.Add(1)
	go s.pushLoop()
	return s
}

// URL returns the base URL of the fake; clients append /bot<token>/<method>.
func (s *Server) URL() string { return s.ts.URL }

// BotUsername returns the username of the fake bot, as answered by getMe.
func (s *Server) BotUsername() string { return botUsername }

// Close stops the server, ends pending long polls and the webhook pusher.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		if s.webhookCancel != nil {
			s.webhookCancel()
		}
		s.signalLocked()
		s.mu.Unlock()
		s.ts.Close()
		s.wg.Wait()
		s.transport.CloseIdleConnections()
	})
}

// signalLocked wakes every goroutine waiting for a change; s.mu must be held.
func (s *Server) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Calls returns a copy of every call received, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = copyCall(c)
	}
	return out
}

// CallsTo returns the calls to method (matched case-insensitively), in arrival order.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, copyCall(c))
		}
	}
	return out
}

// copyCall returns a copy of c that shares no map with the journal.
func copyCall(c *Call) Call {
	cp := *c
	cp.Params = maps.Clone(c.Params)
	if cp.Params == nil {
		cp.Params = map[string]string{}
	}
	return cp
}

// Observe makes fn hear of every call answered (getUpdates aside), with its
// method and chat (0 for none), once the answer is written; nil stops it. It
// runs on the request's goroutine and must be quick: load tests wait on it
// for the replies of a chat without reading the journal.
func (s *Server) Observe(fn func(method string, chatID int64)) {
	if fn == nil {
		s.observe.Store(nil)
		return
	}
	s.observe.Store(&fn)
}

// Reset forgets the journal of calls.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Deliveries returns a copy of every webhook delivery attempt, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// WaitFor polls the journal every 5ms until pred is true or ctx is done.
func (s *Server) WaitFor(ctx context.Context, pred func([]Call) bool) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		calls := s.Calls()
		if pred(calls) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fakeapi: condition not met: %w; journal: %s", ctx.Err(), summarize(s.Calls()))
		case <-tick.C:
		}
	}
}

// summarize renders the last calls of a journal as "method chat=id status" items.
func summarize(calls []Call) string {
	const keep = 40
	if len(calls) == 0 {
		return "(no calls)"
	}
	var b strings.Builder
	if len(calls) > keep {
		fmt.Fprintf(&b, "(%d earlier calls) ", len(calls)-keep)
		calls = calls[len(calls)-keep:]
	}
	for i, c := range calls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Method)
		if id, ok := c.Params["chat_id"]; ok {
			fmt.Fprintf(&b, " chat=%s", id)
		}
		fmt.Fprintf(&b, " %d", c.Status)
	}
	return b.String()
}

// FailNext makes the next `times` calls to method answer the fault; times <= 0
// cancels pending faults. A 429 with a retry_after holds the whole bot (see Limits).
func (s *Server) FailNext(method string, f Fault, times int) {
	key := strings.ToLower(method)
	s.mu.Lock()
	defer s.mu.Unlock()
	if times <= 0 {
		delete(s.faults, key)
		return
	}
	s.faults[key] = append(s.faults[key], &pendingFault{f: f, left: times})
}

// takeFaultLocked consumes one pending fault for method; s.mu must be held.
func (s *Server) takeFaultLocked(method string) (Fault, bool) {
	key := strings.ToLower(method)
	q := s.faults[key]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0].f
	q[0].left--
	if q[0].left <= 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.faults, key)
	} else {
		s.faults[key] = q
	}
	return f, true
}

// Block makes every send or edit to chatID answer 403 while blocked is true.
func (s *Server) Block(chatID int64, blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if blocked {
		s.blocked[chatID] = true
	} else {
		delete(s.blocked, chatID)
	}
}

// reply is the answer to one API call.
type reply struct {
	status      int
	result      any
	description string
	retryAfter  int
}

// ok is a successful answer carrying result.
func ok(result any) reply { return reply{status: http.StatusOK, result: result} }

// fail is an error answer.
func fail(code int, description string) reply { return reply{status: code, description: description} }

// badRequest is a 400 answer.
func badRequest(description string) reply { return fail(http.StatusBadRequest, description) }

// faultReply turns an injected fault into an answer.
func faultReply(f Fault) reply {
	code := f.Code
	if code == 0 {
		code = http.StatusInternalServerError
	}
	desc := f.Description
	if desc == "" {
		desc = http.StatusText(code)
		if f.RetryAfter > 0 {
			desc = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
		}
	}
	return reply{status: code, description: desc, retryAfter: f.RetryAfter}
}

// FilenameSuffix names the parameter holding an uploaded file's name: the
// file's own parameter ("photo") holds its bytes.
const FilenameSuffix = ".filename"

// params holds the decoded parameters of a call.
type params map[string]string

// handler answers one method; it runs with s.mu held.
type handler func(s *Server, p params) reply

// methods maps lower-case method names to their handlers (getUpdates is handled apart).
var methods = map[string]handler{
	"getme":               (*Server).getMe,
	"setwebhook":          (*Server).setWebhook,
	"deletewebhook":       (*Server).deleteWebhook,
	"getwebhookinfo":      (*Server).getWebhookInfo,
	"sendmessage":         (*Server).sendMessage,
	"editmessagetext":     (*Server).editMessageText,
	"deletemessage":       (*Server).deleteMessage,
	"answercallbackquery": (*Server).answerCallbackQuery,
	"setmycommands":       (*Server).setMyCommands,
	"deletemycommands":    (*Server).deleteMyCommands,
	"getmycommands":       (*Server).getMyCommands,
	"sendvenue":           (*Server).sendVenue,
	"sendlocation":        (*Server).sendLocation,
	"sendphoto":           (*Server).sendPhoto,
}

// handle routes /bot<token>/<method> requests, journals them and answers.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	at := s.now()
	p, perr := parseParams(r)

	method := r.URL.Path
	var rp reply
	rest, isBot := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, hasMethod := strings.Cut(rest, "/")
	switch {
	case r.Method != http.MethodPost && r.Method != http.MethodGet:
		rp = fail(http.StatusNotFound, "Not Found")
	case !isBot || !hasMethod || name == "" || strings.Contains(name, "/"):
		rp = fail(http.StatusNotFound, "Not Found")
	default:
		method = name
		rp = reply{}
	}

	s.mu.Lock()
	call := &Call{Method: method, Params: p, At: at}
	s.calls = append(s.calls, call)
	if rp.status == 0 {
		rp = s.dispatchLocked(token, name, p, perr, call)
	}
	if rp.status != 0 {
		call.Status = rp.status
		delay := s.sendDelayLocked(method)
		s.mu.Unlock()
		s.wait(r.Context(), delay)
		writeReply(w, rp)
		if fn := s.observe.Load(); fn != nil {
			(*fn)(method, chatOf(p))
		}
		return
	}
	// Only getUpdates gets here: it long polls without holding the lock.
	s.mu.Unlock()
	rp = s.getUpdates(r.Context(), p)
	s.mu.Lock()
	call.Status = rp.status
	s.mu.Unlock()
	writeReply(w, rp)
}

// dispatchLocked answers a call to a well-formed path; a zero reply means "long poll getUpdates".
func (s *Server) dispatchLocked(token, name string, p params, perr error, call *Call) reply {
	if token != s.token {
		return fail(http.StatusUnauthorized, "Unauthorized")
	}
	key := strings.ToLower(name)
	h, known := methods[key]
	if !known && key != "getupdates" {
		return fail(http.StatusNotFound, "Not Found")
	}
	if r := s.heldLocked(key, p, call); r != nil {
		return *r
	}
	if r := s.limitLocked(key, p); r != nil {
		return *r
	}
	if f, ok := s.takeFaultLocked(key); ok {
		return s.faultLocked(botScope, f, call.At)
	}
	if perr != nil {
		return badRequest("Bad Request: " + perr.Error())
	}
	if !known {
		return reply{}
	}
	return h(s, p)
}

// writeReply encodes rp as a Bot API JSON answer.
func writeReply(w http.ResponseWriter, rp reply) {
	var body any
	if rp.status == http.StatusOK {
		body = struct {
			OK     bool `json:"ok"`
			Result any  `json:"result"`
		}{true, rp.result}
	} else {
		type parameters struct {
			RetryAfter int `json:"retry_after"`
		}
		e := struct {
			OK          bool        `json:"ok"`
			ErrorCode   int         `json:"error_code"`
			Description string      `json:"description"`
			Parameters  *parameters `json:"parameters,omitempty"`
		}{OK: false, ErrorCode: rp.status, Description: rp.description}
		if rp.retryAfter > 0 {
			e.Parameters = &parameters{RetryAfter: rp.retryAfter}
		}
		body = e
	}
	data, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.status)
	_, _ = w.Write(data)
}

// parseParams decodes the query string and a multipart, urlencoded or JSON body.
func parseParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return p, fmt.Errorf("can't read request body: %v", err)
	}
	if len(body) > maxBody {
		return p, errors.New("request entity too large")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	mediaType, mtParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), mtParams["boundary"]).ReadForm(maxBody)
		if err != nil {
			return p, fmt.Errorf("can't parse multipart form: %v", err)
		}
		defer func() { _ = form.RemoveAll() }()
		for k, v := range form.Value {
			if len(v) > 0 {
				p[k] = v[0]
			}
		}
		for k, v := range form.File {
			if len(v) == 0 {
				continue
			}
			// An uploaded file: its bytes, and its name apart.
			f, err := v[0].Open()
			if err != nil {
				return p, fmt.Errorf("can't read uploaded file: %v", err)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return p, fmt.Errorf("can't read uploaded file: %v", err)
			}
			p[k], p[k+FilenameSuffix] = string(data), v[0].Filename
		}
	case "application/x-www-form-urlencoded":
		vals, err := parseQuery(string(body))
		if err != nil {
			return p, err
		}
		maps.Copy(p, vals)
	case "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return p, fmt.Errorf("can't parse JSON object: %v", err)
		}
		for k, raw := range fields {
			v, present, err := jsonParam(raw)
			if err != nil {
				return p, fmt.Errorf("can't parse parameter %q: %v", k, err)
			}
			if present {
				p[k] = v
			}
		}
	}
	return p, nil
}

// parseQuery decodes an urlencoded body, keeping the first value of each key.
func parseQuery(body string) (params, error) {
	r, err := http.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		return nil, fmt.Errorf("can't parse form: %v", err)
	}
	p := params{}
	for k, v := range r.PostForm {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	return p, nil
}

// jsonParam turns one JSON value into a parameter: strings as they are, null as absent,
// anything else as its compact JSON text (numbers keep their exact digits).
func jsonParam(raw json.RawMessage) (string, bool, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case bytes.Equal(raw, []byte("null")):
		return "", false, nil
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", false, err
	}
	return b.String(), true, nil
}
