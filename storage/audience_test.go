package storage

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestAudienceMaintained(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	const chat = 77
	seen := onboarded().Seen.Unix()
	entry := func(ter, lang string) string { return ter + " " + lang + " " + strconv.FormatInt(seen, 10) }
	steps := []struct {
		name   string
		change func(s *flows.Session) // applied to a fresh onboarded session
		forget bool
		want   string // "" when absent
	}{
		{"onboarded with news consent", func(*flows.Session) {}, false, entry("dijon", "ar")},
		{"news consent withdrawn", func(s *flows.Session) { delete(s.Consents, flows.PurposeNews) }, false, ""},
		{"surveys only", func(s *flows.Session) { s.Consents = map[flows.Purpose]flows.Consent{flows.PurposeSurveys: {}} }, false, ""},
		{"consent given again", func(*flows.Session) {}, false, entry("dijon", "ar")},
		{"territory change", func(s *flows.Session) { s.Territory = "besancon" }, false, entry("besancon", "ar")},
		{"language change", func(s *flows.Session) { s.Territory, s.Lang = "besancon", "uk" }, false, entry("besancon", "uk")},
		{"blocked the bot", func(s *flows.Session) { s.Inactive = true }, false, ""},
		{"unblocked", func(*flows.Session) {}, false, entry("dijon", "ar")},
		{"no territory yet", func(s *flows.Session) { s.Territory = "" }, false, ""},
		{"no language yet", func(s *flows.Session) { s.Lang = "" }, false, ""},
		{"unreadable territory", func(s *flows.Session) { s.Territory = "two words" }, false, ""},
		{"seen later", func(s *flows.Session) { s.Seen = s.Seen.Add(time.Hour) }, false,
			"dijon ar " + strconv.FormatInt(seen+3600, 10)},
		{"forgotten", nil, true, ""},
	}
	for _, st := range steps {
		if st.forget {
			mustCommit(t, r, chat, nil, flows.Forgotten{})
		} else {
			s := onboarded()
			st.change(s)
			mustCommit(t, r, chat, s)
		}
		got, err := r.c.HGet(ctx, tk.audienceKey(), audienceField(chat)).Result()
		if err != nil {
			got = ""
		}
		if got != st.want {
			t.Errorf("%s: entry %q, want %q", st.name, got, st.want)
		}
	}
}

func TestAudienceQuery(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	// Enough people for several HSCAN steps, committed out of chat order.
	langs := []string{"ar", "uk", "fa", "fr"}
	want := map[string][]int64{} // lang → chats in dijon
	const people = 2500
	for i := range people {
		chat := int64((i*7919)%people + 1)
		s := onboarded()
		s.Lang = langs[chat%4]
		if chat%5 == 0 {
			s.Territory = "besancon"
		} else {
			want[s.Lang] = append(want[s.Lang], chat)
		}
		if chat%11 == 0 {
			s.Inactive = true
			if s.Territory == "dijon" {
				want[s.Lang] = want[s.Lang][:len(want[s.Lang])-1]
			}
		}
		mustCommit(t, r, chat, s)
	}
	for _, l := range langs {
		slices.Sort(want[l])
	}
	tests := []struct {
		territory string
		langs     []string
		want      []int64
	}{
		{"dijon", []string{"ar"}, want["ar"]},
		{"dijon", []string{"uk", "fa"}, sorted(want["uk"], want["fa"])},
		{"dijon", nil, sorted(want["ar"], want["uk"], want["fa"], want["fr"])},
		{"dijon", []string{"ti"}, nil},
		{"nowhere", nil, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.territory, tt.langs), func(t *testing.T) {
			got, err := r.Audience(ctx, tt.territory, tt.langs)
			if err != nil {
				t.Fatal(err)
			}
			var chats []int64
			for _, rc := range got {
				chats = append(chats, rc.ChatID)
				if tt.langs != nil && !slices.Contains(tt.langs, rc.Lang) {
					t.Errorf("recipient %d in %s", rc.ChatID, rc.Lang)
				}
			}
			if !slices.Equal(chats, tt.want) {
				t.Errorf("got %d recipients, want %d", len(chats), len(tt.want))
			}
		})
	}
	all, _ := r.Audience(ctx, "besancon", nil)
	t.Logf("%d people: %d in dijon, %d in besancon", people, len(tests[2].want), len(all))
}

