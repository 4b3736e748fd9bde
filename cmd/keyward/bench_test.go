package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// BenchmarkListAccessKeys is an authenticated ListAccessKeys through the
// whole in-process server with aws-sdk-go-v2 as the client; bench/apibench
// measures the server alone, in its own process.
func BenchmarkListAccessKeys(b *testing.B) {
	_, c, _, _ := withAlice(b, 2)
	ctx := context.Background()
	in := &iam.ListAccessKeysInput{UserName: aws.String("alice")}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.ListAccessKeys(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCreateAccessKey creates one key for each of b.N users, each
// acknowledged only once durable: with the audit trail (its event written
// in the key's transaction) and without, same run.
func BenchmarkCreateAccessKey(b *testing.B) {
	for _, audited := range []bool{true, false} {
		b.Run(map[bool]string{true: "audited", false: "unaudited"}[audited], func(b *testing.B) {
			ts := startServer(b, "")
			if !audited {
				ts.API.Audit = nil
			}
			c := ts.rootIAM()
			ctx := context.Background()
			names := make([]string, b.N)
			for i := range names {
				names[i] = fmt.Sprintf("u%07d", i)
				if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(names[i])}); err != nil {
					b.Fatal(err)
				}
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := names[next.Add(1)-1]
					if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}

// BenchmarkHandlerListAccessKeys is the server's own work for one
// authenticated ListAccessKeys, without the network: what Keyward adds to
// net/http.
func BenchmarkHandlerListAccessKeys(b *testing.B) {
	ts, _, _, _ := withAlice(b, 2)
	const form = "Action=ListAccessKeys&Version=2010-05-08&UserName=alice"
	r := ts.handlerRequest(b, form, "iam", aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret})
	h := ts.server.Handler
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serveForm(b, h, r, form)
	}
}

// BenchmarkHandlerSessionCredentials compares the server's work for one
// GetUser signed with a long-term key and with session credentials from
// GetSessionToken: the session's token is opened (AES-GCM) on every
// request instead of the key being read from the keyring.
func BenchmarkHandlerSessionCredentials(b *testing.B) {
	ts, c, id, secret := withAlice(b, 1)
	ctx := context.Background()
	const getUser = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
	_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(getUser)})
	must(b, err)
	sess, err := ts.sts(id, secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(b, err)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
	must(b, err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(getUser)})
	must(b, err)
	role, err := ts.sts(id, secret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountID + ":role/reader"), RoleSessionName: aws.String("bench")})
	must(b, err)
	// Another user named, so that every caller's request reads the same
	// (a role's session cannot ask for "itself").
	createUserKey(b, c, "bob")
	const form = "Action=GetUser&Version=2010-05-08&UserName=bob"
	for _, tc := range []struct {
		name string
		cred aws.Credentials
	}{
		{"long-term-key", aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}},
		{"session", sessionCredentials(sess.Credentials)},
		{"role-session", sessionCredentials(role.Credentials)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := ts.handlerRequest(b, form, "iam", tc.cred)
			h := ts.server.Handler
			b.ReportAllocs()
			for b.Loop() {
				serveForm(b, h, r, form)
			}
		})
	}
}

// BenchmarkHandlerAssumeRole measures AssumeRole through the handler: a
// signed request by a user the role's trust policy names, answered with a
// new session (the role read from the store, the trust policy evaluated,
// the token sealed). Serial: server CPU per call; parallel: calls per
// second on this machine's cores.
func BenchmarkHandlerAssumeRole(b *testing.B) {
	ts, c, id, secret := withAlice(b, 1)
	ctx := context.Background()
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
	must(b, err)
	form := "Action=AssumeRole&Version=2011-06-15&RoleSessionName=bench&RoleArn=" + url.QueryEscape("arn:aws:iam::"+accountID+":role/deploy")
	request := func() *http.Request {
		return ts.handlerRequest(b, form, "sts", aws.Credentials{AccessKeyID: id, SecretAccessKey: secret})
	}
	h := ts.server.Handler
	serve := func(r *http.Request) { serveForm(b, h, r, form) }
	b.Run("serial", func(b *testing.B) {
		r := request()
		b.ReportAllocs()
		for b.Loop() {
			serve(r)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			r := request()
			for pb.Next() {
				serve(r)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}

// serveForm has h answer r, with form as its body again, and fails b
// withAlice starts a server whose user alice has keys (1 or 2), and
// returns it, its root user's IAM client and alice's first key.
func withAlice(b *testing.B, keys int) (ts *testServer, root *iam.Client, id, secret string) {
	b.Helper()
	ts = startServer(b, "")
	root = ts.rootIAM()
	id, secret = createUserKey(b, root, "alice")
	for range keys - 1 {
		_, err := root.CreateAccessKey(context.Background(), &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
		must(b, err)
	}
	return ts, root, id, secret
}

// sessionCredentials are the signing credentials of an STS session.
func sessionCredentials(c *ststypes.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

// handlerRequest is form POSTed to ts, signed now with creds for service,
// as the handler receives it from net/http (RequestURI and Content-Length
// set), for serveForm.
func (ts *testServer) handlerRequest(b *testing.B, form, service string, creds aws.Credentials) *http.Request {
	b.Helper()
	r, err := http.NewRequest("POST", ts.URL+"/", strings.NewReader(form))
	must(b, err)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	must(b, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()))
	r.RequestURI = "/"
	r.Header.Set("Content-Length", fmt.Sprint(len(form)))
	return r
}

// unless the answer is 200 OK.
func serveForm(b testing.TB, h http.Handler, r *http.Request, form string) {
	r.Body = io.NopCloser(strings.NewReader(form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		b.Fatalf("%d %s", w.Code, w.Body)
	}
}
