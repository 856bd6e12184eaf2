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
	info, err := r.c.Info(context.Background(), "memory").Result()
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	tb.Fatal("no used_memory in INFO memory")
	return 0
}

// BenchmarkCapacity measures what Redis holds, in used_memory, per person
// (an onboarded session with the news and survey consents, so also their
// two audience entries), per update claim (kept 48 h), and per bulk message
// waiting in the outbox, each over b.N of them under a production-like
// prefix (psl: and a 10-digit bot id). These are the figures of the
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

	start := usedMemory(b, r)
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
