package iam_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward"
	kwiam "github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/query"
)

// recordingEngine is the real policy engine, noting the condition keys
// Keyward set (RequestContext.Extra) for each action it evaluated.
type recordingEngine struct {
	policy.Engine
	mu   sync.Mutex
	seen map[string]map[string][]string
}

func (e *recordingEngine) Compile(p keyward.Principal, sources []keyward.PolicySource) (keyward.Policies, error) {
	ps, err := e.Engine.Compile(p, sources)
	if err != nil {
		return nil, err
	}
	return recordingPolicies{ps, e}, nil
}

type recordingPolicies struct {
	keyward.Policies
	e *recordingEngine
}

func (r recordingPolicies) Evaluate(action, resource string, rc *keyward.RequestContext, explain bool) keyward.Decision {
	r.e.mu.Lock()
	if r.e.seen == nil {
		r.e.seen = map[string]map[string][]string{}
	}
	r.e.seen[action] = rc.Extra
	r.e.mu.Unlock()
	return r.Policies.Evaluate(action, resource, rc, explain)
}

func (e *recordingEngine) keys(action string) (map[string][]string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k, ok := e.seen[action]
	return k, ok
}

// conditionKeyTable is testdata/iam-condition-keys.json: the Service
// Authorization Reference's condition keys of the IAM actions Keyward
// serves (see its source field).
type conditionKeyTable struct {
	Source        string
	NotSet        map[string]string
	ResourceTypes map[string][]string
	Actions       map[string]struct{ Keys, Resources []string }
}

