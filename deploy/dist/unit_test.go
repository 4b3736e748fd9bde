package dist

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unitPath is where the packages install the systemd unit.
const unitPath = "/usr/lib/systemd/system/keyward.service"

// unitFile is a systemd unit file as systemd reads it: every assignment of
// every key, in order, by section.
type unitFile map[string]map[string][]string

// parseUnit reads a unit file by systemd.syntax(7)'s rules: [Section]
// headers, Key=Value assignments with the spaces around "=" and at both
// ends dropped, whole-line comments starting with # or ;, and lines ending
// in a backslash continued on the next (the backslash becoming a space;
// comment lines inside a continuation are skipped).
func parseUnit(r io.Reader) (unitFile, error) {
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(r)
	line, lineNo := "", 0
	for sc.Scan() {
		lineNo++
		text := strings.TrimSpace(sc.Text())
		if text == "" && line == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, ";") {
			continue
		}
		if strings.HasSuffix(text, "\\") {
			line += strings.TrimSuffix(text, "\\") + " "
			continue
		}
		line += text
		text, line = line, ""
		if text == "" {
			continue
		}
		if strings.HasPrefix(text, "[") {
			if !strings.HasSuffix(text, "]") {
				return nil, &unitError{lineNo, "a section header without ]"}
			}
			section = text[1 : len(text)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, &unitError{lineNo, "neither a section, an assignment nor a comment"}
		}
		if section == "" {
			return nil, &unitError{lineNo, "an assignment before the first section"}
		}
		key = strings.TrimSpace(key)
		u[section][key] = append(u[section][key], strings.TrimSpace(value))
	}
	if line != "" {
		return nil, &unitError{lineNo, "a continued line at the end of the file"}
	}
	return u, sc.Err()
}

type unitError struct {
	line int
	msg  string
}

func (e *unitError) Error() string { return "line " + itoa(uint32(e.line)) + ": " + e.msg }

