// Attacks on the STS and federation boundary: AssumeRole,
// AssumeRoleWithWebIdentity, AssumeRoleWithSAML, GetSessionToken,
// GetFederationToken, the session tokens they issue and the MFA codes they
// take. (Package saml's own attack file holds the attacks on the SAML
// response's XML: signature wrapping, comments, entities, sizes.)
//
// What the caller may claim: the role it wants, a session name, an
// external ID, session policies and tags, a source identity, a duration,
// an MFA device's serial number and a code, a web identity token, a SAML
// response and the provider it names, and a session token it holds. None
// of it is believed about the caller.
//
// What Keyward establishes itself: who the caller is (the signature, or
// the token's issuer's signature), whether the role's trust policy names
// it and how, and whether anything in the caller's own policies
// (identity policies, permissions boundary, session policies, the
// revocation of its sessions) denies the assumption; that a session token
// is one Keyward sealed, byte for byte; that an MFA code is the device's,
// with guesses limited per device on every replica. New STS endpoints add
// their attacks here.
package sts_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	crewsaml "github.com/crewjam/saml"
	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/saml"
	kwsts "github.com/keyward/keyward/sts"
)

// must is kwtest's, under the name the tests here call.
var must = kwtest.Must

// attackBench is a Keyward on a clock the test moves, with SDK clients.
type attackBench struct {
	*kwtest.Keyward
	clock *kwtest.Clock
}

func newAttackBench(t *testing.T) *attackBench {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	return &attackBench{Keyward: kwtest.NewWithClock(t, clock.Now), clock: clock}
}

func (b *attackBench) iam(id, secret string) *awsiam.Client { return b.IAMClient(id, secret) }
func (b *attackBench) sts(id, secret string) *sts.Client    { return b.STSClient(id, secret) }

// session returns IAM and STS clients signing with temporary credentials.
func (b *attackBench) session(c *ststypes.Credentials) (*awsiam.Client, *sts.Client) {
	cfg := b.Config(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return awsiam.NewFromConfig(cfg), sts.NewFromConfig(cfg)
}

// root is the context of a request of the account's root user.
func (b *attackBench) root() context.Context {
	return keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: kwtest.AccountID, Root: true}, CurrentTime: b.clock.Now()})
}

// role creates a role trusting the principals given (a JSON value of
// Principal) to assume it and tag its sessions.
func (b *attackBench) role(t *testing.T, name, principal string) string {
	t.Helper()
	_, err := b.IAM.CreateRole(b.root(), keyward.Role{Name: name, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` +
		principal + `,"Action":["sts:AssumeRole","sts:TagSession"]}]}`})
	must(t, err)
	return "arn:aws:iam::" + kwtest.AccountID + ":role/" + name
}

func userARN(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":user/" + name }

const denyAssume = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`

// TestAssumeRoleExplicitDenyWins: a trust policy that names the caller
// stands in for an Allow of the caller's own policies, never for the
// absence of their Deny (IAM User Guide, "Policy evaluation logic": an
// explicit deny in any policy wins; a resource-based policy naming the
// principal within the account is not limited by an implicit deny only).
// Keyward's own simulator says the same.
func TestAssumeRoleExplicitDenyWins(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "mallory", denyAssume)
	// A permissions boundary's deny refuses as well.
	bid, bsecret := b.User(t, "bounded", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	_, err := b.IAM.CreatePolicy(b.root(), "no-assume", "/", "", denyAssume, nil)
	must(t, err)
	must(t, b.IAM.PutUserPermissionsBoundary(b.root(), "bounded", "arn:aws:iam::"+kwtest.AccountID+":policy/no-assume"))

	tests := []struct{ name, principal string }{
		{"named by ARN", `{"AWS":["` + userARN("mallory") + `","` + userARN("bounded") + `"]}`},
		{"anyone", `"*"`},
		{"the account", `{"AWS":"` + kwtest.AccountID + `"}`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "target" + string(rune('a'+i))
			arn := b.role(t, name, tt.principal)
			for _, c := range []struct {
				user       string
				id, secret string
			}{{"mallory", id, secret}, {"bounded", bid, bsecret}} {
				_, err := b.sts(c.id, c.secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx")})
				kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+userARN(c.user)+" is not authorized to perform: sts:AssumeRole on resource: "+arn+
					" with an explicit deny in an identity-based policy")
			}
			sim, err := b.iam(kwtest.RootKeyID, kwtest.RootSecret).SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
				PolicySourceArn: aws.String(userARN("mallory")), ActionNames: []string{"sts:AssumeRole"}, ResourceArns: []string{arn}})
			must(t, err)
			if d := sim.EvaluationResults[0].EvalDecision; d != "explicitDeny" {
				t.Fatalf("SimulatePrincipalPolicy says %s; AssumeRole refused with an explicit deny", d)
			}
		})
	}
}