func selfSignedCert(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "www.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject: pkix.Name{CommonName: "www.example.com"}}, &key.PublicKey, key)
	must(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// TestConditionKeysTable runs, as a user allowed everything, one request
// of every served IAM action for which the Service Authorization Reference
// documents a condition key, on resources tagged team=blue and bounded by
// a permissions boundary, and checks that the evaluation saw every key the
// table lists for the action and its resource (but those the table says
// Keyward does not set, with why), with the request's and the resource's
// values.
func TestConditionKeysTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "iam-condition-keys.json"))
	must(t, err)
	var table conditionKeyTable
	must(t, json.Unmarshal(raw, &table))
	if !strings.Contains(table.Source, "docs.aws.amazon.com/service-authorization") {
		t.Fatalf("the table names no source: %q", table.Source)
	}
	for _, name := range query.Actions()["iam"] {
		if _, ok := table.Actions[name]; !ok {
			t.Errorf("the table lacks %s, which Keyward serves", name)
		}
	}

	b := newAPIServer(t)
	engine := &recordingEngine{}
	b.Authz.Policies = engine
	root := b.RootContext()
	tags := []keyward.Tag{{Key: "team", Value: "blue"}}
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	bound := "arn:aws:iam::" + kwtest.AccountID + ":policy/bound"
	other := "arn:aws:iam::" + kwtest.AccountID + ":policy/other"
	attachable := "arn:aws:iam::" + kwtest.AccountID + ":policy/attachable"
	for _, name := range []string{"bound", "other", "attachable"} {
		_, err := b.IAM.CreatePolicy(root, name, "/", "", allow, tags)
		must(t, err)
	}
	prober, err := b.IAM.CreateUser(root, "prober", "/", nil)
	must(t, err)
	must(t, b.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityUser, Name: "prober"}, "all", allow))
	_, err = b.IAM.CreateBoundedUser(root, "target", "/", bound, tags)
	must(t, err)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`
	_, err = b.IAM.CreateRole(root, keyward.Role{Name: "trole", TrustPolicy: trust, Tags: tags, PermissionsBoundary: bound})
	must(t, err)
	_, err = b.IAM.CreateGroup(root, "tgroup", "/")
	must(t, err)
	_, err = b.IAM.CreateInstanceProfile(root, "tprofile", "/", tags)
	must(t, err)
	dev, err := b.IAM.CreateVirtualMFADevice(root, "tdev", "/", tags)
	must(t, err)
	oidc, err := b.IAM.CreateOIDCProvider(root, "https://tokens.example.com", []string{"app"}, []string{strings.Repeat("a", 40)}, tags)
	must(t, err)
	certPEM, keyPEM := selfSignedCert(t)
	_, err = b.IAM.UploadServerCertificate(root, "tcert", "/", certPEM, keyPEM, "", tags)
	must(t, err)
	idpMetadata := kwtest.NewIdP(t, b.STS.SAML, b.Clock.Now).Metadata
	idp, err := b.IAM.CreateSAMLProvider(root, "tidp", idpMetadata, tags)
	must(t, err)
	cred, err := b.IAM.CreateServiceSpecificCredential(root, "target", "codecommit.amazonaws.com")
	must(t, err)

	ctx := keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID,
		UserID: prober.ID, UserName: "prober", UserPath: "/"}, CurrentTime: b.Clock.Now()})
	user := keyward.Entity{Kind: keyward.EntityUser, Name: "target"}
	role := keyward.Entity{Kind: keyward.EntityRole, Name: "trole"}
	group := keyward.Entity{Kind: keyward.EntityGroup, Name: "tgroup"}
	newTags := []keyward.Tag{{Key: "cost", Value: "42"}}
	desc := "d"
	// Each probe is one request; want are the values the keys must have
	// (the table decides which keys; a key absent from want needs only be
	// present). Probes run in order: the deletions come after what they
	// delete was used.
	probes := []struct {
		action string
		// created: the resource does not exist before (no resource keys).
		created bool
		run     func() error
		want    map[string][]string
	}{
		{"AttachUserPolicy", false, func() error { return b.IAM.AttachPolicy(ctx, user, attachable) },
			map[string][]string{"iam:PolicyARN": {attachable}, "iam:PermissionsBoundary": {bound}}},
		{"DetachUserPolicy", false, func() error { return b.IAM.DetachPolicy(ctx, user, attachable) },
			map[string][]string{"iam:PolicyARN": {attachable}, "iam:PermissionsBoundary": {bound}}},
		{"AttachRolePolicy", false, func() error { return b.IAM.AttachPolicy(ctx, role, attachable) },
			map[string][]string{"iam:PolicyARN": {attachable}, "iam:PermissionsBoundary": {bound}}},
		{"DetachRolePolicy", false, func() error { return b.IAM.DetachPolicy(ctx, role, attachable) },
			map[string][]string{"iam:PolicyARN": {attachable}, "iam:PermissionsBoundary": {bound}}},
		{"AttachGroupPolicy", false, func() error { return b.IAM.AttachPolicy(ctx, group, attachable) },
			map[string][]string{"iam:PolicyARN": {attachable}}},
		{"DetachGroupPolicy", false, func() error { return b.IAM.DetachPolicy(ctx, group, attachable) },
			map[string][]string{"iam:PolicyARN": {attachable}}},
		{"PutUserPolicy", false, func() error { return b.IAM.PutInlinePolicy(ctx, user, "p", allow) },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"DeleteUserPolicy", false, func() error { return b.IAM.DeleteInlinePolicy(ctx, user, "p") },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"PutRolePolicy", false, func() error { return b.IAM.PutInlinePolicy(ctx, role, "p", allow) },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"DeleteRolePolicy", false, func() error { return b.IAM.DeleteInlinePolicy(ctx, role, "p") },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"GetRole", false, func() error { _, err := b.IAM.Role(ctx, "trole"); return err },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"UpdateRole", false, func() error { _, err := b.IAM.UpdateRole(ctx, "iam:UpdateRole", "trole", &desc, nil); return err },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"UpdateRoleDescription", false, func() error {
			_, err := b.IAM.UpdateRole(ctx, "iam:UpdateRoleDescription", "trole", &desc, nil)
			return err
		}, map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"UpdateAssumeRolePolicy", false, func() error { return b.IAM.UpdateAssumeRolePolicy(ctx, "trole", trust) },
			map[string][]string{"iam:PermissionsBoundary": {bound}}},
		{"TagUser", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedUser, "target", newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagUser", false, func() error { return b.IAM.UntagResource(ctx, keyward.TaggedUser, "target", []string{"cost"}) }, map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagRole", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedRole, "trole", newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagRole", false, func() error { return b.IAM.UntagResource(ctx, keyward.TaggedRole, "trole", []string{"cost"}) }, map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagPolicy", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedPolicy, attachable, newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagPolicy", false, func() error { return b.IAM.UntagResource(ctx, keyward.TaggedPolicy, attachable, []string{"cost"}) }, map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagInstanceProfile", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedInstanceProfile, "tprofile", newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagInstanceProfile", false, func() error {
			return b.IAM.UntagResource(ctx, keyward.TaggedInstanceProfile, "tprofile", []string{"cost"})
		},
			map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagMFADevice", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedMFADevice, dev.SerialNumber, newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagMFADevice", false, func() error {
			return b.IAM.UntagResource(ctx, keyward.TaggedMFADevice, dev.SerialNumber, []string{"cost"})
		},
			map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagOpenIDConnectProvider", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedOIDCProvider, oidc.ARN, newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagOpenIDConnectProvider", false, func() error { return b.IAM.UntagResource(ctx, keyward.TaggedOIDCProvider, oidc.ARN, []string{"cost"}) },
			map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagSAMLProvider", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedSAMLProvider, idp.ARN, newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagSAMLProvider", false, func() error { return b.IAM.UntagResource(ctx, keyward.TaggedSAMLProvider, idp.ARN, []string{"cost"}) },
			map[string][]string{"aws:TagKeys": {"cost"}}},
		{"TagServerCertificate", false, func() error { return b.IAM.TagResource(ctx, keyward.TaggedServerCertificate, "tcert", newTags) },
			map[string][]string{"aws:RequestTag/cost": {"42"}, "aws:TagKeys": {"cost"}}},
		{"UntagServerCertificate", false, func() error {
			return b.IAM.UntagResource(ctx, keyward.TaggedServerCertificate, "tcert", []string{"cost"})
		},
			map[string][]string{"aws:TagKeys": {"cost"}}},
		{"PassRole", false, func() error { return b.IAM.SetInstanceProfileRole(ctx, "tprofile", "trole", false) },
			map[string][]string{"iam:PassedToService": {"ec2.amazonaws.com"}}},
		{"UpdateServiceSpecificCredential", false, func() error {
			return b.IAM.UpdateCredentialStatus(ctx, "target", keyward.CredService, cred.ID, keyward.StatusInactive)
		}, map[string][]string{"iam:ServiceSpecificCredentialServiceName": {"codecommit.amazonaws.com"}}},
		{"ResetServiceSpecificCredential", false, func() error { _, err := b.IAM.ResetServiceSpecificCredential(ctx, "target", cred.ID); return err },
			map[string][]string{"iam:ServiceSpecificCredentialServiceName": {"codecommit.amazonaws.com"}}},
		{"DeleteServiceSpecificCredential", false, func() error { return b.IAM.DeleteCredential(ctx, "target", keyward.CredService, cred.ID) },
			map[string][]string{"iam:ServiceSpecificCredentialServiceName": {"codecommit.amazonaws.com"}}},
		{"CreateServiceSpecificCredential", false, func() error {
			_, err := b.IAM.CreateServiceSpecificCredential(ctx, "target", "cassandra.amazonaws.com")
			return err
		}, map[string][]string{"iam:ServiceSpecificCredentialServiceName": {"cassandra.amazonaws.com"}}},
		{"PutUserPermissionsBoundary", false, func() error { return b.IAM.PutUserPermissionsBoundary(ctx, "target", other) },
			map[string][]string{"iam:PermissionsBoundary": {other}}},
		{"DeleteUserPermissionsBoundary", false, func() error { return b.IAM.DeleteUserPermissionsBoundary(ctx, "target") },
			map[string][]string{"iam:PermissionsBoundary": {other}}},
		{"PutRolePermissionsBoundary", false, func() error {
			return b.IAM.PutRolePermissionsBoundary(ctx, "iam:PutRolePermissionsBoundary", "trole", other)
		}, map[string][]string{"iam:PermissionsBoundary": {other}}},
		{"DeleteRolePermissionsBoundary", false, func() error {
			return b.IAM.PutRolePermissionsBoundary(ctx, "iam:DeleteRolePermissionsBoundary", "trole", "")
		}, map[string][]string{"iam:PermissionsBoundary": {other}}},
		{"CreateUser", true, func() error { _, err := b.IAM.CreateBoundedUser(ctx, "newuser", "/", bound, tags); return err },
			map[string][]string{"iam:PermissionsBoundary": {bound}, "aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreateRole", true, func() error {
			_, err := b.IAM.CreateRole(ctx, keyward.Role{Name: "newrole", TrustPolicy: trust, Tags: tags, PermissionsBoundary: bound})
			return err
		}, map[string][]string{"iam:PermissionsBoundary": {bound}, "aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreatePolicy", true, func() error { _, err := b.IAM.CreatePolicy(ctx, "newpolicy", "/", "", allow, tags); return err },
			map[string][]string{"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreateInstanceProfile", true, func() error { _, err := b.IAM.CreateInstanceProfile(ctx, "newprofile", "/", tags); return err },
			map[string][]string{"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreateVirtualMFADevice", true, func() error { _, err := b.IAM.CreateVirtualMFADevice(ctx, "newdev", "/", tags); return err },
			map[string][]string{"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreateOpenIDConnectProvider", true, func() error {
			_, err := b.IAM.CreateOIDCProvider(ctx, "https://other.example.com", []string{"app"}, []string{strings.Repeat("b", 40)}, tags)
			return err
		}, map[string][]string{"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreateSAMLProvider", true, func() error { _, err := b.IAM.CreateSAMLProvider(ctx, "newidp", idpMetadata, tags); return err },
			map[string][]string{"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"UploadServerCertificate", true, func() error {
			_, err := b.IAM.UploadServerCertificate(ctx, "newcert", "/", certPEM, keyPEM, "", tags)
			return err
		}, map[string][]string{"aws:RequestTag/team": {"blue"}, "aws:TagKeys": {"team"}}},
		{"CreateServiceLinkedRole", true, func() error {
			_, err := b.IAM.CreateServiceLinkedRole(ctx, "elasticbeanstalk.amazonaws.com", "", "")
			return err
		}, map[string][]string{"iam:AWSServiceName": {"elasticbeanstalk.amazonaws.com"}}},
		// Actions naming their resource by ARN.
		{"SimulatePrincipalPolicy", false, func() error {
			_, err := b.IAM.SimulatePrincipalPolicy(ctx, kwiam.SimulationInput{PolicySourceARN: userARN("target"), Actions: []string{"iam:GetUser"}})
			return err
		}, nil},
		{"GetContextKeysForPrincipalPolicy", false, func() error {
			_, err := b.IAM.ContextKeysForPrincipalPolicy(ctx, userARN("target"), nil)
			return err
		}, nil},
		{"ListEntitiesForPolicy", false, func() error {
			_, _, err := b.IAM.ListEntitiesForPolicy(ctx, attachable, "", "/", "", "", 100)
			return err
		}, nil},
		{"GenerateServiceLastAccessedDetails", false, func() error {
			_, err := b.Reports.GenerateServiceLastAccessedDetails(ctx, userARN("target"), "SERVICE_LEVEL")
			return err
		}, nil},
		{"GenerateOrganizationsAccessReport", false, func() error {
			o, err := b.Organizations.CreateOrganization(root, keyward.FeatureSetAll)
			if err != nil {
				return err
			}
			roots, _, err := b.Organizations.ListRoots(root, organizations.Page{})
			if err != nil {
				return err
			}
			_, err = b.Reports.GenerateOrganizationsAccessReport(ctx, o.ID+"/"+roots[0].ID, keyward.FullAWSAccessID)
			return err
		}, map[string][]string{"iam:OrganizationsPolicyId": {keyward.FullAWSAccessID}}},
		{"ListPoliciesGrantingServiceAccess", false, func() error {
			_, err := b.Reports.PoliciesGrantingServiceAccess(ctx, userARN("target"), []string{"iam"})
			return err
		}, nil},
		{"GetAccessKeyLastUsed", false, func() error {
			k, _, err := b.IAM.CreateAccessKey(root, "target")
			if err != nil {
				return err
			}
			_, err = b.IAM.AccessKeyLastUsed(ctx, k.ID)
			return err
		}, nil},
		{"DeleteRole", false, func() error {
			if err := b.IAM.SetInstanceProfileRole(root, "tprofile", "trole", true); err != nil {
				return err
			}
			must(t, b.IAM.PutRolePermissionsBoundary(root, "iam:PutRolePermissionsBoundary", "trole", bound))
			return b.IAM.DeleteRole(ctx, "trole")
		}, map[string][]string{"iam:PermissionsBoundary": {bound}}},
	}

	probed := map[string]bool{}
	covered := map[string]bool{}
	for _, p := range probes {
		t.Run(p.action, func(t *testing.T) {
			probed[p.action] = true
			if err := p.run(); err != nil {
				t.Fatal(err)
			}
			entry, ok := table.Actions[p.action]
			if !ok {
				t.Fatalf("%s is not in the table", p.action)
			}
			got, ok := engine.keys("iam:" + p.action)
			if !ok {
				t.Fatalf("iam:%s was never evaluated", p.action)
			}
			want := slices.Clone(entry.Keys)
			if !p.created {
				for _, r := range entry.Resources {
					want = append(want, table.ResourceTypes[r]...)
					covered[r] = true
				}
			}
			for _, key := range want {
				if _, skip := table.NotSet[key]; skip {
					continue
				}
				tagged := strings.HasSuffix(key, "/${TagKey}")
				name := strings.ToLower(strings.Replace(key, "${TagKey}", "team", 1))
				if tagged && strings.HasPrefix(key, "aws:RequestTag") {
					name = strings.ToLower(strings.Replace(key, "${TagKey}", firstTagKey(p.want), 1))
				}
				v, ok := got[name]
				if !ok {
					t.Errorf("iam:%s: %s not set (set: %v)", p.action, key, got)
					continue
				}
				exp, ok := p.want[strings.Replace(key, "${TagKey}", firstTagKey(p.want), 1)]
				if tagged && strings.Contains(key, "ResourceTag") {
					exp, ok = []string{"blue"}, true
				}
				if ok && !slices.Equal(v, exp) {
					t.Errorf("iam:%s: %s = %v, want %v", p.action, key, v, exp)
				}
			}
		})
	}
	for name, entry := range table.Actions {
		needed := false
		for _, k := range entry.Keys {
			_, skip := table.NotSet[k]
			needed = needed || !skip
		}
		if needed && !probed[name] {
			t.Errorf("no probe for %s, whose keys %v Keyward sets", name, entry.Keys)
		}
	}
	for r, keys := range table.ResourceTypes {
		if len(keys) > 0 && !covered[r] && r != "saml-provider" {
			t.Errorf("no probe on a %s, whose keys are %v", r, keys)
		}
	}
}

// firstTagKey is the tag key a probe's aws:RequestTag keys name.
func firstTagKey(want map[string][]string) string {
	for k := range want {
		if tag, ok := strings.CutPrefix(k, "aws:RequestTag/"); ok {
			return tag
		}
	}
	return "team"
}

// TestPolicyARNAndBoundaryConditions: the delegation AWS documents for
// iam:PolicyARN and iam:PermissionsBoundary holds over the API. With
// …IfExists conditions a user allowed to attach only a read-only policy to
// itself, and to set only a given boundary, cannot attach
// AdministratorAccess or make it its boundary (the keys are set, so the
// conditions do not pass by absence); with plain conditions the permitted
// policy and boundary are allowed (the keys are there to match).
func TestPolicyARNAndBoundaryConditions(t *testing.T) {
	b := newAPIServer(t)
	ctx := context.Background()
	const (
		readOnly = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
		admin    = "arn:aws:iam::aws:policy/AdministratorAccess"
	)
	boundary := "arn:aws:iam::" + kwtest.AccountID + ":policy/dev-boundary"
	_, err := b.IAM.CreatePolicy(b.RootContext(), "dev-boundary", "/", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`, nil)
	must(t, err)
	policyFor := func(name, op string) string {
		self := userARN(name)
		return `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"` + self + `","Condition":{"` + op + `":{"iam:PolicyARN":"` + readOnly + `"}}},
{"Effect":"Allow","Action":"iam:PutUserPermissionsBoundary","Resource":"*","Condition":{"` + op + `":{"iam:PermissionsBoundary":"` + boundary + `"}}},
{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{"` + op + `":{"iam:PermissionsBoundary":"` + boundary + `"}}}]}`
	}
	for _, op := range []string{"ArnEqualsIfExists", "ArnEquals"} {
		t.Run(op, func(t *testing.T) {
			name := strings.ToLower(op)
			id, secret := b.User(t, name, policyFor(name, op))
			c := b.IAMClient(id, secret)
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(admin)})
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
			_, err = c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String(name), PermissionsBoundary: aws.String(admin)})
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name + "-unbounded")})
			if op == "ArnEquals" {
				kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
			} else {
				must(t, err) // IfExists: no boundary asked, the condition passes, as on AWS
			}
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name + "-admin"), PermissionsBoundary: aws.String(admin)})
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

			_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(readOnly)})
			must(t, err)
			_, err = c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String(name), PermissionsBoundary: aws.String(boundary)})
			must(t, err)
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name + "-bounded"), PermissionsBoundary: aws.String(boundary)})
			must(t, err)
		})
	}
}
