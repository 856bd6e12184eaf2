package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestPeople(t *testing.T) {
	r, _ := open(t)
	ctx := context.Background()
	now := redistest.Now().UTC().Truncate(time.Second)
	// Everyone started the bot today: at midnight, so that a run just after
	// midnight does not see them arrive yesterday.
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	// 2,500 people of Dijon (more than one SCAN batch), every fifth blocked,
	// and 10 of Lyon; a web session and a role share the key space.
	for i := range 2510 {
		s := onboarded()
		s.Created, s.Seen = midnight, now
		if i%5 == 0 {
			s.Inactive = true
		}
		if i >= 2500 {
			s.Territory = "lyon"
		}
		if err := r.Commit(ctx, int64(1000+i), s, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SaveWebSession(ctx, "abc", []byte(`{"chat":1}`), time.Hour); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		territory                     string
		total, active, blocked, today int
	}{
		{"dijon", 2500, 2000, 500, 2500},
		{"lyon", 10, 8, 2, 10},
		{"nowhere", 0, 0, 0, 0},
	}
	people, err := r.People(ctx, now) // one pass for every territory
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 2 {
		t.Errorf("territories counted: %d, want 2", len(people))
	}
	for _, tc := range tests {
		t.Run(tc.territory, func(t *testing.T) {
			p := people[tc.territory]
			if p == nil {
				p = flows.NewPeople(tc.territory, now)
			} else if p.Territory != tc.territory {
				t.Errorf("counts of %q under %q", p.Territory, tc.territory)
			}
			got := fmt.Sprint(p.Total, p.Active, p.Blocked, p.Arrivals[flows.TrendDays-1], p.ByLang["ar"])
			if want := fmt.Sprint(tc.total, tc.active, tc.blocked, tc.today, tc.total); got != want {
				t.Errorf("total active blocked today ar = %s, want %s", got, want)
			}
		})
	}
}
