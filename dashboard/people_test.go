package dashboard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

func TestPeopleCache(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	fail := errors.New("redis down")
	steps := []struct {
		name      string
		territory string
		now       time.Time
		err       error // the count's error
		counted   bool  // a new count is made
		at        time.Time
	}{
		{"first view counts", "dijon", t0, nil, true, t0},
		{"a view soon after reuses it", "dijon", t0.Add(PeopleMaxAge - time.Second), nil, false, t0},
		{"another territory's view uses the same count", "lyon", t0.Add(time.Minute), nil, false, t0},
		{"a territory nobody names yet: zero counts", "besancon", t0.Add(time.Minute), nil, false, t0},
		{"older than PeopleMaxAge: counted again", "dijon", t0.Add(PeopleMaxAge), nil, true, t0.Add(PeopleMaxAge)},
		{"a failed count is not kept", "lyon", t0.Add(2 * PeopleMaxAge), fail, true, time.Time{}},
		{"so the next view counts again", "lyon", t0.Add(2 * PeopleMaxAge), nil, true, t0.Add(2 * PeopleMaxAge)},
		{"a clock set back counts again", "dijon", t0, nil, true, t0},
	}
	var counts int
	var countErr error
	c := newPeopleCache(func(_ context.Context, now time.Time) (map[string]*flows.People, error) {
		counts++
		if countErr != nil {
			return nil, countErr
		}
		return map[string]*flows.People{"dijon": flows.NewPeople("dijon", now), "lyon": flows.NewPeople("lyon", now)}, nil
	})
	for _, s := range steps {
		before := counts
		countErr = s.err
		p, at, err := c.get(context.Background(), s.territory, s.now)
		if counted := counts > before; counted != s.counted {
			t.Errorf("%s: counted %v, want %v", s.name, counted, s.counted)
		}
		if !errors.Is(err, s.err) || !at.Equal(s.at) {
			t.Errorf("%s: at %v err %v, want %v %v", s.name, at, err, s.at, s.err)
		}
		if err == nil && p.Territory != s.territory {
			t.Errorf("%s: counts of %q", s.name, p.Territory)
		}
	}
}
