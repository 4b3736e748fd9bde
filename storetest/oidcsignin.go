package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/keyward/keyward"
)

// testOIDCSignIns: a provider's console sign-in is set with the provider
// as it is, replaced in place, listed, sealed like every other secret
// (SealedSecrets and Reseal reach it), refused for a provider that does
// not exist, left unchanged by fn's error, and deleted with its provider.
func testOIDCSignIns(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	p := keyward.OIDCProvider{ARN: "arn:aws:iam::123456789012:oidc-provider/idp.example.com", URL: "idp.example.com",
		ClientIDs: []string{"console", "cli"}, CreatedAt: t0}
	must(t, s.CreateOIDCProvider(ctx, p, 5))
	other := p
	other.ARN, other.URL = "arn:aws:iam::123456789012:oidc-provider/other.example.com", "other.example.com"
	must(t, s.CreateOIDCProvider(ctx, other, 5))

	wantErr(t, s.PutOIDCSignIn(ctx, "arn:aws:iam::123456789012:oidc-provider/none.example.com", func(keyward.OIDCProvider, *keyward.OIDCSignIn) error {
		t.Fatal("fn called for a provider that does not exist")
		return nil
	}), keyward.ErrNoSuchOIDCProvider)
	_, err := s.OIDCSignIn(ctx, p.ARN)
	wantErr(t, err, keyward.ErrNoSuchOIDCSignIn)

	must(t, s.PutOIDCSignIn(ctx, p.ARN, func(seen keyward.OIDCProvider, si *keyward.OIDCSignIn) error {
		if !slices.Equal(seen.ClientIDs, p.ClientIDs) || si.ProviderARN != p.ARN || si.ClientID != "" {
			t.Fatalf("fn saw %+v and %+v", seen, si)
		}
		si.ClientID, si.SealedSecret, si.Name, si.Roles, si.UpdatedAt = "console", []byte("sealed-1"), "Example", []string{"arn:aws:iam::123456789012:role/Dev"}, t0
		return nil
	}))
	must(t, s.PutOIDCSignIn(ctx, other.ARN, func(_ keyward.OIDCProvider, si *keyward.OIDCSignIn) error {
		si.ClientID, si.SealedSecret, si.Name, si.UpdatedAt = "cli", []byte("sealed-2"), "Other", t0
		return nil
	}))
	got, err := s.OIDCSignIn(ctx, p.ARN)
	must(t, err)
	if got.ClientID != "console" || string(got.SealedSecret) != "sealed-1" || got.Name != "Example" || !slices.Equal(got.Roles, []string{"arn:aws:iam::123456789012:role/Dev"}) || !got.UpdatedAt.Equal(t0) {
		t.Fatalf("read %+v", got)
	}
	// A replacement sees the one it replaces; fn's error changes nothing.
	must(t, s.PutOIDCSignIn(ctx, p.ARN, func(_ keyward.OIDCProvider, si *keyward.OIDCSignIn) error {
		if si.Name != "Example" || string(si.SealedSecret) != "sealed-1" {
			t.Fatalf("replacing %+v", si)
		}
		si.Name, si.Roles, si.UpdatedAt = "Renamed", nil, t0.Add(1)
		return nil
	}))
	refused := errors.New("refused")
	wantErr(t, s.PutOIDCSignIn(ctx, p.ARN, func(_ keyward.OIDCProvider, si *keyward.OIDCSignIn) error {
		si.Name = "Not kept"
		return refused
	}), refused)
	got, err = s.OIDCSignIn(ctx, p.ARN)
	must(t, err)
	if got.Name != "Renamed" || len(got.Roles) != 0 || string(got.SealedSecret) != "sealed-1" {
		t.Fatalf("after replacement %+v", got)
	}
	all, err := s.OIDCSignIns(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ProviderARN != p.ARN || all[1].ProviderARN != other.ARN {
		t.Fatalf("listed %+v", all)
	}

	// The secrets are sealed secrets of the store, bound to the provider.
	sealed := map[string]string{}
	must(t, s.SealedSecrets(ctx, func(id string, b []byte) error { sealed[id] = string(b); return nil }))
	if sealed[p.ARN] != "sealed-1" || sealed[other.ARN] != "sealed-2" {
		t.Fatalf("SealedSecrets gave %v", sealed)
	}
	must(t, s.Reseal(ctx, func(id string, b []byte) ([]byte, error) { return append([]byte("new:"), b...), nil }, []byte("check")))
	got, err = s.OIDCSignIn(ctx, p.ARN)
	must(t, err)
	if string(got.SealedSecret) != "new:sealed-1" {
		t.Fatalf("after Reseal %q", got.SealedSecret)
	}

	must(t, s.DeleteOIDCSignIn(ctx, other.ARN))
	wantErr(t, s.DeleteOIDCSignIn(ctx, other.ARN), keyward.ErrNoSuchOIDCSignIn)
	must(t, s.DeleteOIDCProvider(ctx, p.ARN))
	_, err = s.OIDCSignIn(ctx, p.ARN)
	wantErr(t, err, keyward.ErrNoSuchOIDCSignIn)
	// A provider made again under the same ARN has no sign-in.
	must(t, s.CreateOIDCProvider(ctx, p, 5))
	_, err = s.OIDCSignIn(ctx, p.ARN)
	wantErr(t, err, keyward.ErrNoSuchOIDCSignIn)
}
