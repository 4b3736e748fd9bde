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
)

// BenchmarkListAccessKeys is an authenticated ListAccessKeys through the
// whole in-process server with aws-sdk-go-v2 as the client; bench/apibench
// measures the server alone, in its own process.
func BenchmarkListAccessKeys(b *testing.B) {
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	createUserKey(b, c, "alice")
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(b, err)
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
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	createUserKey(b, c, "alice")
	_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(b, err)
	const form = "Action=ListAccessKeys&Version=2010-05-08&UserName=alice"
	r := ts.signedRequest(b, "POST", form, "application/x-www-form-urlencoded; charset=utf-8", "iam", rootKeyID, rootSecret, time.Now())
	r.RequestURI = "/"
	r.Header.Set("Content-Length", fmt.Sprint(len(form)))
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
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	id, secret := createUserKey(b, c, "alice")
	_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
	must(b, err)
	sess, err := ts.sts(id, secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	must(b, err)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
	must(b, err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)})
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
		{"session", aws.Credentials{AccessKeyID: aws.ToString(sess.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(sess.Credentials.SecretAccessKey),
			SessionToken: aws.ToString(sess.Credentials.SessionToken)}},
		{"role-session", aws.Credentials{AccessKeyID: aws.ToString(role.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(role.Credentials.SecretAccessKey),
			SessionToken: aws.ToString(role.Credentials.SessionToken)}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r, err := http.NewRequest("POST", ts.URL+"/", strings.NewReader(form))
			must(b, err)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			sum := sha256.Sum256([]byte(form))
			must(b, v4.NewSigner().SignHTTP(ctx, tc.cred, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()))
			r.RequestURI = "/"
			r.Header.Set("Content-Length", fmt.Sprint(len(form)))
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
	ts := startServer(b, "")
	c := ts.rootIAM()
	ctx := context.Background()
	id, secret := createUserKey(b, c, "alice")
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: trustDoc(
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
	must(b, err)
	form := "Action=AssumeRole&Version=2011-06-15&RoleSessionName=bench&RoleArn=" + url.QueryEscape("arn:aws:iam::"+accountID+":role/deploy")
	sum := sha256.Sum256([]byte(form))
	request := func() *http.Request {
		r, err := http.NewRequest("POST", ts.URL+"/", strings.NewReader(form))
		must(b, err)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		must(b, v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, r, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()))
		r.RequestURI = "/"
		r.Header.Set("Content-Length", fmt.Sprint(len(form)))
		return r
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
// unless the answer is 200 OK.
func serveForm(b testing.TB, h http.Handler, r *http.Request, form string) {
	r.Body = io.NopCloser(strings.NewReader(form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		b.Fatalf("%d %s", w.Code, w.Body)
	}
}
