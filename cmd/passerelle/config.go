package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/storage"
)

// Config is everything Passerelle reads from its environment. Nothing else
// in the program reads the environment.
type Config struct {
	Token           string
	APIURL          string
	RedisURL        string
	RedisPrefix     string        // every key's prefix; "" when neither set nor derivable from the token
	RedisWait       time.Duration // how long start-up waits for Redis, then for Telegram
	ContentDir      string
	Admins          []int64
	Secret          string
	WebhookURL      string
	WebhookSecret   string
	Listen          string
	TZ              *time.Location
	Quiet           *quiet          // nil: no quiet hours
	EventReminders  []time.Duration // how long before a meeting its people are reminded
	DashboardListen string          // address of the web dashboard's own server; "" when it is off
	DashboardURL    string          // its public HTTPS address, given to staff by /dashboard
	OutboxReclaim   time.Duration   // how long bulk messages a dead replica claimed wait before another sends them
}

// quiet hours, in local minutes after midnight; From > To spans midnight.
type quiet struct{ From, To int }

// envDoc documents every variable, for --help and the README.
var envDoc = [][2]string{
	{"TELEGRAM_BOT_TOKEN", "bot token from BotFather (required by serve)"},
	{"TELEGRAM_API_URL", "Bot API base URL (default https://api.telegram.org)"},
	{"REDIS_URL", "redis://… or rediss://…, or Redis Sentinel: redis+sentinel://[user:password@]host:26379,host:26379/MASTER[/db][?sentinel_password=…]; empty: serve runs as a demo on an in-process store whose data is lost at exit (said at start and by /readyz)"},
	{"PASSERELLE_REDIS_PREFIX", "prefix of every Redis key, so that several bots can share a Redis (default psl:BOTID: with the bot id from the token; keys of older versions are under psl: — see passerelle redis move-prefix)"},
	{"PASSERELLE_REDIS_WAIT", "at start, how long serve waits for Redis, then for Telegram, to answer, trying again with backoff (default 30s)"},
	{"PASSERELLE_CONTENT_DIR", "content folder (default: the embedded sample territories and services); SIGHUP reloads it; with REDIS_URL set, fictional territories are left out"},
	{"PASSERELLE_ADMINS", "comma-separated Telegram user ids of national admins"},
	{"PASSERELLE_SECRET", "key for pseudonyms and signed buttons (required by serve, 32+ characters)"},
	{"PASSERELLE_WEBHOOK_URL", "public HTTPS URL for webhook mode; empty: long polling"},
	{"PASSERELLE_WEBHOOK_SECRET", "secret Telegram sends with each webhook call (required with the URL)"},
	{"PASSERELLE_LISTEN", "address of the HTTP server: webhook, /healthz, /readyz, /metrics (default :8080)"},
	{"PASSERELLE_TZ", "time zone of opening hours, schedules and quiet hours (default Europe/Paris)"},
	{"PASSERELLE_EVENT_REMINDERS", "when people coming to an event are reminded, before it starts (default 24h,2h)"},
	{"PASSERELLE_DASHBOARD_LISTEN", "address of the coordinators' web dashboard, its own server apart from PASSERELLE_LISTEN (e.g. :8443 behind an HTTPS proxy); empty: no dashboard"},
	{"PASSERELLE_DASHBOARD_URL", "public HTTPS address of the dashboard (e.g. https://tableau.example.fr), required with PASSERELLE_DASHBOARD_LISTEN; /dashboard sends staff there"},
	{"PASSERELLE_QUIET_HOURS", "no bulk message in these local hours, held until they end (default 21:00-08:00; \"off\" for none)"},
	{"PASSERELLE_OUTBOX_RECLAIM", "how long bulk messages claimed by a replica that died (killed, crashed) wait before another replica, or the next start, sends them; a send slower than this may go out twice (default 30s, from 1s to 1h)"},
}

// loadConfig reads the environment through getenv.
func loadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Token:           getenv("TELEGRAM_BOT_TOKEN"),
		APIURL:          orDefault(getenv("TELEGRAM_API_URL"), "https://api.telegram.org"),
		RedisURL:        getenv("REDIS_URL"),
		ContentDir:      getenv("PASSERELLE_CONTENT_DIR"),
		Secret:          getenv("PASSERELLE_SECRET"),
		WebhookURL:      getenv("PASSERELLE_WEBHOOK_URL"),
		WebhookSecret:   getenv("PASSERELLE_WEBHOOK_SECRET"),
		Listen:          orDefault(getenv("PASSERELLE_LISTEN"), ":8080"),
		DashboardListen: getenv("PASSERELLE_DASHBOARD_LISTEN"),
		DashboardURL:    strings.TrimSuffix(getenv("PASSERELLE_DASHBOARD_URL"), "/"),
	}
	var errs []error
	c.RedisPrefix = getenv("PASSERELLE_REDIS_PREFIX")
	if c.RedisPrefix == "" {
		c.RedisPrefix = defaultPrefix(c.Token)
	} else if err := storage.CheckPrefix(c.RedisPrefix); err != nil {
		errs = append(errs, fmt.Errorf("PASSERELLE_REDIS_PREFIX: %w", err))
	}
	for _, f := range strings.Split(getenv("PASSERELLE_ADMINS"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("PASSERELLE_ADMINS: %q is not a Telegram user id", f))
			continue
		}
		c.Admins = append(c.Admins, id)
	}
	tz, err := zone(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.TZ = tz
	if c.RedisWait, err = time.ParseDuration(orDefault(getenv("PASSERELLE_REDIS_WAIT"), "30s")); err != nil || c.RedisWait < 0 {
		errs = append(errs, fmt.Errorf("PASSERELLE_REDIS_WAIT: %q is not a duration like 30s or 2m", getenv("PASSERELLE_REDIS_WAIT")))
	}
	if c.OutboxReclaim, err = time.ParseDuration(orDefault(getenv("PASSERELLE_OUTBOX_RECLAIM"), "30s")); err != nil || c.OutboxReclaim < time.Second || c.OutboxReclaim > time.Hour {
		errs = append(errs, fmt.Errorf("PASSERELLE_OUTBOX_RECLAIM: %q is not a duration from 1s to 1h, like 30s", getenv("PASSERELLE_OUTBOX_RECLAIM")))
	}
	if c.EventReminders, err = parseOffsets(orDefault(getenv("PASSERELLE_EVENT_REMINDERS"), "24h,2h")); err != nil {
		errs = append(errs, err)
	}
	if c.Quiet, err = parseQuiet(orDefault(getenv("PASSERELLE_QUIET_HOURS"), "21:00-08:00")); err != nil {
		errs = append(errs, err)
	}
	if (c.DashboardListen == "") != (c.DashboardURL == "") {
		errs = append(errs, errors.New("PASSERELLE_DASHBOARD_LISTEN and PASSERELLE_DASHBOARD_URL go together: set both, or neither"))
	} else if u, err := url.Parse(c.DashboardURL); c.DashboardURL != "" && (err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "") {
		errs = append(errs, fmt.Errorf("PASSERELLE_DASHBOARD_URL: %q is not an https:// address without a path, like https://tableau.example.fr (Telegram opens Mini Apps over HTTPS only; the dashboard is served from the root)", c.DashboardURL))
	}
	return c, errors.Join(errs...)
}

