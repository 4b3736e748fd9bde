package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
)

// tlsClient trusts only the CA in caFile.
func tlsClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	must(t, err)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no CA certificate in " + caFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestTLS: with --tls-cert and --tls-key the API and the console are served
// over TLS: the SDK and the AWS CLI (--ca-bundle) work with a private CA,
// answers carry HSTS, the console's cookie is Secure, and
// aws:SecureTransport is true in policy evaluation. A renewed certificate
// is served after ReloadTLS (what SIGHUP calls), without a restart.
func TestTLS(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	ts := startServerWith(t, "", func(m *Main) {
		cheapPasswords(m)
		m.Config.TLSCert, m.Config.TLSKey = pki.serverCert, pki.serverKey
	})
	if !strings.HasPrefix(ts.URL, "https://") {
		t.Fatalf("URL %s", ts.URL)
	}
	client := tlsClient(t, pki.ca)
	cfg := awsConfig(ts.URL, rootKeyID, rootSecret, "us-east-1")
	cfg.HTTPClient = sdkhttp.Wrap(client)
	root := iam.NewFromConfig(cfg)
	ctx := context.Background()

	// A policy that allows only over TLS.
	id, secret := createUserKey(t, root, "alice")
	_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("tls-only"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`)})
	must(t, err)
	aliceCfg := awsConfig(ts.URL, id, secret, "us-east-1")
	aliceCfg.HTTPClient = sdkhttp.Wrap(client)
	if _, err := iam.NewFromConfig(aliceCfg).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("aws:SecureTransport over TLS: %v", err)
	}
	who, err := sts.NewFromConfig(aliceCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(who.Arn) != "arn:aws:iam::"+accountID+":user/alice" {
		t.Fatalf("caller %s", aws.ToString(who.Arn))
	}

	t.Run("HSTS and a Secure console cookie", func(t *testing.T) {
		client := tlsClient(t, pki.ca)
		client.Jar, _ = cookiejar.New(nil)
		resp, err := client.Get(ts.URL + "/console/signin")
		must(t, err)
		resp.Body.Close()
		if resp.Header.Get("Strict-Transport-Security") == "" {
			t.Fatalf("no HSTS: %v", resp.Header)
		}
		// The sign-in form's CSRF cookie, and the session's, are Secure.
		var secure bool
		for _, c := range resp.Cookies() {
			secure = secure || c.Secure
		}
		signin, err := client.PostForm(ts.URL+"/console/signin", url.Values{"kind": {"root"}, "accesskey": {rootKeyID}, "secret": {rootSecret},
			"csrf": {csrfFromCookies(resp)}})
		must(t, err)
		signin.Body.Close()
		session := false
		for _, c := range signin.Cookies() {
			if c.Name == "keyward_session" {
				session = true
				secure = secure && c.Secure
			}
		}
		if !secure || !session || signin.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-in over TLS: %d, cookies %v then %v", signin.StatusCode, resp.Cookies(), signin.Cookies())
		}
	})

	t.Run("AWS CLI with --ca-bundle", func(t *testing.T) {
		res := runCommand(t, []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="},
			awsCLI, "--endpoint-url", ts.URL, "--ca-bundle", pki.ca, "--output", "json", "iam", "list-users")
		if res.code != 0 || !strings.Contains(res.stdout, `"UserName": "alice"`) {
			t.Fatalf("aws iam list-users over TLS: exit %d\n%s%s", res.code, res.stdout, res.stderr)
		}
	})

	t.Run("a renewed certificate without a restart", func(t *testing.T) {
		next := newTestPKI(t)
		for src, dst := range map[string]string{next.serverCert: pki.serverCert, next.serverKey: pki.serverKey} {
			b, err := os.ReadFile(src)
			must(t, err)
			must(t, os.WriteFile(dst, b, 0o600))
		}
		must(t, ts.Main.ReloadTLS())
		fresh := tlsClient(t, next.ca)
		fresh.Transport.(*http.Transport).DisableKeepAlives = true
		resp, err := fresh.Get(ts.URL + "/healthz")
		must(t, err)
		resp.Body.Close()
		old := tlsClient(t, pki.ca)
		if _, err := old.Get(ts.URL + "/healthz"); err == nil {
			t.Fatal("the old certificate is still served")
		}
	})
}

// csrfFromCookies is the sign-in form's CSRF token, which the sign-in
// page sets as a cookie and puts in its form.
func csrfFromCookies(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "keyward_signin" {
			return c.Value
		}
	}
	return ""
}

// TestCertReloaderWatchesFiles: a changed certificate file is loaded by
// the watcher; a pair that does not load leaves the one in use; the
// watcher returns when its context ends.
func TestCertReloaderWatchesFiles(t *testing.T) {
	t.Parallel()
	a, b := newTestPKI(t), newTestPKI(t)
	r, err := newCertReloader(a.serverCert, a.serverKey)
	must(t, err)
	first, _ := r.GetCertificate(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 10)
	stopped := make(chan struct{})
	go func() {
		r.watch(ctx, 5*time.Millisecond, func(err error) { errs <- err })
		close(stopped)
	}()

	must(t, os.WriteFile(a.serverKey, []byte("not a key"), 0o600))
	if err := <-errs; err == nil {
		t.Fatal("a broken key was loaded")
	}
	if c, _ := r.GetCertificate(nil); c != first {
		t.Fatal("a failed reload replaced the certificate in use")
	}
	for src, dst := range map[string]string{b.serverCert: a.serverCert, b.serverKey: a.serverKey} {
		data, err := os.ReadFile(src)
		must(t, err)
		must(t, os.WriteFile(dst, data, 0o600))
	}
	for c, _ := r.GetCertificate(nil); c == first; c, _ = r.GetCertificate(nil) {
		if err := <-errs; err != nil {
			// The two files are written one after the other: the watcher may
			// see the new certificate with the broken key first.
			continue
		}
	}
	// The watcher stops with the program's lifetime.
	cancel()
	<-stopped
}

// TestSIGHUPReloadsTLS: the running program serves a renewed certificate
// after SIGHUP. The new files keep the old modification times, so that
// the file watcher cannot be what loaded them.
func TestSIGHUPReloadsTLS(t *testing.T) {
	t.Parallel()
	pki, next := newTestPKI(t), newTestPKI(t)
	p, err := spawn(t, rootEnv, "serve", "--data", t.TempDir(), "--listen", kwtest.AnyPort, "--tls-cert", pki.serverCert, "--tls-key", pki.serverKey)
	must(t, err)
	attrs, err := p.serving()
	must(t, err)
	addr := hostPort(attrs["api"])
	serves := func(ca string) bool {
		c := tlsClient(t, ca)
		c.Transport.(*http.Transport).DisableKeepAlives = true
		resp, err := c.Get("https://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			select {
			case <-p.exited:
				t.Fatalf("keyward exited:\n%s", p.stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s:\n%s", what, p.stderr.String())
			}
		}
	}
	waitFor("keyward did not serve TLS", func() bool { return serves(pki.ca) })
	for src, dst := range map[string]string{next.serverCert: pki.serverCert, next.serverKey: pki.serverKey} {
		st, err := os.Stat(dst)
		must(t, err)
		b, err := os.ReadFile(src)
		must(t, err)
		must(t, os.WriteFile(dst, b, 0o600))
		must(t, os.Chtimes(dst, st.ModTime(), st.ModTime()))
	}
	if !serves(pki.ca) {
		t.Fatal("the certificate changed before SIGHUP")
	}
	must(t, p.cmd.Process.Signal(syscall.SIGHUP))
	waitFor("the renewed certificate is not served after SIGHUP", func() bool { return serves(next.ca) })
}
