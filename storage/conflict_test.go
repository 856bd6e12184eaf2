package storage

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// TestCommitSessionChanged: a step that read the session commits only if
// nobody wrote it meanwhile (a web action of the same staff member, the
// bulk sender marking the person blocked); otherwise nothing is written
// and the error wraps ErrConflict, for the step to be played again. Both
// ways of committing check: the script (no events) and the transaction.
func TestCommitSessionChanged(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	events := map[string][]flows.Event{
		"no events": nil,
		"events":    {flows.SourceScanned{Territory: "dijon", Source: "gare"}},
	}
	for name, evs := range events {
		t.Run(name, func(t *testing.T) {
			for i, tc := range []struct {
				name     string
				meantime func(chat int64) // what another step does between Open and Commit
				conflict bool
			}{
				{"nobody wrote", func(int64) {}, false},
				{"another step wrote", func(chat int64) {
					s, _, err := r.Open(ctx, chat, flows.Claim{})
					if err != nil {
						t.Fatal(err)
					}
					s.Lang = "uk"
					mustCommit(t, r, chat, s)
				}, true},
				{"the person was forgotten", func(chat int64) {
					if err := r.Commit(ctx, chat, nil, []flows.Event{flows.Forgotten{}}); err != nil {
						t.Fatal(err)
					}
				}, true},
			} {
				chat := int64(930 + 10*len(evs) + i)
				mustCommit(t, r, chat, onboarded())
				s, _, err := r.Open(ctx, chat, flows.Claim{})
				if err != nil {
					t.Fatal(err)
				}
				tc.meantime(chat)
				before, _ := r.c.Get(ctx, tk.sessionKey(chat)).Result()
				s.Step = "written-by-the-late-step"
				err = r.Commit(ctx, chat, s, evs)
				after, _ := r.c.Get(ctx, tk.sessionKey(chat)).Result()
				switch {
				case tc.conflict && (!errors.Is(err, flows.ErrConflict) || after != before):
					t.Errorf("%s: Commit = %v, session changed %v; want ErrConflict and nothing written", tc.name, err, after != before)
				case !tc.conflict && (err != nil || after == before):
					t.Errorf("%s: Commit = %v, session changed %v; want it written", tc.name, err, after != before)
				}
			}
		})
	}

	// A session made rather than read (Loaded empty) is written whatever
	// is stored: the imports and tests that build sessions keep working.
	mustCommit(t, r, 990, onboarded())
	mustCommit(t, r, 990, onboarded())
}

// lostAnswer is a client hook that loses the answer of the next commit (a
// script, or a MULTI/EXEC): as when the primary dies, with or without
// having carried it out.
type lostAnswer struct {
	armed   atomic.Bool
	carried bool // the commit reaches Redis before its answer is lost
}

func (h *lostAnswer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *lostAnswer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); (name == "evalsha" || name == "eval") && h.armed.Load() {
			if h.carried {
				if err := next(ctx, cmd); err != nil {
					return err // NOSCRIPT: the client sends EVAL next, still armed
				}
			}
			h.armed.Store(false)
			cmd.SetErr(io.EOF)
			return io.EOF
		}
		return next(ctx, cmd)
	}
}

func (h *lostAnswer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && cmds[len(cmds)-1].Name() == "exec" && h.armed.CompareAndSwap(true, false) {
			if h.carried {
				if err := next(ctx, cmds); err != nil {
					return err
				}
			}
			for _, c := range cmds {
				c.SetErr(io.EOF)
			}
			return io.EOF
		}
		return next(ctx, cmds)
	}
}

// TestCommitAnswerLost: a commit whose answer is lost is read back; when
// Redis carried it out, Commit succeeds, so that the step's replies go (a
// redelivery of the update would be dropped as already handled); when it
// did not, Commit fails and nothing was written.
func TestCommitAnswerLost(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	hook := &lostAnswer{}
	r.c.AddHook(hook)
	for i, tc := range []struct {
		name    string
		events  []flows.Event
		carried bool
	}{
		{"script, carried out", nil, true},
		{"script, not carried out", nil, false},
		{"transaction, carried out", []flows.Event{flows.SourceScanned{Territory: "dijon", Source: "gare"}}, true},
		{"transaction, not carried out", []flows.Event{flows.SourceScanned{Territory: "dijon", Source: "gare"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chat := int64(1200 + i)
			mustCommit(t, r, chat, onboarded())
			before, _ := r.c.Get(ctx, tk.sessionKey(chat)).Result()
			s, err := r.Load(ctx, chat)
			if err != nil {
				t.Fatal(err)
			}
			s.Step = "after-the-step"
			hook.carried = tc.carried
			hook.armed.Store(true)
			err = r.Commit(ctx, chat, s, tc.events)
			if hook.armed.Load() {
				t.Fatal("no commit went through the hook")
			}
			after, _ := r.c.Get(ctx, tk.sessionKey(chat)).Result()
			switch {
			case tc.carried && (err != nil || after == before):
				t.Errorf("Commit = %v, written %v; want success, as Redis carried it out", err, after != before)
			case !tc.carried && (err == nil || after != before):
				t.Errorf("Commit = %v, written %v; want an error and nothing written", err, after != before)
			}
		})
	}
}

// TestCommitScriptSentAgain: the client sends a script again when its
// answer was lost; that try finds the session it wrote and succeeds,
// instead of taking its own write for a conflict.
func TestCommitScriptSentAgain(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	mustCommit(t, r, 1300, onboarded())
	s, err := r.Load(ctx, 1300)
	if err != nil {
		t.Fatal(err)
	}
	s.Step = "once"
	mustCommit(t, r, 1300, s)
	if err := r.Commit(ctx, 1300, s, nil); err != nil {
		t.Errorf("the same commit sent again: %v", err)
	}
}
