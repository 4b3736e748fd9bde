// Package guard puts Keyward's access keys and policies in front of a Go
// HTTP service, in one line:
//
//	g, err := guard.New(ctx, guard.Config{Endpoint: "/run/keyward/verify.sock", ...})
//	http.ListenAndServe(addr, g.Wrap(mux))
//
// For each request the guard checks the client's AWS Signature Version 4
// itself, with the signing key Keyward derives for the key's scope (cached
// per key, day, region and service; the secret never leaves Keyward),
// asks Keyward whether the signer may perform Config.Action on the
// request's resource, and hands the wrapped handler the request with its
// caller in the context (see CallerFrom). A refusal is answered with AWS's
// XML error. Keyward records each use as the key's last use.
//
// The guard speaks Keyward's verifier protocol (keyward serve
// --verifier-socket or --verifier-listen with mutual TLS) as an identity
// of its own, which must be allowed keyward:Verify.
//
// Accounts: one installation holds many accounts, and the guard lets every
// account's principals through, each decided by its own account's
// policies, unless Config.Accounts names the only accounts that pass.
//
// Paths: the default resource names the request's path, decoded. A path
// that a handler could read as another one ("..", "//", "%2F", "%2e", ";",
// a backslash…; see wire.DecisionPath) is refused with AccessDenied, so
// that the decision is on what the handler serves.
//
// Request bodies: a client signs the SHA-256 of its body. Without
// X-Amz-Content-Sha256, and with it for a body within
// Config.MaxBufferedBody (its length declared or, sent chunked, not), the
// guard reads the body first and the handler runs only for the body
// signed. A longer body with its hash declared, as the AWS SDKs do for S3,
// streams to the handler while the guard hashes it, and a body that does
// not match makes the handler's read fail with ErrPayloadMismatch at its
// end: a handler must not act on such a body before it has read it to the
// end without error.
package guard

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sigv4"
	"github.com/keyward/keyward/verify/wire"
)

// Config configures a Guard.
type Config struct {
	// Endpoint is Keyward's verifier: a unix socket path (keyward serve
	// --verifier-socket), or host:port of --verifier-listen, which needs
	// TLS with a client certificate Keyward trusts.
	Endpoint string
	TLS      *tls.Config
	// AccessKeyID and SecretAccessKey are the guard's own identity, which
	// must be allowed keyward:Verify.
	AccessKeyID, SecretAccessKey string

	// APIID and Stage name the service in the resource decided:
	// arn:aws:execute-api:{region}:{account}:{APIID}/{Stage}/{METHOD}/{path},
	// as API Gateway names a request for IAM authorisation.
	APIID, Stage string
	// Region, when set, is the service's region: a signature for another
	// region is refused. Without it the region of the ARN decided is the
	// one the client signed for, its own choice, which no Deny written for
	// one region matches.
	Region string
	// Accounts, when set, are the only accounts (12-digit IDs) whose
	// principals pass: any other account's is refused with AccessDenied,
	// whatever its own policies allow, as API Gateway refuses another
	// account's principal that the API's resource policy does not grant.
	// Without it every account of the installation passes, each principal
	// decided by its own account's policies (a root user, which no policy
	// of its own limits, passes unless an SCP denies it). A principal's
	// account is the one Keyward names in its decision: a role session's is
	// the role's, whichever account assumed it.
	Accounts []string
	// Service is the SigV4 service clients sign for (default
	// "execute-api"), Action the action decided (default
	// "execute-api:Invoke").
	Service, Action string
	// Resource, when set, names the resource of a request instead. It
	// gets the request as the client sent it: it must name the resource
	// the handler will serve (the default refuses a path that is not in
	// normal form, see wire.DecisionPath, because a handler may resolve
	// "..", "//" or escapes that the decision would not).
	Resource func(r *http.Request, region, accountID string) string

	// MaxBufferedBody bounds a body read before the handler runs (default
	// 1 MiB): a larger one is refused if its client did not declare its
	// hash, and streams to the handler if it did.
	MaxBufferedBody int64
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD,
	// whose body no signature protects.
	AllowUnsignedPayload bool
	// Timeout bounds each question to Keyward (default 5 s).
	Timeout time.Duration
	// MaxKeys bounds the signing keys cached (default 10,000).
	MaxKeys int
	// Now is the clock signatures are checked against (default time.Now).
	Now func() time.Time
	// Logger receives Keyward's failures (default slog.Default()).
	Logger *slog.Logger
}

