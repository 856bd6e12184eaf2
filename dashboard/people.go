package dashboard

import (
	"context"
	"sync"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// PeopleMaxAge is how long the overview's counts are kept before they are
// counted again: counting reads every session in Redis (about 80 ms for
// 10,000 people), so a coordinator who reloads the page, or the
// coordinators of every territory who open it together, cost one count.
const PeopleMaxAge = 5 * time.Minute

// peopleCounter counts the people of every territory (the store's People).
type peopleCounter func(ctx context.Context, now time.Time) (map[string]*flows.People, error)

// peopleCache keeps the last count of every territory for PeopleMaxAge:
// one count serves the overviews of all territories, and while it runs the
// other views wait for it.
type peopleCache struct {
	count  peopleCounter
	mu     sync.Mutex
	at     time.Time
	people map[string]*flows.People // nil until a count succeeds
}

func newPeopleCache(count peopleCounter) *peopleCache {
	return &peopleCache{count: count}
}

// get returns territory's counts and the time they were made: the kept ones
// when made within PeopleMaxAge of now, else a new count of every
// territory. A failed count is not kept.
func (c *peopleCache) get(ctx context.Context, territory string, now time.Time) (*flows.People, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.people == nil || now.Before(c.at) || now.Sub(c.at) >= PeopleMaxAge {
		people, err := c.count(ctx, now)
		if err != nil {
			return nil, time.Time{}, err
		}
		c.people, c.at = people, now
	}
	if p := c.people[territory]; p != nil {
		return p, c.at, nil
	}
	return flows.NewPeople(territory, c.at), c.at, nil // nobody there yet
}
