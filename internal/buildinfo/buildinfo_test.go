package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	recorded := &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}}
	dirty := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		name                 string
		version, commit      string
		bi                   *debug.BuildInfo
		wantVersion, wantRev string
	}{
		{"the linker's values win", "v0.1.0", "def456", recorded, "v0.1.0", "def456"},
		{"go install module@version", "", "", recorded, "v0.2.0", "abc123"},
		{"a work tree with changes", "", "", dirty, "devel", "abc123-dirty"},
		{"nothing recorded", "", "", nil, "devel", "unknown"},
		{"version without commit", "v0.1.0", "", &debug.BuildInfo{}, "v0.1.0", "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := resolve(tc.version, tc.commit, tc.bi)
			if got.Version != tc.wantVersion || got.Commit != tc.wantRev || got.GoVersion == "" || got.Platform == "" {
				t.Errorf("got %+v, want version %s commit %s", got, tc.wantVersion, tc.wantRev)
			}
		})
	}
}
