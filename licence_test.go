package keyward_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// allowedLicences can be combined with Keyward's Apache-2.0 in one binary:
// permissive licences only.
var allowedLicences = map[string]bool{"Apache-2.0": true, "MIT": true, "BSD-2-Clause": true, "BSD-3-Clause": true, "ISC": true, "MIT AND Apache-2.0": true}

// classifyLicence names the licence a licence file holds, by the words
// each licence's text has and the others lack ("" when unknown).
func classifyLicence(text string) string {
	t := strings.Join(strings.Fields(text), " ")
	switch {
	case strings.Contains(t, "two different licenses: MIT and Apache"):
		return "MIT AND Apache-2.0"
	case strings.Contains(t, "Apache License") && strings.Contains(t, "Version 2.0"):
		return "Apache-2.0"
	case strings.Contains(t, "Permission is hereby granted, free of charge"):
		return "MIT"
	case strings.Contains(t, "Permission to use, copy, modify, and/or distribute this software for any purpose"):
		return "ISC"
	case strings.Contains(t, "Redistribution and use in source and binary forms"):
		if strings.Contains(t, "Neither the name") || strings.Contains(t, "names of its contributors") {
			return "BSD-3-Clause"
		}
		return "BSD-2-Clause"
	}
	return ""
}

var noticeRow = regexp.MustCompile(`(?m)^\| (\S+) \| ([^|]+?) \| (\S+) \|$`)

// TestDependencyLicences: NOTICE.md lists exactly the modules the keyward
// binary links, each with the licence its own licence file holds, and
// every one of them is compatible with Apache-2.0 (LICENSE).
func TestDependencyLicences(t *testing.T) {
	lic, err := os.ReadFile("LICENSE")
	if err != nil || classifyLicence(string(lic)) != "Apache-2.0" {
		t.Fatalf("LICENSE is not the Apache License 2.0 (%v)", err)
	}
	notice, err := os.ReadFile("NOTICE.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string][2]string{}
	for _, m := range noticeRow.FindAllStringSubmatch(string(notice), -1) {
		if m[1] != "module" && m[1] != "---" {
			listed[m[1]] = [2]string{m[2], m[3]}
		}
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Dir}}{{end}}{{end}}", "./cmd/keyward").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	linked := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, dir, ok := strings.Cut(line, " "); ok {
			linked[path] = dir
		}
	}
	if len(linked) < 10 {
		t.Fatalf("go list found %d modules", len(linked))
	}
	for path, dir := range linked {
		entry, ok := listed[path]
		if !ok {
			t.Errorf("%s is linked into keyward but not listed in NOTICE.md", path)
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, entry[1]))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got := classifyLicence(string(text)); got != entry[0] {
			t.Errorf("%s: NOTICE.md says %s, its %s says %q", path, entry[0], entry[1], got)
		}
		if !allowedLicences[entry[0]] {
			t.Errorf("%s is under %s, which is not known to be compatible with Apache-2.0", path, entry[0])
		}
	}
	for path := range listed {
		if _, ok := linked[path]; !ok {
			t.Errorf("NOTICE.md lists %s, which keyward does not link", path)
		}
	}
}
