// Package dashboard is the coordinators' web dashboard: staff sign in through
// Telegram (a one-time link from /dashboard, or the Mini App's signed init
// data), then read their territory's figures in server-rendered pages. Every
// request checks the staff role again, as the bot's commands do.
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
)

// SessionIdle is how long a signed-in session lives without being used.
const SessionIdle = 8 * time.Hour

// InitDataMaxAge is how old a Mini App's init data may be at sign-in.
const InitDataMaxAge = time.Hour

// cookieName is the session cookie; the __Host- prefix makes browsers keep
// it Secure, on this host only, for every path.
const cookieName = "__Host-passerelle"

// Store is what the dashboard reads and writes.
type Store interface {
	flows.Directory
	Load(ctx context.Context, chatID int64) (*flows.Session, error)
	TerritoryRequests(ctx context.Context, territory string, since time.Time) ([]flows.HelpRequest, error)
	Submissions(ctx context.Context, survey string) ([]flows.Submission, error)
	SaveWebSession(ctx context.Context, id string, data []byte, idle time.Duration) error
	WebSession(ctx context.Context, id string, idle time.Duration) ([]byte, error)
	DropWebSession(ctx context.Context, id string) error
	UseSignIn(ctx context.Context, nonce string) (bool, error)
	AppendAudit(ctx context.Context, e flows.AuditEntry) error
	Allow(ctx context.Context, key string, every time.Duration, burst int) (bool, time.Duration, error)
	// Overview and surveys pages (overview.go, surveys_manage.go).
	People(ctx context.Context, now time.Time) (map[string]*flows.People, error)
	SourceCounts(ctx context.Context, territory string) (map[string]int64, error)
	// Commit is the bot's: the dashboard's actions are steps of the staff
	// member's conversation (see converse).
	Commit(ctx context.Context, chatID int64, s *flows.Session, events []flows.Event) error
	InvitesBy(ctx context.Context, inviter int64) ([]flows.Invite, error)                      // inviter's open invitations
	DropInvite(ctx context.Context, inviter int64, token string) (bool, error)                 // false when not theirs or no longer open
	AuditBefore(ctx context.Context, cursor string, n int) ([]flows.AuditEntry, string, error) // a page of the audit log, and the next page's cursor
	// Broadcasts and events pages.
	Enqueue(ctx context.Context, job flows.Job, msgs []flows.Bulk) (bool, error)
	ScheduleNews(ctx context.Context, n flows.News) error
	ScheduledNews(ctx context.Context, territory string) ([]flows.News, error)
	News(ctx context.Context, id string) (*flows.News, error)
	CancelNews(ctx context.Context, id string) (bool, error)
	TerritoryJobs(ctx context.Context, territory string, n int) ([]flows.JobStatus, error)
	Meetings(ctx context.Context, territory string, from time.Time, n int) ([]flows.Meeting, error)
	Meeting(ctx context.Context, id string) (*flows.Meeting, error)
	MeetingCounts(ctx context.Context, id string) (flows.MeetingCounts, error)
	SaveMeeting(ctx context.Context, m flows.Meeting) error
	EventReminders() []time.Duration
}

