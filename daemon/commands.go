package daemon

import (
	"github.com/edged/edged/publish"
)

// command applies a message from <prefix>/<device>/<camera>/set. The
// publisher calls it one command at a time.
func (d *Daemon) command(name string, cmd publish.Command) {
	d.ctl.Lock()
	defer d.ctl.Unlock()
	if d.stopping {
		return
	}
	var c *camera
	for _, cam := range d.cameras() {
		if cam.name == name {
			c = cam
		}
	}
	if c == nil {
		d.log.Warn("command for a camera that is not configured; ignored", "camera", name)
		return
	}
	c.mu.Lock()
	enabled, fps, _ := c.settingsLocked()
	if cmd.Enabled != nil {
		v := *cmd.Enabled
		c.enabled = &v
	}
	if cmd.FPS != nil {
		c.fps = *cmd.FPS
	}
	nowEnabled, nowFPS, _ := c.settingsLocked()
	c.mu.Unlock()
	d.log.Info("command", "camera", name, "enabled", nowEnabled, "fps", nowFPS)
	if nowEnabled == enabled && nowFPS == fps {
		return
	}
	// capture.Camera's fps is fixed: a new rate means a new capture.
	c.stop(stopWait)
	if d.camCtx != nil {
		c.start(d.camCtx)
	}
}
