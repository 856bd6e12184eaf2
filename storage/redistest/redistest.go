// Package redistest starts a throwaway Redis for tests: a real redis-server
// when one is on PATH, otherwise an in-process miniredis.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

const (
	readyTimeout = 5 * time.Second // how long a started server has to answer PING
	startTries   = 5               // ports tried before giving up
)

// Server is a Redis started for one test.
type Server struct {
	t    testing.TB
	port int

	// real redis-server
	bin  string
	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	out  *bytes.Buffer // the server's output, for failure messages

	// miniredis fallback
	mini *miniredis.Miniredis
}

// New starts a Redis stopped when the test ends; with CI=true a real redis-server is required.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true requires redis-server on PATH")
		}
		s.mini = miniredis.NewMiniRedis()
		if err := s.mini.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatalf("start miniredis: %v", err)
		}
		s.port, _ = strconv.Atoi(s.mini.Port())
		t.Cleanup(s.mini.Close)
		return s
	}
	s.bin = bin
	s.dir = t.TempDir()
	var lastErr error
	for range startTries {
		port, err := freePort()
		if err != nil {
			t.Fatalf("pick a port: %v", err)
		}
		s.port = port
		if lastErr = s.startReal(); lastErr == nil {
			t.Cleanup(s.terminate)
			return s
		}
	}
	t.Fatalf("start redis-server: %v", lastErr)
	return nil
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
	cmd := exec.Command(s.bin,
		"--save", "",
		"--appendonly", "no",
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--dir", s.dir,
	)
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
		err := command(s.addr(), 200*time.Millisecond, "PING")
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
