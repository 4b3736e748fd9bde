// Attacks on IAM's own rules through the Query API, by an IAM user whose
// policies allow it a little and who tries to make that more: renaming
// or moving entities out of the part of the account it is allowed to
// change, and into the part where others' policies grant more.
//
// What the caller may claim: the names, paths and ARNs it sends. What
// Keyward establishes itself: the entities those name as stored, and
// that the caller's policies allow the action on every ARN involved, the
// one an entity has and the one it is to have.
package iam_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
)

// TestRenameNeedsTheTargetToo: AWS's UpdateUser, UpdateGroup and
// UpdateServerCertificate need the permission on the entity's ARN as it is
// and as it will be ("to change Bob to Robert, the entity making the request
// must have permission on Bob and Robert"). Otherwise a user allowed to
// manage /sandbox/ moves anyone into /admins/, where other policies, trust
// policies and aws:PrincipalArn conditions grant more, and a user allowed
// to update itself renames itself to the name another's grants name.
func TestRenameNeedsTheTargetToo(t *testing.T) {
	b := newAPIServer(t)
	ctx := b.RootContext()
	acct := "arn:aws:iam::" + kwtest.AccountID + ":"
	id, secret := b.User(t, "mover", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:UpdateUser","iam:UpdateGroup","iam:UpdateServerCertificate"],
		 "Resource":["`+acct+`user/sandbox/*","`+acct+`group/sandbox/*","`+acct+`server-certificate/sandbox/*","`+acct+`user/${aws:username}"]}]}`)
	c := b.IAMClient(id, secret)
	_, err := b.IAM.CreateUser(ctx, "pawn", "/sandbox/", nil)
	must(t, err)
	_, err = b.IAM.CreateGroup(ctx, "crew", "/sandbox/")
	must(t, err)
	certPEM, keyPEM := selfSignedCert(t)
	_, err = b.IAM.UploadServerCertificate(ctx, "web", "/sandbox/", certPEM, keyPEM, "", nil)
	must(t, err)

	denied := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: allowed without the permission on the new ARN", what)
		}
		kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	}
	_, err = c.UpdateUser(t.Context(), &awsiam.UpdateUserInput{UserName: aws.String("pawn"), NewPath: aws.String("/admins/")})
	denied("moving a user out of /sandbox/", err)
	_, err = c.UpdateUser(t.Context(), &awsiam.UpdateUserInput{UserName: aws.String("mover"), NewUserName: aws.String("admin")})
	denied("renaming oneself", err)
	_, err = c.UpdateUser(t.Context(), &awsiam.UpdateUserInput{UserName: aws.String("mover"), NewPath: aws.String("/admins/")})
	denied("moving oneself", err)
	_, err = c.UpdateGroup(t.Context(), &awsiam.UpdateGroupInput{GroupName: aws.String("crew"), NewPath: aws.String("/admins/")})
	denied("moving a group out of /sandbox/", err)
	_, err = c.UpdateServerCertificate(t.Context(), &awsiam.UpdateServerCertificateInput{ServerCertificateName: aws.String("web"),
		NewPath: aws.String("/admins/")})
	denied("moving a server certificate out of /sandbox/", err)

	for _, u := range []string{"pawn", "mover"} {
		got, err := b.IAM.User(ctx, u)
		must(t, err)
		if want := map[string]string{"pawn": "/sandbox/", "mover": "/"}[u]; got.Path != want {
			t.Fatalf("%s moved to %s", u, got.Path)
		}
	}
	if _, err := b.IAM.User(ctx, "admin"); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("a user named admin: %v", err)
	}

	// Within what it may change, it may.
	_, err = c.UpdateUser(t.Context(), &awsiam.UpdateUserInput{UserName: aws.String("pawn"), NewUserName: aws.String("knight")})
	must(t, err)
	_, err = c.UpdateGroup(t.Context(), &awsiam.UpdateGroupInput{GroupName: aws.String("crew"), NewGroupName: aws.String("band")})
	must(t, err)
	_, err = c.UpdateServerCertificate(t.Context(), &awsiam.UpdateServerCertificateInput{ServerCertificateName: aws.String("web"),
		NewServerCertificateName: aws.String("www")})
	must(t, err)
}

// TestNamesInAnotherCaseAreTheSameEntity: names are unique in any case
// (AWS: "Names are not distinguished by case"), and a request naming an
// entity in another case acts on the stored one; it must be decided on the
// stored one's ARN too. ARNs in policies match case-sensitively, so a Deny
// of one server certificate or instance profile would otherwise be passed
// by asking for it in capitals.
func TestNamesInAnotherCaseAreTheSameEntity(t *testing.T) {
	b := newAPIServer(t)
	ctx := b.RootContext()
	acct := "arn:aws:iam::" + kwtest.AccountID + ":"
	certPEM, keyPEM := selfSignedCert(t)
	_, err := b.IAM.UploadServerCertificate(ctx, "prod-cert", "/", certPEM, keyPEM, "", nil)
	must(t, err)
	_, err = b.IAM.CreateInstanceProfile(ctx, "prod-profile", "/", nil)
	must(t, err)
	id, secret := b.User(t, "operator", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":["`+acct+`server-certificate/prod-cert","`+acct+`instance-profile/prod-profile"]}]}`)
	c := b.IAMClient(id, secret)

	_, err = c.DeleteServerCertificate(t.Context(), &awsiam.DeleteServerCertificateInput{ServerCertificateName: aws.String("PROD-CERT")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = c.UpdateServerCertificate(t.Context(), &awsiam.UpdateServerCertificateInput{ServerCertificateName: aws.String("Prod-Cert"),
		NewPath: aws.String("/moved/")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = c.DeleteInstanceProfile(t.Context(), &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("PROD-PROFILE")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = c.GetInstanceProfile(t.Context(), &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("Prod-Profile")})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	if _, err := b.IAM.ServerCertificate(ctx, "prod-cert"); err != nil {
		t.Fatalf("the certificate: %v", err)
	}
	if _, err := b.IAM.InstanceProfile(ctx, "prod-profile"); err != nil {
		t.Fatalf("the instance profile: %v", err)
	}
}

// TestCreatingWithTagsTakesTagging: tags set when an entity is created
// take the entity's Tag* permission too, as for users, roles and instance
// profiles (AWS's "Permissions required to tag IAM entities"). A tag is
// what aws:ResourceTag conditions grant by; a caller refused iam:TagPolicy
// for a tag must not set it by creating the policy with it.
func TestCreatingWithTagsTakesTagging(t *testing.T) {
	b := newAPIServer(t)
	tags := []types.Tag{{Key: aws.String("owner"), Value: aws.String("admins")}}
	id, secret := b.User(t, "tagger", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:*","Resource":"*"},
		{"Effect":"Deny","Action":["iam:TagPolicy","iam:TagOpenIDConnectProvider","iam:TagServerCertificate","iam:TagMFADevice"],"Resource":"*",
		 "Condition":{"StringEquals":{"aws:RequestTag/owner":"admins"}}}]}`)
	c := b.IAMClient(id, secret)
	certPEM, keyPEM := selfSignedCert(t)

	_, err := c.CreatePolicy(t.Context(), &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), Tags: tags,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = c.CreateOpenIDConnectProvider(t.Context(), &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com"),
		ClientIDList: []string{"app"}, ThumbprintList: []string{"0123456789012345678901234567890123456789"}, Tags: tags})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = c.UploadServerCertificate(t.Context(), &awsiam.UploadServerCertificateInput{ServerCertificateName: aws.String("c"),
		CertificateBody: aws.String(certPEM), PrivateKey: aws.String(keyPEM), Tags: tags})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	_, err = c.CreateVirtualMFADevice(t.Context(), &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("d"), Tags: tags})
	kwtest.WantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")

	// Without the tag the Deny names, each is made.
	other := []types.Tag{{Key: aws.String("owner"), Value: aws.String("tagger")}}
	_, err = c.CreatePolicy(t.Context(), &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), Tags: other,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
	must(t, err)
	_, err = c.CreateVirtualMFADevice(t.Context(), &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("d"), Tags: other})
	must(t, err)
}

// TestSimulationsAreBounded: a simulation evaluates every action on every
// resource, and answers each with the statements that decided it. Both
// lists are the caller's, as many as a request's body holds, and AWS's
// own IAMReadOnlyAccess allows iam:Simulate*: without a bound a read-only
// user makes the server evaluate and hold their product (tens of thousands
// squared). Past the bound the simulation is refused before any work.
func TestSimulationsAreBounded(t *testing.T) {
	b := newAPIServer(t)
	id, secret := b.User(t, "reader", "")
	must(t, b.IAM.AttachPolicy(b.RootContext(), keyward.Entity{Kind: keyward.EntityUser, Name: "reader"}, "arn:aws:iam::aws:policy/IAMReadOnlyAccess"))
	c := b.IAMClient(id, secret)
	actions := make([]string, 200)
	resources := make([]string, 200)
	for i := range actions {
		actions[i] = "iam:GetUser"
		resources[i] = "arn:aws:iam::" + kwtest.AccountID + ":user/u" + strconv.Itoa(i)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	_, err := c.SimulateCustomPolicy(t.Context(), &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: actions, ResourceArns: resources})
	kwtest.WantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	_, err = c.SimulatePrincipalPolicy(t.Context(), &awsiam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(userARN("reader")),
		ActionNames: actions, ResourceArns: resources})
	kwtest.WantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")

	// As many statements deciding each of the evaluations allowed: the
	// answer's matched statements are bounded too.
	var many strings.Builder
	many.WriteString(`{"Version":"2012-10-17","Statement":[`)
	for i := range 2000 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}`)
	}
	many.WriteString(`]}`)
	_, err = c.SimulateCustomPolicy(t.Context(), &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{many.String()},
		ActionNames: actions, ResourceArns: resources[:5]})
	kwtest.WantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")

	// An ordinary simulation is answered.
	out, err := c.SimulateCustomPolicy(t.Context(), &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: actions[:10],
		ResourceArns: resources[:10]})
	must(t, err)
	if len(out.EvaluationResults) != 100 {
		t.Fatalf("%d results, want 100", len(out.EvaluationResults))
	}
}

