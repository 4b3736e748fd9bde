package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
)

// Root credentials the test servers start with.
const (
	rootKeyID  = "AKIAKEYWARDTESTROOT1"
	rootSecret = "keywardTestRootSecretKey0000000000000000"
	accountID  = "123456789012"
)

// clock is the server's injected clock: real time plus an offset that a
// test may move, since the SDK signs with the real time.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Shift(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

type testServer struct {
	*Main
	URL   string
	Clock *clock
	Log   *kwtest.Buffer
	dir   string
}

// startServer runs a whole Keyward in-process on a free port, with its data
// in dir (a new temporary directory when empty).
func startServer(t testing.TB, dir string) *testServer {
	t.Helper()
	return startServerWith(t, dir, nil)
}

// serversStarted counts the test servers of the run.
var serversStarted atomic.Int32

// startServerWith is startServer with a chance to change Main before it runs.
func startServerWith(t testing.TB, dir string, setup func(*Main)) *testServer {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ts := &testServer{Clock: &clock{}, Log: &kwtest.Buffer{}, dir: dir}
	m := NewMain()
	m.Config.Listen = "127.0.0.1:0"
	m.Config.DataDir = dir
	m.Config.AccountID = accountID
	m.Config.RootAccessKeyID = rootKeyID
	m.Config.RootSecretAccessKey = rootSecret
	m.Config.LastUseFlush = 50 * time.Millisecond
	m.Now = ts.Clock.Now
	m.Logger = slog.New(slog.NewTextHandler(ts.Log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m.SignInDelay = 0
	serversStarted.Add(1)
	if auditDir != "" {
		// One stream per data directory (a restarted server appends).
		m.Config.AuditLog = filepath.Join(auditDir, filepath.Base(filepath.Dir(dir))+"-"+filepath.Base(dir)+".jsonl")
	}
	if setup != nil {
		setup(m)
	}
	if m.Config.DatabaseURL == "" && !m.Config.NoMigrate {
		startMigrated(t, m.Config.DataDir)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts.Main = m
	ts.URL = m.URL
	t.Cleanup(func() { m.Close() })
	return ts
}

// startMigrated puts a copy of a migrated database in dir when it has no
// database yet (kwtest.CopyMigrated), so that a test server's start does
// not run every migration. What migrating does is upgrade_test.go's.
func startMigrated(t testing.TB, dir string) {
	t.Helper()
	kwtest.CopyMigrated(t, filepath.Join(dir, "keyward.db"))
}

func awsConfig(url, id, secret, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   sdkhttp.Wrap(nil),
	}
}

func (ts *testServer) iam(id, secret string) *iam.Client {
	return iam.NewFromConfig(awsConfig(ts.URL, id, secret, "us-east-1"))
}

func (ts *testServer) sts(id, secret, region string) *sts.Client {
	return sts.NewFromConfig(awsConfig(ts.URL, id, secret, region))
}

func (ts *testServer) rootIAM() *iam.Client { return ts.iam(rootKeyID, rootSecret) }

// createUserKey creates the user name with one access key through c and
// returns the key's ID and secret.
var createUserKey = kwtest.CreateUserKey

// wantAPIError checks that err is the AWS error code with HTTP status and,
// when message is not empty, exactly that message.
func wantAPIError(t *testing.T, err error, code string, status int, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got error code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if message != "" && ae.ErrorMessage() != message {
		t.Fatalf("got message %q, want %q", ae.ErrorMessage(), message)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("got HTTP status %v, want %d", err, status)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rawDo sends an unsigned or hand-made request and returns status,
// headers and body.
var rawDo = kwtest.RawDo

// keyIDPatternAWS is the shape of AWS's access key IDs.
var keyIDPatternAWS = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)

func trustDoc(statements ...string) *string {
	return aws.String(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)
}
