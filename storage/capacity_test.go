package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/flows"
)

// usedMemory is the server's used_memory, in bytes.
func usedMemory(tb testing.TB, r *Redis) int64 {
	tb.Helper()
	return int64(infoField(tb, r, "memory", "used_memory"))
}

// usedCPU is the CPU time the server has used, user and system, in µs.
func usedCPU(tb testing.TB, r *Redis) float64 {
	tb.Helper()
	return (infoField(tb, r, "cpu", "used_cpu_user") + infoField(tb, r, "cpu", "used_cpu_sys")) * 1e6
}

// infoField reads one numeric field of a section of INFO.
func infoField(tb testing.TB, r *Redis, section, field string) float64 {
	tb.Helper()
	info, err := r.c.Info(context.Background(), section).Result()
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatalf("no %s in INFO %s", field, section)
	return 0
}

// BenchmarkCapacity measures what Redis holds, in used_memory, per person
// (an onboarded session with the news and survey consents, so also their
// two audience entries), per update claim (kept 48 h), and per bulk message
// waiting in the outbox, each over b.N of them under a production-like
// prefix (psl: and a 10-digit bot id); and Redis's own CPU time for an
// ordinary update's two transactions (Open with its claim, then Commit).
// These are the figures of the
// capacity model in docs/operations.md: run it with -benchtime 20000x.
func BenchmarkCapacity(b *testing.B) {
	ctx := context.Background()
	r, server := open(b)
	if !server.Real() {
		b.Skip("used_memory is only meaningful on a real redis-server")
	}
	if err := r.SetPrefix("psl:7000000001:"); err != nil {
		b.Fatal(err)
	}
	n := b.N
	b.StopTimer()

	start, cpu := usedMemory(b, r), usedCPU(b, r)
	s := onboarded()
	for i := range n {
		if err := r.Commit(ctx, 6000000000+int64(i), s, nil); err != nil {
			b.Fatal(err)
		}
	}
	people := usedMemory(b, r)
	b.ReportMetric(float64(people-start)/float64(n), "B/person")

	for i := range n {
		_, _, err := r.Open(ctx, 6000000000+int64(i), flows.Claim{UpdateID: 900000000 + int64(i), Token: "a"})
		if err != nil {
			b.Fatal(err)
		}
	}
	claims := usedMemory(b, r)
	b.ReportMetric(float64(claims-people)/float64(n), "B/update-claim")
	b.ReportMetric((usedCPU(b, r)-cpu)/float64(n), "redis-cpu-µs/update")

	e := broadcast("job-capacity", n, "Réunion d'information sur le logement jeudi 18 h à la maison de quartier")
	if err := r.Commit(ctx, 900, onboarded(), []flows.Event{e}); err != nil {
		b.Fatal(err)
	}
	queued := usedMemory(b, r)
	b.ReportMetric(float64(queued-claims)/float64(n), "B/queued-msg")
	b.ReportMetric(0, "ns/op")
	if n < 1000 {
		return // the first, one-iteration run: too small to say anything
	}
	fmt.Fprintf(b.Output(), "%d people, %d update claims, %d queued messages: %d bytes of Redis in all\n", n, n, n, queued-start)
}
