// Attacks on the verifier protocol (verify.Protocol): the boundary between
// Keyward and a service that guards itself with Keyward's keys (Versity S3
// Gateway, package guard), served on a unix socket or behind mutual TLS.
//
// The asking service may claim: who it is, by signing its own calls (it
// must be allowed keyward:Verify, and sign for one of Keyward's own
// services); the access key, session token and credential scope a client
// signed with; and what it observed of the client's request (address,
// TLS, time, user agent, referer, the requested region, its own service's
// condition keys).
//
// Keyward establishes itself: whether the asker may ask; who owns a key,
// and whether it and its session token are valid; everything that
// describes the caller or its session (principal, tags, MFA, token issue
// time, source identity, federation); the policies that apply. It never
// derives a signing key for a service it answers itself, so that what it
// hands out cannot sign its own API.
//
// A new endpoint of the protocol adds its attacks here.
package verify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/query"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
)

// signWithKey signs r as an attacker holding only a derived signing key
// (kSigning) would: SigV4 by hand, with Host and X-Amz-Date signed.
func signWithKey(r *http.Request, body []byte, keyID string, key []byte, region, service string, t time.Time) {
	t = t.UTC()
	amzDate, date := t.Format("20060102T150405Z"), t.Format("20060102")
	r.Header.Set("X-Amz-Date", amzDate)
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	sum := sha256.Sum256(body)
	canonical := r.Method + "\n" + path + "\n" + r.URL.RawQuery + "\nhost:" + r.URL.Host + "\nx-amz-date:" + amzDate +
		"\n\nhost;x-amz-date\n" + hex.EncodeToString(sum[:])
	scope := date + "/" + region + "/" + service + "/aws4_request"
	csum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, "AWS4-HMAC-SHA256\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(csum[:]))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+keyID+"/"+scope+
		", SignedHeaders=host;x-amz-date, Signature="+hex.EncodeToString(mac.Sum(nil)))
}

// socketClient talks HTTP over the verifier's unix socket.
func socketClient(k *kwtest.Keyward) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", k.Socket)
	}}}
}

// derive asks the verifier, as signer, for the signing key of keyID's
// scope.
func derive(t *testing.T, k *kwtest.Keyward, signer key, keyID, date, service string) (int, map[string]any) {
	t.Helper()
	status, _, out := call(t, k, signer, wire.DerivePath,
		`{"accessKeyId":"`+keyID+`","date":"`+date+`","region":"us-east-1","service":"`+service+`"}`, false)
	return status, out
}

// TestAttackDeriveKeyOfKeywardsOwnService: an identity allowed only
// keyward:Verify asks for the root user's signing key scoped to each
// service Keyward answers itself, which would sign Keyward's own API as
// root. It is refused with the protocol's BadRequest and gets no key; the
// same key scoped to a guarded service is what a gateway needs, and is
// given.
func TestAttackDeriveKeyOfKeywardsOwnService(t *testing.T) {
	k := kwtest.New(t)
	gw := user(t, k, "gw", verifyPolicy)
	date := time.Now().UTC().Format("20060102")

	// The services the Query API serves are among them: a service added
	// there without being added to the list would fail here.
	own := keyward.OwnServices()
	for service := range query.Actions() {
		if !slices.Contains(own, service) {
			t.Errorf("the Query API serves %s, which keyward.OwnServices does not name", service)
		}
	}
	for _, service := range own {
		t.Run(service, func(t *testing.T) {
			status, out := derive(t, k, gw, kwtest.RootKeyID, date, service)
			if status != http.StatusBadRequest || out["code"] != wire.CodeBadRequest || out["derivedKey"] != nil ||
				!strings.Contains(out["error"].(string), service) {
				t.Fatalf("got %d %v", status, out)
			}
		})
	}
	for _, service := range []string{"s3", "execute-api"} {
		t.Run(service, func(t *testing.T) {
			status, out := derive(t, k, gw, kwtest.RootKeyID, date, service)
			want := sigv4.DeriveKey(kwtest.RootSecret, date, "us-east-1", service)
			if status != http.StatusOK || out["derivedKey"] != base64.StdEncoding.EncodeToString(want[:]) ||
				out["principalArn"] != "arn:aws:iam::"+kwtest.AccountID+":root" {
				t.Fatalf("got %d %v", status, out)
			}
		})
	}
}

