package flows_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// onboardingInputs is a whole onboarding from the Cesam poster, in Arabic.
var onboardingInputs = []flows.Input{
	{Kind: flows.KindCommand, Command: "start", Arg: "dijon__cesam", LangHint: "ar"},
	{Kind: flows.KindButton, Data: "lang:ar", MessageID: 1},
	{Kind: flows.KindButton, Data: "cons:+news", MessageID: 2},
	{Kind: flows.KindButton, Data: "cons:ok", MessageID: 2},
}

// shownData is the data, as sent, of the button of replies whose flow data is data.
func shownData(replies []flows.Reply, data string) string {
	for _, b := range flows.Buttons(replies) {
		if flowData(b.Data) == data {
			return b.Data
		}
	}
	return data
}

// BenchmarkOnboardingRedis runs whole onboardings through the service and a
// Redis store (a real redis-server when installed): one op is one update.
// It reports updates/s, the p99 latency of one update, and the Redis bytes
// one onboarded person takes.
func BenchmarkOnboardingRedis(b *testing.B) {
	srv := redistest.New(b)
	store, err := storage.New(context.Background(), srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	svc := flows.NewService(newEngine(b), store, flows.SystemClock)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	var last []flows.Reply
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		in := onboardingInputs[i%len(onboardingInputs)]
		in.ChatID = int64(1_000_000 + i/len(onboardingInputs))
		if in.Kind == flows.KindButton {
			in.Data = shownData(last, in.Data) // the button as the previous answer showed it
		}
		t0 := time.Now()
		replies, err := svc.Handle(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		last = replies
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	if srv.Real() && b.N >= len(onboardingInputs) {
		if n, err := store.MemoryUsage(ctx, 1_000_000); err == nil {
			b.ReportMetric(float64(n), "redis-bytes/user")
		}
	}
}
