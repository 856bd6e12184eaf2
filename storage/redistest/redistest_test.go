package redistest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestClockFollowsNow: whatever the server and the shift, Redis's clock is
// the tests' clock — in TIME, in scripts, in stream ids and in absolute
// expiries.
func TestClockFollowsNow(t *testing.T) {
	ctx := context.Background()
	srv := New(t)
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
	defer c.Close()

	near := func(what string, got time.Time) {
		t.Helper()
		now := Now().Round(0)
		if d := got.Sub(now).Abs(); d > time.Minute {
			t.Errorf("%s %v is %v away from the tests' clock %v (shift %v)", what, got, d, now, Shift())
		}
	}
	now, err := c.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	near("TIME", now)
	sec, err := redis.NewScript(`return redis.call('TIME')[1]`).Run(ctx, c, nil).Int64()
	if err != nil {
		t.Fatal(err)
	}
	near("TIME in a script", time.Unix(sec, 0))
	id, err := c.XAdd(ctx, &redis.XAddArgs{Stream: "s", Values: []any{"k", "v"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	ms, err := strconv.ParseInt(strings.Split(id, "-")[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	near("stream id", time.UnixMilli(ms))

	// An absolute expiry just past by the tests' clock removes the key; one
	// ahead keeps it until then.
	for key, at := range map[string]time.Time{"past": Now().Add(-time.Minute), "ahead": Now().Add(time.Hour)} {
		c.Set(ctx, key, 1, 0)
		c.PExpireAt(ctx, key, at)
	}
	if n := c.Exists(ctx, "past").Val(); n != 0 {
		t.Error("a key that expired a minute ago by the tests' clock is still there")
	}
	if n := c.Exists(ctx, "ahead").Val(); n != 1 {
		t.Error("a key that expires in an hour by the tests' clock is gone")
	}
}

func TestNextHour(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []*time.Location{paris, time.UTC} {
		for _, hour := range []int{0, 11, 23} {
			before := Now()
			got := NextHour(hour, loc)
			if l := got.In(loc); l.Hour() != hour || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
				t.Errorf("NextHour(%d, %v) = %v, not %d:00 there", hour, loc, l, hour)
			}
			if !got.After(before) || got.Sub(before) > 25*time.Hour {
				t.Errorf("NextHour(%d, %v) = %v, want the first after %v", hour, loc, got, before)
			}
		}
	}
}