// TestAssumeRoleSessionLimits: a role session calling AssumeRole carries
// its session policies and its role's boundary. An explicit deny in its
// session policy refuses whatever the trust policy names; an implicit
// one refuses where the trust policy names the session's role (its
// permissions are then the role's, limited by the session), not where it
// names the session itself (IAM User Guide, "Policy evaluation logic",
// resource-based policies and implicit denies: IAM role, IAM role
// session).
func TestAssumeRoleSessionLimits(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "alice", "")
	hop := b.role(t, "hop", `{"AWS":"`+userARN("alice")+`"}`)
	alice := b.sts(id, secret)
	sessionARN := "arn:aws:sts::" + kwtest.AccountID + ":assumed-role/hop/"

	assume := func(t *testing.T, name, policy string) *sts.Client {
		t.Helper()
		in := &sts.AssumeRoleInput{RoleArn: aws.String(hop), RoleSessionName: aws.String(name)}
		if policy != "" {
			in.Policy = aws.String(policy)
		}
		out, err := alice.AssumeRole(ctx, in)
		must(t, err)
		_, c := b.session(out.Credentials)
		return c
	}
	byRole := b.role(t, "by-role", `{"AWS":"`+hop+`"}`)
	bySession := b.role(t, "by-session", `{"AWS":["`+sessionARN+`limited","`+sessionARN+`denied"]}`)

	denied := assume(t, "denied", denyAssume)
	limited := assume(t, "limited", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	plain := assume(t, "plain", "")
	tests := []struct {
		name    string
		caller  *sts.Client
		role    string
		message string // "" when allowed
	}{
		{"a session policy's deny, trust naming the role", denied, byRole, "with an explicit deny in an identity-based policy"},
		{"a session policy's deny, trust naming the session", denied, bySession, "with an explicit deny in an identity-based policy"},
		{"a session policy not allowing, trust naming the role", limited, byRole, "because no session policy allows the sts:AssumeRole action"},
		{"a session policy not allowing, trust naming the session", limited, bySession, ""},
		{"no session policy, trust naming the role", plain, byRole, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.caller.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tt.role), RoleSessionName: aws.String("next")})
			if tt.message == "" {
				must(t, err)
				return
			}
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
			if !strings.HasSuffix(err.Error(), tt.message) {
				t.Fatalf("got %v, want %q", err, tt.message)
			}
		})
	}

	// The role's permissions boundary limits its sessions alike.
	_, err := b.IAM.CreatePolicy(b.root(), "iam-only", "/", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`, nil)
	must(t, err)
	must(t, b.IAM.PutRolePermissionsBoundary(b.root(), "iam:PutRolePermissionsBoundary", "hop", "arn:aws:iam::"+kwtest.AccountID+":policy/iam-only"))
	_, err = plain.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(byRole), RoleSessionName: aws.String("next")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+sessionARN+"plain is not authorized to perform: sts:AssumeRole on resource: "+byRole+
		" because no permissions boundary allows the sts:AssumeRole action")
}

// TestRevokedSessionsStayRevoked: "Revoke active sessions" denies
// everything to the role's sessions issued until then; none of them may
// assume another role that trusts the role, nor the role itself, and so
// renew itself. Sessions begun afterwards are not affected.
func TestRevokedSessionsStayRevoked(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "alice", "")
	// hop trusts alice and, once it is there to be named, itself (a role
	// that re-assumes itself).
	hop := b.role(t, "hop", `{"AWS":"`+userARN("alice")+`"}`)
	must(t, b.IAM.UpdateAssumeRolePolicy(b.root(), "hop", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["`+
		userARN("alice")+`","`+hop+`"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}`))
	next := b.role(t, "next", `{"AWS":"`+hop+`"}`)
	anyone := b.role(t, "anyone", `"*"`)
	alice := b.sts(id, secret)

	out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hop), RoleSessionName: aws.String("old")})
	must(t, err)
	_, old := b.session(out.Credentials)
	must(t, b.IAM.RevokeRoleSessions(b.root(), "hop"))

	for _, target := range []string{next, hop, anyone} {
		_, err := old.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("escape")})
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:sts::"+kwtest.AccountID+":assumed-role/hop/old is not authorized to perform: sts:AssumeRole on resource: "+
			target+" with an explicit deny in an identity-based policy")
	}

	b.clock.Add(2 * time.Second)
	out, err = alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hop), RoleSessionName: aws.String("new")})
	must(t, err)
	_, fresh := b.session(out.Credentials)
	for _, target := range []string{next, hop, anyone} {
		if _, err := fresh.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("onward")}); err != nil {
			t.Fatalf("a session begun after the revocation assuming %s: %v", target, err)
		}
	}
}

// twin returns the token (after its prefix) with its last character
// changed so that lenient base64 decoding gives the same bytes, or ""
// when the encoding's length leaves no unused bits to flip.
func twin(token, prefix string) string {
	raw := strings.TrimPrefix(token, prefix)
	want, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || raw == "" {
		return ""
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, c := range []byte(alphabet) {
		if c == raw[len(raw)-1] {
			continue
		}
		v := raw[:len(raw)-1] + string(c)
		if got, err := base64.RawURLEncoding.DecodeString(v); err == nil && bytes.Equal(got, want) {
			return prefix + v
		}
	}
	return ""
}

// TestTokensDecodeStrictly: a sealed token is accepted only as Keyward
// wrote it. Lenient base64 ignores the unused bits of the last character,
// so a token with that character changed opened as the original: the
// session token, the encoded authorization message and the pagination
// marker are decoded strictly.
func TestTokensDecodeStrictly(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	alice := b.sts(id, secret)

	t.Run("session token", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			out, err := alice.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed" + strings.Repeat("x", i)),
				Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
			must(t, err)
			forged := twin(aws.ToString(out.Credentials.SessionToken), "KWS1")
			if forged == "" {
				continue
			}
			_, s := b.session(out.Credentials)
			if _, err := s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatalf("the session as issued: %v", err)
			}
			out.Credentials.SessionToken = aws.String(forged)
			_, s = b.session(out.Credentials)
			_, err = s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			kwtest.WantAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden, "")
			return
		}
		t.Fatal("no session token with unused bits in three lengths")
	})

	t.Run("authorization message", func(t *testing.T) {
		caller := keyward.WithCaller(ctx, &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID,
			UserName: "alice", UserID: "AIDAKEYWARDNOSUCHUSER"}, CurrentTime: b.clock.Now()})
		for i := 0; i < 3; i++ {
			err := b.Authz.AuthorizeExternal(caller, "s3:GetObject", "arn:aws:s3:::bucket/"+strings.Repeat("k", i+1))
			_, msg, ok := strings.Cut(keyward.ErrorMessage(err), "Encoded authorization failure message: ")
			if !ok {
				t.Fatalf("refusal without a message: %v", err)
			}
			forged := twin(msg, "KWM1")
			if forged == "" {
				continue
			}
			root := b.sts(kwtest.RootKeyID, kwtest.RootSecret)
			if _, err := root.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(msg)}); err != nil {
				t.Fatalf("the message as encoded: %v", err)
			}
			_, err = root.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(forged)})
			kwtest.WantAPIError(t, err, "InvalidAuthorizationMessageException", http.StatusBadRequest, "")
			return
		}
		t.Fatal("no message with unused bits in three lengths")
	})

	t.Run("pagination marker", func(t *testing.T) {
		root := b.iam(kwtest.RootKeyID, kwtest.RootSecret)
		for _, name := range []string{"b", "bb", "bbb"} {
			b.User(t, name, "")
		}
		pages := awsiam.NewListUsersPaginator(root, &awsiam.ListUsersInput{MaxItems: aws.Int32(1)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			must(t, err)
			if forged := twin(aws.ToString(page.Marker), ""); forged != "" {
				_, err = root.ListUsers(ctx, &awsiam.ListUsersInput{MaxItems: aws.Int32(1), Marker: aws.String(forged)})
				kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "Invalid Marker.")
				return
			}
		}
		t.Fatal("no marker with unused bits")
	})
}

