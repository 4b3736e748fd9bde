package iam_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestTagsOfEveryKind holds the one tagging implementation to AWS's rules
// for every taggable kind: keys compared case-insensitively, at most 50
// tags, no key twice in a request, and the kind's own NoSuchEntity.
func TestTagsOfEveryKind(t *testing.T) {
	b := newAPIServer(t)
	root := b.RootContext()
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`
	_, err := b.IAM.CreateUser(root, "u", "/", nil)
	must(t, err)
	_, err = b.IAM.CreateRole(root, keyward.Role{Name: "r", TrustPolicy: trust})
	must(t, err)
	pol, err := b.IAM.CreatePolicy(root, "p", "/", "", allow, nil)
	must(t, err)
	dev, err := b.IAM.CreateVirtualMFADevice(root, "d", "/", nil)
	must(t, err)
	oidc, err := b.IAM.CreateOIDCProvider(root, "https://tokens.example.com", []string{"app"}, []string{strings.Repeat("a", 40)}, nil)
	must(t, err)
	certPEM, keyPEM := selfSignedCert(t)
	_, err = b.IAM.UploadServerCertificate(root, "c", "/", certPEM, keyPEM, "", nil)
	must(t, err)
	_, err = b.IAM.CreateInstanceProfile(root, "ip", "/", nil)
	must(t, err)
	idp, err := b.IAM.CreateSAMLProvider(root, "corp", kwtest.NewIdP(t, b.STS.SAML, b.Clock.Now).Metadata, nil)
	must(t, err)
	ids := map[keyward.TagKind]string{keyward.TaggedUser: "u", keyward.TaggedRole: "r", keyward.TaggedPolicy: pol.ARN,
		keyward.TaggedMFADevice: dev.SerialNumber, keyward.TaggedOIDCProvider: oidc.ARN, keyward.TaggedServerCertificate: "c",
		keyward.TaggedInstanceProfile: "ip", keyward.TaggedSAMLProvider: idp.ARN}
	missing := map[keyward.TagKind]string{keyward.TaggedPolicy: pol.ARN + "x", keyward.TaggedMFADevice: dev.SerialNumber + "x",
		keyward.TaggedOIDCProvider: oidc.ARN + "x", keyward.TaggedSAMLProvider: idp.ARN + "x"}

	for _, kind := range keyward.TagKinds {
		id := ids[kind]
		wantCode := func(err error, code, message string) {
			t.Helper()
			if keyward.ErrorCode(err) != code || !strings.Contains(keyward.ErrorMessage(err), message) {
				t.Fatalf("%s: got %v, want %s %q", kind, err, code, message)
			}
		}
		must(t, b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "team", Value: "a"}, {Key: "cost", Value: "1"}}))
		must(t, b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "TEAM", Value: "b"}}))
		tags, err := b.IAM.ResourceTags(root, kind, id)
		must(t, err)
		if len(tags) != 2 || tags[0] != (keyward.Tag{Key: "TEAM", Value: "b"}) || tags[1].Key != "cost" {
			t.Fatalf("%s: tags %+v", kind, tags)
		}
		wantCode(b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "k", Value: "1"}, {Key: "K", Value: "2"}}),
			keyward.EInvalidInput, "Duplicate tag keys")
		var more []keyward.Tag
		for i := len(tags); i < keyward.MaxTagsPerSet; i++ {
			more = append(more, keyward.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
		}
		must(t, b.IAM.TagResource(root, kind, id, more))
		wantCode(b.IAM.TagResource(root, kind, id, []keyward.Tag{{Key: "one-more", Value: "v"}}),
			keyward.ELimitExceeded, "The number of tags has reached the maximum limit.")
		must(t, b.IAM.UntagResource(root, kind, id, []string{"team", "absent"}))
		tags, err = b.IAM.ResourceTags(root, kind, id)
		must(t, err)
		if len(tags) != keyward.MaxTagsPerSet-1 || tags[0].Key != "cost" {
			t.Fatalf("%s: after untagging, %d tags from %q", kind, len(tags), tags[0].Key)
		}

		none := missing[kind]
		if none == "" {
			none = "none"
		}
		_, err = b.IAM.ResourceTags(root, kind, none)
		wantCode(err, keyward.ENoSuchEntity, "")
		wantCode(b.IAM.TagResource(root, kind, none, []keyward.Tag{{Key: "k", Value: "v"}}), keyward.ENoSuchEntity, "")
		wantCode(b.IAM.UntagResource(root, kind, none, []string{"k"}), keyward.ENoSuchEntity, "")
	}

	// AWS's own managed policies are not the account's to tag.
	aws := keyward.AWSManagedPolicyARNPrefix + "ReadOnlyAccess"
	err = b.IAM.TagResource(root, keyward.TaggedPolicy, aws, []keyward.Tag{{Key: "k", Value: "v"}})
	if keyward.ErrorCode(err) != keyward.EInvalidInput || !strings.Contains(keyward.ErrorMessage(err), "AWS managed policy") {
		t.Fatalf("tagging %s: %v", aws, err)
	}
}
