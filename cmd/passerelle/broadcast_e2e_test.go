package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot"
	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestBroadcastSurvivesKill: an admin broadcasts to 200 people through the
// real binary, against a fake Bot API that enforces Telegram's limits; the
// bot is killed with SIGKILL mid-broadcast and started again: nobody is
// missed, duplicates stay within the messages that were in flight.
func TestBroadcastSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // waits on processes and on Telegram's pace, not on the CPU
	const (
		admin      = 900001
		recipients = 200
		secret     = "0123456789abcdef0123456789abcdef-kill"
	)
	fake, redis, store := limitedWorld(t)
	seedPeople(t, store, 700000, recipients)
	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+testToken, "TELEGRAM_API_URL="+fake.URL(), "REDIS_URL="+redis.URL(),
		"PASSERELLE_SECRET="+secret, "PASSERELLE_LISTEN="+freeAddr(t), "PASSERELLE_ADMINS="+fmt.Sprint(admin),
		"PASSERELLE_QUIET_HOURS=off", "PASSERELLE_CONTENT_DIR=",
		"PASSERELLE_OUTBOX_RECLAIM=2s", // what the killed process claimed goes again 2 s later, not 30
	)
	logs, out := newLogFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	wait := func(what string, pred func([]fakeapi.Call) bool) {
		t.Helper()
		waitFake(t, ctx, fake, logs, what, pred)
	}
	signer := bot.NewSigner([]byte(secret))

	first := startServe(t, env, out)
	wait("polling", func([]fakeapi.Call) bool { return len(fake.CallsTo("getUpdates")) > 0 })
	broadcast(t, fake, signer, admin, "Fête de quartier samedi à 15 h, place du Marché.", wait)

	delivered := func() (distinct, total int) {
		for i := range recipients {
			if n := len(fake.Messages(int64(700000 + i))); n > 0 {
				distinct++
				total += n
			}
		}
		return distinct, total
	}
	wait("the broadcast under way", func([]fakeapi.Call) bool { d, _ := delivered(); return d >= 40 })
	first.cmd.Process.Kill() // SIGKILL: no drain
	<-first.done
	d, _ := delivered()
	t.Logf("killed after %d of %d messages", d, recipients)

	restart := time.Now()
	startServe(t, env, out)
	wait("every recipient", func([]fakeapi.Call) bool { d, _ := delivered(); return d == recipients })
	_, total := delivered()
	dups := total - recipients
	// The fake's one-message-a-second per chat also refuses the admin's
	// burst of previews, which Telegram allows in a private chat: only the
	// bulk messages count here.
	bulk429 := 0
	for _, c := range fake.Calls() {
		if c.Status == 429 && c.Params["chat_id"] != fmt.Sprint(admin) {
			bulk429++
			t.Logf("refused: %s to %s at %s (early: %v)", c.Method, c.Params["chat_id"], c.At.Format("15:04:05.000"), c.Early)
		}
	}
	t.Logf("after the restart: %d recipients, %d duplicates, %d bulk sends refused for the limits", recipients, dups, bulk429)
	if dups > 16 {
		t.Errorf("%d duplicates: more than the messages a sender holds in flight (16)", dups)
	}
	if bulk429 != 0 {
		t.Errorf("%d bulk sends broke Telegram's limits", bulk429)
	}
	for i := range recipients {
		text := fake.Messages(int64(700000 + i))[0].Text
		if !strings.Contains(text, "Fête de quartier") {
			t.Errorf("recipient %d got %q", i, text)
			break
		}
	}
	wait("the final report", func([]fakeapi.Call) bool {
		for _, m := range fake.Messages(admin) {
			if strings.HasPrefix(m.Text, "✅") && strings.Contains(m.Text, fmt.Sprint(recipients)) {
				return true
			}
		}
		return false
	})
	t.Logf("the final report %v after the restart", time.Since(restart).Round(time.Millisecond))
}

// broadcast has admin send text to Dijon's people through the bot, from
// /broadcast to the confirmation, waiting for each answer of the bot.
func broadcast(t *testing.T, fake *fakeapi.Server, signer *bot.Signer, admin int64, text string, wait func(string, func([]fakeapi.Call) bool)) {
	t.Helper()
	from := len(fake.Messages(admin))
	// next waits for the button carrying data among the bot's messages of
	// this broadcast, and presses it.
	next := func(data string) {
		t.Helper()
		var up map[string]any
		wait("button "+data, func([]fakeapi.Call) bool { up = pressUpdate(fake, signer, admin, from, data); return up != nil })
		fake.Push(up)
	}
	fake.Push(fakeapi.TextUpdate(admin, "/broadcast dijon", "fr"))
	next("bc:next")
	wait("ask text", func([]fakeapi.Call) bool { return len(fake.Messages(admin))-from >= 2 })
	fake.Push(fakeapi.TextUpdate(admin, text, "fr"))
	next("bc:p")
	next("bc:send")
}

// pressUpdate is the update of chat pressing the newest button carrying
// data among the bot's messages from the from-th on; nil when none has it.
func pressUpdate(fake *fakeapi.Server, signer *bot.Signer, chat int64, from int, data string) map[string]any {
	msgs := fake.Messages(chat)
	for i := len(msgs) - 1; i >= from; i-- {
		var kb struct {
			InlineKeyboard [][]struct {
				CallbackData string `json:"callback_data"`
			} `json:"inline_keyboard"`
		}
		if json.Unmarshal([]byte(msgs[i].Markup), &kb) != nil {
			continue
		}
		for _, row := range kb.InlineKeyboard {
			for _, b := range row {
				if got, ok := signer.Verify(chat, b.CallbackData); ok && strings.HasSuffix(got, "."+data) { // after the session nonce
					return fakeapi.CallbackUpdate(chat, msgs[i].ID, b.CallbackData, "fr")
				}
			}
		}
	}
	return nil
}

// seedPeople stores n onboarded people of Dijon, from chat id base, who
// accepted news, in French, Arabic and Ukrainian.
func seedPeople(t *testing.T, store *storage.Redis, base int64, n int) {
	t.Helper()
	now := time.Now()
	for i := range n {
		lang := []string{"fr", "ar", "uk"}[i%3]
		s := &flows.Session{Version: flows.SessionVersion, Lang: lang, Territory: "dijon", Onboarded: true, Created: now, Seen: now,
			Consents: map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: now, Notice: flows.NoticeVersion}}}
		if err := store.Commit(context.Background(), base+int64(i), s, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// limitedWorld is a fake Bot API that enforces Telegram's limits, a Redis
// and a store on it, closed when the test ends.
func limitedWorld(t *testing.T) (*fakeapi.Server, *redistest.Server, *storage.Redis) {
	t.Helper()
	fake := fakeapi.New(testToken)
	t.Cleanup(fake.Close)
	fake.Limit(fakeapi.Limits{Global: 30, PerChat: time.Second})
	redis := redistest.New(t)
	store, err := storage.New(context.Background(), redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SetPrefix(testPrefix); err != nil {
		t.Fatal(err)
	}
	return fake, redis, store
}