// mfaUser makes a user allowed everything with an MFA device enabled and
// an access key, and returns the device's serial number and seed.
func (b *attackBench) mfaUser(t *testing.T, name string) (id, secret, serial string, seed []byte) {
	t.Helper()
	id, secret = b.User(t, name, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	dev, err := b.IAM.CreateVirtualMFADevice(b.root(), name+"-phone", "/", nil)
	must(t, err)
	now := b.clock.Now()
	must(t, b.IAM.EnableMFADevice(b.root(), name, dev.SerialNumber, iam.TOTP(dev.Seed, now.Add(-30*time.Second)), iam.TOTP(dev.Seed, now)))
	b.clock.Add(time.Minute) // past the steps the enabling used
	return id, secret, dev.SerialNumber, dev.Seed
}

// wrongCode is a code of six digits that the device does not show now, a
// step before or a step after.
func (b *attackBench) wrongCode(seed []byte) string {
	now := b.clock.Now()
	for d := '0'; ; d++ {
		c := strings.Repeat(string(d), 6)
		if c != iam.TOTP(seed, now) && c != iam.TOTP(seed, now.Add(-30*time.Second)) && c != iam.TOTP(seed, now.Add(30*time.Second)) {
			return c
		}
	}
}

// TestMFAGuessesLimited: every way of giving a code (GetSessionToken,
// AssumeRole, ResyncMFADevice, EnableMFADevice, the console's sign-in)
// counts wrong codes against the device, as the console's sign-in limits
// passwords: after five within 15 minutes even the right code is refused,
// with the error a wrong code gets, until the window ends. The count is
// the device's, whichever way the guesses came.
func TestMFAGuessesLimited(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	const mfaFailed = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
	const invalidCode = "Authentication code for device is not valid."
	type attempt func(t *testing.T, code string) error
	tests := []struct {
		name string
		// try gives one code for the user's device (right or wrong).
		try         func(t *testing.T, user, id, secret, serial string, seed []byte) attempt
		code, error string
		status      int
	}{
		{"GetSessionToken", func(t *testing.T, user, id, secret, serial string, seed []byte) attempt {
			return func(t *testing.T, code string) error {
				_, err := b.sts(id, secret).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
				return err
			}
		}, "AccessDenied", mfaFailed, http.StatusForbidden},
		{"AssumeRole", func(t *testing.T, user, id, secret, serial string, seed []byte) attempt {
			arn := b.role(t, "r-"+user, `{"AWS":"`+userARN(user)+`"}`)
			return func(t *testing.T, code string) error {
				_, err := b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("mfa"),
					SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
				return err
			}
		}, "AccessDenied", mfaFailed, http.StatusForbidden},
		{"ResyncMFADevice", func(t *testing.T, user, id, secret, serial string, seed []byte) attempt {
			return func(t *testing.T, code string) error {
				next := code
				if code == iam.TOTP(seed, b.clock.Now()) {
					next = iam.TOTP(seed, b.clock.Now().Add(30*time.Second))
				}
				_, err := b.iam(id, secret).ResyncMFADevice(ctx, &awsiam.ResyncMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
					AuthenticationCode1: aws.String(code), AuthenticationCode2: aws.String(next)})
				return err
			}
		}, "InvalidAuthenticationCode", invalidCode, http.StatusForbidden},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := "user" + string(rune('a'+i))
			id, secret, serial, seed := b.mfaUser(t, user)
			try := tt.try(t, user, id, secret, serial, seed)
			for range 5 {
				kwtest.WantAPIError(t, try(t, b.wrongCode(seed)), tt.code, tt.status, tt.error)
			}
			kwtest.WantAPIError(t, try(t, iam.TOTP(seed, b.clock.Now())), tt.code, tt.status, tt.error)
			b.clock.Add(15 * time.Minute)
			if err := try(t, iam.TOTP(seed, b.clock.Now())); err != nil {
				t.Fatalf("the right code once the window ended: %v", err)
			}
		})
	}

	t.Run("EnableMFADevice", func(t *testing.T) {
		b.User(t, "enabler", "")
		dev, err := b.IAM.CreateVirtualMFADevice(b.root(), "spare", "/", nil)
		must(t, err)
		root := b.iam(kwtest.RootKeyID, kwtest.RootSecret)
		enable := func(code1, code2 string) error {
			_, err := root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("enabler"), SerialNumber: aws.String(dev.SerialNumber),
				AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
			return err
		}
		for range 5 {
			wrong := b.wrongCode(dev.Seed)
			kwtest.WantAPIError(t, enable(wrong, wrong), "InvalidAuthenticationCode", http.StatusForbidden, invalidCode)
		}
		now := b.clock.Now()
		kwtest.WantAPIError(t, enable(iam.TOTP(dev.Seed, now.Add(-30*time.Second)), iam.TOTP(dev.Seed, now)), "InvalidAuthenticationCode", http.StatusForbidden, invalidCode)
	})

	t.Run("the console, then the API: one count per device", func(t *testing.T) {
		id, secret, serial, seed := b.mfaUser(t, "mixed")
		for range 3 {
			has, err := b.IAM.CheckMFACode(context.Background(), "mixed", b.wrongCode(seed))
			if !has || keyward.ErrorCode(err) != keyward.EInvalidAuthenticationCode {
				t.Fatalf("a wrong code at the console: %v, %v", has, err)
			}
		}
		for range 2 {
			_, err := b.sts(id, secret).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(b.wrongCode(seed))})
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, mfaFailed)
		}
		if _, err := b.IAM.CheckMFACode(context.Background(), "mixed", iam.TOTP(seed, b.clock.Now())); keyward.ErrorCode(err) != keyward.EInvalidAuthenticationCode {
			t.Fatalf("the right code at the console while locked: %v", err)
		}
		d, err := b.IAM.Store.MFADevice(context.Background(), serial)
		must(t, err)
		if d.Failures != 5 {
			t.Fatalf("the device counts %d failures, want 5", d.Failures)
		}
	})
}

// TestAssumeRoleWithSAMLRefusals: what the bearer of a response may not
// do — each refused with AWS's error, and no session issued.
func TestAssumeRoleWithSAMLRefusals(t *testing.T) {
	b := newSAMLBench(t)
	b.samlRole(t, "Admin", "")
	b.samlRole(t, "Reader", `{"StringEquals":{"SAML:sub":"bob@corp.test"}}`)
	b.samlRole(t, "Other", "")

	t.Run("a response used twice", func(t *testing.T) {
		resp := b.response(t)
		_, err := b.assume(resp, "Admin")
		must(t, err)
		_, err = b.assume(resp, "Admin")
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "")
	})
	t.Run("a role the Role attribute does not name", func(t *testing.T) {
		_, err := b.assume(b.response(t), "Other")
		kwtest.WantAPIError(t, err, "AccessDenied", 403, "")
	})
	t.Run("a trust policy's saml:sub condition", func(t *testing.T) {
		_, err := b.assume(b.response(t), "Reader")
		kwtest.WantAPIError(t, err, "AccessDenied", 403, "")
	})
	t.Run("an expired response", func(t *testing.T) {
		resp := b.response(t)
		b.clock.Add(10 * time.Minute)
		_, err := b.assume(resp, "Admin")
		kwtest.WantAPIError(t, err, "ExpiredTokenException", 400, "")
	})
	t.Run("a provider that does not exist", func(t *testing.T) {
		_, err := b.sts("", "").AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(b.roleARN("Admin")),
			PrincipalArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":saml-provider/nobody"), SAMLAssertion: aws.String(b.response(t))})
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "")
	})
	t.Run("a response for another provider's ARN", func(t *testing.T) {
		other := b.idp.Metadata
		_, err := b.rootIAM.CreateSAMLProvider(context.Background(), &awsiam.CreateSAMLProviderInput{Name: aws.String("other"), SAMLMetadataDocument: aws.String(other)})
		must(t, err)
		_, err = b.sts("", "").AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(b.roleARN("Admin")),
			PrincipalArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":saml-provider/other"), SAMLAssertion: aws.String(b.response(t))})
		kwtest.WantAPIError(t, err, "AccessDenied", 403, "")
	})
	t.Run("a response that is not one", func(t *testing.T) {
		_, err := b.assume("bm90IGEgcmVzcG9uc2U=", "Admin")
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "")
	})
	t.Run("a deleted provider", func(t *testing.T) {
		resp := b.response(t)
		_, err := b.rootIAM.DeleteSAMLProvider(context.Background(), &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN)})
		must(t, err)
		_, err = b.assume(resp, "Admin")
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "")
	})
}

