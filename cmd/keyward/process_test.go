package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/keyward/keyward/internal/kwtest"
)

// built is the keyward command, built once for the tests that run it as a
// separate process (to kill it, or to see it refuse to start). It is built
// in the background while the first tests, which need no process, run.
var built struct {
	done chan struct{}
	path string
	err  error
}

// binary returns the keyward command, waiting for its build.
func binary(t testing.TB) string {
	t.Helper()
	<-built.done
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyward-bin")
	if err != nil {
		panic(err)
	}
	built.path = filepath.Join(dir, "keyward")
	built.done = make(chan struct{})
	go func() {
		defer close(built.done)
		// Built as make dist builds a release (static, -trimpath), with a
		// version of its own: make test's other builds of keyward are the
		// release's too, and this one takes their compiled packages.
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X "+buildinfoPkg+".version="+testVersion+" -X "+buildinfoPkg+".commit="+testCommit, "-o", built.path, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("building keyward: %v\n%s", err, out)
		}
	}()
	// Every test server streams its audit events here; once all tests
	// have run, every event of the run is searched for secrets.
	auditDir = filepath.Join(dir, "audit")
	if err := os.Mkdir(auditDir, 0o700); err != nil {
		panic(err)
	}
	code := m.Run()
	if code == 0 {
		// A whole run (dozens of servers) makes hundreds of events; a run of
		// a few tests may make none.
		atLeast := 0
		if serversStarted.Load() >= 20 {
			atLeast = 100
		}
		if err := secretsInEvents(auditDir, atLeast); err != nil {
			fmt.Fprintln(os.Stderr, "audit trail of the whole run:", err)
			code = 1
		}
	}
	<-built.done
	os.RemoveAll(dir)
	os.Exit(code)
}

// onFreePort starts a peer that cannot be told to listen on a port of
// the kernel's choice and say which (versitygw, nginx): start runs it on
// addr, a port free a moment before, and reports whether the peer found
// it taken in the meantime (by another test's listener or connection),
// when it is started again on another.
func onFreePort(t *testing.T, start func(addr string) (taken bool)) {
	t.Helper()
	for attempt := 1; start(freeAddr(t)); attempt++ {
		if attempt == 3 {
			t.Fatal("three free ports were taken before the peer could listen on one")
		}
	}
}

// portTaken says whether a peer's log says its port was taken.
func portTaken(log string) bool {
	return strings.Contains(strings.ToLower(log), "address already in use")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	stderr *kwtest.Buffer
	// addr is the API's address; metrics, verifier and debug those of
	// --metrics-listen, --verifier-listen and --debug-listen when given:
	// each as the process announced it, having listened on a port of the
	// kernel's choice.
	addr, metrics, verifier, debug string
}

