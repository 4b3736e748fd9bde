package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// maxResponseBytes bounds what a response may make the command line hold.
const maxResponseBytes = 256 << 20

// transport sends an operation's requests: serialized as botocore's
// QuerySerializer does, signed with aws-sdk-go-v2's SigV4 signer, retried
// as the AWS CLI's standard retry mode retries, and parsed as botocore's
// QueryParser parses.
type transport struct {
	cl       *cmdLine
	svc      *apimodel.Service
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	client   aws.HTTPClient
	unsigned bool
	attempts int
}

// connectTransport resolves what the AWS CLI resolves: configuration and
// credentials (environment, profiles, shared files), the region and the
// endpoint. Credentials are only read when a request is signed.
func (cl *cmdLine) connectTransport(ctx context.Context, svc *apimodel.Service, op *apimodel.Operation) (*transport, error) {
	opts := []func(*config.LoadOptions) error{config.WithEC2IMDSClientEnableState(imds.ClientDisabled)}
	if cl.g.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cl.g.profile))
	}
	if cl.g.region != "" {
		opts = append(opts, config.WithRegion(cl.g.region))
	}
	if cl.g.caBundle != "" {
		b, err := os.ReadFile(cl.g.caBundle)
		if err != nil {
			return nil, &generalError{fmt.Sprintf("Could not find a suitable TLS CA certificate bundle, invalid path: %s", cl.g.caBundle)}
		}
		opts = append(opts, config.WithCustomCABundle(bytes.NewReader(b)))
	}
	client := awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
		d.Timeout = cl.g.connectTimeout
	}).WithTransportOptions(func(tr *http.Transport) {
		tr.ResponseHeaderTimeout = cl.g.readTimeout
		if cl.g.noVerifySSL {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{}
			}
			tr.TLSClientConfig.InsecureSkipVerify = true
		}
	})
	opts = append(opts, config.WithHTTPClient(client))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, &configError{err}
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1" // IAM is global; any region signs
	}
	t := &transport{cl: cl, svc: svc, region: region, creds: cfg.Credentials, client: cfg.HTTPClient,
		endpoint: cl.endpointFor(svc.Name, cfg), attempts: 3}
	if n, err := strconv.Atoi(cl.env.Getenv("AWS_MAX_ATTEMPTS")); err == nil && n > 0 {
		t.attempts = n
	}
	if cfg.RetryMaxAttempts > 0 {
		t.attempts = cfg.RetryMaxAttempts
	}
	// As the AWS CLI, the web identity and SAML exchanges are not signed:
	// their caller has no credentials yet.
	t.unsigned = cl.g.noSignRequest || (svc.Name == "sts" && (op.Name == "AssumeRoleWithWebIdentity" || op.Name == "AssumeRoleWithSAML"))
	return t, nil
}

// endpointFor is --endpoint-url, else AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, else a profile's endpoint_url, else Keyward's default.
func (cl *cmdLine) endpointFor(service string, cfg aws.Config) string {
	if cl.g.endpoint != "" {
		return cl.g.endpoint
	}
	if e := firstNonEmpty(cl.env.Getenv("AWS_ENDPOINT_URL_"+strings.ToUpper(service)), cl.env.Getenv("AWS_ENDPOINT_URL")); e != "" {
		return e
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return *cfg.BaseEndpoint
	}
	return DefaultEndpoint
}

// Error codes the standard retry mode retries.
var retryableCodes = map[string]bool{
	"RequestTimeout": true, "RequestTimeoutException": true, "PriorRequestNotComplete": true,
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "LimitExceededException": true, "RequestThrottled": true,
	"SlowDown": true, "EC2ThrottledException": true,
}

