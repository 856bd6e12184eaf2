package storage

// The broadcast audience: one hash field per person who consented to news
// (and one hash for surveys), kept in step with the session by Commit, so
// that a broadcast reads one hash instead of every session.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/territoires-integration/passerelle/flows"
)

// audienceScan is how many fields one HSCAN step asks for.
const audienceScan = 1000

// audienceField names one person in audienceKey.
func audienceField(chatID int64) string {
	return strconv.FormatInt(chatID, 10)
}

// audienceValue is the person's entry in the audience of purpose, false
// when a message for that purpose may not reach them: no language or
// territory yet, no consent, or inactive.
func audienceValue(s *flows.Session, now time.Time, purpose flows.Purpose) (string, bool) {
	if s.Lang == "" || s.Territory == "" || s.Inactive {
		return "", false
	}
	if _, ok := s.Consents[purpose]; !ok {
		return "", false
	}
	if strings.ContainsAny(s.Territory+s.Lang, " \t\r\n") {
		return "", false // cannot be read back
	}
	seen := s.Seen
	if seen.IsZero() {
		seen = now
	}
	var buf [64]byte // one allocation: it is made for every commit
	b := append(append(append(append(buf[:0], s.Territory...), ' '), s.Lang...), ' ')
	return string(strconv.AppendInt(b, seen.Unix(), 10)), true
}

// audienceEntry is a parsed audienceKey value.
type audienceEntry struct {
	territory, lang string
	seen            int64 // unix seconds
}

// parseAudience reads an audienceValue, false when malformed.
func parseAudience(v string) (audienceEntry, bool) {
	parts := strings.Split(v, " ")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return audienceEntry{}, false
	}
	seen, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return audienceEntry{}, false
	}
	return audienceEntry{territory: parts[0], lang: parts[1], seen: seen}, true
}

// queueAudience adds, updates or removes the person's audience entries.
func (k keyspace) queueAudience(ctx context.Context, p redis.Pipeliner, chatID int64, s *flows.Session, now time.Time) {
	field := audienceField(chatID)
	for _, h := range k.audienceKeys() {
		if v, ok := audienceValue(s, now, h.purpose); ok {
			p.HSet(ctx, h.key, field, v)
		} else {
			p.HDel(ctx, h.key, field)
		}
	}
}

// Audience returns who a broadcast to a territory may reach, in the given
// languages (every language when langs is empty), sorted by chat id.
func (r *Redis) Audience(ctx context.Context, territory string, langs []string) ([]flows.Recipient, error) {
	return r.audience(ctx, r.audienceKey(), territory, langs)
}

// SurveyAudience returns the people of a territory who accepted surveys,
// sorted by chat id.
func (r *Redis) SurveyAudience(ctx context.Context, territory string) ([]flows.Recipient, error) {
	return r.audience(ctx, r.surveyAudienceKey(), territory, nil)
}

func (r *Redis) audience(ctx context.Context, key, territory string, langs []string) ([]flows.Recipient, error) {
	var out []flows.Recipient
	err := r.scanAudience(ctx, key, func(field, value string) {
		e, ok := parseAudience(value)
		if !ok || e.territory != territory || (len(langs) > 0 && !slices.Contains(langs, e.lang)) {
			return
		}
		chat, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return
		}
		out = append(out, flows.Recipient{ChatID: chat, Lang: e.lang})
	})
	if err != nil {
		return nil, fmt.Errorf("load audience: %w", err)
	}
	// HSCAN may return a field twice when the hash is resized meanwhile.
	slices.SortFunc(out, func(a, b flows.Recipient) int { return cmp.Compare(a.ChatID, b.ChatID) })
	out = slices.CompactFunc(out, func(a, b flows.Recipient) bool { return a.ChatID == b.ChatID })
	return out, nil
}