// TestAttackDerivedKeySignsKeywardsAPI: with the root user's signing key
// for s3, which the verifier does give a gateway, the gateway tries every
// API Keyward serves as root: IAM (CreateUser), STS, CloudTrail and the
// verifier protocol itself. Every one is refused, and no user is made. A
// key derived by the test itself from root's secret for iam shows that the
// hand-made signatures are right.
func TestAttackDerivedKeySignsKeywardsAPI(t *testing.T) {
	k := kwtest.New(t)
	gw := user(t, k, "gw", verifyPolicy)
	now := time.Now()
	date := now.UTC().Format("20060102")
	status, out := derive(t, k, gw, kwtest.RootKeyID, date, "s3")
	if status != http.StatusOK {
		t.Fatalf("derive for s3: %d %v", status, out)
	}
	s3Key, err := base64.StdEncoding.DecodeString(out["derivedKey"].(string))
	if err != nil || len(s3Key) != 32 {
		t.Fatalf("derived key %v %v", out["derivedKey"], err)
	}
	iamKey := sigv4.DeriveKey(kwtest.RootSecret, date, "us-east-1", "iam")

	createUser := func(name string) (*http.Request, []byte) {
		body := []byte("Action=CreateUser&Version=2010-05-08&UserName=" + name)
		r, _ := http.NewRequest("POST", k.URL+"/", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r, body
	}
	api := func(t *testing.T, r *http.Request) (int, string) {
		t.Helper()
		status, _, body := kwtest.RawDo(t, r)
		return status, body
	}

	t.Run("the signer is right: root's own iam key makes a user", func(t *testing.T) {
		r, body := createUser("made-by-root")
		signWithKey(r, body, kwtest.RootKeyID, iamKey[:], "us-east-1", "iam", now)
		if status, b := api(t, r); status != 200 {
			t.Fatalf("got %d %s", status, b)
		}
	})
	tests := []struct {
		name    string
		request func() (*http.Request, []byte)
		service string // the scope claimed; signed with the s3 key all the same
		code    string
	}{
		{"IAM, scoped to s3", func() (*http.Request, []byte) { return createUser("mallory") }, "s3", "InvalidAction"},
		{"IAM, claiming iam", func() (*http.Request, []byte) { return createUser("mallory") }, "iam", "SignatureDoesNotMatch"},
		{"STS, scoped to s3", func() (*http.Request, []byte) {
			body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
			r, _ := http.NewRequest("POST", k.URL+"/", strings.NewReader(string(body)))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r, body
		}, "s3", "InvalidAction"},
		{"CloudTrail, scoped to s3", func() (*http.Request, []byte) {
			body := []byte(`{}`)
			r, _ := http.NewRequest("POST", k.URL+"/", strings.NewReader(string(body)))
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", query.CloudTrailTargetPrefix+"LookupEvents")
			return r, body
		}, "s3", "InvalidAction"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, body := tc.request()
			signWithKey(r, body, kwtest.RootKeyID, s3Key, "us-east-1", tc.service, now)
			if status, b := api(t, r); status == 200 || !strings.Contains(b, tc.code) {
				t.Fatalf("got %d %s, want %s", status, b, tc.code)
			}
		})
	}
	if _, err := k.IAM.User(kwtest.AsRoot(context.Background()), "mallory"); err == nil {
		t.Fatal("a user was made with a key derived for s3")
	}

	// The verifier protocol is Keyward's API too: as root, with the s3
	// key, the gateway would ask whatever root may.
	for _, path := range []string{wire.VersionPath, wire.DerivePath} {
		t.Run("the verifier protocol, "+path, func(t *testing.T) {
			body := []byte(`{"accessKeyId":"` + kwtest.RootKeyID + `","date":"` + date + `","region":"us-east-1","service":"s3"}`)
			r, _ := http.NewRequest("POST", "http://keyward"+path, strings.NewReader(string(body)))
			r.Header.Set(wire.ProtocolHeader, "1")
			signWithKey(r, body, kwtest.RootKeyID, s3Key, "us-east-1", "s3", now)
			resp, err := socketClient(k).Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != http.StatusForbidden || out["code"] != nil || !strings.Contains(out["error"].(string), "SignatureDoesNotMatch") {
				t.Fatalf("got %d %v", resp.StatusCode, out)
			}
		})
	}
}