// Caller is who signed a request the guard let through, as Keyward named
// the principal in its decision of that request.
type Caller struct {
	// PrincipalARN is the IAM user's ARN, or the account's root ARN.
	PrincipalARN string
	// UserName is empty for the root user.
	UserName    string
	AccessKeyID string
	// AccountID is the principal's account, which its ARN names: a role
	// session's is the role's, whichever account's principal assumed the
	// role.
	AccountID string
	// Region is the region the client signed for.
	Region string
}

type callerKey struct{}

// CallerFrom returns the caller of a request the guard let through.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// ErrPayloadMismatch is what reading a body fails with at its end when the
// body is not the one the client signed.
var ErrPayloadMismatch = errors.New("guard: the request body does not match its signed X-Amz-Content-Sha256")

// Guard checks requests against Keyward.
type Guard struct {
	cfg      Config
	client   *client
	verifier sigv4.Verifier
	account  string

	mu   sync.RWMutex
	keys map[string]*sigv4.SigningKey // by access key ID and scope
}

// New returns a Guard for cfg, after asking Keyward who it is: a guard
// that Keyward would refuse fails here, not on the first request.
func New(ctx context.Context, cfg Config) (*Guard, error) {
	if cfg.Endpoint == "" || cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("guard: Endpoint, AccessKeyID and SecretAccessKey are required")
	}
	if cfg.Resource == nil && (cfg.APIID == "" || cfg.Stage == "") {
		return nil, errors.New("guard: APIID and Stage (or Resource) are required")
	}
	if cfg.Service == "" {
		cfg.Service = wire.InvokeService
	}
	if cfg.Region != "" && !sigv4.ValidRegionName(cfg.Region) {
		return nil, fmt.Errorf("guard: %q is not a region's name", cfg.Region)
	}
	for _, id := range cfg.Accounts {
		if !wire.ValidAccountID(id) {
			return nil, fmt.Errorf("guard: Accounts: %q is not an account ID (12 digits)", id)
		}
	}
	// The guard's own copy: a caller changing its slice later must not
	// change who passes.
	cfg.Accounts = slices.Clone(cfg.Accounts)
	if keyward.OwnService(cfg.Service) {
		// Keyward never derives such keys: they would sign its own API.
		return nil, fmt.Errorf("guard: %s is a service Keyward answers itself; a guarded service has a name of its own", cfg.Service)
	}
	if cfg.Action == "" {
		cfg.Action = wire.InvokeAction
	}
	if cfg.MaxBufferedBody == 0 {
		cfg.MaxBufferedBody = 1 << 20
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	v, err := c.version(ctx)
	if err != nil {
		return nil, err
	}
	if v.MinClient > wire.ProtocolVersion {
		return nil, fmt.Errorf("guard: Keyward serves protocol %d and newer; this guard speaks %d", v.MinClient, wire.ProtocolVersion)
	}
	return &Guard{cfg: cfg, client: c, verifier: sigv4.Verifier{Now: cfg.Now}, account: v.AccountID,
		keys: make(map[string]*sigv4.SigningKey)}, nil
}

// Wrap returns next behind the guard.
func (g *Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, body, err := g.check(r)
		if err != nil {
			g.refuse(w, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), callerKey{}, caller))
		r.Body = body
		next.ServeHTTP(w, r)
	})
}

