//go:build !race

package bot

import "time"

// inFlight is how long after a 429 answer a call may arrive that left before
// the bot could read it: a loopback round trip on a loaded test machine,
// plus the replies' accounting in the shared budget (accountEvery and one
// limiter call), through which one side learns of the other's 429.
const inFlight = 250 * time.Millisecond
