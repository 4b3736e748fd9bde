package authz_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/internal/kwtest"
)

// as is the context of a request by the IAM user u.
func as(u keyward.User) context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID,
		UserID: u.ID, UserName: u.Name, UserPath: u.Path}, CurrentTime: time.Now()})
}

// user makes an IAM user with an inline policy (none when empty).
func user(t *testing.T, k *kwtest.Keyward, name, policy string) keyward.User {
	t.Helper()
	root := kwtest.AsRoot(context.Background())
	u, err := k.IAM.CreateUser(root, name, "/team/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if err := k.IAM.PutInlinePolicy(root, keyward.Entity{Kind: keyward.EntityUser, Name: name}, "p", policy); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// TestAuthorizeUser: an action on a user is decided on the user's ARN,
// path included; on a user that does not exist, at the ARN its name would
// have at the root path, so that a caller without the right learns nothing
// of who exists (AccessDenied), and one with it learns that the user does
// not exist (NoSuchEntity). The root user and Keyward's own work may do
// everything; a context that names no caller may do nothing.
func TestAuthorizeUser(t *testing.T) {
	k := kwtest.New(t)
	user(t, k, "target", "")
	onTeam := user(t, k, "on-team", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::123456789012:user/team/*"}]}`)
	everywhere := user(t, k, "everywhere", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	nobody := user(t, k, "nobody", "")
	tests := []struct {
		name   string
		ctx    context.Context
		target string
		code   string // "" for allowed
	}{
		{"allowed on the user's path", as(onTeam), "target", ""},
		{"a user that does not exist, for a caller who may not ask", as(onTeam), "ghost", keyward.EAccessDenied},
		{"a user that does not exist, for a caller who may ask", as(everywhere), "ghost", keyward.ENoSuchEntity},
		{"nothing allowed", as(nobody), "target", keyward.EAccessDenied},
		{"the root user", kwtest.AsRoot(context.Background()), "target", ""},
		{"Keyward's own work", keyward.Internal(context.Background()), "ghost", ""},
		{"no caller at all", context.Background(), "target", keyward.EServiceFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := k.Authz.AuthorizeUser(tt.ctx, "iam:GetUser", tt.target)
			if tt.code == "" && err != nil || tt.code != "" && keyward.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %q", err, tt.code)
			}
		})
	}
	err := k.Authz.AuthorizeUser(as(onTeam), "iam:GetUser", "ghost")
	if want := "on resource: arn:aws:iam::123456789012:user/ghost "; !strings.Contains(keyward.ErrorMessage(err), want) {
		t.Fatalf("refusal %q does not name %q", keyward.ErrorMessage(err), want)
	}
}

// TestAuthorizeGroupAndRole: a group's or a role's action is decided as a
// user's, on the ARN of the entity as stored (its path, and its name as it
// was created whatever the case asked); on one that does not exist, at the
// ARN its name would have at the root path, so that a caller without the
// right is refused before learning that it does not exist.
func TestAuthorizeGroupAndRole(t *testing.T) {
	k := kwtest.New(t)
	root := kwtest.AsRoot(context.Background())
	if _, err := k.IAM.CreateGroup(root, "Target", "/team/"); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := k.IAM.CreateRole(root, keyward.Role{Name: "Target", Path: "/team/", TrustPolicy: trust}); err != nil {
		t.Fatal(err)
	}
	onTeam := user(t, k, "on-team", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetGroup","iam:GetRole"],
		"Resource":["arn:aws:iam::123456789012:group/team/Target","arn:aws:iam::123456789012:role/team/Target"]}]}`)
	everywhere := user(t, k, "everywhere", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetGroup","iam:GetRole"],"Resource":"*"}]}`)
	kinds := []struct {
		kind, action string
		authorize    func(ctx context.Context, action, name string) error
	}{
		{"group", "iam:GetGroup", k.Authz.AuthorizeGroup},
		{"role", "iam:GetRole", k.Authz.AuthorizeRole},
	}
	tests := []struct {
		name   string
		ctx    context.Context
		target string
		code   string // "" for allowed
	}{
		{"allowed on its path", as(onTeam), "Target", ""},
		{"named in another case", as(onTeam), "TARGET", ""},
		{"one that does not exist, for a caller who may not ask", as(onTeam), "ghost", keyward.EAccessDenied},
		{"one that does not exist, for a caller who may ask", as(everywhere), "ghost", keyward.ENoSuchEntity},
		{"the root user", root, "ghost", ""},
		{"no caller at all", context.Background(), "Target", keyward.EServiceFailure},
	}
	for _, kd := range kinds {
		for _, tt := range tests {
			t.Run(kd.kind+"/"+tt.name, func(t *testing.T) {
				err := kd.authorize(tt.ctx, kd.action, tt.target)
				if tt.code == "" && err != nil || tt.code != "" && keyward.ErrorCode(err) != tt.code {
					t.Fatalf("got %v, want %q", err, tt.code)
				}
			})
		}
		err := kd.authorize(as(onTeam), kd.action, "ghost")
		if want := "on resource: arn:aws:iam::123456789012:" + kd.kind + "/ghost "; !strings.Contains(keyward.ErrorMessage(err), want) {
			t.Fatalf("refusal %q does not name %q", keyward.ErrorMessage(err), want)
		}
	}
}

// TestDenialNamesWhatRefused: AWS's AccessDenied says which kind of policy
// refused, the explicit deny first.
func TestDenialNamesWhatRefused(t *testing.T) {
	p := keyward.Principal{AccountID: kwtest.AccountID, UserID: "AIDAEXAMPLE", UserName: "ana", UserPath: "/"}
	tests := []struct {
		decision keyward.Decision
		want     string
	}{
		{keyward.Decision{Effect: keyward.DecisionExplicitDeny, BySession: true}, "with an explicit deny in an identity-based policy"},
		{keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySession: true}, "because no session policy allows the iam:GetUser action"},
		{keyward.Decision{Effect: keyward.DecisionImplicitDeny, ByBoundary: true}, "because no permissions boundary allows the iam:GetUser action"},
		{keyward.Decision{Effect: keyward.DecisionImplicitDeny}, "because no identity-based policy allows the iam:GetUser action"},
		{keyward.Decision{Effect: keyward.DecisionExplicitDeny, DeniedBySCP: true}, "with an explicit deny in a service control policy"},
		{keyward.Decision{Effect: keyward.DecisionImplicitDeny, BySCP: true, ByBoundary: true}, "because no service control policy allows the iam:GetUser action"},
	}
	for _, tt := range tests {
		err := authz.Denial(p, "iam:GetUser", "*", tt.decision)
		want := "User: arn:aws:iam::123456789012:user/ana is not authorized to perform: iam:GetUser on resource: * " + tt.want
		if keyward.ErrorCode(err) != keyward.EAccessDenied || keyward.ErrorMessage(err) != want {
			t.Errorf("%+v: got %v, want %q", tt.decision, err, want)
		}
	}
}

// TestCheckObservedKey: another service may tell what it observed of a
// request, never who made it or how that caller signed in.
func TestCheckObservedKey(t *testing.T) {
	tests := []struct {
		key     string
		allowed bool
	}{
		{"aws:SourceIp", true},
		{"aws:UserAgent", true},
		{"s3:prefix", true},
		{"execute-api:Stage", true},
		{"aws:PrincipalArn", false},
		{"aws:username", false},
		{"aws:MultiFactorAuthPresent", false},
		{"aws:TokenIssueTime", false},
		{"aws:ResourceTag/team", false},
		{"iam:PermissionsBoundary", false},
		{"keyward:anything", false},
		{"saml:sub", false},
		{"accounts.google.com:sub", false},
		{"ec2:SourceInstanceARN", false},
		{"no-namespace", false},
	}
	for _, tt := range tests {
		err := authz.CheckObservedKey(tt.key)
		if tt.allowed != (err == nil) || err != nil && keyward.ErrorCode(err) != keyward.EInvalidInput {
			t.Errorf("CheckObservedKey(%q) = %v, want allowed %v", tt.key, err, tt.allowed)
		}
	}
}

// TestAccountIsTheCallersAccount: every feature package learns the
// account from the Authorizer, for any caller.
func TestAccountIsTheCallersAccount(t *testing.T) {
	k := kwtest.New(t)
	for _, ctx := range []context.Context{kwtest.AsRoot(context.Background()), keyward.Internal(context.Background()), context.Background()} {
		got := k.Authz.Account(ctx).ID
		if got != kwtest.AccountID {
			t.Fatalf("Account = %s, want %s", got, kwtest.AccountID)
		}
		if k.IAM.Account(ctx).ID != got || k.STS.Account(ctx).ID != got || k.Reports.Account(ctx).ID != got {
			t.Fatal("a feature package knows another account than the Authorizer")
		}
	}
}
