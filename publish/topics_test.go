package publish

import "testing"

// TestHomeAssistantObjectID: Home Assistant accepts [a-zA-Z0-9_-] in a
// discovery object id; those characters are kept (a device named
// pi-kitchen stays pi-kitchen) and anything else becomes '_'.
func TestHomeAssistantObjectID(t *testing.T) {
	for _, c := range []struct{ device, camera, want string }{
		{"pi-kitchen", "front_door", "pi-kitchen_front_door"},
		{"Pi-4", "Cam-2", "Pi-4_Cam-2"},
		{"pi.kitchen", "cam 1", "pi_kitchen_cam_1"},
		{"gerät", "tür+1", "ger_t_t_r_1"},
	} {
		if got := haObjectID(c.device, c.camera); got != c.want {
			t.Errorf("haObjectID(%q, %q) = %q, want %q", c.device, c.camera, got, c.want)
		}
	}
	o := DefaultOptions()
	o.DeviceID, o.HomeAssistant.DiscoveryPrefix = "pi-kitchen", "homeassistant"
	if got, want := newTopics(o).Discovery("front"), "homeassistant/sensor/pi-kitchen_front/config"; got != want {
		t.Errorf("discovery topic %q, want %q", got, want)
	}
}
