//go:build race

package bot

// raceDetector: the race detector is on, and sync.Pool drops pooled values
// at random, so allocation counts are no guide.
const raceDetector = true
