package bot

import (
	"context"
	"errors"

	tgbot "github.com/go-telegram/bot"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus series the bot exports on /metrics.
type metrics struct {
	updates  *prometheus.CounterVec
	replies  *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_updates_total", Help: "Telegram updates received, by kind (message, button, member, duplicate, ignored, busy).",
		}, []string{"kind"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_replies_total", Help: "Bot API calls that succeeded, by method.",
		}, []string{"method"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "passerelle_errors_total", Help: "Errors, by kind (store, forbidden, rate_limited, bad_request, telegram, timeout, unknown_outcome, callback_skipped, panic, keyboard, webhook_auth, bad_update, limiter; the bulk sender's own are in passerelle_bulk_errors_total).",
		}, []string{"kind"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "passerelle_update_handling_seconds", Help: "Time from receiving an update to its last reply sent.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
	}
	reg.MustRegister(m.updates, m.replies, m.errors, m.duration)
	return m
}

// errorKind names a Bot API error for metrics and logs.
func errorKind(err error) string {
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case errors.As(err, &tooMany):
		return "rate_limited"
	case errors.Is(err, tgbot.ErrorForbidden):
		return "forbidden"
	case errors.Is(err, tgbot.ErrorBadRequest):
		return "bad_request"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return "timeout"
	default:
		return "telegram"
	}
}
