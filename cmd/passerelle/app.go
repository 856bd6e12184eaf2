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
	"github.com/territoires-integration/passerelle/bot/bulk"
	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/dashboard"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
)

// shutdownBudget is how long a stop may take, in-flight updates included;
// the README promises 10 s, and compose gives 15 s before SIGKILL.
const shutdownBudget = 8 * time.Second

// senderGrace is how long the bulk sends under way at a stop have to finish.
const senderGrace = 4 * time.Second

// inboxSweep is how often a replica in webhook mode looks in the inbox for
// updates parked by a replica that died (see bot.KeepInbox).
const inboxSweep = time.Minute

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
	sender *bulk.Sender
	srv    *http.Server
	ln     net.Listener
	dash   *http.Server // the web dashboard's own server; nil when it is off
	dashLn net.Listener
}

// loadContent reads and validates the content folder (or the embedded
// sample), checking its dates against today in tz. Unless demo, fictional
// territories and their services are left out: a bot that keeps its data in
// Redis serves real people, and shows them real places only.
func loadContent(dir string, tz *time.Location, demo bool) (*content.Content, error) {
	fsys, label := contentFS(dir)
	c, diags := content.Load(fsys, locales.Codes(), content.Today(time.Now().In(tz)))
	if c == nil {
		lines := make([]string, 0, len(diags))
		for _, d := range diags {
			if d.Severity == content.Error {
				lines = append(lines, d.String())
			}
		}
		return nil, fmt.Errorf("content in %s has %d errors (run passerelle check): %s", label, diags.Errors(), strings.Join(lines, "; "))
	}
	if !demo {
		c = c.WithoutFictional()
	}
	return c, nil
}

// openEngine loads content (fictional territories only in a demo, see
// loadContent) and messages and builds the conversation engine; secret keys
// the survey pseudonyms and sign-in links (nil: a random key, for chat);
// dashboardURL is where /dashboard sends staff ("": the dashboard is off).
func openEngine(contentDir string, tz *time.Location, demo bool, admins []int64, secret []byte, dashboardURL string) (*flows.Engine, error) {
	c, err := loadContent(contentDir, tz, demo)
	if err != nil {
		return nil, err
	}
	msgs, err := locales.Load()
	if err != nil {
		return nil, err
	}
	return flows.NewEngine(flows.Config{Content: c, Messages: msgs, Location: tz, Admins: admins, Secret: secret, DashboardURL: dashboardURL})
}

// Open connects everything in an order where a start that fails leaves the
// bot's public state at Telegram untouched: content, Redis (waiting for it),
// the listen address, getMe (waiting for Telegram), and only then the command
// menu and the webhook. On error nothing is left open.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	if err := a.open(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// open does Open's work, leaving what it opened in a for Close.
func (a *App) open(ctx context.Context) error {
	cfg, log := a.cfg, a.log
	var err error
	if a.engine, err = openEngine(cfg.ContentDir, cfg.TZ, cfg.RedisURL == "", cfg.Admins, []byte(cfg.Secret), cfg.DashboardURL); err != nil {
		return err
	}
	// While start-up waits for Redis, it logs each try: go-redis would add
	// a line per failed dial of each try.
	redis.SetLogger(redisLogger{slog.New(slog.DiscardHandler)})
	if a.store, err = openStore(ctx, cfg, log); err != nil {
		return err
	}
	redis.SetLogger(redisLogger{log})
	a.store.SetEventReminders(cfg.EventReminders)
	if cfg.WebhookURL != "" {
		// Replicas behind a load balancer may get updates of one chat at
		// once: they take turns through Redis. Polling is one process.
		a.store.SetChatLease(storage.DefaultChatLease)
	}
	if a.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
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
		Handler: svc, Claims: a.store, Inbox: a.store, Leases: a.store, Limiter: a.store, Commands: a.engine.CommandList, Languages: locales.Codes(),
		Logger: log, Registry: reg,
	})
	if err != nil {
		return err
	}
	err = startPatience(cfg.RedisWait).await(ctx, log, "Telegram", func(ctx context.Context) error {
		err := a.bot.Identify(ctx)
		if errors.Is(err, bot.ErrTokenRefused) {
			return permanent(fmt.Errorf("%w: check TELEGRAM_BOT_TOKEN", err))
		}
		return err
	})
	if err != nil {
		return err
	}
	a.engine.SetBotUsername(a.bot.Username())
	a.svc = svc
	a.sender, err = bulk.NewSender(bulk.Config{
		Client: a.bot.Bulk(), Outbox: a.store, Limiter: a.store, Reporter: svc, Logger: log, Registry: reg,
		Eligible: a.store.Eligible, Delivered: a.store.Delivered,
		Consumer: consumerName(), Quiet: quietHours(cfg.Quiet, cfg.TZ), Grace: senderGrace, Idle: cfg.OutboxReclaim,
	})
	if err != nil {
		return err
	}
	if a.sched, err = newScheduler(a.store, a.engine, cfg.TZ, log); err != nil {
		return err
	}
	mux, err := bot.Mux(a.bot, a.store.Ping, reg)
	if err != nil {
		return err
	}
	if err := a.bot.Setup(ctx); err != nil {
		return err
	}
	var handler http.Handler = mux
	if cfg.RedisURL == "" {
		handler = demoReadyz(mux)
	}
	a.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return a.openDashboard()
}

