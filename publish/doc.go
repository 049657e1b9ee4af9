// Package publish sends edged's predictions, camera states and statistics
// to an MQTT broker, and receives per-camera commands from it. It survives
// broker outages (bounded in-order queue, reconnect with backoff), announces
// the cameras to Home Assistant (MQTT discovery) and can run an embedded
// broker for a board that has none.
//
// # Topics and payloads (a public interface: keep stable)
//
// With P = Options.TopicPrefix (default "edged"), D = Options.DeviceID and
// C = a camera name:
//
//	P/D/status            retained "online" once connected (published after the
//	                      subscriptions below are confirmed), "offline" as the
//	                      Last Will and on clean shutdown.
//	P/D/C/prediction      {"ts":"2025-01-02T03:04:05.678Z","device":"D","camera":"C",
//	                       "frame":42,"model":"shufflenet_v2_x0_5",
//	                       "top":[{"class":1,"label":"goldfish","score":0.9934},...],
//	                       "latency_ms":{"capture":1.234,"preprocess":5.678,"inference":20.5}}
//	                      ts is RFC 3339 in UTC with milliseconds; latencies are
//	                      milliseconds rounded to 3 decimals; top is [] (never
//	                      null) when there is no class. QoS Options.QoS, retained
//	                      only with Options.RetainPredictions.
//	P/D/C/state           retained {"state":"streaming|reconnecting|failed|...",
//	                       "error":"last error, omitted when none","ts":"..."}
//	P/D/stats             the JSON the daemon passes to PublishStats.
//	P/D/C/set             commands to the daemon: {"enabled":false}, {"fps":2},
//	                      or both keys. Resubscribed on every connection.
//
// # on_change
//
// Without Options.OnChange every prediction is published. With it, a
// prediction of camera C is published when any of these holds, comparing with
// the last prediction of C that was published:
//
//   - it is the first prediction of C;
//   - the top-1 class differs (an empty top list counts as its own class);
//   - the top-1 score moved by more than Options.ScoreDelta;
//   - Options.MinInterval > 0 and the prediction's Time is at least
//     MinInterval after the last published one (heartbeat), or before it
//     (the clock went back);
//
// otherwise it is suppressed and counted in Stats.Suppressed. The heartbeat
// is driven by predictions, not by a timer: a camera that stops producing
// stops publishing.
//
// # Reliability
//
// Publish never blocks. Predictions go into a queue of Options.QueueSize
// entries; when it is full the oldest entry is dropped and counted
// (Stats.Dropped). One sender goroutine drains the queue in order, one
// message at a time, each confirmed by its PUBACK within
// Options.PublishTimeout; a message that is not confirmed stays at the head
// and is sent again on the next connection, so delivery is at least once and
// in order (a message whose PUBACK was lost with the connection arrives
// twice). With qos 0 there is no PUBACK: a message written just before the
// connection drops can be lost. The connection is supervised here rather than by paho's
// auto-reconnect so that every failed attempt is logged with its cause and
// fix, and so that paho never re-sends a message on its own behind the
// queue's back.
//
// # Home Assistant discovery
//
// With Options.HomeAssistant.Enabled, RegisterCameras publishes one retained
// sensor config per camera on
// <discovery_prefix>/sensor/<D>_<C>/config (characters outside
// [A-Za-z0-9_-] in D and C become '_'); see discoveryConfig for the fields.
// Configs are re-sent on every connection and whenever Home Assistant
// publishes "online" on <discovery_prefix>/status; a camera dropped from the
// list gets an empty retained config, which removes its entity.
package publish
