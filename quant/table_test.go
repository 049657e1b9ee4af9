package quant

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func fileTestTable(t *testing.T, m *Model) string {
	t.Helper()
	var b strings.Builder
	if err := m.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestTableLines checks concrete lines of the tiny model's table, values
// worked out by hand from the plan in fileTestModel.
func TestTableLines(t *testing.T) {
	table := fileTestTable(t, fileTestModel(t))
	lines := strings.Split(table, "\n")
	for _, want := range []string{
		`arch: "tiny"`,
		`padding: tf`,
		`method: "minmax"`,
		`calibration_images: 7`,
		// sha256("tiny")
		`source_sha256: 8950abfda7b727630760dd35bcf5c3daa7631aff223a90f7728c0d2521dde10c`,
		`int16_tensors: 1`,
		`output: 14`,
		// Range [-1, 3] as int8: scale 4/255, zero point round(-128 + 1/s) = -64.
		`  - {index: 0, name: "input", shape: 8x8x4, dtype: int8, scale: 0.0156863, zero_point: -64, range: [-1, 3]}`,
		// The slice inherits the max pool's parameters; its node has no name.
		`  - {index: 3, name: "slice#2", shape: 4x4x4, dtype: int8, scale: 0.00980392, zero_point: -77, range: [-0.5, 2]}`,
		// The hardsigmoid gate is quantized over [0, 1] whatever the plan says.
		`  - {index: 7, name: "se.fc", shape: 1x1x4, dtype: int8, scale: 0.00392157, zero_point: -128, range: [0, 1]}`,
		// int16: symmetric, 13/32767.
		`  - {index: 12, name: "group", shape: 4x4x8, dtype: int16, scale: 0.000396741, zero_point: 0, range: [-6, 13]}`,
		`  - {index: 14, name: "fc", shape: 1x1x5, dtype: float32, scale: 1, zero_point: 0, range: [0, 0]}`,
		// Channel o's max |w| is (o+1)·0.127: scales 0.001 to 0.008;
		// pre-activation 12/32767.
		`  - {op: 0, name: "stem", weights: int8, ohwi: 8x3x3x4, weight_scale: [0.001, 0.008], pre_scale: 0.000366222, act: hardswish}`,
		`  - {op: 4, name: "dw", weights: int8, ohwi: 4x3x3x1, groups: 4, weight_scale: [0.001, 0.004], act: relu}`,
		// |max| 5 is below the floor of 6: 6/32767.
		`  - {op: 6, name: "se.fc", weights: int8, ohwi: 4x1x1x4, weight_scale: [0.001, 0.004], pre_scale: 0.000183111, act: hardsigmoid}`,
		// Channel 2 is all zero: left out of the range (its scale is 1), counted.
		`  - {op: 13, name: "fc", weights: int8, ohwi: 5x1x1x8, weight_scale: [0.001, 0.005], zero_channels: 1, act: none}`,
	} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("table lacks the line\n%s\ntable:\n%s", want, table)
		}
	}
	if n := strings.Count(table, "{index: "); n != 15 {
		t.Errorf("%d tensor lines, want 15", n)
	}
	if n := strings.Count(table, "{op: "); n != 5 {
		t.Errorf("%d conv lines, want 5", n)
	}
}

// TestTableIsYAML parses the table back and checks a few values: it is
// what a script reading `edged inspect` would see.
func TestTableIsYAML(t *testing.T) {
	m := fileTestModel(t)
	m.Tensors[3].Name = "odd: \"name\"\n\t#1"
	m.Tensors[4].Scale = 1.5e-9
	var got struct {
		Arch    string
		Padding string
		Int16   int `yaml:"int16_tensors"`
		Tensors []struct {
			Index     int
			Name      string
			Shape     string
			DType     string
			Scale     float64
			ZeroPoint int `yaml:"zero_point"`
			Range     []float64
		}
		Convs []struct {
			Op           int
			Name         string
			WeightScale  []float64 `yaml:"weight_scale"`
			ZeroChannels int       `yaml:"zero_channels"`
			PreScale     float64   `yaml:"pre_scale"`
			Act          string
		}
	}
	if err := yaml.Unmarshal([]byte(fileTestTable(t, m)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Arch != "tiny" || got.Padding != "tf" || got.Int16 != 1 || len(got.Tensors) != 15 || len(got.Convs) != 5 {
		t.Fatalf("parsed %+v", got)
	}
	if tn := got.Tensors[3]; tn.Name != m.Tensors[3].Name || tn.Shape != "4x4x4" || tn.DType != "int8" || tn.ZeroPoint != -77 {
		t.Errorf("tensor 3 parsed as %+v", tn)
	}
	if s := got.Tensors[4].Scale; s != 1.5e-9 {
		t.Errorf("tensor 4 scale parsed as %v", s)
	}
	if r := got.Tensors[0].Range; len(r) != 2 || r[0] != -1 || r[1] != 3 {
		t.Errorf("input range parsed as %v", r)
	}
	if c := got.Convs[4]; c.Name != "fc" || c.ZeroChannels != 1 || c.WeightScale[1] != 0.005 || c.Act != "none" {
		t.Errorf("fc parsed as %+v", c)
	}
	if c := got.Convs[0]; c.PreScale != 0.000366222 || c.Act != "hardswish" {
		t.Errorf("stem parsed as %+v", c)
	}
}

// TestTableDiff: recalibrating one tensor changes one line of the table.
func TestTableDiff(t *testing.T) {
	m := fileTestModel(t)
	a := strings.Split(fileTestTable(t, m), "\n")
	m.Tensors[9].Scale *= 1.01
	b := strings.Split(fileTestTable(t, m), "\n")
	if len(a) != len(b) {
		t.Fatalf("%d lines became %d", len(a), len(b))
	}
	var changed []string
	for i := range a {
		if a[i] != b[i] {
			changed = append(changed, b[i])
		}
	}
	if len(changed) != 1 || !strings.Contains(changed[0], `name: "res"`) {
		t.Errorf("changed lines: %q", changed)
	}
}

// TestTableAnyModel: the table needs no valid model (it is also a
// debugging aid), and a failing writer is reported.
func TestTableAnyModel(t *testing.T) {
	m := fileTestModel(t)
	m.Ops[0].WScale = m.Ops[0].WScale[:5] // 288 weights do not split into 5 channels
	m.Ops[4].Conv.Groups = 0
	m.Tensors[1].Scale = float32(nanF64())
	table := fileTestTable(t, m)
	if !strings.Contains(table, "scale: .nan") || !strings.Contains(table, `name: "stem", weights: int8, ohwi: 8x3x3x4, pre_scale: 0.000366222, act: hardswish}`) {
		t.Errorf("table:\n%s", table)
	}
	fileTestTable(t, &Model{})
	if err := fileTestModel(t).WriteTable(failWriter{}); err == nil || !errors.Is(err, errFail) {
		t.Errorf("failing writer: %v", err)
	}
}

func nanF64() float64 { var z float64; return z / z }

var errFail = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFail }
