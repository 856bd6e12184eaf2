package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/bot"
	"github.com/territoires-integration/passerelle/bot/fakeapi"
	"github.com/territoires-integration/passerelle/locales"
	"github.com/territoires-integration/passerelle/storage"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestReplicasBehindLoadBalancer runs three `passerelle serve` replicas in
// webhook mode behind a round-robin proxy, on a Redis primary, its replica
// and three password-protected sentinels (real processes, AOF everysec).
//  1. 200 people each ask for the language menu, then choose Persian and
//     ask for help while the menu is being answered; those two updates are
//     pushed in parallel, so they reach other replicas than the first: every
//     reply comes in update order and every session has every step.
//  2. Each sends two commands while an admin's broadcast goes out, and the
//     Redis primary is killed: the bot works again within a measured time,
//     every update is answered in order, the broadcast reaches everyone, and
//     what the failover lost is counted.
//  3. A second broadcast starts and one replica is killed: the others finish
//     its messages.
//
// Run it with -v to see the figures.
func TestReplicasBehindLoadBalancer(t *testing.T) {
	if testing.Short() || os.Getenv("PASSERELLE_TEST_REPLICAS") == "" {
		t.Skip("runs 3 bot replicas, 2 Redis servers and 3 sentinels for about 90 s: set PASSERELLE_TEST_REPLICAS=1 to run it (.ci/run does)")
	}
	g := redistest.NewSentinel(t, redistest.SentinelOptions{AOF: true, SentinelPassword: "sentinel-S3cret"})
	binary(t)
	const (
		admin    = 900002
		base     = 810000 // the people's chat ids: base, base+1…
		people   = 200
		probe    = 890000 // a person whose update measures the recovery
		secret   = "0123456789abcdef0123456789abcdef-replicas"
		replicas = 3
		newsA    = "Fête de quartier samedi à 15 h, place du Marché."
		newsB    = "Atelier CV mardi à 10 h au centre social."
		// webhookConnections is how many updates the fake has under way at
		// once (Telegram's default max_connections): what a kill can cut.
		webhookConnections = 40
	)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	fake := fakeapi.New(testToken)
	t.Cleanup(fake.Close)
	fake.PushChatsInParallel(true)
	store, err := storage.New(ctx, g.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.SetPrefix(testPrefix); err != nil {
		t.Fatal(err)
	}
	seedPeople(t, store, base, people)
	seedPeople(t, store, probe, 1)
	// Buttons carry the session's nonce: theirs is known, so that the test
	// can press buttons the bot has not sent yet, as a burst.
	const nonce = "t3st"
	for chat := int64(base); chat < base+people; chat++ {
		s, err := store.Load(ctx, chat)
		if err != nil {
			t.Fatal(err)
		}
		s.Nonce = nonce
		if err := store.Commit(ctx, chat, s, nil); err != nil {
			t.Fatal(err)
		}
	}

	// The load balancer: round robin over the replicas; one that is down
	// answers 502, and the fake delivers the update again, as Telegram does.
	addrs := make([]string, replicas)
	for i := range addrs {
		addrs[i] = freeAddr(t)
	}
	var turn atomic.Uint64
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(&url.URL{Scheme: "http", Host: addrs[turn.Add(1)%replicas]})
	}})
	t.Cleanup(proxy.Close)

	logs, out := newLogFile(t)
	runs := make([]*serveRun, replicas)
	for i, addr := range addrs {
		env := append(os.Environ(),
			"TELEGRAM_BOT_TOKEN="+testToken, "TELEGRAM_API_URL="+fake.URL(), "REDIS_URL="+g.URL(),
			"PASSERELLE_SECRET="+secret, "PASSERELLE_LISTEN="+addr, "PASSERELLE_ADMINS="+fmt.Sprint(admin),
			"PASSERELLE_WEBHOOK_URL="+proxy.URL+"/telegram/hook", "PASSERELLE_WEBHOOK_SECRET=replicas-hook-secret",
			"PASSERELLE_QUIET_HOURS=off", "PASSERELLE_CONTENT_DIR=",
		)
		runs[i] = startServe(t, env, out)
	}
	for _, addr := range addrs {
		waitHTTP(t, "http://"+addr+"/readyz")
	}
	wait := func(what string, pred func([]fakeapi.Call) bool) {
		t.Helper()
		waitFake(t, ctx, fake, logs, what, pred)
	}
	signer := bot.NewSigner([]byte(secret))
	sign := func(chat int64, data string) string {
		s, ok := signer.Sign(chat, data)
		if !ok {
			t.Fatalf("cannot sign %q", data)
		}
		return s
	}
	msgs, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	tryAgain := map[string]bool{}
	for _, lang := range locales.Codes() {
		tryAgain[msgs.Text(lang, "TryAgain", nil)] = true
	}
	// replies is what each chat was sent, in the order the fake got it,
	// without the broadcasts and the "try again" notices of the failover.
	replies := func(calls []fakeapi.Call) map[string][]string {
		out := map[string][]string{}
		for _, c := range calls {
			text := c.Params["text"]
			if c.Status != 200 || text == "" || strings.Contains(text, newsA) || strings.Contains(text, newsB) || tryAgain[text] {
				continue
			}
			out[c.Params["chat_id"]] = append(out[c.Params["chat_id"]], text)
		}
		return out
	}
	// received counts the chats that were sent text, and the messages.
	received := func(calls []fakeapi.Call, text string) (chats, dups int) {
		n := map[string]int{}
		for _, c := range calls {
			// The admin is not in the audience: what quotes the text there
			// is the wizard's preview, not a copy of the broadcast.
			if c.Status == 200 && c.Method == "sendMessage" && strings.Contains(c.Params["text"], text) && c.Params["chat_id"] != fmt.Sprint(admin) {
				n[c.Params["chat_id"]]++
			}
		}
		for _, k := range n {
			dups += k - 1
		}
		return len(n), dups
	}
	// learn runs a burst for one person per language (seedPeople cycles fr,
	// ar, uk), one update at a time, and returns what each is sent.
	learn := func(burst func(int64) []map[string]any) map[int64][]string {
		t.Helper()
		expected := map[int64][]string{}
		for i := range int64(3) {
			chat := base + i
			from := len(replies(fake.Calls())[fmt.Sprint(chat)])
			for _, u := range burst(chat) {
				id := fake.Push(u)
				wait(fmt.Sprint("update ", id), func([]fakeapi.Call) bool {
					return slices.ContainsFunc(fake.Deliveries(), func(d fakeapi.Delivery) bool { return d.UpdateID == id && d.Err == "" })
				})
			}
			expected[i] = replies(fake.Calls())[fmt.Sprint(chat)][from:]
			if len(expected[i]) < len(burst(chat)) {
				t.Fatalf("person %d got %d replies to %d updates: %q", chat, len(expected[i]), len(burst(chat)), expected[i])
			}
		}
		return expected
	}
	// answered counts the replies of the people after the learning ones.
	answered := func(calls []fakeapi.Call, from int) int {
		n, all := 0, replies(calls)
		for chat := int64(base + 3); chat < base+people; chat++ {
			n += len(all[fmt.Sprint(chat)])
		}
		return n - from
	}
	// check counts the people whose replies since before are not what the
	// learning ones were sent, in that order (disordered: another reply or
	// another order), and the replies missing from the others; it shows
	// the first few.
	check := func(expected map[int64][]string, before map[string][]string) (disordered, missing int) {
		all := replies(fake.Calls())
		for i := int64(3); i < people; i++ {
			chat := fmt.Sprint(base + i)
			seen, want := all[chat][len(before[chat]):], expected[i%3]
			if slices.Equal(seen, want) {
				continue
			}
			if disordered+missing < 3 {
				t.Logf("person %s got %q, want %q", chat, short(seen), short(want))
			}
			// seen must be want with some replies left out.
			j := 0
			for _, text := range want {
				if j < len(seen) && seen[j] == text {
					j++
				}
			}
			if j < len(seen) {
				disordered++
			} else {
				missing += len(want) - len(seen)
			}
		}
		return disordered, missing
	}

	// 1. Order across replicas. Each person's burst: /language, Persian,
	// /help. In order, the menu takes the choice and the help comes in
	// Persian; out of order, the choice is refused (no menu open) or the
	// help comes in their old language. Every /language goes first; the
	// choice and /help come while it is being answered, in parallel, to
	// other replicas: they wait for the chat, in update order.
	choose := func(chat int64) []map[string]any {
		return []map[string]any{
			fakeapi.TextUpdate(chat, "/language", "fr"),
			fakeapi.CallbackUpdate(chat, 1, sign(chat, nonce+".lang:fa"), "fr"),
			fakeapi.TextUpdate(chat, "/help", "fr"),
		}
	}
	expected1 := learn(choose)
	before1 := replies(fake.Calls())
	from1 := answered(fake.Calls(), 0)
	fake.PushChatsInParallel(true)
	start1 := time.Now()
	for chat := int64(base + 3); chat < base+people; chat++ {
		fake.Push(choose(chat)[0])
	}
	// Every choice, then every /help: each person's two are on their way at
	// once, the choice a moment ahead.
	time.Sleep(200 * time.Millisecond)
	for _, i := range []int{1, 2} {
		for chat := int64(base + 3); chat < base+people; chat++ {
			fake.Push(choose(chat)[i])
		}
	}
	total1 := 0
	for i := int64(3); i < people; i++ {
		total1 += len(expected1[i%3])
	}
	wait("every reply of the language bursts", func(c []fakeapi.Call) bool { return answered(c, from1) >= total1 })
	took1 := time.Since(start1)
	disordered, missing := check(expected1, before1)
	notFa := 0
	for chat := int64(base); chat < base+people; chat++ {
		if s, err := store.Load(ctx, chat); err != nil || s.Lang != "fa" {
			notFa++
		}
	}
	t.Logf("%d replicas, %d people × 3 updates, each person's last two pushed in parallel to other replicas: "+
		"%d replies in %v, %d updates parked while their chat was busy elsewhere, %d people answered out of order, %d replies missing, %d sessions missing a step",
		replicas, people-3, total1, took1.Round(100*time.Millisecond), metric(t, addrs, `passerelle_updates_total{kind="busy"}`), disordered, missing, notFa)
	if disordered != 0 || missing != 0 || notFa != 0 {
		t.Errorf("per-chat order: %d people answered out of order, %d replies missing, %d sessions missing a step; want 0", disordered, missing, notFa)
	}

	// 2. A Redis failover under load, during a broadcast. Each person sends
	// /help then /privacy, one at a time per chat as Telegram delivers
	// them; the session remembers the last message shown, the notice.
	read := func(chat int64) []map[string]any {
		return []map[string]any{fakeapi.TextUpdate(chat, "/help", "fr"), fakeapi.TextUpdate(chat, "/privacy", "fr")}
	}
	fake.PushChatsInParallel(false)
	expected2 := learn(read)
	last, err := store.Load(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	broadcast(t, fake, signer, admin, newsA, wait)
	wait("broadcast A under way", func(c []fakeapi.Call) bool { n, _ := received(c, newsA); return n >= 20 })
	before2 := replies(fake.Calls())
	from2 := answered(fake.Calls(), 0)
	total2 := 0
	for chat := int64(base + 3); chat < base+people; chat++ {
		for _, u := range read(chat) {
			fake.Push(u)
		}
		total2 += len(expected2[(chat-base)%3])
	}
	wait("a third of the replies", func(c []fakeapi.Call) bool { return answered(c, from2) >= total2/3 })

	// Kill the Redis primary. A new update, posted to the load balancer
	// every 50 ms as Telegram would deliver it again (but ahead of the
	// queue), measures the recovery: the webhook answers 200 once it was
	// handled and answered.
	was, _ := g.PrimaryAddr(ctx)
	killed := time.Now()
	g.Primary.Stop()
	up := fakeapi.TextUpdate(probe, "/help", "fr")
	up["update_id"] = 1 << 40
	body, err := json.Marshal(up)
	if err != nil {
		t.Fatal(err)
	}
	for tries := 0; ; tries++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, proxy.URL+"/telegram/hook", bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "replicas-hook-secret")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the bot did not recover: %d tries, last %v", tries, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	recovery := time.Since(killed)
	if len(replies(fake.Calls())[fmt.Sprint(probe)]) == 0 {
		t.Error("the probe update was answered 200 without a reply")
	}
	now, _ := g.PrimaryAddr(ctx)
	if now == was {
		t.Errorf("the sentinels still name %s as the primary", was)
	}
	// Every update is answered. A step whose commit's answer was lost with
	// the primary reads the session back and answers when the commit was
	// carried out; only if Redis stays silent past that read's 5 s could a
	// step recorded go unanswered (its redelivery is a duplicate). Wait
	// until the replies stop coming.
	for n, still := -1, 0; still < 20; time.Sleep(250 * time.Millisecond) {
		m := answered(fake.Calls(), from2)
		if m >= total2 {
			break
		}
		if m == n {
			still++
		} else {
			n, still = m, 0
		}
	}
	wait("broadcast A everywhere", func(c []fakeapi.Call) bool { n, _ := received(c, newsA); return n >= people+1 })
	disordered, missing = check(expected2, before2)
	behind := 0
	for chat := int64(base); chat < base+people; chat++ {
		if s, err := store.Load(ctx, chat); err != nil || s.LastMsg != last.LastMsg {
			behind++
		}
	}
	_, dupsA := received(fake.Calls(), newsA)
	t.Logf("Redis primary killed mid-load: the sentinels promoted %s (was %s); the bot answered a new update %v after the kill",
		now, was, recovery.Round(10*time.Millisecond))
	t.Logf("failover: %d people × 2 updates: %d people answered otherwise than in order, %d replies missing (steps cut by the kill after their commit); "+
		"lost (AOF everysec, asynchronous replication): %d of %d sessions behind their replies",
		people-3, disordered, missing, behind, people)
	t.Logf("broadcast A across the failover: %d recipients, %d duplicates", people+1, dupsA)
	if disordered != 0 || missing > webhookConnections {
		t.Errorf("failover: %d people answered otherwise than in order (want 0), %d replies missing (want at most the steps under way)", disordered, missing)
	}
	// Each claim and each record of a delivery is on the replica (WAIT)
	// before the sender goes on, so the promoted replica knows every
	// message sent: none goes twice.
	if dupsA != 0 {
		t.Errorf("broadcast A: %d duplicates across the Redis failover, want 0", dupsA)
	}

	// 3. Broadcast B, and a replica killed while it goes out: the others
	// reclaim its deliveries once they have been idle for 30 s. Those it
	// had sent but not recorded when it died go twice: Telegram takes no
	// idempotency key, so at most the sends it had in flight (16) may.
	broadcast(t, fake, signer, admin, newsB, wait)
	wait("broadcast B under way", func(c []fakeapi.Call) bool { n, _ := received(c, newsB); return n >= 20 })
	runs[0].cmd.Process.Kill()
	<-runs[0].done
	killedAt := time.Now()
	sentBefore, _ := received(fake.Calls(), newsB)
	wait("broadcast B everywhere", func(c []fakeapi.Call) bool { n, _ := received(c, newsB); return n >= people+1 })
	_, dupsB := received(fake.Calls(), newsB)
	t.Logf("broadcast B: replica 1 killed after %d of %d; the others finished %v later, %d duplicates",
		sentBefore, people+1, time.Since(killedAt).Round(100*time.Millisecond), dupsB)
	if dupsB > 16 {
		t.Errorf("broadcast B: %d duplicates, more than a replica holds in flight (16)", dupsB)
	}
	// A delivery whose record the failover lost would go again once idle
	// (30 s): by now, broadcast B took longer than that.
	if _, late := received(fake.Calls(), newsA); late != dupsA {
		t.Errorf("broadcast A: %d duplicates after broadcast B, %d before", late, dupsA)
	}
	for _, r := range runs[1:] {
		r.stop(t, 15*time.Second, logs)
	}
}

// metric sums a Prometheus sample over the replicas that answer.
func metric(t *testing.T, addrs []string, sample string) int {
	t.Helper()
	total := 0
	for _, addr := range addrs {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, sample+" "); ok {
				var n float64
				fmt.Sscan(v, &n)
				total += int(n)
			}
		}
	}
	return total
}

// short keeps the start of each text, for a readable failure.
func short(texts []string) []string {
	out := make([]string, len(texts))
	for i, s := range texts {
		if r := []rune(s); len(r) > 24 {
			s = string(r[:24]) + "…"
		}
		out[i] = s
	}
	return out
}
