package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// Parse extracts the signature information of r without verifying it. It
// reports MissingAuthenticationToken when r carries no signature and
// IncompleteSignature when the signature is garbled.
func Parse(r *http.Request) (Auth, error) {
	var a Auth
	if h := headerValue(r.Header, "Authorization"); h != "" {
		if err := a.parseHeader(h); err != nil {
			return a, err
		}
		a.AmzDate = headerValue(r.Header, "X-Amz-Date")
		a.SecurityToken = headerValue(r.Header, "X-Amz-Security-Token")
		if a.AmzDate == "" {
			d := headerValue(r.Header, "Date")
			if d == "" {
				return a, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", keyward.Clip(h))
			}
			t, err := time.Parse(httpDate, d)
			if err != nil {
				return a, incomplete("Date must be in ISO-8601 'basic format'. Got '%s'.", keyward.Clip(d))
			}
			a.AmzDate = t.UTC().Format(amzDateFormat)
		}
	} else if strings.Contains(r.URL.RawQuery, "X-Amz-Algorithm=") {
		if err := a.parseQuery(r.URL.RawQuery); err != nil {
			return a, err
		}
	} else {
		return a, keyward.Errorf(keyward.EMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	t, ok := parseAmzDate(a.AmzDate)
	if !ok {
		return a, incomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", keyward.Clip(a.AmzDate))
	}
	a.Time = t
	if a.AmzDate[:8] != a.Date {
		return a, keyward.Errorf(keyward.ESignatureDoesNotMatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.Date, a.AmzDate[:8], a.AmzDate)
	}
	if err := checkSignedHeaders(a.SignedHeaders); err != nil {
		return a, err
	}
	if !hasHeaderName(a.SignedHeaders, "host") {
		return a, keyward.Errorf(keyward.ESignatureDoesNotMatch, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return a, nil
}

// parseHeader parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...".
func (a *Auth) parseHeader(h string) error {
	rest, ok := strings.CutPrefix(h, Algorithm+" ")
	if !ok {
		return incomplete("Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=%s", keyward.Clip(h))
	}
	var cred string
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			a.SignedHeaders = v
		case "Signature":
			a.Signature = v
		}
	}
	var missing string
	if cred == "" {
		missing += "Authorization header requires 'Credential' parameter. "
	}
	if a.Signature == "" {
		missing += "Authorization header requires 'Signature' parameter. "
	}
	if a.SignedHeaders == "" {
		missing += "Authorization header requires 'SignedHeaders' parameter. "
	}
	if missing != "" {
		return incomplete("%sAuthorization=%s", missing, keyward.Clip(h))
	}
	return a.splitScope(cred)
}

// parseQuery reads a presigned request's X-Amz-* parameters.
func (a *Auth) parseQuery(raw string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return keyward.Errorf(keyward.EMalformedQueryString, "%s", keyward.Clip(err.Error()))
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != Algorithm {
		return incomplete("X-Amz-Algorithm only supports %s, not '%s'.", Algorithm, keyward.Clip(alg))
	}
	a.Presigned = true
	a.SignedHeaders = q.Get("X-Amz-SignedHeaders")
	a.Signature = q.Get("X-Amz-Signature")
	a.AmzDate = q.Get("X-Amz-Date")
	a.SecurityToken = q.Get("X-Amz-Security-Token")
	cred := q.Get("X-Amz-Credential")
	for _, p := range []struct{ name, v string }{{"X-Amz-Credential", cred}, {"X-Amz-SignedHeaders", a.SignedHeaders}, {"X-Amz-Signature", a.Signature}, {"X-Amz-Date", a.AmzDate}, {"X-Amz-Expires", q.Get("X-Amz-Expires")}} {
		if p.v == "" {
			return incomplete("AWS query-string parameters must include '%s'. Re-examine the query-string parameters.", p.name)
		}
	}
	secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || secs < 1 || secs > int(MaxExpires/time.Second) {
		return incomplete("X-Amz-Expires must be a number of seconds from 1 to 604800.")
	}
	a.Expires = time.Duration(secs) * time.Second
	return a.splitScope(cred)
}

// headerValue returns the first value of a header without allocating, as
// http.Header.Get would for a canonical key.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// checkSignedHeaders refuses a SignedHeaders list that is not lower-case
// header names, sorted, each named once, as every SDK writes it. The
// canonical request repeats a header's values for each time it is named:
// one large header named thousands of times, within a server's limit on
// headers, would make one request cost hundreds of megabytes to build and
// hash, for a client that needs no secret to send it (a key ID is no
// secret). Sorted and unique, the canonical headers are at most the
// request's own.
func checkSignedHeaders(list string) error {
	prev := ""
	for rest := list; ; {
		name, more, found := strings.Cut(rest, ";")
		if name == "" || prev != "" && name <= prev {
			return incomplete("SignedHeaders must be lower-case header names, sorted, each named once: '%s'.", keyward.Clip(list))
		}
		for i := 0; i < len(name); i++ {
			if !headerNameByte(name[i]) {
				return incomplete("SignedHeaders must be lower-case header names, sorted, each named once: '%s'.", keyward.Clip(list))
			}
		}
		if !found {
			return nil
		}
		prev, rest = name, more
	}
}

// headerNameByte reports whether c may be in a lower-case header name: an
// HTTP token's characters but upper-case letters.
func headerNameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// hasHeaderName reports whether the ;-separated list contains name.
func hasHeaderName(list, name string) bool {
	for list != "" {
		var h string
		h, list, _ = strings.Cut(list, ";")
		if h == name {
			return true
		}
	}
	return false
}

// parseAmzDate parses "20060102T150405Z"; it is on the hot path, where
// time.Parse's generality costs more than the rest of parsing.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(4, 2)
	d, ok3 := num(6, 2)
	h, ok4 := num(9, 2)
	mi, ok5 := num(11, 2)
	sec, ok6 := num(13, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}
