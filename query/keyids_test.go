package query

import "testing"

// TestPresentedKeyID: only what has the exact shape of an access key ID is
// recorded of what a request presents as one.
func TestPresentedKeyID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
		{"ASIAKEYWARD000000001", "ASIAKEYWARD000000001"},
		{"wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY00", ""}, // a secret
		{"AKIAIOSFODNN7EXAMPL", ""},                      // too short
		{"AKIAIOSFODNN7EXAMPLE0", ""},                    // too long
		{"AKIAiosfodnn7example", ""},
		{"AIDAIOSFODNN7EXAMPLE", ""}, // a user ID
		{"KEYWARDROOTKEY000000", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := presentedKeyID(tt.id); got != tt.want {
			t.Errorf("presentedKeyID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

// TestRedactKeyIDs: a Credential= parameter keeps only what is shaped like
// a key ID.
func TestRedactKeyIDs(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"Authorization=AWS4-HMAC-SHA256 Credential=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY00/20260101/us-east-1/sts/aws4_request",
			"Authorization=AWS4-HMAC-SHA256 Credential=HIDDEN_DUE_TO_SECURITY_REASONS/20260101/us-east-1/sts/aws4_request"},
		{"Authorization=AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host",
			"Authorization=AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host"},
		{"X-Amz-Credential=secret+with+plus&X-Amz-Date=1", "X-Amz-Credential=HIDDEN_DUE_TO_SECURITY_REASONS&X-Amz-Date=1"},
		{"Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z", "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z"},
	}
	for _, tt := range tests {
		if got := redactKeyIDs(tt.msg); got != tt.want {
			t.Errorf("redactKeyIDs(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}
