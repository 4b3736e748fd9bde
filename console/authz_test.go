package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestConsoleActionsAuthorized: every console action is the feature-package call
// the API makes, authorised the same way. A user allowed only what each
// case grants is refused with AWS's AccessDenied naming the missing
// action, and nothing changes. The console once deleted a user's keys,
// password and policies after checking only iam:DeleteUser, and tagged a
// user without iam:TagUser.
func TestConsoleActionsAuthorized(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	keyID, _ := kwtest.CreateUserKey(t, root, "target")
	_, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("target"), Password: aws.String("Target-Passw0rd")})
	must(t, err)
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("target"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)})
	must(t, err)
	consoleUser(t, ts.Keyward, kwtest.AsRoot(ctx), "nobody", "Nobody-Passw0rd", "")
	_, err = root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")})
	must(t, err)
	_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("g"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)})
	must(t, err)
	c := signedIn(t, ts, userForm("nobody", "Nobody-Passw0rd"))
	allow := func(actions ...string) {
		t.Helper()
		if len(actions) == 0 {
			root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("grant")})
			return
		}
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": "*"}}})
		_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("grant"), PolicyDocument: aws.String(string(doc))})
		must(t, err)
	}
	keyPath := "/console/users/target/keys/" + keyID
	tests := []struct {
		name, method, path string
		form               url.Values
		allowed            []string
		want               string
	}{
		{"users list", "GET", "/console/users", nil, nil, "iam:ListUsers"},
		{"create user", "POST", "/console/users", url.Values{"name": {"newcomer"}}, nil, "iam:CreateUser"},
		{"user page", "GET", "/console/users/target", nil, nil, "iam:GetUser"},
		{"delete user page", "GET", "/console/users/target/delete", nil, nil, "iam:GetUser"},
		{"delete user with only iam:DeleteUser", "POST", "/console/users/target/delete", url.Values{"confirm": {"target"}},
			[]string{"iam:GetUser", "iam:DeleteUser"}, "iam:ListAccessKeys"},
		{"delete user without detaching", "POST", "/console/users/target/delete", url.Values{"confirm": {"target"}},
			[]string{"iam:GetUser", "iam:DeleteUser", "iam:ListAccessKeys", "iam:DeleteAccessKey", "iam:GetLoginProfile", "iam:DeleteLoginProfile",
				"iam:ListUserPolicies", "iam:ListAttachedUserPolicies", "iam:DetachUserPolicy", "iam:ListGroupsForUser"}, "iam:DeleteUserPolicy"},
		{"new key page", "GET", "/console/users/target/keys/new", nil, nil, "iam:GetUser"},
		{"create key", "POST", "/console/users/target/keys/new", url.Values{"step": {"2"}}, []string{"iam:GetUser"}, "iam:CreateAccessKey"},
		{"create key with a description, without iam:TagUser", "POST", "/console/users/target/keys/new", url.Values{"step": {"2"}, "description": {"laptop"}},
			[]string{"iam:GetUser", "iam:CreateAccessKey"}, "iam:TagUser"},
		{"deactivate key page", "GET", keyPath + "/deactivate", nil, []string{"iam:GetUser"}, "iam:ListAccessKeys"},
		{"deactivate key", "POST", keyPath + "/deactivate", url.Values{}, []string{"iam:GetUser", "iam:ListAccessKeys"}, "iam:UpdateAccessKey"},
		{"activate key", "POST", keyPath + "/activate", url.Values{}, []string{"iam:GetUser", "iam:ListAccessKeys"}, "iam:UpdateAccessKey"},
		{"delete key", "POST", keyPath + "/delete", url.Values{"confirm": {keyID}}, []string{"iam:GetUser", "iam:ListAccessKeys"}, ""},
		{"end sessions", "POST", "/console/users/target/sessions/end", url.Values{}, []string{"iam:GetUser"}, "iam:UpdateLoginProfile"},
		{"search by name", "GET", "/console/search?q=targ", nil, nil, "iam:ListUsers"},
		{"search by key", "GET", "/console/search?q=" + keyID, nil, nil, "iam:GetAccessKeyLastUsed"},
		{"reports page", "GET", "/console/reports", nil, nil, "iam:GetCredentialReport"},
		{"generate report", "POST", "/console/reports", url.Values{}, nil, "iam:GenerateCredentialReport"},
		{"download report", "GET", "/console/reports/credential-report.csv", nil, nil, "iam:GetCredentialReport"},
		{"assign MFA device", "POST", "/console/users/target/mfa/new", url.Values{"device": {"phone"}}, []string{"iam:GetUser"}, "iam:CreateVirtualMFADevice"},
		{"remove MFA device", "POST", "/console/users/target/mfa/remove", url.Values{"serial": {"arn:aws:iam::123456789012:mfa/phone"}}, []string{"iam:GetUser"}, "iam:DeactivateMFADevice"},
		// The root user's MFA is the root user's alone: iam:* allows none of it.
		{"root MFA page", "GET", "/console/security-credentials/mfa/new", nil, []string{"iam:*"}, "iam:ListMFADevices"},
		{"assign the root user's MFA device", "POST", "/console/security-credentials/mfa/new", url.Values{"device": {"phone"}}, []string{"iam:*"}, "iam:ListMFADevices"},
		{"enable the root user's MFA device", "POST", "/console/security-credentials/mfa/enable",
			url.Values{"serial": {"arn:aws:iam::123456789012:mfa/phone"}, "code1": {"123456"}, "code2": {"234567"}}, []string{"iam:*"}, "iam:ListMFADevices"},
		{"remove the root user's MFA device", "POST", "/console/security-credentials/mfa/remove", url.Values{"serial": {"arn:aws:iam::123456789012:mfa/phone"}}, []string{"iam:*"}, "iam:ListMFADevices"},
		{"attach policy to user", "POST", "/console/users/target/do/attach", url.Values{"policy": {"arn:aws:iam::aws:policy/IAMReadOnlyAccess"}}, nil, "iam:AttachUserPolicy"},
		{"user joins group", "POST", "/console/users/target/do/join", url.Values{"group": {"g"}}, nil, "iam:AddUserToGroup"},
		{"groups list", "GET", "/console/groups", nil, nil, "iam:ListGroups"},
		{"create group", "POST", "/console/groups", url.Values{"name": {"newgroup"}}, nil, "iam:CreateGroup"},
		{"group page", "GET", "/console/groups/g", nil, nil, "iam:GetGroup"},
		{"add member", "POST", "/console/groups/g/add-user", url.Values{"user": {"target"}}, nil, "iam:AddUserToGroup"},
		{"delete group with only iam:DeleteGroup", "POST", "/console/groups/g/delete", url.Values{"confirm": {"g"}}, []string{"iam:DeleteGroup"}, "iam:GetGroup"},
		{"policies list", "GET", "/console/policies", nil, nil, "iam:ListPolicies"},
		{"create policy", "POST", "/console/policies", url.Values{"name": {"New"}, "document": {allowAll}}, nil, "iam:CreatePolicy"},
		{"policy page", "GET", "/console/policy?arn=arn:aws:iam::aws:policy/IAMReadOnlyAccess", nil, nil, "iam:GetPolicy"},
		{"roles list", "GET", "/console/roles", nil, nil, "iam:ListRoles"},
		{"event history", "GET", "/console/events", nil, nil, "cloudtrail:LookupEvents"},
		{"create role", "POST", "/console/roles", url.Values{"name": {"newrole"}, "document": {trustAccount}}, nil, "iam:CreateRole"},
		{"role page", "GET", "/console/roles/r", nil, nil, "iam:GetRole"},
		{"revoke a role's sessions", "POST", "/console/roles/r/revoke-sessions", url.Values{}, nil, "iam:PutRolePolicy"},
		{"delete role with only iam:DeleteRole", "POST", "/console/roles/r/delete", url.Values{"confirm": {"r"}}, []string{"iam:DeleteRole"}, "iam:ListRolePolicies"},
		{"change password", "POST", "/console/password", url.Values{"old": {"Nobody-Passw0rd"}, "new": {"Nobody-Passw0rd-2"}, "confirm": {"Nobody-Passw0rd-2"}},
			nil, "iam:ChangePassword"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allow(tt.allowed...)
			defer allow()
			var resp *http.Response
			var body string
			if tt.method == "GET" {
				resp, body = c.Get(tt.path)
			} else {
				tt.form.Set("csrf", c.token())
				resp, body = c.Post(tt.path, tt.form)
			}
			if tt.want == "" {
				// Deleting an active key is refused by the console itself.
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Deactivate the access key") {
					t.Fatalf("%d\n%s", resp.StatusCode, body)
				}
				return
			}
			msg := "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: " + tt.want + " on resource: "
			if resp.StatusCode < 400 || !strings.Contains(body, msg) {
				t.Fatalf("%s %s allowed %v: %d, want AccessDenied for %s\n%s", tt.method, tt.path, tt.allowed, resp.StatusCode, tt.want, body)
			}
		})
	}
	// The target is whole: keys, password, policy, and no new key or tag.
	keys, err := root.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("target")})
	must(t, err)
	u, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("target")})
	must(t, err)
	_, lpErr := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("target")})
	pols, err := root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("target")})
	must(t, err)
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != "Active" || len(u.User.Tags) != 0 || lpErr != nil || len(pols.PolicyNames) != 1 {
		t.Fatalf("refused console actions changed the target: %d keys, tags %v, login profile %v, %d policies",
			len(keys.AccessKeyMetadata), u.User.Tags, lpErr, len(pols.PolicyNames))
	}
	if _, err := root.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("newcomer")}); err == nil {
		t.Fatal("a refused console action created a user")
	}
	// The group and the role kept their policies; nothing new was made.
	gp, err := root.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("g")})
	must(t, err)
	rp, err := root.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("r")})
	must(t, err)
	devices, err := root.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	must(t, err)
	if len(gp.PolicyNames) != 1 || len(rp.PolicyNames) != 1 || len(devices.VirtualMFADevices) != 0 {
		t.Fatalf("refused console actions changed things: %d group policies, %d role policies, %d MFA devices", len(gp.PolicyNames), len(rp.PolicyNames), len(devices.VirtualMFADevices))
	}
}
