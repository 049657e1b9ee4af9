package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/imagenet"
)

// evalResult is `edged eval --json`'s output.
type evalResult struct {
	Model         string   `json:"model"`
	Images        int      `json:"images"`
	Excluded      int      `json:"excluded_calibration_images"`
	Top1          float64  `json:"top1"`
	Top5          float64  `json:"top5"`
	ReferenceTop1 *float64 `json:"reference_top1,omitempty"` // with --reference
	Agreement     *float64 `json:"agreement,omitempty"`      // with --reference
	// SQNR compares the logits with the float model's given by
	// --float-weights: 10·log10(Σ float² / Σ (int8 − float)²), in dB.
	SQNR   *float64 `json:"logits_sqnr_db,omitempty"`
	Failed int      `json:"failed"`
}

func cmdEval(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var mf modelFlags
	mf.register(fs)
	images := fs.String("images", "", "directory of labeled images")
	labels := fs.String("labels", "", "labels.tsv: file, wnid, class, name (header line first)")
	reference := fs.String("reference", "", "float reference predictions (float-<model>.tsv) for top-1 agreement")
	floatWeights := fs.String("float-weights", "", "also run this float checkpoint (the int8 model's source) and report the logits' SQNR")
	all := fs.Bool("include-calibration", false, "also evaluate the images the int8 model was calibrated on")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseNoArgs(fs, args, ""); err != nil {
		return err
	}
	if *images == "" || *labels == "" {
		return usageError("--images and --labels are required")
	}
	truth, err := readTSVColumn(*labels, 2)
	if err != nil {
		return err
	}
	var ref map[string]int
	if *reference != "" {
		if ref, err = readTSVColumn(*reference, 2); err != nil {
			return err
		}
	}
	c, name, qm, closeFn, err := mf.load()
	if err != nil {
		return err
	}
	defer closeFn()
	skip := map[string]bool{}
	if qm != nil && !*all {
		for _, n := range qm.CalibImages {
			skip[n] = true
		}
	}
	var ref32 classifier
	if *floatWeights != "" {
		fm := modelFlags{weights: *floatWeights, arch: mf.arch, padding: mf.padding}
		if qm != nil {
			fm.arch, fm.padding = qm.Arch, qm.Padding.String()
		}
		if ref32, _, _, _, err = fm.load(); err != nil {
			return err
		}
	}
	var sig, noise float64
	files, err := calibrate.ListImages(*images)
	if err != nil {
		return err
	}
	res := evalResult{Model: name}
	var n, top1, top5, refTop1, agree, refN int
	run, err := newFileRunner(c, mf.decode)
	if err != nil {
		return err
	}
	for _, f := range files {
		base := filepath.Base(f)
		if skip[base] {
			res.Excluded++
			continue
		}
		want, ok := truth[base]
		if !ok {
			fmt.Fprintf(stderr, "edged eval: %s: not in %s, skipped\n", base, *labels)
			continue
		}
		logits, err := run.run(f)
		if err != nil {
			fmt.Fprintf(stderr, "edged eval: %v\n", err)
			res.Failed++
			continue
		}
		if ref32 != nil {
			want, err := ref32.Run(run.floatInput())
			if err != nil {
				return err
			}
			if len(want) != len(logits) {
				return fmt.Errorf("--float-weights %s gives %d classes, the model %d: give the checkpoint the model was calibrated from", *floatWeights, len(want), len(logits))
			}
			for k, v := range want {
				d := float64(logits[k]) - float64(v)
				sig += float64(v) * float64(v)
				noise += d * d
			}
		}
		top := imagenet.TopK(logits, 5)
		n++
		if top[0].Class == want {
			top1++
		}
		for _, k := range top {
			if k.Class == want {
				top5++
			}
		}
		if r, ok := ref[base]; ok {
			refN++
			if r == want {
				refTop1++
			}
			if r == top[0].Class {
				agree++
			}
		}
	}
	if n == 0 {
		return fmt.Errorf("no labeled images evaluated in %s (%d calibration images excluded — --include-calibration keeps them; %d failed)", *images, res.Excluded, res.Failed)
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(b) }
	res.Images, res.Top1, res.Top5 = n, pct(top1, n), pct(top5, n)
	if refN > 0 {
		rt, ag := pct(refTop1, refN), pct(agree, refN)
		res.ReferenceTop1, res.Agreement = &rt, &ag
	}
	if ref32 != nil {
		db := math.Inf(1)
		if noise > 0 {
			db = 10 * math.Log10(sig/noise)
		}
		res.SQNR = &db
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "model: %s\nimages: %d (%d calibration images excluded, %d failed)\ntop-1: %.2f%%\ntop-5: %.2f%%\n",
		name, n, res.Excluded, res.Failed, res.Top1, res.Top5)
	if refN > 0 {
		fmt.Fprintf(stdout, "reference top-1: %.2f%% (%+.2f points)\ntop-1 agreement with reference: %.2f%% (%d images)\n",
			*res.ReferenceTop1, res.Top1-*res.ReferenceTop1, *res.Agreement, refN)
	}
	if res.SQNR != nil {
		fmt.Fprintf(stdout, "logits SQNR vs float: %.2f dB\n", *res.SQNR)
	}
	return nil
}

// readTSVColumn maps the first column of a tab-separated file to the
// integer in column col (for float-*.tsv, col 2 holds "c1,c2,...": the
// first class is taken). Lines starting with # and a header are skipped.
func readTSVColumn(path string, col int) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	line := 0
	seenHeader := false
	for sc.Scan() {
		line++
		s := sc.Text()
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Split(s, "\t")
		if len(fields) <= col {
			return nil, fmt.Errorf("%s:%d: want at least %d tab-separated columns", path, line, col+1)
		}
		v := fields[col]
		if i := strings.IndexByte(v, ','); i >= 0 {
			v = v[:i]
		}
		k, err := strconv.Atoi(v)
		if err != nil {
			if !seenHeader && len(out) == 0 {
				seenHeader = true
				continue // the header
			}
			return nil, fmt.Errorf("%s:%d: column %d: %q is not a class index", path, line, col+1, fields[col])
		}
		out[fields[0]] = k
	}
	return out, sc.Err()
}