// TestSimulateCustomPolicyCallerTags: SimulateCustomPolicy's CallerArn
// names the simulated caller, and iam:SimulateCustomPolicy is decided on
// "*": the user named was simulated with its stored tags, so that a
// condition on aws:PrincipalTag answered, a guess at a time, what
// ListUserTags refused. The simulated caller's tags are those the request's
// ContextEntries give.
func TestSimulateCustomPolicyCallerTags(t *testing.T) {
	b := newAPIServer(t)
	ctx := t.Context()
	_, err := b.RootIAM().CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("ceo"), Path: aws.String("/exec/"),
		Tags: []types.Tag{{Key: aws.String("clearance"), Value: aws.String("top-secret")}}})
	must(t, err)
	id, secret := b.User(t, "intern", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:SimulateCustomPolicy","Resource":"*"},
		{"Effect":"Deny","Action":["iam:ListUserTags","iam:GetUser"],"Resource":"*"}]}`)
	c := b.IAMClient(id, secret)
	simulate := func(guess string, context []types.ContextEntry) types.PolicyEvaluationDecisionType {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/clearance":"` + guess + `"}}}]}`
		out, err := c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject"},
			CallerArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":user/exec/ceo"), ContextEntries: context})
		must(t, err)
		return out.EvaluationResults[0].EvalDecision
	}
	for _, guess := range []string{"public", "top-secret"} {
		if d := simulate(guess, nil); d != types.PolicyEvaluationDecisionTypeImplicitDeny {
			t.Errorf("guessing %q: %s, want implicitDeny whatever the user's tags", guess, d)
		}
	}
	given := []types.ContextEntry{{ContextKeyName: aws.String("aws:PrincipalTag/clearance"), ContextKeyType: types.ContextKeyTypeEnumString,
		ContextKeyValues: []string{"public"}}}
	if d := simulate("public", given); d != types.PolicyEvaluationDecisionTypeAllowed {
		t.Errorf("the tag given as a context entry: %s, want allowed", d)
	}
}

