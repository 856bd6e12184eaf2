package redistest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// aofWait bounds the waits for an append-only file rewrite.
const aofWait = 10 * time.Second

// NewWithAOF starts a real redis-server that keeps an append-only file,
// written as plain commands without compression (no RDB preamble), so that
// a test can look for a value in it. It skips the test when New would give
// a miniredis, which keeps nothing on disk.
func NewWithAOF(t testing.TB) *Server {
	t.Helper()
	s := New(t)
	if !s.Real() {
		t.Skip("an append-only file needs a real redis-server")
	}
	for _, kv := range [][2]string{{"aof-use-rdb-preamble", "no"}, {"rdbcompression", "no"}, {"appendfsync", "always"}, {"appendonly", "yes"}} {
		if err := s.client().ConfigSet(context.Background(), kv[0], kv[1]).Err(); err != nil {
			t.Fatalf("config set %s %s: %v", kv[0], kv[1], err)
		}
	}
	// Turning AOF on writes its first file with a rewrite.
	s.WaitRewrite(1)
	return s
}

// client is a connection to the server, closed when the test ends.
func (s *Server) client() *redis.Client {
	s.t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.addr()})
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// persistence reads INFO persistence as a map.
func (s *Server) persistence(c *redis.Client) map[string]string {
	s.t.Helper()
	info, err := c.Info(context.Background(), "persistence").Result()
	if err != nil {
		s.t.Fatalf("info persistence: %v", err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m
}

// AOFRewrites returns how many append-only file rewrites the server has
// completed since it started.
func (s *Server) AOFRewrites() int {
	s.t.Helper()
	n, err := strconv.Atoi(s.persistence(s.client())["aof_rewrites"])
	if err != nil {
		s.t.Fatalf("aof_rewrites: %v", err)
	}
	return n
}

// WaitRewrite waits until the server has completed n rewrites of its
// append-only file in all, none is under way or scheduled, and the last
// one succeeded.
func (s *Server) WaitRewrite(n int) {
	s.t.Helper()
	c := s.client()
	deadline := time.Now().Add(aofWait)
	for {
		p := s.persistence(c)
		done, _ := strconv.Atoi(p["aof_rewrites"])
		if done >= n && p["aof_rewrite_in_progress"] == "0" && p["aof_rewrite_scheduled"] == "0" {
			if p["aof_last_bgrewrite_status"] != "ok" {
				s.t.Fatalf("the append-only file rewrite failed: %v", p)
			}
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no append-only file rewrite %d within %v: %v", n, aofWait, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// AOF returns what the files of the append-only directory hold, the files
// of earlier rewrites included until Redis deletes them.
func (s *Server) AOF() []byte {
	s.t.Helper()
	dir := filepath.Join(s.dir, "appendonlydir")
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.t.Fatalf("read the append-only directory: %v", err)
	}
	var all bytes.Buffer
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil && !os.IsNotExist(err) { // deleted meanwhile after a rewrite
			s.t.Fatalf("read %s: %v", e.Name(), err)
		}
		all.Write(b)
	}
	return all.Bytes()
}
