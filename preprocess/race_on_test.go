//go:build race

package preprocess

// raceEnabled: the race detector makes sync.Pool drop items on purpose.
const raceEnabled = true
