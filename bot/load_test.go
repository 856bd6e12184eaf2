package bot

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// The load benchmark: many people make their first visit at once, over long
// polling, to a bot running in a process of its own, so that the CPU it
// reports is the bot's alone (the fake Bot API, Redis and the people are
// elsewhere). Three bots take the same visits in the same run:
//
//   - passerelle: the real handler, storage and limiter on a real Redis;
//   - canned: a bare go-telegram/bot bot that makes exactly the Bot API calls
//     Passerelle made for each step (recorded once), with no logic and no
//     storage: the cost of the calls themselves;
//   - echo: a bare go-telegram/bot bot that answers each update with one
//     message.
//
// Run it with
//
//	go test -run '^$' -bench '^BenchmarkLoad$' -benchtime 300x ./bot/
//
// b.N is the number of visits; loadPeople of them run at once.

// loadPeople is how many people make their visit at the same time.
const loadPeople = 50

// loadEnv names the environment variable that makes the test binary run a
// bot for BenchmarkLoad (see TestLoadBotProcess).
const loadEnv = "PASSERELLE_LOAD_BOT"

// visitStep is one thing a person does: a text, or a press on the button of
// the bot's last message whose data (nonce and signature aside) is press.
type visitStep struct {
	text  string
	press string
}

// firstVisit is the script: language, consent, menu, a search, help, and
// erasing everything.
var firstVisit = []visitStep{
	{text: "/start dijon__cesam"},
	{press: "lang:fr"},
	{press: "cons:ok"},
	{text: "/menu"},
	{text: "cours de français"},
	{text: "/help"},
	{text: "/forget"},
	{press: "fgt:yes"},
}

// cannedCall is one Bot API call Passerelle made for a step, as the canned
// bot replays it.
type cannedCall struct {
	Method string            `json:"method"`
	Params map[string]string `json:"params"`
}

// loadReport is what a bot process tells when it stops.
type loadReport struct {
	CPU        time.Duration `json:"cpu"`         // user + system time while serving
	RoundTrips int64         `json:"round_trips"` // Redis round trips (commands or pipelines)
	Commands   int64         `json:"commands"`    // Redis commands
	Allocs     uint64        `json:"allocs"`      // heap objects allocated while serving
	Bytes      uint64        `json:"bytes"`       // heap bytes allocated while serving
}

// BenchmarkLoad runs the first visit against the three bots and reports, per
// bot, updates/s, p50 and p99 from an update's push to its last reply, the
// bot's CPU µs per update, and Bot API calls and Redis round trips per update.
func BenchmarkLoad(b *testing.B) {
	for _, kind := range []string{"passerelle", "canned", "echo"} {
		b.Run(kind, func(b *testing.B) { runLoad(b, kind) })
	}
}

// recorded holds the calls of each step of the script, once recorded.
var recorded struct {
	once  sync.Once
	calls [][]cannedCall
	err   error
}

// record runs the script once, alone, against Passerelle and keeps the calls
// made to the person for each step: what the canned bot replays.
func record(b *testing.B) [][]cannedCall {
	recorded.once.Do(func() {
		fake := fakeapi.New(testToken)
		defer fake.Close()
		rdb := redistest.New(b)
		bot := startLoadBot(b, "passerelle", fake.URL(), rdb.URL(), "")
		const chat = 6100000000
		var steps [][]cannedCall
		d := newLoadDriver(fake)
		seen := 0
		for i, st := range firstVisit {
			if _, err := d.step(chat, st, 0); err != nil {
				recorded.err = fmt.Errorf("step %d: %w", i, err)
				return
			}
			time.Sleep(300 * time.Millisecond) // every reply of the step is out
			var calls []cannedCall
			for _, c := range fake.Calls()[seen:] {
				if c.Method == "getUpdates" || c.Params["chat_id"] != strconv.Itoa(chat) {
					continue
				}
				delete(c.Params, "chat_id")
				calls = append(calls, cannedCall{Method: c.Method, Params: c.Params})
			}
			seen = len(fake.Calls())
			steps = append(steps, calls)
		}
		bot.stop(b)
		recorded.calls = steps
	})
	if recorded.err != nil {
		b.Fatalf("recording Passerelle's calls: %v", recorded.err)
	}
	return recorded.calls
}

