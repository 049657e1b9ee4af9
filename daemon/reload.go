package daemon

import (
	"fmt"
	"slices"
	"time"

	"github.com/edged/edged/config"
)

// reloadFile re-reads the config file and applies it; a file that does not
// parse or validate, or a model that does not load, is rejected with an
// error in the log and the running config is kept.
func (d *Daemon) reloadFile() {
	file := d.Config().File
	d.notify(reloadingState())
	defer d.notify("READY=1")
	d.log.Info("reloading config", "file", file)
	cfg, err := config.Load(file)
	if err == nil {
		err = d.Reload(cfg)
	}
	if err != nil {
		d.log.Error("config reload rejected; keeping the running config", "file", file, "err", err)
		return
	}
	d.log.Info("config reloaded", "file", file, "cameras", len(cfg.Cameras))
}

// Reload applies cfg to the running daemon (see the package comment for
// what takes effect). It returns an error, and changes nothing, when the
// new model cannot be loaded or the daemon is shutting down.
func (d *Daemon) Reload(cfg *config.Config) error {
	d.ctl.Lock()
	defer d.ctl.Unlock()
	if d.stopping {
		return fmt.Errorf("reload: the daemon is shutting down")
	}
	old := d.Config()

	// Everything that can fail comes first, so that a failure leaves the
	// running config whole.
	_, path, threads := d.cls.model()
	stamp, err := statModel(cfg.Model.Path)
	if err != nil {
		return err
	}
	if cfg.Model.Path != path || cfg.Model.Threads != threads || stamp != d.stamp {
		start := time.Now()
		e, m, err := loadModel(cfg.Model.Path, cfg.Model.Threads)
		if err != nil {
			return err
		}
		d.cls.swap(e, m.Arch, cfg.Model.Path, cfg.Model.Threads)
		d.stamp = stamp
		d.log.Info("model reloaded", "path", cfg.Model.Path, "arch", m.Arch, "threads", cfg.Model.Threads,
			"took", time.Since(start).Round(time.Millisecond))
	}

	// Sections bound at start-up keep their running values.
	merged := *cfg
	merged.Cameras = slices.Clone(cfg.Cameras)
	keep := func(key string, changed bool) {
		if changed {
			d.log.Warn("config reload: "+key+" changed; it takes effect when edged restarts", "key", key)
		}
	}
	keep("device_id", cfg.DeviceID != old.DeviceID)
	keep("mqtt", cfg.MQTT != old.MQTT)
	keep("http", cfg.HTTP != old.HTTP)
	keep("log.format", cfg.Log.Format != old.Log.Format)
	merged.DeviceID, merged.MQTT, merged.HTTP, merged.Log.Format = old.DeviceID, old.MQTT, old.HTTP, old.Log.Format

	d.topK.Store(int32(cfg.Model.TopK))
	if d.opts.LogLevel != nil {
		d.opts.LogLevel.Set(cfg.Log.SlogLevel())
	}
	d.applyCameras(cfg.Cameras)

	d.mu.Lock()
	d.cfg = &merged
	d.mu.Unlock()
	d.pub.RegisterCameras(cameraNames(cfg))
	return nil
}

// applyCameras stops removed cameras, starts added ones and restarts those
// whose capture settings changed. Callers hold d.ctl.
func (d *Daemon) applyCameras(next []config.Camera) {
	byName := map[string]*camera{}
	for _, c := range d.cameras() {
		byName[c.name] = c
	}
	list := make([]*camera, 0, len(next))
	var stopping []*camera
	for _, nc := range next {
		c, ok := byName[nc.Name]
		delete(byName, nc.Name)
		if !ok {
			c = newCamera(d, nc)
			list = append(list, c)
			d.log.Info("config reload: camera added", "camera", nc.Name)
			continue
		}
		list = append(list, c)
		c.mu.Lock()
		prev := c.cfg
		restart := prev.Source != nc.Source || prev.FPS != nc.FPS || prev.Reconnect != nc.Reconnect || prev.Enabled != nc.Enabled ||
			prev.Decode != nc.Decode || prev.Width != nc.Width || prev.Height != nc.Height
		c.cfg = nc
		if restart {
			// The file changed this camera: it wins over earlier commands.
			c.enabled, c.fps = nil, 0
		}
		c.mu.Unlock()
		if restart {
			d.log.Info("config reload: camera changed; restarting its capture", "camera", nc.Name)
			stopping = append(stopping, c)
		}
	}
	for name, c := range byName {
		d.log.Info("config reload: camera removed", "camera", name)
		stopping = append(stopping, c)
	}
	stopAll(stopping, stopWait)
	for name := range byName {
		d.pub.SetCameraState(name, "removed", nil)
	}
	d.mu.Lock()
	d.cams = list
	d.mu.Unlock()
	if d.camCtx != nil {
		for _, c := range list {
			c.start(d.camCtx)
		}
	}
}
