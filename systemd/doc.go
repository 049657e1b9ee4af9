// Package systemd holds edged's systemd unit, edged.service, and the test
// that verifies it with systemd-analyze. It has no Go code to import.
package systemd