// TestFederationTokenTagsMeetConditions: the tags asked of
// GetFederationToken become the federated user's aws:PrincipalTag, so the
// caller's policies decide them as AssumeRole's do: they see them as
// aws:RequestTag and aws:TagKeys (IAM User Guide, "Passing session tags
// in AWS STS", permissions required to add session tags). Without them,
// a ForAllValues condition on the keys held for any key, and a Deny on a
// tag's value never matched.
func TestFederationTokenTagsMeetConditions(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "broker", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"},
		{"Effect":"Allow","Action":"sts:TagSession","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["project","team"]}}},
		{"Effect":"Deny","Action":"sts:TagSession","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"admins"}}},
		{"Effect":"Deny","Action":"sts:GetFederationToken","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/project":"secret"}}}]}`)
	fed := "arn:aws:sts::" + kwtest.AccountID + ":federated-user/fed"
	tag := func(k, v string) ststypes.Tag { return ststypes.Tag{Key: aws.String(k), Value: aws.String(v)} }
	tests := []struct {
		name   string
		tags   []ststypes.Tag
		action string // refused, or "" for issued
		how    string
	}{
		{"a key the policy does not list", []ststypes.Tag{tag("project", "a"), tag("owner", "me")}, "sts:TagSession", "because no identity-based policy allows the sts:TagSession action"},
		{"a value the policy denies", []ststypes.Tag{tag("team", "admins")}, "sts:TagSession", "with an explicit deny in an identity-based policy"},
		{"a value denied on GetFederationToken", []ststypes.Tag{tag("project", "secret")}, "sts:GetFederationToken", "with an explicit deny in an identity-based policy"},
		{"keys and values allowed", []ststypes.Tag{tag("project", "a"), tag("team", "dev")}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := b.sts(id, secret).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"),
				Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), Tags: tt.tags})
			if tt.action == "" {
				must(t, err)
				if aws.ToString(out.FederatedUser.Arn) != fed {
					t.Fatalf("federated user %s, want %s", aws.ToString(out.FederatedUser.Arn), fed)
				}
				return
			}
			kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+userARN("broker")+" is not authorized to perform: "+tt.action+" on resource: "+fed+" "+tt.how)
		})
	}
}

// TestSourceIdentityCannotChange: a session's source identity is set once,
// by whoever began the chain, and persists through every role the session
// assumes; it "cannot be changed during the role session" (IAM User Guide,
// "Monitor and control actions taken with assumed roles"). A chained
// AssumeRole naming another one is refused, whatever the trust policy
// allows, so that a session cannot shed the identity an audit or an
// aws:SourceIdentity condition holds it to; and a trust policy's
// sts:SourceIdentity sees the identity the chain carries when the request
// does not restate it.
func TestSourceIdentityCannotChange(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "alice", "")
	trust := func(principal, deny string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal +
			`,"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}` + deny + `]}`
	}
	_, err := b.IAM.CreateRole(b.root(), keyward.Role{Name: "hop", TrustPolicy: trust(`{"AWS":"`+userARN("alice")+`"}`, "")})
	must(t, err)
	hop := "arn:aws:iam::" + kwtest.AccountID + ":role/hop"
	_, err = b.IAM.CreateRole(b.root(), keyward.Role{Name: "next", TrustPolicy: trust(`{"AWS":"`+hop+`"}`,
		`,{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:SourceIdentity":"alice"}}}`)})
	must(t, err)
	_, err = b.IAM.CreateRole(b.root(), keyward.Role{Name: "open", TrustPolicy: trust(`{"AWS":"`+hop+`"}`, "")})
	must(t, err)
	next := "arn:aws:iam::" + kwtest.AccountID + ":role/next"
	open := "arn:aws:iam::" + kwtest.AccountID + ":role/open"

	out, err := b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hop), RoleSessionName: aws.String("s1"),
		SourceIdentity: aws.String("alice")})
	must(t, err)
	_, session := b.session(out.Credentials)

	// Another identity in a chained request: refused.
	_, err = session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(open), RoleSessionName: aws.String("s2"),
		SourceIdentity: aws.String("bob")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	// Not restated: the trust policy's deny of alice still sees alice.
	_, err = session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(next), RoleSessionName: aws.String("s2")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	// The same identity, restated or not, passes on.
	for _, si := range []*string{aws.String("alice"), nil} {
		out, err := session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(open), RoleSessionName: aws.String("s2"), SourceIdentity: si})
		must(t, err)
		if got := aws.ToString(out.SourceIdentity); got != "alice" {
			t.Fatalf("the chained session's source identity is %q, want alice", got)
		}
	}
}