// openDashboard listens for the web dashboard when it is configured: its
// own server, so that /metrics never shares its public port.
func (a *App) openDashboard() error {
	if a.cfg.DashboardListen == "" {
		return nil
	}
	msgs, err := locales.Load()
	if err != nil {
		return err
	}
	fsys, _ := contentFS(a.cfg.ContentDir)
	d, err := dashboard.New(dashboard.Config{Engine: a.engine, Store: a.store, Messages: msgs,
		BotToken: a.cfg.Token, Secret: []byte(a.cfg.Secret), Logger: a.log,
		ContentFS: fsys, Location: a.cfg.TZ})
	if err != nil {
		return err
	}
	if a.dashLn, err = net.Listen("tcp", a.cfg.DashboardListen); err != nil {
		return fmt.Errorf("listen %s (PASSERELLE_DASHBOARD_LISTEN): %w", a.cfg.DashboardListen, err)
	}
	a.dash = &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	return nil
}

// DashboardAddr is the address the web dashboard listens on; "" when it is off.
func (a *App) DashboardAddr() string {
	if a.dashLn == nil {
		return ""
	}
	return a.dashLn.Addr().String()
}

// openStore connects to REDIS_URL, waiting for a Redis that is still
// starting, or opens the embedded store when there is no URL.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*storage.Redis, error) {
	if cfg.RedisURL == "" {
		log.Warn("DEMO: " + demoNotice)
		return storage.OpenEmbedded()
	}
	var store *storage.Redis
	err := startPatience(cfg.RedisWait).await(ctx, log, "Redis", func(ctx context.Context) error {
		s, err := storage.New(ctx, cfg.RedisURL)
		if redis.IsAuthError(err) {
			return permanent(err)
		}
		if err != nil {
			return err
		}
		if err := usePrefix(ctx, s, cfg.RedisPrefix); err != nil {
			_ = s.Close()
			return permanent(err)
		}
		s.SetLogger(log)
		store = s
		return nil
	})
	return store, err
}

// errLegacyKeys: the Redis holds the keys of an older version under the
// legacy prefix, which the configured prefix would not see.
var errLegacyKeys = errors.New("this Redis holds the data of an earlier version under the prefix " + storage.LegacyPrefix +
	": stop the bot and run passerelle redis move-prefix to move it under the new prefix, " +
	"or set PASSERELLE_REDIS_PREFIX=" + storage.LegacyPrefix + " to keep it where it is")

// usePrefix sets the store's key prefix, refusing a prefix under which the
// data of an earlier version, kept under the legacy prefix, would be lost
// from sight.
func usePrefix(ctx context.Context, s *storage.Redis, prefix string) error {
	if prefix == "" {
		return errors.New("no Redis key prefix: set PASSERELLE_REDIS_PREFIX, or TELEGRAM_BOT_TOKEN to use the bot's id")
	}
	if err := s.SetPrefix(prefix); err != nil {
		return fmt.Errorf("PASSERELLE_REDIS_PREFIX: %w", err)
	}
	legacy, err := s.HasLegacyData(ctx)
	if err != nil {
		return err
	}
	if legacy {
		return errLegacyKeys
	}
	return nil
}

// demoNotice says what serve without REDIS_URL is.
const demoNotice = "REDIS_URL is empty, so this bot is a demo: it keeps its data in an in-process store, " +
	"not Redis, and every session, request, survey answer and queued message is lost when the process stops. " +
	"Set REDIS_URL for real use."

// demoReadyz adds the demo notice to the answers of /readyz, so that a
// probe or a person checking the bot sees it too.
func demoReadyz(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method == http.MethodGet && r.URL.Path == "/readyz" {
			io.WriteString(w, "demo: "+demoNotice+"\n")
		}
	})
}

// patience is how start-up waits for a service that is not up yet: tries
// spaced by first, doubling up to most, for at most budget in all.
type patience struct {
	budget, first, most time.Duration
	tryTimeout          time.Duration // bound of one try
	now                 func() time.Time
	sleep               func(context.Context, time.Duration) error
}

// startPatience waits budget in all, 100 ms between the first tries and 2 s
// at most later on.
func startPatience(budget time.Duration) patience {
	return patience{budget: budget, first: 100 * time.Millisecond, most: 2 * time.Second, tryTimeout: 5 * time.Second,
		now: time.Now, sleep: sleepCtx}
}

// sleepCtx waits d, or less when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// permanentError is a failure that trying again cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// permanent marks err as not worth another try.
func permanent(err error) error { return permanentError{err} }