// TestAttackCallerKeysFromTheAsker: an asking service names condition
// keys that describe the caller or its session, to turn a decision: a
// revoked session's token issue time set in 2099, MFA claimed for a key
// that has none, the principal's tags, name or source identity. Each is
// refused with BadRequest, naming the key; without the claim the decision
// is the one the claim would have turned. The keys Versity S3 Gateway and
// package guard send are taken.
func TestAttackCallerKeysFromTheAsker(t *testing.T) {
	k := kwtest.New(t)
	gw := user(t, k, "gw", verifyPolicy)
	root := kwtest.AsRoot(context.Background())
	allowIf := func(cond string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":` + cond + `}]}`
	}
	mfa := user(t, k, "mfa", allowIf(`{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`))
	recent := user(t, k, "recent", allowIf(`{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`))
	blue := user(t, k, "blue", allowIf(`{"StringEquals":{"aws:PrincipalTag/team":"red"}}`))
	bob := user(t, k, "bob", allowIf(`{"StringEquals":{"aws:username":"alice"}}`))
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)

	// A role session of alice's, then revoked as the console does it.
	s := readerSession(t, k, root, alice, "s3:GetObject")
	if err := k.IAM.RevokeRoleSessions(root, "reader"); err != nil {
		t.Fatal(err)
	}

	evaluate := func(t *testing.T, id, token string, condition map[string][]string) (int, map[string]any) {
		t.Helper()
		body, _ := json.Marshal(wire.EvaluatePolicyRequest{AccessKeyID: id, SessionToken: token, Actions: []string{"s3:GetObject"},
			Resources: []string{"arn:aws:s3:::b/k"}, Condition: condition})
		status, _, out := call(t, k, gw, wire.EvaluatePath, string(body), false)
		return status, out
	}
	decision := func(out map[string]any) any {
		d, _ := out["decisions"].([]any)
		if len(d) != 1 {
			return nil
		}
		return d[0].([]any)[0]
	}

	attacks := []struct {
		name      string
		id, token string
		key       string
		value     string
		without   string // the decision without the claim
	}{
		{"a revoked session issued in 2099", s.AccessKeyID, s.Token, "aws:TokenIssueTime", "2099-01-01T00:00:00Z", "deny"},
		{"MFA claimed for a long-term key", mfa.id, "", "aws:MultiFactorAuthPresent", "true", "no_match"},
		{"a recent MFA sign-in", recent.id, "", "aws:MultiFactorAuthAge", "1", "no_match"},
		{"the principal's tag", blue.id, "", "aws:PrincipalTag/team", "red", "no_match"},
		{"another user's name", bob.id, "", "aws:username", "alice", "no_match"},
		{"another user's name, the key in upper case", bob.id, "", "AWS:USERNAME", "alice", "no_match"},
	}
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			if status, out := evaluate(t, tc.id, tc.token, nil); status != 200 || decision(out) != tc.without {
				t.Fatalf("without the claim: got %d %v, want %s", status, out, tc.without)
			}
			status, out := evaluate(t, tc.id, tc.token, map[string][]string{"aws:SourceIp": {"192.0.2.1"}, tc.key: {tc.value}})
			if status != http.StatusBadRequest || out["code"] != wire.CodeBadRequest || out["decisions"] != nil ||
				!strings.Contains(out["error"].(string), tc.key) {
				t.Fatalf("got %d %v", status, out)
			}
		})
	}

	// Every other key that describes the caller, its session or the
	// identity provider it federated from, and Keyward's own services' keys.
	for _, key := range []string{"aws:MultiFactorAuthAge", "aws:SourceIdentity", "aws:PrincipalArn", "aws:PrincipalAccount",
		"aws:PrincipalType", "aws:userid", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalIsAWSService",
		"aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalTagKeys", "aws:ViaAWSService", "aws:CalledVia",
		"aws:CalledViaFirst", "aws:CalledViaLast", "aws:FederatedProvider", "aws:AssumedRoot", "aws:SourceAccount", "aws:SourceArn",
		"aws:SourceOrgID", "aws:SourceOrgPaths", "aws:ResourceTag/team", "aws:RequestTag/team", "aws:TagKeys", "aws:ResourceAccount",
		"aws:SomeKeyAWSAddsLater", "sts:RoleSessionName", "sts:ExternalId", "sts:SourceIdentity", "sts:TransitiveTagKeys",
		"iam:ResourceTag/team", "iam:PolicyARN", "keyward:anything", "cloudtrail:anything", "saml:sub", "saml:aud",
		"accounts.google.com:sub", "cognito-identity.amazonaws.com:sub", "token.actions.githubusercontent.com:sub",
		"www.amazon.com:user_id", "graph.facebook.com:id", "localhost:sub", "localhost:8443/realms/x:sub", "idp:aud",
		"ec2:SourceInstanceArn", "lambda:SourceFunctionArn", "identitystore:UserId", "username", "", ":x", "S3 :prefix"} {
		t.Run(key, func(t *testing.T) {
			status, out := evaluate(t, mfa.id, "", map[string][]string{key: {"x"}})
			if status != http.StatusBadRequest || out["code"] != wire.CodeBadRequest {
				t.Fatalf("got %d %v", status, out)
			}
		})
	}

	// One key named twice in different cases, or a region other than the
	// request's, would be decided by whichever Keyward read last.
	t.Run("a key named twice", func(t *testing.T) {
		status, out := evaluate(t, mfa.id, "", map[string][]string{"aws:SourceIp": {"192.0.2.1"}, "AWS:SOURCEIP": {"198.51.100.1"}})
		if status != http.StatusBadRequest || out["code"] != wire.CodeBadRequest || !strings.Contains(out["error"].(string), "named twice") {
			t.Fatalf("got %d %v", status, out)
		}
	})
	t.Run("a region other than the request's", func(t *testing.T) {
		body, _ := json.Marshal(wire.EvaluatePolicyRequest{AccessKeyID: mfa.id, Actions: []string{"s3:GetObject"},
			Resources: []string{"arn:aws:s3:::b/k"}, Region: "eu-west-1", Service: "s3",
			Condition: map[string][]string{"aws:requestedregion": {"us-west-2"}}})
		status, _, out := call(t, k, gw, wire.EvaluatePath, string(body), false)
		if status != http.StatusBadRequest || out["code"] != wire.CodeBadRequest || !strings.Contains(out["error"].(string), "aws:RequestedRegion") {
			t.Fatalf("got %d %v", status, out)
		}
	})

	// The Service refuses them as well, for whatever other transport asks.
	t.Run("authz's EvaluateFor", func(t *testing.T) {
		p := keyward.Principal{AccountID: kwtest.AccountID, UserName: "mfa"}
		for _, observed := range []map[string][]string{
			{"aws:MultiFactorAuthPresent": {"true"}},
			{"aws:SourceIp": {"192.0.2.1"}, "AWS:SOURCEIP": {"198.51.100.1"}},
		} {
			_, err := k.Authz.EvaluateFor(root, p, observed, []string{"s3:GetObject"}, []string{"*"})
			if keyward.ErrorCode(err) != keyward.EInvalidInput {
				t.Fatalf("%v: got %v", observed, err)
			}
		}
	})

	// What the asker observes is taken: these are all the keys Versity S3
	// Gateway v1.8.0 sends (its auth/condition_context.go), and package
	// guard's, and they still decide.
	t.Run("the keys a gateway observes", func(t *testing.T) {
		now := time.Now().UTC()
		observed := map[string][]string{"aws:CurrentTime": {now.Format(time.RFC3339)}, "aws:EpochTime": {"1767225600"},
			"aws:SecureTransport": {"true"}, "aws:SourceIp": {"198.51.100.7"}, "aws:UserAgent": {"aws-cli/2"},
			"aws:Referer": {"https://example.com/"}, "s3:prefix": {"a/"}, "s3:delimiter": {"/"}, "s3:max-keys": {"10"},
			"s3:x-amz-acl": {"private"}, "s3:VersionId": {"v1"}, "aws:RequestedRegion": {"eu-west-1"},
			"s3:ExistingObjectTag/aws:cloudformation:stack-name": {"x"}, "execute-api:SomeKey": {"x"}}
		if status, out := evaluate(t, recent.id, "", observed); status != 200 || decision(out) != "no_match" {
			t.Fatalf("got %d %v", status, out)
		}
		src := user(t, k, "src", allowIf(`{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"},"Bool":{"aws:SecureTransport":"true"}}`))
		if status, out := evaluate(t, src.id, "", observed); status != 200 || decision(out) != "allow" {
			t.Fatalf("got %d %v", status, out)
		}
	})
}