// TestUntagTakesAtMostFiftyKeys: AWS's models allow at most 50 TagKeys in
// an Untag* request; each key is a write, so a caller allowed to untag
// itself would otherwise hold the store's one writer for tens of
// thousands of writes with one request.
func TestUntagTakesAtMostFiftyKeys(t *testing.T) {
	b := newAPIServer(t)
	id, secret := b.User(t, "self", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	c := b.IAMClient(id, secret)
	keys := make([]string, 51)
	for i := range keys {
		keys[i] = "k" + strconv.Itoa(i)
	}
	_, err := c.UntagUser(t.Context(), &awsiam.UntagUserInput{UserName: aws.String("self"), TagKeys: keys})
	kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "")
	_, err = c.UntagRole(t.Context(), &awsiam.UntagRoleInput{RoleName: aws.String("none"), TagKeys: keys})
	kwtest.WantAPIError(t, err, "ValidationError", http.StatusBadRequest, "")
	_, err = c.UntagUser(t.Context(), &awsiam.UntagUserInput{UserName: aws.String("self"), TagKeys: keys[:50]})
	must(t, err)
}

// TestSimulationStopsAtTheDeadline: the policies and context entries a
// caller simulates make each evaluation as costly as it likes; the
// request's deadline stops the evaluations, not only the answer.
func TestSimulationStopsAtTheDeadline(t *testing.T) {
	b := newAPIServer(t)
	ctx, cancel := context.WithTimeout(b.RootContext(), -1)
	defer cancel()
	_, err := b.IAM.SimulateCustomPolicy(ctx, iam.SimulationInput{Actions: []string{"iam:GetUser"},
		Policies: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})
	if keyward.ErrorCode(err) != keyward.EServiceUnavailable {
		t.Fatalf("a simulation past its deadline: %v", err)
	}
}

