package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edged/edged/config"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/publish"
)

// Options tune a Daemon beyond config.yaml.
type Options struct {
	// Logger receives the daemon's logs; default slog.Default().
	Logger *slog.Logger
	// LogLevel, if set, is the level behind Logger: a reload applies
	// log.level to it.
	LogLevel *slog.LevelVar
	// Predictions, if set, receives every prediction as a JSON line in the
	// MQTT payload format, before on_change filtering.
	Predictions io.Writer
	// Human, if set, receives one short line per published prediction
	// (camera, frame, top-1 label and score, inference time) while the log
	// level is info or below: what a user sees in a terminal without an
	// MQTT client. cmd/edged sets it to stderr when that is a terminal.
	Human io.Writer
	// Reload: every value received makes Run re-read the config file
	// (Config.File) and apply it with Reload. cmd/edged sends SIGHUP here.
	Reload <-chan struct{}
	// Version is reported in stats, metrics and Home Assistant discovery.
	Version string
	// StatsInterval is the period of the stats topic; default 30s.
	StatsInterval time.Duration
	// HealthMaxAge is the shortest "recently" of /healthz; default 30s.
	HealthMaxAge time.Duration
}

// DefaultStatsInterval is the period of the stats topic.
const DefaultStatsInterval = 30 * time.Second

// Shutdown budget: cameras get stopWait to finish their frame in flight, the
// publisher publishCloseWait to flush (it stops flushing after 2 s) and say
// offline; with the HTTP server's httpCloseWait the whole stays under the 5 s
// that systemd and the issue allow.
const (
	stopWait         = 1500 * time.Millisecond
	publishCloseWait = 2500 * time.Millisecond
	httpCloseWait    = 500 * time.Millisecond
)

// Daemon is a running edged: cameras, the shared engine, the publisher and
// the HTTP server.
type Daemon struct {
	opts     Options
	log      *slog.Logger
	started  time.Time
	deviceID string // fixed at start: it names the MQTT topics

	cls     *classifier
	stamp   fileStamp // of the model file, to reload it when it changes
	pub     *publish.Publisher
	metrics *metrics
	lat     *latencyWindow
	sink    *sink
	topK    atomic.Int32

	httpLn  net.Listener
	httpSrv *http.Server

	// ctl serializes what starts and stops cameras: Run, Reload, commands.
	ctl      sync.Mutex
	camCtx   context.Context // parent of the cameras' contexts; nil until Run
	stopping bool

	// mu guards cfg and the camera list for readers (health, metrics,
	// stats) that must not wait for a camera to stop.
	mu   sync.Mutex
	cfg  *config.Config
	cams []*camera
}

