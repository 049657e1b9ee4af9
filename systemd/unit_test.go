package systemd

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

const execStart = "/usr/local/bin/edged run --config /etc/edged/config.yaml"

// TestUnitVerifies runs `systemd-analyze verify` on edged.service, with
// ExecStart pointing at a freshly built edged (verify insists the binary
// exists). Any output is a failure: verify exits 0 on unknown keys and only
// warns.
func TestUnitVerifies(t *testing.T) {
	analyze := testdata.Tool(t, "systemd-analyze", "systemd")
	unit, err := os.ReadFile("edged.service")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unit, []byte("ExecStart="+execStart+"\n")) {
		t.Fatalf("edged.service: ExecStart is not %q", execStart)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "edged")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/edged").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "edged.service")
	local := bytes.Replace(unit, []byte("ExecStart=/usr/local/bin/edged"), []byte("ExecStart="+bin), 1)
	if err := os.WriteFile(path, local, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify edged.service: %v\n%s", err, out)
	}

	// The exposure score of the hardening; "OK" is below 4.
	out, err = exec.Command(analyze, "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	if err != nil && bytes.Contains(out, []byte("unrecognized option")) {
		t.Logf("systemd-analyze security --offline unsupported here; skipping the exposure check")
		return
	}
	m := regexp.MustCompile(`Overall exposure level for edged.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: no exposure level: %v\n%s", err, out)
	}
	if v, _ := strconv.ParseFloat(string(m[1]), 64); v >= 4 {
		t.Errorf("exposure level %v, want < 4 (OK):\n%s", v, out)
	}
	t.Logf("systemd-analyze security: exposure %s", m[1])
}

// TestUnitCommandLine runs ExecStart's command line: the flags must be ones
// edged run accepts (a missing config is exit status 2 about the file, not
// a flag error).
func TestUnitCommandLine(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "edged")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/edged").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := strings.Fields(execStart)[1:]
	cfg := filepath.Join(dir, "config.yaml")
	args[len(args)-1] = cfg
	cmd := exec.Command(bin, args...)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), cfg) || strings.Contains(string(out), "flag provided but not defined") {
		t.Fatalf("%s %s: exit %d, want 2 about the missing %s:\n%s", bin, strings.Join(args, " "), code, cfg, out)
	}
}

// TestUnitSettings pins what the issue asks of the service, so an edit
// that drops one fails here rather than on a board.
func TestUnitSettings(t *testing.T) {
	f, err := os.Open("edged.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	var devices []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("edged.service: line %q is not key=value", line)
			continue
		}
		if k == "DeviceAllow" { // accumulates: one device class a line
			devices = append(devices, v)
			continue
		}
		if _, dup := got[k]; dup && k != "SystemCallFilter" { // filters accumulate: allow, then deny
			t.Errorf("edged.service: %s set twice", k)
		}
		got[k] = v
	}
	for k, v := range map[string]string{
		"Type":                    "notify",
		"NotifyAccess":            "main",
		"WatchdogSec":             "30",
		"Restart":                 "on-failure",
		"User":                    "edged",
		"Group":                   "edged",
		"SupplementaryGroups":     "video",
		"ExecStart":               execStart,
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "no",
		"DevicePolicy":            "closed",
		"ReadOnlyPaths":           "/etc/edged",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectControlGroups":    "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"LockPersonality":         "yes",
		"MemoryDenyWriteExecute":  "yes",
		"RestrictRealtime":        "yes",
		"SystemCallArchitectures": "native",
		"SystemCallFilter":        "~@privileged @resources", // the last line: after @system-service
		"MemoryHigh":              "384M",
		"MemoryMax":               "512M",
		"CapabilityBoundingSet":   "",
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("edged.service: %s=%q, want %q", k, g, v)
		}
	}
	// V4L2 cameras, and what libcamera (rpicam-vid through exec:) opens
	// besides: nothing else.
	if want := []string{"char-video4linux rw", "char-media rw", "char-dma_heap rw"}; !slices.Equal(devices, want) {
		t.Errorf("edged.service: DeviceAllow %q, want %q", devices, want)
	}
}
