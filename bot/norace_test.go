//go:build !race

package bot

// raceDetector: the race detector is off (see race_test.go).
const raceDetector = false
