package console

import (
	"net/http"
	"strconv"
	"strings"
)

// Home answers the server's root path: a person who types the server's
// address into a browser is sent to the console, which an API error in XML
// would not tell them of. Every other request reaches api unchanged: what
// an SDK, the CLI or a health check sends to / is answered as AWS answers
// it.
func Home(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if browserAtHome(r) {
			http.Redirect(w, r, "/console/", http.StatusFound)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// browserAtHome tells a browser's visit to / from an API request: a GET
// of the root alone, asking for HTML, carrying no credentials (no
// Authorization, no X-Amz-* header or query parameter), no Action and no
// body. Anything signed, or naming an operation, is the API's, however
// it asks.
func browserAtHome(r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.Path != "/" || r.ContentLength != 0 || len(r.TransferEncoding) > 0 ||
		r.Header.Get("Authorization") != "" || !acceptsHTML(r.Header.Values("Accept")) {
		return false
	}
	for name := range r.Header {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-") {
			return false
		}
	}
	for name := range r.URL.Query() {
		if lower := strings.ToLower(name); lower == "action" || strings.HasPrefix(lower, "x-amz-") {
			return false
		}
	}
	return true
}

// acceptsHTML reports whether Accept headers name text/html with a
// quality above zero. A wildcard does not count: curl, SDKs and probes
// send */* and expect the API's answer.
func acceptsHTML(accepts []string) bool {
	for _, accept := range accepts {
		for _, part := range strings.Split(accept, ",") {
			mediaType, params, _ := strings.Cut(part, ";")
			if !strings.EqualFold(strings.TrimSpace(mediaType), "text/html") {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					} else {
						q = 0
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}
