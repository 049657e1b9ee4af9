// Package daemon runs edged's pipeline: every configured camera's frames
// through one shared int8 engine to predictions on MQTT, with /healthz and
// /metrics, config reload and the systemd protocol around it.
//
// # The pipeline
//
// Each enabled camera has a capture.Camera (which reconnects its source with
// backoff and keeps only the latest frame) and one goroutine that takes the
// latest frame, decodes it (Frame.Data with preprocess.Decode, Frame.BGR with
// preprocess.FromBGR), applies the same preprocessing as `edged classify`,
// runs the engine and turns the logits into the top-K classes. The engine is
// not safe for concurrent use, so inference is serialized by a mutex; decode
// and preprocessing run in the camera's goroutine, in parallel with other
// cameras' inference. A frame that cannot be decoded or classified (a
// corrupt JPEG, a truncated PNG, even a decoder panic) is logged, counted in
// edged_frames_failed_total and skipped: it never stops the camera. After
// three in a row with no prediction between, the camera's state is
// "failing", with the error, until a frame is classified again.
//
// # Predictions
//
// A prediction carries the frame's capture time, the camera, the frame's
// sequence number, the model's architecture, the top-K classes and three
// latencies: capture (the frame's age when the pipeline took it, i.e. how
// long it waited in capture), preprocess (decode + resize/crop/normalize)
// and inference (the engine alone, not the wait for another camera's
// inference).
//
// min_score: when the top-1 score is below the camera's min_score the
// prediction is still made and published, but with an empty top list
// ("top":[] in the payload): "no confident class". Consumers see that the
// camera is alive and that it saw nothing it is sure of; the publisher's
// on_change treats "no class" as a class of its own.
//
// Predictions go to the publisher (which may suppress unchanged ones under
// mqtt.publish.on_change) and, when Options.Predictions is set, every one of
// them to that writer as JSON lines in the MQTT payload format: a sink for
// tests and debugging that needs no broker.
//
// # Commands
//
// {"enabled":false} on <prefix>/<device>/<camera>/set stops the camera's
// capture (state "disabled"; it no longer counts for /healthz),
// {"enabled":true} starts it again, {"fps":N} restarts its capture at N
// frames per second. Commands override config.yaml until a reload changes
// that camera's entry, which then wins.
//
// Control never waits on a camera: stopping one (a command, a reload,
// shutdown) waits at most 1.5 s for its frame in flight, then abandons a
// capture stuck in a source read or decode that ignores cancellation
// (edged_camera_abandoned_total) and goes on, so commands, SIGHUP, SIGTERM
// and the systemd watchdog keep working.
//
// # Health
//
// /healthz answers 200 "ok" when every enabled camera captured a frame
// and made a prediction within the last max(30 s, 3 frame intervals), is
// not "failing", and the publisher is connected; otherwise 503 with one
// line per reason. /metrics serves
// Prometheus metrics from a registry of the daemon's own.
//
// # Reload
//
// Daemon.Reload applies a new config without restarting the process:
// cameras added, removed or changed (a camera whose source, fps, reconnect
// or enabled changed restarts its capture; min_score applies at once),
// model.top_k, model.path and model.threads (the new model is loaded before
// the old one is released, so a model that fails to load rejects the whole
// reload), and log.level. Sections that are bound at start-up (device_id,
// mqtt, http, log.format) are kept and a warning says they need a restart.
package daemon
