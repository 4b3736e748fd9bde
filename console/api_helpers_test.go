package console_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/console"
	"github.com/keyward/keyward/console/consoletest"
	"github.com/keyward/keyward/internal/audit"
	"github.com/keyward/keyward/internal/kwtest"
)

// The console's tests of pages and forms, with the Query API beside the
// console as keyward serve routes them, share these helpers.

// apiServer is a Keyward on a clock the test moves, with the console at
// /console/ and the Query API elsewhere on one URL, as keyward serve
// routes them.
type apiServer struct {
	*kwtest.Keyward
	Clock *kwtest.Clock
	// URL serves the console and the API.
	URL string
}

// consoleConfig is the configuration of a test console in front of k, on
// the clock now: k's services, a session key of its own and the log
// discarded. Tests add what they exercise (an audit recorder, OIDC).
func consoleConfig(k *kwtest.Keyward, now func() time.Time) console.Config {
	key := make([]byte, 32)
	rand.Read(key)
	return console.Config{IAM: k.IAM, STS: k.STS, Reports: k.Reports, Organizations: k.Organizations, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: now, Rand: rand.Reader, SessionKey: key}
}

// serveConsole serves the console cfg describes until the test ends.
func serveConsole(t *testing.T, cfg console.Config) *httptest.Server {
	t.Helper()
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

func newAPIServer(t *testing.T) *apiServer {
	t.Helper()
	clock := kwtest.NewClock(time.Now().UTC().Truncate(time.Second))
	k := kwtest.NewWithClock(t, clock.Now)
	cfg := consoleConfig(k, clock.Now)
	cfg.Lifecycle, cfg.Logger, cfg.Audit = k.Lifecycle, slog.New(slog.NewTextHandler(k.Log, nil)), k.Audit
	c, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/console/", c)
	mux.Handle("GET /favicon.ico", c)
	mux.Handle("POST /saml", c)
	mux.Handle("GET /saml/metadata", c)
	mux.Handle("GET /console", c)
	mux.Handle("/", console.Home(k.API))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &apiServer{Keyward: k, Clock: clock, URL: srv.URL}
}

var wantAPIError = kwtest.WantAPIError

const awsPolicy = "arn:aws:iam::aws:policy/"

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// webClient is the console's client of a test's server, with what the
// console's tests ask of it beyond signing in and reading pages.
type webClient struct {
	*consoletest.Client
	t  testing.TB
	ts *apiServer
}

func newWebClient(t testing.TB, ts *apiServer) *webClient {
	return &webClient{Client: consoletest.NewClient(t, ts.URL), t: t, ts: ts}
}

var csrfOf = consoletest.CSRF

func rootForm(secret string) url.Values {
	return url.Values{"kind": {"root"}, "accesskey": {kwtest.RootKeyID}, "secret": {secret}}
}

// userForm is the sign-in form of the user name of the installation's
// first account.
func userForm(name, password string) url.Values {
	return url.Values{"kind": {"user"}, "account": {kwtest.AccountID}, "username": {name}, "password": {password}}
}

// signedIn is a web client signed in with form; the test stops when the
// sign-in is refused.
func signedIn(t *testing.T, ts *apiServer, form url.Values) *webClient {
	t.Helper()
	web := newWebClient(t, ts)
	if resp := web.SignIn(form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s%s signs in: %d", form.Get("kind"), form.Get("username"), form.Get("accesskey"), resp.StatusCode)
	}
	return web
}

// signedInRoot is a web client signed in as the first account's root user.
func signedInRoot(t *testing.T, ts *apiServer) *webClient {
	t.Helper()
	return signedIn(t, ts, rootForm(kwtest.RootSecret))
}

func (c *webClient) token() string {
	c.t.Helper()
	_, page := c.Get("/console/users/new")
	return csrfOf(c.t, page)
}

// signedCookie splits the console's signed cookie name, which hc holds
// for u, into its payload, the payload decoded and its signature; the
// test stops when hc holds no such cookie.
func signedCookie(t *testing.T, hc *http.Client, u, name string) (payload string, raw []byte, sig string) {
	t.Helper()
	for _, ck := range hc.Jar.Cookies(mustParse(t, u)) {
		if ck.Name == name {
			payload, sig, _ = strings.Cut(ck.Value, ".")
			raw, err := base64.RawURLEncoding.DecodeString(payload)
			must(t, err)
			return payload, raw, sig
		}
	}
	t.Fatalf("no cookie %s for %s", name, u)
	return "", nil, ""
}

// consoleUser makes the user name in the account ctx acts in (root() for
// the first), with the console password unless password is "", and the
// inline policy p of that document unless policy is "".
func consoleUser(t *testing.T, k *kwtest.Keyward, ctx context.Context, name, password, policy string) {
	t.Helper()
	_, err := k.IAM.CreateUser(ctx, name, "/", nil)
	must(t, err)
	if password != "" {
		_, err = k.IAM.CreateLoginProfile(ctx, name, password, false)
		must(t, err)
	}
	if policy != "" {
		must(t, k.IAM.PutInlinePolicy(ctx, keyward.Entity{Kind: keyward.EntityUser, Name: name}, "p", policy))
	}
}

// trailEvent is what the tests read of an event of the trail: its name
// and, from its record, who made it and the error it answered.
type trailEvent struct {
	Name         string
	UserIdentity struct{ Type, ARN string } `json:"userIdentity"`
	ErrorCode    string                     `json:"errorCode"`
	ErrorMessage string                     `json:"errorMessage"`
}

// trail flushes rec and returns the events of the first account of k
// that q finds.
func trail(t *testing.T, k *kwtest.Keyward, rec *audit.Recorder, q keyward.EventQuery) []trailEvent {
	t.Helper()
	ctx := context.Background()
	must(t, rec.Flush(ctx))
	events, _, err := k.IAM.Store.LookupEvents(ctx, q)
	must(t, err)
	out := make([]trailEvent, len(events))
	for i, e := range events {
		must(t, json.Unmarshal(e.Record, &out[i]))
		out[i].Name = e.Name
	}
	return out
}

// wantChanges fails the test unless the events but the console's
// sign-ins (ConsoleLogin), each as line writes it, are want, in any order.
func wantChanges(t *testing.T, events []trailEvent, line func(trailEvent) string, want ...string) {
	t.Helper()
	var got []string
	for _, e := range events {
		if e.Name != "ConsoleLogin" {
			got = append(got, line(e))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

// trustAccount is a trust policy that lets the account's principals
// assume a role.
const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// Fixtures of an SSH key and a signing certificate
// (testdata/credentials/README.md).
var (
	testSSHKey      = readFixture("ssh.pub")
	testCertificate = readFixture("cert.pem")
)

func readFixture(name string) string {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "credentials", name))
	if err != nil {
		panic(err)
	}
	return string(b)
}
