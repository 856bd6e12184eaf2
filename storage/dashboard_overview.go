package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/territoires-integration/passerelle/flows"
)

// peopleScan is how many keys one SCAN step asks for, and how many
// sessions one MGET reads.
const peopleScan = 1000

// TerritoryPeople counts the people of a territory at now from their
// sessions: one SCAN over the session keys, one MGET per batch. Only the
// counts leave this function.
func (r *Redis) TerritoryPeople(ctx context.Context, territory string, now time.Time) (*flows.People, error) {
	p := flows.NewPeople(territory, now)
	seen := map[string]bool{} // SCAN may return a key twice
	batch := make([]string, 0, peopleScan)
	flush := func() error {
		sessions, err := fetchJSON[flows.Session](ctx, r.c, batch, func(k string) string { return k })
		for _, s := range sessions {
			p.Add(s)
		}
		batch = batch[:0]
		return err
	}
	iter := r.c.Scan(ctx, 0, r.sessionPattern(), peopleScan).Iterator()
	for iter.Next(ctx) {
		if key := iter.Val(); !seen[key] {
			seen[key] = true
			if batch = append(batch, key); len(batch) == peopleScan {
				if err := flush(); err != nil {
					return nil, fmt.Errorf("count people of %s: %w", territory, err)
				}
			}
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("count people of %s: %w", territory, err)
	}
	if err := flush(); err != nil {
		return nil, fmt.Errorf("count people of %s: %w", territory, err)
	}
	return p, nil
}