// TestSessionOfARenamedUser: a user's session (GetSessionToken, up to 36
// hours) is the user's unique ID's, as its keys are. It acted under the
// name it was issued under: once the user was renamed and a new user given
// the old name, a self-service policy (${aws:username}) and every action
// whose user name defaults to the caller's reached the new user, so that
// the old session made itself a key of the new user, an administrator.
// It acts as the renamed user now (IAM User Guide, "Renaming an IAM user":
// the user keeps its unique ID and policies), and as nobody once the user
// is deleted.
func TestSessionOfARenamedUser(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:GetUser"],
		"Resource":"arn:aws:iam::` + kwtest.AccountID + `:user/${aws:username}"}]}`
	id, secret := b.User(t, "alice", self)
	st, err := b.sts(id, secret).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)
	old, _ := b.session(st.Credentials)
	before, err := old.GetUser(ctx, &awsiam.GetUserInput{}) // the session, opened and cached
	must(t, err)
	renamed := "alice-2019"
	must(t, b.IAM.UpdateUser(b.root(), "alice", keyward.UserUpdate{NewName: &renamed}))
	b.User(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)

	got, err := old.GetUser(ctx, &awsiam.GetUserInput{})
	must(t, err)
	if aws.ToString(got.User.UserName) != renamed || aws.ToString(got.User.UserId) != aws.ToString(before.User.UserId) {
		t.Fatalf("the old session is %s (%s), want %s (%s)", aws.ToString(got.User.UserName), aws.ToString(got.User.UserId), renamed, aws.ToString(before.User.UserId))
	}
	key, err := old.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	must(t, err)
	if aws.ToString(key.AccessKey.UserName) != renamed {
		t.Fatalf("the old session made a key of %s", aws.ToString(key.AccessKey.UserName))
	}
	_, err = old.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("alice")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+userARN(renamed)+" is not authorized to perform: iam:ListAccessKeys on resource: "+userARN("alice")+
		" because no identity-based policy allows the iam:ListAccessKeys action")
	keys, _, err := b.IAM.ListAccessKeys(b.root(), "alice", "", 10)
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("the new alice has %d keys, want her own only", len(keys))
	}

	// Deleted, the user's session is nobody's: no policy names it.
	must(t, b.IAM.DeleteAccessKey(b.root(), renamed, aws.ToString(key.AccessKey.AccessKeyId)))
	must(t, b.IAM.DeleteAccessKey(b.root(), renamed, id))
	must(t, b.IAM.DeleteUserAndAttachments(b.root(), renamed))
	_, err = old.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	if keys, _, err := b.IAM.ListAccessKeys(b.root(), "alice", "", 10); err != nil || len(keys) != 1 {
		t.Fatalf("the new alice's keys after the deleted user's session tried: %d %v", len(keys), err)
	}
}

// TestRefusedDeleteUserKeepsSessions: a change to users has every opened
// session token opened again (a user's session reads the user's name
// then), so a DeleteUser that deletes nothing must not count as one: it
// did, and any account's root user, refused again and again, had every
// session of the installation opened again on its next request.
func TestRefusedDeleteUserKeepsSessions(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	st, err := b.sts(id, secret).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)
	session, _ := b.session(st.Credentials)
	_, err = session.GetUser(ctx, &awsiam.GetUserInput{})
	must(t, err)
	_, loads := b.Keys.Stats()
	tid, tsecret := b.Account(t, "222222222222")
	tenant := b.iam(tid, tsecret)
	for range 5 {
		_, err := tenant.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("nobody")})
		kwtest.WantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
		_, err = session.GetUser(ctx, &awsiam.GetUserInput{})
		must(t, err)
	}
	// The tenant's root key was loaded once; alice's session not again.
	if _, after := b.Keys.Stats(); after-loads > 1 {
		t.Fatalf("%d loads of the keyring after five refused DeleteUser, want the tenant's key's one", after-loads)
	}
}

// TestSessionsOfDeletedIdentitiesAssumeNothing: a session outlives
// nothing it was issued to. A trust policy naming a user or a role by ARN
// needs nothing more of the caller's own policies, so a session of a user
// or a role since deleted, and perhaps replaced by a new one of the same
// name, would otherwise assume what the trust policy grants the new one
// (AWS ties the principal a trust policy names to the identity, not its
// name: a new user of a deleted one's name is another principal).
func TestSessionsOfDeletedIdentitiesAssumeNothing(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "alice", "")
	target := b.role(t, "target", `{"AWS":"`+userARN("alice")+`"}`)
	hop := b.role(t, "hop", `{"AWS":"`+userARN("alice")+`"}`)
	next := b.role(t, "next", `{"AWS":"`+hop+`"}`)

	st, err := b.sts(id, secret).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(t, err)
	_, userSession := b.session(st.Credentials)
	hs, err := b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hop), RoleSessionName: aws.String("old")})
	must(t, err)
	_, roleSession := b.session(hs.Credentials)

	// The user and the role are deleted, and others of their names made.
	must(t, b.IAM.DeleteUserAndAttachments(b.root(), "alice"))
	b.User(t, "alice", "")
	must(t, b.IAM.DeleteRoleAndPolicies(b.root(), "hop"))
	b.role(t, "hop", `{"AWS":"`+userARN("alice")+`"}`)

	_, err = userSession.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("stale")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = roleSession.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(next), RoleSessionName: aws.String("stale")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	// A long-term key is not read again for AssumeRole: renaming its user
	// makes it sign as the new name at once, so the old name's trust is
	// not its to use.
	bobID, bobSecret := b.User(t, "bob", "")
	bobRole := b.role(t, "bobs", `{"AWS":"`+userARN("bob")+`"}`)
	_, err = b.sts(bobID, bobSecret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(bobRole), RoleSessionName: aws.String("before")})
	must(t, err)
	_, err = b.RootIAM().UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("robert")})
	must(t, err)
	b.User(t, "bob", "")
	_, err = b.sts(bobID, bobSecret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(bobRole), RoleSessionName: aws.String("renamed")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
}

// TestAttackTrustDenyFollowsTheIdentity: a trust policy's Deny of a user
// named by its ARN was matched on the ARN as well as the identity: a user
// allowed to update itself moved or renamed itself out of the Deny and
// assumed the role the rest of the account may. AWS binds the Deny to the
// user's unique ID, whatever its name or path becomes.
func TestAttackTrustDenyFollowsTheIdentity(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	acct := kwtest.AccountID
	for _, tt := range []struct {
		name string
		upd  awsiam.UpdateUserInput
	}{
		{"moved", awsiam.UpdateUserInput{NewPath: aws.String("/x/")}},
		{"renamed", awsiam.UpdateUserInput{NewUserName: aws.String("mallory2")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			user, role := "mallory-"+tt.name, "vault-"+tt.name
			id, secret := b.User(t, user, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","iam:UpdateUser"],"Resource":"*"}]}`)
			_, err := b.IAM.CreateRole(b.root(), keyward.Role{Name: role, TrustPolicy: `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"},
				{"Effect":"Deny","Principal":{"AWS":"` + userARN(user) + `"},"Action":"sts:AssumeRole"}]}`})
			must(t, err)
			roleARN := "arn:aws:iam::" + acct + ":role/" + role
			assume := func() error {
				_, err := b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
				return err
			}
			kwtest.WantAPIError(t, assume(), "AccessDenied", http.StatusForbidden, "")
			upd := tt.upd
			upd.UserName = aws.String(user)
			if upd.NewUserName != nil {
				upd.NewUserName = aws.String(*upd.NewUserName + "-" + tt.name)
			}
			_, err = b.iam(id, secret).UpdateUser(ctx, &upd)
			must(t, err)
			kwtest.WantAPIError(t, assume(), "AccessDenied", http.StatusForbidden, "")
		})
	}
}

// TestAttackTrustOfARecreatedPrincipal: a trust policy naming a user or a
// role by ARN named whoever had the ARN when asked, so a user deleted and
// made again under the name (by anyone allowed iam:CreateUser) assumed
// what the old one was trusted with, needing nothing of its own policies.
// AWS binds the ARN to the principal's unique ID when the policy is saved
// "to mitigate the risk of someone escalating their privileges by
// removing and recreating the role or user" (IAM User Guide, "AWS JSON
// policy elements: Principal"), and so does Keyward: the new one is
// another principal, the old one's trust is not its. The same for a user
// renamed to the name, and for a role.
func TestAttackTrustOfARecreatedPrincipal(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	assume := func(id, secret, arn string) error {
		_, err := b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")})
		return err
	}
	id, secret := b.User(t, "alice", "")
	target := b.role(t, "target", `{"AWS":"`+userARN("alice")+`"}`)
	must(t, assume(id, secret, target))

	// The user is deleted and another made under the name.
	must(t, b.IAM.DeleteUserAndAttachments(b.root(), "alice"))
	id, secret = b.User(t, "alice", "")
	kwtest.WantAPIError(t, assume(id, secret, target), "AccessDenied", http.StatusForbidden, notAuthorizedToAssume(userARN("alice"), target))

	// Another user renamed to the name of one renamed away.
	bobID, bobSecret := b.User(t, "bob", "")
	names := b.role(t, "names-bob", `{"AWS":"`+userARN("bob")+`"}`)
	_, err := b.RootIAM().UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("robert")})
	must(t, err)
	eveID, eveSecret := b.User(t, "eve", "")
	_, err = b.RootIAM().UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("eve"), NewUserName: aws.String("bob")})
	must(t, err)
	kwtest.WantAPIError(t, assume(eveID, eveSecret, names), "AccessDenied", http.StatusForbidden, notAuthorizedToAssume(userARN("bob"), names))
	kwtest.WantAPIError(t, assume(bobID, bobSecret, names), "AccessDenied", http.StatusForbidden, notAuthorizedToAssume(userARN("robert"), names))

	// A role deleted and made again: the new role's sessions are not the
	// old one's.
	carolID, carolSecret := b.User(t, "carol", "")
	hop := b.role(t, "hop", `{"AWS":"`+userARN("carol")+`"}`)
	next := b.role(t, "next", `{"AWS":"`+hop+`"}`)
	must(t, b.IAM.DeleteRoleAndPolicies(b.root(), "hop"))
	b.role(t, "hop", `{"AWS":"`+userARN("carol")+`"}`)
	out, err := b.sts(carolID, carolSecret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hop), RoleSessionName: aws.String("new")})
	must(t, err)
	_, session := b.session(out.Credentials)
	_, err = session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(next), RoleSessionName: aws.String("s1")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, notAuthorizedToAssume("arn:aws:sts::"+kwtest.AccountID+":assumed-role/hop/new", next))
	// Naming it again binds the ARN to the role that has it now.
	must(t, b.IAM.UpdateAssumeRolePolicy(b.root(), "next", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+hop+`"},"Action":"sts:AssumeRole"}]}`))
	_, err = session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(next), RoleSessionName: aws.String("s1")})
	must(t, err)
}

