package bot

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxUpdateBytes bounds a webhook body; real updates are a few kilobytes.
const maxUpdateBytes = 1 << 20

// WebhookHandler receives updates pushed by Telegram. It checks the secret
// header in constant time (401), refuses a body that is no JSON object (400),
// skips an update it cannot read (200: Telegram would deliver it again and
// again), and answers 503 when the update could not be recorded so that
// Telegram delivers it again.
func (b *Bot) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(b.cfg.WebhookSecret)) != 1 {
			b.metrics.errors.WithLabelValues("webhook_auth").Inc()
			b.log.Warn("webhook call refused", "err", errUnauthorized)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBytes+1))
		if err != nil || len(body) > maxUpdateBytes {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			b.metrics.errors.WithLabelValues("bad_update").Inc()
			b.log.Warn("webhook update unreadable: no JSON object", "bytes", len(body))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		u, ok := b.decodeUpdate(body)
		if !ok {
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := b.HandleUpdate(r.Context(), u); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// KeepInbox, in webhook mode, hands out what the inbox keeps now and then
// every interval until ctx ends: what an earlier run in polling mode left,
// and the updates another replica parked while their chat was busy and did
// not live to handle. An update handed out twice is handled once: the
// second finds it claimed.
func (b *Bot) KeepInbox(ctx context.Context, every time.Duration) {
	for {
		b.Resume(ctx)
		if !sleep(ctx, every, nil) {
			return
		}
	}
}

// WebhookPath is the path part of the webhook URL, where Telegram posts.
func WebhookPath(webhookURL string) (string, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", errors.New("webhook URL must be absolute, like https://bot.example.org/telegram")
	}
	if u.Path == "" {
		return "/", nil
	}
	return u.Path, nil
}

// Mux serves /healthz (the process runs), /readyz (ready pings its
// dependencies), /metrics (Prometheus, from gatherer) and, when the bot runs a
// webhook, the webhook path.
func Mux(b *Bot, ready func(context.Context) error, gatherer prometheus.Gatherer) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	if b != nil && b.cfg.WebhookURL != "" {
		path, err := WebhookPath(b.cfg.WebhookURL)
		if err != nil {
			return nil, err
		}
		mux.Handle(path, b.WebhookHandler())
	}
	return mux, nil
}
