package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// rewriteScheduler is a scheduler on the Redis at url, logging into a buffer.
func rewriteScheduler(t *testing.T, url string) (*scheduler, *bytes.Buffer) {
	t.Helper()
	store, err := storage.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	logs := &bytes.Buffer{}
	return &scheduler{store: store, log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, logs
}

// An erasure is followed, at the next tick, by a rewrite of the append-only
// file; the tick after has nothing to do.
func TestRewriteAfterErasureTick(t *testing.T) {
	ctx := context.Background()
	srv := redistest.NewWithAOF(t)
	s, logs := rewriteScheduler(t, srv.URL())
	if err := s.store.Commit(ctx, 42, nil, []flows.Event{flows.Forgotten{}}); err != nil {
		t.Fatal(err)
	}
	rewrites := srv.AOFRewrites()
	for range 2 {
		if err := s.rewriteAfterErasure(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	srv.WaitRewrite(rewrites + 1)
	if n := strings.Count(logs.String(), "after an erasure"); n != 1 {
		t.Errorf("%d rewrites asked, want 1:\n%s", n, logs)
	}
	if err := s.rewriteDaily(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv.WaitRewrite(rewrites + 2)
}

// A Redis that keeps no append-only file (or, miniredis, refuses
// BGREWRITEAOF) does not fail the jobs, and the reason is logged once.
func TestRewriteRefusedLoggedOnce(t *testing.T) {
	ctx := context.Background()
	srv := redistest.New(t) // appendonly no
	s, logs := rewriteScheduler(t, srv.URL())
	reason := "keeps no append-only file"
	if !srv.Real() {
		reason = "refuses BGREWRITEAOF"
	}
	for range 3 {
		if err := s.rewriteDaily(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	lines := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, reason) {
			lines++
		}
	}
	if lines != 1 {
		t.Errorf("the reason %q logged %d times, want once:\n%s", reason, lines, logs)
	}
}
