package sts

import (
	"testing"

	"github.com/keyward/keyward"
)

// TestTokenAudience: a token is for a provider's client when one of its
// audiences names it; its authorised party (azp) counts instead only for
// Google, whose "accounts.google.com:aud" AWS documents as the azp.
func TestTokenAudience(t *testing.T) {
	clients := []string{"sts.amazonaws.com", "1234567890"}
	tests := []struct {
		name, provider string
		aud            []string
		azp, want      string
	}{
		{"an audience registered", "token.actions.githubusercontent.com", []string{"sts.amazonaws.com"}, "", "sts.amazonaws.com"},
		{"the registered one among several", "idp.example.com", []string{"https://api.example", "1234567890"}, "", "1234567890"},
		{"no audience registered", "idp.example.com", []string{"https://api.example"}, "", ""},
		{"azp registered, audience another service's", "idp.example.com", []string{"https://payments.example"}, "sts.amazonaws.com", ""},
		{"azp and audience both registered", "idp.example.com", []string{"sts.amazonaws.com"}, "1234567890", "sts.amazonaws.com"},
		{"Google: the azp, a service account", "accounts.google.com", []string{"https://payments.example"}, "1234567890", "1234567890"},
		{"Google: the azp unregistered, the audience registered", "accounts.google.com", []string{"sts.amazonaws.com"}, "999", "sts.amazonaws.com"},
		{"Google: neither registered", "accounts.google.com", []string{"https://payments.example"}, "999", ""},
		{"a Google look-alike's azp", "accounts.google.com.evil.example", []string{"https://payments.example"}, "1234567890", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tokenAudience(tt.provider, clients, keyward.WebIdentityClaims{Audience: tt.aud, AuthorizedParty: tt.azp})
			if got != tt.want {
				t.Fatalf("audience %q, want %q", got, tt.want)
			}
		})
	}
}
