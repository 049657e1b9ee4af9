package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder applies a yaml.Node tree onto a Config already holding defaults.
// It walks the nodes itself instead of using yaml.Unmarshal so that every
// problem is reported with the key's full path and line, and so that all
// problems are reported at once rather than the first.
type decoder struct {
	file  string
	errs  []*Error
	lines map[string]int // key path -> line, for validation messages
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: map[string]int{}}
}

func (d *decoder) failf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: path, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) err() error { return joinErrors(d.errs) }

var durationType = reflect.TypeOf(time.Duration(0))

// yamlLine matches the position yaml.v3 puts in syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner). yaml.v3 v3.0.1 reports their line 0-based, and omits it on the
// first line; syntaxErrorLine corrects that so the line points at the
// offending text.
var yamlParserErrors = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntaxErrorLine splits a yaml.v3 syntax error into a 1-based line (0 if
// unknown) and the message.
func syntaxErrorLine(s string) (int, string) {
	if m := yamlLine.FindStringSubmatch(s); m != nil {
		line, _ := strconv.Atoi(m[1])
		if yamlParserErrors[m[2]] {
			line++
		}
		return line, m[2]
	}
	msg := strings.TrimPrefix(s, "yaml: ")
	if yamlParserErrors[msg] {
		return 1, msg
	}
	return 0, msg
}

// document decodes data onto cfg; false when it is not YAML at all, and
// validating the defaults left in cfg would only add noise.
func (d *decoder) document(data []byte, cfg *Config) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return true // empty file: validation reports what is missing
		}
		line, msg := syntaxErrorLine(err.Error())
		d.failf(line, "", "invalid YAML: %s", msg)
		return false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.failf(extra.Line, "", "a second YAML document (after ---): put everything in one")
	}
	if len(doc.Content) == 0 {
		return true
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return true // only comments: validation reports what is missing
	}
	if root.Kind != yaml.MappingNode {
		d.failf(root.Line, "", "expected a mapping (key: value lines), got %s", describe(root))
		return false
	}
	d.value(root, "", reflect.ValueOf(cfg).Elem())
	return true
}

// value decodes n into v, which holds the default.
func (d *decoder) value(n *yaml.Node, path string, v reflect.Value) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "key:" or "key: ~" keeps the default
	}
	switch {
	case v.Type() == durationType:
		d.duration(n, path, v)
	case v.Kind() == reflect.Struct:
		d.mapping(n, path, v)
	case v.Kind() == reflect.Slice:
		d.sequence(n, path, v)
	default:
		d.scalar(n, path, v)
	}
}

func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.failf(n.Line, path, "expected a mapping (key: value lines), got %s", describe(n))
		return
	}
	fields := structFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := k.Value
		kpath := join(path, key)
		if first, dup := seen[key]; dup {
			d.failf(k.Line, kpath, "duplicate key (first at line %d)", first)
			continue
		}
		seen[key] = k.Line
		idx, ok := fields.index[key]
		if !ok {
			d.failf(k.Line, kpath, "unknown key%s (known keys here: %s)", suggest(key, fields.names), strings.Join(fields.names, ", "))
			continue
		}
		d.lines[kpath] = k.Line
		d.value(val, kpath, v.Field(idx))
	}
}

func (d *decoder) sequence(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.failf(n.Line, path, "expected a list (- item lines), got %s", describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), 0, len(n.Content))
	for i, item := range n.Content {
		ipath := fmt.Sprintf("%s[%d]", path, i)
		d.lines[ipath] = item.Line
		elem := reflect.New(v.Type().Elem())
		if def, ok := elem.Interface().(interface{ setDefaults() }); ok {
			def.setDefaults()
		}
		d.value(item, ipath, elem.Elem())
		out = reflect.Append(out, elem.Elem())
	}
	v.Set(out)
}

// expand substitutes environment variables in a scalar. A substituted value
// is re-resolved as a plain scalar, so "fps: ${FPS}" with FPS=5 is a number.
func (d *decoder) expand(n *yaml.Node, path string) (*yaml.Node, bool) {
	val, changed, err := expandEnv(n.Value)
	if err != nil {
		d.failf(n.Line, path, "%v", err)
		return nil, false
	}
	if !changed {
		return n, true
	}
	c := *n
	c.Value, c.Tag, c.Style = val, "", 0
	return &c, true
}

func (d *decoder) scalar(n *yaml.Node, path string, v reflect.Value) {
	want := kindName(v.Kind())
	if n.Kind != yaml.ScalarNode {
		d.failf(n.Line, path, "expected %s, got %s", want, describe(n))
		return
	}
	n, ok := d.expand(n, path)
	if !ok {
		return
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		// Any scalar is text here: "source: 0" means the device "0".
		v.SetString(n.Value)
	case reflect.Bool:
		if tag != "!!bool" {
			d.failf(n.Line, path, "expected true or false, got %q", n.Value)
			return
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			d.failf(n.Line, path, "expected true or false, got %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int:
		var i int64
		if tag != "!!int" || n.Decode(&i) != nil || int64(int(i)) != i {
			d.failf(n.Line, path, "expected an integer, got %q", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		var f float64
		if (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
			d.failf(n.Line, path, "expected a number, got %q", n.Value)
			return
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			d.failf(n.Line, path, "expected a finite number, got %q", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		// Only reachable if a field of an unsupported type is added to Config.
		d.failf(n.Line, path, "internal error: no decoder for %s", v.Type())
	}
}

func (d *decoder) duration(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.ScalarNode {
		d.failf(n.Line, path, "expected a duration like 500ms or 30s, got %s", describe(n))
		return
	}
	n, ok := d.expand(n, path)
	if !ok {
		return
	}
	if n.ShortTag() == "!!int" && n.Value == "0" {
		v.SetInt(0)
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil || n.ShortTag() != "!!str" {
		hint := ""
		if n.ShortTag() == "!!int" || n.ShortTag() == "!!float" {
			hint = " (a number needs a unit: ns, us, ms, s, m, h)"
		}
		d.failf(n.Line, path, "expected a duration like 500ms or 30s, got %q%s", n.Value, hint)
		return
	}
	v.SetInt(int64(dur))
}

// fieldSet maps yaml keys of a struct to field indexes.
type fieldSet struct {
	index map[string]int
	names []string // in declaration order, for messages
}

func structFields(t reflect.Type) fieldSet {
	fs := fieldSet{index: map[string]int{}}
	for i := 0; i < t.NumField(); i++ {
		name := yamlName(t.Field(i))
		if name == "" {
			continue
		}
		fs.index[name] = i
		fs.names = append(fs.names, name)
	}
	return fs
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || name == "" {
		return ""
	}
	return name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	case reflect.Float64:
		return "a number"
	}
	return k.String()
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// suggest proposes the known key closest to a misspelt one.
func suggest(key string, names []string) string {
	best, bestDist := "", 3 // only suggest close matches
	for _, n := range names {
		if dist := editDistance(strings.ToLower(key), n); dist < bestDist {
			best, bestDist = n, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
