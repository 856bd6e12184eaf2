package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

const testToken = "7000000001:test-token-not-a-secret"

// testPrefix is the Redis key prefix serve uses with testToken.
const testPrefix = "psl:7000000001:"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds passerelle once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "passerelle-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "passerelle")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// serveCommand is `passerelle serve`, built once, with the environment env.
func serveCommand(t *testing.T, env []string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = env
	return cmd
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// logFile collects the process's output in a file the test reads when needed.
type logFile struct{ path string }

func (l logFile) String() string {
	buf, _ := os.ReadFile(l.path)
	return string(buf)
}

// newLogFile creates a log file in the test's folder, closed when the test ends.
func newLogFile(t *testing.T) (logFile, *os.File) {
	t.Helper()
	logs := logFile{filepath.Join(t.TempDir(), "serve.log")}
	out, err := os.Create(logs.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return logs, out
}

// serveRun is one `passerelle serve` process of a test.
type serveRun struct {
	cmd    *exec.Cmd
	exited chan error    // receives the process's end, once
	done   chan struct{} // closed when the process has ended
}

// startServe runs serve with env, its output to out; a process still
// running when the test ends is killed.
func startServe(t *testing.T, env []string, out *os.File) *serveRun {
	t.Helper()
	cmd := serveCommand(t, env)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &serveRun{cmd: cmd, exited: make(chan error, 1), done: make(chan struct{})}
	go func() {
		r.exited <- cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// stop sends SIGTERM and fails the test unless serve exits cleanly within
// budget; it returns how long that took.
func (r *serveRun) stop(t *testing.T, budget time.Duration, logs logFile) time.Duration {
	t.Helper()
	start := time.Now()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\nlogs:\n%s", err, logs.String())
		}
	case <-time.After(budget):
		t.Fatalf("still running %v after SIGTERM\nlogs:\n%s", budget, logs.String())
	}
	return time.Since(start)
}

// waitFake waits until pred holds for the fake's calls, or fails the test with the logs.
func waitFake(t *testing.T, ctx context.Context, fake *fakeapi.Server, logs logFile, what string, pred func([]fakeapi.Call) bool) {
	t.Helper()
	if err := fake.WaitFor(ctx, pred); err != nil {
		t.Fatalf("waiting for %s: %v\nlogs:\n%s", what, err, logs.String())
	}
}

// TestServeEndToEnd builds passerelle, runs `serve` against the fake Bot API
// and Redis, and onboards a newcomer from the Cesam poster in French and in
// Arabic, by long polling and by webhook; then stops it with SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // waits on processes and on Telegram's pace, not on the CPU
	msgs, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"polling", "webhook"} {
		for _, lang := range []string{"fr", "ar"} {
			t.Run(mode+"/"+lang, func(t *testing.T) {
				fake := fakeapi.New(testToken)
				t.Cleanup(fake.Close)
				redis := redistest.New(t)
				listen := freeAddr(t)
				env := append(os.Environ(),
					"TELEGRAM_BOT_TOKEN="+testToken,
					"TELEGRAM_API_URL="+fake.URL(),
					"REDIS_URL="+redis.URL(),
					"PASSERELLE_SECRET=0123456789abcdef0123456789abcdef-e2e",
					"PASSERELLE_LISTEN="+listen,
					"PASSERELLE_CONTENT_DIR=",
				)
				if mode == "webhook" {
					env = append(env, "PASSERELLE_WEBHOOK_URL=http://"+listen+"/telegram/hook", "PASSERELLE_WEBHOOK_SECRET=e2e-webhook-secret")
				}
				logs, out := newLogFile(t)
				started := time.Now()
				run := startServe(t, env, out)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				wait := func(what string, pred func([]fakeapi.Call) bool) {
					t.Helper()
					waitFake(t, ctx, fake, logs, what, pred)
				}
				ready := "getUpdates"
				if mode == "webhook" {
					ready = "setWebhook"
				}
				wait(ready, func(c []fakeapi.Call) bool { return len(fake.CallsTo(ready)) > 0 })
				t.Logf("serving %v after start", time.Since(started).Round(time.Millisecond))
				if mode == "webhook" {
					hook := fake.CallsTo("setWebhook")[0].Params
					if hook["url"] != "http://"+listen+"/telegram/hook" || hook["secret_token"] != "e2e-webhook-secret" {
						t.Fatalf("setWebhook params = %v", hook)
					}
					waitHTTP(t, "http://"+listen+"/readyz")
				}
				waitHTTP(t, "http://"+listen+"/readyz")
				if resp, err := http.Get("http://" + listen + "/metrics"); err != nil {
					t.Error(err)
				} else {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					for _, name := range []string{"passerelle_update_handling_seconds_count", "passerelle_outbox_pending 0"} {
						if !strings.Contains(string(body), name) {
							t.Errorf("/metrics lacks %q", name)
						}
					}
				}
				if n := len(fake.CallsTo("setMyCommands")); n != len(locales.Languages)+1 {
					t.Errorf("setMyCommands called %d times, want %d", n, len(locales.Languages)+1)
				}

				const chat = 555001
				text := func(id string) string { return msgs.Text(lang, id, map[string]any{"Territory": nameOf(lang)}) }
				sends := func(c []fakeapi.Call) []fakeapi.Call { return filter(c, "sendMessage", chat) }

				// 1. /start from the Cesam poster: the language menu, the hinted language first.
				fake.Push(fakeapi.TextUpdate(chat, "/start dijon__cesam", lang))
				wait("language menu", func(c []fakeapi.Call) bool { return len(sends(c)) >= 1 })
				menu := sends(fake.Calls())[0]
				first := button(t, menu, 0)
				wantFirst, _ := locales.Lookup(lang)
				if first.Text != wantFirst.Name {
					t.Errorf("first language button = %q, want %q", first.Text, wantFirst.Name)
				}
				langMsgID := lastMessageID(fake, chat)

				// 2. Choose the language: the menu becomes a confirmation, the privacy notice follows.
				fake.Push(fakeapi.CallbackUpdate(chat, langMsgID, first.CallbackData, lang))
				wait("privacy notice", func(c []fakeapi.Call) bool { return len(sends(c)) >= 2 })
				edits := filter(fake.Calls(), "editMessageText", chat)
				if len(edits) != 1 || edits[0].Params["message_id"] != fmt.Sprint(langMsgID) || edits[0].Params["text"] != text("LanguageSet") {
					t.Errorf("language edit = %+v", edits)
				}
				notice := sends(fake.Calls())[1]
				if got := notice.Params["text"]; !strings.HasPrefix(got, text("PrivacyNotice")) || !strings.HasSuffix(got, text("PrivacyCommands")) {
					t.Errorf("privacy notice = %q", notice.Params["text"])
				}

				// 3. Continue without any consent: the territory came with the link, so the menu.
				cont := button(t, notice, 2)
				fake.Push(fakeapi.CallbackUpdate(chat, lastMessageID(fake, chat), cont.CallbackData, lang))
				wait("main menu", func(c []fakeapi.Call) bool { return len(sends(c)) >= 3 })
				if got := sends(fake.Calls())[2].Params["text"]; got != text("OnboardingDone") {
					t.Errorf("after onboarding got %q, want %q", got, text("OnboardingDone"))
				}
				if n := len(filter(fake.Calls(), "answerCallbackQuery", 0)); n != 2 {
					t.Errorf("answerCallbackQuery called %d times, want 2", n)
				}

				// 4. SIGTERM: a clean stop within 10 s.
				t.Logf("stopped %v after SIGTERM", run.stop(t, 10*time.Second, logs).Round(time.Millisecond))

				// What Redis kept: the session, and the poster counted without naming anyone.
				store, err := storage.New(context.Background(), redis.URL())
				if err != nil {
					t.Fatal(err)
				}
				defer store.Close()
				if err := store.SetPrefix(testPrefix); err != nil {
					t.Fatal(err)
				}
				s, err := store.Load(context.Background(), chat)
				if err != nil {
					t.Fatal(err)
				}
				if s.Lang != lang || s.Territory != "dijon" || !s.Onboarded || len(s.Consents) != 0 {
					t.Errorf("session = %+v", s)
				}
				if counts, _ := store.SourceCounts(context.Background(), "dijon"); counts["cesam"] != 1 {
					t.Errorf("source counts = %v", counts)
				}
				for _, secret := range []string{testToken, fmt.Sprint(chat), "dijon__cesam"} {
					if strings.Contains(logs.String(), secret) {
						t.Errorf("logs contain %q:\n%s", secret, logs.String())
					}
				}
			})
		}
	}
}

