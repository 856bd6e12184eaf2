package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// api makes the Bot API calls. go-telegram/bot streams every request as a
// multipart body through a pipe, sent chunked: several socket writes and a
// goroutine per call. A call without a file is one JSON body with its
// Content-Length here, written at once; uploads still go through the
// library. Parameters, results and errors are the library's own types and
// error classes (tgbot.ErrorForbidden, *tgbot.TooManyRequestsError…), so
// callers cannot tell the difference.
type api struct {
	lib    *tgbot.Bot // uploads
	client *http.Client
	base   string // <server>/bot<token>/
	token  string // redacted from errors
}

// newAPI returns the client of the Bot API at serverURL for token.
func newAPI(lib *tgbot.Bot, client *http.Client, serverURL, token string) *api {
	return &api{lib: lib, client: client, base: strings.TrimRight(serverURL, "/") + "/bot" + token + "/", token: token}
}

// refusal is what the Bot API says when it refuses a call.
type refusal struct {
	Description string `json:"description"`
	ErrorCode   int    `json:"error_code"`
	Parameters  struct {
		RetryAfter      int `json:"retry_after"`
		MigrateToChatID int `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// envelope is the Bot API's answer, with its result decoded as a T.
type envelope[T any] struct {
	OK     bool `json:"ok"`
	Result T    `json:"result"`
	refusal
}

// sentMessage is what is read of a Message a call sent: its id, nothing else.
type sentMessage struct {
	ID int `json:"message_id"`
}

// outcome follows one call's request: written, and its answer begun.
type outcome struct {
	written, answered atomic.Bool
	hooks             httptrace.ClientTrace // one allocation with the outcome
}

// trace returns ctx with a trace that fills o.
func (o *outcome) trace(ctx context.Context) context.Context {
	o.hooks = httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				o.written.Store(true)
			}
		},
		GotFirstResponseByte: func() { o.answered.Store(true) },
	}
	return httptrace.WithClientTrace(ctx, &o.hooks)
}

// wrap names method in a failed call's error, which wraps errOutcomeUnknown
// when the request was written and no answer began: Telegram may have acted
// on it, so it must never be made again.
func (o *outcome) wrap(method string, err error) error {
	if o.written.Load() && !o.answered.Load() {
		return fmt.Errorf("%s: %w: %w", method, errOutcomeUnknown, err)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// maxAnswerBytes bounds an answer read from the Bot API (getUpdates batches
// of 100 updates included).
const maxAnswerBytes = 16 << 20

// jsonContentType is the Content-Type header of every JSON request, shared:
// net/http only reads it.
var jsonContentType = []string{"application/json"}

// answerReader reads one answer into a buffer reused from call to call.
type answerReader struct {
	buf   bytes.Buffer
	limit io.LimitedReader
}

// answerReaders holds the answerReaders not in use.
var answerReaders = sync.Pool{New: func() any { return new(answerReader) }}

// maxPooledAnswer is the largest buffer kept for the next answer: a rare
// big answer is not held for ever.
const maxPooledAnswer = 64 << 10

// read reads body, up to maxAnswerBytes; the bytes are valid until release.
func (r *answerReader) read(body io.Reader) ([]byte, error) {
	r.buf.Reset()
	r.limit = io.LimitedReader{R: body, N: maxAnswerBytes}
	_, err := r.buf.ReadFrom(&r.limit)
	r.limit.R = nil
	return r.buf.Bytes(), err
}

// release gives r back for another answer.
func (r *answerReader) release() {
	if r.buf.Cap() <= maxPooledAnswer {
		answerReaders.Put(r)
	}
}

// call posts params as JSON to method and decodes the answer's result as a
// T, in one pass.
func call[T any](ctx context.Context, a *api, method string, params any) (T, error) {
	var r envelope[T]
	body, err := json.Marshal(params)
	if err != nil {
		return r.Result, fmt.Errorf("%s: encode parameters: %w", method, err)
	}
	var o outcome
	req, err := http.NewRequestWithContext(o.trace(ctx), http.MethodPost, a.base+method, bytes.NewReader(body))
	if err != nil {
		return r.Result, fmt.Errorf("%s: %w", method, a.redact(err))
	}
	req.Header["Content-Type"] = jsonContentType
	resp, err := a.client.Do(req)
	if err != nil {
		return r.Result, o.wrap(method, a.redact(err))
	}
	defer resp.Body.Close()
	ar := answerReaders.Get().(*answerReader)
	defer ar.release() // json.Unmarshal keeps nothing of raw
	raw, err := ar.read(resp.Body)
	if err != nil {
		return r.Result, fmt.Errorf("%s: read answer: %w", method, err)
	}
	if err := decodeAnswer(raw, &r); err != nil {
		return r.Result, fmt.Errorf("%s: HTTP %d, answer is no Bot API JSON: %w", method, resp.StatusCode, err)
	}
	if !r.OK {
		return r.Result, apiError(method, r.refusal)
	}
	return r.Result, nil
}

// apiError turns a refusal into the library's error for it.
func apiError(method string, r refusal) error {
	switch r.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, r.Description)
	case http.StatusBadRequest:
		if r.Parameters.MigrateToChatID != 0 {
			return &tgbot.MigrateError{Message: fmt.Sprintf("%s: %s", tgbot.ErrorBadRequest, r.Description), MigrateToChatID: r.Parameters.MigrateToChatID}
		}
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, r.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, r.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, r.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, r.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{Message: fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, r.Description), RetryAfter: r.Parameters.RetryAfter}
	default:
		return fmt.Errorf("error response from telegram for method %s, %d %s", method, r.ErrorCode, r.Description)
	}
}

// redact hides the token in the URL a transport error quotes.
func (a *api) redact(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		uerr.URL = strings.ReplaceAll(uerr.URL, a.token, "***")
	}
	return err
}

// message calls a method whose result is the Message it sent, and returns
// that message's id.
func (a *api) message(ctx context.Context, method string, params any) (int, error) {
	m, err := call[sentMessage](ctx, a, method, params)
	return m.ID, err
}

// boolean calls a method whose result is True.
func (a *api) boolean(ctx context.Context, method string, params any) (bool, error) {
	return call[bool](ctx, a, method, params)
}

// GetMe is getMe.
func (a *api) GetMe(ctx context.Context) (*models.User, error) {
	u, err := call[*models.User](ctx, a, "getMe", struct{}{})
	if err == nil && u == nil {
		err = errors.New("getMe: no user in the answer")
	}
	return u, err
}

// SendMessage is sendMessage; it returns the id of the message sent.
func (a *api) SendMessage(ctx context.Context, p *tgbot.SendMessageParams) (int, error) {
	return a.message(ctx, "sendMessage", p)
}

// EditMessageText is editMessageText.
func (a *api) EditMessageText(ctx context.Context, p *tgbot.EditMessageTextParams) error {
	_, err := a.message(ctx, "editMessageText", p)
	return err
}

// SendLocation is sendLocation.
func (a *api) SendLocation(ctx context.Context, p *tgbot.SendLocationParams) error {
	_, err := a.message(ctx, "sendLocation", p)
	return err
}

// SendVenue is sendVenue.
func (a *api) SendVenue(ctx context.Context, p *tgbot.SendVenueParams) error {
	_, err := a.message(ctx, "sendVenue", p)
	return err
}

// SendPhoto is sendPhoto: an upload, through the library's multipart body.
// A request written and not answered wraps errOutcomeUnknown, as call's do.
func (a *api) SendPhoto(ctx context.Context, p *tgbot.SendPhotoParams) error {
	var o outcome
	if _, err := a.lib.SendPhoto(o.trace(ctx), p); err != nil {
		return o.wrap("sendPhoto", err)
	}
	return nil
}

// AnswerCallbackQuery is answerCallbackQuery.
func (a *api) AnswerCallbackQuery(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) error {
	_, err := a.boolean(ctx, "answerCallbackQuery", p)
	return err
}

// DeleteMessage is deleteMessage.
func (a *api) DeleteMessage(ctx context.Context, p *tgbot.DeleteMessageParams) error {
	_, err := a.boolean(ctx, "deleteMessage", p)
	return err
}

// SetMyCommands is setMyCommands.
func (a *api) SetMyCommands(ctx context.Context, p *tgbot.SetMyCommandsParams) error {
	_, err := a.boolean(ctx, "setMyCommands", p)
	return err
}

// SetWebhook is setWebhook.
func (a *api) SetWebhook(ctx context.Context, p *tgbot.SetWebhookParams) error {
	_, err := a.boolean(ctx, "setWebhook", p)
	return err
}

// DeleteWebhook is deleteWebhook.
func (a *api) DeleteWebhook(ctx context.Context, p *tgbot.DeleteWebhookParams) error {
	_, err := a.boolean(ctx, "deleteWebhook", p)
	return err
}
