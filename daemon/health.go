package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthMinAge is the shortest "recently" of /healthz: a camera is healthy
// when it captured a frame within max(healthMinAge, 3 frame intervals).
const healthMinAge = 30 * time.Second

// Limits of the /healthz and /metrics server: a scrape is small and quick,
// so these only cut off clients that hold connections open.
const (
	httpReadTimeout    = 10 * time.Second
	httpWriteTimeout   = 30 * time.Second
	httpIdleTimeout    = 60 * time.Second
	httpMaxHeaderBytes = 16 << 10
)

// Health reports whether every enabled camera captured a frame recently,
// turns its frames into predictions, and the publisher is connected; when
// not, reasons says why, one per problem. A camera is unhealthy when its
// last frame, or its last prediction (counted from when its capture
// started), is older than max(HealthMaxAge, 3 frame intervals), or at once
// when failingAfter frames in a row failed to classify (a model that does
// not fit, a camera sending garbage).
func (d *Daemon) Health() (ok bool, reasons []string) {
	now := time.Now()
	for _, cam := range d.cameras() {
		enabled, fps, _ := cam.settings()
		if !enabled {
			continue
		}
		st, running := cam.stats()
		window := max(d.opts.HealthMaxAge, time.Duration(3*float64(time.Second)/fps))
		failing, streak, ferr, lastPred := cam.health.failure()
		since := cam.startedAt()
		if lastPred.After(since) {
			since = lastPred
		}
		why := ""
		switch {
		case st.LastFrame.IsZero():
			why = "no frame yet"
		case now.Sub(st.LastFrame) > window:
			why = fmt.Sprintf("no frame for %s (limit %s)", now.Sub(st.LastFrame).Round(time.Second), window)
		case failing:
			why = fmt.Sprintf("its last %d frames could not be classified: %v", streak, ferr)
		case running && !since.IsZero() && now.Sub(since) > window:
			why = fmt.Sprintf("no prediction for %s (limit %s)", now.Sub(since).Round(time.Second), window)
			if streak > 0 {
				why += fmt.Sprintf("; %d frames failed: %v", streak, ferr)
			}
		default:
			continue
		}
		why = fmt.Sprintf("camera %s: %s; state %s", cam.name, why, cam.state(st))
		if st.Err != nil {
			why += ": " + st.Err.Error()
		}
		reasons = append(reasons, why)
	}
	if ps := d.pub.Stats(); !ps.Connected {
		why := "mqtt: not connected to " + d.pub.BrokerURL()
		if ps.LastError != "" {
			why += ": " + ps.LastError
		}
		reasons = append(reasons, why)
	}
	return len(reasons) == 0, reasons
}

func (d *Daemon) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ok, reasons := d.Health()
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "unhealthy\n%s\n", strings.Join(reasons, "\n"))
		return
	}
	fmt.Fprintln(w, "ok")
}

// listenHTTP binds the /healthz and /metrics server, so that a port in use
// fails start-up rather than a goroutine later.
func (d *Daemon) listenHTTP(addr string) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http.listen %s: %w (choose another port, or \"\" to disable /healthz and /metrics)", addr, err)
	}
	d.httpLn = ln
	// Timeouts so that a client holding connections open (slowloris) or
	// never reading cannot pile up goroutines and buffers.
	d.httpSrv = &http.Server{
		Handler:           d.handler(),
		ReadHeaderTimeout: httpReadTimeout,
		ReadTimeout:       httpReadTimeout,
		WriteTimeout:      httpWriteTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    httpMaxHeaderBytes,
	}
	return nil
}

// handler serves /healthz and /metrics.
func (d *Daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", d.handleHealth)
	mux.Handle("/metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{
		ErrorLog: slogPrinter{d},
	}))
	return mux
}

func (d *Daemon) serveHTTP() {
	if d.httpSrv == nil {
		return
	}
	d.log.Info("serving /healthz and /metrics", "addr", d.httpLn.Addr().String())
	go func() {
		if err := d.httpSrv.Serve(d.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("http server stopped", "err", err)
		}
	}()
}

func (d *Daemon) closeHTTP(ctx context.Context) {
	if d.httpSrv == nil {
		return
	}
	if err := d.httpSrv.Shutdown(ctx); err != nil {
		d.httpSrv.Close()
	}
}

// HTTPAddr is the address /healthz and /metrics are served on (useful with
// port 0), or "" when http.listen is empty.
func (d *Daemon) HTTPAddr() string {
	if d.httpLn == nil {
		return ""
	}
	return d.httpLn.Addr().String()
}

// slogPrinter routes promhttp's error log to slog.
type slogPrinter struct{ d *Daemon }

func (p slogPrinter) Println(v ...any) {
	p.d.log.Error("metrics: " + strings.TrimSpace(fmt.Sprintln(v...)))
}
