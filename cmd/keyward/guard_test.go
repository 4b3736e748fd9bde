package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/guard"
)

// TestGuardOverMutualTLS: package guard against keyward serve's
// --verifier-listen, with the client certificate of a CA Keyward trusts,
// and refused without one: the TLS listener only keyward serve opens.
func TestGuardOverMutualTLS(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	ts := startServerWith(t, "", func(m *Main) {
		m.Config.VerifierListen = "127.0.0.1:0"
		m.Config.VerifierTLSCert, m.Config.VerifierTLSKey, m.Config.VerifierClientCA = pki.serverCert, pki.serverKey, pki.ca
	})
	root := ts.rootIAM()
	ctx := context.Background()
	svcID, svcSecret := createUserKey(t, root, "svc")
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("svc"), PolicyName: aws.String("v"), PolicyDocument: aws.String(verifierPolicy)})
	must(t, err)
	aliceID, aliceSecret := createUserKey(t, root, "alice")
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("api"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:pets/prod/GET/*"}]}`)})
	must(t, err)

	cfg := guard.Config{Endpoint: ts.VerifierAddr, AccessKeyID: svcID, SecretAccessKey: svcSecret, APIID: "pets", Stage: "prod",
		TLS: pki.clientTLS(t)}
	g, err := guard.New(ctx, cfg)
	must(t, err)
	srv := httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := guard.CallerFrom(r.Context())
		io.WriteString(w, "hello "+c.UserName)
	})))
	defer srv.Close()
	for _, tc := range []struct{ method, want string }{{"GET", "hello alice"}, {"PUT", "<Code>AccessDenied</Code>"}} {
		req, _ := http.NewRequest(tc.method, srv.URL+"/pets/1", nil)
		must(t, v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: aliceID, SecretAccessKey: aliceSecret}, req,
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "execute-api", "us-east-1", time.Now()))
		_, _, body := rawDo(t, req)
		if !strings.Contains(body, tc.want) {
			t.Fatalf("%s: %s", tc.method, body)
		}
	}

	// Keyward refuses a client that presents no certificate in the
	// handshake: the guard cannot start.
	cfg.TLS = pki.clientTLS(t)
	cfg.TLS.Certificates = nil
	cfg.TLS.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tls.Certificate{}, nil }
	if _, err := guard.New(ctx, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a guard without a client certificate: %v", err)
	}
}
