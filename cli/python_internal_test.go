package cli

import (
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"
)

// The AWS CLI's parsing and printing are Python's: this test runs the AWS
// CLI's own shorthand parser and Python's json, float repr and unquote on
// the same inputs as their ports here, in one Python process.

const pythonOracle = `
import json, sys, urllib.parse
from awscli.shorthand import ShorthandParser
cases = json.load(sys.stdin)
out = {"shorthand": [], "floats": [], "json": [], "unquote": []}
for s in cases["shorthand"]:
    try:
        out["shorthand"].append(json.dumps(ShorthandParser().parse(s)))
    except Exception as e:
        out["shorthand"].append("ERROR " + str(e))
for f in cases["floats"]:
    out["floats"].append(repr(float(f)))
for d in cases["json"]:
    try:
        out["json"].append(json.dumps(json.loads(d), indent=4, ensure_ascii=False))
    except ValueError as e:
        out["json"].append("ERROR " + str(e))
for u in cases["unquote"]:
    out["unquote"].append(urllib.parse.unquote(u))
json.dump(out, sys.stdout)
`

func TestPortsMatchPython(t *testing.T) {
	cases := map[string][]string{
		"shorthand": {
			"Key=a,Value=b", "Key=a,Value=b c", "a=b,c,d", "a=b,c=d", "a=[b,c],d={e=f,g=[h]}",
			`Key=a,Value="x, y"`, `Key='it''s',Value=b`, `a=x\,y,b=2`, "a=b,a=c", "a", "a=", "a=b,", "a=[b", "a={b=c",
			" Key = a , Value = b ", "a=b\nc=d", "a=https://example.com/x?y=1", "a=ü,b=日本",
		},
		"floats": {"0.1", "1", "1e16", "1e15", "123456789012345678", "1.5e-05", "0.0001", "0.00001", "-2.5", "3.14159265358979", "1e300", "100"},
		"json": {
			`{"a": 1, "b": [true, false, null], "c": {"d": "e\u00e9\n\t\"</"}}`, `{"a": 1, "a": 2, "b": 3}`, `[1.0, 2.50, 1e2, -0, 12345678901234567890123]`,
			`{"a": 1,}`, `[1,]`, `{"a" 1}`, `tru`, `"abc`, `[1 2]`, `{"a":1} x`, `"\q"`, "\"a\x01\"", "",
			`{"emoji": "\ud83d\ude00", "nl": "a\u2028b"}`,
		},
		"unquote": {"%7B%22a%22%3A%201%7D", "a+b%20c", "%zz%4", "%E2%82%AC", "%ff%fe", "100%"},
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command("/usr/bin/python3", "-c", pythonOracle)
	cmd.Stdin = strings.NewReader(string(in))
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 with the AWS CLI's modules (Debian's awscli package): %v", err)
	}
	var want map[string][]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for i, s := range cases["shorthand"] {
		var got string
		if o, err := parseShorthand(s); err != nil {
			got = "ERROR " + err.Error()
		} else {
			got = pyJSONCompact(o)
		}
		if got != want["shorthand"][i] {
			t.Errorf("shorthand %q:\ngot  %s\nwant %s", s, got, want["shorthand"][i])
		}
	}
	for i, f := range cases["floats"] {
		x, _ := pyFloat(f)
		if got := pyFloatRepr(x); got != want["floats"][i] {
			t.Errorf("repr(%s) = %s, want %s", f, got, want["floats"][i])
		}
	}
	for i, d := range cases["json"] {
		var got string
		if v, err := parsePyJSON(d); err != nil {
			got = "ERROR " + err.Error()
		} else {
			got = pyJSONDump(v)
		}
		if got != want["json"][i] {
			t.Errorf("json %q:\ngot  %s\nwant %s", d, got, want["json"][i])
		}
	}
	for i, u := range cases["unquote"] {
		if got := pyUnquote(u); got != want["unquote"][i] {
			t.Errorf("unquote(%q) = %q, want %q", u, got, want["unquote"][i])
		}
	}
	if pyFloatRepr(math.Inf(1)) != "inf" {
		t.Error("inf")
	}
}
