package publish

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestHomeAssistantDiscovery checks the configs against the documented
// schema: every required key, the topics, retained, re-sent when Home
// Assistant comes online, deleted when a camera goes.
func TestHomeAssistantDiscovery(t *testing.T) {
	b := startMosquitto(t, "")
	sub := newSubscriber(t, b.url(), "homeassistant/#", subOpts{subscribe: true})
	o, _ := testOptions(t, b.url())
	o.HomeAssistant.Enabled = true
	o.Model, o.Version = "shufflenet_v2_x0_5", "1.2.3"
	o.DeviceID = "pi.kitchen"
	p := newPublisher(t, o)
	p.RegisterCameras([]string{"front", "back door"})
	waitFor(t, "publisher to connect", p.Connected)

	topics := map[string]string{ // camera -> config topic
		"front":     "homeassistant/sensor/pi_kitchen_front/config",
		"back door": "homeassistant/sensor/pi_kitchen_back_door/config",
	}
	for cam, topic := range topics {
		if got := p.Topics().Discovery(cam); got != topic {
			t.Fatalf("discovery topic of %q: %q, want %q", cam, got, topic)
		}
		waitFor(t, "config on "+topic, func() bool { return len(sub.on(topic)) == 1 })
		raw := retainedOn(t, b.url(), topic, subOpts{})
		if raw == "" {
			t.Fatalf("config on %s is not retained", topic)
		}
		var cfg map[string]any
		if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
			t.Fatalf("config on %s: %v\n%s", topic, err, raw)
		}
		want := map[string]any{
			"name":                  cam,
			"unique_id":             "edged_" + topic[len("homeassistant/sensor/"):len(topic)-len("/config")],
			"state_topic":           "edged/pi.kitchen/" + cam + "/prediction",
			"json_attributes_topic": "edged/pi.kitchen/" + cam + "/prediction",
			"availability_topic":    "edged/pi.kitchen/status",
			"payload_available":     "online",
			"payload_not_available": "offline",
			"value_template":        haValueTemplate,
		}
		for k, v := range want {
			if cfg[k] != v {
				t.Errorf("%s: %s = %v, want %v", topic, k, cfg[k], v)
			}
		}
		if s, _ := cfg["json_attributes_template"].(string); !contains(s, "value_json.top[0].score", "'top': value_json.top") {
			t.Errorf("%s: json_attributes_template %q does not carry score and top", topic, s)
		}
		dev, _ := cfg["device"].(map[string]any)
		wantDev := map[string]any{
			"identifiers": []any{"edged_pi_kitchen"}, "name": "edged pi.kitchen",
			"model": "edged shufflenet_v2_x0_5", "manufacturer": "edged", "sw_version": "1.2.3",
		}
		if !reflect.DeepEqual(dev, wantDev) {
			t.Errorf("%s: device %v, want %v", topic, dev, wantDev)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Home Assistant restarts: it announces online, configs come again.
	sub.publish(t, "homeassistant/status", false, "online")
	for _, topic := range topics {
		waitFor(t, "config re-sent on "+topic, func() bool { return len(sub.on(topic)) == 2 })
	}

	// A camera removed from the config: its entity is deleted.
	p.RegisterCameras([]string{"front"})
	back := topics["back door"]
	waitFor(t, "deletion on "+back, func() bool { return len(sub.on(back)) == 3 })
	if got := retainedOn(t, b.url(), back, subOpts{}); got != "" {
		t.Fatalf("retained config of a removed camera: %q", got)
	}
	if got := retainedOn(t, b.url(), topics["front"], subOpts{}); got == "" {
		t.Fatal("config of a kept camera was deleted")
	}
}
