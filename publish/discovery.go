package publish

import "encoding/json"

// discoveryPayload is a Home Assistant MQTT discovery config for a sensor
// (https://www.home-assistant.io/integrations/sensor.mqtt/). Its state is
// the top-1 label; its attributes carry the score and the top-K list.
type discoveryPayload struct {
	Name                   string          `json:"name"`
	UniqueID               string          `json:"unique_id"`
	StateTopic             string          `json:"state_topic"`
	ValueTemplate          string          `json:"value_template"`
	JSONAttributesTopic    string          `json:"json_attributes_topic"`
	JSONAttributesTemplate string          `json:"json_attributes_template"`
	AvailabilityTopic      string          `json:"availability_topic"`
	PayloadAvailable       string          `json:"payload_available"`
	PayloadNotAvailable    string          `json:"payload_not_available"`
	QoS                    int             `json:"qos"`
	Icon                   string          `json:"icon"`
	Device                 discoveryDevice `json:"device"`
	Origin                 discoveryOrigin `json:"origin"`
}

type discoveryDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Model        string   `json:"model"`
	Manufacturer string   `json:"manufacturer"`
	SWVersion    string   `json:"sw_version"`
}

type discoveryOrigin struct {
	Name      string `json:"name"`
	SWVersion string `json:"sw_version"`
}

// The templates cope with an empty top list (no confident class), which
// value_json.top[0] alone would turn into a template error in Home Assistant.
const (
	haValueTemplate      = "{{ value_json.top[0].label if value_json.top else 'none' }}"
	haAttributesTemplate = "{{ {'score': (value_json.top[0].score if value_json.top else none), " +
		"'top': value_json.top, 'frame': value_json.frame, 'model': value_json.model, 'ts': value_json.ts} | tojson }}"
)

func (p *Publisher) discoveryConfig(camera string) []byte {
	model := "edged"
	if p.opts.Model != "" {
		model = "edged " + p.opts.Model
	}
	d := discoveryPayload{
		Name:                   camera,
		UniqueID:               "edged_" + haObjectID(p.opts.DeviceID, camera),
		StateTopic:             p.topics.Prediction(camera),
		ValueTemplate:          haValueTemplate,
		JSONAttributesTopic:    p.topics.Prediction(camera),
		JSONAttributesTemplate: haAttributesTemplate,
		AvailabilityTopic:      p.topics.Status(),
		PayloadAvailable:       "online",
		PayloadNotAvailable:    "offline",
		QoS:                    p.opts.QoS,
		Icon:                   "mdi:cctv",
		Device: discoveryDevice{
			Identifiers:  []string{"edged_" + haID(p.opts.DeviceID)},
			Name:         "edged " + p.opts.DeviceID,
			Model:        model,
			Manufacturer: "edged",
			SWVersion:    p.opts.Version,
		},
		Origin: discoveryOrigin{Name: "edged", SWVersion: p.opts.Version},
	}
	b, _ := json.Marshal(d) // strings and ints only: cannot fail
	return b
}
