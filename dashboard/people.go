package dashboard

import (
	"context"
	"sync"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// PeopleMaxAge is how long the overview's counts of a territory are kept
// before they are counted again: counting reads every session in Redis
// (about 80 ms for 10,000 people), so a coordinator who reloads the page, or
// ten who open it together, cost one count.
const PeopleMaxAge = 5 * time.Minute

// peopleCounter counts a territory's people (the store's TerritoryPeople).
type peopleCounter func(ctx context.Context, territory string, now time.Time) (*flows.People, error)

// peopleCache keeps each territory's last count for PeopleMaxAge; one count
// runs at a time per territory, and the others wait for it.
type peopleCache struct {
	count peopleCounter
	mu    sync.Mutex
	slots map[string]*peopleSlot
}

// peopleSlot is one territory's count and when it was made.
type peopleSlot struct {
	mu     sync.Mutex
	at     time.Time
	people *flows.People
}

func newPeopleCache(count peopleCounter) *peopleCache {
	return &peopleCache{count: count, slots: map[string]*peopleSlot{}}
}

// get returns territory's counts and the time they were made: the kept ones
// when made within PeopleMaxAge of now, else a new count. A failed count is
// not kept.
func (c *peopleCache) get(ctx context.Context, territory string, now time.Time) (*flows.People, time.Time, error) {
	c.mu.Lock()
	slot := c.slots[territory]
	if slot == nil {
		slot = &peopleSlot{}
		c.slots[territory] = slot
	}
	c.mu.Unlock()

	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.people != nil && !now.Before(slot.at) && now.Sub(slot.at) < PeopleMaxAge {
		return slot.people, slot.at, nil
	}
	p, err := c.count(ctx, territory, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	slot.people, slot.at = p, now
	return p, now, nil
}