// check authenticates r and asks Keyward for the decision. It returns the
// body the handler reads in place of r's.
func (g *Guard) check(r *http.Request) (Caller, io.ReadCloser, error) {
	a, err := sigv4.Parse(r)
	if err != nil {
		return Caller{}, nil, err
	}
	if a.Service != g.cfg.Service {
		return Caller{}, nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'.", g.cfg.Service)
	}
	if g.cfg.Region != "" && a.Region != g.cfg.Region {
		return Caller{}, nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Credential should be scoped to a valid region, not '%s'.", a.Region)
	}
	// The decision names the method, and a handler may read "get" as GET.
	if err := wire.DecisionMethod(r.Method); err != nil {
		return Caller{}, nil, err
	}
	// Until the signature is checked the client is nobody: what the guard
	// does for it is bounded by what costs nothing to check first. A
	// request out of the clock's window asks Keyward nothing, and one
	// whose key Keyward does not know has none of its body read.
	if err := g.verifier.CheckTime(&a); err != nil {
		return Caller{}, nil, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Timeout)
	defer cancel()
	key, cached, err := g.signingKey(ctx, &a)
	if err != nil {
		return Caller{}, nil, err
	}
	payloadHash, body, err := g.payload(r)
	if err != nil {
		return Caller{}, nil, err
	}
	if err := g.verifier.VerifyPayloadHash(r, payloadHash, &a, key); err != nil {
		return Caller{}, nil, err
	}
	if !cached {
		g.remember(&a, key)
	}
	var resource string
	if g.cfg.Resource != nil {
		resource = g.cfg.Resource(r, a.Region, g.account)
	} else {
		// The decision is on the path the handler serves: one that a
		// handler could read otherwise than written is refused.
		path, err := wire.DecisionPath(wirePath(r))
		if err != nil {
			return Caller{}, nil, err
		}
		resource = "arn:aws:execute-api:" + a.Region + ":" + g.account + ":" + g.cfg.APIID + "/" + g.cfg.Stage + "/" + r.Method + path
	}
	// The caller is the principal Keyward names in its answer to this
	// request, not the one named when the signing key was cached: a user
	// renamed or moved keeps its keys, and another may take its old name.
	decision, principal, err := g.client.evaluate(ctx, wire.EvaluatePolicyRequest{AccessKeyID: a.AccessKeyID, SessionToken: a.SecurityToken,
		Actions: []string{g.cfg.Action}, Resources: []string{resource}, Condition: conditions(r, g.cfg.Now()),
		Region: a.Region, Service: g.cfg.Service})
	switch {
	case errors.Is(err, errNoSuchIdentity):
		return Caller{}, nil, invalidKey
	case err != nil:
		return Caller{}, nil, err
	case decision == wire.DecisionDeny:
		return Caller{}, nil, keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy",
			principal, g.cfg.Action, keyward.Clip(resource))
	case decision != wire.DecisionAllow:
		return Caller{}, nil, keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			principal, g.cfg.Action, keyward.Clip(resource), g.cfg.Action)
	case len(g.cfg.Accounts) > 0 && !slices.Contains(g.cfg.Accounts, arnAccount(principal)):
		// The decision above is the principal's own account's, whose
		// administrator may allow anything (its root user is allowed
		// everything): only the service's configuration opens the service
		// to an account, and the account is the one Keyward names, never
		// one the client says. Keyward recorded the use as it decided, as
		// it does for a refusal by policy.
		return Caller{}, nil, wire.AccountRefused(principal, g.cfg.Action, resource)
	}
	// A handler that decodes a body (json.Decoder) stops once its value is
	// complete and may never ask for the end, where a body that is not the
	// one signed fails the read; so a body within MaxBufferedBody is checked
	// before the handler runs (once the request is allowed), and only a
	// longer one streams. A body of unknown length (chunked, with no
	// Content-Length signed) is read up to the bound to learn which it is:
	// its length is the client's to choose, so it must not decide whether
	// the hash is checked first.
	if hb, ok := body.(*hashingBody); ok && r.ContentLength <= g.cfg.MaxBufferedBody {
		buf, err := io.ReadAll(io.LimitReader(hb, g.cfg.MaxBufferedBody+1))
		switch {
		case errors.Is(err, ErrPayloadMismatch):
			return Caller{}, nil, keyward.Errorf(keyward.ESignatureDoesNotMatch, "The request body does not match its signed X-Amz-Content-Sha256.")
		case err != nil || r.ContentLength >= 0 && int64(len(buf)) != r.ContentLength:
			return Caller{}, nil, keyward.Errorf(keyward.EIncompleteSignature, "The request body could not be read.")
		case int64(len(buf)) > g.cfg.MaxBufferedBody:
			// Longer than the bound, so its end is not yet read: it
			// streams as a longer body of known length does, the bytes
			// read first ahead of the rest, all of them hashed.
			body = readCloser{io.MultiReader(bytes.NewReader(buf), hb), hb}
		default:
			body = io.NopCloser(bytes.NewReader(buf))
		}
	}
	c := Caller{PrincipalARN: principal, AccessKeyID: a.AccessKeyID, AccountID: arnAccount(principal), Region: a.Region}
	if i := strings.Index(principal, ":user/"); i >= 0 {
		c.UserName = principal[strings.LastIndexByte(principal, '/')+1:]
	}
	return c, body, nil
}