// do makes one call: parameters validated, the request sent (and sent
// again while the answer is one to retry), the answer parsed.
func (t *transport) do(ctx context.Context, op *apimodel.Operation, params *object) (*object, error) {
	in := t.svc.InputShape(op)
	if in != nil {
		if errs := validateParams(params, in); len(errs) > 0 {
			return nil, &paramValidationError{strings.Join(errs, "\n")}
		}
	}
	url := strings.TrimSuffix(t.endpoint, "/") + "/"
	body := serializeQuery(t.svc, op, params)
	t.cl.debugf("botocore.endpoint", "Making request for OperationModel(name=%s) with params: {'url_path': '/', 'query_string': '', 'method': 'POST', 'headers': {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}, 'body': %s, 'url': %s}",
		op.Name, pyRepr(maskParams(in, params, op)), pyStrRepr(url))
	var creds aws.Credentials
	if !t.unsigned {
		var err error
		if creds, err = t.creds.Retrieve(ctx); err != nil {
			t.cl.debugf("botocore.credentials", "%v", err)
			return nil, &noCredentialsError{}
		}
	}
	var lastErr error
	for attempt := 0; attempt < t.attempts; attempt++ {
		if attempt > 0 {
			// botocore's standard mode: rand(0,1) * 2**(attempt-1)
			// seconds, at most 20.
			d := min(time.Duration(rand.Float64()*float64(time.Duration(1<<(attempt-1))*time.Second)), 20*time.Second)
			t.cl.debugf("botocore.retryhandler", "Retry needed, retrying request after delay of: %v", d.Seconds())
			if err := t.cl.sleep(ctx, d); err != nil {
				return nil, err
			}
		}
		out, retry, err := t.attempt(ctx, op, url, body, creds)
		if err == nil {
			return out, nil
		}
		lastErr = err
		if !retry {
			return nil, err
		}
		if attempt == t.attempts-1 {
			var ce *clientError
			if errors.As(err, &ce) {
				ce.retries = attempt
			}
		}
	}
	return nil, lastErr
}

// attempt sends the request once.
func (t *transport) attempt(ctx context.Context, op *apimodel.Operation, url, body string, creds aws.Credentials) (*object, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, false, &generalError{fmt.Sprintf("Invalid endpoint: %s", t.endpoint)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", "keyward-cli")
	if !t.unsigned {
		sum := sha256.Sum256([]byte(body))
		signingName := t.svc.Metadata.SigningName
		if signingName == "" {
			signingName = t.svc.Metadata.EndpointPrefix
		}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), signingName, t.region, t.cl.env.Now()); err != nil {
			return nil, false, &generalError{err.Error()}
		}
	}
	t.cl.debugf("botocore.endpoint", "Sending http request: <AWSPreparedRequest stream_output=False, method=POST, url=%s, headers=%s>", url, debugHeaders(req.Header))
	resp, err := t.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && !strings.Contains(err.Error(), "dial") {
			return nil, true, &generalError{fmt.Sprintf("Read timeout on endpoint URL: \"%s\"", url)}
		}
		t.cl.debugf("botocore.endpoint", "Exception received when sending HTTP request: %v", err)
		return nil, true, &generalError{fmt.Sprintf("Could not connect to the endpoint URL: \"%s\"", url)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, true, &generalError{fmt.Sprintf("Connection was closed before we received a valid response from endpoint URL: \"%s\".", url)}
	}
	if len(data) > maxResponseBytes {
		return nil, false, &generalError{fmt.Sprintf("the response of %s is larger than %d bytes", op.Name, maxResponseBytes)}
	}
	t.cl.debugf("botocore.parsers", "Response headers: %s", debugHeaders(resp.Header))
	t.cl.debugf("botocore.parsers", "Response body:\n%s", pyRepr(maskBody(data, t.svc, op)))
	if resp.StatusCode >= 301 {
		code, msg, _, perr := parseErrorResponse(resp.StatusCode, data)
		if perr != nil {
			return nil, false, perr
		}
		retry := retryableCodes[code]
		switch resp.StatusCode {
		case 500, 502, 503, 504:
			retry = true
		}
		return nil, retry, &clientError{code: code, message: msg, operation: op.Name}
	}
	out, err := parseOutput(data, op, t.svc.OutputShape(op))
	if err != nil {
		return nil, false, err
	}
	if t.svc.Name == "iam" && t.svc.OutputShape(op) != nil {
		decodePolicies(out, t.svc.OutputShape(op))
	}
	return out, false, nil
}

