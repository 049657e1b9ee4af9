// Package systemd holds edged's systemd unit, edged.service, the service
// configuration edged.yaml (installed as /etc/edged/config.yaml), and the
// tests that verify them with systemd-analyze and the real binary. It has
// no Go code to import.
package systemd
