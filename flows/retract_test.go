package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/flows"
)

// Notices counts every message queued under a notice job of ref as
// delivered, message ids 1, 2… in queuing order, until a NoticesRetracted
// of ref takes them out.
func (m *memStore) Notices(_ context.Context, ref string) ([]flows.Notice, error) {
	var out []flows.Notice
	id := 0
	for _, ev := range m.events {
		switch ev := ev.(type) {
		case flows.BroadcastQueued:
			if r, ok := flows.NoticeRequest(ev.Job.ID); ok && r == ref {
				for _, b := range ev.Messages {
					id++
					out = append(out, flows.Notice{ChatID: b.ChatID, MessageID: id})
				}
			}
		case flows.NoticesRetracted:
			if ev.Ref == ref {
				out = nil
			}
		}
	}
	return out, nil
}

func TestNoticeRequest(t *testing.T) {
	for _, c := range []struct {
		job, ref string
		ok       bool
	}{
		{"req:DIJ-0042:show:AbC_d-9", "DIJ-0042", true},
		{"req:DIJ-0042:AbC_d-9", "", false},      // about the request, showing nothing the person wrote
		{"req:DIJ-0042:late", "", false},         // the follow-up's
		{"req::show:x", "", false},               // no reference
		{"req:a:b:show:x", "", false},            // not a reference
		{"bc:DIJ-0042:show:x", "", false},        // not about a request
		{"rem:DIJ-0042:show:x", "", false},       // a reminder
		{"req:DIJ-0042:show:", "DIJ-0042", true}, // the token is not read
		{"req:LYO-1234:show:tok:more", "LYO-1234", true},
	} {
		ref, ok := flows.NoticeRequest(c.job)
		if ref != c.ref || ok != c.ok {
			t.Errorf("NoticeRequest(%q) = %q, %v; want %q, %v", c.job, ref, ok, c.ref, c.ok)
		}
	}
}

// TestForgetRetractsNotices: the messages that showed partners what a
// person wrote are queued as notices; /forget edits every one of them,
// taken or not, into a neutral line without buttons, and forgets where
// they went. Messages that show nothing of the person are no notices.
func TestForgetRetractsNotices(t *testing.T) {
	w := helpWorld(t)
	// A request nobody takes, with a description; another one taken, with
	// the person's answer relayed to the taker.
	w.press(newcomer2, "hr:new")
	w.press(newcomer2, "hr:n:housing")
	w.text(newcomer2, "نسكن في مركز إيواء، هاتفي 0612345678")
	w.press(newcomer2, "hr:ok")
	waiting := lastRequest(t, w)
	taken := w.ask(newcomer2, "health")
	w.press(partnerA, "hs:take:"+taken.Ref)
	w.press(partnerA, "hs:call:"+taken.Ref)
	w.press(newcomer2, "hr:ans:"+taken.Ref)
	w.text(newcomer2, "شكرا، أنا متاح صباحا")

	notices := map[string][]flows.Notice{}
	for _, ref := range []string{waiting.Ref, taken.Ref} {
		notices[ref], _ = w.store.Notices(context.Background(), ref)
	}
	// The waiting request showed both partners; the taken one both partners,
	// then the answer to the taker. "Taken by" and the like are no notices.
	if len(notices[waiting.Ref]) != 2 || len(notices[taken.Ref]) != 3 {
		t.Fatalf("notices %+v", notices)
	}
	for _, ev := range w.store.events {
		q, ok := ev.(flows.BroadcastQueued)
		if !ok {
			continue
		}
		_, notice := flows.NoticeRequest(q.Job.ID)
		for _, b := range q.Messages {
			shows := strings.Contains(b.Text, "0612345678") || strings.Contains(b.Text, "متاح صباحا") || strings.Contains(b.Text, "Santé")
			if shows != notice {
				t.Errorf("job %s (notice %v) sends %q", q.Job.ID, notice, b.Text)
			}
		}
	}

	w.cmd(newcomer2, "/forget")
	mark := len(w.store.events)
	w.press(newcomer2, "fgt:yes")
	retracted := map[string][]flows.Notice{}
	var edits []flows.Bulk
	for _, ev := range w.store.events[mark:] {
		switch ev := ev.(type) {
		case flows.NoticesRetracted:
			retracted[ev.Ref] = ev.Notices
		case flows.BroadcastQueued:
			if _, notice := flows.NoticeRequest(ev.Job.ID); notice {
				t.Errorf("/forget queued a notice: %+v", ev)
			}
			for _, b := range ev.Messages {
				if b.Edit != 0 {
					edits = append(edits, b)
				}
			}
		}
	}
	for ref, want := range notices {
		if !slices.Equal(retracted[ref], want) {
			t.Errorf("%s: retracted %+v, want %+v", ref, retracted[ref], want)
		}
		for _, n := range want {
			i := slices.IndexFunc(edits, func(b flows.Bulk) bool {
				return b.ChatID == n.ChatID && b.Edit == n.MessageID && strings.Contains(b.Job, ref)
			})
			if i < 0 {
				t.Errorf("%s: notice %+v not edited", ref, n)
				continue
			}
			want := w.msgs.Text("fr", "ReqWithdrawnNotice", map[string]any{"Ref": ref})
			if b := edits[i]; b.Text != want || b.Buttons != nil {
				t.Errorf("%s: edit %+v, want the text %q and no buttons", ref, b, want)
			}
		}
		if left, _ := w.store.Notices(context.Background(), ref); len(left) != 0 {
			t.Errorf("%s: notices left after /forget: %+v", ref, left)
		}
	}
	if len(edits) != 5 {
		t.Errorf("%d edits, want 5", len(edits))
	}
}