func nameOf(lang string) string {
	names := map[string]string{"fr": "Dijon", "ar": "ديجون"}
	return names[lang]
}

// waitHTTP polls url until it answers 200.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s never answered", url)
}

// filter keeps the successful calls to method (for chat, unless chat is 0).
func filter(calls []fakeapi.Call, method string, chat int64) []fakeapi.Call {
	var out []fakeapi.Call
	for _, c := range calls {
		if strings.EqualFold(c.Method, method) && c.Status == 200 && (chat == 0 || c.Params["chat_id"] == fmt.Sprint(chat)) {
			out = append(out, c)
		}
	}
	return out
}

type sentButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

// button returns the i-th button, in reading order, of a sent message.
func button(t *testing.T, c fakeapi.Call, i int) sentButton {
	t.Helper()
	var kb struct {
		InlineKeyboard [][]sentButton `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(c.Params["reply_markup"]), &kb); err != nil {
		t.Fatalf("reply_markup %q: %v", c.Params["reply_markup"], err)
	}
	var all []sentButton
	for _, row := range kb.InlineKeyboard {
		all = append(all, row...)
	}
	if i >= len(all) {
		t.Fatalf("no button %d in %s", i, c.Params["reply_markup"])
	}
	return all[i]
}

func lastMessageID(fake *fakeapi.Server, chat int64) int {
	msgs := fake.Messages(chat)
	return msgs[len(msgs)-1].ID
}
