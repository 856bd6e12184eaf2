package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/territoires-integration/passerelle/flows"
)

// Handler answers inputs; flows.Service implements it.
type Handler interface {
	Handle(ctx context.Context, in flows.Input) ([]flows.Reply, error)
	Unavailable(langHint string) []flows.Reply
}

// Claimer remembers which updates were handled, so that a redelivered update
// is handled once.
type Claimer interface {
	ClaimUpdate(ctx context.Context, updateID int64) (bool, error)
	ReleaseUpdate(ctx context.Context, updateID int64) error
}

// Config is what the bot needs; cmd fills it from the environment.
type Config struct {
	Token         string
	APIURL        string // Bot API base URL, e.g. https://api.telegram.org
	ButtonSecret  []byte // signs button data
	WebhookURL    string // public URL; empty means long polling
	WebhookSecret string
	Handler       Handler
	Claims        Claimer
	Commands      func(lang string) []flows.CommandInfo
	Languages     []string // two-letter codes for setMyCommands; the first is also the default list
	Logger        *slog.Logger
	Registry      prometheus.Registerer
	Shards        int           // chats handled in parallel; default 64
	PollTimeout   time.Duration // long-poll timeout; default 30 s
	HandleTimeout time.Duration // budget for one update, replies included; default 10 s
	Limiter       Limiter       // counts replies against the overall rate shared with bulk; nil: no accounting
	Rate          float64       // messages per second overall, replies and bulk; default 30
}

// Bot talks to Telegram.
type Bot struct {
	cfg      Config
	api      *tgbot.Bot
	http     *http.Client
	username string
	signer   *Signer
	log      *slog.Logger
	metrics  *metrics
	queue    *dispatcher

	noticeMu sync.Mutex
	noticed  map[int64]time.Time // last "try again" per chat, to say it once a minute
}

// New builds the Telegram client without calling Telegram; Identify must
// succeed before the bot runs.
func New(cfg Config) (*Bot, error) {
	if cfg.Shards <= 0 {
		cfg.Shards = 64
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	if cfg.HandleTimeout <= 0 {
		cfg.HandleTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Rate <= 0 {
		cfg.Rate = defaultRate
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	b := &Bot{
		cfg:     cfg,
		http:    &http.Client{Timeout: cfg.PollTimeout + 15*time.Second},
		signer:  NewSigner(cfg.ButtonSecret),
		log:     cfg.Logger,
		metrics: newMetrics(cfg.Registry),
		noticed: map[int64]time.Time{},
	}
	api, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(strings.TrimRight(cfg.APIURL, "/")),
		tgbot.WithHTTPClient(cfg.HandleTimeout, &http.Client{Timeout: cfg.HandleTimeout, Transport: apiTransport()}),
		tgbot.WithSkipGetMe(),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
		tgbot.WithErrorsHandler(func(err error) { b.log.Error("telegram client", "kind", errorKind(err)) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	b.api = api
	b.queue = newDispatcher(cfg.Shards, func(v any) {
		b.metrics.errors.WithLabelValues("panic").Inc()
		b.log.Error("panic while handling an update", "panic", fmt.Sprint(v))
	})
	return b, nil
}

// ErrTokenRefused means Telegram does not know the bot token (401 or 404):
// trying again cannot help.
var ErrTokenRefused = errors.New("bot token refused by Telegram")

// retryAfterError is Telegram asking to wait before the next call (429).
type retryAfterError struct {
	wait time.Duration
	err  error
}

func (e retryAfterError) Error() string { return e.err.Error() }
func (e retryAfterError) Unwrap() error { return e.err }

// RetryAfter is how long Telegram asked to wait.
func (e retryAfterError) RetryAfter() time.Duration { return e.wait }

// Identify asks Telegram who the bot is (getMe), once. A refused token wraps
// ErrTokenRefused; a 429 has a RetryAfter() time.Duration method; any other
// error (network, 5xx) may pass if tried again later.
func (b *Bot) Identify(ctx context.Context) error {
	me, err := b.api.GetMe(ctx)
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound):
		return fmt.Errorf("getMe: %w (%v)", ErrTokenRefused, redact(err, b.cfg.Token))
	case errors.As(err, &tooMany):
		return retryAfterError{wait: time.Duration(tooMany.RetryAfter) * time.Second, err: fmt.Errorf("getMe: %w", err)}
	case err != nil:
		return fmt.Errorf("getMe: %w", redact(err, b.cfg.Token))
	}
	b.username = me.Username
	return nil
}

// apiTransport keeps enough connections to the Bot API open for the replies
// and the bulk sends under way at once: the default keeps 2, and opening a
// TLS connection per message would cost more than the message.
func apiTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4 * senderWorkers
	return tr
}

// Username is the bot's @username, without the @.
func (b *Bot) Username() string { return b.username }

// Setup publishes the command menu in every language and points Telegram at
// the webhook, or removes it for long polling.
func (b *Bot) Setup(ctx context.Context) error {
	for i, lang := range b.cfg.Languages {
		var cmds []models.BotCommand
		for _, c := range b.cfg.Commands(lang) {
			cmds = append(cmds, models.BotCommand{Command: c.Name, Description: c.Description})
		}
		params := &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}
		if _, err := b.api.SetMyCommands(ctx, params); err != nil {
			return fmt.Errorf("setMyCommands %s: %w", lang, err)
		}
		if i == 0 {
			params.LanguageCode = ""
			if _, err := b.api.SetMyCommands(ctx, params); err != nil {
				return fmt.Errorf("setMyCommands default: %w", err)
			}
		}
	}
	if b.cfg.WebhookURL == "" {
		if _, err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			return fmt.Errorf("deleteWebhook: %w", err)
		}
		return nil
	}
	_, err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
		URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret, AllowedUpdates: allowedUpdates,
	})
	if err != nil {
		return fmt.Errorf("setWebhook: %w", err)
	}
	return nil
}

