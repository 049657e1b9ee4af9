package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/imagenet"
)

func cmdClassify(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var mf modelFlags
	mf.register(fs)
	top := fs.Int("top", 5, "how many classes to print per image")
	asJSON := fs.Bool("json", false, "print one JSON object per image and line")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageError("no images: give image files or directories")
	}
	if *top < 1 {
		return usageError("--top %d: must be at least 1", *top)
	}
	c, _, _, closeFn, err := mf.load()
	if err != nil {
		return err
	}
	defer closeFn()
	// A file that cannot be read or classified is reported and skipped;
	// the others are still classified, and the exit status is 1.
	failed := false
	fail := func(err error) {
		fmt.Fprintf(stderr, "edged classify: %v\n", err)
		failed = true
	}
	files := expandImages(paths, fail)
	run, err := newFileRunner(c, mf.decode)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, f := range files {
		logits, err := run.run(f)
		if err != nil {
			fail(err)
			continue
		}
		res := imagenet.TopK(logits, *top)
		if *asJSON {
			if err := enc.Encode(struct {
				Image string           `json:"image"`
				Top   []imagenet.Class `json:"top"`
			}{f, res}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(stdout, "%s\n", f)
		for _, r := range res {
			fmt.Fprintf(stdout, "  %6.2f%%  %-4d %s\n", 100*r.Score, r.Class, r.Label)
		}
	}
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

// expandImages turns files and directories into image files (a directory
// contributes its .jpg/.jpeg/.png files in name order). A path that is
// missing or cannot be listed goes to fail.
func expandImages(paths []string, fail func(error)) []string {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		var names []string
		switch {
		case err != nil:
		case !fi.IsDir():
			names = []string{p}
		default:
			names, err = calibrate.ListImages(p)
		}
		if err != nil {
			fail(err)
			continue
		}
		files = append(files, names...)
	}
	return files
}
