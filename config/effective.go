package config

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// masked replaces secrets in Effective's output.
const masked = "********"

// Effective is the config as the daemon uses it, as YAML: defaults filled,
// environment variables substituted, paths resolved, and secrets (fields
// tagged secret:"true", i.e. mqtt.password) masked. `edged config check`
// prints it. Parsing it again (with the secret unmasked) gives the same
// Config.
func (c *Config) Effective() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(encodeValue(reflect.ValueOf(c).Elem())); err != nil {
		return nil, fmt.Errorf("print effective config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("print effective config: %w", err)
	}
	return buf.Bytes(), nil
}

func encodeValue(v reflect.Value) *yaml.Node {
	if v.Type() == durationType {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: time.Duration(v.Int()).String()}
	}
	switch v.Kind() {
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			val := encodeValue(v.Field(i))
			if t.Field(i).Tag.Get("secret") == "true" && v.Field(i).String() != "" {
				val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: masked}
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, val)
		}
		return m
	case reflect.Slice:
		s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := 0; i < v.Len(); i++ {
			s.Content = append(s.Content, encodeValue(v.Index(i)))
		}
		return s
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Float64:
		// Untagged, so 5 prints as 5 rather than !!float 5; it decodes back
		// into a float field either way.
		return &yaml.Node{Kind: yaml.ScalarNode, Value: fmtFloat(v.Float())}
	default:
		n := &yaml.Node{}
		n.SetString(v.String())
		return n
	}
}
