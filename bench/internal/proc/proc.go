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
	"sync"
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
type Proc struct {
	Cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	out  *tail         // the end of its output, when not verbose
}

// Start starts name with args and env added to the environment; its output
// goes to stderr when verbose, else its last 4 KiB are kept for the error
// should it exit at start (OnFreePorts).
func Start(name string, args []string, env []string, verbose bool) (*Proc, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &Proc{Cmd: cmd, done: make(chan struct{}), out: &tail{}}
	if verbose {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	} else {
		cmd.Stdout, cmd.Stderr = p.out, p.out
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(p.done) }()
	return p, nil
}

// Stop asks the process to stop (nginx's master then stops its workers)
// and kills it if it does not within 10 s.
func (p *Proc) Stop() {
	p.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the process has exited.
func (p *Proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// OnFreePorts starts a server with start on n loopback addresses that
// were free a moment before (FreeAddr), and waits up to a minute until the
// process listens on every one of them, as /proc says (an answer on the
// port could come from another program). One of them can be taken by
// another program before the server binds it: a server that exits before
// it listens is started again on other addresses, up to five times.
func OnFreePorts(n int, start func(addrs []string) (*Proc, error)) (*Proc, []string, error) {
	var last string
	for attempt := 0; attempt < 5; attempt++ {
		addrs := make([]string, n)
		for i := range addrs {
			addrs[i] = FreeAddr()
		}
		p, err := start(addrs)
		if err != nil {
			return nil, nil, err
		}
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
			if p.exited() {
				last = fmt.Sprintf("%s exited at start (%v): %s", p.Cmd.Path, p.Cmd.ProcessState, p.out)
				break
			}
			if p.listensOn(addrs) {
				return p, addrs, nil
			}
			if time.Now().After(deadline) {
				p.Stop()
				return nil, nil, fmt.Errorf("%s did not listen on %v in a minute: %s", p.Cmd.Path, addrs, p.out)
			}
		}
	}
	return nil, nil, fmt.Errorf("five starts failed; the last: %s", last)
}

// listensOn reports whether the process holds a listening socket on the
// port of every one of addrs: the sockets listening on those ports, from
// /proc/net/tcp and tcp6, among the process's open files.
func (p *Proc) listensOn(addrs []string) bool {
	listening := map[string]string{} // socket inode: port
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, _ := os.ReadFile(table)
		for _, line := range strings.Split(string(b), "\n")[1:] {
			// sl local_address rem_address st ... inode
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			port, err := strconv.ParseUint(f[1][strings.LastIndexByte(f[1], ':')+1:], 16, 16)
			if err == nil {
				listening[f[9]] = strconv.FormatUint(port, 10)
			}
		}
	}
	held := map[string]bool{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.Cmd.Process.Pid))
	for _, fd := range fds {
		link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", p.Cmd.Process.Pid, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			if port, ok := listening[strings.TrimSuffix(inode, "]")]; ok {
				held[port] = true
			}
		}
	}
	for _, addr := range addrs {
		if _, port, _ := net.SplitHostPort(addr); !held[port] {
			return false
		}
	}
	return true
}

// tail keeps the last 4 KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - 4096; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
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

// FreeAddr returns a loopback address nothing listens on at the moment
// (start servers on it with OnFreePorts).
func FreeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
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