// startProcess runs `keyward serve` on dir with env and waits until it is
// healthy.
func startProcess(t *testing.T, dir string, env ...string) *process {
	t.Helper()
	p, err := launch(t, dir, env...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch is startProcess without failing the test, for goroutines.
func launch(t *testing.T, dir string, env ...string) (*process, error) {
	p, err := spawn(t, env, "serve", "--data", dir, "--listen", kwtest.AnyPort, "--last-use-flush", "100ms")
	if err != nil {
		return nil, err
	}
	attrs, err := p.serving()
	if err != nil {
		return nil, err
	}
	p.addr = hostPort(attrs["api"])
	p.metrics, p.verifier, p.debug = hostPort(attrs["metrics"]), attrs["verifier_mtls"], hostPort(attrs["debug"])
	resp, err := http.Get("http://" + p.addr + "/healthz")
	if err != nil {
		return nil, fmt.Errorf("keyward announced %s but does not answer there: %v\n%s", p.addr, err, p.stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("keyward is not healthy: %s\n%s", resp.Status, p.stderr.String())
	}
	return p, nil
}

// spawn starts keyward with args, and env added to the environment, and
// kills it when the test ends; it does not wait for anything. Its log is
// read as it is written, and exited closes when it exits.
func spawn(t *testing.T, env []string, args ...string) (*process, error) {
	<-built.done
	if built.err != nil {
		return nil, built.err
	}
	p := &process{}
	var err error
	p.cmd, p.stderr, p.exited, err = kwtest.Spawn(t, built.path, env, args...)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// serving waits until the process says it serves, and returns the
// attributes of its "keyward serving" line.
func (p *process) serving() (map[string]string, error) {
	return kwtest.WaitServing(p.stderr, p.exited, 20*time.Second)
}

// hostPort is the host and port of an announced URL ("http://h:p/path"),
// or "" for none.
func hostPort(announced string) string {
	if announced == "" {
		return ""
	}
	u, err := url.Parse(announced)
	if err != nil {
		return ""
	}
	return u.Host
}

var rootEnv = []string{"KEYWARD_ROOT_ACCESS_KEY_ID=" + rootKeyID, "KEYWARD_ROOT_SECRET_ACCESS_KEY=" + rootSecret, "KEYWARD_ACCOUNT_ID=" + accountID}

// wait waits for the process to exit and returns its exit code.
func (p *process) wait() int {
	<-p.exited
	return p.cmd.ProcessState.ExitCode()
}

func (p *process) iam(id, secret string) *iam.Client {
	return iam.NewFromConfig(awsConfig("http://"+p.addr, id, secret, "us-east-1"))
}

// TestKill9KeepsAcknowledgedWrites kills a server that acknowledged writes,
// without any chance to flush, and checks that a new one has them all.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProcess(t, dir, rootEnv...)
	c := p.iam(rootKeyID, rootSecret)
	ctx := context.Background()
	type created struct{ user, id, secret string }
	var acked []created
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("user%d", i)
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		must(t, err)
		k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		must(t, err)
		acked = append(acked, created{name, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey})
	}
	_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("user0"), AccessKeyId: aws.String(acked[0].id), Status: "Inactive"})
	must(t, err)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.wait()

	p = startProcess(t, dir, rootEnv...)
	c = p.iam(rootKeyID, rootSecret)
	for i, a := range acked {
		keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(a.user)})
		must(t, err)
		if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != a.id {
			t.Fatalf("%s lost its key: %+v", a.user, keys.AccessKeyMetadata)
		}
		wantStatus := "Active"
		if i == 0 {
			wantStatus = "Inactive"
		}
		if string(keys.AccessKeyMetadata[0].Status) != wantStatus {
			t.Fatalf("%s's key is %s, want %s", a.user, keys.AccessKeyMetadata[0].Status, wantStatus)
		}
	}
	// The keys still sign after the crash: their secrets survived, sealed.
	who, err := sts.NewFromConfig(awsConfig("http://"+p.addr, acked[3].id, acked[3].secret, "us-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if *who.Arn != "arn:aws:iam::123456789012:user/user3" {
		t.Fatalf("caller %s", *who.Arn)
	}
}

// TestGracefulShutdownFlushesLastUse stops a server with SIGTERM right
// after a use and finds the use recorded.
func TestGracefulShutdownFlushesLastUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProcess(t, dir, rootEnv...)
	ctx := context.Background()
	_, err := sts.NewFromConfig(awsConfig("http://"+p.addr, rootKeyID, rootSecret, "sa-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.stderr.String())
	}
	p = startProcess(t, dir, rootEnv...)
	// Ask with a client in another region, so this call cannot be the use seen.
	out, err := p.iam(rootKeyID, rootSecret).GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(rootKeyID)})
	must(t, err)
	if got := aws.ToString(out.AccessKeyLastUsed.Region); got != "sa-east-1" && got != "us-east-1" {
		t.Fatalf("last use region %q", got)
	}
	if aws.ToString(out.AccessKeyLastUsed.ServiceName) == "N/A" {
		t.Fatal("use before SIGTERM lost")
	}
}