// runLoad runs b.N visits, loadPeople at a time, against one bot.
func runLoad(b *testing.B, kind string) {
	var script [][]cannedCall // the replies each step waits for; nil: one
	file := ""
	if kind != "echo" {
		script = record(b)
	}
	if kind == "canned" {
		f, err := os.CreateTemp(b.TempDir(), "canned-*.json")
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(f).Encode(script); err != nil {
			b.Fatal(err)
		}
		f.Close()
		file = f.Name()
	}
	fake := fakeapi.New(testToken)
	defer fake.Close()
	rdb := redistest.New(b)
	d := newLoadDriver(fake)
	bot := startLoadBot(b, kind, fake.URL(), rdb.URL(), file)

	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range min(loadPeople, b.N) {
		wg.Go(func() {
			var local []time.Duration
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					break
				}
				chat := 6200000000 + n
				for i, st := range firstVisit {
					want := 1
					if script != nil {
						want = len(script[i])
					}
					lat, err := d.step(chat, st, want)
					if err != nil {
						failed.Store(fmt.Errorf("%s chat %d step %d: %w", kind, chat, i, err))
						return
					}
					local = append(local, lat)
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	calls := len(fake.Calls()) - len(fake.CallsTo("getUpdates"))
	rep := bot.stop(b)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	updates := float64(len(latencies))
	reportLatency(b, latencies, elapsed)
	b.ReportMetric(float64(rep.CPU.Microseconds())/updates, "cpu-µs/update")
	b.ReportMetric(float64(calls)/updates, "api-calls/update")
	b.ReportMetric(float64(rep.Allocs)/updates, "allocs/update")
	b.ReportMetric(float64(rep.Bytes)/updates/1024, "KB/update")
	if kind == "passerelle" {
		b.ReportMetric(float64(rep.RoundTrips)/updates, "redis-trips/update")
		b.ReportMetric(float64(rep.Commands)/updates, "redis-cmds/update")
	}
	b.ReportMetric(0, "ns/op") // per visit it says nothing the rest does not
}

// loadDriver plays people: it pushes their updates to the fake and waits for
// the bot's replies, heard through fakeapi's Observe.
type loadDriver struct {
	fake *fakeapi.Server
	mu   sync.Mutex
	subs map[int64]chan struct{} // a chat's replies, one token each
}

func newLoadDriver(fake *fakeapi.Server) *loadDriver {
	d := &loadDriver{fake: fake, subs: map[int64]chan struct{}{}}
	fake.Observe(func(method string, chat int64) {
		if chat == 0 || method == "answerCallbackQuery" {
			return
		}
		d.mu.Lock()
		ch := d.subs[chat]
		d.mu.Unlock()
		if ch != nil {
			ch <- struct{}{}
		}
	})
	return d
}

// loadStepWait bounds the wait for a step's replies.
const loadStepWait = 20 * time.Second

// step pushes one step of chat's visit and waits for want replies (0: the
// first, then until none has come for a moment), returning the time from the
// push to the last reply.
func (d *loadDriver) step(chat int64, st visitStep, want int) (time.Duration, error) {
	ch := make(chan struct{}, 64)
	d.mu.Lock()
	d.subs[chat] = ch
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.subs, chat)
		d.mu.Unlock()
	}()
	u := fakeapi.TextUpdate(chat, st.text, "fr")
	if st.press != "" {
		m, ok := d.fake.LastMessage(chat)
		if !ok {
			return 0, fmt.Errorf("no message to press %q on", st.press)
		}
		data, ok := buttonData(m.Markup, st.press)
		if !ok {
			return 0, fmt.Errorf("no button %q in %s", st.press, m.Markup)
		}
		u = fakeapi.CallbackUpdate(chat, m.ID, data, "fr")
	}
	start := time.Now()
	d.fake.Push(u)
	deadline := time.After(loadStepWait)
	var last time.Time
	for got := 0; want == 0 || got < want; got++ {
		quiet := deadline
		if want == 0 && got > 0 {
			quiet = time.After(200 * time.Millisecond)
		}
		select {
		case <-ch:
			last = time.Now()
		case <-quiet:
			if want == 0 && got > 0 {
				return last.Sub(start), nil
			}
			return 0, fmt.Errorf("%d of %d replies after %v", got, want, loadStepWait)
		}
	}
	return last.Sub(start), nil
}

// buttonData finds, in an inline keyboard, the callback_data whose data is
// press once the nonce and the signature are set aside (echo's buttons are
// none: the press is then sent as is).
func buttonData(markup, press string) (string, bool) {
	if markup == "" {
		return press, true
	}
	var kb struct {
		InlineKeyboard [][]struct {
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &kb); err != nil {
		return "", false
	}
	for _, row := range kb.InlineKeyboard {
		for _, btn := range row {
			data, _, _ := strings.Cut(btn.Data, "~")
			if btn.Data == press || flowData(data) == press {
				return btn.Data, true
			}
		}
	}
	return "", false
}

// loadBot is a bot process serving the fake.
type loadBot struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startLoadBot starts this test binary as a bot of kind and waits until it polls.
func startLoadBot(b *testing.B, kind, fakeURL, redisURL, canned string) *loadBot {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadBotProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), loadEnv+"="+kind, "LOAD_FAKE_URL="+fakeURL, "LOAD_REDIS_URL="+redisURL, "LOAD_CANNED="+canned)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	lb := &loadBot{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if !lb.expect("LOAD READY") {
		b.Fatalf("%s bot did not start", kind)
	}
	return lb
}

// expect reads the bot's output up to a line starting with prefix.
func (lb *loadBot) expect(prefix string) bool {
	for lb.out.Scan() {
		if strings.HasPrefix(lb.out.Text(), prefix) {
			return true
		}
	}
	return false
}

// stop ends the bot and returns its report.
func (lb *loadBot) stop(b *testing.B) loadReport {
	b.Helper()
	lb.stdin.Close()
	var rep loadReport
	for lb.out.Scan() {
		if line, ok := strings.CutPrefix(lb.out.Text(), "LOAD REPORT "); ok {
			if err := json.Unmarshal([]byte(line), &rep); err != nil {
				b.Fatalf("bot report %q: %v", line, err)
			}
		}
	}
	if err := lb.cmd.Wait(); err != nil {
		b.Fatalf("bot process: %v", err)
	}
	return rep
}

// TestLoadBotProcess is the bot process of BenchmarkLoad; it does nothing
// unless the benchmark started it. It serves until its standard input
// closes, then prints its report.
func TestLoadBotProcess(t *testing.T) {
	kind := os.Getenv(loadEnv)
	if kind == "" {
		t.Skip("run by BenchmarkLoad only")
	}
	ctx, cancel := context.WithCancel(context.Background())
	fakeURL := os.Getenv("LOAD_FAKE_URL")
	var (
		run     func(context.Context)
		counter *tripCounter
	)
	switch kind {
	case "passerelle":
		counter = &tripCounter{}
		run = passerelleLoadBot(t, fakeURL, os.Getenv("LOAD_REDIS_URL"), counter)
	case "canned":
		run = cannedLoadBot(t, fakeURL, os.Getenv("LOAD_CANNED"))
	case "echo":
		run = echoLoadBot(t, fakeURL)
	default:
		t.Fatalf("unknown bot %q", kind)
	}
	if os.Getenv("LOAD_MEMPROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for a profile that adds up
	}
	done := make(chan struct{})
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	allocs, bytes := mem.Mallocs, mem.TotalAlloc
	before := cpuTime(t)
	go func() {
		defer close(done)
		run(ctx)
	}()
	fmt.Println("LOAD READY")
	_, _ = io.Copy(io.Discard, os.Stdin)
	cancel()
	<-done
	if path := os.Getenv("LOAD_MEMPROFILE"); path != "" {
		writeHeapProfile(t, path)
	}
	rep := loadReport{CPU: cpuTime(t) - before}
	runtime.ReadMemStats(&mem)
	rep.Allocs, rep.Bytes = mem.Mallocs-allocs, mem.TotalAlloc-bytes
	if counter != nil {
		rep.RoundTrips, rep.Commands = counter.trips.Load(), counter.cmds.Load()
	}
	out, _ := json.Marshal(rep)
	fmt.Println("LOAD REPORT " + string(out))
}

// writeHeapProfile writes the allocations profile of this process to path
// (LOAD_MEMPROFILE: where the bot's allocations come from).
func writeHeapProfile(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// cpuTime is the user and system time of this process so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// tripCounter counts a Redis client's round trips and commands.
type tripCounter struct{ trips, cmds atomic.Int64 }

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.trips.Add(1)
		c.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.trips.Add(1)
		c.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// passerelleLoadBot wires Passerelle as cmd does for long polling, with a
// rate far above the load so that the limiter counts without holding back.
func passerelleLoadBot(t *testing.T, fakeURL, redisURL string, counter *tripCounter) func(context.Context) {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	rc.AddHook(counter)
	store := storage.NewFromClient(rc)
	c, diags := content.Load(content.Sample(), locales.Codes())
	if c == nil {
		t.Fatalf("sample content: %v", diags)
	}
	msgs, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := flows.NewEngine(flows.Config{Content: c, Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	svc := flows.NewService(engine, store, flows.SystemClock)
	b, err := New(Config{
		Token: testToken, APIURL: fakeURL, ButtonSecret: []byte(testButtonSecret),
		Handler: svc, Claims: store, Inbox: store, Limiter: store,
		Commands: engine.CommandList, Languages: locales.Codes(),
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		PollTimeout: 2 * time.Second, Rate: 1e6, ChatPace: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Identify(context.Background()); err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context) {
		_ = b.Poll(ctx)
		b.Close()
	}
}

// libraryBot is a bare go-telegram/bot bot polling the fake with handle.
func libraryBot(t *testing.T, fakeURL string, handle tgbot.HandlerFunc) func(context.Context) {
	b, err := tgbot.New(testToken, tgbot.WithServerURL(fakeURL), tgbot.WithSkipGetMe(),
		tgbot.WithWorkers(loadPeople), tgbot.WithHTTPClient(3*time.Second, apiClient()),
		tgbot.WithDefaultHandler(handle), tgbot.WithErrorsHandler(func(error) {}))
	if err != nil {
		t.Fatal(err)
	}
	return b.Start
}

// echoLoadBot answers a text with itself and a press with its data.
func echoLoadBot(t *testing.T, fakeURL string) func(context.Context) {
	return libraryBot(t, fakeURL, func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		switch {
		case u.Message != nil:
			_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: u.Message.Text})
		case u.CallbackQuery != nil:
			_, _ = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID})
			_, _ = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.CallbackQuery.From.ID, Text: u.CallbackQuery.Data})
		}
	})
}

