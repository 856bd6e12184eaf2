package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

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

// apiResponse is the Bot API's answer envelope.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	Description string          `json:"description"`
	ErrorCode   int             `json:"error_code"`
	Parameters  struct {
		RetryAfter      int `json:"retry_after"`
		MigrateToChatID int `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// maxAnswerBytes bounds an answer read from the Bot API (getUpdates batches
// of 100 updates included).
const maxAnswerBytes = 16 << 20

// call posts params as JSON to method and decodes the result into dest
// (nil: ignored).
func (a *api) call(ctx context.Context, method string, params, dest any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%s: encode parameters: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", method, a.redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, a.redact(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", method, err)
	}
	var r apiResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("%s: HTTP %d, answer is no Bot API JSON: %w", method, resp.StatusCode, err)
	}
	if !r.OK {
		return apiError(method, r)
	}
	if dest == nil {
		return nil
	}
	if err := json.Unmarshal(r.Result, dest); err != nil {
		return fmt.Errorf("%s: decode result: %w", method, err)
	}
	return nil
}

// apiError turns a refusal into the library's error for it.
func apiError(method string, r apiResponse) error {
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

// message calls a method whose result is a Message.
func (a *api) message(ctx context.Context, method string, params any) (*models.Message, error) {
	m := &models.Message{}
	if err := a.call(ctx, method, params, m); err != nil {
		return nil, err
	}
	return m, nil
}

// boolean calls a method whose result is True.
func (a *api) boolean(ctx context.Context, method string, params any) (bool, error) {
	var ok bool
	err := a.call(ctx, method, params, &ok)
	return ok, err
}

// GetMe is getMe.
func (a *api) GetMe(ctx context.Context) (*models.User, error) {
	u := &models.User{}
	if err := a.call(ctx, "getMe", struct{}{}, u); err != nil {
		return nil, err
	}
	return u, nil
}

// SendMessage is sendMessage.
func (a *api) SendMessage(ctx context.Context, p *tgbot.SendMessageParams) (*models.Message, error) {
	return a.message(ctx, "sendMessage", p)
}

// EditMessageText is editMessageText.
func (a *api) EditMessageText(ctx context.Context, p *tgbot.EditMessageTextParams) (*models.Message, error) {
	return a.message(ctx, "editMessageText", p)
}

// SendLocation is sendLocation.
func (a *api) SendLocation(ctx context.Context, p *tgbot.SendLocationParams) (*models.Message, error) {
	return a.message(ctx, "sendLocation", p)
}

// SendVenue is sendVenue.
func (a *api) SendVenue(ctx context.Context, p *tgbot.SendVenueParams) (*models.Message, error) {
	return a.message(ctx, "sendVenue", p)
}

// SendPhoto is sendPhoto: an upload, through the library's multipart body.
func (a *api) SendPhoto(ctx context.Context, p *tgbot.SendPhotoParams) (*models.Message, error) {
	return a.lib.SendPhoto(ctx, p)
}

// AnswerCallbackQuery is answerCallbackQuery.
func (a *api) AnswerCallbackQuery(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) (bool, error) {
	return a.boolean(ctx, "answerCallbackQuery", p)
}

// DeleteMessage is deleteMessage.
func (a *api) DeleteMessage(ctx context.Context, p *tgbot.DeleteMessageParams) (bool, error) {
	return a.boolean(ctx, "deleteMessage", p)
}

// SetMyCommands is setMyCommands.
func (a *api) SetMyCommands(ctx context.Context, p *tgbot.SetMyCommandsParams) (bool, error) {
	return a.boolean(ctx, "setMyCommands", p)
}

// SetWebhook is setWebhook.
func (a *api) SetWebhook(ctx context.Context, p *tgbot.SetWebhookParams) (bool, error) {
	return a.boolean(ctx, "setWebhook", p)
}

// DeleteWebhook is deleteWebhook.
func (a *api) DeleteWebhook(ctx context.Context, p *tgbot.DeleteWebhookParams) (bool, error) {
	return a.boolean(ctx, "deleteWebhook", p)
}
