//go:build !race

package generic_test

// tqRace reports a -race build, where sync.Pool drops items on purpose
// and allocation counts mean nothing.
const tqRace = false
