package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward/internal/kwtest"
)

// gateway is a running Versity S3 Gateway with a posix backend in a
// temporary directory, using a Keyward as its IAM.
type gateway struct {
	url string
	log *kwtest.Buffer
}

// Gateway's own root, which owns the buckets; Keyward knows nothing of it.
const (
	gatewayRootKey    = "GATEWAYROOTKEY"
	gatewayRootSecret = "gatewayRootSecret0123456789"
)

// startGateway runs versitygw against Keyward's verifier at endpoint,
// signing its calls as (id, secret); extra are more global flags.
func startGateway(t *testing.T, endpoint, id, secret string, extra ...string) *gateway {
	t.Helper()
	bin := kwtest.Versitygw(t)
	var g *gateway
	onFreePort(t, func(addr string) (taken bool) {
		g = &gateway{url: "http://" + addr, log: &kwtest.Buffer{}}
		args := append([]string{"--port", addr, "--access", gatewayRootKey, "--secret", gatewayRootSecret, "--region", "us-east-1",
			"--iam-standalone-endpoint", endpoint, "--iam-standalone-access", id, "--iam-standalone-secret", secret}, extra...)
		cmd := exec.Command(bin, append(args, "posix", t.TempDir())...)
		cmd.Stdout, cmd.Stderr = g.log, g.log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		// The gateway listens only once it has asked Keyward who it is.
		for deadline := time.Now().Add(30 * time.Second); ; {
			select {
			case <-exited:
				if portTaken(g.log.String()) {
					return true
				}
				t.Fatalf("versitygw exited:\n%s", g.log.String())
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return false
			}
			if time.Now().After(deadline) {
				t.Fatalf("versitygw did not listen:\n%s", g.log.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	return g
}

func (g *gateway) s3(id, secret string) *s3.Client {
	return s3.NewFromConfig(awsConfig(g.url, id, secret, "us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
}

// cli runs the AWS CLI against the gateway, presigning with SigV4 as S3
// requires.
func (g *gateway) cli(t *testing.T, id, secret string, args ...string) cliResult {
	t.Helper()
	home := t.TempDir()
	must(t, os.WriteFile(filepath.Join(home, "config"), []byte("[default]\nregion = us-east-1\ns3 =\n    signature_version = s3v4\n"), 0o600))
	env := []string{
		"HOME=" + home, "PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=" + id, "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
	}
	return runCommand(t, env, awsCLI, append([]string{"--endpoint-url", g.url}, args...)...)
}

// s3Error checks that err is S3's error code, and its message when one is
// given.
func s3Error(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || message != "" && ae.ErrorMessage() != message {
		t.Fatalf("got %s: %s\nwant %s: %s", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

func denied(user, action, resource, why string) string {
	return fmt.Sprintf("User: arn:aws:iam::%s:user/%s is not authorized to perform: %s on resource: %q %s", accountID, user, action, resource, why)
}

const (
	explicitDeny = "with an explicit deny in an identity-based policy"
	noAllow      = "because no identity-based policy allows the %s action"
)

func implicit(user, action, resource string) string {
	return denied(user, action, resource, fmt.Sprintf(noAllow, action))
}

// gatewayPolicies gives alice an inline policy over her buckets with
// conditions, and bob, through a group and a managed policy, his home in
// alice's bucket; carol has nothing; gw may call the verifier protocol.
const (
	alicePolicy = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::alice-*","arn:aws:s3:::alice-*/*"]},
		{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},
		{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::alice-data/keep/*"},
		{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::alice-data/tls/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::alice-data/office/*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::alice-data/expired/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}`
	homePolicy = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::alice-data","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}},
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::alice-data/home/${aws:username}/*"}]}`
	verifierPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:Verify","Resource":"*"}]}`
)

type creds struct{ id, secret string }

// gatewayUsers makes the users of gatewayPolicies through root's client.
func gatewayUsers(t *testing.T, root *iam.Client) (gw, alice, bob, carol creds) {
	t.Helper()
	ctx := context.Background()
	mk := func(name, inline string) creds {
		id, secret := createUserKey(t, root, name)
		if inline != "" {
			_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(inline)})
			must(t, err)
		}
		return creds{id, secret}
	}
	gw, alice, bob, carol = mk("gateway", verifierPolicy), mk("alice", alicePolicy), mk("bob", ""), mk("carol", "")
	_, err := root.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("team")})
	must(t, err)
	_, err = root.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("team"), UserName: aws.String("bob")})
	must(t, err)
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("home"), PolicyDocument: aws.String(homePolicy)})
	must(t, err)
	_, err = root.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("team"), PolicyArn: pol.Policy.Arn})
	must(t, err)
	return
}

func TestVersityGateway(t *testing.T) {
	t.Parallel() // after the others: the gateway may still be building
	socket := filepath.Join(t.TempDir(), "verify.sock")
	ts := startServerWith(t, "", func(m *Main) { m.Config.VerifierSocket = socket })
	root := ts.rootIAM()
	ctx := context.Background()
	fi, err := os.Stat(socket)
	must(t, err)
	if fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode %v, want a socket of mode 0600", fi.Mode())
	}
	// The protocol is served on the socket only, never on the API's
	// listener.
	resp, err := http.Post(ts.URL+"/private/version", "application/json", strings.NewReader("{}"))
	must(t, err)
	resp.Body.Close()
	if resp.Header.Get("X-Vgw-Private-Protocol") != "" || resp.StatusCode == 200 {
		t.Fatalf("the API's listener answered the verifier protocol: %d %v", resp.StatusCode, resp.Header)
	}
	gwUser, alice, bob, carol := gatewayUsers(t, root)
	// The gateway signs its calls as a user allowed keyward:Verify, not
	// as root.
	g := startGateway(t, socket, gwUser.id, gwUser.secret)
	as := g.s3(alice.id, alice.secret)
	bs := g.s3(bob.id, bob.secret)
	cs := g.s3(carol.id, carol.secret)

	put := func(c *s3.Client, key, body string) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alice-data"), Key: aws.String(key), Body: strings.NewReader(body)})
		return err
	}
	get := func(c *s3.Client, key string) (string, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alice-data"), Key: aws.String(key)})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return string(b), err
	}
	list := func(c *s3.Client, prefix string) ([]string, error) {
		in := &s3.ListObjectsV2Input{Bucket: aws.String("alice-data")}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		out, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
		return keys, nil
	}

	_, err = as.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alice-data")})
	must(t, err)
	for _, k := range []string{"a.txt", "keep/b.txt", "office/c.txt", "expired/d.txt"} {
		must(t, put(as, k, "content of "+k))
	}

	t.Run("allowed by policy", func(t *testing.T) {
		body, err := get(as, "a.txt")
		if err != nil || body != "content of a.txt" {
			t.Fatalf("get: %q %v", body, err)
		}
		keys, err := list(as, "")
		if err != nil || len(keys) != 4 {
			t.Fatalf("list: %v %v", keys, err)
		}
		must(t, put(bs, "home/bob/notes.txt", "bob's"))
		if body, err := get(bs, "home/bob/notes.txt"); err != nil || body != "bob's" {
			t.Fatalf("bob's get: %q %v", body, err)
		}
		if keys, err := list(bs, "home/bob/"); err != nil || len(keys) != 1 {
			t.Fatalf("bob's list: %v %v", keys, err)
		}
		buckets, err := as.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil || len(buckets.Buckets) != 1 {
			t.Fatalf("list buckets: %v %v", buckets, err)
		}
	})

	t.Run("temporary credentials", func(t *testing.T) {
		// A session of alice's signs for the gateway as her key does; the
		// gateway passes its token on with the key ID.
		sess, err := ts.sts(alice.id, alice.secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
		must(t, err)
		cfg := awsConfig(g.url, "", "", "us-east-1")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(sess.Credentials.AccessKeyId), aws.ToString(sess.Credentials.SecretAccessKey), aws.ToString(sess.Credentials.SessionToken))
		ss := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		if body, err := get(ss, "a.txt"); err != nil || body != "content of a.txt" {
			t.Fatalf("get with a session: %q %v", body, err)
		}
	})

	t.Run("multipart upload", func(t *testing.T) {
		up, err := as.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("alice-data"), Key: aws.String("big.bin")})
		must(t, err)
		parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")}
		var done []s3types.CompletedPart
		for i, p := range parts {
			out, err := as.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("alice-data"), Key: aws.String("big.bin"),
				UploadId: up.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
			must(t, err)
			done = append(done, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
		}
		// Someone else may not finish alice's upload.
		_, err = cs.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("alice-data"), Key: aws.String("big.bin"),
			UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}})
		s3Error(t, err, "AccessDenied", implicit("carol", "s3:PutObject", "arn:aws:s3:::alice-data/big.bin"))
		_, err = as.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("alice-data"), Key: aws.String("big.bin"),
			UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}})
		must(t, err)
		head, err := as.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("alice-data"), Key: aws.String("big.bin")})
		must(t, err)
		if *head.ContentLength != 5<<20+4 {
			t.Fatalf("size %d", *head.ContentLength)
		}
	})

	t.Run("presigned GET", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			c      *s3.Client
			status int
		}{{"allowed", as, 200}, {"refused", cs, 403}} {
			req, err := s3.NewPresignClient(tc.c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alice-data"), Key: aws.String("a.txt")})
			must(t, err)
			resp, err := http.Get(req.URL)
			must(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || tc.status == 200 && string(b) != "content of a.txt" {
				t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, b)
			}
		}
	})

	t.Run("refused by policy", func(t *testing.T) {
		tests := []struct {
			name    string
			do      func() error
			message string
		}{
			{"explicit deny", func() error {
				_, err := as.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("alice-data"), Key: aws.String("keep/b.txt")})
				return err
			}, denied("alice", "s3:DeleteObject", "arn:aws:s3:::alice-data/keep/b.txt", explicitDeny)},
			{"aws:SecureTransport", func() error { return put(as, "tls/x", "x") },
				denied("alice", "s3:PutObject", "arn:aws:s3:::alice-data/tls/x", explicitDeny)},
			{"aws:SourceIp", func() error { _, err := get(as, "office/c.txt"); return err },
				denied("alice", "s3:GetObject", "arn:aws:s3:::alice-data/office/c.txt", explicitDeny)},
			{"aws:CurrentTime", func() error { _, err := get(as, "expired/d.txt"); return err },
				denied("alice", "s3:GetObject", "arn:aws:s3:::alice-data/expired/d.txt", explicitDeny)},
			{"no policy", func() error { _, err := get(cs, "a.txt"); return err },
				implicit("carol", "s3:GetObject", "arn:aws:s3:::alice-data/a.txt")},
			{"no policy, no bucket listing", func() error { _, err := cs.ListBuckets(ctx, &s3.ListBucketsInput{}); return err },
				implicit("carol", "s3:ListAllMyBuckets", "arn:aws:s3:::*")},
			{"outside the resources", func() error {
				_, err := as.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bob-data")})
				return err
			}, implicit("alice", "s3:CreateBucket", "arn:aws:s3:::bob-data")},
			{"group's managed policy, ${aws:username}", func() error { _, err := get(bs, "a.txt"); return err },
				implicit("bob", "s3:GetObject", "arn:aws:s3:::alice-data/a.txt")},
			{"another's home", func() error { return put(bs, "home/alice/x", "x") },
				implicit("bob", "s3:PutObject", "arn:aws:s3:::alice-data/home/alice/x")},
			{"s3:prefix", func() error { _, err := list(bs, "home/alice/"); return err },
				implicit("bob", "s3:ListBucket", "arn:aws:s3:::alice-data")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { s3Error(t, tc.do(), "AccessDenied", tc.message) })
		}
	})

	t.Run("AWS CLI", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "cli.txt")
		must(t, os.WriteFile(file, []byte("from the CLI"), 0o600))
		ok := func(res cliResult, args ...string) string {
			t.Helper()
			if res.code != 0 {
				t.Fatalf("aws %s: %d\n%s", strings.Join(args, " "), res.code, res.stderr)
			}
			return res.stdout
		}
		alices := func(args ...string) cliResult { return g.cli(t, alice.id, alice.secret, args...) }
		// The command lines that do not depend on each other run at once;
		// presigning is the CLI's alone, before the object exists.
		cp := []string{"s3", "cp", file, "s3://alice-data/cli/cli.txt"}
		presign := []string{"s3", "presign", "s3://alice-data/cli/cli.txt"}
		var copied, presigned, kept, carols cliResult
		concurrently(
			func() { copied = alices(cp...) },
			func() { presigned = alices(presign...) },
			func() { kept = alices("s3", "rm", "s3://alice-data/keep/b.txt") },
			func() {
				carols = g.cli(t, carol.id, carol.secret, "s3api", "get-object", "--bucket", "alice-data", "--key", "a.txt", filepath.Join(t.TempDir(), "carol.txt"))
			},
		)
		ok(copied, cp...)
		if kept.code == 0 || !strings.Contains(kept.stderr, "AccessDenied") ||
			!strings.Contains(kept.stderr, denied("alice", "s3:DeleteObject", "arn:aws:s3:::alice-data/keep/b.txt", explicitDeny)) {
			t.Fatalf("s3 rm of a kept object: %d\n%s", kept.code, kept.stderr)
		}
		if carols.code == 0 || !strings.Contains(carols.stderr, implicit("carol", "s3:GetObject", "arn:aws:s3:::alice-data/a.txt")) {
			t.Fatalf("carol's get-object: %d\n%s", carols.code, carols.stderr)
		}
		ls := []string{"s3", "ls", "s3://alice-data/cli/"}
		listed := []string{"s3api", "list-objects-v2", "--bucket", "alice-data", "--prefix", "cli/"}
		got := filepath.Join(t.TempDir(), "got.txt")
		getObject := []string{"s3api", "get-object", "--bucket", "alice-data", "--key", "cli/cli.txt", got}
		var lsOut, listOut, getOut cliResult
		concurrently(
			func() { lsOut = alices(ls...) },
			func() { listOut = alices(listed...) },
			func() { getOut = alices(getObject...) },
		)
		if out := ok(lsOut, ls...); !strings.Contains(out, "cli.txt") {
			t.Fatalf("s3 ls: %s", out)
		}
		if out := ok(listOut, listed...); !strings.Contains(out, `"Key": "cli/cli.txt"`) {
			t.Fatalf("list-objects-v2: %s", out)
		}
		ok(getOut, getObject...)
		if b, _ := os.ReadFile(got); string(b) != "from the CLI" {
			t.Fatalf("get-object wrote %q", b)
		}
		url := strings.TrimSpace(ok(presigned, presign...))
		resp, err := http.Get(url)
		must(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "from the CLI" {
			t.Fatalf("presigned: %d %s", resp.StatusCode, b)
		}
		rm := []string{"s3", "rm", "s3://alice-data/cli/cli.txt"}
		ok(alices(rm...), rm...)
	})

	t.Run("last use", func(t *testing.T) {
		out, err := root.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(alice.id)})
		must(t, err)
		if u := out.AccessKeyLastUsed; aws.ToString(u.ServiceName) != "s3" || aws.ToString(u.Region) != "us-east-1" || u.LastUsedDate == nil {
			t.Fatalf("last used %+v", u)
		}
		waitForReport(t, root)
		rep, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		must(t, err)
		row := reportRows(t, rep.Content)["alice"]
		if row["access_key_1_last_used_service"] != "s3" || row["access_key_1_last_used_region"] != "us-east-1" {
			t.Fatalf("report row %v", row)
		}
		// The console's user page and the Users table, and keyward keys find.
		web := newWebClient(t, ts)
		web.SignIn(rootForm(rootSecret))
		if _, page := web.Get("/console/users/alice"); !strings.Contains(page, "(us-east-1, s3)") {
			t.Fatalf("user page without the S3 use:\n%s", page)
		}
		_, page := web.Get("/console/users")
		tr := page[strings.Index(page, `href="/console/users/alice"`):]
		tr = tr[:strings.Index(tr, "</tr>")]
		if !regexp.MustCompile(`<td data-col="keyused"><time datetime="[^"]+" title="[^"]+">Now</time></td>`).MatchString(tr) {
			t.Fatalf("users table without the S3 use:\n%s", tr)
		}
		found := keywardCLI(t, cliEnv(t, ts), "keys", "find", alice.id, "--output", "json")
		if found.code != 0 || !strings.Contains(found.stdout, `"LastUsedService": "s3"`) {
			t.Fatalf("keys find: %d %s %s", found.code, found.stdout, found.stderr)
		}
	})

	refused := func(code string) func() error {
		return failsWith(code, func() error { _, err := get(as, "a.txt"); return err })
	}
	served := func() error { _, err := get(as, "a.txt"); return err }

	t.Run("a deactivated key is refused within 1 s", func(t *testing.T) {
		_, err := root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.id), Status: "Inactive"})
		must(t, err)
		within(t, "refused", refused("InvalidAccessKeyId"))
		_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.id), Status: "Active"})
		must(t, err)
		within(t, "served again", served)
	})

	t.Run("a policy change applies within 1 s", func(t *testing.T) {
		deny := strings.Replace(alicePolicy, `"Resource":"*"},`, `"Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::alice-data/a.txt"},`, 1)
		_, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(deny)})
		must(t, err)
		within(t, "denied", refused("AccessDenied"))
		_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(alicePolicy)})
		must(t, err)
		within(t, "allowed again", served)
	})

	t.Run("a deleted key is refused within 1 s", func(t *testing.T) {
		_, err := root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(alice.id)})
		must(t, err)
		within(t, "refused", refused("InvalidAccessKeyId"))
	})

	t.Run("a member account's user", func(t *testing.T) {
		// The gateway's verifier identity is of the installation's first
		// account, so it serves every account's keys; each is decided in
		// its own account, and its ARN, which names the account, is what
		// the gateway knows of it.
		orgs := organizations.NewFromConfig(awsConfig(ts.URL, rootKeyID, rootSecret, "us-east-1"))
		_, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
		must(t, err)
		made, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("tenant"), Email: aws.String("tenant@example.com")})
		must(t, err)
		tenant := aws.ToString(made.CreateAccountStatus.AccountId)
		opsID, opsSecret := createUserKey(t, root, "ops")
		_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
		must(t, err)
		// The management account's operator makes the tenant's user
		// through the tenant's OrganizationAccountAccessRole.
		assumed, err := ts.sts(opsID, opsSecret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + tenant + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("ops")})
		must(t, err)
		cfg := awsConfig(ts.URL, "", "", "us-east-1")
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(assumed.Credentials.AccessKeyId),
			aws.ToString(assumed.Credentials.SecretAccessKey), aws.ToString(assumed.Credentials.SessionToken))
		tenantIAM := iam.NewFromConfig(cfg)
		danaID, danaSecret := createUserKey(t, tenantIAM, "dana")
		_, err = tenantIAM.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dana"), PolicyName: aws.String("p"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::dana-*","arn:aws:s3:::dana-*/*"]}]}`)})
		must(t, err)
		ds := g.s3(danaID, danaSecret)
		within(t, "the tenant's user served", func() error {
			_, err := ds.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("dana-data")})
			return err
		})
		_, err = ds.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("dana-data"), Key: aws.String("x"), Body: strings.NewReader("dana's")})
		must(t, err)
		_, err = ds.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("dana-data"), Key: aws.String("x")})
		must(t, err)
		// The first account's bucket is not hers: her refusal names her
		// account, not the gateway's.
		_, err = ds.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("alice-data"), Key: aws.String("a.txt")})
		s3Error(t, err, "AccessDenied", fmt.Sprintf("User: arn:aws:iam::%s:user/dana is not authorized to perform: s3:GetObject on resource: %q %s",
			tenant, "arn:aws:s3:::alice-data/a.txt", fmt.Sprintf(noAllow, "s3:GetObject")))
	})
}

// within polls do until it succeeds, and fails the test if that takes
// more than a second: the bound the README promises on deactivations and
// policy changes reaching a gateway.
func within(t *testing.T, what string, do func() error) {
	t.Helper()
	start := time.Now()
	for {
		err := do()
		if err == nil {
			t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > time.Second {
			t.Fatalf("%s: not after %v: %v", what, time.Since(start), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// failsWith returns a check that do fails with the AWS error code.
func failsWith(code string, do func() error) func() error {
	return func() error {
		var ae smithy.APIError
		if err := do(); errors.As(err, &ae) && ae.ErrorCode() == code {
			return nil
		} else {
			return fmt.Errorf("got %v, want %s", err, code)
		}
	}
}