// TestAttackTrustOfAMissingPrincipal: a trust policy could name a user or
// a role that did not exist, and whoever later made one of that name
// (iam:CreateUser, or an account's administrator for an ARN of that
// account) assumed the role. AWS refuses such a policy, since it cannot
// bind the ARN to a unique ID, with MalformedPolicyDocument; so does
// Keyward, for CreateRole and UpdateAssumeRolePolicy, whatever the reason
// no user or role has the ARN: none of the name, another path, another
// case, an account the installation does not have. Principals AWS does
// not convert (an account, its root, a session, anyone) need none.
func TestAttackTrustOfAMissingPrincipal(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	root := b.RootIAM()
	_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/")})
	must(t, err)
	b.role(t, "existing", `{"AWS":"`+kwtest.AccountID+`"}`)
	missing := []string{
		userARN("ghost"),
		"arn:aws:iam::" + kwtest.AccountID + ":role/ghost",
		userARN("alice"), // her path is /eng/
		"arn:aws:iam::" + kwtest.AccountID + ":user/eng/Alice", // another case
		"arn:aws:iam::999999999999:user/eng/alice",             // an account not here
		"arn:aws:iam::" + kwtest.AccountID + ":user/*",
	}
	trust := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + kwtest.AccountID + `","` + principal + `"]},"Action":"sts:AssumeRole"}]}`
	}
	for _, arn := range missing {
		_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(trust(arn))})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, `Invalid principal in policy: "AWS":"`+arn+`"`)
		_, err = root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("existing"), PolicyDocument: aws.String(trust(arn))})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, `Invalid principal in policy: "AWS":"`+arn+`"`)
		// A Deny names its principals as an Allow does.
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"` + arn + `"},"Action":"sts:AssumeRole"}]}`
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(deny)})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, `Invalid principal in policy: "AWS":"`+arn+`"`)
	}
	if _, err := root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("target")}); err == nil {
		t.Fatal("a role trusting a principal that is not there was created")
	}
	// The ghost made afterwards assumes nothing the refused policies named.
	id, secret := b.User(t, "ghost", "")
	_, err = b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/existing"), RoleSessionName: aws.String("s1")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	for _, principal := range []string{kwtest.AccountID, "arn:aws:iam::999999999999:root", "arn:aws:sts::999999999999:assumed-role/r/s", "*", "arn:aws:iam::" + kwtest.AccountID + ":user/eng/alice"} {
		_, err := root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("existing"), PolicyDocument: aws.String(trust(principal))})
		must(t, err)
	}
}

// TestAttackTrustNotPrincipal: a trust policy that allows everyone but
// those its NotPrincipal names let a user without a single policy assume
// the role. AWS supports NotPrincipal in no role's trust policy, and with
// Deny only elsewhere (IAM User Guide, "AWS JSON policy elements:
// NotPrincipal"): Keyward refuses it at save, with either effect, and a
// document stored before never grants through it.
func TestAttackTrustNotPrincipal(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	id, secret := b.User(t, "nobody", "")
	allowOthers := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"` + userARN("someone") + `"},"Action":"sts:AssumeRole"}]}`
	denyOthers := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + kwtest.AccountID + `"},"Action":"sts:AssumeRole"},` +
		`{"Effect":"Deny","NotPrincipal":{"AWS":"` + userARN("nobody") + `"},"Action":"sts:AssumeRole"}]}`
	root := b.RootIAM()
	arn := b.role(t, "target", `{"AWS":"`+kwtest.AccountID+`"}`)
	for _, doc := range []string{allowOthers, denyOthers} {
		_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: aws.String(doc)})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, "Has prohibited field NotPrincipal")
		_, err = root.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("target"), PolicyDocument: aws.String(doc)})
		kwtest.WantAPIError(t, err, "MalformedPolicyDocument", http.StatusBadRequest, "Has prohibited field NotPrincipal")
	}
	if _, err := root.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("other")}); err == nil {
		t.Fatal("a role trusting through NotPrincipal was created")
	}

	// A document a release before stored as it was given.
	_, err := b.Store.UpdateRole(ctx, "target", func(r *keyward.Role) error { r.TrustPolicy = allowOthers; return nil })
	must(t, err)
	_, err = b.sts(id, secret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("in")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: "+userARN("nobody")+" is not authorized to perform: sts:AssumeRole on resource: "+arn)
}

