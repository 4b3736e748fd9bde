package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keyward/keyward"
)

func init() {
	suite(namedTest{"SAMLProviders", testSAMLProviders}, namedTest{"ConcurrentSAMLProviderQuota", testConcurrentSAMLProviderQuota})
	taggedKinds[keyward.TaggedSAMLProvider] = taggedKind{func(t *testing.T, s keyward.Store) string {
		p := keyward.SAMLProvider{ARN: "arn:aws:iam::123456789012:saml-provider/corp", Name: "corp", Metadata: "<md/>", ValidUntil: t0, CreatedAt: t0}
		must(t, s.CreateSAMLProvider(context.Background(), p, 2))
		return p.ARN
	}, keyward.ErrNoSuchSAMLProvider}
}

// testSAMLProviders: a provider is kept with its metadata, validity and
// tags; names are unique case-insensitively; the quota holds; updates
// replace the document and keep the creation date.
func testSAMLProviders(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	p := keyward.SAMLProvider{ARN: "arn:aws:iam::123456789012:saml-provider/Okta", Name: "Okta", Metadata: "<md/>",
		ValidUntil: t0.Add(24 * time.Hour), CreatedAt: t0, Tags: []keyward.Tag{{Key: "team", Value: "a"}}}
	must(t, s.CreateSAMLProvider(ctx, p, 2))
	wantErr(t, s.CreateSAMLProvider(ctx, p, 2), keyward.ErrSAMLProviderExists)
	folded := p
	folded.ARN, folded.Name = "arn:aws:iam::123456789012:saml-provider/OKTA", "OKTA"
	wantErr(t, s.CreateSAMLProvider(ctx, folded, 2), keyward.ErrSAMLProviderExists)
	p2 := p
	p2.ARN, p2.Name, p2.Tags = "arn:aws:iam::123456789012:saml-provider/Entra", "Entra", nil
	must(t, s.CreateSAMLProvider(ctx, p2, 2))
	p3 := p2
	p3.ARN, p3.Name = "arn:aws:iam::123456789012:saml-provider/Third", "Third"
	wantErr(t, s.CreateSAMLProvider(ctx, p3, 2), keyward.ErrSAMLProviderQuota)

	got, err := s.SAMLProvider(ctx, p.ARN)
	must(t, err)
	if got.Name != "Okta" || got.Metadata != "<md/>" || !got.ValidUntil.Equal(p.ValidUntil) || !got.CreatedAt.Equal(t0) || len(got.Tags) != 1 {
		t.Fatalf("read %+v", got)
	}
	later := t0.Add(48 * time.Hour)
	must(t, s.UpdateSAMLProvider(ctx, p.ARN, func(p *keyward.SAMLProvider) error {
		p.Metadata, p.ValidUntil, p.Tags = "<md2/>", later, nil
		return nil
	}))
	got, err = s.SAMLProvider(ctx, p.ARN)
	must(t, err)
	if got.Metadata != "<md2/>" || !got.ValidUntil.Equal(later) || !got.CreatedAt.Equal(t0) || len(got.Tags) != 0 {
		t.Fatalf("updated %+v", got)
	}
	refused := fmt.Errorf("refused")
	wantErr(t, s.UpdateSAMLProvider(ctx, p.ARN, func(p *keyward.SAMLProvider) error { p.Metadata = "x"; return refused }), refused)
	if got, _ := s.SAMLProvider(ctx, p.ARN); got.Metadata != "<md2/>" {
		t.Fatalf("a refused update changed the provider: %q", got.Metadata)
	}
	all, err := s.SAMLProviders(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "Entra" || all[1].Name != "Okta" {
		t.Fatalf("listed %+v", all)
	}
	must(t, s.DeleteSAMLProvider(ctx, p.ARN))
	wantErr(t, s.DeleteSAMLProvider(ctx, p.ARN), keyward.ErrNoSuchSAMLProvider)
	_, err = s.SAMLProvider(ctx, p.ARN)
	wantErr(t, err, keyward.ErrNoSuchSAMLProvider)
	wantErr(t, s.UpdateSAMLProvider(ctx, p.ARN, func(*keyward.SAMLProvider) error { return nil }), keyward.ErrNoSuchSAMLProvider)
}

// testConcurrentSAMLProviderQuota: creations racing for the last places
// never exceed the quota.
func testConcurrentSAMLProviderQuota(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	initAccount(t, s)
	const n, max = 12, 5
	errs := concurrentErrors(n, func(i int) error {
		name := fmt.Sprintf("idp%d", i)
		return s.CreateSAMLProvider(ctx, keyward.SAMLProvider{ARN: "arn:aws:iam::123456789012:saml-provider/" + name, Name: name,
			Metadata: "<md/>", ValidUntil: t0, CreatedAt: t0}, max)
	})
	if ok := countOK(t, errs, keyward.ErrSAMLProviderQuota); ok != max {
		t.Fatalf("%d of %d concurrent creations succeeded, want %d", ok, n, max)
	}
}
