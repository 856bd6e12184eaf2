package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// replicas connects n stores with a chat lease to one Redis, as n bot
// replicas would be.
func replicas(t *testing.T, n int, l ChatLease) []*Redis {
	t.Helper()
	first, srv := open(t)
	first.SetChatLease(l)
	out := []*Redis{first}
	for range n - 1 {
		r := connect(t, srv.URL())
		r.SetChatLease(l)
		out = append(out, r)
	}
	return out
}

// openUpdate opens a chat for update id with its own token.
func openUpdate(ctx context.Context, r *Redis, chat, id int64) error {
	_, _, err := r.Open(ctx, chat, flows.Claim{UpdateID: id, Token: fmt.Sprint("tok-", id)})
	if errors.Is(err, flows.ErrNotFound) {
		return nil
	}
	return err
}

// A replica holds the chat from Open until ReleaseChat, whether the step
// committed or not; meanwhile another replica's update of the chat waits,
// unclaimed, and gives up after ChatLease.Wait.
func TestChatLeaseHeldUntilRelease(t *testing.T) {
	ctx := context.Background()
	rs := replicas(t, 2, ChatLease{TTL: 10 * time.Second, Wait: 100 * time.Millisecond})
	a, b := rs[0], rs[1]
	const chat = 4100
	tests := []struct {
		name string
		step func() error // what replica a does with the chat
	}{
		{"commit", func() error { return a.Commit(ctx, chat, onboarded(), nil) }},
		{"commit with events", func() error {
			return a.Commit(ctx, chat, onboarded(), []flows.Event{flows.SourceScanned{Territory: "dijon", Source: "cesam"}})
		}},
		{"nothing committed", func() error { return nil }},
	}
	id := int64(100)
	for _, tt := range tests {
		id += 2
		if err := openUpdate(ctx, a, chat, id); err != nil {
			t.Fatalf("%s: a opens: %v", tt.name, err)
		}
		if err := tt.step(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		err := openUpdate(ctx, b, chat, id+1)
		var busy interface{ ChatBusy() bool }
		if !errors.Is(err, ErrChatBusy) || !errors.As(err, &busy) {
			t.Fatalf("%s: b opens while a holds the chat: %v, want ErrChatBusy", tt.name, err)
		}
		if n := a.c.Exists(ctx, tk.updateKey(id+1)).Val(); n != 0 {
			t.Errorf("%s: a busy update was claimed", tt.name)
		}
		if err := a.ReleaseChat(ctx, chat); err != nil {
			t.Fatal(err)
		}
		if n := a.c.Exists(ctx, tk.leaseKey(chat)).Val(); n != 0 {
			t.Errorf("%s: the lease outlived ReleaseChat", tt.name)
		}
		if err := openUpdate(ctx, b, chat, id+1); err != nil {
			t.Fatalf("%s: b opens after a: %v", tt.name, err)
		}
		if err := b.ReleaseChat(ctx, chat); err != nil {
			t.Fatal(err)
		}
	}
}

// Updates of one chat waiting on several replicas get the chat in update id
// order, whatever order they arrived in, and each session write builds on
// the one before (none is lost).
func TestChatLeaseOrder(t *testing.T) {
	ctx := context.Background()
	rs := replicas(t, 4, ChatLease{TTL: 10 * time.Second, Wait: 5 * time.Second})
	const chat = 4200
	if err := openUpdate(ctx, rs[0], chat, 10); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []int64
		wg    sync.WaitGroup
	)
	// Arrival order 13, 11, 12 on three other replicas.
	for i, id := range []int64{13, 11, 12} {
		r := rs[i+1]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess, _, err := r.Open(ctx, chat, flows.Claim{UpdateID: id, Token: fmt.Sprint("tok-", id)})
			if err != nil {
				t.Errorf("update %d: %v", id, err)
				return
			}
			mu.Lock()
			order = append(order, id)
			mu.Unlock()
			sess.Vars = map[string]string{"seen": sess.Vars["seen"] + fmt.Sprint(",", id)}
			if err := r.Commit(ctx, chat, sess, nil); err != nil {
				t.Errorf("commit %d: %v", id, err)
			}
			if err := r.ReleaseChat(ctx, chat); err != nil {
				t.Errorf("release %d: %v", id, err)
			}
		}()
		time.Sleep(30 * time.Millisecond) // each is waiting before the next arrives
	}
	s := onboarded()
	s.Vars = map[string]string{"seen": "10"}
	if err := rs[0].Commit(ctx, chat, s, nil); err != nil {
		t.Fatal(err)
	}
	if err := rs[0].ReleaseChat(ctx, chat); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if fmt.Sprint(order) != "[11 12 13]" {
		t.Errorf("order %v, want [11 12 13]", order)
	}
	got, err := rs[0].Load(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	if got.Vars["seen"] != "10,11,12,13" {
		t.Errorf("session saw %q, want every step in order", got.Vars["seen"])
	}
}

// A replica that dies holding a chat holds it for the lease's TTL at most.
func TestChatLeaseExpires(t *testing.T) {
	ctx := context.Background()
	const ttl = 300 * time.Millisecond
	rs := replicas(t, 2, ChatLease{TTL: ttl, Wait: 3 * time.Second})
	const chat = 4300
	if err := openUpdate(ctx, rs[0], chat, 1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := openUpdate(ctx, rs[1], chat, 2); err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	if waited := time.Since(start); waited > ttl+time.Second {
		t.Errorf("waited %v for a lease of %v", waited, ttl)
	}
	// The dead holder's late release does not take the lease from the living.
	if err := rs[0].ReleaseChat(ctx, chat); err != nil {
		t.Fatal(err)
	}
	if v := rs[1].c.Get(ctx, tk.leaseKey(chat)).Val(); v != "tok-2" {
		t.Errorf("lease %q after a stale release, want tok-2", v)
	}
}