// debugHeaders prints headers as botocore's debug log does, the
// signature and a session token hidden.
func debugHeaders(h http.Header) string {
	var parts []string
	for _, k := range sortedKeys(h) {
		v := strings.Join(h[k], ", ")
		switch strings.ToLower(k) {
		case "authorization":
			if i := strings.Index(v, "Signature="); i >= 0 {
				v = v[:i] + "Signature=***"
			}
		case "x-amz-security-token":
			v = "***"
		}
		parts = append(parts, pyStrRepr(k)+": "+pyStrRepr(v))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// secretMembers are members that carry a secret where the model does not
// mark their shapes sensitive (STS marks none): a session's key and token,
// the identity tokens exchanged for one, one-time codes.
var secretMembers = map[string]bool{
	"SecretAccessKey": true, "SessionToken": true, "WebIdentityToken": true, "SAMLAssertion": true,
	"TokenCode": true, "AuthenticationCode1": true, "AuthenticationCode2": true,
}

// isSecret reports whether the debug log hides a member's value.
func isSecret(m *apimodel.Member) bool { return m.Shape.Sensitive || secretMembers[m.Name] }

// maskParams copies the parameters with the values of sensitive shapes
// (passwords, private keys) replaced, for the debug log: a secret is not
// logged, --debug or not.
func maskParams(shape *apimodel.Shape, v any, op *apimodel.Operation) any {
	if shape == nil {
		return v
	}
	if shape.Sensitive {
		return "***"
	}
	switch shape.Type {
	case "structure":
		o, ok := v.(*object)
		if !ok {
			return v
		}
		out := newObject()
		for _, k := range o.keys {
			if m := shape.MemberNamed(k); m != nil && isSecret(m) {
				out.set(k, "***")
			} else if m != nil {
				out.set(k, maskParams(m.Shape, o.vals[k], op))
			} else {
				out.set(k, o.vals[k])
			}
		}
		return out
	case "list":
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = maskParams(shape.Member.Shape, e, op)
		}
		return out
	}
	return v
}

// maskBody hides, in a response body for the debug log, the text of the
// elements whose shapes are sensitive (secret keys, session tokens, MFA
// seeds, generated passwords).
func maskBody(body []byte, svc *apimodel.Service, op *apimodel.Operation) []byte {
	names := map[string]bool{}
	var walk func(s *apimodel.Shape, seen map[*apimodel.Shape]bool)
	walk = func(s *apimodel.Shape, seen map[*apimodel.Shape]bool) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, m := range s.Members {
			if isSecret(m) {
				n := m.Name
				if m.LocationName != "" {
					n = m.LocationName
				}
				names[n] = true
			}
			walk(m.Shape, seen)
		}
		if s.Member != nil {
			walk(s.Member.Shape, seen)
		}
	}
	walk(svc.OutputShape(op), map[*apimodel.Shape]bool{})
	for n := range names {
		re := regexp.MustCompile(`(<` + regexp.QuoteMeta(n) + `>)[^<]*(</` + regexp.QuoteMeta(n) + `>)`)
		body = re.ReplaceAll(body, []byte("${1}***${2}"))
	}
	return body
}

// invoke runs a prepared operation: the skeleton, or the call (every page
// of it) and its output.
func (cl *cmdLine) invoke(ctx context.Context, inv *invocation) int {
	c := inv.cmd
	switch inv.skeleton {
	case "input":
		var skel any = newObject()
		if in := c.service.InputShape(c.op); in != nil {
			skel = skeleton(in, false, "", nil)
		}
		io.WriteString(cl.env.Stdout, pyJSONDump(skel)+"\n")
		return ExitOK
	case "output":
		if in := c.service.InputShape(c.op); in != nil {
			params := inv.params
			if err := decodeInputBlobs(in, params, func(any) {}); err != nil {
				return cl.fail(err)
			}
			if errs := validateParams(params, in); len(errs) > 0 {
				return cl.fail(&paramValidationError{strings.Join(errs, "\n")})
			}
		}
		var fake any = newObject()
		if out := c.service.OutputShape(c.op); out != nil {
			fake = skeleton(out, true, "", nil)
		}
		return cl.output(c.op.Name, fake)
	}
	if in := c.service.InputShape(c.op); in != nil {
		if err := decodeInputBlobs(in, inv.params, func(any) {}); err != nil {
			return cl.fail(err)
		}
	}
	t, err := cl.connectTransport(ctx, c.service, c.op)
	if err != nil {
		return cl.fail(err)
	}
	if inv.paginate {
		p := &pager{t: t, op: c.op, pg: c.op.Paginator, kwargs: inv.params, startingToken: inv.startingToken,
			pageSize: inv.pageSize, maxItems: inv.maxItems}
		return cl.outputPages(ctx, c.op.Name, p)
	}
	out, err := t.do(ctx, c.op, inv.params)
	if err != nil {
		return cl.fail(err)
	}
	if err := inv.afterCall(out); err != nil {
		return cl.fail(err)
	}
	return cl.output(c.op.Name, out)
}

