package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/postgres/pgtest"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, as files.
type testPKI struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		must(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
		return path
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keyward test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	must(t, err)
	leaf := func(serial int64, name string, usage x509.ExtKeyUsage) (cert, key string) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		must(t, err)
		kd, err := x509.MarshalECPrivateKey(k)
		must(t, err)
		return write(name+".crt", "CERTIFICATE", der), write(name+".key", "EC PRIVATE KEY", kd)
	}
	p := testPKI{ca: write("ca.crt", "CERTIFICATE", caDER)}
	p.serverCert, p.serverKey = leaf(2, "keyward", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf(3, "gateway", x509.ExtKeyUsageClientAuth)
	return p
}

// clientTLS is the TLS of a client holding the PKI's client certificate
// and trusting its CA: a gateway's on --verifier-listen.
func (p testPKI) clientTLS(t *testing.T) *tls.Config {
	t.Helper()
	caPEM, err := os.ReadFile(p.ca)
	must(t, err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(p.clientCert, p.clientKey)
	must(t, err)
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}
}

// switchProxy forwards TCP connections to one of several targets; switch
// moves new connections to another and cuts the current ones, as a load
// balancer does when a replica leaves.
type switchProxy struct {
	ln      net.Listener
	mu      sync.Mutex
	target  string
	conns   map[net.Conn]bool
	counted map[string]int
}

func newSwitchProxy(t *testing.T, target string) *switchProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &switchProxy{ln: ln, target: target, conns: map[net.Conn]bool{}, counted: map[string]int{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *switchProxy) forward(c net.Conn) {
	p.mu.Lock()
	target := p.target
	p.counted[target]++
	p.mu.Unlock()
	u, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[u] = true, true
	p.mu.Unlock()
	go func() { io.Copy(u, c); u.Close() }()
	io.Copy(c, u)
	c.Close()
}

func (p *switchProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *switchProxy) switchTo(target string) {
	p.mu.Lock()
	p.target = target
	p.mu.Unlock()
	p.cut()
}

func (p *switchProxy) connections(target string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counted[target]
}

// TestVersityGatewayReplicas: one gateway in front of two Keyward replicas
// on PostgreSQL, over the verifier protocol's mutual TLS: what is changed
// on one replica applies within a second on the other, which the gateway
// is talking to.
func TestVersityGatewayReplicas(t *testing.T) {
	t.Parallel() // after the others: the gateway may still be building
	kwtest.Versitygw(t)
	url := pgtest.Schema(t)
	pki := newTestPKI(t)
	env := append([]string{"KEYWARD_MASTER_KEY=" + replicaMasterKey, "KEYWARD_DATABASE_URL=" + url, "KEYWARD_RESYNC_INTERVAL=500ms",
		"KEYWARD_VERIFIER_TLS_CERT=" + pki.serverCert, "KEYWARD_VERIFIER_TLS_KEY=" + pki.serverKey, "KEYWARD_VERIFIER_CLIENT_CA=" + pki.ca}, rootEnv...)
	var rs []*process
	var verifiers []string
	for i := 0; i < 2; i++ {
		r := startProcess(t, t.TempDir(), append(env, "KEYWARD_VERIFIER_LISTEN="+kwtest.AnyPort)...)
		rs, verifiers = append(rs, r), append(verifiers, r.verifier)
	}
	ctx := context.Background()
	root := rs[0].iam(rootKeyID, rootSecret)
	gwUser, alice, _, _ := gatewayUsers(t, root)

	proxy := newSwitchProxy(t, verifiers[0])
	g := startGateway(t, proxy.ln.Addr().String(), gwUser.id, gwUser.secret,
		"--iam-standalone-client-cert", pki.clientCert, "--iam-standalone-client-cert-key", pki.clientKey, "--iam-standalone-server-ca", pki.ca)
	as := g.s3(alice.id, alice.secret)
	_, err := as.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alice-data")})
	must(t, err)
	_, err = as.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alice-data"), Key: aws.String("a.txt"), Body: strings.NewReader("a")})
	must(t, err)

	// From now on the gateway talks to the second replica only.
	proxy.switchTo(verifiers[1])
	get := func() error {
		out, err := as.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alice-data"), Key: aws.String("a.txt")})
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	// A request the gateway had in flight on a cut connection fails (the
	// gateway does not retry); the next ones reach the second replica.
	within(t, "served through the second replica", get)
	if proxy.connections(verifiers[1]) == 0 {
		t.Fatal("the gateway did not reach the second replica")
	}
	refused := func(code string) func() error { return failsWith(code, get) }

	// Changes made on the first replica.
	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.id), Status: "Inactive"})
	must(t, err)
	within(t, "deactivation on the other replica", refused("InvalidAccessKeyId"))
	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.id), Status: "Active"})
	must(t, err)
	within(t, "reactivation on the other replica", get)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}`
	_, err = root.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("team"), PolicyName: aws.String("deny"), PolicyDocument: aws.String(deny)})
	must(t, err)
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("team"), UserName: aws.String("alice")})
	must(t, err)
	within(t, "a group's deny on the other replica", refused("AccessDenied"))

	// The use through the second replica shows on the first.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(alice.id)})
		must(t, err)
		if aws.ToString(out.AccessKeyLastUsed.ServiceName) == "s3" && aws.ToString(out.AccessKeyLastUsed.Region) == "us-east-1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last use %+v", out.AccessKeyLastUsed)
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Run("mutual TLS only", func(t *testing.T) {
		ca, err := os.ReadFile(pki.ca)
		must(t, err)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
		_, err = noCert.Post("https://"+verifiers[0]+"/private/version", "application/json", strings.NewReader("{}"))
		if err == nil {
			t.Fatal("a client without a certificate was served")
		}
		plain := &http.Client{Timeout: 5 * time.Second}
		if resp, err := plain.Post("http://"+verifiers[0]+"/private/version", "application/json", strings.NewReader("{}")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				t.Fatal("plain HTTP was served")
			}
		}
	})
}