// validateServe checks what serve needs beyond loadConfig.
func (c Config) validateServe() error {
	var errs []error
	if c.Token == "" {
		errs = append(errs, errors.New("TELEGRAM_BOT_TOKEN is required"))
	}
	if len(c.Secret) < 32 {
		errs = append(errs, errors.New("PASSERELLE_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)"))
	}
	if c.RedisURL != "" {
		// CheckURL's message never quotes the URL, nor its password.
		if err := storage.CheckURL(c.RedisURL); err != nil {
			errs = append(errs, errors.New("REDIS_URL is not like redis://[user:password@]host:port[/db], rediss://…, or redis+sentinel://host:26379,host:26379/MASTER[/db][?sentinel_password=…]"))
		}
	}
	if c.RedisURL != "" && c.RedisPrefix == "" && c.Token != "" {
		errs = append(errs, errors.New("PASSERELLE_REDIS_PREFIX is required: TELEGRAM_BOT_TOKEN does not start with the bot's id"))
	}
	if c.WebhookURL != "" && c.WebhookSecret == "" {
		errs = append(errs, errors.New("PASSERELLE_WEBHOOK_SECRET is required with PASSERELLE_WEBHOOK_URL"))
	}
	return errors.Join(errs...)
}

// secrets are the configured values that no log line may show: the token,
// the keys, and the password inside REDIS_URL (as written and decoded).
func (c Config) secrets() []string {
	out := []string{c.Token, c.Secret, c.WebhookSecret}
	u, err := url.Parse(c.RedisURL)
	if err != nil {
		return out
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			_, written, _ := strings.Cut(u.User.String(), ":")
			out = append(out, pw, written)
		}
	}
	// The sentinels' own password, decoded and as written.
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if written, ok := strings.CutPrefix(kv, "sentinel_password="); ok && written != "" {
			pw, _ := url.QueryUnescape(written)
			out = append(out, pw, written)
		}
	}
	return out
}

// defaultPrefix is the key prefix of the bot whose token this is: psl: and
// the bot's id (the number before the colon), or "" without a valid token.
func defaultPrefix(token string) string {
	id, _, ok := strings.Cut(token, ":")
	if _, err := strconv.ParseInt(id, 10, 64); !ok || err != nil {
		return ""
	}
	return storage.LegacyPrefix + id + ":"
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// environ is the real environment.
var environ = os.Getenv

// parseQuiet reads "HH:MM-HH:MM", or "off".
func parseQuiet(v string) (*quiet, error) {
	if strings.EqualFold(v, "off") {
		return nil, nil
	}
	from, to, ok := strings.Cut(v, "-")
	f, ferr := time.Parse("15:04", strings.TrimSpace(from))
	t, terr := time.Parse("15:04", strings.TrimSpace(to))
	if !ok || ferr != nil || terr != nil || f.Equal(t) {
		return nil, fmt.Errorf("PASSERELLE_QUIET_HOURS: %q is not like 21:00-08:00 or off", v)
	}
	return &quiet{From: f.Hour()*60 + f.Minute(), To: t.Hour()*60 + t.Minute()}, nil
}

// parseOffsets reads "24h,2h": up to four durations from 10 minutes to 14 days.
func parseOffsets(v string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil || d < 10*time.Minute || d > 14*24*time.Hour || d%time.Minute != 0 {
			return nil, fmt.Errorf("PASSERELLE_EVENT_REMINDERS: %q is not a list like 24h,2h (each from 10m to 336h, whole minutes)", v)
		}
		out = append(out, d)
	}
	if len(out) > 4 {
		return nil, fmt.Errorf("PASSERELLE_EVENT_REMINDERS: %d reminders, four at most", len(out))
	}
	return out, nil
}

// zone is the time zone PASSERELLE_TZ names, Europe/Paris by default: that
// of opening hours, schedules and content dates.
func zone(getenv func(string) string) (*time.Location, error) {
	tz, err := time.LoadLocation(orDefault(getenv("PASSERELLE_TZ"), "Europe/Paris"))
	if err != nil {
		return nil, fmt.Errorf("PASSERELLE_TZ: %w", err)
	}
	return tz, nil
}
