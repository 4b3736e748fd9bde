// Package proc runs the processes a benchmark measures (keyward, nginx, a
// bare server) and reads what they cost from /proc, so that every bench/
// tool measures them the same way.
package proc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The root user's access key every benchmark starts Keyward with.
const (
	RootKeyID  = "AKIAKEYWARDBENCHROOT"
	RootSecret = "keywardBenchRootSecretKey000000000000000"
)

// RootEnv is the environment that starts Keyward with that root key,
// followed by more.
func RootEnv(more ...string) []string {
	return append([]string{"KEYWARD_ROOT_ACCESS_KEY_ID=" + RootKeyID, "KEYWARD_ROOT_SECRET_ACCESS_KEY=" + RootSecret}, more...)
}

// Proc is a process a benchmark started.
type Proc struct{ Cmd *exec.Cmd }

// Start starts name with args and env added to the environment; its output
// goes to stderr when verbose, else nowhere.
func Start(name string, args []string, env []string, verbose bool) (*Proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	if verbose {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &Proc{cmd}, nil
}

// Stop asks the process to stop (nginx's master then stops its workers)
// and kills it if it does not within 10 s.
func (p *Proc) Stop() {
	p.Cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.Cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.Cmd.Process.Kill()
		<-done
	}
}

// CPU returns the process's user and system CPU time.
func (p *Proc) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// RSS returns the process's resident set size in MiB.
func (p *Proc) RSS() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			kb, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// FreeAddr returns a loopback address nothing listens on.
func FreeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// WaitTCP waits up to a minute for something to listen on addr.
func WaitTCP(addr string) error {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
	}
	return fmt.Errorf("nothing listens on %s", addr)
}

// BuildKeyward builds cmd/keyward (the working directory must be the
// repository's root) into dir and returns the binary's path.
func BuildKeyward(dir string) (string, error) {
	bin := filepath.Join(dir, "keyward")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/keyward").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building keyward (run from the repository's root): %v\n%s", err, out)
	}
	return bin, nil
}
