package storage

// A rate limiter shared by every replica: the generic cell rate algorithm
// (GCRA), kept as one timestamp per key and run as a script on the server's
// clock, so that replicas whose clocks disagree still agree on the rate.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcra keeps in KEYS[1] the theoretical arrival time (TAT, unix µs by the
// server's clock) of the next token. ARGV[1]: µs per token; ARGV[2]: burst;
// ARGV[3]: "1" to take a token even when none is left. A request is allowed
// when TAT - now <= (burst-1) * interval; taking a token moves TAT one
// interval later. It returns {allowed, µs to wait before trying again}.
var gcra = redis.NewScript(`
local every = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local force = ARGV[3] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then
  tat = now
end
local tolerance = every * (burst - 1)
local allowed = tat - now <= tolerance
if not allowed and not force then
  return {0, tat - tolerance - now}
end
tat = tat + every
local px = math.ceil((tat - now) / 1000) + math.ceil(every / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', string.format('%.0f', px))
if allowed then
  return {1, 0}
end
return {0, tat - tolerance - now - every}
`)

// Allow takes a token from the limiter key, which gains one every interval
// up to burst. When none is left it reports how long to wait before one is.
func (r *Redis) Allow(ctx context.Context, key string, every time.Duration, burst int) (ok bool, wait time.Duration, err error) {
	ok, wait, err = r.gcra(ctx, key, every, burst, false)
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	return ok, wait, nil
}

// Take takes a token from the limiter key even when none is left, so that
// the next Allow waits longer: a reply to someone who is waiting is never
// held back by bulk sends, but still counts against the shared rate.
func (r *Redis) Take(ctx context.Context, key string, every time.Duration, burst int) error {
	if _, _, err := r.gcra(ctx, key, every, burst, true); err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	return nil
}

// gcra runs the script.
func (r *Redis) gcra(ctx context.Context, key string, every time.Duration, burst int, force bool) (bool, time.Duration, error) {
	if every < time.Microsecond {
		return false, 0, errors.New("interval below a microsecond")
	}
	if burst < 1 {
		return false, 0, errors.New("burst below 1")
	}
	f := "0"
	if force {
		f = "1"
	}
	res, err := gcra.Run(ctx, r.c, []string{limiterKey(key)}, every.Microseconds(), burst, f).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("unexpected reply %v", res)
	}
	return res[0] == 1, time.Duration(max(res[1], 0)) * time.Microsecond, nil
}