// TestAttackDeriveKeyForAnotherDay: an identity allowed keyward:Verify
// asks for the root user's signing keys of days to come (and of days long
// gone). Held by whoever took the gateway's identity, they would sign
// requests as root to every guarded service on those days, long after
// that identity was deleted. A key is derived only for a day a request
// signed now can name: within the clock's window, or up to a week back for
// a presigned URL still valid.
func TestAttackDeriveKeyForAnotherDay(t *testing.T) {
	k := kwtest.New(t)
	gw := user(t, k, "gw", verifyPolicy)
	now := time.Now().UTC()
	for _, tc := range []struct {
		name string
		day  time.Time
		ok   bool
	}{
		{"today", now, true},
		{"six days ago (a presigned URL)", now.AddDate(0, 0, -6), true},
		{"tomorrow", now.AddDate(0, 0, 1), now.Add(sigv4.MaxSkew).Day() != now.Day()},
		{"in two days", now.AddDate(0, 0, 2), false},
		{"next year", now.AddDate(1, 0, 0), false},
		{"in 2099", time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"nine days ago", now.AddDate(0, 0, -9), false},
		{"not a day", time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			date := tc.day.Format("20060102")
			if tc.day.IsZero() {
				date = "20261399"
			}
			status, out := derive(t, k, gw, kwtest.RootKeyID, date, "s3")
			if tc.ok != (status == http.StatusOK) || !tc.ok && (status != http.StatusBadRequest || out["derivedKey"] != nil) {
				t.Fatalf("%s: got %d %v", date, status, out)
			}
		})
	}
}