// arnAccount returns the account a principal's ARN names (its fifth
// field), as Keyward wrote it.
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[4]
}

// wirePath returns r's path as the client wrote it, escapes included.
func wirePath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		path, _, _ := strings.Cut(u, "?")
		return path
	}
	return r.URL.EscapedPath()
}

var invalidKey = keyward.Errorf(keyward.EInvalidClientTokenID, "The security token included in the request is invalid.")

// emptyHash is the SHA-256 of no bytes.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// payload returns the payload hash the client signed and the body the
// handler will read: hashed as it streams when the client declared its
// hash, read first (within MaxBufferedBody) when not.
func (g *Guard) payload(r *http.Request) (string, io.ReadCloser, error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case declared == "UNSIGNED-PAYLOAD":
		if !g.cfg.AllowUnsignedPayload {
			return "", nil, keyward.Errorf(keyward.EIncompleteSignature, "This service requires a signed payload: X-Amz-Content-Sha256 must be the body's SHA-256.")
		}
		return declared, r.Body, nil
	case declared != "":
		if len(declared) != 64 || strings.ToLower(declared) != declared {
			return "", nil, keyward.Errorf(keyward.EIncompleteSignature, "The X-Amz-Content-Sha256 header must be a lower-case hex SHA-256.")
		}
		if _, err := hex.DecodeString(declared); err != nil {
			return "", nil, keyward.Errorf(keyward.EIncompleteSignature, "The X-Amz-Content-Sha256 header must be a lower-case hex SHA-256.")
		}
		return declared, &hashingBody{ReadCloser: r.Body, want: declared, h: sha256.New()}, nil
	case r.ContentLength == 0:
		return emptyHash, r.Body, nil
	case r.ContentLength > g.cfg.MaxBufferedBody:
		return "", nil, tooLarge(g.cfg.MaxBufferedBody)
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, g.cfg.MaxBufferedBody+1))
	if err != nil {
		return "", nil, keyward.Errorf(keyward.EIncompleteSignature, "The request body could not be read.")
	}
	if int64(len(buf)) > g.cfg.MaxBufferedBody {
		return "", nil, tooLarge(g.cfg.MaxBufferedBody)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:]), io.NopCloser(strings.NewReader(string(buf))), nil
}