// allowedUpdates are the update types Passerelle reads.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery, models.AllowedUpdateMyChatMember}

// Close waits for the updates being handled; call it after Run returned.
func (b *Bot) Close() { b.queue.close() }

// errNotRecorded means an update could not be recorded and must be delivered again.
var errNotRecorded = errors.New("update not recorded")

// HandleUpdate handles one update in its chat's order and waits for it. An
// error wrapping errNotRecorded means Telegram must deliver it again.
func (b *Bot) HandleUpdate(ctx context.Context, u *models.Update) error {
	in, callbackID, ok := toInput(u, b.username, b.signer)
	if !ok {
		b.metrics.updates.WithLabelValues("ignored").Inc()
		if callbackID != "" {
			b.answerCallback(ctx, callbackID)
		}
		return nil
	}
	var err error
	<-b.queue.submit(in.ChatID, func() { err = b.handle(ctx, u.ID, in, callbackID) })
	return err
}

// handle runs in the chat's turn.
func (b *Bot) handle(ctx context.Context, updateID int64, in flows.Input, callbackID string) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cfg.HandleTimeout)
	defer cancel()
	defer func() { b.metrics.duration.Observe(time.Since(start).Seconds()) }()

	if callbackID != "" {
		b.answerCallback(ctx, callbackID)
	}
	first, err := b.cfg.Claims.ClaimUpdate(ctx, updateID)
	if err != nil {
		b.metrics.errors.WithLabelValues("store").Inc()
		b.log.Warn("cannot record update", "update_id", updateID, "err", err)
		b.tryAgain(ctx, in, b.cfg.Handler.Unavailable(in.LangHint))
		return fmt.Errorf("%w: claim: %w", errNotRecorded, err)
	}
	if !first {
		b.metrics.updates.WithLabelValues("duplicate").Inc()
		return nil
	}
	b.metrics.updates.WithLabelValues(string(in.Kind)).Inc()
	replies, err := b.cfg.Handler.Handle(ctx, in)
	if err != nil {
		b.metrics.errors.WithLabelValues("store").Inc()
		b.log.Warn("cannot handle update", "update_id", updateID, "kind", in.Kind, "err", err)
		if rerr := b.cfg.Claims.ReleaseUpdate(ctx, updateID); rerr != nil {
			b.log.Warn("cannot release update claim", "update_id", updateID, "err", rerr)
		}
		b.tryAgain(ctx, in, replies)
		return fmt.Errorf("%w: %w", errNotRecorded, err)
	}
	b.deliver(ctx, in, replies)
	return nil
}

// tryAgain tells the person we cannot work right now, at most once a minute per chat.
func (b *Bot) tryAgain(ctx context.Context, in flows.Input, replies []flows.Reply) {
	if in.Kind == flows.KindBlocked || in.Kind == flows.KindUnblock {
		return
	}
	b.noticeMu.Lock()
	last, seen := b.noticed[in.ChatID]
	now := time.Now()
	if seen && now.Sub(last) < time.Minute {
		b.noticeMu.Unlock()
		return
	}
	if len(b.noticed) > 10000 {
		clear(b.noticed)
	}
	b.noticed[in.ChatID] = now
	b.noticeMu.Unlock()
	in.MessageID = 0
	b.deliver(ctx, in, replies)
}

