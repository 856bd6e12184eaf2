package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/flows"
)

// TestStopUnderLoad: SIGTERM while one person floods the bot, others write
// and a bulk job is under way, against a fake Bot API that enforces
// Telegram's limits. serve stops within the 10 s the README promises; the
// next start handles every update that was left and sends every bulk
// message at once (what was claimed was given back), nothing lost.
func TestStopUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // waits on processes and on Telegram's pace, not on the CPU
	const (
		flooder, burst = 810001, 12
		others, each   = 810100, 3
		people         = 20
		base, bulk     = 820000, 100
	)
	fake, redis, store := limitedWorld(t)
	seedPeople(t, store, base, bulk)
	job := flows.Job{ID: flows.ReminderJobPrefix + "stop-under-load", Kind: "reminder", Territory: "dijon", Created: time.Now()}
	var msgs []flows.Bulk
	for i := range bulk {
		msgs = append(msgs, flows.Bulk{Job: job.ID, ChatID: base + int64(i), Text: "Rappel : rendez-vous demain à 10 h."})
	}
	if _, err := store.Enqueue(context.Background(), job, msgs); err != nil {
		t.Fatal(err)
	}

	env := append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+testToken, "TELEGRAM_API_URL="+fake.URL(), "REDIS_URL="+redis.URL(),
		"PASSERELLE_SECRET=0123456789abcdef0123456789abcdef-stop", "PASSERELLE_LISTEN="+freeAddr(t),
		"PASSERELLE_QUIET_HOURS=off", "PASSERELLE_CONTENT_DIR=",
	)
	logs, out := newLogFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	wait := func(what string, pred func() bool) {
		t.Helper()
		waitFake(t, ctx, fake, logs, what, func([]fakeapi.Call) bool { return pred() })
	}
	delivered := func() (distinct, total int) {
		for i := range bulk {
			if n := len(fake.Messages(base + int64(i))); n > 0 {
				distinct++
				total += n
			}
		}
		return distinct, total
	}

	first := startServe(t, env, out)
	wait("polling", func() bool { return len(fake.CallsTo("getUpdates")) > 0 })
	var ids []int64
	for range burst {
		ids = append(ids, fake.Push(fakeapi.TextUpdate(flooder, "/help", "fr")))
	}
	for i := range people {
		for range each {
			ids = append(ids, fake.Push(fakeapi.TextUpdate(others+int64(i), "/help", "uk")))
		}
	}
	wait("the burst and the bulk under way", func() bool {
		d, _ := delivered()
		return d >= 10 && len(fake.Messages(flooder)) >= 2
	})
	quiet := fake.Push(fakeapi.TextUpdate(flooder+1, "/help", "ar"))
	ids = append(ids, quiet)
	asked := time.Now()
	wait("the quiet chat's answer", func() bool { return len(fake.Messages(flooder+1)) > 0 })
	t.Logf("a quiet chat answered in %v while %d of the burst's replies were still due", time.Since(asked).Round(time.Millisecond), burst-len(fake.Messages(flooder)))

	d, _ := delivered()
	took := first.stop(t, 15*time.Second, logs) // compose's stop_grace_period: SIGKILL comes next
	t.Logf("stopped %v after SIGTERM, with %d of %d bulk messages sent and %d of the burst's replies",
		took.Round(time.Millisecond), d, bulk, len(fake.Messages(flooder)))
	if !strings.Contains(logs.String(), "updates drained") {
		t.Errorf("the stop did not drain the updates\nlogs:\n%s", logs.String())
	}

	restart := time.Now()
	startServe(t, env, out)
	wait("every bulk message", func() bool { d, _ := delivered(); return d == bulk })
	wait("every reply of the burst", func() bool { return len(fake.Messages(flooder)) >= burst })
	for i := range people {
		chat := others + int64(i)
		wait(fmt.Sprintf("chat %d's replies", chat), func() bool { return len(fake.Messages(chat)) >= each })
	}
	_, total := delivered()
	t.Logf("after the restart: everything sent within %v; %d bulk duplicates", time.Since(restart).Round(time.Millisecond), total-bulk)
	if total-bulk > 8 {
		t.Errorf("%d bulk duplicates: more than the sends a sender has under way (8)", total-bulk)
	}
	for _, id := range ids {
		if _, _, err := store.Open(context.Background(), 0, flows.Claim{UpdateID: id, Token: "probe"}); !errors.Is(err, flows.ErrDuplicate) {
			t.Errorf("update %d was never handled (%v)", id, err)
		}
	}
	if n := len(fake.Messages(flooder)); n != burst {
		t.Errorf("the burst got %d replies, want %d (each update once)", n, burst)
	}
}