func tooLarge(max int64) error {
	return keyward.Errorf(keyward.EIncompleteSignature, "A body of more than %d bytes must declare its signed SHA-256 in X-Amz-Content-Sha256.", max)
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// hashingBody hashes a body as the handler reads it and, at its end,
// fails the read if it is not the body the client signed.
type hashingBody struct {
	io.ReadCloser
	want string
	h    hash.Hash
	err  error
}

func (b *hashingBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.ReadCloser.Read(p)
	b.h.Write(p[:n])
	if err == io.EOF {
		var sum [sha256.Size]byte
		if hex.EncodeToString(b.h.Sum(sum[:0])) != b.want {
			b.err = ErrPayloadMismatch
			return n, b.err
		}
	}
	return n, err
}

// signingKey returns the signing key of a's access key and scope: from the
// cache, or derived by Keyward (then cached reports false). The cache holds
// no secret, only keys good for one day, region and service, and not whose
// they are; Keyward still decides every request and names its principal,
// so a key deactivated since is refused all the same, and one whose user
// was renamed is its user's under the new name.
func (g *Guard) signingKey(ctx context.Context, a *sigv4.Auth) (k *sigv4.SigningKey, cached bool, err error) {
	g.mu.RLock()
	k, ok := g.keys[cacheName(a)]
	g.mu.RUnlock()
	if ok {
		return k, true, nil
	}
	if !keyward.WellFormedAccessKeyID(a.AccessKeyID) {
		return k, false, invalidKey
	}
	d, err := g.client.derive(ctx, a.AccessKeyID, a.SecurityToken, a.Date, a.Region, a.Service)
	if errors.Is(err, errNoSuchIdentity) {
		return k, false, invalidKey
	}
	if err != nil {
		return k, false, err
	}
	return sigv4.SigningKeyOf([32]byte(d.DerivedKey)), false, nil
}

// remember caches the signing key of a's scope once a request verified
// with it: a scope that signed nothing (a key ID is no secret, and a client
// without the secret can name any region) must not push out the keys of
// clients that sign.
func (g *Guard) remember(a *sigv4.Auth, k *sigv4.SigningKey) {
	g.mu.Lock()
	if len(g.keys) >= g.cfg.MaxKeys {
		clear(g.keys) // simplest bound: yesterday's scopes go too
	}
	g.keys[strings.Clone(cacheName(a))] = k
	g.mu.Unlock()
}

// cacheName names a signing key in the cache. A session's key is its
// token's: the token is part of the name.
func cacheName(a *sigv4.Auth) string {
	return a.AccessKeyID + "/" + a.Scope + "/" + a.SecurityToken
}

// conditions are the condition keys the guard observed of r; Keyward adds
// those of the principal.
func conditions(r *http.Request, now time.Time) map[string][]string {
	now = now.UTC()
	c := map[string][]string{
		"aws:CurrentTime":     {now.Format(time.RFC3339)},
		"aws:EpochTime":       {strconv.FormatInt(now.Unix(), 10)},
		"aws:SecureTransport": {strconv.FormatBool(r.TLS != nil)},
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		c["aws:SourceIp"] = []string{host}
	}
	if ua := r.UserAgent(); ua != "" {
		c["aws:UserAgent"] = []string{keyward.Clip(ua)}
	}
	if ref := r.Referer(); ref != "" {
		c["aws:Referer"] = []string{keyward.Clip(ref)}
	}
	return c
}

// refuse answers with AWS's XML error. Keyward's own failures are logged
// and answered as ServiceFailure, without detail.
func (g *Guard) refuse(w http.ResponseWriter, err error) {
	code, message := keyward.ErrorCode(err), keyward.ErrorMessage(err)
	status, fault := http.StatusForbidden, "Sender"
	switch code {
	case keyward.EServiceFailure:
		g.cfg.Logger.Error("guard: Keyward could not decide", "err", err)
		status, fault = http.StatusInternalServerError, "Receiver"
	case keyward.EMissingAuthenticationToken:
		status = http.StatusUnauthorized
	}
	var id [16]byte
	rand.Read(id[:])
	reqID := hex.EncodeToString(id[:])
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set(wire.HeaderRequestID, reqID)
	h.Set(wire.HeaderErrorType, code)
	w.WriteHeader(status)
	io.WriteString(w, "<ErrorResponse><Error><Type>"+fault+"</Type><Code>"+code+"</Code><Message>"+
		xmlText(message)+"</Message></Error><RequestId>"+reqID+"</RequestId></ErrorResponse>")
}

var xmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