// sorted merges chat lists in order.
func sorted(lists ...[]int64) []int64 {
	var out []int64
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return out
}

func TestPruneAudience(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now()
	ages := map[int64]time.Duration{
		1: time.Hour,
		2: flows.Retention - time.Hour,
		3: flows.Retention + time.Hour,
		4: 2 * flows.Retention,
	}
	for chat, age := range ages {
		s := onboarded()
		s.Seen = now.Add(-age)
		mustCommit(t, r, chat, s)
	}
	r.c.HSet(ctx, tk.audienceKey(), "5", "garbage")
	for i := range 1200 { // several scan steps and prune batches
		s := onboarded()
		s.Seen = now.Add(-2 * flows.Retention)
		mustCommit(t, r, int64(1000+i), s)
	}

	n, err := r.PruneAudience(ctx, now.Add(-flows.Retention))
	if err != nil {
		t.Fatal(err)
	}
	// Everyone stale is in both audiences (news and surveys), plus the
	// garbage field.
	if n != 2*(1200+2)+1 {
		t.Errorf("pruned %d, want %d", n, 2*(1200+2)+1)
	}
	if got, _ := r.SurveyAudience(ctx, "dijon"); len(got) != 2 || got[0].ChatID != 1 || got[1].ChatID != 2 {
		t.Errorf("survey audience left %+v, want chats 1 and 2", got)
	}
	got, _ := r.Audience(ctx, "dijon", nil)
	if len(got) != 2 || got[0].ChatID != 1 || got[1].ChatID != 2 {
		t.Errorf("left %+v, want chats 1 and 2", got)
	}
	if n, err := r.PruneAudience(ctx, now.Add(-flows.Retention)); n != 0 || err != nil {
		t.Errorf("second prune: (%d, %v), want (0, nil)", n, err)
	}
}

// TestEligible: a broadcast message goes only to someone still in the
// audience; a reminder to someone with an active session.
func TestEligible(t *testing.T) {
	r, _ := open(t)
	ctx := context.Background()
	now := redistest.Now().UTC().Truncate(time.Second)
	news := &flows.Session{Version: flows.SessionVersion, Lang: "fr", Territory: "dijon", Onboarded: true, Created: now, Seen: now,
		Consents: map[flows.Purpose]flows.Consent{flows.PurposeNews: {At: now, Notice: 1}}}
	if err := r.Commit(ctx, 1, news, nil); err != nil {
		t.Fatal(err)
	}
	stopped := *news
	stopped.Consents = nil
	if err := r.Commit(ctx, 2, &stopped, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		job  string
		chat int64
		want bool
	}{
		{"broadcast, news accepted", "job1", 1, true},
		{"broadcast, news stopped", "job1", 2, false},
		{"broadcast, unknown person", "job1", 3, false},
		{"reminder, active session", flows.ReminderJobPrefix + "x", 2, true},
		{"reminder, forgotten person", flows.ReminderJobPrefix + "x", 3, false},
		{"request, person without news", flows.RequestJobPrefix + "DIJ-1", 2, true},
		{"request, forgotten person", flows.RequestJobPrefix + "DIJ-1", 3, false},
		{"request, coordination group", flows.RequestJobPrefix + "DIJ-1", -1001234567890, true},
		{"broadcast, a group", "job1", -1001234567890, false},
	}
	for _, tt := range tests {
		got, err := r.Eligible(ctx, flows.Delivery{Bulk: flows.Bulk{Job: tt.job, ChatID: tt.chat}})
		if err != nil || got != tt.want {
			t.Errorf("%s: Eligible = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}