// afterCall is the AWS CLI's customization of iam create-virtual-mfa-device:
// the chosen seed is written to --outfile (owner-only: it is a secret) and
// neither seed is printed.
func (inv *invocation) afterCall(out *object) error {
	if inv.outfile == "" {
		return nil
	}
	dev, ok := out.get("VirtualMFADevice")
	o, isObj := dev.(*object)
	if !ok || !isObj {
		return nil
	}
	if v, ok := o.get(inv.bootstrapMethod); ok {
		s, _ := v.(string)
		data, err := pyB64Decode(s)
		if err != nil {
			return &generalError{"Incorrect padding"}
		}
		if err := os.WriteFile(inv.outfile, data, 0o600); err != nil {
			return &generalError{pyOSError(err, inv.outfile)}
		}
		o.del("QRCodePNG")
		o.del("Base32StringSeed")
	}
	return nil
}

// output prints a response (not paged) in the chosen format.
func (cl *cmdLine) output(title string, v any) int {
	var err error
	v, err = cl.applyQuery(v)
	if err != nil {
		return cl.fail(err)
	}
	switch cl.g.output {
	case "text":
		writeText(cl.env.Stdout, v)
	case "table":
		writeTable(cl.env.Stdout, title, v, 80)
	default:
		writeJSON(cl.env.Stdout, v)
	}
	return ExitOK
}

func (cl *cmdLine) applyQuery(v any) (any, error) {
	if cl.query == nil {
		return v, nil
	}
	return cl.query.search(v)
}

// outputPages prints a paginated call: JSON and table from the whole
// result, text page by page as the AWS CLI streams it.
func (cl *cmdLine) outputPages(ctx context.Context, title string, p *pager) int {
	if cl.g.output == "text" {
		first := true
		err := p.pages(ctx, func(page *object) error {
			var current *object
			if first {
				current = p.nonAggregate
				first = false
			} else {
				current = newObject()
			}
			for _, k := range p.pg.ResultKeys {
				v, _ := page.get(k)
				current.set(k, v)
			}
			v, err := cl.applyQuery(current)
			if err != nil {
				return err
			}
			writeText(cl.env.Stdout, v)
			return nil
		})
		if err != nil {
			return cl.fail(err)
		}
		if p.resumeToken != "" {
			next := newObject()
			inner := newObject()
			inner.set("NextToken", p.resumeToken)
			next.set("NextToken", inner)
			v, err := cl.applyQuery(next)
			if err != nil {
				return cl.fail(err)
			}
			writeText(cl.env.Stdout, v)
		}
		return ExitOK
	}
	full, err := p.buildFullResult(ctx)
	if err != nil {
		return cl.fail(err)
	}
	return cl.output(title, full)
}

// skeleton is botocore's ArgumentGenerator: a sample of a shape, strings
// empty (or the member's name, for output), numbers 0, booleans true,
// lists of one, maps of KeyName, a recursive structure empty.
func skeleton(shape *apimodel.Shape, memberNames bool, name string, stack []*apimodel.Shape) any {
	stack = append(stack, shape)
	switch shape.Type {
	case "structure":
		o := newObject()
		count := 0
		for _, s := range stack {
			if s == shape {
				count++
			}
		}
		if count > 1 {
			return o
		}
		for _, m := range shape.Members {
			o.set(m.Name, skeleton(m.Shape, memberNames, m.Name, stack))
		}
		return o
	case "list":
		n := ""
		if memberNames {
			n = shape.Member.ShapeName
		}
		return []any{skeleton(shape.Member.Shape, memberNames, n, stack)}
	case "map":
		o := newObject()
		o.set("KeyName", skeleton(shape.Value.Shape, memberNames, "", stack))
		return o
	case "string":
		if memberNames {
			return name
		}
		if len(shape.Enum) > 0 {
			return shape.Enum[0]
		}
		return ""
	case "integer", "long":
		return int64(0)
	case "float", "double":
		return 0.0
	case "boolean":
		return true
	case "timestamp":
		return "1970-01-01T00:00:00"
	}
	return nil
}

// base64Std encodes as Python's base64.b64encode.
func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
