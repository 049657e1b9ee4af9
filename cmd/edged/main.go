// Command edged classifies camera frames with int8 MobileNetV3/ShuffleNetV2
// models and publishes the predictions over MQTT. This package is wiring
// only: flags and subcommands over the packages that do the work.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// exitError carries a process exit status through main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is a bad command line: exit status 2.
func usageError(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

type command struct {
	name, args, help string
	// run gets the command's flag set (newFlagSet) and its arguments.
	run func(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"classify", "(--weights W.pth [--arch A] [--padding torch|tf] | --model M.edgeq) [--top K] [--json] [--decode exact|fast] PATH...", "classify images (files or directories)", cmdClassify},
		{"calibrate", "--weights W.pth (--images DIR [--limit N] | --source SOURCE [--frames N] [--every D]) [--method M] [--int16 N] --out M.edgeq [--table T.yaml]", "make an int8 model from a float checkpoint", cmdCalibrate},
		{"eval", "(--model M | --weights W) --images DIR --labels labels.tsv [--reference float.tsv] [--decode exact|fast]", "measure top-1/top-5 and agreement with a float reference", cmdEval},
		{"bench", "--model M [--threads N] [--iterations N] [--layers] [--frame FILE [--decode fast|exact]]", "time inferences, or whole frames", cmdBench},
		{"inspect", "MODEL", "print an int8 model's quant table", cmdInspect},
		{"run", "[--config config.yaml] [--predictions-out FILE]", "run the daemon: capture, classify, publish over MQTT", cmdRun},
		{"config", "check FILE", "validate a config file and print the effective configuration", cmdConfig},
		{"version", "", "print the version, kernel path and CPU features", cmdVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: edged COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n             %s\n", c.name, c.help, c.args)
	}
	fmt.Fprintf(w, "\nRun 'edged COMMAND -h' for a command's flags.\n")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(newFlagSet(c.name, stderr), args[1:], stdout, stderr)
		if err == nil {
			return 0
		}
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil && !errors.Is(ee.err, flag.ErrHelp) {
				fmt.Fprintf(stderr, "edged %s: %v\n", c.name, ee.err)
			}
			if errors.Is(ee.err, flag.ErrHelp) {
				return 0
			}
			return ee.code
		}
		fmt.Fprintf(stderr, "edged %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "edged: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// parseFlags parses flags that may appear before, between or after the
// positional arguments (`edged classify a.jpg --json`), as users type them.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &exitError{code: 0, err: flag.ErrHelp}
			}
			return nil, usageError("%v (see 'edged %s -h')", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs is parseFlags for a command that takes flags only: a
// positional argument is a usage error, hint appended to its message.
func parseNoArgs(fs *flag.FlagSet, args []string, hint string) error {
	pos, err := parseFlags(fs, args)
	if err == nil && len(pos) > 0 {
		err = usageError("unexpected argument %q%s", pos[0], hint)
	}
	return err
}

// parseOneArg is parseFlags for a command that takes exactly one
// positional argument; without it, or with more, the usage error says
// what to give.
func parseOneArg(fs *flag.FlagSet, args []string, what string) (string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", usageError("%s", what)
	}
	return pos[0], nil
}

// newFlagSet makes a flag set whose -h prints the command's usage.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprintf(stderr, "usage: edged %s %s\n\n%s\n\nflags:\n", name, c.args, c.help)
			}
		}
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	return fs
}

func joinNames(s []string) string { return strings.Join(s, ", ") }
