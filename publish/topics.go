package publish

import "strings"

// Topics names the MQTT topics of one device (see the package documentation).
type Topics struct {
	base      string // <prefix>/<device>
	discovery string // Home Assistant discovery prefix
	device    string
}

func newTopics(o Options) Topics {
	return Topics{
		base:      o.TopicPrefix + "/" + o.DeviceID,
		discovery: o.HomeAssistant.DiscoveryPrefix,
		device:    o.DeviceID,
	}
}

// Status is <prefix>/<device>/status: retained online/offline.
func (t Topics) Status() string { return t.base + "/status" }

// Stats is <prefix>/<device>/stats.
func (t Topics) Stats() string { return t.base + "/stats" }

// Prediction is <prefix>/<device>/<camera>/prediction.
func (t Topics) Prediction(camera string) string { return t.base + "/" + camera + "/prediction" }

// State is <prefix>/<device>/<camera>/state: retained camera state.
func (t Topics) State(camera string) string { return t.base + "/" + camera + "/state" }

// Set is <prefix>/<device>/<camera>/set: commands to the camera.
func (t Topics) Set(camera string) string { return t.base + "/" + camera + "/set" }

// HomeAssistantStatus is <discovery_prefix>/status, Home Assistant's birth
// and will topic.
func (t Topics) HomeAssistantStatus() string { return t.discovery + "/status" }

// Discovery is <discovery_prefix>/sensor/<device>_<camera>/config.
func (t Topics) Discovery(camera string) string {
	return t.discovery + "/sensor/" + haObjectID(t.device, camera) + "/config"
}

func (t Topics) setFilter() string { return t.base + "/+/set" }

// setCamera extracts the camera from a topic matched by setFilter.
func (t Topics) setCamera(topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, t.base+"/")
	if !ok {
		return "", false
	}
	cam, ok := strings.CutSuffix(rest, "/set")
	if !ok || cam == "" || strings.Contains(cam, "/") {
		return "", false
	}
	return cam, true
}

// haObjectID joins device and camera into the id Home Assistant accepts in
// a discovery topic and as unique_id.
func haObjectID(device, camera string) string { return haID(device) + "_" + haID(camera) }

// haID keeps [A-Za-z0-9_-] and turns anything else into '_'.
func haID(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}
