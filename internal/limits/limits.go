// Package limits holds the bounds edged puts on rates, on what it reads and
// on who may reach it, in one place so that config validation, MQTT
// commands, capture and the embedded broker agree on them (README "Limits
// and security" lists them with their defaults).
package limits

import (
	"fmt"
	"math"
	"net"
	"time"
)

// Frame rates a camera may be given, in config.yaml and in {"fps":...}
// commands. Below MinFPS a frame is due less than every 100 s, which only
// makes a camera look frozen; above MaxFPS the interval is shorter than a
// millisecond and capture would spin. Both bounds are inclusive.
const (
	MinFPS = 0.01
	MaxFPS = 1000
)

// MinReconnect is the shortest reconnect delay of a failing source: a
// shorter one turns a dead camera into thousands of warnings a second.
const MinReconnect = 10 * time.Millisecond

// MaxFrameBytes bounds one encoded frame from any pure-Go source (a file, a
// directory image, an HTTP snapshot, an MJPEG part): 32 MiB holds a JPEG far
// larger than any camera sends, and a board can afford it.
const MaxFrameBytes = 32 << 20

// CheckFPS returns an error unless fps is within MinFPS..MaxFPS.
func CheckFPS(fps float64) error {
	if math.IsNaN(fps) || fps < MinFPS || fps > MaxFPS {
		return fmt.Errorf("fps %v is out of range: must be %v..%v", fps, MinFPS, MaxFPS)
	}
	return nil
}

// LoopbackOnly reports whether a listen address accepts only local
// connections: 127.0.0.0/8, ::1 or "localhost". An empty host, 0.0.0.0, ::
// and any other name or address reach the network.
func LoopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
