// Package buildinfo is the one version of Keyward: the binary's `keyward
// version`, the log line at start, the console's footer and the metric
// keyward_build_info all read it from here.
//
// Release builds (make dist, the Dockerfile) set it with the linker:
//
//	-ldflags "-X github.com/keyward/keyward/internal/buildinfo.version=v0.1.0
//	          -X github.com/keyward/keyward/internal/buildinfo.commit=<sha>"
//
// A plain `go build` or `go install module@version` leaves them empty, and
// what the Go toolchain recorded in the binary (debug.ReadBuildInfo) is
// used instead: the module's version and the VCS revision, when known.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set by the linker (-X); see the package comment.
var version, commit string

// Info describes the running build.
type Info struct {
	// Version is a tag such as v0.1.0, `git describe`'s longer form for
	// a build between tags, or "devel" when nothing says.
	Version string
	// Commit is the VCS revision, "unknown" when nothing says; a build
	// from a tree with uncommitted changes ends in "-dirty".
	Commit string
	// GoVersion is the toolchain's (runtime.Version()), Platform GOOS/GOARCH.
	GoVersion, Platform string
}

var (
	once sync.Once
	info Info
)

// Get returns the running build's Info.
func Get() Info {
	once.Do(func() {
		bi, _ := debug.ReadBuildInfo()
		info = resolve(version, commit, bi)
	})
	return info
}

// resolve prefers what the linker set, then what the toolchain recorded.
func resolve(version, commit string, bi *debug.BuildInfo) Info {
	in := Info{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if in.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			in.Version = bi.Main.Version
		}
		if in.Commit == "" {
			var rev string
			modified := false
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
			if rev != "" && modified {
				rev += "-dirty"
			}
			in.Commit = rev
		}
	}
	if in.Version == "" {
		in.Version = "devel"
	}
	if in.Commit == "" {
		in.Commit = "unknown"
	}
	return in
}

// String is the line `keyward version` prints.
func (i Info) String() string {
	return "keyward " + i.Version + " (commit " + i.Commit + ", " + i.GoVersion + ", " + i.Platform + ")"
}
