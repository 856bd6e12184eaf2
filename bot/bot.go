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

	"github.com/territoires-integration/passerelle/bot/bulk"
	"github.com/territoires-integration/passerelle/flows"
)

// Handler answers inputs; flows.Service implements it.
type Handler interface {
	Handle(ctx context.Context, in flows.Input) ([]flows.Reply, error)
	Unavailable(langHint string) []flows.Reply
}

// Claimer gives back the claim of a webhook update that could not be
// handled, so that its redelivery is (the flows claim updates as they read
// the session: flows.Opener).
type Claimer interface {
	ReleaseUpdate(ctx context.Context, updateID int64) error
}

// ChatLeases gives back a chat's lease across replicas (storage.Redis with a
// ChatLease): the store takes it as a step opens the chat, and the bot gives
// it back with ReleaseChat once the step's replies are out, so that the
// next update of the chat, on any replica, is handled and answered after
// them. A store that finds the chat busy for too long fails with an error
// that has a ChatBusy() bool method answering true; the update is then
// parked in the inbox.
type ChatLeases interface {
	ReleaseChat(ctx context.Context, chatID int64) error
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
	Inbox         Inbox         // long polling: keeps accepted updates until their turn (required by Poll); webhook: keeps those whose chat is busy on another replica
	Leases        ChatLeases    // several replicas: gives back chat leases (see ChatLeases); nil: one process
	MaxPending    int           // long polling: updates accepted and not handled before polling waits; default 2000
	PollTimeout   time.Duration // long-poll timeout; default 30 s
	HandleTimeout time.Duration // budget for one update's work; its replies may then wait their turn up to maxReplyWait; default 10 s
	Limiter       Limiter       // paces replies in the overall rate shared with bulk and replicas; nil: no pacing
	Rate          float64       // messages per second overall, replies and bulk; default 30
	ChatPace      time.Duration // least gap between replies to one private chat past a short burst; default 1 s
}

// Bot talks to Telegram.
type Bot struct {
	cfg      Config
	api      *api
	http     *http.Client
	username string
	signer   *Signer
	log      *slog.Logger
	metrics  *metrics
	queue    *dispatcher
	life     context.Context    // ends when Drain gives up waiting: updates under way are cut
	die      context.CancelFunc // ends life
	stopOnce sync.Once
	stopping chan struct{} // closed by Drain

	noticeMu sync.Mutex
	noticed  map[int64]time.Time // last "try again" per chat, to say it once a minute

	gates  gates       // Telegram's retry_after in force, bot-wide and per group
	budget replyBudget // the replies' side of the shared rate limit
}

