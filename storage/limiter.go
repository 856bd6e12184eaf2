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
// ARGV[3]: the mode — "allow" takes a token if one is left, "take" takes
// ARGV[4] tokens even when none is left, "hold" (ARGV[4]: µs) moves TAT to at
// least now plus that long and takes nothing. A request is allowed when TAT -
// now <= (burst-1) * interval; taking n tokens moves TAT n intervals later.
// It returns {allowed, µs to wait}: for "allow", before trying again; for
// "take", before the last token taken would have been allowed.
var gcra = redis.NewScript(`
local every = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local mode = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then
  tat = now
end
if mode == 'hold' then
  local hold = now + tonumber(ARGV[4])
  if hold > tat then
    redis.call('SET', KEYS[1], string.format('%.0f', hold), 'PX', string.format('%.0f', math.ceil((hold - now) / 1000) + 1))
  end
  return {0, 0}
end
local tolerance = every * (burst - 1)
local n = 1
if mode == 'take' then
  n = tonumber(ARGV[4])
end
local allowed = tat - now <= tolerance
if not allowed and mode ~= 'take' then
  return {0, tat - tolerance - now}
end
tat = tat + n * every
local px = math.ceil((tat - now) / 1000) + math.ceil(every / 1000)
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', string.format('%.0f', px))
local wait = tat - tolerance - now - every
if wait <= 0 then
  return {1, 0}
end
return {0, wait}
`)

// Allow takes a token from the limiter key, which gains one every interval
// up to burst. When none is left it reports how long to wait before one is.
func (r *Redis) Allow(ctx context.Context, key string, every time.Duration, burst int) (ok bool, wait time.Duration, err error) {
	ok, wait, err = r.gcra(ctx, key, every, burst, "allow", 0)
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	return ok, wait, nil
}

// Take takes n tokens from the limiter key even when none is left, so that
// the next Allow waits longer, and reports when the last token taken is
// due: replies reserve their turns ahead of bulk sends, which only take a
// token that is left. Replies counted in a batch (n > 1) learn how far
// behind the budget is.
func (r *Redis) Take(ctx context.Context, key string, every time.Duration, burst, n int) (wait time.Duration, err error) {
	if n < 1 {
		return 0, fmt.Errorf("rate limit: take %d tokens", n)
	}
	_, wait, err = r.gcra(ctx, key, every, burst, "take", int64(n))
	if err != nil {
		return 0, fmt.Errorf("rate limit: %w", err)
	}
	return wait, nil
}

// Hold lets no token go from the limiter key for d (a caller with a burst b
// gets one (b-1) intervals earlier), on every replica: Telegram asked to wait
// that long. A key already held longer is left as it is.
func (r *Redis) Hold(ctx context.Context, key string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if _, _, err := r.gcra(ctx, key, time.Second, 1, "hold", d.Microseconds()); err != nil {
		return fmt.Errorf("rate limit hold: %w", err)
	}
	return nil
}

// gcra runs the script; arg is the mode's ARGV[4] (tokens taken, µs held).
func (r *Redis) gcra(ctx context.Context, key string, every time.Duration, burst int, mode string, arg int64) (bool, time.Duration, error) {
	if every < time.Microsecond {
		return false, 0, errors.New("interval below a microsecond")
	}
	if burst < 1 {
		return false, 0, errors.New("burst below 1")
	}
	res, err := gcra.Run(ctx, r.c, []string{r.limiterKey(key)}, every.Microseconds(), burst, mode, arg).Int64Slice()
	if err != nil {
		return false, 0, err
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("unexpected reply %v", res)
	}
	return res[0] == 1, time.Duration(max(res[1], 0)) * time.Microsecond, nil
}