// TestFirstStart checks what `make run` relies on: a generated account,
// root credentials in the console's .csv format, owner-only files, and a
// log line that says where the credentials are.
func TestFirstStart(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	dir := t.TempDir()
	p := startProcess(t, dir)
	credsPath := filepath.Join(dir, "root-credentials.csv")
	for _, f := range []string{credsPath, filepath.Join(dir, "master.key"), filepath.Join(dir, "keyward.db")} {
		fi, err := os.Stat(f)
		must(t, err)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	f, err := os.Open(credsPath)
	must(t, err)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	must(t, err)
	if len(rows) != 2 || rows[0][0] != "Access key ID" || rows[0][1] != "Secret access key" ||
		!keyIDPatternAWS.MatchString(rows[1][0]) || len(rows[1][1]) != 40 {
		t.Fatalf("root-credentials.csv: %q", rows)
	}
	if !strings.Contains(p.stderr.String(), credsPath) {
		t.Fatalf("log does not say where the root credentials are:\n%s", p.stderr.String())
	}
	who, err := sts.NewFromConfig(awsConfig("http://"+p.addr, rows[1][0], rows[1][1], "us-east-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	must(t, err)
	if !strings.HasSuffix(*who.Arn, ":root") || len(*who.Account) != 12 {
		t.Fatalf("caller %+v", who)
	}
	// The account ID is kept across restarts.
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	p = startProcess(t, dir)
	who2, err := sts.NewFromConfig(awsConfig("http://"+p.addr, rows[1][0], rows[1][1], "us-east-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	must(t, err)
	if *who2.Account != *who.Account {
		t.Fatalf("account changed from %s to %s", *who.Account, *who2.Account)
	}
}

// TestWrongMasterKeyRefusesToStart starts on data sealed with another
// master key: the server must refuse before serving anything.
func TestWrongMasterKeyRefusesToStart(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	dir := t.TempDir()
	p := startProcess(t, dir, append(rootEnv, "KEYWARD_MASTER_KEY="+strings.Repeat("ab", 32))...)
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait()
	cmd := exec.Command(binary(t), "serve", "--data", dir, "--listen", kwtest.AnyPort)
	cmd.Env = append(os.Environ(), append(rootEnv, "KEYWARD_MASTER_KEY="+strings.Repeat("cd", 32))...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("started with the wrong master key:\n%s", out)
	}
	if !strings.Contains(string(out), "master key cannot decrypt the stored secrets") {
		t.Fatalf("unclear refusal:\n%s", out)
	}
}

// TestSIGHUPWhileStarting: a reload asked for while the server starts
// (systemd's ExecReload, an operator's kill -HUP) waits for the start and
// is done then; it never ends the process, which is SIGHUP's default.
func TestSIGHUPWhileStarting(t *testing.T) {
	t.Parallel()
	p, err := spawn(t, rootEnv, "serve", "--data", t.TempDir(), "--listen", kwtest.AnyPort)
	must(t, err)
	// "keyward starting" is the first line of the start, which goes on to
	// open the store, make the account and its key, and listen.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(p.stderr.String(), `msg="keyward starting"`); {
		select {
		case <-p.exited:
			t.Fatalf("keyward exited:\n%s", p.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("keyward did not start:\n%s", p.stderr.String())
		}
	}
	must(t, p.cmd.Process.Signal(syscall.SIGHUP))
	attrs, err := p.serving()
	must(t, err)
	resp, err := http.Get(attrs["api"] + "/healthz")
	must(t, err)
	resp.Body.Close()
	select {
	case <-p.exited:
		t.Fatalf("keyward exited after a SIGHUP while starting:\n%s", p.stderr.String())
	default:
	}
}

// TestDebugListen: --debug-listen serves Go's profiles on its own
// address, which the process announces (its port the kernel's choice
// here), and never on the API's.
func TestDebugListen(t *testing.T) {
	t.Parallel()
	p := startProcess(t, t.TempDir(), append(rootEnv, "KEYWARD_DEBUG_LISTEN="+kwtest.AnyPort)...)
	if p.debug == "" || p.debug == kwtest.AnyPort || p.debug == p.addr {
		t.Fatalf("debug address announced as %q (API %s)", p.debug, p.addr)
	}
	get := func(addr string) int {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/debug/pprof/")
		must(t, err)
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	if code := get(p.debug); code != http.StatusOK {
		t.Fatalf("profiles on the announced address: %d", code)
	}
	if code := get(p.addr); code == http.StatusOK {
		t.Fatal("the API's address serves the profiles")
	}
}

// TestSecretsNeverStoredOrLogged looks for every secret in every file the
// server wrote and in its log.
func TestSecretsNeverStoredOrLogged(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, "", cheapPasswords)
	c := ts.rootIAM()
	ctx := context.Background()
	secrets := []string{rootSecret}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("s%d", i)
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		must(t, err)
		k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		must(t, err)
		secrets = append(secrets, *k.AccessKey.SecretAccessKey)
		_, err = ts.sts(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
	}
	// A console password, hashed, never stored or logged as given; and a
	// refused one must not be echoed in the error.
	const pw = "Console-Passw0rd!"
	secrets = append(secrets, pw)
	_, err := c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("s0"), Password: aws.String(pw)})
	must(t, err)
	_, err = c.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("s0"), Password: aws.String(strings.Repeat(pw, 10))})
	wantAPIError(t, err, "ValidationError", 400, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128")
	// A failed signature must not echo anything secret either.
	_, err = ts.sts(rootKeyID, secrets[1], "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", 403, "")
	dir := ts.dir
	must(t, ts.Close())
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no data files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret in plaintext", filepath.Base(f))
			}
		}
	}
	log := ts.Log.String()
	if !strings.Contains(log, "CreateAccessKey") {
		t.Fatalf("log has no request lines:\n%s", log)
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Error("log holds a secret")
		}
	}
	// Each request line names request ID, action, caller, outcome, latency.
	sc := bufio.NewScanner(strings.NewReader(log))
	found := false
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, "action=CreateAccessKey") {
			found = true
			for _, field := range []string{"request_id=", "caller=arn:aws:iam::123456789012:root", "outcome=OK", "latency="} {
				if !strings.Contains(l, field) {
					t.Errorf("log line lacks %s: %s", field, l)
				}
			}
		}
	}
	if !found {
		t.Error("no CreateAccessKey log line")
	}
}

