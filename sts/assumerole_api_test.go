package sts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestAssumeRole: a user trusted by a role gets its session through the
// SDK; the session is the assumed-role principal (GetCallerIdentity), has
// the role's permissions, limited by session policies and the role's
// boundary; the trust policy's conditions (sts:ExternalId, MFA, tags) and
// the same-account rule hold; durations are bounded by the role and by
// role chaining; revoking the role's sessions stops them at once; the
// role's last use shows; sessions never appear in the credential report.
func TestAssumeRole(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	root := ts.RootIAM()
	ctx := context.Background()
	aliceID, aliceSecret := kwtest.CreateUserKey(t, root, "alice")
	bobID, bobSecret := kwtest.CreateUserKey(t, root, "bob")
	alice, bob := ts.STSIn(aliceID, aliceSecret, "eu-west-1"), ts.STSIn(bobID, bobSecret, "eu-west-1")
	aliceARN := "arn:aws:iam::" + kwtest.AccountID + ":user/alice"

	_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), Path: aws.String("/ci/"), MaxSessionDuration: aws.Int32(7200),
		AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"`+aliceARN+`"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-42"}}}`,
			`{"Effect":"Allow","Principal":{"AWS":"`+aliceARN+`"},"Action":"sts:TagSession"}`)})
	must(t, err)
	_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("read"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetRole","iam:ListRoles"],"Resource":"*"},
{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)})
	must(t, err)
	roleARN := "arn:aws:iam::" + kwtest.AccountID + ":role/ci/deploy"

	t.Run("trust conditions", func(t *testing.T) {
		_, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+aliceARN+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
		_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
		// The path is part of the ARN; a role that does not exist is refused alike.
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/deploy"), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
		_, err = ts.STSIn(kwtest.RootKeyID, kwtest.RootSecret, "eu-west-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Roles may not be assumed by root accounts.")
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42"), DurationSeconds: aws.Int32(7201)})
		kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a b")})
		kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "")
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`)})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, "")
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42"),
			Tags: []ststypes.Tag{{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 256))}}, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Sid":"` + strings.Repeat("s", 1900) + `"}]}`),
			PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/" + strings.Repeat("p", 1900))}}})
		kwtest.WantAPIError(t, err, "PackedPolicyTooLarge", http.StatusBadRequest, "")
	})

	out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x-42"),
		DurationSeconds: aws.Int32(7200), Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	must(t, err)
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::"+kwtest.AccountID+":assumed-role/deploy/s1" {
		t.Fatalf("assumed role ARN %s", got)
	}
	if k := aws.ToString(out.Credentials.AccessKeyId); !strings.HasPrefix(k, "ASIA") || (2*time.Hour-out.Credentials.Expiration.Sub(ts.Clock.Now())).Abs() > time.Second {
		t.Fatalf("credentials %s until %v", k, out.Credentials.Expiration)
	}
	sessIAM, sessSTS := ts.SessionClients(out.Credentials)

	t.Run("the session is the role's", func(t *testing.T) {
		id, err := sessSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
		if aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(id.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) ||
			!strings.HasPrefix(aws.ToString(id.UserId), "AROA") || !strings.HasSuffix(aws.ToString(id.UserId), ":s1") {
			t.Fatalf("caller identity %s %s, assumed %s", aws.ToString(id.Arn), aws.ToString(id.UserId), aws.ToString(out.AssumedRoleUser.AssumedRoleId))
		}
		if _, err := sessIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatalf("the role's policy allows ListUsers: %v", err)
		}
		// The session tag is a principal tag.
		if _, err := sessIAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")}); err != nil {
			t.Fatalf("aws:PrincipalTag/team from the session tag: %v", err)
		}
		_, err = sessIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+kwtest.AccountID+":assumed-role/deploy/s1 is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+kwtest.AccountID+":user/mallory because no identity-based policy allows the iam:CreateUser action")
		// Operations on "the calling user" need a user.
		_, err = sessIAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
		kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "Must specify userName when calling with non-User credentials")
		_, err = sessSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	})

	t.Run("session policies limit the role", func(t *testing.T) {
		limited, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("limited"), ExternalId: aws.String("x-42"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","iam:CreateUser"],"Resource":"*"}]}`)})
		must(t, err)
		if aws.ToInt32(limited.PackedPolicySize) <= 0 {
			t.Fatalf("PackedPolicySize %d", aws.ToInt32(limited.PackedPolicySize))
		}
		l, _ := ts.SessionClients(limited.Credentials)
		if _, err := l.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deploy")}); err != nil {
			t.Fatal(err)
		}
		_, err = l.ListUsers(ctx, &iam.ListUsersInput{})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+kwtest.AccountID+":assumed-role/deploy/limited is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::"+kwtest.AccountID+":user/ because no session policy allows the iam:ListUsers action")
		// A session policy grants nothing the role lacks.
		_, err = l.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

		// A managed policy as session policy.
		p, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("list-roles"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)})
		must(t, err)
		byARN, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("byarn"), ExternalId: aws.String("x-42"),
			PolicyArns: []ststypes.PolicyDescriptorType{{Arn: p.Policy.Arn}}})
		must(t, err)
		b, _ := ts.SessionClients(byARN.Credentials)
		if _, err := b.ListRoles(ctx, &iam.ListRolesInput{}); err != nil {
			t.Fatal(err)
		}
		_, err = b.ListUsers(ctx, &iam.ListUsersInput{})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	})

	t.Run("same account: a trust policy naming the account needs the caller's own Allow", func(t *testing.T) {
		_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ops"),
			AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:root"},"Action":"sts:AssumeRole"}`)})
		must(t, err)
		opsARN := "arn:aws:iam::" + kwtest.AccountID + ":role/ops"
		_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(opsARN), RoleSessionName: aws.String("bob")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:iam::"+kwtest.AccountID+":user/bob is not authorized to perform: sts:AssumeRole on resource: "+opsARN+" because no identity-based policy allows the sts:AssumeRole action")
		_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + opsARN + `"}]}`)})
		must(t, err)
		if _, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(opsARN), RoleSessionName: aws.String("bob")}); err != nil {
			t.Fatal(err)
		}

		// Role chaining: the deploy session may assume ops (the account is
		// trusted, and its role allows?), but for an hour at most.
		_, err = sessSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(opsARN), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(3601)})
		kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		_, err = sessSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(opsARN), RoleSessionName: aws.String("chain")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+kwtest.AccountID+":assumed-role/deploy/s1 is not authorized to perform: sts:AssumeRole on resource: "+opsARN+" because no identity-based policy allows the sts:AssumeRole action")
	})

	t.Run("MFA in the trust policy", func(t *testing.T) {
		_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"),
			AssumeRolePolicyDocument: kwtest.TrustDoc(`{"Effect":"Allow","Principal":{"AWS":"` + aliceARN + `"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`)})
		must(t, err)
		adminARN := "arn:aws:iam::" + kwtest.AccountID + ":role/admin"
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(adminARN), RoleSessionName: aws.String("mfa")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
		now := ts.Clock.Now()
		serial, seed := kwtest.EnableUserMFA(t, root, "alice", now)
		ts.Clock.Add(30 * time.Second)
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(adminARN), RoleSessionName: aws.String("mfa"), SerialNumber: aws.String(serial), TokenCode: aws.String("000000")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
		if _, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(adminARN), RoleSessionName: aws.String("mfa"), SerialNumber: aws.String(serial),
			TokenCode: aws.String(kwtest.TOTPCode(t, seed, ts.Clock.Now()))}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("revoking the role's sessions stops them at once", func(t *testing.T) {
		before, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("old"), ExternalId: aws.String("x-42")})
		must(t, err)
		old, _ := ts.SessionClients(before.Credentials)
		if _, err := old.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatal(err)
		}
		ts.Clock.Add(time.Minute)
		// What the console's "Revoke active sessions" writes, as AWS does.
		_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("AWSRevokeOlderSessions"), PolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + ts.Clock.Now().UTC().Format(time.RFC3339) + `"}}}]}`)})
		must(t, err)
		_, err = old.ListUsers(ctx, &iam.ListUsersInput{})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+kwtest.AccountID+":assumed-role/deploy/old is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::"+kwtest.AccountID+":user/ with an explicit deny in an identity-based policy")
		ts.Clock.Add(time.Second)
		after, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("new"), ExternalId: aws.String("x-42")})
		must(t, err)
		fresh, _ := ts.SessionClients(after.Credentials)
		if _, err := fresh.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatalf("a session begun after the revocation: %v", err)
		}
		// Past its expiration the session is refused. (The SDK signs with
		// the real time, which may be 15 minutes off the server's.)
		ts.Clock.Add(-8 * time.Minute)
		short, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("short"), ExternalId: aws.String("x-42"), DurationSeconds: aws.Int32(900)})
		must(t, err)
		shortIAM, _ := ts.SessionClients(short.Credentials)
		ts.Clock.Add(15*time.Minute + time.Second)
		_, err = shortIAM.ListUsers(ctx, &iam.ListUsersInput{})
		kwtest.WantAPIError(t, err, "ExpiredToken", http.StatusForbidden, "The security token included in the request is expired")
	})

	t.Run("a changed trust policy and a deleted role take effect at once", func(t *testing.T) {
		_, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("temp"), AssumeRolePolicyDocument: kwtest.TrustDoc(
			`{"Effect":"Allow","Principal":{"AWS":"` + aliceARN + `"},"Action":"sts:AssumeRole"}`)})
		must(t, err)
		tempARN := aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/temp")
		_, err = root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("temp"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)})
		must(t, err)
		s, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: tempARN, RoleSessionName: aws.String("t1")})
		must(t, err)
		_, err = root.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("temp"), PolicyDocument: kwtest.TrustDoc(
			`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:user/bob"},"Action":"sts:AssumeRole"}`)})
		must(t, err)
		_, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: tempARN, RoleSessionName: aws.String("t2")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
		if _, err := bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: tempARN, RoleSessionName: aws.String("t3")}); err != nil {
			t.Fatal(err)
		}
		old, _ := ts.SessionClients(s.Credentials)
		if _, err := old.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatalf("a session outlives a change of trust, as on AWS: %v", err)
		}
		_, err = root.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("temp"), PolicyName: aws.String("p")})
		must(t, err)
		_, err = root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("temp")})
		must(t, err)
		_, err = old.ListUsers(ctx, &iam.ListUsersInput{})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
		_, err = bob.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: tempARN, RoleSessionName: aws.String("t4")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	})

	t.Run("every session handed out is an audit event", func(t *testing.T) {
		must(t, ts.Audit.Flush(ctx))
		out, err := cloudtrail.NewFromConfig(ts.ConfigIn("us-east-1", kwtest.RootKeyID, kwtest.RootSecret, "")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRole")}}})
		must(t, err)
		refused, granted := 0, 0
		for _, e := range out.Events {
			var rec struct {
				EventSource, ErrorCode string
				UserIdentity           struct{ ARN string } `json:"userIdentity"`
			}
			must(t, json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec))
			if rec.EventSource != "sts.amazonaws.com" {
				t.Fatalf("event source %s", rec.EventSource)
			}
			if rec.ErrorCode == "" && rec.UserIdentity.ARN == aliceARN {
				granted++
			} else if rec.ErrorCode == "AccessDenied" {
				refused++
			}
		}
		if granted == 0 || refused == 0 {
			t.Fatalf("AssumeRole events: %d granted to alice, %d refused, of %d", granted, refused, len(out.Events))
		}
	})

	t.Run("last used and the credential report", func(t *testing.T) {
		must(t, ts.Uses.Flush(ctx))
		r, err := root.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deploy")})
		must(t, err)
		if r.Role.RoleLastUsed == nil || r.Role.RoleLastUsed.LastUsedDate == nil || aws.ToString(r.Role.RoleLastUsed.Region) != "eu-west-1" {
			t.Fatalf("RoleLastUsed %+v", r.Role.RoleLastUsed)
		}
		report := ts.CurrentReport(t, root)
		for user := range report {
			if strings.Contains(user, "deploy") || strings.Contains(user, "s1") || strings.HasPrefix(user, "ASIA") {
				t.Fatalf("a session in the credential report: %q", user)
			}
		}
		if len(report) != 3 { // root, alice, bob
			t.Fatalf("report rows %v", report)
		}
	})
}

