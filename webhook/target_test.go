package webhook_test

import (
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url          string
		allowPrivate bool
		code         string // "" when valid
		message      string // part of the message
	}{
		{"https://hooks.example.com/keyward", false, "", ""},
		{"http://hooks.example.com:8080/k?token=abc", false, "", ""},
		{"https://203.0.113.0.example.com/", false, "", ""},
		{"https://8.8.8.8/hook", false, "", ""},
		{"https://[2606:4700:4700::1111]:8443/hook", false, "", ""},
		{"HTTPS://Hooks.Example.COM/", false, "", ""},
		{"http://127.0.0.1:9000/hook", true, "", ""},
		{"http://localhost:9000/hook", true, "", ""},
		{"http://10.0.0.8/hook", true, "", ""},

		{"", false, keyward.EValidationError, "length greater than or equal to 1"},
		{"https://example.com/" + strings.Repeat("a", webhook.MaxURLLength), false, keyward.EValidationError, "length less than or equal to 2048"},
		{"ftp://hooks.example.com/", false, keyward.EInvalidInput, "must begin with https:// or http://"},
		{"file:///etc/passwd", false, keyward.EInvalidInput, "must begin with https:// or http://"},
		{"javascript:alert(1)", false, keyward.EInvalidInput, "absolute http or https URL"},
		{"hooks.example.com/keyward", false, keyward.EInvalidInput, "must begin with https:// or http://"},
		{"//hooks.example.com/keyward", false, keyward.EInvalidInput, "must begin with https:// or http://"},
		{"https://user:pass@hooks.example.com/", false, keyward.EInvalidInput, "user name or password"},
		{"https://user@hooks.example.com/", false, keyward.EInvalidInput, "user name or password"},
		{"https://hooks.example.com/#frag", false, keyward.EInvalidInput, "fragment"},
		{"https:///path", false, keyward.EInvalidInput, "must name a host"},
		{"https://hooks.example.com:0/", false, keyward.EInvalidInput, "port"},
		{"https://hooks.example.com:99999/", false, keyward.EInvalidInput, "port"},
		{"https://hooks.example.com:/", false, keyward.EInvalidInput, "port"},
		{"https://hooks_example.com%00/", false, keyward.EInvalidInput, ""},
		{"https://-bad-.example.com/", false, keyward.EInvalidInput, "DNS name"},
		{"https://exa mple.com/", false, keyward.EInvalidInput, ""},
		{"https://[fe80::1%25eth0]/", true, keyward.EInvalidInput, "zone"},
		{"http://127.0.0.1:9000/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://[::1]/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://169.254.169.254/latest/meta-data/", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://10.0.0.8/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://[::ffff:192.168.1.1]/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://127.1/hook", false, keyward.EInvalidInput, "neither an IP address"},
		{"http://2130706433/hook", false, keyward.EInvalidInput, "neither an IP address"},
		{"http://0x7f.0x1/hook", false, keyward.EInvalidInput, "neither an IP address"},
		{"http://0x7f000001/hook", false, keyward.EInvalidInput, "neither an IP address"},
		{"http://0.0.0.0/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://localhost/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://LOCALHOST./hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
		{"http://api.localhost/hook", false, keyward.EInvalidInput, "--webhook-allow-private"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := webhook.ValidateURL(tt.url, tt.allowPrivate)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if keyward.ErrorCode(err) != tt.code || !strings.Contains(keyward.ErrorMessage(err), tt.message) {
				t.Fatalf("ValidateURL = %v, want %s containing %q", err, tt.code, tt.message)
			}
			if len(keyward.ErrorMessage(err)) > 600 {
				t.Fatalf("message of %d bytes: the URL is not clipped", len(keyward.ErrorMessage(err)))
			}
		})
	}
}

func TestValidateSecret(t *testing.T) {
	tests := []struct {
		secret string
		ok     bool
	}{
		{strings.Repeat("s", webhook.MinSecretLength), true},
		{strings.Repeat("s", webhook.MaxSecretLength), true},
		{strings.Repeat("s", webhook.MinSecretLength-1), false},
		{strings.Repeat("s", webhook.MaxSecretLength+1), false},
		{"", false},
	}
	for _, tt := range tests {
		err := webhook.ValidateSecret([]byte(tt.secret))
		if tt.ok != (err == nil) {
			t.Errorf("%d bytes: %v", len(tt.secret), err)
		}
		if err != nil && (keyward.ErrorCode(err) != keyward.EValidationError || (tt.secret != "" && strings.Contains(err.Error(), tt.secret))) {
			t.Errorf("%d bytes: %v", len(tt.secret), err)
		}
	}
}
