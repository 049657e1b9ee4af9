package publish

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/edged/edged/internal/limits"
)

// Issue 12 defect 7: {"fps":...} has the bounds of cameras[].fps,
// inclusive; 1e-300 used to overflow the frame interval and spin capture.
func TestCommandFPSBounds(t *testing.T) {
	for _, tt := range []struct {
		payload string
		ok      bool
	}{
		{`{"fps":0.01}`, true},
		{`{"fps":1000}`, true},
		{`{"fps":0.0099}`, false},
		{`{"fps":1000.0001}`, false},
		{`{"fps":1e-300}`, false},
		{`{"fps":1e-9}`, false},
		{`{"fps":1e300}`, false},
		{`{"fps":0}`, false},
	} {
		_, err := ParseCommand([]byte(tt.payload))
		if tt.ok != (err == nil) {
			t.Errorf("%s: error %v, want ok=%v", tt.payload, err, tt.ok)
		}
	}
}

// FuzzParseCommand: any payload (the broker lets authenticated clients
// send anything on a set topic) gives a valid command or an error naming
// it, never a panic, and a valid command's fps is within the bounds.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{`{"fps":2}`, `{"enabled":false}`, `{"enabled":true,"fps":0.5}`, `{"fps":1e-300}`,
		`{"fps":1000}`, `{}`, `null`, `[1]`, `{"fps":2} {}`, `{"x":1}`, "\xff", `{"fps":"2"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := ParseCommand(payload)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "command ") || !utf8.ValidString(err.Error()) && utf8.Valid(payload) {
				t.Fatalf("error %q does not name the command", err)
			}
			return
		}
		if c.Enabled == nil && c.FPS == nil {
			t.Fatal("an empty command was accepted")
		}
		if c.FPS != nil {
			if err := limits.CheckFPS(*c.FPS); err != nil {
				t.Fatalf("accepted %s: %v", fmt.Sprint(*c.FPS), err)
			}
		}
	})
}
