package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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
		defer func() { batch = batch[:0] }()
		if len(batch) == 0 {
			return nil
		}
		raws, err := r.c.MGet(ctx, batch...).Result()
		if err != nil {
			return err
		}
		for _, raw := range raws {
			if s, ok := raw.(string); ok {
				p.Add(counted(s, territory))
			}
		}
		return nil
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

// countedSession is the part of a session's JSON the counts read: decoding
// only it (consents without their dates) keeps a count of 10,000 people
// fast.
type countedSession struct {
	Lang      string                     `json:"lang"`
	Territory string                     `json:"ter"`
	Consents  map[flows.Purpose]struct{} `json:"cons"`
	Inactive  bool                       `json:"off"`
	Created   time.Time                  `json:"created"`
	Seen      time.Time                  `json:"seen"`
}

// counted is the session in raw as far as the counts need it; nil when it
// is of another territory or does not decode.
func counted(raw, territory string) *flows.Session {
	if !strings.Contains(raw, `"ter":"`+territory+`"`) {
		return nil // not this territory's: no need to decode it
	}
	var c countedSession
	if json.Unmarshal([]byte(raw), &c) != nil {
		return nil
	}
	s := &flows.Session{Lang: c.Lang, Territory: c.Territory, Inactive: c.Inactive, Created: c.Created, Seen: c.Seen}
	if len(c.Consents) > 0 {
		s.Consents = make(map[flows.Purpose]flows.Consent, len(c.Consents))
		for p := range c.Consents {
			s.Consents[p] = flows.Consent{}
		}
	}
	return s
}
