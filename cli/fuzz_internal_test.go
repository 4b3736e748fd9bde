package cli

import (
	"testing"
	"unicode/utf8"
)

// The command line's parsers take anything a user types or a server
// sends without panicking.

func FuzzShorthand(f *testing.F) {
	for _, s := range []string{"Key=a,Value=b", "a=[b,{c=d}]", `a="x\"y",b='z'`, "a=b,c", "a={", "a=[", `a=\,`, "a=b,a=c", "=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if o, err := parseShorthand(s); err == nil {
			pyJSONCompact(o)
		}
	})
}

func FuzzPyJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5, "x\u00e9", null, true]}`, `[`, `{"a"`, `"\ud83d"`, `1e999`, `-`, `NaN`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parsePyJSON(s)
		if err != nil {
			return
		}
		out := pyJSONDump(v)
		if utf8.ValidString(s) {
			if _, err := parsePyJSON(out); err != nil {
				t.Fatalf("%q printed %q, which does not read back: %v", s, out, err)
			}
		}
	})
}

func FuzzParseOutput(f *testing.F) {
	svc := services()["iam"]
	op := svc.model.Operations["GetAccountAuthorizationDetails"]
	f.Add([]byte(`<R><GetAccountAuthorizationDetailsResult><UserDetailList><member><UserName>a</UserName><CreateDate>2024-01-01T00:00:00Z</CreateDate><UserPolicyList><member><PolicyDocument>%7B%7D</PolicyDocument></member></UserPolicyList></member></UserDetailList><IsTruncated>false</IsTruncated></GetAccountAuthorizationDetailsResult></R>`))
	f.Add([]byte(`<R><GetAccountAuthorizationDetailsResult><IsTruncated>maybe</IsTruncated></GetAccountAuthorizationDetailsResult></R>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := parseOutput(body, op, svc.model.OutputShape(op))
		if err == nil {
			decodePolicies(out, svc.model.OutputShape(op))
			pyJSONDump(out)
		}
		parseErrorResponse(400, body)
	})
}
