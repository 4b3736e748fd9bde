// Package container tests the repository's Dockerfile: the image is built
// with podman and run, and a signed request is answered with the root
// credentials the container wrote into its volume.
package container

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const root = "../.."

// podman runs podman with the options this machine needs, returning its
// standard output. runOpts go after the subcommand of run and build:
// runc (crun refuses cgroups in hybrid mode) and limits within the
// process's own (raising them needs CAP_SYS_RESOURCE).
type podman struct {
	t       *testing.T
	runOpts []string
}

func (p podman) cmd(args ...string) (string, error) {
	cmd := exec.Command("podman", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func (p podman) must(args ...string) string {
	p.t.Helper()
	out, err := p.cmd(args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// with inserts the machine's options after the subcommand.
func (p podman) with(sub string, args ...string) []string {
	return append(append([]string{sub}, p.runOpts...), args...)
}

// toolchainImage makes, once per Go version, a builder image from this
// machine's own Go toolchain, for the Dockerfile's GO_IMAGE: the registry
// the official golang image comes from cannot be reached from here.
func toolchainImage(t *testing.T, p podman) string {
	goroot := strings.TrimSpace(string(must(exec.Command("go", "env", "GOROOT").Output())))
	name := "localhost/keyward-go-toolchain:" + runtime.Version()
	if _, err := p.cmd("image", "exists", name); err == nil {
		return name
	}
	ctr := strings.TrimSpace(string(must(exec.Command("buildah", "from", "scratch").Output())))
	defer exec.Command("buildah", "rm", ctr).Run()
	empty := t.TempDir()
	for _, c := range [][]string{
		{"copy", ctr, goroot, "/usr/local/go"},
		{"copy", ctr, "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt"},
		{"copy", ctr, empty, "/tmp"},
		{"copy", ctr, empty, "/root"},
		{"config", "--env", "PATH=/usr/local/go/bin", "--env", "HOME=/root", "--env", "GOPATH=/go", "--env", "GOTOOLCHAIN=local", ctr},
		{"commit", "--quiet", ctr, name},
	} {
		if out, err := exec.Command("buildah", c...).CombinedOutput(); err != nil {
			t.Fatalf("buildah %s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	return name
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestContainerImage builds the Dockerfile with podman (the builder stage
// on this machine's toolchain, modules from its cache), runs it with a
// volume, and signs a GetCallerIdentity with the root credentials the
// container wrote there. The image runs as a user without privileges and
// listens on 0.0.0.0:8080 inside.
func TestContainerImage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("podman's storage here is root's")
	}
	for _, tool := range []string{"podman", "buildah", "runc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/install-test-deps.sh installs podman, buildah and runc): %v", tool, err)
		}
	}
	limits := func(res string) string {
		out, _ := exec.Command("sh", "-c", "ulimit -H"+res).Output()
		return strings.TrimSpace(string(out))
	}
	p := podman{t: t, runOpts: []string{"--runtime", "runc", "--ulimit", "nofile=" + limits("n") + ":" + limits("n"), "--ulimit", "nproc=4096:4096"}}
	base := toolchainImage(t, p)
	// Can a container run here at all? If not, say why and skip.
	if _, err := p.cmd(p.with("run", "--rm", base, "go", "version")...); err != nil {
		t.Skipf("podman cannot run a container on this machine: %v", err)
	}

	modcache := strings.TrimSpace(string(must(exec.Command("go", "env", "GOMODCACHE").Output())))
	gocache := strings.TrimSpace(string(must(exec.Command("go", "env", "GOCACHE").Output())))
	// The image's `go mod download` reads every module go.mod names from
	// the mounted cache, test-only ones too, which what ran here so far
	// may not have fetched.
	download := exec.Command("go", "mod", "download")
	download.Dir = root
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	tag := fmt.Sprintf("localhost/keyward-test:%d", time.Now().UnixNano())
	p.must(p.with("build", "--quiet", "--tag", tag, "--build-arg", "GO_IMAGE="+base, "--build-arg", "GOPROXY=off",
		"--build-arg", "VERSION=v0.0.0-image", "--build-arg", "COMMIT=c0ffee",
		"--volume", modcache+":/go/pkg/mod", "--volume", gocache+":/root/.cache/go-build", root)...)
	t.Cleanup(func() { p.cmd("rmi", "--force", tag) })

	var img []struct {
		Config struct {
			User       string
			Env        []string
			Volumes    map[string]any
			Entrypoint []string
			Cmd        []string
		}
	}
	must(nil, json.Unmarshal([]byte(p.must("image", "inspect", tag)), &img))
	cfg := img[0].Config
	if cfg.User != "65532:65532" || cfg.Volumes["/var/lib/keyward"] == nil || !contains(cfg.Env, "KEYWARD_LISTEN=0.0.0.0:8080") ||
		strings.Join(cfg.Entrypoint, " ") != "/usr/bin/keyward" || strings.Join(cfg.Cmd, " ") != "serve" {
		t.Errorf("image configuration %+v", cfg)
	}
	if out := p.must(p.with("run", "--rm", tag, "version")...); !strings.HasPrefix(out, "keyward v0.0.0-image (commit c0ffee,") {
		t.Errorf("keyward version in the image: %q", out)
	}

	volume := strings.TrimSpace(p.must("volume", "create"))
	t.Cleanup(func() { p.cmd("volume", "rm", "--force", volume) })
	// Published on a host port podman chooses as it binds: one chosen
	// here beforehand could be taken by then.
	ctr := strings.TrimSpace(p.must(p.with("run", "--detach", "--publish", "127.0.0.1::8080", "--volume", volume+":/var/lib/keyward", tag)...))
	t.Cleanup(func() { p.cmd("rm", "--force", "--time", "2", ctr) })
	url := "http://" + strings.TrimSpace(p.must("port", ctr, "8080/tcp"))
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			logs, _ := p.cmd("logs", ctr)
			t.Fatalf("the container did not become ready: %v\n%s", err, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pid := strings.TrimSpace(p.must("inspect", "--format", "{{.State.Pid}}", ctr)); pid != "" {
		status, _ := os.ReadFile("/proc/" + pid + "/status")
		if !strings.Contains(string(status), "\nUid:\t65532\t65532\t65532\t65532\n") {
			t.Errorf("keyward does not run as 65532 in the container:\n%s", status)
		}
	}

	mount := strings.TrimSpace(p.must("volume", "inspect", "--format", "{{.Mountpoint}}", volume))
	f, err := os.Open(filepath.Join(mount, "root-credentials.csv"))
	if err != nil {
		t.Fatalf("no root credentials in the volume: %v", err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 2 {
		t.Fatalf("root-credentials.csv: %v %v", rows, err)
	}
	id, secret := rows[1][0], rows[1][1]

	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), ":root</Arn>") {
		t.Errorf("GetCallerIdentity with the volume's root key: %d\n%s", resp.StatusCode, b)
	}
	// The same request unsigned is refused: the answer above was the key's.
	resp, err = http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("an unsigned GetCallerIdentity was answered")
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
