// Package dist builds Keyward's release artefacts: static binaries for
// each platform, .deb and .rpm packages made with nfpm (a Go library: no
// dpkg-deb or rpmbuild needed) and SHA256SUMS over them all.
package dist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the packagers
	"github.com/goreleaser/nfpm/v2/files"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

// Target is a platform to build for.
type Target struct{ OS, Arch string }

// Targets are the release's platforms; the linux ones are also packaged.
var Targets = []Target{{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "arm64"}}

// Formats are the packages made for each linux target.
var Formats = []string{"deb", "rpm"}

// Options say what to build.
type Options struct {
	// Root is the repository's root, Out the directory written (created
	// if needed; files of the same names are replaced).
	Root, Out string
	// Version (v0.1.0, or git describe's longer form) and Commit are
	// linked into the binary and name the packages.
	Version, Commit string
	// Targets default to Targets, Formats to Formats (none: no packages).
	Targets []Target
	Formats []string
	// Log, when set, is told of each artefact.
	Log io.Writer
}

// BinaryName is the file a target's binary is written to in Out.
func BinaryName(t Target) string { return "keyward-" + t.OS + "-" + t.Arch }

// Build builds every artefact into opts.Out and writes SHA256SUMS over all
// of them, returning their paths.
func Build(ctx context.Context, opts Options) ([]string, error) {
	if opts.Targets == nil {
		opts.Targets = Targets
	}
	if opts.Formats == nil {
		opts.Formats = Formats
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for _, t := range opts.Targets {
		bin := filepath.Join(opts.Out, BinaryName(t))
		if err := BuildBinary(ctx, opts.Root, bin, t, opts.Version, opts.Commit); err != nil {
			return nil, err
		}
		opts.logf("built %s", bin)
		out = append(out, bin)
		if t.OS != "linux" {
			continue
		}
		for _, format := range opts.Formats {
			pkg, err := Package(opts.Root, bin, format, t.Arch, opts.Version, opts.Out)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", format, t.Arch, err)
			}
			opts.logf("packaged %s", pkg)
			out = append(out, pkg)
		}
	}
	sums, err := WriteSums(opts.Out, out)
	if err != nil {
		return nil, err
	}
	opts.logf("wrote %s", sums)
	return append(out, sums), nil
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// LDFlags are the linker flags of a release build: symbols stripped, the
// version and commit set in package buildinfo.
func LDFlags(version, commit string) string {
	const pkg = "github.com/keyward/keyward/internal/buildinfo"
	return "-s -w -X " + pkg + ".version=" + version + " -X " + pkg + ".commit=" + commit
}

// BuildBinary builds a static keyward for t (no cgo: the SQLite driver is
// pure Go) from the module at root.
func BuildBinary(ctx context.Context, root, out string, t Target, version, commit string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", LDFlags(version, commit), "-o", abs, "./cmd/keyward")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.OS, "GOARCH="+t.Arch, "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s/%s: %v\n%s", t.OS, t.Arch, err, b)
	}
	return nil
}

// PackageInfo describes the package of the linux binary bin for arch: the
// binary, the systemd unit, the settings file (a conffile, kept on
// upgrades and removed on purge), the data directory and the scripts that
// make the keyward system user.
func PackageInfo(root, bin, arch, version string) *nfpm.Info {
	p := func(name string) string { return filepath.Join(root, "deploy", "packaging", name) }
	owned := func(owner, group string, mode os.FileMode) *files.ContentFileInfo {
		return &files.ContentFileInfo{Owner: owner, Group: group, Mode: mode}
	}
	return nfpm.WithDefaults(&nfpm.Info{
		Name:        "keyward",
		Arch:        arch,
		Platform:    "linux",
		Version:     strings.TrimPrefix(version, "v"),
		Section:     "net",
		Priority:    "optional",
		Maintainer:  "Keyward maintainers <maintainers@keyward.invalid>",
		Description: "AWS IAM and STS, self-hosted\nAn identity service speaking AWS's own protocols: the AWS CLI, every AWS SDK\nand Terraform manage its users, keys, groups, roles and policies unchanged.",
		Vendor:      "Keyward",
		Homepage:    "https://github.com/keyward/keyward",
		License:     "Apache-2.0",
		Overridables: nfpm.Overridables{
			Contents: files.Contents{
				{Source: bin, Destination: "/usr/bin/keyward", FileInfo: owned("root", "root", 0o755)},
				{Source: p("keyward.service"), Destination: "/usr/lib/systemd/system/keyward.service", FileInfo: owned("root", "root", 0o644)},
				{Destination: "/etc/keyward", Type: files.TypeDir, FileInfo: owned("root", "keyward", 0o750)},
				{Source: p("keyward.env"), Destination: "/etc/keyward/keyward.env", Type: files.TypeConfigNoReplace, FileInfo: owned("root", "keyward", 0o640)},
				{Destination: "/var/lib/keyward", Type: files.TypeDir, FileInfo: owned("keyward", "keyward", 0o700)},
				{Source: filepath.Join(root, "LICENSE"), Destination: "/usr/share/doc/keyward/LICENSE", FileInfo: owned("root", "root", 0o644)},
				{Source: filepath.Join(root, "NOTICE.md"), Destination: "/usr/share/doc/keyward/NOTICE.md", FileInfo: owned("root", "root", 0o644)},
			},
			Scripts: nfpm.Scripts{PreInstall: p("preinstall.sh"), PostInstall: p("postinstall.sh"), PreRemove: p("preremove.sh"), PostRemove: p("postremove.sh")},
		},
	})
}

// Package writes the format ("deb" or "rpm") package of bin into dir and
// returns its path.
func Package(root, bin, format, arch, version, dir string) (string, error) {
	info := PackageInfo(root, bin, arch, version)
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", err
	}
	pkger, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, pkger.ConventionalFileName(info))
	var buf bytes.Buffer
	if err := pkger.Package(info, &buf); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, buf.Bytes(), 0o644)
}

// WriteSums writes dir/SHA256SUMS over paths, in sha256sum's format
// (sha256sum -c SHA256SUMS checks them), and returns its path.
func WriteSums(dir string, paths []string) (string, error) {
	var lines []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
		lines = append(lines, hex.EncodeToString(h.Sum(nil))+"  "+filepath.Base(p)+"\n")
	}
	sort.Strings(lines)
	sums := filepath.Join(dir, "SHA256SUMS")
	return sums, os.WriteFile(sums, []byte(strings.Join(lines, "")), 0o644)
}