// TestGetFederationToken: a user gets a federated user's session, which
// has the user's permissions limited by its session policy (none without
// one); GetAccessKeyInfo knows Keyward's session key IDs from made-up ones.
func TestGetFederationToken(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := kwtest.CreateUserKey(t, root, "broker")
	broker := ts.STSIn(id, secret, "us-east-1")
	_, err := broker.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("web-user")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden,
		"User: arn:aws:iam::"+kwtest.AccountID+":user/broker is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::"+kwtest.AccountID+":federated-user/web-user because no identity-based policy allows the sts:GetFederationToken action")
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("broker"), PolicyName: aws.String("p"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}`)})
	must(t, err)

	out, err := broker.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("web-user"), DurationSeconds: aws.Int32(900),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:CreateUser"],"Resource":"*"}]}`)})
	must(t, err)
	if aws.ToString(out.FederatedUser.Arn) != "arn:aws:sts::"+kwtest.AccountID+":federated-user/web-user" || aws.ToString(out.FederatedUser.FederatedUserId) != kwtest.AccountID+":web-user" {
		t.Fatalf("federated user %+v", out.FederatedUser)
	}
	fedIAM, fedSTS := ts.SessionClients(out.Credentials)
	who, err := fedSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(who.Arn) != aws.ToString(out.FederatedUser.Arn) || aws.ToString(who.UserId) != kwtest.AccountID+":web-user" {
		t.Fatalf("caller identity %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
	if _, err := fedIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = fedIAM.ListRoles(ctx, &iam.ListRolesInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+kwtest.AccountID+":federated-user/web-user is not authorized to perform: iam:ListRoles on resource: * because no session policy allows the iam:ListRoles action")
	_, err = fedIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x1")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = fedSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/any"), RoleSessionName: aws.String("x1")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = fedSTS.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("again")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Cannot call GetFederationToken with session credentials")

	// Without a session policy the session may do nothing.
	bare, err := broker.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bare")})
	must(t, err)
	bareIAM, _ := ts.SessionClients(bare.Credentials)
	_, err = bareIAM.ListUsers(ctx, &iam.ListUsersInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	// GetAccessKeyInfo: the session's key is the account's; a made-up ASIA
	// key is read as AWS reads any, the account its bits name; one that
	// is not base32 names none.
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("broker"), PolicyName: aws.String("info"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*"}]}`)})
	must(t, err)
	info, err := broker.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: out.Credentials.AccessKeyId})
	must(t, err)
	if aws.ToString(info.Account) != kwtest.AccountID {
		t.Fatalf("account of a session key: %s", aws.ToString(info.Account))
	}
	forged := []byte(aws.ToString(out.Credentials.AccessKeyId))
	if forged[5] == 'A' {
		forged[5] = 'B'
	} else {
		forged[5] = 'A'
	}
	info, err = broker.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(string(forged))})
	must(t, err)
	if got := aws.ToString(info.Account); got != awsKeyIDAccount(t, string(forged)) || got == kwtest.AccountID {
		t.Fatalf("account of a made-up session key: %s, want %s", got, awsKeyIDAccount(t, string(forged)))
	}
	_, err = broker.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("ASIA0000000000000001")})
	kwtest.WantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
}
