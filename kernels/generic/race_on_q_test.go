//go:build race

package generic

// tqRace reports a -race build, where sync.Pool drops items on purpose
// and allocation counts mean nothing.
const tqRace = true