// New builds the Telegram client without calling Telegram; Identify must
// succeed before the bot runs.
func New(cfg Config) (*Bot, error) {
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = defaultMaxPending
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
	if cfg.ChatPace <= 0 {
		cfg.ChatPace = time.Second
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
	client := apiClient()
	lib, err := tgbot.New(cfg.Token,
		tgbot.WithServerURL(strings.TrimRight(cfg.APIURL, "/")),
		tgbot.WithHTTPClient(cfg.HandleTimeout, client),
		tgbot.WithSkipGetMe(),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
		tgbot.WithErrorsHandler(func(err error) { b.log.Error("telegram client", "kind", errorKind(err)) }),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	b.api = newAPI(lib, client, cfg.APIURL, cfg.Token)
	b.life, b.die = context.WithCancel(context.Background())
	b.stopping = make(chan struct{})
	b.queue = newDispatcher(func(v any) {
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

// apiClient is the HTTP client of Bot API calls. Its timeout is a backstop
// longer than Telegram's slowest normal answer: a call cut while Telegram
// still works on it may deliver its message all the same.
func apiClient() *http.Client {
	return &http.Client{Timeout: sendTimeout, Transport: apiTransport()}
}

// storeTimeout bounds one store call made for an update.
const storeTimeout = 5 * time.Second

// apiTransport keeps enough connections to the Bot API open for the replies
// and the bulk sends under way at once: the default keeps 2, and opening a
// TLS connection per message would cost more than the message.
func apiTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4 * bulk.Workers
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
		if err := b.api.SetMyCommands(ctx, params); err != nil {
			return fmt.Errorf("setMyCommands %s: %w", lang, err)
		}
		if i == 0 {
			params.LanguageCode = ""
			if err := b.api.SetMyCommands(ctx, params); err != nil {
				return fmt.Errorf("setMyCommands default: %w", err)
			}
		}
	}
	if b.cfg.WebhookURL == "" {
		if err := b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			return fmt.Errorf("deleteWebhook: %w", err)
		}
		return nil
	}
	err := b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{
		URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret, AllowedUpdates: allowedUpdates,
	})
	if err != nil {
		return fmt.Errorf("setWebhook: %w", err)
	}
	return nil
}

// allowedUpdates are the update types Passerelle reads.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery, models.AllowedUpdateMyChatMember}

const (
	// sendTimeout bounds one Bot API call from the moment it is made: longer
	// than Telegram's slowest normal answer (a few seconds; a photo on a slow
	// link more), as a call cut while Telegram works on it may still deliver
	// its message.
	sendTimeout = time.Minute
	// maxReplyWait bounds how long an update's replies may take, waits for
	// their turn included, past the update's own budget (HandleTimeout):
	// during a flood limit they go out when Telegram allows, in order.
	maxReplyWait = time.Minute
	// maxAttempts bounds the tries of one call answered 429.
	maxAttempts = 3
)

// deliver sends replies in order; a blocked chat is marked inactive. The
// replies may wait past ctx's deadline for their turn, up to maxReplyWait;
// ctx's cancellation still stops them.
func (b *Bot) deliver(ctx context.Context, in flows.Input, replies []flows.Reply) {
	ctx, cancel := detached(ctx, maxReplyWait)
	defer cancel()
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
		b.log.Warn("cannot send reply", "kind", kind, "message", r.MessageID, "unknown_outcome", errors.Is(err, errOutcomeUnknown), "err", redact(err, b.cfg.Token))
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
	chat := in.ChatID
	if r.Photo != nil {
		// A picture with its caption: always a new message (an edit cannot
		// turn text into a photo).
		return b.call(ctx, chat, "sendPhoto", func(ctx context.Context) error {
			return b.api.SendPhoto(ctx, &tgbot.SendPhotoParams{ChatID: chat, Caption: r.Text, ReplyMarkup: markup,
				Photo: &models.InputFileUpload{Filename: "chart.png", Data: bytes.NewReader(r.Photo)}})
		})
	}
	if r.Text == "" {
		// nothing to write: a place on the map alone
	} else if r.Edit && in.MessageID != 0 {
		err := b.call(ctx, chat, "editMessageText", func(ctx context.Context) error {
			return b.api.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: in.MessageID, Text: r.Text, ReplyMarkup: markup})
		})
		switch {
		case err == nil:
		case errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "not modified"):
		case errors.Is(err, tgbot.ErrorBadRequest):
			r.Edit = false // too old or deleted: say it anew
			return b.send(ctx, flows.Input{ChatID: chat}, r)
		default:
			return err
		}
	} else {
		err := b.call(ctx, chat, "sendMessage", func(ctx context.Context) error {
			_, err := b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: r.Text, ReplyMarkup: markup})
			return err
		})
		if err != nil {
			return err
		}
	}
	if v := r.Venue; v != nil && v.Address == "" {
		// Telegram requires a venue's address: without one, the point alone.
		return b.call(ctx, chat, "sendLocation", func(ctx context.Context) error {
			return b.api.SendLocation(ctx, &tgbot.SendLocationParams{ChatID: chat, Latitude: v.Latitude, Longitude: v.Longitude})
		})
	}
	if v := r.Venue; v != nil {
		return b.call(ctx, chat, "sendVenue", func(ctx context.Context) error {
			return b.api.SendVenue(ctx, &tgbot.SendVenueParams{ChatID: chat, Latitude: v.Latitude, Longitude: v.Longitude, Title: v.Title, Address: v.Address})
		})
	}
	return nil
}

// call makes one Bot API call of a reply about chatID (0: about no chat) in
// its turn (see turn), and tries again after a 429, in its turn again.
func (b *Bot) call(ctx context.Context, chatID int64, method string, fn func(context.Context) error) error {
	for try := 1; ; try++ {
		if err := b.turn(ctx, chatID, method); err != nil {
			return err
		}
		err := b.attempt(ctx, chatID, fn)
		var tooMany *tgbot.TooManyRequestsError
		if !errors.As(err, &tooMany) || try == maxAttempts {
			if err == nil {
				b.metrics.replies.WithLabelValues(method).Inc()
			}
			return err
		}
	}
}

// attempt makes one Bot API call about chatID once no retry_after runs for
// its scopes, waiting for that while ctx lasts. A 429 answer closes its
// scope's gate. The call itself gets its answer, up to sendTimeout, even past
// ctx's deadline (cutting it could not take back a message Telegram
// received), but not past ctx's cancellation. When the request was sent and
// no answer came, the error wraps errOutcomeUnknown (the api tells): the call
// must not be made again.
func (b *Bot) attempt(ctx context.Context, chatID int64, fn func(context.Context) error) error {
	if err := b.waitGates(ctx, chatID); err != nil {
		return err
	}
	cctx, cancel := detached(ctx, sendTimeout)
	defer cancel()
	err := fn(cctx)
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		b.rateLimited(ctx, chatID, tooMany.RetryAfter)
	}
	return err
}

// detached returns a context with ctx's values that ends when ctx is
// canceled — not when its deadline passes — and after d at the latest.
func detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	return out, func() {
		stop()
		cancel()
	}
}

// callbackWait bounds how long a button's answer waits for a retry_after to
// end: it only stops the button's spinner, which stops by itself, and the
// update must keep its budget for the flow.
const callbackWait = 2 * time.Second

// answerCallback answers a button press, unless Telegram asked to wait
// longer than callbackWait: then it is skipped (and counted).
func (b *Bot) answerCallback(ctx context.Context, id string) {
	if time.Until(b.gates.until(0)) > callbackWait {
		b.metrics.errors.WithLabelValues("callback_skipped").Inc()
		return
	}
	ctx, cancel := context.WithTimeout(ctx, callbackWait)
	defer cancel()
	err := b.call(ctx, 0, "answerCallbackQuery", func(ctx context.Context) error {
		return b.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id})
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