// Config is what a dashboard needs.
type Config struct {
	Engine   *flows.Engine // content, staff roles and labels, as the bot sees them
	Store    Store
	Messages *locales.Catalog
	BotToken string // keys the Mini App's init data
	Secret   []byte // PASSERELLE_SECRET: keys the sign-in links
	Clock    flows.Clock
	Logger   *slog.Logger
	// ContentFS is the content folder `passerelle check` reads, for the
	// Content health page; nil leaves that page's check out.
	ContentFS fs.FS
	Location  *time.Location // the content's time zone (PASSERELLE_TZ); default UTC
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Dashboard serves the web dashboard.
type Dashboard struct {
	cfg     Config
	linkKey []byte
	appKey  []byte
	pages   *template.Template
	mux     *http.ServeMux
	svc     *flows.Service // the bot's conversations, for the actions
	people  *peopleCache   // the overview's counts
}

// New builds a dashboard.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Engine == nil || cfg.Store == nil || cfg.Messages == nil {
		return nil, errors.New("dashboard: engine, store and messages are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = flows.SystemClock
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := template.ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	d := &Dashboard{cfg: cfg, linkKey: flows.SignInKey(cfg.Secret), appKey: webAppKey(cfg.BotToken), pages: pages, mux: http.NewServeMux(),
		people: newPeopleCache(cfg.Store.People)}
	d.svc = flows.NewService(cfg.Engine, cfg.Store, cfg.Clock)
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, fmt.Errorf("dashboard static files: %w", err)
	}
	d.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	d.mux.HandleFunc("GET /signin", d.signInPage)
	d.mux.HandleFunc("POST /signin", d.signInLink)
	d.mux.HandleFunc("GET /app", d.appPage)
	d.mux.HandleFunc("POST /app/signin", d.signInApp)
	d.mux.HandleFunc("GET /signedout", d.signedOut)
	d.mux.HandleFunc("POST /signout", d.staff(d.signOut))
	d.mux.HandleFunc("GET /{$}", d.staff(d.home))
	d.mux.HandleFunc("GET /t/{ter}/needs", d.staff(d.needs))
	d.mux.HandleFunc("GET /t/{ter}/needs.csv", d.staff(d.needsCSV))
	d.mux.HandleFunc("GET /t/{ter}/surveys", d.staff(d.surveys))
	d.mux.HandleFunc("GET /t/{ter}/surveys/{id}", d.staff(d.results))
	d.mux.HandleFunc("GET /t/{ter}/surveys/{id}/{file}", d.staff(d.surveyExport))
	d.mux.HandleFunc("GET /t/{ter}/overview", d.staff(d.overview))
	d.mux.HandleFunc("GET /t/{ter}/xlsform", d.staff(d.xlsformPage))
	d.mux.HandleFunc("POST /t/{ter}/xlsform", d.limitUpload(d.staff(d.xlsformImport)))
	d.mux.HandleFunc("POST /t/{ter}/xlsform/survey.yaml", d.staff(d.xlsformYAML))
	d.mux.HandleFunc("GET /t/{ter}/surveys/{id}/outcome", d.staff(d.outcome))
	d.mux.HandleFunc("POST /t/{ter}/surveys/{id}/outcome", d.staff(d.outcome))
	d.mux.HandleFunc("GET /t/{ter}/requests", d.staff(d.requests))
	d.mux.HandleFunc("POST /t/{ter}/requests/{ref}", d.staff(d.requestAct))
	d.mux.HandleFunc("GET /t/{ter}/team", d.staff(d.team))
	d.mux.HandleFunc("POST /t/{ter}/team/invite", d.staff(d.invite))
	d.mux.HandleFunc("POST /t/{ter}/team/withdraw", d.staff(d.withdrawInvite))
	d.mux.HandleFunc("POST /t/{ter}/team/revoke", d.staff(d.revokeMember))
	d.mux.HandleFunc("GET /audit", d.staff(d.auditLog))
	d.mux.HandleFunc("GET /t/{ter}/health", d.staff(d.health))
	d.mux.HandleFunc("GET /t/{ter}/broadcasts", d.staff(d.broadcasts))
	d.mux.HandleFunc("POST /t/{ter}/broadcasts/preview", d.staff(d.broadcastPreview))
	d.mux.HandleFunc("POST /t/{ter}/broadcasts/send", d.staff(d.broadcastSend))
	d.mux.HandleFunc("GET /t/{ter}/broadcasts/{id}", d.staff(d.broadcastProgress))
	d.mux.HandleFunc("POST /t/{ter}/broadcasts/{id}/cancel", d.staff(d.broadcastCancel))
	d.mux.HandleFunc("GET /t/{ter}/events", d.staff(d.events))
	d.mux.HandleFunc("GET /t/{ter}/events/new", d.staff(d.eventForm))
	d.mux.HandleFunc("POST /t/{ter}/events/new", d.staff(d.eventSave))
	d.mux.HandleFunc("GET /t/{ter}/events/{id}", d.staff(d.eventForm))
	d.mux.HandleFunc("POST /t/{ter}/events/{id}", d.staff(d.eventSave))
	return d, nil
}

// contentSecurityPolicy lets pages load only this site's style and script,
// post forms only here, and be framed only by Telegram's web client (where
// the Mini App runs).
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self' https://web.telegram.org"

// ServeHTTP answers with the security headers on every response, and
// refuses a form posted from another site.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // no-referrer would make forms post Origin: null
	h.Set("Strict-Transport-Security", "max-age=31536000")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if r.URL.Path != "/" && len(r.URL.Path) > 8 && r.URL.Path[:8] == "/static/" {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "no-store")
	}
	if r.Method == http.MethodPost && !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	d.mux.ServeHTTP(w, r)
}

// sameOrigin is false when the browser says the request comes from another
// site: Sec-Fetch-Site when it sends one, else Origin.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	o := r.Header.Get("Origin")
	return o == "" || o == "https://"+r.Host || o == "http://"+r.Host
}

// audit records a dashboard action; a failure is logged, not shown.
func (d *Dashboard) audit(ctx context.Context, e flows.AuditEntry) {
	e.At = d.cfg.Clock.Now()
	if err := d.cfg.Store.AppendAudit(ctx, e); err != nil {
		d.cfg.Logger.Error("dashboard audit", "action", e.Action, "err", err)
	}
}