// scanAudience calls fn with every field and value of an audience hash.
func (r *Redis) scanAudience(ctx context.Context, key string, fn func(field, value string)) error {
	var cursor uint64
	for {
		kv, next, err := r.c.HScan(ctx, key, cursor, "", audienceScan).Result()
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(kv); i += 2 {
			fn(kv[i], kv[i+1])
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// pruneAudience deletes the given fields of KEYS[1] that are still older
// than ARGV[1] (unix seconds) or malformed: a person seen meanwhile stays.
var pruneAudience = redis.NewScript(`
local cutoff = tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local digits = string.match(v, '^[^ ]+ [^ ]+ (%-?%d+)$')
    local seen = digits and tonumber(digits)
    if not seen or seen < cutoff then
      n = n + redis.call('HDEL', KEYS[1], ARGV[i])
    end
  end
end
return n
`)

// pruneBatch is how many fields one pruneAudience call checks.
const pruneBatch = 500

// PruneAudience removes the audience entries of people not seen since
// olderThan and returns how many it removed. A hash field cannot expire on
// its own: run it daily with now - flows.Retention, the sessions' own TTL.
func (r *Redis) PruneAudience(ctx context.Context, olderThan time.Time) (int, error) {
	removed := 0
	for _, key := range []string{r.audienceKey(), r.surveyAudienceKey()} {
		n, err := r.pruneAudience(ctx, key, olderThan)
		removed += n
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

func (r *Redis) pruneAudience(ctx context.Context, key string, olderThan time.Time) (int, error) {
	cutoff := olderThan.Unix()
	var stale []string
	err := r.scanAudience(ctx, key, func(field, value string) {
		if e, ok := parseAudience(value); !ok || e.seen < cutoff {
			stale = append(stale, field)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("prune audience: %w", err)
	}
	removed := 0
	for batch := range slices.Chunk(stale, pruneBatch) {
		args := make([]any, 0, len(batch)+1)
		args = append(args, cutoff)
		for _, f := range batch {
			args = append(args, f)
		}
		n, err := pruneAudience.Run(ctx, r.c, []string{key}, args...).Int()
		if err != nil {
			return removed, fmt.Errorf("prune audience: %w", err)
		}
		removed += n
	}
	return removed, nil
}

// Eligible reports whether a bulk message may still go to its person: a news
// broadcast only while they are in the audience (news consent, active), a
// reminder or a message about a help request while they still have an
// active session, or a coordination group (which has no session). Someone
// who used /stop or /forget after the message was queued gets no news, and
// a message showing what a person wrote in a request (flows.NoticeRequest)
// no longer goes once the request is withdrawn. An edit always goes: it
// takes out of a chat what must not stay there, and notifies no one.
func (r *Redis) Eligible(ctx context.Context, d flows.Delivery) (bool, error) {
	if d.Bulk.Edit != 0 {
		return true, nil
	}
	if ref, ok := flows.NoticeRequest(d.Bulk.Job); ok {
		shown, err := r.noticeShown(ctx, ref)
		if err != nil {
			return false, fmt.Errorf("eligible: %w", err)
		}
		if !shown {
			return false, nil
		}
	}
	if strings.HasPrefix(d.Bulk.Job, flows.RequestJobPrefix) && d.Bulk.ChatID < 0 {
		return true, nil
	}
	if strings.HasPrefix(d.Bulk.Job, flows.ReminderJobPrefix) || strings.HasPrefix(d.Bulk.Job, flows.RequestJobPrefix) {
		s, err := r.Load(ctx, d.Bulk.ChatID)
		switch {
		case errors.Is(err, flows.ErrNotFound), errors.Is(err, flows.ErrCorrupt):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("eligible: %w", err)
		}
		return !s.Inactive, nil
	}
	ok, err := r.c.HExists(ctx, r.audienceKey(), audienceField(d.Bulk.ChatID)).Result()
	if err != nil {
		return false, fmt.Errorf("eligible: %w", err)
	}
	return ok, nil
}