// TestAttackEvaluateAsKeywardsOwnService: an asking service says the key
// it asks about was used for IAM, a service Keyward answers itself and for
// which it never derives a key: no other service can have verified such a
// request. The use would be recorded as the key's last use of IAM (what
// GetServiceLastAccessedDetails and the credential report show, and what
// an administrator removes unused permissions by). It is refused with
// BadRequest, as a key for that service is.
func TestAttackEvaluateAsKeywardsOwnService(t *testing.T) {
	k := kwtest.New(t)
	gw := user(t, k, "gw", verifyPolicy)
	alice := user(t, k, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	for _, service := range keyward.OwnServices() {
		status, _, out := call(t, k, gw, wire.EvaluatePath, `{"accessKeyId":"`+alice.id+`","actions":["s3:GetObject"],"resources":["*"],"region":"us-east-1","service":"`+service+`"}`, false)
		if status != http.StatusBadRequest || out["code"] != wire.CodeBadRequest || out["decisions"] != nil {
			t.Errorf("%s: got %d %v", service, status, out)
		}
		if u, ok := k.API.Uses.Pending(alice.id); ok && keyward.OwnService(u.Service) {
			t.Errorf("%s: recorded as alice's last use: %+v", service, u)
		}
	}
	status, _, out := call(t, k, gw, wire.EvaluatePath, `{"accessKeyId":"`+alice.id+`","actions":["s3:GetObject"],"resources":["*"],"region":"us-east-1","service":"s3"}`, false)
	if status != http.StatusOK {
		t.Fatalf("s3: got %d %v", status, out)
	}
}

// TestAttackVerifierOfAnotherAccount: a principal of an account other than
// the installation's first, which that account's own administrator may
// allow keyward:Verify, asks the verifier about the keys of the first
// account (its root user's key): a signing key derived for s3 would sign
// as that root user to every guarded service, a decision would tell its
// policies, an identity its owner. Each answer is the one for a key that
// does not exist. The asker's own account's keys are answered, and so are
// every account's to a verifier of the first account, the operator's,
// which a gateway shared by the installation's accounts is.
func TestAttackVerifierOfAnotherAccount(t *testing.T) {
	k := kwtest.New(t)
	ctx := context.Background()
	const other = "210987654321"
	if err := k.Store.CreateAccount(ctx, keyward.Account{ID: other, CreatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	bRoot, bSecret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), other)
	if err != nil {
		t.Fatal(err)
	}
	b := key{bRoot.ID, bSecret}
	gw := user(t, k, "gw", verifyPolicy)
	date := time.Now().UTC().Format("20060102")
	evaluate := func(keyID string) string {
		return `{"accessKeyId":"` + keyID + `","actions":["s3:GetObject"],"resources":["arn:aws:s3:::x/y"],"region":"us-east-1","service":"s3"}`
	}
	for _, tc := range []struct {
		name       string
		asker      key
		path, body string
		want       int
		found      bool
	}{
		{"B derives the first account's root key", b, wire.DerivePath,
			`{"accessKeyId":"` + kwtest.RootKeyID + `","date":"` + date + `","region":"us-east-1","service":"s3"}`, http.StatusForbidden, false},
		{"B evaluates the first account's root key", b, wire.EvaluatePath, evaluate(kwtest.RootKeyID), http.StatusForbidden, false},
		{"B resolves the first account's root key", b, wire.ResolveIdentityPath, `{"accessKeyIds":["` + kwtest.RootKeyID + `"]}`, http.StatusOK, false},
		{"B derives its own key", b, wire.DerivePath,
			`{"accessKeyId":"` + b.id + `","date":"` + date + `","region":"us-east-1","service":"s3"}`, http.StatusOK, true},
		{"B resolves its own key", b, wire.ResolveIdentityPath, `{"accessKeyIds":["` + b.id + `"]}`, http.StatusOK, true},
		{"the first account's gateway derives B's key", gw, wire.DerivePath,
			`{"accessKeyId":"` + b.id + `","date":"` + date + `","region":"us-east-1","service":"s3"}`, http.StatusOK, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, out := call(t, k, tc.asker, tc.path, tc.body, false)
			if status != tc.want {
				t.Fatalf("got %d %v, want %d", status, out, tc.want)
			}
			if status == http.StatusForbidden && out["code"] != wire.CodeNoSuchIdentity {
				t.Fatalf("got %v, want %s", out, wire.CodeNoSuchIdentity)
			}
			switch tc.path {
			case wire.ResolveIdentityPath:
				ids, _ := out["identities"].([]any)
				if len(ids) != 1 || ids[0].(map[string]any)["found"] != tc.found {
					t.Fatalf("got %v, want found %v", out, tc.found)
				}
			case wire.DerivePath:
				if (out["derivedKey"] != nil) != tc.found {
					t.Fatalf("got %v", out)
				}
			}
		})
	}
}

