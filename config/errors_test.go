package config

import (
	"errors"
	"strings"
	"testing"
)

// Every class of problem is reported as file:line: key: message, with the
// line of the offending key.
func TestErrorsNameKeyAndLine(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", minimal + "modle:\n  path: x\n",
			`c.yaml:8: modle: unknown key; did you mean "model"? (known keys here: device_id, model, cameras, mqtt, http, log)`},
		{"unknown nested key", strings.Replace(minimal, "  path: m.edgeq", "  path: m.edgeq\n  thread: 2", 1),
			`c.yaml:3: model.thread: unknown key; did you mean "threads"? (known keys here: path, threads, top_k)`},
		{"unknown camera key", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    fsp: 5", 1),
			`c.yaml:6: cameras[0].fsp: unknown key; did you mean "fps"? (known keys here: name, source, fps, min_score, enabled, reconnect, decode, width, height)`},
		{"duplicate key", minimal + "log:\n  level: info\n  level: debug\n",
			`c.yaml:10: log.level: duplicate key (first at line 9)`},
		{"duplicate top-level key", minimal + "http:\n  listen: ''\nmodel:\n",
			`c.yaml:10: model: duplicate key (first at line 1)`},
		{"wrong type: string for int", strings.Replace(minimal, "  path: m.edgeq", "  path: m.edgeq\n  threads: four", 1),
			`c.yaml:3: model.threads: expected an integer, got "four"`},
		{"wrong type: float for int", strings.Replace(minimal, "  path: m.edgeq", "  path: m.edgeq\n  top_k: 2.5", 1),
			`c.yaml:3: model.top_k: expected an integer, got "2.5"`},
		{"wrong type: quoted number for float", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    fps: \"5\"", 1),
			`c.yaml:6: cameras[0].fps: expected a number, got "5"`},
		{"wrong type: yes for bool", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    enabled: yes", 1),
			`c.yaml:6: cameras[0].enabled: expected true or false, got "yes"`},
		{"wrong type: mapping for scalar", minimal + "http:\n  listen:\n    port: 80\n",
			`c.yaml:10: http.listen: expected a string, got a mapping`},
		{"wrong type: mapping for list", "model:\n  path: m\ncameras:\n  name: a\n  source: b\nmqtt: {broker: embedded}\n",
			`c.yaml:4: cameras: expected a list (- item lines), got a mapping`},
		{"wrong type: scalar for mapping", minimal + "log: debug\n",
			`c.yaml:8: log: expected a mapping (key: value lines), got "debug"`},
		{"duration without unit", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    reconnect: {initial: 5}", 1),
			`c.yaml:6: cameras[0].reconnect.initial: expected a duration like 500ms or 30s, got "5" (a number needs a unit: ns, us, ms, s, m, h)`},
		{"invalid duration", minimal + "  publish:\n    min_interval: soon\n",
			`c.yaml:9: mqtt.publish.min_interval: expected a duration like 500ms or 30s, got "soon"`},
		{"negative fps", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    fps: -1", 1),
			`c.yaml:6: cameras[0].fps: must be 0.01..1000 (the same bounds as an MQTT fps command), got -1`},
		{"min_score above 1", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    min_score: 1.5", 1),
			`c.yaml:6: cameras[0].min_score: must be 0..1, got 1.5`},
		{"backoff max below initial", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    reconnect: {initial: 2s, max: 1s}", 1),
			`c.yaml:6: cameras[0].reconnect.max: must be >= reconnect.initial (2s), got 1s`},
		{"unknown decode mode", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    decode: quick", 1),
			`c.yaml:6: cameras[0].decode: must be fast (DCT-domain downscaling) or exact (full size, Pillow-exact), got "quick"`},
		{"negative width", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    width: -640", 1),
			`c.yaml:6: cameras[0].width: must be 0 (the device's default) or a width in pixels up to 16384, got -640`},
		{"huge height", strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    height: 100000", 1),
			`c.yaml:6: cameras[0].height: must be 0 (the device's default) or a height in pixels up to 16384, got 100000`},
		{"qos out of range", minimal + "  qos: 3\n",
			`c.yaml:8: mqtt.qos: must be 0, 1 or 2, got 3`},
		{"threads zero", strings.Replace(minimal, "  path: m.edgeq", "  path: m.edgeq\n  threads: 0", 1),
			`c.yaml:3: model.threads: must be 1..1024, got 0`},
		{"top_k too large", strings.Replace(minimal, "  path: m.edgeq", "  path: m.edgeq\n  top_k: 1001", 1),
			`c.yaml:3: model.top_k: must be 1..1000, got 1001`},
		{"camera name with slash", strings.Replace(minimal, "name: front", "name: front/door", 1),
			`c.yaml:4: cameras[0].name: "front/door" contains '/', which MQTT topics reserve: use letters, digits, - or _`},
		{"camera name with space", strings.Replace(minimal, "name: front", "name: front door", 1),
			`c.yaml:4: cameras[0].name: "front door" contains a space or control character: use letters, digits, - or _`},
		{"camera name with wildcard", strings.Replace(minimal, "name: front", "name: cam+1", 1),
			`c.yaml:4: cameras[0].name: "cam+1" contains '+', which MQTT topics reserve: use letters, digits, - or _`},
		{"duplicate camera names", minimal[:strings.Index(minimal, "mqtt:")] + "  - name: front\n    source: x.jpg\nmqtt:\n  broker: embedded\n",
			`c.yaml:6: cameras[1].name: "front" is already the name of cameras[0]: camera names must be unique`},
		{"camera without source", "model: {path: m}\ncameras:\n  - name: a\nmqtt: {broker: embedded}\n",
			`c.yaml:3: cameras[0].source: required: a device index like "0", a file, a directory, or a URL`},
		{"no cameras", "model: {path: m}\ncameras: []\nmqtt: {broker: embedded}\n",
			`c.yaml:2: cameras: at least one camera is required: a list of {name, source}`},
		{"no model path", "cameras: [{name: a, source: b}]\nmqtt: {broker: embedded}\n",
			"c.yaml: model.path: required: the int8 model file made by `edged calibrate`"},
		{"broker scheme", strings.Replace(minimal, "tcp://127.0.0.1:1883", "http://127.0.0.1:1883", 1),
			`c.yaml:7: mqtt.broker: scheme "http://" is not supported: use tcp://, ssl://, ws://, wss:// or "embedded"`},
		{"broker without port", strings.Replace(minimal, "tcp://127.0.0.1:1883", "tcp://broker", 1),
			`c.yaml:7: mqtt.broker: "tcp://broker" has no port: write tcp://broker:1883`},
		{"tls with tcp broker", minimal + "  tls: {ca_file: ca.pem}\n",
			`c.yaml:8: mqtt.tls: TLS settings need an ssl:// or wss:// broker, got "tcp://127.0.0.1:1883"`},
		{"password without username", minimal + "  password: secret\n",
			`c.yaml:8: mqtt.password: set without mqtt.username: MQTT sends a password only with a username`},
		{"bad listen address", minimal + "http: {listen: 9108}\n",
			`c.yaml:8: http.listen: must be host:port like 127.0.0.1:9108, got "9108" (or "" to disable)`},
		{"log level", minimal + "log: {level: verbose}\n",
			`c.yaml:8: log.level: must be debug, info, warn or error, got "verbose"`},
		{"yaml syntax", minimal + "log:\n  level: [info\n",
			`c.yaml:9: invalid YAML: did not find expected ',' or ']'`},
		{"unset env var", minimal + "  username: bob\n  password: ${EDGED_TEST_UNSET_VAR}\n",
			`c.yaml:9: mqtt.password: environment variable EDGED_TEST_UNSET_VAR is not set: set it, or write ${EDGED_TEST_UNSET_VAR:-default}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "c.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", tt.yaml)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s\nconfig:\n%s", err, tt.want, tt.yaml)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%T is not an *Error", err)
			}
		})
	}
}

// All problems are reported at once, in line order, so one run of
// `edged config check` shows everything to fix.
func TestAllErrorsReported(t *testing.T) {
	src := `model:
  path: m
  top_k: 0
cameras:
  - name: a
    source: b
    fps: 0
mqtt:
  broker: embedded
  qos: 7
`
	_, err := Parse([]byte(src), "c.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	want := `c.yaml:3: model.top_k: must be 1..1000, got 0
c.yaml:7: cameras[0].fps: must be 0.01..1000 (the same bounds as an MQTT fps command), got 0
c.yaml:10: mqtt.qos: must be 0, 1 or 2, got 7`
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("/nonexistent/edged.yaml")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/edged.yaml") {
		t.Errorf("error %v does not name the file", err)
	}
}

// yaml.v3 numbers some syntax errors from 0; the reported line must be the
// one with the mistake whichever kind of error it is.
func TestSyntaxErrorLines(t *testing.T) {
	tests := []struct {
		src  string
		line int
	}{
		{"log:\n  level: [info\n", 2},       // parser error, 0-based in yaml.v3
		{"log: {level: info\n", 2},          // no start line from yaml.v3 here: the end of input, where the } was missed
		{"log:\n  level: info\n x: 1\n", 3}, // scanner error
		{"log:\n\tlevel: info\n", 2},        // tab
		{"log:\n  level: \"info\n", 2},      // unterminated quote
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.src), "c.yaml")
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%q: error %v is not an *Error", tt.src, err)
			continue
		}
		if e.Line != tt.line || !strings.HasPrefix(e.Msg, "invalid YAML: ") {
			t.Errorf("%q: got %v, want line %d", tt.src, err, tt.line)
		}
	}
}
