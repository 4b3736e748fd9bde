package dist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// testVersion marks the packages the tests build and install.
const testVersion = "v0.0.0-pkgtest"

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestBuild: a linux/amd64 build gives a static binary, a .deb, an .rpm
// and SHA256SUMS that sha256sum -c accepts.
func TestBuild(t *testing.T) {
	out := t.TempDir()
	paths, err := Build(context.Background(), Options{Root: root, Out: out, Version: testVersion, Commit: "abc123",
		Targets: []Target{{"linux", runtime.GOARCH}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	want := []string{"keyward-linux-" + runtime.GOARCH, ".deb", ".rpm", "SHA256SUMS"}
	for i, w := range want {
		if i >= len(names) || !strings.HasSuffix(names[i], w) {
			t.Fatalf("artefacts %v, want %v", names, want)
		}
	}
	bin := paths[0]
	if got := run(t, bin, "version"); !strings.HasPrefix(got, "keyward "+testVersion+" (commit abc123, ") {
		t.Errorf("the release binary says %q", got)
	}
	// Static: no interpreter, no shared libraries.
	if out, _ := exec.Command("ldd", bin).CombinedOutput(); !strings.Contains(string(out), "not a dynamic executable") {
		t.Errorf("ldd %s: %s", bin, out)
	}
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil || strings.Count(string(b), ": OK") != 3 {
		t.Errorf("sha256sum -c: %v\n%s", err, b)
	}
	t.Run("rpm", func(t *testing.T) { checkRPM(t, paths[2], bin, runtime.GOARCH, testVersion) })
}

// rpmArch is rpm's name of a Go architecture.
var rpmArch = map[string]string{"amd64": "x86_64", "arm64": "aarch64"}

// checkRPM reads the .rpm pkg of version for goarch with rpm(8) and checks what the .deb's test
// checks once installed: each file with its mode, owner and group (the data
// directory the keyward user's alone, the settings file readable by its
// group and kept on upgrades, %config(noreplace)), the binary bin itself,
// the unit the packages ship, and the scripts that make the keyward user
// before the files are unpacked and stop the service on removal.
func checkRPM(t *testing.T, pkg, bin, goarch, version string) {
	if _, err := exec.LookPath("rpm"); err != nil {
		t.Skipf("rpm is not installed (scripts/install-test-deps.sh installs it): %v", err)
	}
	// The header's and the payload's digests hold: rpm would install it.
	if out := run(t, "rpm", "--checksig", "--nosignature", pkg); !strings.HasSuffix(strings.TrimSpace(out), ": digests OK") {
		t.Errorf("rpm --checksig: %s", out)
	}
	if got, want := run(t, "rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{ARCH} %{OS} %{LICENSE}", pkg),
		"keyward "+strings.ReplaceAll(strings.TrimPrefix(version, "v"), "-", "~")+" "+rpmArch[goarch]+" linux Apache-2.0"; got != want {
		t.Errorf("rpm -qp: %q, want %q", got, want)
	}
	// rpm's file digests are SHA-256 (FILEDIGESTALGO 8): the binary and the
	// unit are the very files built and shipped.
	if algo := run(t, "rpm", "-qp", "--qf", "%{FILEDIGESTALGO}", pkg); algo != "8" {
		t.Fatalf("the file digests are of algorithm %s, not SHA-256", algo)
	}
	sha := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		return hex.EncodeToString(h[:])
	}
	pack := func(name string) string { return filepath.Join(root, "deploy", "packaging", name) }
	want := map[string]string{
		"/etc/keyward":                     "40750 root keyward  ",
		"/etc/keyward/keyward.env":         "100640 root keyward cn " + sha(pack("keyward.env")),
		"/usr/bin/keyward":                 "100755 root root  " + sha(bin),
		unitPath:                           "100644 root root  " + sha(pack("keyward.service")),
		"/usr/share/doc/keyward/LICENSE":   "100644 root root  " + sha(filepath.Join(root, "LICENSE")),
		"/usr/share/doc/keyward/NOTICE.md": "100644 root root  " + sha(filepath.Join(root, "NOTICE.md")),
		"/var/lib/keyward":                 "40700 keyward keyward  ",
	}
	files := run(t, "rpm", "-qp", "--qf", "[%{FILENAMES}\t%{FILEMODES:octal} %{FILEUSERNAME} %{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILEDIGESTS}\n]", pkg)
	got := map[string]string{}
	for line := range strings.Lines(files) {
		name, attrs, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		got[name] = attrs
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s in the rpm: %q, want %q (mode owner group flags sha256)", name, got[name], w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("the rpm holds %s, which it should not", name)
		}
	}
	// The scripts are the packaging's, run by /bin/sh; the .deb's test runs
	// them. rpm passes 1 (upgrade) or 0 (removal) where dpkg passes words.
	for tag, script := range map[string]string{"PREIN": "preinstall.sh", "POSTIN": "postinstall.sh", "PREUN": "preremove.sh", "POSTUN": "postremove.sh"} {
		b, err := os.ReadFile(pack(script))
		if err != nil {
			t.Fatal(err)
		}
		body := run(t, "rpm", "-qp", "--qf", "%{"+tag+"PROG}\n%{"+tag+"}", pkg)
		if want := "/bin/sh\n" + string(b); strings.TrimSpace(body) != strings.TrimSpace(want) {
			t.Errorf("the rpm's %s scriptlet is not %s:\n%s", tag, script, body)
		}
	}
	prein := run(t, "rpm", "-qp", "--qf", "%{PREIN}", pkg)
	for _, w := range []string{"groupadd --system keyward", "useradd --system --gid keyward", "--shell /usr/sbin/nologin", "keyward\n"} {
		if !strings.Contains(prein, w) {
			t.Errorf("the rpm's pre-install scriptlet does not make the keyward user (no %q):\n%s", w, prein)
		}
	}
	if preun := run(t, "rpm", "-qp", "--qf", "%{PREUN}", pkg); !strings.Contains(preun, "remove|0)") {
		t.Errorf("the rpm's pre-uninstall scriptlet does not stop the service on removal (rpm's argument 0):\n%s", preun)
	}
}

// TestDebInstall installs the .deb on this machine with dpkg, as root, and
// checks what it leaves: the binary, the keyward system user, the data
// directory (0700), the settings file (0640, a conffile kept across a
// reinstall), the systemd unit (systemd-analyze verify); then removes it
// (data kept) and purges it (settings gone). It changes the machine, so
// it refuses to touch a keyward it did not install, and undoes everything
// it did even when it fails.
func TestDebInstall(t *testing.T) {
	switch {
	case runtime.GOOS != "linux":
		t.Skip("dpkg packages are for linux")
	case os.Geteuid() != 0:
		t.Skip("installing a package needs root")
	}
	for _, tool := range []string{"dpkg", "dpkg-query", "systemd-analyze", "runuser"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/install-test-deps.sh installs it): %v", tool, err)
		}
	}
	arch := strings.TrimSpace(run(t, "dpkg", "--print-architecture"))
	if arch != runtime.GOARCH {
		t.Skipf("dpkg's architecture is %s, Go's %s", arch, runtime.GOARCH)
	}
	const marker = "/var/lib/keyward/.keyward-package-test"
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Version} ${Status}", "keyward").Output(); err == nil && strings.Contains(string(out), "installed") {
		if !strings.Contains(string(out), "pkgtest") {
			t.Skipf("a keyward package (%s) is installed on this machine: this test does not replace it", out)
		}
		exec.Command("dpkg", "-P", "keyward").Run() // a run of this test that was killed
	}
	if _, err := os.Stat("/var/lib/keyward"); err == nil {
		if _, err := os.Stat(marker); err != nil {
			t.Skip("/var/lib/keyward exists and is not this test's: it does not touch it")
		}
		os.RemoveAll("/var/lib/keyward")
	}
	_, userErr := user.Lookup("keyward")
	hadUser := userErr == nil
	t.Cleanup(func() {
		exec.Command("dpkg", "-P", "keyward").Run()
		os.RemoveAll("/var/lib/keyward")
		if !hadUser {
			exec.Command("userdel", "keyward").Run()
			exec.Command("groupdel", "keyward").Run()
		}
	})

	dir := t.TempDir()
	bin := filepath.Join(dir, BinaryName(Target{"linux", runtime.GOARCH}))
	if err := BuildBinary(context.Background(), root, bin, Target{"linux", runtime.GOARCH}, testVersion, "abc123"); err != nil {
		t.Fatal(err)
	}
	deb, err := Package(root, bin, "deb", runtime.GOARCH, testVersion, dir)
	if err != nil {
		t.Fatal(err)
	}
	run(t, "dpkg", "-i", deb)

	u, err := user.Lookup("keyward")
	if err != nil {
		t.Fatalf("no keyward user: %v", err)
	}
	if passwd := run(t, "getent", "passwd", "keyward"); !strings.HasSuffix(strings.TrimSpace(passwd), ":/usr/sbin/nologin") {
		t.Errorf("the keyward user may log in: %s", passwd)
	}
	g, err := user.LookupGroup("keyward")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path         string
		mode         os.FileMode
		owner, group string
	}{
		{"/usr/bin/keyward", 0o755, "0", "0"},
		{"/usr/lib/systemd/system/keyward.service", 0o644, "0", "0"},
		{"/etc/keyward", os.ModeDir | 0o750, "0", g.Gid},
		{"/etc/keyward/keyward.env", 0o640, "0", g.Gid},
		{"/var/lib/keyward", os.ModeDir | 0o700, u.Uid, g.Gid},
		{"/usr/share/doc/keyward/LICENSE", 0o644, "0", "0"},
	} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Errorf("%s: %v", f.path, err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode() != f.mode || itoa(st.Uid) != f.owner || itoa(st.Gid) != f.group {
			t.Errorf("%s: %v %d:%d, want %v %s:%s", f.path, fi.Mode(), st.Uid, st.Gid, f.mode, f.owner, f.group)
		}
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run(t, "/usr/bin/keyward", "version"); !strings.HasPrefix(got, "keyward "+testVersion+" ") {
		t.Errorf("/usr/bin/keyward version: %q", got)
	}
	if conffiles := run(t, "dpkg-query", "-W", "-f=${Conffiles}", "keyward"); !strings.Contains(conffiles, "/etc/keyward/keyward.env") {
		t.Errorf("keyward.env is not a conffile: %q", conffiles)
	}
	if out, err := exec.Command("systemd-analyze", "verify", "/usr/lib/systemd/system/keyward.service").CombinedOutput(); err != nil || strings.Contains(string(out), "keyward.service") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The service's user can make its store in the data directory.
	run(t, "runuser", "-u", "keyward", "--", "/usr/bin/keyward", "migrate", "up", "--data", "/var/lib/keyward")
	if fi, err := os.Stat("/var/lib/keyward/keyward.db"); err != nil || fi.Mode() != 0o600 {
		t.Fatalf("the store: %v %v", fi, err)
	}

	// An operator's settings survive a reinstall (an upgrade does the same).
	f, err := os.OpenFile("/etc/keyward/keyward.env", os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("KEYWARD_LOG_FORMAT=json # the operator's\n")
	f.Close()
	run(t, "dpkg", "-i", "--force-confold", deb)
	if b, _ := os.ReadFile("/etc/keyward/keyward.env"); !strings.Contains(string(b), "the operator's") {
		t.Error("reinstalling replaced the operator's keyward.env")
	}

	run(t, "dpkg", "-r", "keyward")
	for path, kept := range map[string]bool{"/usr/bin/keyward": false, "/usr/lib/systemd/system/keyward.service": false,
		"/var/lib/keyward/keyward.db": true, "/etc/keyward/keyward.env": true} {
		if _, err := os.Stat(path); (err == nil) != kept {
			t.Errorf("after dpkg -r, %s: %v (want kept: %v)", path, err, kept)
		}
	}
	run(t, "dpkg", "-P", "keyward")
	if _, err := os.Stat("/etc/keyward/keyward.env"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after dpkg -P, keyward.env: %v", err)
	}
	if _, err := os.Stat("/var/lib/keyward/keyward.db"); err != nil {
		t.Errorf("dpkg -P deleted the store: %v", err)
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// TestCrossBuild builds the release's other operating system as make dist
// does (darwin/arm64: another system and another processor than the host's,
// the two ways a platform's build can break) and checks what this machine
// cannot run: the binary's format and processor, that it is keyward built
// without cgo for its platform with the version linked in. It packages
// linux/arm64's .deb and .rpm from a stand-in binary: packaging reads a
// binary as bytes, and what the test checks of those packages is their
// architecture and that they hold the very file given. make dist compiles
// linux/arm64 itself; make test does not, because compiling every package
// for one more platform costs about 110 s of CPU on an empty build cache
// and its code path (BuildBinary with another GOOS or GOARCH) is the one
// darwin/arm64 takes here.
func TestCrossBuild(t *testing.T) {
	var other, armLinux []Target
	for _, tg := range Targets {
		switch {
		case tg.OS == "linux" && tg.Arch == runtime.GOARCH && runtime.GOOS == "linux":
			// The host's, which TestBuild builds.
		case tg.OS == "linux":
			armLinux = append(armLinux, tg)
		default:
			other = append(other, tg)
		}
	}
	if runtime.GOOS == "linux" && runtime.GOARCH == "amd64" &&
		(!slices.Equal(other, []Target{{"darwin", "arm64"}}) || !slices.Equal(armLinux, []Target{{"linux", "arm64"}})) {
		t.Fatalf("the release's other targets are %v and %v, want darwin/arm64 and linux/arm64", other, armLinux)
	}
	const version = "v0.0.0-crosstest"
	out := t.TempDir()
	paths, err := Build(context.Background(), Options{Root: root, Out: out, Version: version, Commit: "abc123", Targets: other})
	if err != nil {
		t.Fatal(err)
	}
	artefacts := map[string]bool{}
	for _, p := range paths {
		artefacts[filepath.Base(p)] = true
	}
	for _, tg := range other {
		bin := filepath.Join(out, BinaryName(tg))
		if !artefacts[filepath.Base(bin)] {
			t.Errorf("no %s among %v", bin, paths)
			continue
		}
		info, err := buildinfo.ReadFile(bin)
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if info.Path != "github.com/keyward/keyward/cmd/keyward" || settings["GOOS"] != tg.OS || settings["GOARCH"] != tg.Arch || settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
			t.Errorf("%s was built as %s %v", bin, info.Path, settings)
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(version)) || !bytes.Contains(b, []byte("abc123")) {
			t.Errorf("%s does not hold its version and commit: the linker flags were not applied", bin)
		}
		switch tg.OS {
		case "linux":
			checkStaticELF(t, bin, elfMachine[tg.Arch])
		case "darwin":
			checkMachO(t, bin, machoCPU[tg.Arch])
		}
	}
	cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil || strings.Count(string(b), ": OK") != len(paths)-1 {
		t.Errorf("sha256sum -c: %v\n%s", err, b)
	}
	for _, tg := range armLinux {
		dir := t.TempDir()
		bin := filepath.Join(dir, BinaryName(tg))
		if err := os.WriteFile(bin, []byte("a stand-in for keyward "+tg.OS+"/"+tg.Arch+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		packaged := map[string]bool{}
		for _, format := range Formats {
			pkg, err := Package(root, bin, format, tg.Arch, version, dir)
			if err != nil {
				t.Fatalf("%s %s: %v", format, tg.Arch, err)
			}
			packaged[filepath.Base(pkg)] = true
		}
		checkArchPackages(t, dir, packaged, bin, tg.Arch, version)
	}
}

// elfMachine and machoCPU are the processors of Go's architectures.
var (
	elfMachine = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	machoCPU   = map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}
)

// checkArchPackages checks that the release in out has a .deb and an .rpm
// of bin for arch, saying so in their headers.
func checkArchPackages(t *testing.T, out string, artefacts map[string]bool, bin, arch, version string) {
	t.Helper()
	var deb, rpm string
	for name := range artefacts {
		switch {
		case strings.HasSuffix(name, "_"+arch+".deb"):
			deb = filepath.Join(out, name)
		case strings.HasSuffix(name, "."+rpmArch[arch]+".rpm"):
			rpm = filepath.Join(out, name)
		}
	}
	if deb == "" || rpm == "" {
		t.Fatalf("no %s .deb and .rpm among %v", arch, artefacts)
	}
	t.Run("deb-"+arch, func(t *testing.T) {
		if _, err := exec.LookPath("dpkg-deb"); err != nil {
			t.Skipf("dpkg-deb is not installed: %v", err)
		}
		if got, want := run(t, "dpkg-deb", "-f", deb, "Package", "Architecture"), "Package: keyward\nArchitecture: "+arch+"\n"; got != want {
			t.Errorf("dpkg-deb -f %s: %q, want %q", deb, got, want)
		}
	})
	t.Run("rpm-"+arch, func(t *testing.T) { checkRPM(t, rpm, bin, arch, version) })
}

// checkStaticELF checks that bin is an executable ELF for machine with no
// interpreter and no shared libraries.
func checkStaticELF(t *testing.T, bin string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	if f.Machine != machine || f.Type != elf.ET_EXEC || f.Class != elf.ELFCLASS64 {
		t.Errorf("%s: %v %v %v, want %v ET_EXEC ELFCLASS64", bin, f.Machine, f.Type, f.Class, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked (%v)", bin, p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) != 0 {
		t.Errorf("%s imports %v (%v)", bin, libs, err)
	}
}

// checkMachO checks that bin is a Mach-O executable for cpu linking only
// the system's libraries, as a Go binary built without cgo does: macOS
// has no static binaries, its system calls go through libSystem.
func checkMachO(t *testing.T, bin string, cpu macho.Cpu) {
	t.Helper()
	f, err := macho.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	if f.Cpu != cpu || f.Type != macho.TypeExec || f.Magic != macho.Magic64 {
		t.Errorf("%s: %v %v %#x, want %v an executable 64-bit", bin, f.Cpu, f.Type, f.Magic, cpu)
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(libs, "/usr/lib/libSystem.B.dylib") {
		t.Errorf("%s does not link libSystem: %v", bin, libs)
	}
	for _, l := range libs {
		if !strings.HasPrefix(l, "/usr/lib/") && !strings.HasPrefix(l, "/System/Library/Frameworks/") {
			t.Errorf("%s links %s, not the system's", bin, l)
		}
	}
}