// TestJSONLogsCarryRequestIDs: with --log-format json every request's log
// line is a JSON object whose request_id is the RequestId the client saw.
func TestJSONLogsCarryRequestIDs(t *testing.T) {
	t.Parallel()
	p := startProcess(t, t.TempDir(), append(rootEnv, "KEYWARD_LOG_FORMAT=json")...)
	var md middleware.Metadata
	out, err := p.iam(rootKeyID, rootSecret).CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	md = out.ResultMetadata
	reqID, ok := awsmiddleware.GetRequestIDMetadata(md)
	if !ok || reqID == "" {
		t.Fatal("no request ID in the response")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, l := range strings.Split(p.stderr.String(), "\n") {
			var line struct {
				Msg, Action, Outcome string
				RequestID            string `json:"request_id"`
			}
			if json.Unmarshal([]byte(l), &line) == nil && line.RequestID == reqID {
				if line.Msg != "request" || line.Action != "CreateUser" || line.Outcome != "OK" {
					t.Fatalf("log line %s", l)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no JSON log line with request_id %s:\n%s", reqID, p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSIGTERMFinishesRequestsInFlight: a request whose body is still
// arriving when SIGTERM comes is answered in full before the process
// exits, and a new connection is no longer accepted.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	p := startProcess(t, t.TempDir(), rootEnv...)
	form := "Action=GetCallerIdentity&Version=2011-06-15"
	req, err := http.NewRequest("POST", "http://"+p.addr+"/", strings.NewReader(form))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	must(t, v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
		req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()))
	conn, err := net.Dial("tcp", p.addr)
	must(t, err)
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n", p.addr, len(form))
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	_, err = conn.Write(head.Bytes())
	must(t, err)
	// The server answers "100 Continue" when its handler starts reading the
	// body: from then on the request is in flight, its body still to come.
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	must(t, err)
	if cont.StatusCode != http.StatusContinue {
		t.Fatalf("got %d before the body, want 100 Continue", cont.StatusCode)
	}
	must(t, p.cmd.Process.Signal(syscall.SIGTERM))
	// The shutdown has begun once the listener refuses new connections;
	// the request in flight still has its connection.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after SIGTERM")
		}
	}
	_, err = conn.Write([]byte(form))
	must(t, err)
	resp, err := http.ReadResponse(br, nil)
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<Arn>arn:aws:iam::"+accountID+":root</Arn>") {
		t.Fatalf("the request in flight: %d %s", resp.StatusCode, body)
	}
	if code := p.wait(); code != 0 {
		t.Fatalf("exit status %d\n%s", code, p.stderr.String())
	}
}
