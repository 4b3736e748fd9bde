package sts_test

import (
	"crypto/rand"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/seal"
)

// TestOIDCSignInClient: the console's client at a provider is found by
// the provider's URL with its secret opened, the secret is among the
// store's sealed secrets (keyward rekey seals it again, and it opens
// under the new key alone), and a provider without a sign-in, or none,
// is NoSuchEntity; the sign-in page lists the settings by name.
func TestOIDCSignInClient(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(t.Context())
	p, err := k.IAM.CreateOIDCProvider(root, "https://idp.example.com/tenant", []string{"console"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.STS.OIDCSignInClient(t.Context(), "idp.example.com/tenant"); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("before any is set: %v", err)
	}
	if err := k.IAM.PutOIDCSignIn(root, p.ARN, "console", "the-client-secret", "Tenant SSO", nil); err != nil {
		t.Fatal(err)
	}
	// Re-sealed under a new master key, the old one then dropped.
	newKey := make([]byte, seal.KeySize)
	rand.Read(newKey)
	if err := k.IAM.Sealer.Reload([][]byte{newKey, make([]byte, seal.KeySize)}); err != nil {
		t.Fatal(err)
	}
	if n, err := k.IAM.Rekey(t.Context()); err != nil || n < 2 {
		t.Fatalf("rekey: %d secrets, %v", n, err)
	}
	if err := k.IAM.Sealer.Reload([][]byte{newKey}); err != nil {
		t.Fatal(err)
	}
	cl, err := k.STS.OIDCSignInClient(t.Context(), "idp.example.com/tenant")
	if err != nil || cl.ClientID != "console" || cl.ClientSecret != "the-client-secret" || cl.Provider.ARN != p.ARN || len(cl.Roles) != 0 {
		t.Fatalf("client %+v, %v", cl, err)
	}
	opts, err := k.STS.OIDCSignInOptions(t.Context())
	if err != nil || len(opts) != 1 || opts[0].Name != "Tenant SSO" || opts[0].Provider != "idp.example.com/tenant" {
		t.Fatalf("options %+v, %v", opts, err)
	}
	if _, err := k.STS.OIDCSignInClient(t.Context(), "other.example.com"); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("another provider: %v", err)
	}
}