// TestSwappedKeyIDAndSecretNotRecorded: a client that swaps its key ID and
// secret presents its secret as the key ID. It is refused, and no part of
// the secret reaches the audit trail (userIdentity.accessKeyId, the error
// message that echoes a malformed Authorization header), the store that
// LookupEvents reads, or the log; a presented ID shaped like one is still
// recorded.
func TestSwappedKeyIDAndSecretNotRecorded(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	ctx := context.Background()
	id, secret := kwtest.CreateUserKey(t, ts.RootIAM(), "alice")

	_, err := ts.STSIn(secret, id, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil {
		t.Fatal("swapped credentials were accepted")
	}
	_, err = ts.IAMClient(secret, id).ListUsers(ctx, &awsiam.ListUsersInput{})
	if err == nil {
		t.Fatal("swapped credentials were accepted")
	}
	// A malformed header: AWS's message echoes it.
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+strings.ReplaceAll(secret, "/", "")+"/"+time.Now().UTC().Format("20060102")+"/us-east-1/sts/aws4_request")
	if status, _, body := kwtest.RawDo(t, req); status != http.StatusForbidden && status != http.StatusBadRequest {
		t.Fatalf("a malformed header: %d %s", status, body)
	}
	// An unknown key ID shaped like one is the attacker's to see recorded.
	_, err = ts.STSIn("AKIAUNKNOWNKEY000000", secret, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	kwtest.WantAPIError(t, err, "InvalidClientTokenId", http.StatusForbidden, "")

	must(t, ts.Audit.Flush(ctx))
	trail := cloudtrail.NewFromConfig(ts.ConfigIn("us-east-1", kwtest.RootKeyID, kwtest.RootSecret, ""))
	var records strings.Builder
	for p := cloudtrail.NewLookupEventsPaginator(trail, &cloudtrail.LookupEventsInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		must(t, err)
		for _, e := range page.Events {
			records.WriteString(aws.ToString(e.CloudTrailEvent) + "\n")
			for _, r := range e.Resources {
				records.WriteString(aws.ToString(r.ResourceName) + "\n")
			}
			records.WriteString(aws.ToString(e.AccessKeyId) + "\n")
		}
	}
	for where, text := range map[string]string{"the audit trail": records.String(), "the log": ts.Log.String()} {
		for _, part := range strings.Split(secret, "/") {
			for i := 0; i+8 <= len(part); i++ {
				if strings.Contains(text, part[i:i+8]) {
					t.Fatalf("%s holds part of the secret (%s…):\n%s", where, part[i:i+8], text)
				}
			}
		}
	}
	if !strings.Contains(records.String(), `"accessKeyId":"AKIAUNKNOWNKEY000000"`) {
		t.Fatalf("a presented key ID shaped like one is not recorded:\n%s", records.String())
	}
}

// TestWrongMFACodesAudited: a wrong code is counted in the store, but
// that write is not the request's change: each refusal is one audit event,
// with its error, and the trail loses nothing.
func TestWrongMFACodesAudited(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	ctx := context.Background()
	root := ts.RootIAM()
	id, secret := kwtest.CreateUserKey(t, root, "alice")
	dev, err := root.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	must(t, err)
	_, err = root.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: dev.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String("000000"), AuthenticationCode2: aws.String("000000")})
	kwtest.WantAPIError(t, err, "InvalidAuthenticationCode", http.StatusForbidden, "")
	_, err = ts.STSIn(id, secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: dev.VirtualMFADevice.SerialNumber,
		TokenCode: aws.String("000000")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	must(t, ts.Audit.Flush(ctx))
	trail := cloudtrail.NewFromConfig(ts.ConfigIn("us-east-1", kwtest.RootKeyID, kwtest.RootSecret, ""))
	for name, code := range map[string]string{"EnableMFADevice": "InvalidAuthenticationCode", "GetSessionToken": "AccessDenied"} {
		out, err := trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{
			AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}}})
		must(t, err)
		if len(out.Events) != 1 || !strings.Contains(aws.ToString(out.Events[0].CloudTrailEvent), `"errorCode":"`+code+`"`) {
			t.Fatalf("%s: %d events, want one refusal: %v", name, len(out.Events), out.Events)
		}
	}
}

// TestSAMLResponseOnceAcrossProviders: an identity provider registered
// twice (two SAML providers with one metadata document, each trusted by
// its own roles) signs one response naming a role through each. Whoever
// captures the response after its owner used it through one provider must
// not use it again through the other: an assertion is single-use for its
// issuer, not for each provider that would accept it.
func TestSAMLResponseOnceAcrossProviders(t *testing.T) {
	b := newSAMLBench(t)
	b.samlRole(t, "Admin", "")
	out, err := b.rootIAM.CreateSAMLProvider(context.Background(), &awsiam.CreateSAMLProviderInput{Name: aws.String("corp-dev"),
		SAMLMetadataDocument: aws.String(b.idp.Metadata)})
	must(t, err)
	dev := aws.ToString(out.SAMLProviderArn)
	_, err = b.rootIAM.CreateRole(context.Background(), &awsiam.CreateRoleInput{RoleName: aws.String("Dev"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + dev + `"},"Action":"sts:AssumeRoleWithSAML"}]}`)})
	must(t, err)
	b.idp.Session.CustomAttributes = []crewsaml.Attribute{
		kwtest.IdPAttribute(saml.AttributeRole, b.roleARN("Admin")+","+b.providerARN, b.roleARN("Dev")+","+dev),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}

	resp := b.response(t)
	_, err = b.assume(resp, "Admin")
	must(t, err)
	_, err = b.sts("", "").AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(b.roleARN("Dev")),
		PrincipalArn: aws.String(dev), SAMLAssertion: aws.String(resp)})
	kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "Duplicate SAML assertion.")
}

// TestSAMLMetadataParsedOnce: AssumeRoleWithSAML is unsigned, and the
// provider's metadata (up to 10,000,000 characters, a second's parse) is
// needed before anything in the response is believed. Whoever sends
// responses, forged or not, must not have it parsed for each: it is
// parsed once per document. A certificate rotated out by
// UpdateSAMLProvider must stop verifying at once all the same.
func TestSAMLMetadataParsedOnce(t *testing.T) {
	b := newSAMLBench(t)
	b.samlRole(t, "Admin", "")
	before := kwsts.MetadataParses(b.STS)
	for range 5 {
		_, err := b.assume("bm90IGEgcmVzcG9uc2U=", "Admin")
		kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "")
	}
	_, err := b.assume(b.response(t), "Admin")
	must(t, err)
	if n := kwsts.MetadataParses(b.STS) - before; n != 1 {
		t.Errorf("the metadata was parsed %d times for 6 responses, want once", n)
	}

	rotated := kwtest.NewIdP(t, b.STS.SAML, b.clock.Now) // the same entity ID, a new key
	rotated.Session.CustomAttributes = b.idp.Session.CustomAttributes
	_, err = b.rootIAM.UpdateSAMLProvider(context.Background(), &awsiam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(b.providerARN),
		SAMLMetadataDocument: aws.String(rotated.Metadata)})
	must(t, err)
	_, err = b.assume(b.response(t), "Admin")
	kwtest.WantAPIError(t, err, "InvalidIdentityToken", 400, "")
	_, err = b.assume(rotated.Response(), "Admin")
	must(t, err)
}

// TestSAMLReplayAcrossSkewedReplicas: two replicas share the store, the
// second's clock a minute behind the first's. A response used on the first
// is forgotten by the store once the first's clock passes its expiry (any
// later single use prunes it there); the second, whose clock has not,
// still takes the response for valid and must still find it used.
func TestSAMLReplayAcrossSkewedReplicas(t *testing.T) {
	b := newSAMLBench(t)
	b.samlRole(t, "Admin", "")
	behind := func() time.Time { return b.clock.Now().Add(-time.Minute) }
	sp := *b.STS.SAML
	sp.Now = behind
	replica := &kwsts.Service{Store: b.STS.Store, Sealer: b.STS.Sealer, Authz: b.STS.Authz, IAM: b.STS.IAM, Policies: b.STS.Policies,
		Now: behind, Rand: b.STS.Rand, SAML: &sp}

	resp := b.response(t)
	_, err := b.assume(resp, "Admin")
	must(t, err)
	// Past the response's expiry on the first replica: a sign-in there
	// prunes the used assertions it takes for expired.
	b.clock.Add(2 * time.Minute) // the identity provider's responses are valid for 90 seconds
	_, err = b.assume(b.response(t), "Admin")
	must(t, err)

	ctx := keyward.WithCaller(context.Background(), &keyward.RequestContext{CurrentTime: behind()})
	_, err = replica.AssumeRoleWithSAML(ctx, keyward.AssumeRoleInput{RoleARN: b.roleARN("Admin")}, b.providerARN, resp)
	if err == nil || keyward.ErrorCode(err) != "InvalidIdentityToken" {
		t.Fatalf("the replica behind took the used response: %v", err)
	}
}

