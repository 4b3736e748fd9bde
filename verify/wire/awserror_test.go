package wire

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward"
)

// TestErrorTableMatchesModel checks the status of every code that the IAM
// model defines against the model itself.
func TestErrorTableMatchesModel(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "aws", "spec", "iam", "service-2.json"))
	if err != nil {
		t.Fatalf("the service models must be beside the repository: %v", err)
	}
	var m struct {
		Shapes map[string]struct {
			Error *struct {
				Code   string `json:"code"`
				Status int    `json:"httpStatusCode"`
				Sender bool   `json:"senderFault"`
			} `json:"error"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for name, s := range m.Shapes {
		if s.Error == nil {
			continue
		}
		kind, ok := errorTable[s.Error.Code]
		if !ok {
			continue
		}
		checked++
		if kind.status != s.Error.Status || kind.sender != s.Error.Sender {
			t.Errorf("%s: table has %d sender=%v, model %d sender=%v", name, kind.status, kind.sender, s.Error.Status, s.Error.Sender)
		}
	}
	if checked < 6 {
		t.Fatalf("only %d codes found in the model", checked)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    string
		message string
		status  int
		fault   string
	}{
		{"known", keyward.UserNotFound("bob"), "NoSuchEntity", "The user with name bob cannot be found.", 404, "Sender"},
		{"auth", keyward.Errorf(keyward.EInvalidClientTokenID, "x"), "InvalidClientTokenId", "x", 403, "Sender"},
		// An internal error's text must not reach the client.
		{"unknown", errors.New("disk I/O error at /var/lib/secret"), "ServiceFailure", "An internal error occurred while processing the request.", 500, "Receiver"},
		{"unlisted code", keyward.Errorf("Bogus", "x"), "ServiceFailure", "An internal error occurred while processing the request.", 500, "Receiver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg, status, fault := Describe(tt.err)
			if code != tt.code || msg != tt.message || status != tt.status || fault != tt.fault {
				t.Fatalf("got %s %q %d %s", code, msg, status, fault)
			}
		})
	}
}

func TestAppendText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`<a href="x">&'`, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"},
		{"Équipe ሴ", "Équipe ሴ"},
		{"bad\x00\xff", "bad\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		if got := AppendText(nil, tt.in); string(got) != tt.want {
			t.Errorf("AppendText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
