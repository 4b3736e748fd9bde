package kwtest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// AnyPort is the listen address the tests give keyward: the kernel
// chooses the port as the listener opens, and the process announces it.
// A port chosen by the test beforehand could be taken by another test's
// process or connection before keyward's bind.
const AnyPort = "127.0.0.1:0"

// Spawn starts the program bin with args, and env added to the
// environment, and kills it when the test ends; it waits for nothing.
// Its standard error is read as it is written (stderr), and exited closes
// when it exits.
func Spawn(t testing.TB, bin string, env []string, args ...string) (cmd *exec.Cmd, stderr *Buffer, exited chan struct{}, err error) {
	cmd = exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, exited = &Buffer{}, make(chan struct{})
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	return cmd, stderr, exited, nil
}

// servingAttr matches an attribute of keyward's "keyward serving" line
// in the text format.
var servingAttr = regexp.MustCompile(`(\w+)=(\S+)`)

// WaitServing waits until the process whose log is stderr says it is
// serving, which it says once every listener is open, and returns that
// line's attributes (of either log format): it fails when the process
// exits first or does not say so within limit.
func WaitServing(stderr *Buffer, exited <-chan struct{}, limit time.Duration) (map[string]string, error) {
	deadline := time.Now().Add(limit)
	for {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if attrs := servingAttrs(line); attrs != nil {
				return attrs, nil
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("keyward exited at start:\n%s", stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("keyward did not start serving in %s:\n%s", limit, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// servingAttrs returns the attributes of a log line that says keyward
// serves, or nil for any other line.
func servingAttrs(line string) map[string]string {
	attrs := map[string]string{}
	var record map[string]any
	if json.Unmarshal([]byte(line), &record) == nil {
		for k, v := range record {
			if s, ok := v.(string); ok {
				attrs[k] = s
			}
		}
	} else {
		for _, m := range servingAttr.FindAllStringSubmatch(line, -1) {
			attrs[m[1]] = m[2]
		}
		if strings.Contains(line, `msg="keyward serving"`) {
			attrs["msg"] = "keyward serving"
		}
	}
	if attrs["msg"] != "keyward serving" {
		return nil
	}
	return attrs
}