// TestChangePasswordGuessesLimited: ChangePassword tells whether the old
// password is right. The console limits sign-ins to five wrong passwords
// per user in 15 minutes; without a limit here, whoever holds one of the
// user's access keys (or a session of it) would guess the console
// password through the API at its own pace. Past five wrong old
// passwords, the right one is refused too, until the window ends.
func TestChangePasswordGuessesLimited(t *testing.T) {
	b := newAPIServer(t)
	id, secret := b.User(t, "guessed", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"*"}]}`)
	_, err := b.IAM.CreateLoginProfile(b.RootContext(), "guessed", "Right-Passw0rd!", false)
	must(t, err)
	c := b.IAMClient(id, secret)
	change := func(old string) error {
		_, err := c.ChangePassword(t.Context(), &awsiam.ChangePasswordInput{OldPassword: aws.String(old), NewPassword: aws.String("Next-Passw0rd!" + strconv.Itoa(int(b.Clock.Now().Unix()%1000)))})
		return err
	}
	for i := range 5 {
		kwtest.WantAPIError(t, change("Wrong-Guess"+strconv.Itoa(i)), "InvalidUserType", http.StatusBadRequest, "The old password is incorrect.")
	}
	kwtest.WantAPIError(t, change("Right-Passw0rd!"), "LimitExceeded", http.StatusConflict, "")
	b.Clock.Add(15 * time.Minute)
	must(t, change("Right-Passw0rd!"))
}

// TestCreateRoleRefusesTheServiceRolePath: roles under /aws-service-role/
// are service-linked, which DeleteRole and UpdateAssumeRolePolicy refuse
// to change (UnmodifiableEntity). A caller allowed CreateRole must not make
// one there with a trust policy of its own: the administrator could then
// neither correct its trust nor delete it the usual way. AWS reserves the
// path for the roles CreateServiceLinkedRole makes.
func TestCreateRoleRefusesTheServiceRolePath(t *testing.T) {
	b := newAPIServer(t)
	id, secret := b.User(t, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateRole","Resource":"*"}]}`)
	_, err := b.IAMClient(id, secret).CreateRole(t.Context(), &awsiam.CreateRoleInput{RoleName: aws.String("sticky"), Path: aws.String("/aws-service-role/x.amazonaws.com/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + userARN("dev") + `"},"Action":"sts:AssumeRole"}]}`)})
	kwtest.WantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	if _, err := b.IAM.Role(b.RootContext(), "sticky"); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("the role: %v", err)
	}
}

// TestOIDCSignInAttacks: the console's OIDC sign-in setting (Keyward's own
// actions, keyward:<Name>) through the Query API. The client secret is
// written and never read back, in no answer, no event and no row of the
// database in the clear; what a caller sends is bounded and checked
// against the provider as stored; and only a caller granted the keyward
// actions may set or read it. Each refusal changes nothing.
func TestOIDCSignInAttacks(t *testing.T) {
	b := newAPIServer(t)
	ctx := b.RootContext()
	p, err := b.IAM.CreateOIDCProvider(ctx, "https://idp.example.com", []string{"console"}, nil, nil)
	must(t, err)
	const secret = "Sup3r-Secret-OIDC-client-value_42"
	arn := url.QueryEscape(p.ARN)
	call := func(id, key, form string) (int, string) {
		t.Helper()
		status, _, body := kwtest.RawDo(t, kwtest.SignedRequest(t, b.URL, http.MethodPost, "Version=2010-05-08&"+form,
			"application/x-www-form-urlencoded; charset=utf-8", "iam", id, key, b.Clock.Now()))
		return status, body
	}
	root := func(form string) (int, string) { return call(kwtest.RootKeyID, kwtest.RootSecret, form) }
	refused := func(what, form string, status int, code string) {
		t.Helper()
		got, body := root(form)
		if got != status || !strings.Contains(body, "<Code>"+code+"</Code>") {
			t.Fatalf("%s: %d %s", what, got, body)
		}
	}
	put := "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientID=console&DisplayName=Example&ClientSecret=" + secret

	t.Run("refused before any is set", func(t *testing.T) {
		refused("a secret missing", "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn="+arn+"&ClientID=console&DisplayName=Example",
			http.StatusBadRequest, "InvalidInput")
		refused("a client ID not the provider's", "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn="+arn+"&ClientID=attacker&DisplayName=Example&ClientSecret=x",
			http.StatusBadRequest, "InvalidInput")
		refused("an unknown provider", "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn="+url.QueryEscape("arn:aws:iam::"+kwtest.AccountID+":oidc-provider/other.example.com")+
			"&ClientID=console&DisplayName=Example&ClientSecret=x", http.StatusNotFound, "NoSuchEntity")
		refused("another account's role", put+"&RoleArns.member.1="+url.QueryEscape("arn:aws:iam::999999999999:role/Admin"), http.StatusBadRequest, "InvalidInput")
		for what, form := range map[string]string{
			"a secret too long":      "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientID=console&DisplayName=Example&ClientSecret=" + strings.Repeat("s", keyward.MaxOIDCSignInSecretLen+1),
			"a secret with a space":  "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientID=console&DisplayName=Example&ClientSecret=a+b",
			"a name too long":        "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientID=console&ClientSecret=x&DisplayName=" + strings.Repeat("n", 65),
			"a name with markup":     "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientID=console&ClientSecret=x&DisplayName=%3Cscript%3E",
			"a client ID too long":   "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientSecret=x&DisplayName=Example&ClientID=" + strings.Repeat("c", 256),
			"an ARN too long":        "Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn=" + strings.Repeat("a", 2049),
			"too many roles":         put + manyRoles(keyward.MaxOIDCSignInRoles+1),
			"a required member gone": "Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientSecret=x",
		} {
			refused(what, form, http.StatusBadRequest, "ValidationError")
		}
		refused("nothing was set", "Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn="+arn, http.StatusNotFound, "NoSuchEntity")
	})

	t.Run("the secret is never read back", func(t *testing.T) {
		if status, body := root(put); status != http.StatusOK {
			t.Fatalf("put: %d %s", status, body)
		}
		for _, form := range []string{"Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn, "Action=ListOpenIDConnectSignIns"} {
			status, body := root(form)
			if status != http.StatusOK || strings.Contains(body, secret) || !strings.Contains(body, "<ClientSecretSet>true</ClientSecretSet>") {
				t.Fatalf("%s: %d %s", form, status, body)
			}
		}
		// A setting without a secret keeps the one set, unread.
		if status, body := root("Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn + "&ClientID=console&DisplayName=Renamed"); status != http.StatusOK {
			t.Fatalf("put without a secret: %d %s", status, body)
		}
		// Sealed at rest: the row holds no clear text of it.
		var sealed []byte
		must(t, b.Store.DB.QueryRow(`SELECT sealed_secret FROM oidc_signins`).Scan(&sealed))
		if len(sealed) == 0 || strings.Contains(string(sealed), secret) {
			t.Fatalf("the secret is stored as %q", sealed)
		}
		// Audited with the secret hidden (the trail of every test is
		// searched for secrets besides, when it ends).
		if !strings.Contains(b.AuditStream.String(), `"clientSecret":"HIDDEN_DUE_TO_SECURITY_REASONS"`) || strings.Contains(b.AuditStream.String(), secret) ||
			strings.Contains(b.Log.String(), secret) {
			t.Fatal("the audit trail or the log holds the secret, or no event hides it")
		}
	})

	t.Run("a caller without the keyward actions", func(t *testing.T) {
		// IAM's every action is not Keyward's own: iam:* grants none of them.
		id, key := b.User(t, "iamadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
		for _, form := range []string{put + "x", "Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn, "Action=ListOpenIDConnectSignIns",
			"Action=DeleteOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn} {
			status, body := call(id, key, form)
			if status != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "keyward:") {
				t.Fatalf("%s: %d %s", form, status, body)
			}
		}
		_, body := root("Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn=" + arn)
		if !strings.Contains(body, "<DisplayName>Renamed</DisplayName>") {
			t.Fatalf("a refused call changed the setting: %s", body)
		}
		// Granted on the provider's ARN, the same caller may.
		id, key = b.User(t, "ssoadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:GetOpenIDConnectSignIn","Resource":"`+p.ARN+`"}]}`)
		if status, body := call(id, key, "Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn="+arn); status != http.StatusOK {
			t.Fatalf("granted: %d %s", status, body)
		}
		// Granted every action on one provider, a caller sets, reads and
		// removes nothing of another's, and lists none.
		other, err := b.IAM.CreateOIDCProvider(ctx, "https://other.example.com", []string{"console"}, nil, nil)
		must(t, err)
		oarn := url.QueryEscape(other.ARN)
		if status, body := root("Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + oarn + "&ClientID=console&DisplayName=Other&ClientSecret=x"); status != http.StatusOK {
			t.Fatalf("put other: %d %s", status, body)
		}
		id, key = b.User(t, "aadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:*OpenIDConnectSignIn","Resource":"`+p.ARN+`"}]}`)
		if status, body := call(id, key, "Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn="+arn); status != http.StatusOK {
			t.Fatalf("on its own provider: %d %s", status, body)
		}
		for _, form := range []string{"Action=PutOpenIDConnectSignIn&OpenIDConnectProviderArn=" + oarn + "&ClientID=console&DisplayName=Hijacked&ClientSecret=attacker",
			"Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn=" + oarn, "Action=DeleteOpenIDConnectSignIn&OpenIDConnectProviderArn=" + oarn,
			"Action=ListOpenIDConnectSignIns"} {
			if status, body := call(id, key, form); status != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") {
				t.Fatalf("on another provider, %s: %d %s", form, status, body)
			}
		}
		if _, body := root("Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn=" + oarn); !strings.Contains(body, "<DisplayName>Other</DisplayName>") {
			t.Fatalf("a caller allowed on one provider changed another's sign-in: %s", body)
		}
		must(t, b.IAM.DeleteOIDCProvider(ctx, other.ARN))
	})

	t.Run("deleted with its provider", func(t *testing.T) {
		must(t, b.IAM.DeleteOIDCProvider(ctx, p.ARN))
		refused("the provider's sign-in after it is deleted", "Action=GetOpenIDConnectSignIn&OpenIDConnectProviderArn="+arn, http.StatusNotFound, "NoSuchEntity")
		var n int
		must(t, b.Store.DB.QueryRow(`SELECT count(*) FROM oidc_signins`).Scan(&n))
		if n != 0 {
			t.Fatalf("%d settings left", n)
		}
	})
}

// manyRoles is n RoleArns members, each a role ARN of the account.
func manyRoles(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("&RoleArns.member." + strconv.Itoa(i) + "=arn%3Aaws%3Aiam%3A%3A" + kwtest.AccountID + "%3Arole%2FR" + strconv.Itoa(i))
	}
	return b.String()
}

// TestKeyLifecyclePolicyAttacks: the key lifecycle policy is Keyward's
// own action, keyward:PutAccessKeyPolicy and its kin; IAM's permissions,
// all of them, do not grant it. A user allowed every iam: action is
// refused, and so is one allowed only to read it who tries to change it;
// refused and malformed requests change nothing, and a key's expiry is no
// way around iam:CreateAccessKey.
func TestKeyLifecyclePolicyAttacks(t *testing.T) {
	b := newAPIServer(t)
	ctx := b.RootContext()
	_, err := b.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{MaxAge: "90d", Unused: "45d"})
	must(t, err)
	before, err := b.Store.AccessKeyPolicy(context.Background())
	must(t, err)
	iamAdmin, iamSecret := b.User(t, "iamadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	reader, readerSecret := b.User(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:GetAccessKeyPolicy","Resource":"*"}]}`)
	call := func(id, secret, form string) (int, string) {
		code, _, body := kwtest.RawDo(t, kwtest.SignedFor(t, b.URL, form+"&Version=2010-05-08", "iam", "us-east-1", id, secret))
		return code, body
	}
	for _, c := range []struct{ who, id, secret, form string }{
		{"an IAM administrator", iamAdmin, iamSecret, "Action=PutAccessKeyPolicy&MaxAge=36500d&ReportOnly=true"},
		{"an IAM administrator", iamAdmin, iamSecret, "Action=DeleteAccessKeyPolicy"},
		{"an IAM administrator", iamAdmin, iamSecret, "Action=GetAccessKeyPolicy"},
		{"a reader", reader, readerSecret, "Action=PutAccessKeyPolicy&MaxAge=36500d"},
		{"a reader", reader, readerSecret, "Action=DeleteAccessKeyPolicy"},
	} {
		code, body := call(c.id, c.secret, c.form)
		if code != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, "keyward:") {
			t.Fatalf("%s: %s: %d %s", c.who, c.form, code, body)
		}
	}
	if code, body := call(reader, readerSecret, "Action=GetAccessKeyPolicy"); code != http.StatusOK {
		t.Fatalf("the reader may read: %d %s", code, body)
	}
	// Malformed input, from the root user: ValidationError, nothing changed.
	for _, form := range []string{
		"MaxAge=9223372036854775807ns", "MaxAge=" + strings.Repeat("9", 40) + "d", "MaxAge=1e9h", "Warn=90d&MaxAge=90d",
		"MaxAge=%00", "Unused=45d&ReportOnlyRules.member.1=" + strings.Repeat("x", 300), "MaxAge=9d&TagValue=orphan",
		"MaxAge=9d&PathPrefix=relative", "", "MaxAge=0m", "ScopedRules.member.1=unused&Unused=9d",
	} {
		code, body := call(kwtest.RootKeyID, kwtest.RootSecret, "Action=PutAccessKeyPolicy&"+form)
		if code != http.StatusBadRequest || !strings.Contains(body, "ValidationError") {
			t.Fatalf("%q: %d %s", form, code, body)
		}
	}
	after, err := b.Store.AccessKeyPolicy(context.Background())
	must(t, err)
	if after != before {
		t.Fatalf("refused requests changed the policy: %+v, was %+v", after, before)
	}
	// An expiring key takes iam:CreateAccessKey like any other.
	keys, _, err := b.Store.ListAccessKeys(context.Background(), "reader", "", 10)
	must(t, err)
	if code, body := call(reader, readerSecret, "Action=CreateAccessKey&ExpiresIn=1m"); code != http.StatusForbidden {
		t.Fatalf("CreateAccessKey with ExpiresIn without the permission: %d %s", code, body)
	}
	again, _, err := b.Store.ListAccessKeys(context.Background(), "reader", "", 10)
	must(t, err)
	if len(again) != len(keys) {
		t.Fatal("a refused CreateAccessKey made a key")
	}
}

