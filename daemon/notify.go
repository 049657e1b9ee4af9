package daemon

import (
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// notify sends a state to systemd when it supervises the process
// (NOTIFY_SOCKET set, Type=notify); otherwise it does nothing. Failures are
// logged at debug level: systemd is optional.
func (d *Daemon) notify(state string) {
	if _, err := sd.SdNotify(false, state); err != nil {
		d.log.Debug("systemd notify failed", "state", state, "err", err)
	}
}

// watchdogTimeout is WatchdogSec when systemd's watchdog is on for this
// process, 0 otherwise.
func (d *Daemon) watchdogTimeout() time.Duration {
	t, err := sd.SdWatchdogEnabled(false)
	if err != nil {
		d.log.Warn("systemd watchdog settings unreadable; not pinging", "err", err)
		return 0
	}
	return t
}

// alive decides a watchdog ping: the main loop is running (it sends the
// ping) and no inference has hung for longer than the watchdog timeout. A
// hung engine then gets the process restarted by systemd.
func (d *Daemon) alive(timeout time.Duration) bool {
	return !d.cls.stuck(timeout)
}

// reloadingState is the RELOADING=1 notification with the timestamp that
// newer systemd versions (Type=notify-reload) require and older ones ignore.
func reloadingState() string {
	return sd.SdNotifyReloading + "\n" + sd.SdNotifyMonotonicUsec()
}
