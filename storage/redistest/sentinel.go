package redistest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinels of NewSentinel monitor.
const MasterName = "passerelle"

// Sentinel is a Redis watched by Redis Sentinel, as real processes: a
// primary, one replica and three sentinels (quorum 2) that declare the
// primary down after a second without an answer.
type Sentinel struct {
	t         testing.TB
	opts      SentinelOptions
	Primary   *Server
	Replica   *Server
	Sentinels []*Server
}

// SentinelOptions change what NewSentinel starts; the zero value is a
// primary without persistence and sentinels without a password.
type SentinelOptions struct {
	// AOF turns on the append-only file of the primary and the replica,
	// with appendfsync everysec: the setting docs/operations.md advises.
	AOF bool
	// SentinelPassword, when set, is required by the sentinels
	// (requirepass), which also use it among themselves.
	SentinelPassword string
}

// NewSentinel starts a primary, its replica and three sentinels, and waits
// until the replica is in sync and the sentinels know one another, so that
// killing the primary leads to a failover. It skips the test when
// redis-server is not on PATH, even with CI=true (CI installs it), and when
// ShiftEnv is set. Sentinels
// run as redis-sentinel when that is on PATH, else as redis-server
// --sentinel (the same program).
func NewSentinel(t testing.TB, opts SentinelOptions) *Sentinel {
	t.Helper()
	if Shift() != 0 {
		t.Skip("Redis Sentinel test: " + ShiftEnv + " is set, and a real redis-server cannot be shifted")
	}
	server, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("Redis Sentinel test: redis-server is not on PATH (Debian: apt-get install redis-server redis-sentinel)")
	}
	sentinelBin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		sentinelBin = server
	}
	var aof []string
	if opts.AOF {
		aof = []string{"--appendonly", "yes", "--appendfsync", "everysec"}
	}
	g := &Sentinel{t: t, opts: opts, Primary: &Server{t: t, bin: server, extra: aof}}
	g.Primary.startOnFreePort()
	g.Replica = &Server{t: t, bin: server, extra: append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(g.Primary.port)}, aof...)}
	g.Replica.startOnFreePort()
	replica := g.client(g.Replica.addr())
	g.waitFor("the replica's sync", func(ctx context.Context) bool {
		info, err := replica.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	conf := fmt.Sprintf("bind 127.0.0.1\n"+
		"sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
		"sentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 10000\n"+
		"sentinel parallel-syncs %[1]s 1\n", MasterName, g.Primary.port)
	if pw := opts.SentinelPassword; pw != "" {
		conf += fmt.Sprintf("requirepass %[1]s\nsentinel sentinel-pass %[1]s\n", pw)
	}
	for range 3 {
		path := filepath.Join(t.TempDir(), "sentinel.conf") // rewritten by the sentinel
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		s := &Server{t: t, bin: sentinelBin, conf: path, auth: opts.SentinelPassword}
		s.startOnFreePort()
		g.Sentinels = append(g.Sentinels, s)
	}
	for _, s := range g.Sentinels {
		g.waitFor("the sentinels to know the replica and one another", func(ctx context.Context) bool {
			c := g.sentinelClient(s)
			defer c.Close()
			others, err1 := c.Sentinels(ctx, MasterName).Result()
			replicas, err2 := c.Replicas(ctx, MasterName).Result()
			return err1 == nil && err2 == nil && len(others) == 2 && len(replicas) == 1
		})
	}
	return g
}

// URL is the Sentinel form of REDIS_URL for this group.
func (g *Sentinel) URL() string {
	addrs := make([]string, len(g.Sentinels))
	for i, s := range g.Sentinels {
		addrs[i] = s.addr()
	}
	u := "redis+sentinel://" + strings.Join(addrs, ",") + "/" + MasterName + "/0"
	if pw := g.opts.SentinelPassword; pw != "" {
		u += "?sentinel_password=" + url.QueryEscape(pw)
	}
	return u
}

// sentinelClient returns a client of the sentinel s, to be closed by the caller.
func (g *Sentinel) sentinelClient(s *Server) *redis.SentinelClient {
	return redis.NewSentinelClient(&redis.Options{Addr: s.addr(), Password: g.opts.SentinelPassword})
}

// PrimaryAddr is the address of the primary the first sentinel that
// answers names.
func (g *Sentinel) PrimaryAddr(ctx context.Context) (string, error) {
	var err error
	for _, s := range g.Sentinels {
		c := g.sentinelClient(s)
		var hp []string
		hp, err = c.GetMasterAddrByName(ctx, MasterName).Result()
		_ = c.Close()
		if err == nil && len(hp) == 2 {
			return hp[0] + ":" + hp[1], nil
		}
	}
	return "", fmt.Errorf("ask the sentinels for the primary: %w", err)
}

// PrimaryClient returns a client of the primary process as started (not
// following failovers), closed with the test.
func (g *Sentinel) PrimaryClient() *redis.Client {
	return g.client(g.Primary.addr())
}

// client returns a plain client of addr, closed with the test.
func (g *Sentinel) client(addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second})
	g.t.Cleanup(func() { _ = c.Close() })
	return c
}

// waitFor polls ok until it holds, failing the test after 20 s.
func (g *Sentinel) waitFor(what string, ok func(context.Context) bool) {
	g.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		done := ok(ctx)
		cancel()
		if done {
			return
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("Redis Sentinel: waited 20s for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
