package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
)

// chatID is the terminal person's chat.
const chatID = 1

// chat runs the conversations in the terminal: buttons become numbers,
// commands are typed, the store is in-process.
func chat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("chat", flag.ContinueOnError)
	fl.SetOutput(stderr)
	lang := fl.String("lang", "", "start in this language: "+strings.Join(locales.Codes(), " "))
	territory := fl.String("territory", "", "start as if from a poster of this territory (e.g. dijon)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *lang != "" && locales.Match(*lang) == "" {
		fmt.Fprintf(stderr, "passerelle chat: unknown language %q (choose among %s)\n", *lang, strings.Join(locales.Codes(), " "))
		return 2
	}
	cfg, err := loadConfig(environ)
	if err != nil {
		fmt.Fprintln(stderr, "passerelle chat:", err)
		return 2
	}
	engine, err := openEngine(cfg.ContentDir, cfg.TZ, true, nil, nil, "")
	if err != nil {
		fmt.Fprintln(stderr, "passerelle chat:", err)
		return 1
	}
	if _, ok := engine.Content().Territory(*territory); *territory != "" && !ok {
		fmt.Fprintf(stderr, "passerelle chat: unknown territory %q\n", *territory)
		return 2
	}
	store, err := storage.OpenEmbedded()
	if err != nil {
		fmt.Fprintln(stderr, "passerelle chat:", err)
		return 1
	}
	defer store.Close()

	t := &terminal{svc: flows.NewService(engine, store, flows.SystemClock), out: stdout, hint: locales.Match(*lang)}
	fmt.Fprintln(stdout, "Passerelle in your terminal. Type a number to press a button, /commands as in Telegram, 📍 46.2 -2.3 to share a location, text as you like; /quit or Ctrl-D to leave.")
	fmt.Fprintln(stdout)
	if !t.send(ctx, flows.Input{Kind: flows.KindCommand, Command: "start", Arg: *territory}) {
		return 1
	}
	// The language menu lists the hinted language first: choose it.
	if t.hint != "" && len(t.buttons) > 0 && !t.send(ctx, t.input("1")) {
		return 1
	}
	sc := bufio.NewScanner(stdin)
	for fmt.Fprint(stdout, "> "); sc.Scan(); fmt.Fprint(stdout, "> ") {
		line := strings.TrimSpace(sc.Text())
		if line == "/quit" || line == "/exit" {
			break
		}
		if line != "" && !t.send(ctx, t.input(line)) {
			return 1
		}
	}
	fmt.Fprintln(stdout)
	return 0
}

// terminal is one person talking in the terminal.
type terminal struct {
	svc     *flows.Service
	out     io.Writer
	hint    string
	buttons []flows.Button
	msgID   int
}

// input reads a typed line: a button number, a command or text.
func (t *terminal) input(line string) flows.Input {
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(t.buttons) {
		return flows.Input{Kind: flows.KindButton, Data: t.buttons[n-1].Data, MessageID: t.msgID}
	}
	if rest, ok := strings.CutPrefix(line, "📍"); ok {
		var loc flows.Location
		if _, err := fmt.Sscan(rest, &loc.Latitude, &loc.Longitude); err == nil {
			return flows.Input{Kind: flows.KindLocation, Location: &loc}
		}
	}
	if strings.HasPrefix(line, "/") {
		name, arg, _ := strings.Cut(line[1:], " ")
		return flows.Input{Kind: flows.KindCommand, Command: strings.ToLower(name), Arg: strings.TrimSpace(arg)}
	}
	return flows.Input{Kind: flows.KindText, Text: line}
}

func (t *terminal) send(ctx context.Context, in flows.Input) bool {
	in.ChatID, in.LangHint = chatID, t.hint
	replies, err := t.svc.Handle(ctx, in)
	fmt.Fprint(t.out, flows.Render(replies, 1))
	if err != nil {
		fmt.Fprintln(t.out, "(store error:", err, ")")
		return false
	}
	if bs := flows.Buttons(replies); len(bs) > 0 {
		t.buttons = bs
		t.msgID++
	}
	return true
}
