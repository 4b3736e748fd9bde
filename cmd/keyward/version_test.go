package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/buildinfo"
)

// The version and commit the test binary is linked with (TestMain).
const (
	buildinfoPkg = "github.com/keyward/keyward/internal/buildinfo"
	testVersion  = "v0.0.0-test"
	testCommit   = "0123456789abcdef"
)

// TestVersion: keyward version and keyward --version print the version,
// the commit and the Go version the linker was given.
func TestVersion(t *testing.T) {
	t.Parallel()
	want := "keyward " + testVersion + " (commit " + testCommit + ", " + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(binary(t), args...).Output()
		if err != nil {
			t.Fatalf("keyward %s: %v", args[0], err)
		}
		if string(out) != want {
			t.Errorf("keyward %s printed %q, want %q", args[0], out, want)
		}
	}
}

// TestHelpListsEveryCommand: keyward help, --help and a bare keyward print
// one list, which names every command run knows; keyward serve --help
// exits 0 with the flags in --flag style, by section.
func TestHelpListsEveryCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var help, bare, dashed, stderr bytes.Buffer
	must(t, run(ctx, []string{"help"}, noEnv, &help, &stderr))
	must(t, run(ctx, []string{"--help"}, noEnv, &dashed, &stderr))
	if err := run(ctx, nil, noEnv, &bytes.Buffer{}, &bare); err == nil {
		t.Error("a bare keyward succeeded")
	}
	if help.String() != bare.String() || help.String() != dashed.String() {
		t.Errorf("keyward help, --help and a bare keyward differ:\n%s\n---\n%s\n---\n%s", help.String(), dashed.String(), bare.String())
	}
	// Every command: the command line's groups, and what run answers
	// itself (the cases of its switch, read from main.go), which its
	// completion offers too.
	var completion bytes.Buffer
	must(t, run(ctx, []string{"completion", "bash"}, noEnv, &completion, &stderr))
	own := runCommands(t)
	for _, cmd := range append(cli.Groups(), own...) {
		if !strings.Contains(help.String(), "\n  "+cmd+" ") {
			t.Errorf("keyward help does not list %s:\n%s", cmd, help.String())
		}
		if offered := regexp.MustCompile(`[\s"]` + regexp.QuoteMeta(cmd) + `[\s"]`); cmd != "help" && !offered.MatchString(completion.String()) {
			t.Errorf("keyward completion does not offer %s", cmd)
		}
	}
	// An unknown command shows the same list.
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"frobnicate"}, noEnv, &out, &errOut); err == nil || !strings.Contains(errOut.String(), help.String()) {
		t.Errorf("an unknown command: %v\n%s", err, errOut.String())
	}

	cmd := exec.Command(binary(t), "serve", "--help")
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("keyward serve --help: %v", err)
	}
	for _, want := range []string{"\n  --listen string\n", "$KEYWARD_LISTEN", "\n  --config FILE\n", "\nData and stores:\n", "\nPostgreSQL:\n", "$KEYWARD_MASTER_KEY_FILE", "$KEYWARD_DATABASE, or $KEYWARD_DATABASE_URL"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("keyward serve --help lacks %q", want)
		}
	}
	if strings.Contains(string(got), "\n  -listen") {
		t.Errorf("keyward serve --help shows single-dash flags")
	}
}

// TestVersionShown: the version is logged at start, exported as
// keyward_build_info and shown in the console's footer once signed in
// (never to a visitor).
func TestVersionShown(t *testing.T) {
	t.Parallel()
	ts := startServerWithMetrics(t)
	bi := buildinfo.Get()
	if !strings.Contains(ts.Log.String(), `msg="keyward starting" version=`+bi.Version+" commit="+bi.Commit) {
		t.Errorf("the start is not logged with the version:\n%s", ts.Log.String())
	}
	series := `keyward_build_info{commit="` + bi.Commit + `",goversion="` + runtime.Version() + `",version="` + bi.Version + `"}`
	if v, ok := scrape(t, ts.MetricsAddr)[series]; !ok || v != 1 {
		t.Errorf("%s = %v, %v", series, v, ok)
	}
	web := newWebClient(t, ts)
	footer := `<span id="keyward-version">` + bi.Version + `</span>`
	if _, page := web.Get("/console/signin"); strings.Contains(page, "keyward-version") {
		t.Error("the sign-in page shows the version to a visitor")
	}
	web.SignIn(rootForm(rootSecret))
	if _, page := web.Get("/console/users"); !strings.Contains(page, footer) {
		t.Errorf("the users page has no footer %s", footer)
	}
}

// TestSystemdNotify: under systemd's Type=notify, keyward serve says
// READY=1 once it serves, RELOADING=1 then READY=1 around SIGHUP, and
// STOPPING=1 on SIGTERM.
func TestSystemdNotify(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "kwn") // short: a socket's path is bounded
	must(t, err)
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	must(t, err)
	defer conn.Close()
	p := startProcess(t, t.TempDir(), append([]string{"NOTIFY_SOCKET=" + sock}, rootEnv...)...)
	next := func() string {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 512)
		n, err := conn.Read(b)
		if err != nil {
			t.Fatalf("no notification: %v\n%s", err, p.stderr.String())
		}
		return string(b[:n])
	}
	if got := next(); !strings.HasPrefix(got, "READY=1\n") || !strings.Contains(got, "STATUS=serving http://") {
		t.Errorf("first notification %q", got)
	}
	must(t, p.cmd.Process.Signal(syscall.SIGHUP))
	if got := next(); got != "RELOADING=1" {
		t.Errorf("on SIGHUP: %q", got)
	}
	if got := next(); got != "READY=1" {
		t.Errorf("after the reload: %q", got)
	}
	must(t, p.cmd.Process.Signal(syscall.SIGTERM))
	if got := next(); got != "STOPPING=1" {
		t.Errorf("on SIGTERM: %q", got)
	}
	if code := p.wait(); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// runCommands returns the commands run answers itself: the string cases
// of its switch on the first argument, options (--help) left out.
func runCommands(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	must(t, err)
	var cmds []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "run" {
			return true
		}
		ast.Inspect(fn, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if name, _ := strconv.Unquote(lit.Value); !strings.HasPrefix(name, "-") {
							cmds = append(cmds, name)
						}
					}
				}
			}
			return true
		})
		return false
	})
	if len(cmds) < 5 {
		t.Fatalf("found only %v in run's switch", cmds)
	}
	return cmds
}