// deliver sends replies in order; a blocked chat is marked inactive.
func (b *Bot) deliver(ctx context.Context, in flows.Input, replies []flows.Reply) {
	for _, r := range replies {
		err := b.send(ctx, in, r)
		if err == nil {
			continue
		}
		kind := errorKind(err)
		b.metrics.errors.WithLabelValues(kind).Inc()
		if kind == "forbidden" && !in.Group { // a group that mutes the bot is no person blocking it
			if _, herr := b.cfg.Handler.Handle(ctx, flows.Input{ChatID: in.ChatID, Kind: flows.KindBlocked}); herr != nil {
				b.log.Warn("cannot mark chat inactive", "err", herr)
			}
			return
		}
		b.log.Warn("cannot send reply", "kind", kind, "message", r.MessageID, "err", redact(err, b.cfg.Token))
		return
	}
}

func (b *Bot) send(ctx context.Context, in flows.Input, r flows.Reply) error {
	kb, err := inlineKeyboard(r.Buttons, in.ChatID, b.signer)
	if err != nil {
		b.metrics.errors.WithLabelValues("keyboard").Inc()
		b.log.Error("cannot render keyboard", "message", r.MessageID, "err", err)
	}
	var markup models.ReplyMarkup
	switch {
	case kb != nil:
		markup = kb
	case r.Ask != nil:
		markup = locationKeyboard(r.Ask)
		r.Edit = false // a reply keyboard cannot be set by an edit
	}
	if r.Photo != nil {
		// A picture with its caption: always a new message (an edit cannot
		// turn text into a photo).
		return b.call(ctx, "sendPhoto", func() error {
			_, err := b.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: in.ChatID, Caption: r.Text, ReplyMarkup: markup,
				Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(r.Photo)}})
			return err
		})
	}
	if r.Text == "" {
		// nothing to write: a place on the map alone
	} else if r.Edit && in.MessageID != 0 {
		err := b.call(ctx, "editMessageText", func() error {
			_, err := b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: in.ChatID, MessageID: in.MessageID, Text: r.Text, ReplyMarkup: markup})
			return err
		})
		switch {
		case err == nil:
		case errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "not modified"):
		case errors.Is(err, tgbot.ErrorBadRequest):
			r.Edit = false // too old or deleted: say it anew
			return b.send(ctx, flows.Input{ChatID: in.ChatID}, r)
		default:
			return err
		}
	} else {
		err := b.call(ctx, "sendMessage", func() error {
			_, err := b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: in.ChatID, Text: r.Text, ReplyMarkup: markup})
			return err
		})
		if err != nil {
			return err
		}
	}
	if v := r.Venue; v != nil && v.Address == "" {
		// Telegram requires a venue's address: without one, the point alone.
		return b.call(ctx, "sendLocation", func() error {
			_, err := b.api.SendLocation(ctx, &tgbot.SendLocationParams{ChatID: in.ChatID, Latitude: v.Latitude, Longitude: v.Longitude})
			return err
		})
	}
	if v := r.Venue; v != nil {
		return b.call(ctx, "sendVenue", func() error {
			_, err := b.api.SendVenue(ctx, &tgbot.SendVenueParams{ChatID: in.ChatID, Latitude: v.Latitude, Longitude: v.Longitude, Title: v.Title, Address: v.Address})
			return err
		})
	}
	return nil
}

// maxAttempts bounds the retries of one call after 429 answers.
const maxAttempts = 3

// call runs one Bot API call, waiting retry_after and retrying on 429.
func (b *Bot) call(ctx context.Context, method string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		b.account(ctx, method)
		err := fn()
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || attempt == maxAttempts {
			if err == nil {
				b.metrics.replies.WithLabelValues(method).Inc()
			}
			return err
		}
		b.metrics.errors.WithLabelValues("rate_limited").Inc()
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting retry_after: %w", method, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (b *Bot) answerCallback(ctx context.Context, id string) {
	err := b.call(ctx, "answerCallbackQuery", func() error {
		_, err := b.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id})
		return err
	})
	if err != nil {
		b.metrics.errors.WithLabelValues(errorKind(err)).Inc()
	}
}

// redact removes the token from an error text.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), token, "***"))
}
