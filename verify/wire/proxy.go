package wire

import (
	"strings"
	"unicode/utf8"

	"github.com/keyward/keyward"
)

// The reverse proxies' authorization endpoint. The proxy (nginx
// auth_request, Envoy ext_authz in HTTP mode, Traefik ForwardAuth) sends a
// body-less request carrying the client's headers and the original method
// and URI; Keyward checks the client's SigV4 signature and decides
// InvokeAction on the request's execute-api ARN, as API Gateway's IAM
// authorisation does.
const (
	AuthorizePath = "/_keyward/authorize"

	// InvokeAction is the action decided, on
	// arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path},
	// region being the signature's.
	InvokeAction = "execute-api:Invoke"
	// InvokeService is the service a client signs for.
	InvokeService = "execute-api"

	HeaderOriginalMethod = "X-Original-Method"
	HeaderOriginalURI    = "X-Original-Uri"
	// HeaderOriginalContentLength carries the client's Content-Length,
	// which clients sign and which the subrequest, having no body, cannot
	// carry as itself.
	HeaderOriginalContentLength = "X-Original-Content-Length"
	HeaderAPIID                 = "X-Keyward-Api-Id"
	HeaderStage                 = "X-Keyward-Stage"
	// HeaderRegion, when the proxy sets it, is the API's region: a
	// signature for another region is refused. Without it the region
	// decided is the one the client signed for, its own choice.
	HeaderRegion = "X-Keyward-Region"
	// HeaderAccounts, when the proxy sets it, names the only accounts whose
	// principals pass (ParseAccounts): another account's is refused, as
	// API Gateway refuses another account's principal that the API's
	// resource policy does not grant. Without it every account of the
	// installation passes, each principal decided by its own account's
	// policies.
	HeaderAccounts = "X-Keyward-Accounts"

	HeaderPrincipalARN = "X-Keyward-Principal-Arn"
	HeaderUserName     = "X-Keyward-User-Name"
	HeaderAccessKeyID  = "X-Keyward-Access-Key-Id"
	// HeaderAccountID is the account of the principal: the account a
	// role's session is of when another account's principal assumed the
	// role, which the principal's ARN names too.
	HeaderAccountID = "X-Keyward-Account-Id"
	// HeaderErrorType names the error code of a refusal, as API Gateway's
	// x-amzn-ErrorType does, and HeaderErrorMessage its message, escaped
	// for XML: a proxy, which never passes the body of its subrequest's
	// answer on, can answer the client with AWS's XML error from them.
	HeaderErrorType    = "X-Amzn-Errortype"
	HeaderErrorMessage = "X-Keyward-Error-Message"
	HeaderRequestID    = "X-Amzn-Requestid"
)

// ValidAccountID reports whether id is an account ID: 12 digits.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ParseAccounts returns the account IDs of a list as a proxy names them
// (HeaderAccounts, Traefik's accounts=): 12-digit IDs separated by commas,
// with spaces around them if the operator writes some. It reports false
// for a list that names none, or anything else: an operator who meant to
// close the service to other accounts must not find it open to all.
func ParseAccounts(list string) ([]string, bool) {
	ids := strings.Split(list, ",")
	for i, id := range ids {
		ids[i] = strings.TrimSpace(id)
		if !ValidAccountID(ids[i]) {
			return nil, false
		}
	}
	return ids, true
}

// AccountRefused is AWS's AccessDenied for a principal whose account the
// guarded service does not let in (HeaderAccounts, package guard's
// Config.Accounts), in
// API Gateway's words for another account's principal that the API's
// resource policy does not grant: the principal's own account's policies,
// which that account's administrator writes, cannot open another
// account's service, and its root user is allowed everything they do not
// deny.
func AccountRefused(principalARN, action, resource string) error {
	return keyward.Errorf(keyward.EAccessDenied, "User: %s is not authorized to perform: %s on resource: %s because no resource-based policy allows the %s action",
		principalARN, action, keyward.Clip(resource), action)
}

// DecisionPath returns the decoded path that a decision names, of a
// request path as a client sent it (percent-encoded, without its query),
// or AccessDenied for a path that is not in normal form.
//
// The server behind a proxy may read a path otherwise than as it is
// written: resolve "." and "..", merge "//", decode %2F into a separator,
// "\" into one (Windows), "%2e" into a dot, a ";" parameter out of a
// segment (Tomcat), an overlong UTF-8 sequence into "." or "/", decode
// twice. A decision on the written path would then be on another resource
// than the one served: allowed /public/*, a client reads
// /public/../admin/secret.txt. Rather than guess how the server
// normalises, Keyward decides only on paths that every server reads alike
// and refuses the others, which no client needs to send: dot segments,
// empty segments, ";", "\", "#", control characters, invalid or
// needless escapes (of an unreserved character, "/" or "\"), escapes
// that decode to another escape, and bytes that are not UTF-8.
func DecisionPath(raw string) (string, error) {
	refuse := func(why string) (string, error) {
		return "", keyward.Errorf(keyward.EAccessDenied, "The request path is not in normal form: %s. "+
			"Keyward decides only on a path that the service reads as it is written.", why)
	}
	if raw == "" || raw[0] != '/' {
		return refuse("it does not begin with '/'")
	}
	decoded := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !ishex(raw[i+1]) || !ishex(raw[i+2]) {
				return refuse("an invalid escape")
			}
			d := unhex(raw[i+1])<<4 | unhex(raw[i+2])
			switch {
			case unreservedByte(d) || d == '/' || d == '\\':
				return refuse("an escape of a character that must be written as itself (" + raw[i:i+3] + ")")
			case d < 0x20 || d == 0x7f:
				return refuse("an escaped control character")
			}
			decoded = append(decoded, d)
			i += 2
		case c <= 0x20 || c == 0x7f:
			return refuse("a control character or space")
		case c == '\\' || c == '#' || c == ';':
			return refuse("'" + string(c) + "'")
		default:
			decoded = append(decoded, c)
		}
	}
	if !utf8.Valid(decoded) {
		return refuse("bytes that are not UTF-8")
	}
	path := string(decoded)
	for i := 0; i+2 < len(path); i++ {
		if path[i] == '%' && ishex(path[i+1]) && ishex(path[i+2]) {
			return refuse("an escape that decodes to another escape")
		}
	}
	for rest := path[1:]; ; {
		seg, more, found := strings.Cut(rest, "/")
		name, _, _ := strings.Cut(seg, ";")
		switch {
		case seg == "" && found:
			return refuse("an empty segment ('//')")
		case name == "." || name == "..":
			return refuse("a '.' or '..' segment")
		}
		if !found {
			return path, nil
		}
		rest = more
	}
}

// DecisionMethod returns AccessDenied for a method that is not written in
// upper case. Methods are case-sensitive, and every method a decision names
// (GET, PUT, DELETE…) is upper case; but a proxy such as Traefik or Envoy,
// and Go's own server, pass "get" on as written, and a server that reads
// methods without regard to case (Django and Werkzeug upper-case them)
// serves it as GET, while a decision on "get" would match no statement
// written for GET, a Deny included.
func DecisionMethod(method string) error {
	for i := 0; i < len(method); i++ {
		if c := method[i]; 'a' <= c && c <= 'z' {
			return keyward.Errorf(keyward.EAccessDenied, "The request method is not in upper case: "+
				"Keyward decides only on a method that the service reads as it is written.")
		}
	}
	return nil
}

func ishex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// unreservedByte reports whether c is one of RFC 3986's unreserved
// characters, which a URI in normal form never escapes.
func unreservedByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
