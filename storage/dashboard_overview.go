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

// People counts the people of every territory at now from their sessions,
// in one pass: one SCAN over the session keys, one MGET per batch, so that
// the overviews of all territories cost one read of the sessions, not one
// each. Only the counts leave this function; a territory nobody names is
// absent from the map.
func (r *Redis) People(ctx context.Context, now time.Time) (map[string]*flows.People, error) {
	people := map[string]*flows.People{}
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
			raw, ok := raw.(string)
			if !ok {
				continue
			}
			if s := counted(raw); s != nil {
				p := people[s.Territory]
				if p == nil {
					p = flows.NewPeople(s.Territory, now)
					people[s.Territory] = p
				}
				p.Add(s)
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
					return nil, fmt.Errorf("count people: %w", err)
				}
			}
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("count people: %w", err)
	}
	if err := flush(); err != nil {
		return nil, fmt.Errorf("count people: %w", err)
	}
	return people, nil
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
// names no territory (not onboarded yet) or does not decode.
func counted(raw string) *flows.Session {
	if !strings.Contains(raw, `"ter":"`) {
		return nil // no territory: no need to decode it
	}
	var c countedSession
	if json.Unmarshal([]byte(raw), &c) != nil || c.Territory == "" {
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
