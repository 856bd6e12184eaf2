// Package redistest starts a throwaway Redis for tests: a real redis-server
// when one is on PATH, otherwise an in-process miniredis.
//
// Redis counts expiries from its own clock, so a test that writes a fixed
// calendar date with an absolute expiry (EXPIREAT) breaks as the calendar
// moves on. The rule: anything a test writes to a Redis is dated relative to
// Now (or the test asserts the absolute expiry the code computed, with
// PEXPIRETIME), never a fixed date. The guard: with PASSERELLE_TEST_SHIFT set
// to a Go duration (e.g. 17520h, two years), Now runs that far ahead and New
// always starts a miniredis whose clock (expiries, TTLs, TIME, stream ids)
// runs the same distance ahead, so a fixed date fails today as it would then.
// A real redis-server cannot be shifted.
package redistest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

const (
	readyTimeout = 5 * time.Second // how long a started server has to answer PING
	startTries   = 5               // ports tried before giving up
	// A shifted miniredis's clock is set every clockTick to clockLead ahead
	// of Now: like a real Redis on the tests' own clock, it is never behind
	// a time the test read before a command.
	clockTick = time.Millisecond
	clockLead = 10 * time.Millisecond
)

// ShiftEnv names the environment variable that moves the tests' clock ahead:
// a Go duration such as 17520h.
const ShiftEnv = "PASSERELLE_TEST_SHIFT"

// shift is ShiftEnv parsed once; zero when unset.
var shift = sync.OnceValues(func() (time.Duration, error) {
	v := os.Getenv(ShiftEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", ShiftEnv, v, err)
	}
	return d, nil
})

// Shift returns how far ahead of the real clock the tests' clock runs; it
// panics when ShiftEnv is not a Go duration.
func Shift() time.Duration {
	d, err := shift()
	if err != nil {
		panic(err)
	}
	return d
}

// Now is the tests' clock: the real time moved ahead by Shift. Every date a
// test writes to a Redis started by New derives from it.
func Now() time.Time {
	return time.Now().Add(Shift())
}

// Server is a Redis started for one test.
type Server struct {
	t    testing.TB
	port int

	// real redis-server
	bin   string
	dir   string
	extra []string // arguments after the defaults (a replica's --replicaof)
	conf  string   // a sentinel's configuration file: started with --sentinel
	auth  string   // the password the server requires (a sentinel's requirepass); "" for none
	cmd   *exec.Cmd
	done  chan struct{} // closed when cmd has exited
	out   *bytes.Buffer // the server's output, for failure messages

	// miniredis fallback
	mini *miniredis.Miniredis
}

// NextHour returns the first time after Now that is hour:00 in loc, for a
// test that needs a particular local hour yet must stay relative to now.
func NextHour(hour int, loc *time.Location) time.Time {
	now := Now().In(loc)
	t := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, loc)
	for !t.After(now) {
		t = time.Date(t.Year(), t.Month(), t.Day()+1, hour, 0, 0, 0, loc)
	}
	return t
}

// New starts a Redis stopped when the test ends; with CI=true a real
// redis-server is required, unless ShiftEnv is set: then it is always a
// miniredis on the shifted clock. Under -short (the quick loop) it is a
// miniredis too, which starts in no time; the full suite runs on the real one.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t}
	if _, err := shift(); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil || Shift() != 0 || testing.Short() {
		if err != nil && os.Getenv("CI") == "true" {
			t.Fatal("CI=true requires redis-server on PATH")
		}
		s.startMini()
		return s
	}
	s.bin = bin
	s.startOnFreePort()
	return s
}

// startOnFreePort starts the real server on a free port, in a new temporary
// directory, stopped when the test ends.
func (s *Server) startOnFreePort() {
	s.t.Helper()
	s.dir = s.t.TempDir()
	var lastErr error
	for range startTries {
		port, err := freePort()
		if err != nil {
			s.t.Fatalf("pick a port: %v", err)
		}
		s.port = port
		if lastErr = s.startReal(); lastErr == nil {
			s.t.Cleanup(s.terminate)
			return
		}
	}
	s.t.Fatalf("start %s: %v", s.bin, lastErr)
}

// startMini starts a miniredis whose clock follows Now: keys expire as the
// clock moves (as in Redis), and EXPIREAT, PEXPIRETIME, TIME (Lua scripts
// included), stream ids and idle times all read that clock.
func (s *Server) startMini() {
	s.t.Helper()
	s.mini = miniredis.NewMiniRedis()
	s.mini.SetTime(Now().Add(clockLead))
	s.mini.ClockTTL(true)
	if err := s.mini.StartAddr("127.0.0.1:0"); err != nil {
		s.t.Fatalf("start miniredis: %v", err)
	}
	s.port, _ = strconv.Atoi(s.mini.Port())
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(clockTick)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				s.mini.SetTime(Now().Add(clockLead))
			}
		}
	}()
	s.t.Cleanup(func() {
		close(stop)
		<-stopped
		s.mini.Close()
	})
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL returns the server's address as a redis:// URL.
func (s *Server) URL() string {
	s.t.Helper()
	return fmt.Sprintf("redis://%s/0", s.addr())
}

// Real reports whether the server is a real redis-server rather than miniredis.
func (s *Server) Real() bool {
	s.t.Helper()
	return s.mini == nil
}

// Stop simulates Redis going down: the server dies and its port closes.
func (s *Server) Stop() {
	s.t.Helper()
	if s.mini != nil {
		s.mini.Close()
		return
	}
	s.signal(syscall.SIGKILL)
}

// Restart starts the server again on the same port, stopping it first if needed; data may be lost.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if s.mini != nil {
		// Close cancels the context miniredis's blocking commands (XREADGROUP
		// BLOCK…) wait on, and Restart does not renew it: they would never
		// answer again.
		s.mini.Lock()
		s.mini.Ctx, s.mini.CtxCancel = context.WithCancel(context.Background())
		s.mini.Unlock()
	}
	var err error
	deadline := time.Now().Add(readyTimeout)
	for {
		if s.mini != nil {
			err = s.mini.Restart()
		} else {
			err = s.startReal()
		}
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("restart redis on port %d: %v", s.port, err)
	}
}

func (s *Server) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// startReal runs redis-server on s.port and waits until it answers.
func (s *Server) startReal() error {
	out := new(bytes.Buffer)
	cmd := exec.Command(s.bin, s.argv()...)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-done:
			return fmt.Errorf("redis-server exited: %s", lastLines(out.String()))
		default:
		}
		ready := "PING"
		if s.auth != "" {
			ready = "AUTH " + s.auth
		}
		err := command(s.addr(), 200*time.Millisecond, ready)
		if err == nil {
			s.cmd, s.done, s.out = cmd, done, out
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server did not answer PING within %v: %v", readyTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// argv is the real server's command line.
func (s *Server) argv() []string {
	if s.conf != "" {
		return []string{s.conf, "--sentinel", "--port", strconv.Itoa(s.port)}
	}
	return append([]string{
		"--save", "",
		"--appendonly", "no",
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--dir", s.dir,
	}, s.extra...)
}

// terminate stops the real server gracefully at the end of the test.
func (s *Server) terminate() {
	s.signal(syscall.SIGTERM)
}

// signal sends sig to the running redis-server, if any, and waits for it to exit.
func (s *Server) signal(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(readyTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd, s.done = nil, nil
}

// command sends one inline command and fails unless the reply is a simple "+" status.
func command(addr string, timeout time.Duration, cmd string) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+") {
		return errors.New(strings.TrimSpace(line))
	}
	return nil
}

// lastLines keeps the end of the server's output for an error message.
func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, " / ")
}
