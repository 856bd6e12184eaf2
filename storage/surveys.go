package storage

// Survey submissions: one hash per survey, pseudonym → JSON, written once
// (HSETNX) so that a repeated commit never makes a second submission; and
// per pseudonym the set of surveys answered, for /forget.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

var _ flows.SurveyStore = (*Redis)(nil)

// Submitted reports whether the pseudonym has answered the survey.
func (r *Redis) Submitted(ctx context.Context, survey, pseudonym string) (bool, error) {
	ok, err := r.c.HExists(ctx, r.submissionsKey(survey), pseudonym).Result()
	if err != nil {
		return false, fmt.Errorf("read submission: %w", err)
	}
	return ok, nil
}

// Submissions returns every submission of a survey, by submission time. An
// unreadable entry is skipped rather than failing the results.
func (r *Redis) Submissions(ctx context.Context, survey string) ([]flows.Submission, error) {
	var out []flows.Submission
	var cursor uint64
	for {
		kv, next, err := r.c.HScan(ctx, r.submissionsKey(survey), cursor, "", audienceScan).Result()
		if err != nil {
			return nil, fmt.Errorf("read submissions: %w", err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			var s flows.Submission
			if json.Unmarshal([]byte(kv[i+1]), &s) == nil && s.Pseudonym == kv[i] {
				out = append(out, s)
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	slices.SortFunc(out, func(a, b flows.Submission) int {
		return cmp.Or(a.Submitted.Compare(b.Submitted), cmp.Compare(a.Pseudonym, b.Pseudonym))
	})
	// HSCAN may return a field twice when the hash is resized meanwhile.
	return slices.CompactFunc(out, func(a, b flows.Submission) bool { return a.Pseudonym == b.Pseudonym }), nil
}

// Outcome returns what came of a survey in a territory (language → text),
// nil when nothing was said yet.
func (r *Redis) Outcome(ctx context.Context, survey, territory string) (map[string]string, error) {
	v, err := r.c.HGet(ctx, r.outcomeKey(survey), territory).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read outcome: %w", err)
	}
	var texts map[string]string
	if err := json.Unmarshal(v, &texts); err != nil {
		return nil, fmt.Errorf("read outcome: %w", err)
	}
	return texts, nil
}

// queueSubmission writes a submission unless the pseudonym answered already.
func (k keyspace) queueSubmission(ctx context.Context, p redis.Pipeliner, e flows.SurveySubmitted) error {
	sub := e.Submission
	if sub.Survey == "" || sub.Pseudonym == "" {
		return errors.New("submission without survey or pseudonym")
	}
	v, err := json.Marshal(sub)
	if err != nil {
		return fmt.Errorf("encode submission: %w", err)
	}
	key, mine := k.submissionsKey(sub.Survey), k.answeredKey(sub.Pseudonym)
	p.HSetNX(ctx, key, sub.Pseudonym, v)
	p.SAdd(ctx, mine, sub.Survey)
	at := e.Expires.UnixMilli()
	extendTo.Eval(ctx, p, []string{key}, at)
	extendTo.Eval(ctx, p, []string{mine}, at)
	return nil
}

// queueOutcome records what came of a survey in a territory.
func (k keyspace) queueOutcome(ctx context.Context, p redis.Pipeliner, e flows.SurveyOutcomeSet) error {
	v, err := json.Marshal(e.Texts)
	if err != nil {
		return fmt.Errorf("encode outcome: %w", err)
	}
	p.HSet(ctx, k.outcomeKey(e.Survey), e.Territory, v)
	p.ExpireAt(ctx, k.outcomeKey(e.Survey), e.Expires)
	return nil
}

// readSurveysAnswered lists, under WATCH, the surveys the forgotten person
// answered.
func (c *commit) readSurveysAnswered(members *redis.StringSliceCmd) error {
	if members == nil {
		return nil
	}
	ids, err := members.Result()
	if err != nil && !isWrongType(err) {
		return fmt.Errorf("read surveys answered: %w", err)
	}
	c.surveys = ids
	return nil
}

// forgetSubmissions erases the forgotten person's submissions.
func (c *commit) forgetSubmissions(ctx context.Context, p redis.Pipeliner) {
	if c.pseudonym == "" {
		return
	}
	for _, id := range c.surveys {
		p.HDel(ctx, c.submissionsKey(id), c.pseudonym)
	}
	p.Del(ctx, c.answeredKey(c.pseudonym))
}