// await calls try until it succeeds, fails permanently, or the budget is
// spent, logging every failed try. An error with a RetryAfter method (a
// Telegram 429) spaces the next try at least that much.
func (p patience) await(ctx context.Context, log *slog.Logger, service string, try func(context.Context) error) error {
	start := p.now()
	delay := p.first
	for n := 1; ; n++ {
		tctx, cancel := context.WithTimeout(ctx, p.tryTimeout)
		err := try(tctx)
		cancel()
		if err == nil {
			if n > 1 {
				log.Info("start: service answered", "service", service, "tries", n)
			}
			return nil
		}
		var perm permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("start interrupted while waiting for %s: %w", service, err)
		}
		wait, left := delay, p.budget-p.now().Sub(start)
		var hint interface{ RetryAfter() time.Duration }
		if errors.As(err, &hint) && hint.RetryAfter() > wait {
			wait = hint.RetryAfter()
			if wait > left {
				left = 0 // asked to wait beyond the budget
			}
		}
		if left <= 0 {
			return fmt.Errorf("%s did not answer within %v (PASSERELLE_REDIS_WAIT; attempts: %d): %w", service, p.budget, n, err)
		}
		wait = min(wait, left)
		log.Warn("start: waiting for a service", "service", service, "attempt", n, "retry_in", wait.String(), "err", err)
		if err := p.sleep(ctx, wait); err != nil {
			return fmt.Errorf("start interrupted while waiting for %s: %w", service, err)
		}
		delay = min(2*delay, p.most)
	}
}

// Reload reads the content folder again and serves it; on any error the
// current content stays and the error says exactly what is wrong.
func (a *App) Reload() error {
	c, err := loadContent(a.cfg.ContentDir, a.cfg.TZ, a.cfg.RedisURL == "")
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
	if a.dash != nil {
		go func() {
			if err := a.dash.Serve(a.dashLn); !errors.Is(err, http.ErrServerClosed) {
				httpErr <- fmt.Errorf("dashboard server: %w", err)
			}
		}()
	}
	mode := "long polling"
	if a.cfg.WebhookURL != "" {
		mode = "webhook"
	}
	a.log.Info("passerelle is running", "bot", a.bot.Username(), "mode", mode, "listen", a.Addr())
	polled, pollErr := make(chan struct{}), make(chan error, 1)
	go func() {
		defer close(polled)
		if a.cfg.WebhookURL != "" {
			a.bot.KeepInbox(ctx, inboxSweep)
			return
		}
		if err := a.bot.Poll(ctx); err != nil {
			pollErr <- fmt.Errorf("polling: %w", err)
		}
	}()
	sent := make(chan error, 1)
	go func() { sent <- a.sender.Run(ctx) }()
	a.sched.start()
	var err error
	select {
	case <-ctx.Done():
	case err = <-httpErr:
	case err = <-pollErr:
	}
	a.log.Info("stopping")
	cancel()
	// Everything stops at once, within the budget: the HTTP server takes no
	// new call, the poller stops asking, the updates under way finish (those
	// not started stay in the inbox, or get 503 and come again), the sends
	// under way finish and the claimed ones go back to the outbox.
	start := time.Now()
	sctx, stop := context.WithTimeout(context.WithoutCancel(ctx), shutdownBudget)
	defer stop()
	shut := make(chan error, 1)
	go func() {
		err := a.srv.Shutdown(sctx)
		if a.dash != nil {
			err = errors.Join(err, a.dash.Shutdown(sctx))
		}
		shut <- err
	}()
	<-polled
	a.bot.Drain(sctx)
	a.sched.stop()
	if serr := <-sent; serr != nil {
		err = errors.Join(err, fmt.Errorf("sender: %w", serr))
	}
	if serr := <-shut; serr != nil {
		err = errors.Join(err, fmt.Errorf("http shutdown: %w", serr))
	}
	a.log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
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
	if a.dashLn != nil && a.dash == nil {
		a.dashLn.Close()
	}
	if a.store != nil {
		return a.store.Close()
	}
	return nil
}

// serve runs the bot until SIGINT or SIGTERM.
func serve(ctx context.Context, stderr io.Writer) int {
	cfg, err := loadConfig(environ)
	log := redactingLogger(stderr, cfg.secrets())
	if err == nil {
		err = cfg.validateServe()
	}
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	app, err := Open(ctx, cfg, log)
	if err != nil {
		log.Error("passerelle cannot start", "err", err)
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

// redactingLogger writes JSON lines to w with every secret, should one slip
// into an error or a string, replaced by ***.
func redactingLogger(w io.Writer, secrets []string) *slog.Logger {
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, "***")
		}
	}
	r := strings.NewReplacer(pairs...)
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch v := a.Value.Any().(type) {
			case string:
				return slog.String(a.Key, r.Replace(v))
			case error:
				return slog.String(a.Key, r.Replace(v.Error()))
			}
			return a
		},
	}))
}

// redisLogger routes go-redis' own messages (reconnects, pool errors) to slog;
// they name addresses, never keys or values.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn("redis client", "detail", fmt.Sprintf(format, v...))
}
