package quant

// The quant table: a human-readable, diffable YAML view of a Model's
// quantization (what `edged inspect` prints and `edged calibrate --table`
// writes). One line per tensor and per conv, so that a diff of two tables
// shows exactly which tensors recalibration moved.

import (
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/edged/edged/model"
)

// WriteTable writes m's quant table as YAML: a header (architecture,
// padding, calibration method and image count, the source checkpoint's
// SHA-256, the number of int16 tensors), then every tensor with its shape,
// element type, scale, zero point and calibrated range, then every conv
// with its per-channel weight scale range, its all-zero channels, its
// pre-activation scale and its activation. It does not need a valid model.
func (m *Model) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# edged quant table: x = scale*(q - zero_point); ranges are the calibrated real ranges\n")
	fmt.Fprintf(&b, "arch: %s\n", yamlQuote(m.Arch))
	fmt.Fprintf(&b, "padding: %s\n", m.Padding)
	fmt.Fprintf(&b, "method: %s\n", yamlQuote(m.Method))
	fmt.Fprintf(&b, "calibration_images: %d\n", m.Images)
	fmt.Fprintf(&b, "source_sha256: %s\n", hex.EncodeToString(m.SourceSHA256[:]))
	fmt.Fprintf(&b, "int16_tensors: %d\n", m.Int16Tensors())
	fmt.Fprintf(&b, "output: %d\n", m.Output)
	fmt.Fprintf(&b, "tensors:\n")
	for i := range m.Tensors {
		t := &m.Tensors[i]
		fmt.Fprintf(&b, "  - {index: %d, name: %s, shape: %v, dtype: %v, scale: %s, zero_point: %d, range: [%s, %s]}\n",
			i, yamlQuote(t.Name), t.Shape, t.DType, yamlNum(t.Scale), t.ZP, yamlNum(t.Min), yamlNum(t.Max))
	}
	fmt.Fprintf(&b, "convs:\n")
	for i := range m.Ops {
		op := &m.Ops[i]
		if op.Kind != model.Conv {
			continue
		}
		c := &op.Conv
		wt := "int8"
		if len(op.W16) > 0 {
			wt = "int16"
		}
		fmt.Fprintf(&b, "  - {op: %d, name: %s, weights: %s, ohwi: %dx%dx%dx%d", i, yamlQuote(op.Name), wt,
			c.OutC, c.KH, c.KW, c.InC/max(c.Groups, 1))
		if c.Groups != 1 {
			fmt.Fprintf(&b, ", groups: %d", c.Groups)
		}
		lo, hi, zero := weightScaleRange(op)
		if zero < c.OutC && lo <= hi {
			fmt.Fprintf(&b, ", weight_scale: [%s, %s]", yamlNum(lo), yamlNum(hi))
		}
		if zero > 0 {
			fmt.Fprintf(&b, ", zero_channels: %d", zero)
		}
		if op.PreScale != 0 {
			fmt.Fprintf(&b, ", pre_scale: %s", yamlNum(op.PreScale))
		}
		fmt.Fprintf(&b, ", act: %v}\n", c.Act)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write quant table: %w", err)
	}
	return nil
}

// weightScaleRange is the range of op's per-channel weight scales over
// the channels that have a non-zero weight, and the count of all-zero
// channels: those get scale 1 by convention, which would only hide the
// real range.
func weightScaleRange(op *Op) (lo, hi float32, zero int) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	outC := len(op.WScale)
	n := len(op.W) + len(op.W16)
	if outC == 0 || n%outC != 0 {
		return lo, hi, 0
	}
	k := n / outC
	for o, s := range op.WScale {
		allZero := true
		for i := o * k; i < (o+1)*k; i++ {
			if (len(op.W) > 0 && op.W[i] != 0) || (len(op.W16) > 0 && op.W16[i] != 0) {
				allZero = false
				break
			}
		}
		if allZero {
			zero++
			continue
		}
		lo, hi = min(lo, s), max(hi, s)
	}
	return lo, hi, zero
}

// yamlNum formats a float with 6 significant digits as a YAML number.
func yamlNum(f float32) string {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return ".nan"
	case math.IsInf(v, 1):
		return ".inf"
	case math.IsInf(v, -1):
		return "-.inf"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// yamlQuote makes a YAML double-quoted string. Go's escapes (\n, \", \\, \t,
// \xNN, \uNNNN, ...) are all valid YAML escapes.
func yamlQuote(s string) string { return strconv.Quote(s) }
