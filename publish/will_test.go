package publish

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const willHelperEnv = "EDGED_PUBLISH_WILL_HELPER"

// TestWillHelperProcess is the publisher process that TestLastWill kills;
// it does nothing in a normal run.
func TestWillHelperProcess(t *testing.T) {
	broker := os.Getenv(willHelperEnv)
	if broker == "" {
		t.Skip("helper process for TestLastWill")
	}
	o, _ := testOptions(t, broker)
	p, err := New(o)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	for !p.Connected() {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("READY")
	time.Sleep(time.Minute) // killed long before
	os.Exit(1)
}

// TestLastWill kills a connected publisher without DISCONNECT: the broker
// must publish the retained will "offline".
func TestLastWill(t *testing.T) {
	b := startMosquitto(t, "")
	status := "edged/dev1/status"
	sub := newSubscriber(t, b.url(), status, subOpts{subscribe: true})

	cmd := exec.Command(os.Args[0], "-test.run=^TestWillHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), willHelperEnv+"="+b.url())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); l == "READY" || strings.HasPrefix(l, "ERROR") {
				ready <- l
				return
			}
		}
		ready <- "helper exited"
	}()
	select {
	case l := <-ready:
		if l != "READY" {
			t.Fatalf("helper: %s", l)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("helper publisher did not connect")
	}
	waitFor(t, "online from the helper", func() bool { return count(sub.on(status), "online") == 1 })

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no DISCONNECT, no offline
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitFor(t, "the will", func() bool { return count(sub.on(status), "offline") == 1 })
	if got := retainedOn(t, b.url(), status, subOpts{}); got != "offline" {
		t.Fatalf("retained status after the kill %q, want offline", got)
	}
}