// TestSigninTokenOnceAcrossSkewedReplicas: the console's sign-in tokens
// are single-use on every replica, as SAML assertions are, including a
// replica whose clock lags the one that recorded the use and pruned it.
func TestSigninTokenOnceAcrossSkewedReplicas(t *testing.T) {
	b := newAttackBench(t)
	id, secret := b.User(t, "alice", "")
	roleARN := b.role(t, "viewer", `{"AWS":"`+userARN("alice")+`"}`)
	out, err := b.sts(id, secret).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("alice")})
	must(t, err)
	c := out.Credentials
	token := func() string {
		tok, err := b.STS.SigninToken(b.root(), aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken), 0)
		must(t, err)
		return tok
	}
	behind := func() time.Time { return b.clock.Now().Add(-2 * time.Minute) }
	replica := &kwsts.Service{Store: b.STS.Store, Sealer: b.STS.Sealer, Authz: b.STS.Authz, IAM: b.STS.IAM, Policies: b.STS.Policies,
		Now: behind, Rand: b.STS.Rand}

	used := token()
	_, _, _, err = b.STS.OpenSigninToken(b.root(), used)
	must(t, err)
	b.clock.Add(kwsts.SigninTokenLifetime + time.Minute)
	_, _, _, err = b.STS.OpenSigninToken(b.root(), token()) // prunes what this replica takes for expired
	must(t, err)
	if _, _, _, err := replica.OpenSigninToken(b.root(), used); err == nil {
		t.Fatal("the replica behind signed in with a used token")
	}
}

// TestRefusedSAMLAssumptionAudited: AssumeRoleWithSAML records each
// response's single use in the store before it checks the Role attribute
// and the trust policy; the request's event must not go with that record
// as a success. Written once as a success and then again as a refusal,
// the event's ID collided, and the audit recorder, retrying its batch,
// wrote no event of anyone again: any user of the identity provider, or
// whoever replays a captured response, stopped the audit trail. A refused
// or replayed assumption is one event, its refusal; a successful one, one
// event without an error.
func TestRefusedSAMLAssumptionAudited(t *testing.T) {
	t.Parallel()
	ts := kwtest.NewServer(t, kwtest.Options{})
	ctx := context.Background()
	root := ts.RootIAM()
	idp := kwtest.NewIdP(t, ts.STS.SAML, ts.Clock.Now)
	p, err := root.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(idp.Metadata)})
	must(t, err)
	for _, role := range []string{"Admin", "Other"} {
		_, err = root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + aws.ToString(p.SAMLProviderArn) + `"},"Action":"sts:AssumeRoleWithSAML"}]}`)})
		must(t, err)
	}
	roleARN := func(name string) string { return "arn:aws:iam::" + kwtest.AccountID + ":role/" + name }
	idp.Session.CustomAttributes = []crewsaml.Attribute{kwtest.IdPAttribute(saml.AttributeRole, roleARN("Admin")+","+aws.ToString(p.SAMLProviderArn)),
		kwtest.IdPAttribute(saml.AttributeSessionName, "alice")}
	client := ts.AnonymousSTS()
	assume := func(role, resp string) error {
		_, err := client.AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(roleARN(role)), PrincipalArn: p.SAMLProviderArn,
			SAMLAssertion: aws.String(resp)})
		return err
	}
	kwtest.WantAPIError(t, assume("Other", idp.Response()), "AccessDenied", http.StatusForbidden, "")
	resp := idp.Response()
	must(t, assume("Admin", resp))
	kwtest.WantAPIError(t, assume("Admin", resp), "InvalidIdentityToken", http.StatusBadRequest, "Duplicate SAML assertion.")

	must(t, ts.Audit.Flush(ctx))
	out, err := cloudtrail.NewFromConfig(ts.ConfigIn("us-east-1", kwtest.RootKeyID, kwtest.RootSecret, "")).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRoleWithSAML")}}})
	must(t, err)
	var refused, replayed, succeeded int
	for _, e := range out.Events {
		var rec struct {
			UserIdentity struct{ Type string } `json:"userIdentity"`
			ErrorCode    string                `json:"errorCode"`
		}
		must(t, json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec))
		if rec.UserIdentity.Type != "SAMLUser" {
			t.Errorf("an event of a %s, want AWS's SAMLUser: %s", rec.UserIdentity.Type, aws.ToString(e.CloudTrailEvent))
		}
		switch rec.ErrorCode {
		case "":
			succeeded++
		case "AccessDenied":
			refused++
		case "InvalidIdentityToken":
			replayed++
		}
	}
	if refused != 1 || replayed != 1 || succeeded != 1 {
		t.Fatalf("%d events: %d refused, %d replayed and %d succeeded, want one of each", len(out.Events), refused, replayed, succeeded)
	}
}

// TestRootFederatedUsersStayOutOfAConsoleBehindMFA: GetFederationToken
// takes no code, so a federated user the root user's key makes would
// carry the root user's powers into the console past the MFA the root
// user signs in with. Once the root user has a device, such a session
// gets no sign-in token; without one, it does, as on AWS.
func TestRootFederatedUsersStayOutOfAConsoleBehindMFA(t *testing.T) {
	b := newAttackBench(t)
	ctx := context.Background()
	admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	federated := func() *ststypes.Credentials {
		t.Helper()
		out, err := b.sts(kwtest.RootKeyID, kwtest.RootSecret).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("nomfa"), Policy: aws.String(admin)})
		must(t, err)
		return out.Credentials
	}
	signinToken := func(c *ststypes.Credentials) error {
		_, err := b.STS.SigninToken(b.root(), aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken), 0)
		return err
	}
	must(t, signinToken(federated()))

	d, err := b.IAM.CreateVirtualMFADevice(b.root(), "root-phone", "/", nil)
	must(t, err)
	now := b.clock.Now()
	must(t, b.IAM.EnableRootMFADevice(b.root(), d.SerialNumber, kwtest.TOTPCode(t, d.Base32Seed(), now.Add(-30*time.Second)), kwtest.TOTPCode(t, d.Base32Seed(), now)))
	err = signinToken(federated())
	if keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("a federated user of the root user's, the root user having MFA: %v", err)
	}
	// A user's federated users are the user's affair.
	id, secret := b.User(t, "broker", admin)
	out, err := b.sts(id, secret).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("web"), Policy: aws.String(admin)})
	must(t, err)
	must(t, signinToken(out.Credentials))
}