// last is the value systemd uses for a single-valued key: the last
// assignment's; ok is false when the key is not set.
func (u unitFile) last(section, key string) (string, bool) {
	vs := u[section][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// list is the value of a list-valued key: the space-separated words of
// every assignment, an empty assignment dropping those before it.
func (u unitFile) list(section, key string) []string {
	var words []string
	for _, v := range u[section][key] {
		if v == "" {
			words = nil
			continue
		}
		words = append(words, strings.Fields(v)...)
	}
	return words
}

// boolTrue says whether v is one of systemd's spellings of true.
func boolTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}

// sendsHUPToMain says whether an ExecReload command line sends SIGHUP to
// the service's main process with kill(1): kill -HUP, -SIGHUP, -1 or -s
// HUP, and $MAINPID or ${MAINPID}. Several command lines (separated by ";")
// are accepted when one of them does.
func sendsHUPToMain(cmdline string) bool {
	for cmd := range strings.SplitSeq(cmdline, " ; ") {
		argv := strings.Fields(cmd)
		if len(argv) == 0 {
			continue
		}
		// The prefixes systemd.service(5) allows before the path.
		argv[0] = strings.TrimLeft(argv[0], "-@:+!|")
		if filepath.Base(argv[0]) != "kill" {
			continue
		}
		hup, main := false, false
		for i, a := range argv[1:] {
			switch a {
			case "-HUP", "-SIGHUP", "-1", "--signal=HUP", "--signal=SIGHUP":
				hup = true
			case "-s", "--signal":
				if i+2 < len(argv) && (argv[i+2] == "HUP" || argv[i+2] == "SIGHUP" || argv[i+2] == "1") {
					hup = true
				}
			case "$MAINPID", "${MAINPID}":
				main = true
			}
		}
		if hup && main {
			return true
		}
	}
	return false
}

// packagedUnit is the source of the unit the packages install, as
// PackageInfo names it.
func packagedUnit(t *testing.T) string {
	t.Helper()
	for _, c := range PackageInfo(root, "keyward", "amd64", testVersion).Contents {
		if c.Destination == unitPath {
			return c.Source
		}
	}
	t.Fatalf("the packages install no %s", unitPath)
	return ""
}

// checkUnit returns what is wrong with a unit against what the packages
// promise: a service systemd knows is up (notify, or simple), restarted
// when it fails, reloaded with SIGHUP (the TLS certificate is read again),
// and hardened: no new privileges, no capabilities, a read-only system but
// for the data directory, a private /tmp.
func checkUnit(u unitFile) []string {
	var problems []string
	want := func(ok bool, what string) {
		if !ok {
			problems = append(problems, what)
		}
	}
	const s = "Service"
	if u[s] == nil {
		return []string{"no [Service] section"}
	}
	typ, _ := u.last(s, "Type")
	want(typ == "notify" || typ == "simple", "Type=notify or simple, not "+typ)
	restart, _ := u.last(s, "Restart")
	want(restart == "on-failure", "Restart=on-failure, not "+restart)
	nnp, _ := u.last(s, "NoNewPrivileges")
	want(boolTrue(nnp), "NoNewPrivileges=yes, not "+nnp)
	ps, _ := u.last(s, "ProtectSystem")
	want(ps == "strict", "ProtectSystem=strict, not "+ps)
	pt, _ := u.last(s, "PrivateTmp")
	want(boolTrue(pt), "PrivateTmp=yes, not "+pt)
	rw := u.list(s, "ReadWritePaths")
	want(slices.Contains(rw, "/var/lib/keyward") || slices.Contains(rw, "-/var/lib/keyward"), "ReadWritePaths=/var/lib/keyward, not "+strings.Join(rw, " "))
	// An empty CapabilityBoundingSet= is no capability at all; unset, or
	// with capabilities after the empty assignment, it is not.
	caps, set := u.last(s, "CapabilityBoundingSet")
	want(set && len(u.list(s, "CapabilityBoundingSet")) == 0 && caps == "", "an empty CapabilityBoundingSet=")
	reload, _ := u.last(s, "ExecReload")
	want(sendsHUPToMain(reload), "ExecReload=/bin/kill -HUP $MAINPID, not "+reload)
	return problems
}

// TestServiceUnit reads the unit the packages install and checks the
// directives the service's reliability and confinement rest on.
func TestServiceUnit(t *testing.T) {
	f, err := os.Open(packagedUnit(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := parseUnit(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkUnit(u) {
		t.Errorf("%s: want %s", f.Name(), p)
	}
	if target, _ := u.last("Install", "WantedBy"); target != "multi-user.target" {
		t.Errorf("%s: WantedBy=%s, want multi-user.target", f.Name(), target)
	}
}

// TestServiceUnitCheck holds the parser and the checks to systemd's
// reading: commented-out directives, a directive in the wrong section and
// capabilities added after the empty assignment are refused; continued
// lines and the other spellings systemd takes are accepted.
func TestServiceUnitCheck(t *testing.T) {
	const good = `[Unit]
Description=x

[Service]
Type = simple
Restart=on-failure
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths=/run/x \
  /var/lib/keyward
PrivateTmp=on
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=
ExecReload=-/usr/bin/kill -s HUP ${MAINPID}
`
	u, err := parseUnit(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if p := checkUnit(u); len(p) != 0 {
		t.Errorf("a good unit: %v", p)
	}
	for name, unit := range map[string]string{
		"commented out": strings.Replace(good, "Restart=on-failure", "# Restart=on-failure", 1),
		"in [Unit]":     strings.Replace(strings.Replace(good, "Restart=on-failure\n", "", 1), "Description=x", "Description=x\nRestart=on-failure", 1),
		"overridden":    good + "Restart=no\n",
		"caps added":    good + "CapabilityBoundingSet=CAP_SYS_ADMIN\n",
		"caps unset":    strings.Replace(strings.Replace(good, "CapabilityBoundingSet=\n", "", 1), "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n", "", 1),
		"paths reset":   good + "ReadWritePaths=\nReadWritePaths=/tmp\n",
		"reload TERM":   strings.Replace(good, "-s HUP", "-s TERM", 1),
		"reload no pid": strings.Replace(good, "${MAINPID}", "1234", 1),
		"private tmp":   good + "PrivateTmp=no\n",
		"forking":       strings.Replace(good, "Type = simple", "Type=forking", 1),
		"system full":   strings.Replace(good, "ProtectSystem=strict", "ProtectSystem=full", 1),
		"privileges":    strings.Replace(good, "NoNewPrivileges=true", "NoNewPrivileges=false", 1),
	} {
		u, err := parseUnit(strings.NewReader(unit))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(checkUnit(u)) == 0 {
			t.Errorf("%s: the check passed\n%s", name, unit)
		}
	}
}
