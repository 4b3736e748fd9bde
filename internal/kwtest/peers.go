package kwtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// VersitygwVersion is the Versity S3 Gateway scripts/install-test-deps.sh
// builds into the user's cache directory.
const VersitygwVersion = "v1.8.0"

// NginxBinary is Debian's nginx, which scripts/install-test-deps.sh
// installs.
const NginxBinary = "/usr/sbin/nginx"

// Versitygw returns the gateway's binary: $KEYWARD_VERSITYGW, or the one
// scripts/install-test-deps.sh builds. That script builds it in the
// background while the other tests run, so Versitygw waits for a build
// under way. Where none was built, the test is skipped, except under CI,
// where that is a failure.
func Versitygw(t testing.TB) string {
	t.Helper()
	path := os.Getenv("KEYWARD_VERSITYGW")
	if path == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(cache, "keyward", "versitygw-"+VersitygwVersion, "versitygw")
	}
	for deadline := time.Now().Add(7 * time.Minute); !exists(path) && building(path+".building") && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
	}
	if !exists(path) {
		log, _ := os.ReadFile(path + ".log")
		if os.Getenv("CI") != "" {
			t.Fatalf("no Versity S3 Gateway at %s: scripts/install-test-deps.sh builds it\n%s", path, log)
		}
		t.Skipf("no Versity S3 Gateway at %s: run scripts/install-test-deps.sh", path)
	}
	return path
}

// Nginx returns Debian's nginx. Where it is not installed, the test is
// skipped, except under CI, where that is a failure.
func Nginx(t testing.TB) string {
	t.Helper()
	if !exists(NginxBinary) {
		if os.Getenv("CI") != "" {
			t.Fatalf("no nginx at %s: scripts/install-test-deps.sh installs it", NginxBinary)
		}
		t.Skipf("no nginx at %s: run scripts/install-test-deps.sh", NginxBinary)
	}
	return NginxBinary
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// building reports whether the process named in the marker file runs.
func building(marker string) bool {
	pid, err := os.ReadFile(marker)
	if err != nil {
		return false
	}
	_, err = os.Stat("/proc/" + strings.TrimSpace(string(pid)))
	return err == nil
}