// cannedLoadBot replays, for each update of a chat, the calls Passerelle
// made at that step of the script.
func cannedLoadBot(t *testing.T, fakeURL, file string) func(context.Context) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var script [][]cannedCall
	if err := json.Unmarshal(data, &script); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	steps := map[int64]int{}
	return libraryBot(t, fakeURL, func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		var chat int64
		msgID := 0
		switch {
		case u.Message != nil:
			chat = u.Message.Chat.ID
		case u.CallbackQuery != nil:
			chat = u.CallbackQuery.From.ID
			msgID = u.CallbackQuery.Message.Message.ID
			_, _ = b.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID})
		}
		mu.Lock()
		step := steps[chat]
		steps[chat]++
		mu.Unlock()
		if step >= len(script) {
			return
		}
		for _, c := range script[step] {
			if err := replay(ctx, b, chat, msgID, c); err != nil {
				fmt.Fprintf(os.Stderr, "canned %s: %v\n", c.Method, err)
			}
		}
	})
}

// replay makes one recorded call about chat.
func replay(ctx context.Context, b *tgbot.Bot, chat int64, msgID int, c cannedCall) error {
	var markup models.ReplyMarkup
	if raw := c.Params["reply_markup"]; raw != "" {
		markup = json.RawMessage(raw) // as sent (the library's type adds an empty copy_text)
	}
	num := func(k string) float64 { f, _ := strconv.ParseFloat(c.Params[k], 64); return f }
	var err error
	switch c.Method {
	case "sendMessage":
		_, err = b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: c.Params["text"], ReplyMarkup: markup})
	case "editMessageText":
		_, err = b.EditMessageText(ctx, &tgbot.EditMessageTextParams{ChatID: chat, MessageID: msgID, Text: c.Params["text"], ReplyMarkup: markup})
	case "sendVenue":
		_, err = b.SendVenue(ctx, &tgbot.SendVenueParams{ChatID: chat, Latitude: num("latitude"), Longitude: num("longitude"), Title: c.Params["title"], Address: c.Params["address"]})
	case "sendLocation":
		_, err = b.SendLocation(ctx, &tgbot.SendLocationParams{ChatID: chat, Latitude: num("latitude"), Longitude: num("longitude")})
	default:
		err = fmt.Errorf("no replay for %s", c.Method)
	}
	return err
}
