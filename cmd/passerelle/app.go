package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/bot"
	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
)

// shutdownBudget is how long a stop may take, in-flight updates included.
const shutdownBudget = 8 * time.Second

// App is a running bot: store, engine, Telegram transport and HTTP server.
// Open it, Run it until the context ends, then Close it.
type App struct {
	cfg    Config
	log    *slog.Logger
	engine *flows.Engine
	svc    *flows.Service
	sched  *scheduler
	store  *storage.Redis
	bot    *bot.Bot
	srv    *http.Server
	ln     net.Listener
}

// loadContent reads and validates the content folder (or the embedded sample).
func loadContent(dir string) (*content.Content, error) {
	fsys, label := contentFS(dir)
	c, diags := content.Load(fsys, locales.Codes())
	if c == nil {
		lines := make([]string, 0, len(diags))
		for _, d := range diags {
			if d.Severity == content.Error {
				lines = append(lines, d.String())
			}
		}
		return nil, fmt.Errorf("content in %s has %d errors (run passerelle check): %s", label, diags.Errors(), strings.Join(lines, "; "))
	}
	return c, nil
}

// openEngine loads content and messages and builds the conversation engine;
// secret keys the survey pseudonyms (nil: a random key, for chat).
func openEngine(contentDir string, tz *time.Location, admins []int64, secret []byte) (*flows.Engine, error) {
	c, err := loadContent(contentDir)
	if err != nil {
		return nil, err
	}
	msgs, err := locales.Load()
	if err != nil {
		return nil, err
	}
	return flows.NewEngine(flows.Config{Content: c, Messages: msgs, Location: tz, Admins: admins, Secret: secret})
}

// Open connects everything; on error nothing is left open.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (a *App, err error) {
	a = &App{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	a.engine, err = openEngine(cfg.ContentDir, cfg.TZ, cfg.Admins, []byte(cfg.Secret))
	if err != nil {
		return nil, err
	}
	redis.SetLogger(redisLogger{log})
	if cfg.RedisURL == "" {
		log.Warn("REDIS_URL is empty: using an in-process store. EVERY SESSION IS LOST WHEN THE PROCESS STOPS. Set REDIS_URL in production.")
		a.store, err = storage.OpenEmbedded()
	} else {
		a.store, err = storage.New(ctx, cfg.RedisURL)
	}
	if err != nil {
		return nil, err
	}
	a.store.SetEventReminders(cfg.EventReminders)
	svc := flows.NewService(a.engine, a.store, flows.SystemClock)
	svc.OnCorrupt = func(err error) { log.Warn("unreadable session replaced by a new one", "err", err) }

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "passerelle_outbox_pending", Help: "Bulk messages queued and not settled yet (shared by every replica).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			n, err := a.store.OutboxLen(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}))
	a.bot, err = bot.New(bot.Config{
		Token: cfg.Token, APIURL: cfg.APIURL, ButtonSecret: []byte(cfg.Secret),
		WebhookURL: cfg.WebhookURL, WebhookSecret: cfg.WebhookSecret,
		Handler: svc, Claims: a.store, Limiter: a.store, Commands: a.engine.CommandList, Languages: locales.Codes(),
		Logger: log, Registry: reg,
	})
	if err != nil {
		return nil, err
	}
	if err = a.bot.Identify(ctx); err != nil {
		return nil, err
	}
	a.engine.SetBotUsername(a.bot.Username())
	a.svc = svc
	if a.sched, err = newScheduler(a.store, a.engine, cfg.TZ, log); err != nil {
		return nil, err
	}
	if err := a.bot.Setup(ctx); err != nil {
		return nil, err
	}
	mux, err := bot.Mux(a.bot, a.store.Ping, reg)
	if err != nil {
		return nil, err
	}
	a.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return a, nil
}

// Reload reads the content folder again and serves it; on any error the
// current content stays and the error says exactly what is wrong.
func (a *App) Reload() error {
	c, err := loadContent(a.cfg.ContentDir)
	if err != nil {
		return err
	}
	return a.engine.SetContent(c)
}

// Addr is the address the HTTP server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Run serves until ctx ends, then stops taking updates and finishes the ones
// in flight.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	httpErr := make(chan error, 1)
	go func() {
		if err := a.srv.Serve(a.ln); !errors.Is(err, http.ErrServerClosed) {
			httpErr <- fmt.Errorf("http server: %w", err)
		}
	}()
	mode := "long polling"
	if a.cfg.WebhookURL != "" {
		mode = "webhook"
	}
	a.log.Info("passerelle is running", "bot", a.bot.Username(), "mode", mode, "listen", a.Addr())
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		if a.cfg.WebhookURL == "" {
			a.bot.Poll(ctx)
		}
	}()
	sent := make(chan error, 1)
	go func() {
		sent <- a.bot.RunSender(ctx, bot.SenderConfig{
			Outbox: a.store, Limiter: a.store, Reporter: a.svc, Eligible: a.store.Eligible,
			Consumer: consumerName(), Quiet: quietHours(a.cfg.Quiet, a.cfg.TZ),
		})
	}()
	a.sched.start()
	var err error
	select {
	case <-ctx.Done():
	case err = <-httpErr:
	}
	a.log.Info("stopping")
	cancel()
	<-polled // the poller finishes the batch it holds
	a.sched.stop()
	if serr := <-sent; serr != nil { // the sender records the messages in flight
		err = errors.Join(err, fmt.Errorf("sender: %w", serr))
	}
	sctx, stop := context.WithTimeout(context.WithoutCancel(ctx), shutdownBudget)
	defer stop()
	if serr := a.srv.Shutdown(sctx); serr != nil {
		err = errors.Join(err, fmt.Errorf("http shutdown: %w", serr))
	}
	return err
}

// Close waits for queued updates and closes the store.
func (a *App) Close() error {
	if a.bot != nil {
		a.bot.Close()
	}
	if a.ln != nil && a.srv == nil {
		a.ln.Close() // opened but never served
	}
	if a.store != nil {
		return a.store.Close()
	}
	return nil
}

// serve runs the bot until SIGINT or SIGTERM.
func serve(ctx context.Context, stderr io.Writer) int {
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg, err := loadConfig(environ)
	if err == nil {
		err = cfg.validateServe()
	}
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	app, err := Open(ctx, cfg, log)
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	defer app.Close()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			if err := app.Reload(); err != nil {
				log.Error("content reload failed; the previous content stays", "err", err)
				continue
			}
			log.Info("content reloaded")
		}
	}()
	if err := app.Run(ctx); err != nil {
		log.Error("run", "err", err)
		return 1
	}
	return 0
}

// redisLogger routes go-redis' own messages (reconnects, pool errors) to slog;
// they name addresses, never keys or values.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn("redis client", "detail", fmt.Sprintf(format, v...))
}