// TestRootMFAOutOfAdministratorsReach: the root user's MFA device is the
// account's last factor, and as on AWS no policy reaches it: a user with
// AdministratorAccess and iam:* can neither enable a device for the root
// user nor deactivate, resync, delete or take over the root user's device
// (not through a user named "root", nor through the account's ID as a user
// name), and a device of the administrator's own signs in no root user.
func TestRootMFAOutOfAdministratorsReach(t *testing.T) {
	t.Parallel()
	b := newAPIServer(t)
	ctx := b.RootContext()
	serial, seed := rootDevice(t, b, "root-phone")
	id, secret := b.User(t, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
	must(t, b.IAM.AttachPolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: "admin"}, awsPolicy+"AdministratorAccess"))
	admin := b.IAMClient(id, secret)
	bg := context.Background()
	_, err := admin.CreateUser(bg, &awsiam.CreateUserInput{UserName: aws.String("root")})
	must(t, err)
	b.Clock.Add(time.Minute)
	now := b.Clock.Now()
	code1, code2 := totpCode(t, seed, now.Add(-30*time.Second)), totpCode(t, seed, now)

	for _, name := range []string{"root", kwtest.AccountID, "admin"} {
		_, err = admin.DeactivateMFADevice(bg, &awsiam.DeactivateMFADeviceInput{UserName: aws.String(name), SerialNumber: aws.String(serial)})
		kwtest.WantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
		// Even with the device's codes.
		_, err = admin.ResyncMFADevice(bg, &awsiam.ResyncMFADeviceInput{UserName: aws.String(name), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
		if err == nil {
			t.Fatalf("resynchronised the root user's device as %s's", name)
		}
	}
	// Naming no user is naming itself, never the root user.
	_, err = admin.DeactivateMFADevice(bg, &awsiam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)})
	kwtest.WantAPIError(t, err, "NoSuchEntity", http.StatusNotFound, "")
	_, err = admin.EnableMFADevice(bg, &awsiam.EnableMFADeviceInput{UserName: aws.String("admin"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code1), AuthenticationCode2: aws.String(code2)})
	kwtest.WantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "")
	_, err = admin.DeleteVirtualMFADevice(bg, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	kwtest.WantAPIError(t, err, "DeleteConflict", http.StatusConflict, "")

	// What the console calls for the root user's own page refuses the
	// administrator, whatever its policies.
	u, err := b.IAM.User(ctx, "admin")
	must(t, err)
	asAdmin := keyward.WithCaller(bg, &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "admin", UserPath: "/"},
		CurrentTime: now, AccessKeyID: id})
	if err := b.IAM.DeactivateRootMFADevice(asAdmin, serial); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("an administrator removed the root user's device: %v", err)
	}
	if _, err := b.IAM.RootMFADevices(asAdmin); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("an administrator read the root user's devices as its own: %v", err)
	}
	own, err := admin.CreateVirtualMFADevice(bg, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("admin-phone")})
	must(t, err)
	ownSeed := string(own.VirtualMFADevice.Base32StringSeed)
	if err := b.IAM.EnableRootMFADevice(asAdmin, aws.ToString(own.VirtualMFADevice.SerialNumber),
		totpCode(t, ownSeed, now.Add(-30*time.Second)), totpCode(t, ownSeed, now)); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("an administrator enabled a device of its own for the root user: %v", err)
	}
	_, err = admin.EnableMFADevice(bg, &awsiam.EnableMFADeviceInput{UserName: aws.String("admin"), SerialNumber: own.VirtualMFADevice.SerialNumber,
		AuthenticationCode1: aws.String(totpCode(t, ownSeed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(totpCode(t, ownSeed, now))})
	must(t, err)
	b.Clock.Add(time.Minute)
	if _, _, err := b.IAM.SignInRoot(bg, kwtest.RootKeyID, kwtest.RootSecret, totpCode(t, ownSeed, b.Clock.Now())); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("the administrator's device signed the root user in: %v", err)
	}

	// The root user's device is as it was: assigned, and its code good.
	ds, err := b.IAM.RootMFADevices(ctx)
	must(t, err)
	if len(ds) != 1 || ds[0].SerialNumber != serial {
		t.Fatalf("the root user's devices: %+v", ds)
	}
	if _, mfa, err := b.IAM.SignInRoot(bg, kwtest.RootKeyID, kwtest.RootSecret, totpCode(t, seed, b.Clock.Now())); err != nil || !mfa {
		t.Fatalf("the root user's own code: mfa %v, %v", mfa, err)
	}
}
