package bulk

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: time.Minute, 40: time.Minute} {
		for range 20 {
			if got := backoff(attempt); got < want-want/10 || got > want+want/10 {
				t.Fatalf("backoff(%d) = %v, want %v ± 10%%", attempt, got, want)
			}
		}
	}
}

// The parts of a Config, to be checked and not used.
type (
	someClient   struct{ Client }
	someOutbox   struct{ Outbox }
	someLimiter  struct{ Limiter }
	someReporter struct{ Reporter }
)

func TestNewSenderNeedsItsParts(t *testing.T) {
	full := Config{Client: someClient{}, Outbox: someOutbox{}, Limiter: someLimiter{}, Reporter: someReporter{}, Consumer: "a"}
	if _, err := NewSender(full); err != nil {
		t.Fatalf("full config: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"client", func(c *Config) { c.Client = nil }},
		{"outbox", func(c *Config) { c.Outbox = nil }},
		{"limiter", func(c *Config) { c.Limiter = nil }},
		{"reporter", func(c *Config) { c.Reporter = nil }},
		{"consumer", func(c *Config) { c.Consumer = "" }},
	}
	for _, tt := range tests {
		cfg := full
		tt.change(&cfg)
		if _, err := NewSender(cfg); err == nil {
			t.Errorf("no %s: NewSender returned no error", tt.name)
		}
	}
}

// Two senders of one process share its series; another collector by one of
// their names is an error.
func TestNewSenderMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := Config{Client: someClient{}, Outbox: someOutbox{}, Limiter: someLimiter{}, Reporter: someReporter{}, Consumer: "a", Registry: reg}
	a, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSender(cfg)
	if err != nil {
		t.Fatalf("second sender: %v", err)
	}
	if a.metrics.outcomes != b.metrics.outcomes || a.metrics.errors != b.metrics.errors {
		t.Error("two senders count in different series")
	}
	clash := prometheus.NewRegistry()
	clash.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "passerelle_bulk_retries_total", Help: "not a counter"}))
	if _, err := NewSender(Config{Client: someClient{}, Outbox: someOutbox{}, Limiter: someLimiter{}, Reporter: someReporter{}, Consumer: "a", Registry: clash}); err == nil {
		t.Error("a clashing series: no error")
	}
}

func TestChatLimits(t *testing.T) {
	got := chatLimits(42, time.Second, 3*time.Second)
	if want := []chatLimit{{"chat:42", time.Second}}; !slices.Equal(got, want) {
		t.Errorf("private chat: %v, want %v", got, want)
	}
	got = chatLimits(-1001234, time.Second, 3*time.Second)
	if want := []chatLimit{{"group:-1001234", 3 * time.Second}, {"chat:-1001234", time.Second}}; !slices.Equal(got, want) {
		t.Errorf("group: %v, want %v", got, want)
	}
}
