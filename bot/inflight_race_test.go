//go:build race

package bot

import "time"

// inFlight is longer under the race detector, which slows every goroutine
// several times: in CI, beside other packages' tests, 4 replies of 597
// calls reached the fake Bot API inside a retry_after more than 250 ms
// after the 429 that started it (TestInteractiveFloodKeepsRetryAfter).
// The pass without the race detector keeps 250 ms.
const inFlight = time.Second