// Run is New followed by Daemon.Run.
func Run(ctx context.Context, cfg *config.Config, opts Options) error {
	d, err := New(cfg, opts)
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

// New loads the model, binds the HTTP listener and starts the publisher
// (which connects in the background: the broker may come up later). It
// starts no camera: Run does.
func New(cfg *config.Config, opts Options) (*Daemon, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.StatsInterval <= 0 {
		opts.StatsInterval = DefaultStatsInterval
	}
	if opts.HealthMaxAge <= 0 {
		opts.HealthMaxAge = healthMinAge
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	d := &Daemon{
		opts:     opts,
		log:      opts.Logger,
		started:  time.Now(),
		deviceID: cfg.DeviceID,
		lat:      newLatencyWindow(1024),
		cfg:      cfg,
	}
	d.topK.Store(int32(cfg.Model.TopK))
	if opts.Predictions != nil {
		d.sink = &sink{w: opts.Predictions, device: cfg.DeviceID}
	}

	stamp, err := statModel(cfg.Model.Path)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	cls, err := newClassifier(cfg.Model.Path, cfg.Model.Threads)
	if err != nil {
		return nil, err
	}
	d.cls, d.stamp = cls, stamp
	d.log.Info("model loaded", "path", cfg.Model.Path, "arch", cls.arch, "threads", cfg.Model.Threads,
		"kernels", kernels.Path(), "cpu_features", kernels.CPUFeatures(), "took", time.Since(start).Round(time.Millisecond))

	d.metrics = newMetrics(d)
	if err := d.listenHTTP(cfg.HTTP.Listen); err != nil {
		cls.close()
		return nil, err
	}
	pub, err := publish.New(publishOptions(cfg, cls.arch, opts.Version, d.log))
	if err != nil {
		cls.close()
		if d.httpLn != nil {
			d.httpLn.Close()
		}
		return nil, fmt.Errorf("mqtt: %w", err)
	}
	d.pub = pub
	for _, c := range cfg.Cameras {
		d.cams = append(d.cams, newCamera(d, c))
	}
	pub.OnCommand(d.command)
	pub.RegisterCameras(cameraNames(cfg))
	return d, nil
}

// publishOptions maps config.yaml's mqtt section onto the publisher.
func publishOptions(cfg *config.Config, arch, version string, log *slog.Logger) publish.Options {
	m := cfg.MQTT
	o := publish.DefaultOptions()
	o.Broker = m.Broker
	o.EmbeddedListen = m.EmbeddedListen
	o.ClientID = m.ClientID
	o.TopicPrefix = m.TopicPrefix
	o.DeviceID = cfg.DeviceID
	o.QoS = m.QoS
	o.RetainPredictions = m.RetainPredictions
	o.Username, o.Password = m.Username, m.Password
	o.AllowAnonymous = m.AllowAnonymous
	o.TLS = publish.TLSOptions{
		CAFile:             m.TLS.CAFile,
		CertFile:           m.TLS.CertFile,
		KeyFile:            m.TLS.KeyFile,
		InsecureSkipVerify: m.TLS.InsecureSkipVerify,
	}
	o.OnChange = m.Publish.OnChange
	o.MinInterval = m.Publish.MinInterval
	o.ScoreDelta = m.Publish.ScoreDelta
	o.QueueSize = m.QueueSize
	o.HomeAssistant = publish.HomeAssistantOptions{Enabled: m.HomeAssistant.Enabled, DiscoveryPrefix: m.HomeAssistant.DiscoveryPrefix}
	o.Model = arch
	o.Version = version
	o.Logger = log
	return o
}

// Run starts the cameras and serves until ctx ends, then shuts down: stops
// capture, finishes the frames in flight, flushes the publisher (at most
// 2 s) and returns nil within about 5 s. Call it once.
func (d *Daemon) Run(ctx context.Context) error {
	camCtx, cancelCams := context.WithCancel(context.Background())
	defer cancelCams()
	d.ctl.Lock()
	d.camCtx = camCtx
	for _, c := range d.cameras() {
		c.start(camCtx)
	}
	d.ctl.Unlock()
	d.serveHTTP()

	d.notify(fmt.Sprintf("READY=1\nSTATUS=classifying %d cameras", len(d.cameras())))
	d.log.Info("edged running", "device", d.deviceID, "cameras", len(d.cameras()), "mqtt", d.pub.BrokerURL())

	stats := time.NewTicker(d.opts.StatsInterval)
	defer stats.Stop()
	var watchdog <-chan time.Time
	wdTimeout := d.watchdogTimeout()
	if wdTimeout > 0 {
		t := time.NewTicker(wdTimeout / 2)
		defer t.Stop()
		watchdog = t.C
		d.notify("WATCHDOG=1")
		d.log.Info("systemd watchdog on", "timeout", wdTimeout)
	}
	for {
		select {
		case <-ctx.Done():
			return d.shutdown(cancelCams)
		case <-d.opts.Reload:
			d.reloadFile()
		case <-stats.C:
			d.pub.PublishStats(d.Stats())
		case <-watchdog:
			if d.alive(wdTimeout) {
				d.notify("WATCHDOG=1")
			} else {
				d.log.Error("an inference has run longer than the watchdog timeout: withholding the ping so systemd restarts edged",
					"timeout", wdTimeout)
			}
		}
	}
}

func (d *Daemon) shutdown(cancelCams context.CancelFunc) error {
	start := time.Now()
	d.notify("STOPPING=1")
	d.log.Info("stopping: finishing the frames in flight")

	d.ctl.Lock()
	d.stopping = true
	cancelCams()
	stopAll(d.cameras(), stopWait) // logs and counts a camera it abandons
	d.ctl.Unlock()

	d.pub.PublishStats(d.Stats())
	pctx, cancel := context.WithTimeout(context.Background(), publishCloseWait)
	if err := d.pub.Close(pctx); err != nil {
		d.log.Warn("publisher closed with predictions undelivered", "err", err)
	}
	cancel()
	hctx, cancel := context.WithTimeout(context.Background(), httpCloseWait)
	d.closeHTTP(hctx)
	cancel()
	d.cls.close()
	d.log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// emit hands a prediction to the publisher, the sink and the human.
func (d *Daemon) emit(p publish.Prediction) {
	if d.pub.Publish(p) && d.opts.Human != nil && d.log.Enabled(context.Background(), slog.LevelInfo) {
		io.WriteString(d.opts.Human, humanLine(p))
	}
	if d.sink != nil {
		d.sink.write(d, p)
	}
}

// cameras returns the configured cameras in config order.
func (d *Daemon) cameras() []*camera {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*camera(nil), d.cams...)
}

// Config returns the configuration in effect.
func (d *Daemon) Config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

func cameraNames(cfg *config.Config) []string {
	names := make([]string, len(cfg.Cameras))
	for i, c := range cfg.Cameras {
		names[i] = c.Name
	}
	return names
}

// fileStamp identifies a version of a file well enough to notice that
// `edged calibrate` rewrote it.
type fileStamp struct {
	size int64
	mod  time.Time
}

// statModel checks that the model file exists, with a message that says
// which key names it.
func statModel(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, fmt.Errorf("model.path: %w", err)
	}
	return fileStamp{size: fi.Size(), mod: fi.ModTime()}, nil
}
