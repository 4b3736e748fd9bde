package kwtest

import (
	"reflect"
	"testing"
	"time"
)

func TestServingAttrs(t *testing.T) {
	tests := []struct {
		name, line string
		want       map[string]string
	}{
		{"text", `time=2026-12-07T17:37:57.486Z level=INFO msg="keyward serving" api=https://127.0.0.1:33235 metrics=http://127.0.0.1:4/metrics console=https://127.0.0.1:33235/console/`,
			map[string]string{"time": "2026-12-07T17:37:57.486Z", "level": "INFO", "msg": "keyward serving", "api": "https://127.0.0.1:33235",
				"metrics": "http://127.0.0.1:4/metrics", "console": "https://127.0.0.1:33235/console/"}},
		{"json", `{"time":"2026-12-07T17:40:11Z","level":"INFO","msg":"keyward serving","api":"http://127.0.0.1:41293","n":3}`,
			map[string]string{"time": "2026-12-07T17:40:11Z", "level": "INFO", "msg": "keyward serving", "api": "http://127.0.0.1:41293"}},
		{"text, another line", `time=2026-12-07T17:37:57Z level=INFO msg="keyward starting" version=v1`, nil},
		{"json, another line", `{"msg":"keyward starting","api":"http://127.0.0.1:1"}`, nil},
		{"text naming the line in an attribute", `msg="keyward starting" note="keyward serving"`, nil},
		{"empty", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := servingAttrs(tt.line); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("servingAttrs(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

func TestWaitServing(t *testing.T) {
	var log Buffer
	exited := make(chan struct{})
	log.Write([]byte("msg=\"keyward starting\"\nmsg=\"keyward serving\" api=http://127.0.0.1:9\n"))
	if attrs, err := WaitServing(&log, exited, time.Second); err != nil || attrs["api"] != "http://127.0.0.1:9" {
		t.Fatalf("WaitServing = %v, %v", attrs, err)
	}
	var quiet Buffer
	close(exited)
	if _, err := WaitServing(&quiet, exited, time.Minute); err == nil {
		t.Fatal("WaitServing returned for a process that exited without serving")
	}
}

// TestSpawn: a spawned program's standard error is read as it writes it,
// and exited closes when it ends.
func TestSpawn(t *testing.T) {
	_, stderr, exited, err := Spawn(t, "/bin/sh", []string{"KW_API=http://127.0.0.1:7"}, "-c", `echo "msg=\"keyward serving\" api=$KW_API" >&2; exec sleep 60`)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := WaitServing(stderr, exited, 10*time.Second)
	if err != nil || attrs["api"] != "http://127.0.0.1:7" {
		t.Fatalf("WaitServing = %v, %v", attrs, err)
	}
	_, _, exited, err = Spawn(t, "/bin/sh", nil, "-c", "echo bye >&2")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("exited did not close when the program ended")
	}
}
