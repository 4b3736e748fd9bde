package sts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// TestCrossAccountAssumeRoleAttacks: what a principal of one account of
// the installation tries against another's roles. A trust policy of
// another account grants nothing the caller's own account has not (even
// naming the caller's ARN); a member account's principal cannot pass off
// the management account's role, nor fall back on a role of its own
// name; the root user assumes nothing.
func TestCrossAccountAssumeRoleAttacks(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	root := w.ts.RootIAM()
	user := func(name, policy string) *sts.Client {
		id, secret := kwtest.CreateUserKey(t, root, name)
		if policy != "" {
			_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)})
			must(t, err)
		}
		return w.ts.STSClient(id, secret)
	}
	userARN := func(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":user/" + name }
	bob := user("bob", "")
	mallory := user("mallory", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::`+w.b+`:role/*"}]}`)
	bIAM, bSTS := w.admin(t, w.b)
	bSession := "arn:aws:sts::" + w.b + ":assumed-role/" + accessRole + "/adm"
	trustDoc := func(principal string) *string {
		return kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}`)
	}
	// In B: a role naming bob's ARN, and a role of the name of the
	// management account's own.
	_, err := bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("names-bob"), AssumeRolePolicyDocument: trustDoc(userARN("bob"))})
	must(t, err)
	_, err = bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("a-only"), AssumeRolePolicyDocument: trustDoc("arn:aws:iam::" + w.b + ":root")})
	must(t, err)
	// In A: a role trusting its own account only, and one trusting B.
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("a-only"), AssumeRolePolicyDocument: trustDoc("arn:aws:iam::" + kwtest.AccountID + ":root")})
	must(t, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusts-b"), AssumeRolePolicyDocument: trustDoc(w.b)})
	must(t, err)

	for _, v := range []struct {
		name    string
		c       *sts.Client
		arn     string
		message string // "" for a session
		account string // the session's
	}{
		{"a trust policy naming the caller does not stand in for its account's policies", bob, roleARN(w.b, "names-bob"),
			notAuthorizedToAssume(userARN("bob"), roleARN(w.b, "names-bob")) + " because no identity-based policy allows the sts:AssumeRole action", ""},
		{"an explicit deny in the caller's account wins over the other's trust", mallory, roleARN(w.b, accessRole),
			notAuthorizedToAssume(userARN("mallory"), roleARN(w.b, accessRole)) + " with an explicit deny in an identity-based policy", ""},
		{"the caller's account's allow elsewhere stands", mallory, roleARN(w.c, accessRole), "", w.c},
		{"a member's session cannot pass off the management account's role", bSTS, roleARN(kwtest.AccountID, "a-only"),
			notAuthorizedToAssume(bSession, roleARN(kwtest.AccountID, "a-only")), ""},
		{"a member's session assumes the management account's role that trusts it", bSTS, roleARN(kwtest.AccountID, "trusts-b"), "", kwtest.AccountID},
		{"the management account's root user assumes no role", w.ts.STSClient(kwtest.RootKeyID, kwtest.RootSecret), roleARN(w.b, accessRole),
			"Roles may not be assumed by root accounts.", ""},
		{"a path not the role's", w.assumer, "arn:aws:iam::" + w.b + ":role/x/" + accessRole, notAuthorizedToAssume(w.assumerA, "arn:aws:iam::"+w.b+":role/x/"+accessRole), ""},
		{"an account of thirteen digits", w.assumer, "arn:aws:iam::1" + w.b + ":role/" + accessRole, notAuthorizedToAssume(w.assumerA, "arn:aws:iam::1"+w.b+":role/"+accessRole), ""},
		{"an ARN of another service", w.assumer, "arn:aws:sts::" + w.b + ":role/" + accessRole, notAuthorizedToAssume(w.assumerA, "arn:aws:sts::"+w.b+":role/"+accessRole), ""},
	} {
		t.Run(v.name, func(t *testing.T) {
			out, err := v.c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(v.arn), RoleSessionName: aws.String("s1")})
			if v.message != "" {
				kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, v.message)
				return
			}
			must(t, err)
			if !strings.HasPrefix(aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::"+v.account+":assumed-role/") {
				t.Fatalf("the session is %s, want one of %s", aws.ToString(out.AssumedRoleUser.Arn), v.account)
			}
		})
	}
}

// TestCrossAccountNothingRevealed: who may not assume a role of another
// account learns nothing of whether the role, or the account, exists: a
// caller whose policies allow sts:AssumeRole is refused alike for a role
// that does not trust it, a role that is not there and an account the
// installation does not have; a caller whose policies do not is refused
// by them alike for all of these and for a role that trusts its account;
// a duration past the role's maximum is not told before either.
func TestCrossAccountNothingRevealed(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	bIAM, _ := w.admin(t, w.b)
	_, err := bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("private"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.b + `:root"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	bobID, bobSecret := kwtest.CreateUserKey(t, w.ts.RootIAM(), "bob")
	bob := w.ts.STSClient(bobID, bobSecret)
	unknown := []string{roleARN(w.b, "private"), roleARN(w.b, "absent"), roleARN("999999999999", "private"), roleARN("000000000000", "private"),
		"arn:aws:iam::12345:role/private"}
	for _, v := range []struct {
		name string
		c    *sts.Client
		arns []string
	}{
		{"a caller allowed sts:AssumeRole", w.assumer, unknown},
		{"a caller not allowed sts:AssumeRole", bob, append([]string{roleARN(w.b, accessRole)}, unknown...)},
	} {
		t.Run(v.name, func(t *testing.T) {
			var messages []string
			for _, arn := range v.arns {
				for _, seconds := range []int32{0, 43200} {
					in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")}
					if seconds != 0 {
						in.DurationSeconds = aws.Int32(seconds)
					}
					_, err := v.c.AssumeRole(ctx, in)
					kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
					msg := err.Error()
					messages = append(messages, strings.ReplaceAll(msg[strings.Index(msg, "api error"):], arn, "ROLE"))
				}
			}
			for _, m := range messages[1:] {
				if m != messages[0] {
					t.Errorf("refusals differ:\n%s\n%s", messages[0], m)
				}
			}
		})
	}
}

// TestCrossAccountSessionStaysInItsAccount: a session of a member
// account's role, with AdministratorAccess there, reaches nothing of the
// management account whose principal assumed it: its users and roles are
// not found, not deleted, not changed.
func TestCrossAccountSessionStaysInItsAccount(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	root := w.ts.RootIAM()
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("keep"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:root"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	bIAM, _ := w.admin(t, w.b)
	for _, v := range []struct {
		name string
		call func() error
	}{
		{"DeleteUser", func() error {
			_, err := bIAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
			return err
		}},
		{"PutUserPolicy", func() error {
			_, err := bIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("x"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)})
			return err
		}},
		{"UpdateAssumeRolePolicy", func() error {
			_, err := bIAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("keep"),
				PolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`)})
			return err
		}},
		{"DeleteRole", func() error {
			_, err := bIAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("keep")})
			return err
		}},
	} {
		t.Run(v.name, func(t *testing.T) {
			kwtest.WantAPIError(t, v.call(), "NoSuchEntity", http.StatusNotFound, "")
		})
	}
	role, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("keep")})
	must(t, err)
	if strings.Contains(aws.ToString(role.Role.AssumeRolePolicyDocument), "%22%2A%22") || strings.Contains(aws.ToString(role.Role.AssumeRolePolicyDocument), `"*"`) {
		t.Fatalf("the management account's role was changed: %s", aws.ToString(role.Role.AssumeRolePolicyDocument))
	}
	policies, err := root.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("alice")})
	must(t, err)
	if len(policies.PolicyNames) != 1 {
		t.Fatalf("alice's policies: %v", policies.PolicyNames)
	}
}

// TestOtherAccountRootFederatedSignIn: the federated user of another
// account's root user, whose root user has MFA, may not sign in to the
// console with a sign-in token: the MFA checked is its own account's root
// user's, not the first account's (which has none here).
func TestOtherAccountRootFederatedSignIn(t *testing.T) {
	t.Parallel()
	k := kwtest.New(t)
	const other = "210987654321"
	ctx := context.Background()
	if err := k.Store.CreateAccount(ctx, keyward.Account{ID: other, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	now := k.STS.Now().UTC().Truncate(time.Second)
	asOther := keyward.WithCaller(ctx, &keyward.RequestContext{AccessKeyID: "AKIAOTHERACCOUNTROOT", Principal: keyward.Principal{AccountID: other, Root: true}, CurrentTime: now})
	d, err := k.IAM.CreateVirtualMFADevice(asOther, "root-mfa", "/", nil)
	must(t, err)
	seed := d.Base32Seed()
	must(t, k.IAM.EnableRootMFADevice(asOther, d.SerialNumber, kwtest.TOTPCode(t, seed, now.Add(-30*time.Second)), kwtest.TOTPCode(t, seed, now)))
	fed, err := k.STS.GetFederationToken(asOther, "fed", 3600, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, nil, nil)
	must(t, err)
	if want := "arn:aws:sts::" + other + ":federated-user/fed"; fed.ARN != want {
		t.Fatalf("the federated user is %s, want %s", fed.ARN, want)
	}
	_, err = k.STS.SigninToken(ctx, fed.AccessKeyID, fed.Secret, fed.Token, 0)
	if keyward.ErrorCode(err) != keyward.EAccessDenied || !strings.Contains(err.Error(), "The root user has MFA") {
		t.Fatalf("a sign-in token for another account's root user's federated user: %v", err)
	}
}

// TestCrossAccountAssumeRoleInBothTrails: a session of member account B's
// role issued to a user of the management account (A) is an AssumeRole
// event of both accounts, as CloudTrail delivers it: A's with the caller
// as it is, B's with the caller shown as another account's principal
// (AWSAccount: its principal ID and account, neither its ARN nor its
// key), each with an event ID of its own and its account as recipient,
// linked by one sharedEventID and the request's ID. Neither holds the
// session's secret or token. An AssumeRole within one account is one
// event, of that account, with no sharedEventID.
func TestCrossAccountAssumeRoleInBothTrails(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	_, _, out := w.assume(t, w.assumer, roleARN(w.b, accessRole), "both")
	root := w.ts.RootIAM()
	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("own"),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:root"},"Action":"sts:AssumeRole"}`)})
	must(t, err)
	_, _, own := w.assume(t, w.assumer, roleARN(kwtest.AccountID, "own"), "within")
	must(t, w.ts.Audit.Flush(ctx))

	type record struct {
		keyward.Event
		SharedEventID string `json:"sharedEventID"`
	}
	trail := func(account, session string) []record {
		t.Helper()
		evs, _, err := w.ts.Store.InAccount(account).LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole", Max: 100})
		must(t, err)
		var out []record
		for _, e := range evs {
			var r record
			must(t, json.Unmarshal(e.Record, &r))
			if r.RequestParameters["roleSessionName"] == session {
				out = append(out, r)
			}
		}
		return out
	}
	inA, inB := trail(kwtest.AccountID, "both"), trail(w.b, "both")
	if len(inA) != 1 || len(inB) != 1 {
		t.Fatalf("the cross-account AssumeRole in A's trail %d times, in B's %d, want once each", len(inA), len(inB))
	}
	a, b := inA[0], inB[0]
	if a.RecipientAccountID != kwtest.AccountID || b.RecipientAccountID != w.b {
		t.Errorf("recipients: A's %s, B's %s", a.RecipientAccountID, b.RecipientAccountID)
	}
	if a.EventID == b.EventID || a.EventID == "" || b.EventID == "" {
		t.Errorf("event IDs: A's %q, B's %q, want two", a.EventID, b.EventID)
	}
	if a.SharedEventID == "" || a.SharedEventID != b.SharedEventID || a.RequestID != b.RequestID {
		t.Errorf("not linked: sharedEventID %q and %q, requestID %q and %q", a.SharedEventID, b.SharedEventID, a.RequestID, b.RequestID)
	}
	if a.UserIdentity.Type != "IAMUser" || a.UserIdentity.ARN != w.assumerA || a.UserIdentity.AccessKeyID == "" {
		t.Errorf("the caller in A's trail: %+v", a.UserIdentity)
	}
	if b.UserIdentity != (keyward.EventIdentity{Type: "AWSAccount", PrincipalID: a.UserIdentity.PrincipalID, AccountID: kwtest.AccountID}) {
		t.Errorf("the caller in B's trail: %+v", b.UserIdentity)
	}
	if b.RequestParameters["roleArn"] != roleARN(w.b, accessRole) {
		t.Errorf("B's event's parameters: %v", b.RequestParameters)
	}
	for _, r := range []record{a, b} {
		rec, _ := json.Marshal(r)
		for _, secret := range []string{aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)} {
			if strings.Contains(string(rec), secret) {
				t.Errorf("an event holds the session's secret or token: %s", rec)
			}
		}
	}
	if within := trail(kwtest.AccountID, "within"); len(within) != 1 || within[0].SharedEventID != "" {
		t.Errorf("an AssumeRole within the account: %+v", within)
	}
	for _, secret := range []string{aws.ToString(own.Credentials.SecretAccessKey), aws.ToString(own.Credentials.SessionToken)} {
		if strings.Contains(w.ts.AuditStream.String(), secret) {
			t.Error("the stream holds a session's secret or token")
		}
	}
}

// TestCrossAccountSharedCopyNamesNotTheCaller: the role's account's copy
// of a cross-account AssumeRole keeps the parameters that describe the
// session in that account (the role, the session's name and duration,
// the external ID) and none that name the caller's own: the MFA device's
// serial number is the caller's user's ARN, its code is the caller's,
// and an inline session policy is not shown either. The caller's account
// keeps them all (the code hidden).
func TestCrossAccountSharedCopyNamesNotTheCaller(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	root := w.ts.RootIAM()
	d, err := root.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice-phone")})
	must(t, err)
	serial, seed, now := d.VirtualMFADevice.SerialNumber, string(d.VirtualMFADevice.Base32StringSeed), w.ts.Clock.Now()
	_, err = root.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: serial,
		AuthenticationCode1: aws.String(kwtest.TOTPCode(t, seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(kwtest.TOTPCode(t, seed, now))})
	must(t, err)
	w.ts.Clock.Add(30 * time.Second)
	const sessionPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`
	_, err = w.assumer.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(w.b, accessRole)), RoleSessionName: aws.String("mfa"),
		DurationSeconds: aws.Int32(900), ExternalId: aws.String("x-42"), Policy: aws.String(sessionPolicy),
		SerialNumber: serial, TokenCode: aws.String(kwtest.TOTPCode(t, seed, w.ts.Clock.Now()))})
	must(t, err)
	must(t, w.ts.Audit.Flush(ctx))
	params := func(account string) (map[string]any, string) {
		t.Helper()
		evs, _, err := w.ts.Store.InAccount(account).LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole", Max: 10})
		must(t, err)
		if len(evs) != 1 {
			t.Fatalf("%d AssumeRole events in %s's trail, want 1", len(evs), account)
		}
		var e keyward.Event
		must(t, json.Unmarshal(evs[0].Record, &e))
		return e.RequestParameters, string(evs[0].Record)
	}
	inA, _ := params(kwtest.AccountID)
	if inA["serialNumber"] != aws.ToString(serial) || inA["policy"] == nil {
		t.Errorf("A's event's parameters: %v", inA)
	}
	inB, record := params(w.b)
	for _, name := range []string{"serialNumber", "tokenCode", "policy"} {
		if _, ok := inB[name]; ok {
			t.Errorf("B's copy keeps %s: %v", name, inB)
		}
	}
	if inB["roleArn"] != roleARN(w.b, accessRole) || inB["roleSessionName"] != "mfa" || inB["durationSeconds"] == nil || inB["externalId"] != "x-42" {
		t.Errorf("B's copy's parameters: %v", inB)
	}
	if strings.Contains(record, ":user/alice") || strings.Contains(record, ":mfa/") {
		t.Errorf("B's copy names the caller's user or device: %s", record)
	}
}

// TestAttackSharedCopyKeepsOnlyTheRolesAccountsPolicyARNs: the role's
// account's copy of a cross-account AssumeRole keeps the managed session
// policies, which AWS wants of the role's account (or AWS's own); but
// Keyward takes any policy ARN, and the copy showed those of the caller's
// own account, names and paths, to the role's owner. It keeps those of
// the role's account and AWS's alone.
func TestAttackSharedCopyKeepsOnlyTheRolesAccountsPolicyARNs(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	callers := "arn:aws:iam::" + kwtest.AccountID + ":policy/project-x/merger-review"
	roles := "arn:aws:iam::" + w.b + ":policy/read-only"
	awsManaged := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	_, err := w.assumer.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(w.b, accessRole)), RoleSessionName: aws.String("session"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String(callers)}, {Arn: aws.String(roles)}, {Arn: aws.String(awsManaged)}}})
	must(t, err)
	must(t, w.ts.Audit.Flush(ctx))
	records := func(account string) string {
		evs, _, err := w.ts.Store.InAccount(account).LookupEvents(ctx, keyward.EventQuery{EventName: "AssumeRole", Max: 10})
		must(t, err)
		if len(evs) != 1 {
			t.Fatalf("%d AssumeRole events in %s's trail, want 1", len(evs), account)
		}
		return string(evs[0].Record)
	}
	if inA := records(kwtest.AccountID); !strings.Contains(inA, callers) || !strings.Contains(inA, roles) {
		t.Errorf("the caller's event lost its parameters: %s", inA)
	}
	inB := records(w.b)
	if strings.Contains(inB, "merger-review") {
		t.Errorf("B's copy names a policy of the caller's account: %s", inB)
	}
	if !strings.Contains(inB, roles) || !strings.Contains(inB, awsManaged) {
		t.Errorf("B's copy lost the policies of B's and AWS's: %s", inB)
	}
}

// TestAttackCrossAccountTrustOfARecreatedPrincipal: a role of one account
// trusting a user of another by ARN trusted whoever had the ARN when
// asked, so the other account's administrator could delete the user and
// make another of the name to assume the role. The ARN is bound, where
// the user is, to its unique ID when the trust policy is saved (the role
// is read in its account, the user in its own), and a user's ARN of an
// account the installation does not have, or of one it has that has no
// such user, is refused, as AWS refuses a principal it cannot resolve.
func TestAttackCrossAccountTrustOfARecreatedPrincipal(t *testing.T) {
	t.Parallel()
	w := newOrgWorld(t)
	ctx := context.Background()
	root := w.ts.RootIAM()
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	carol := func() *sts.Client {
		id, secret := kwtest.CreateUserKey(t, root, "carol")
		_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(allow)})
		must(t, err)
		return w.ts.STSClient(id, secret)
	}
	carolARN := "arn:aws:iam::" + kwtest.AccountID + ":user/carol"
	old := carol()
	bIAM, _ := w.admin(t, w.b)
	trust := func(principal string) *string {
		return kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}`)
	}
	_, err := bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("names-carol"), AssumeRolePolicyDocument: trust(carolARN)})
	must(t, err)
	w.assume(t, old, roleARN(w.b, "names-carol"), "s1")

	_, err = root.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("assume")})
	must(t, err)
	must(t, w.ts.IAM.DeleteUserAndAttachments(w.ts.RootContext(), "carol"))
	_, err = carol().AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN(w.b, "names-carol")), RoleSessionName: aws.String("s2")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, notAuthorizedToAssume(carolARN, roleARN(w.b, "names-carol")))

	for _, arn := range []string{"arn:aws:iam::" + kwtest.AccountID + ":user/ghost", "arn:aws:iam::" + w.c + ":role/ghost", "arn:aws:iam::999999999999:user/carol"} {
		_, err := bIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("names-ghost"), AssumeRolePolicyDocument: trust(arn)})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, `Invalid principal in policy: "AWS":"`+arn+`"`)
	}
}
