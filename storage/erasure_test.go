package storage

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

// TestErasureReachesTheDisk: after /forget Redis holds nothing about the
// person, and once the rewrite asked for after the erasure has run, the
// append-only file on disk holds nothing either: no chat id, no pseudonym,
// no survey free text, no help request description. What belongs to
// someone else is still there.
func TestErasureReachesTheDisk(t *testing.T) {
	ctx := context.Background()
	srv := redistest.NewWithAOF(t)
	r := connect(t, srv.URL())

	const person, other = 987650001, 987650002
	now := redistest.Now().UTC().Truncate(time.Second)
	pseudonym := flows.Pseudonym(secret, person)
	freeText := "je dors au 14 rue Vaubecour"
	description := "Logement : 12 rue des Lilas, appelez le 0699887766"
	survey := submission("academie", person, now)
	survey.Submission.Answers = map[string]string{"listened": "4", "comment": freeText}
	req := helpRequest("DIJ-4821", person, now)
	req.Description = description
	mustCommit(t, r, person, onboarded(), survey, flows.RequestSaved{Request: req})
	kept := submission("academie", other, now)
	kept.Submission.Answers = map[string]string{"comment": "une autre personne reste"}
	mustCommit(t, r, other, onboarded(), kept)

	secrets := map[string]string{"chat id": strconv.Itoa(person), "pseudonym": pseudonym, "free text": freeText, "description": description}
	before := srv.AOF()
	for what, s := range secrets {
		if !bytes.Contains(before, []byte(s)) {
			t.Fatalf("the append-only file lacks the %s before the erasure: this test cannot see it", what)
		}
	}

	// /forget, as the flows commit it: the request withdrawn, the person forgotten.
	withdrawn := req
	withdrawn.Requester, withdrawn.Description, withdrawn.Status, withdrawn.Closed = 0, "", flows.StatusWithdrawn, now
	mustCommit(t, r, person, nil, flows.RequestSaved{Request: withdrawn, Expect: flows.StatusNew}, flows.Forgotten{Pseudonym: pseudonym})
	if !bytes.Contains(srv.AOF(), []byte(description)) {
		t.Fatal("the description left the disk without a rewrite: this test proves nothing")
	}

	rewrites := srv.AOFRewrites()
	asked, err := r.RewriteAfterErasure(ctx)
	if err != nil || !asked {
		t.Fatalf("RewriteAfterErasure = %v, %v; want a rewrite", asked, err)
	}
	srv.WaitRewrite(rewrites + 1)
	// Redis deletes the files of the previous rewrite in the background.
	deadline := time.Now().Add(10 * time.Second)
	for {
		aof, left := srv.AOF(), ""
		for what, s := range secrets {
			if bytes.Contains(aof, []byte(s)) {
				left = what
			}
		}
		if left == "" {
			if !bytes.Contains(aof, []byte("une autre personne reste")) {
				t.Fatal("the rewritten file lost someone else's answers")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the append-only file still holds the %s after the rewrite", left)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Another erasure within the hour waits for the next turn; the mark stays.
	mustCommit(t, r, other, nil, flows.Forgotten{Pseudonym: flows.Pseudonym(secret, other)})
	if asked, err := r.RewriteAfterErasure(ctx); err != nil || asked {
		t.Errorf("a second rewrite within the hour: %v, %v", asked, err)
	}
	if n := r.c.Exists(ctx, tk.erasedKey()).Val(); n != 1 {
		t.Error("the second erasure is not remembered for the next rewrite")
	}
	// Nothing erased since the last rewrite: nothing to ask.
	r.c.Del(ctx, tk.rewriteKey(), tk.erasedKey())
	if asked, err := r.RewriteAfterErasure(ctx); err != nil || asked {
		t.Errorf("a rewrite with nothing erased: %v, %v", asked, err)
	}
}

// TestRewriteRefused: a server without an append-only file, or one that
// refuses BGREWRITEAOF (a managed Redis), fails the rewrite with a telling
// error and leaves the erasure recorded; the erasure itself succeeded.
func TestRewriteRefused(t *testing.T) {
	ctx := context.Background()
	r, srv := open(t)
	mustCommit(t, r, 5, onboarded())
	mustCommit(t, r, 5, nil, flows.Forgotten{})
	if _, err := r.Load(ctx, 5); !errors.Is(err, flows.ErrNotFound) {
		t.Fatalf("after the erasure: %v", err)
	}
	if !srv.Real() {
		// miniredis has no INFO persistence nor BGREWRITEAOF: refused.
		if _, err := r.RewriteAfterErasure(ctx); !errors.Is(err, ErrRewriteRefused) {
			t.Errorf("miniredis: %v, want ErrRewriteRefused", err)
		}
		return
	}
	// redistest starts redis-server with appendonly no.
	if _, err := r.RewriteAfterErasure(ctx); !errors.Is(err, ErrNoAOF) {
		t.Errorf("appendonly no: %v, want ErrNoAOF", err)
	}
	if n := r.c.Exists(ctx, tk.erasedKey()).Val(); n != 1 {
		t.Error("the erasure was forgotten")
	}
	// The next turn is an hour away.
	if asked, err := r.RewriteAfterErasure(ctx); asked || err != nil {
		t.Errorf("asked again within the hour: %v, %v", asked, err)
	}
	if err := r.c.ConfigSet(ctx, "appendonly", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	srv.WaitRewrite(1) // turning AOF on writes its first file
	// A user without the right to BGREWRITEAOF, as on a managed Redis.
	if err := r.c.Do(ctx, "ACL", "SETUSER", "bot", "on", ">pw", "~*", "&*", "+@all", "-bgrewriteaof").Err(); err != nil {
		t.Fatal(err)
	}
	limited, err := New(ctx, "redis://bot:pw@"+srv.URL()[len("redis://"):])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = limited.Close() })
	if err := limited.RewriteAOF(ctx); !errors.Is(err, ErrRewriteRefused) {
		t.Errorf("without the right: %v, want ErrRewriteRefused", err)
	}
	if n := r.c.Exists(ctx, tk.erasedKey()).Val(); n != 1 {
		t.Error("a refused rewrite forgot the erasure")
	}
}
