package query

import (
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestIsForm checks the fast path against mime.ParseMediaType, the oracle,
// on the forms SDKs send and on those that must take the slow path.
func TestIsForm(t *testing.T) {
	for _, ct := range []string{
		"application/x-www-form-urlencoded",
		"application/x-www-form-urlencoded; charset=utf-8",
		"application/x-www-form-urlencoded;charset=UTF-8",
		"Application/X-WWW-Form-Urlencoded; charset=utf-8",
		"application/x-www-form-urlencoded; charset=latin1",
		"application/x-www-form-urlencoded ; charset=utf-8",
		"application/x-www-form-urlencodedx",
		"application/x-www-form-urlencoded;",
		"application/x-www-form-urlencoded; charset=utf-8; x",
		"application/json",
		"text/plain",
		"",
	} {
		mt, _, _ := mime.ParseMediaType(ct)
		if got, want := isForm(ct), mt == formType; got != want {
			t.Errorf("isForm(%q) = %v, mime says %v", ct, got, want)
		}
	}
}

func TestParseParams(t *testing.T) {
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	tests := []struct {
		name, method, query, contentType, body string
		want                                   url.Values
		wantErr                                bool
	}{
		{name: "query only", method: "GET", query: "Action=ListUsers&MaxItems=2",
			want: url.Values{"Action": {"ListUsers"}, "MaxItems": {"2"}}},
		{name: "body only", method: "POST", contentType: form, body: "Action=ListUsers&Marker=a%2Bb",
			want: url.Values{"Action": {"ListUsers"}, "Marker": {"a+b"}}},
		{name: "both merged", method: "POST", query: "Action=ListUsers", contentType: form, body: "MaxItems=2&Action=GetUser",
			want: url.Values{"Action": {"ListUsers", "GetUser"}, "MaxItems": {"2"}}},
		{name: "nothing", method: "POST", want: url.Values{}},
		{name: "GET body ignored", method: "GET", query: "Action=ListUsers", contentType: "application/json", body: "{}",
			want: url.Values{"Action": {"ListUsers"}}},
		{name: "body not a form", method: "POST", contentType: "application/json", body: `{"Action":"ListUsers"}`, wantErr: true},
		{name: "bad escape in body", method: "POST", contentType: form, body: "Action=%zz", wantErr: true},
		{name: "bad escape in query", method: "GET", query: "Action=%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, "http://keyward/?"+tt.query, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			got, err := parseParams(r, []byte(tt.body))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %v, want an error", got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