// TestAttackResolveKeyThatMayNotSign: a gateway asks ResolveIdentity
// whether access keys exist, and whose they are, about a key an
// administrator deactivated and one past its expiry date. Neither may
// sign: Derive and Evaluate answer NoSuchIdentity for them, and a
// gateway told by ResolveIdentity that they exist, with their users'
// ARNs, would hold for a user's a key Keyward refuses. ResolveIdentity
// answers as for a key that does not exist, naming no principal. An
// active key is found by all three.
func TestAttackResolveKeyThatMayNotSign(t *testing.T) {
	clock := kwtest.NewClock(time.Now())
	k := kwtest.NewWithClock(t, clock.Now)
	root := kwtest.AsRoot(context.Background())
	gw := user(t, k, "gw", verifyPolicy)
	active := user(t, k, "active", "")
	inactive := user(t, k, "inactive", "")
	if err := k.IAM.UpdateAccessKey(root, "inactive", inactive.id, keyward.StatusInactive); err != nil {
		t.Fatal(err)
	}
	if _, err := k.IAM.CreateUser(root, "expired", "/", nil); err != nil {
		t.Fatal(err)
	}
	expiring, _, err := k.IAM.CreateExpiringAccessKey(root, "expired", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour)
	date := time.Now().UTC().Format("20060102")
	for _, tc := range []struct {
		name, keyID string
		found       bool
	}{
		{"active", active.id, true},
		{"deactivated", inactive.id, false},
		{"past its expiry date", expiring.ID, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, out := call(t, k, gw, wire.ResolveIdentityPath, `{"accessKeyIds":["`+tc.keyID+`"]}`, false)
			ids, _ := out["identities"].([]any)
			if len(ids) != 1 {
				t.Fatalf("resolve: got %v", out)
			}
			id := ids[0].(map[string]any)
			if tc.found && id["found"] != true || !tc.found && (id["found"] != false || len(id) != 1) {
				t.Errorf("resolve: got %v, want found %v", id, tc.found)
			}
			for path, body := range map[string]string{
				wire.DerivePath:   `{"accessKeyId":"` + tc.keyID + `","date":"` + date + `","region":"us-east-1","service":"s3"}`,
				wire.EvaluatePath: `{"accessKeyId":"` + tc.keyID + `","actions":["s3:GetObject"],"resources":["*"],"region":"us-east-1","service":"s3"}`,
			} {
				status, _, out := call(t, k, gw, path, body, false)
				if tc.found && status != http.StatusOK || !tc.found && (status != http.StatusForbidden || out["code"] != wire.CodeNoSuchIdentity) {
					t.Errorf("%s: got %d %v", path, status, out)
				}
			}
		})
	}
}
