package console

import (
	"net/http"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/saml"
)

// SP-initiated SAML sign-in. The sign-in page links to
// /console/signin/saml?provider=NAME for each SAML provider that can be
// sent an AuthnRequest; that sends the browser to the identity provider
// with one, and remembers the request with the browser in a cookie signed
// under the session key, scoped to /saml and good for
// samlRequestLifetime. A response that answers a request (its signed
// assertion names one in InResponseTo) is accepted at /saml only from the
// browser that holds that request's cookie, and only from the provider it
// was sent to: a response stolen from another browser's sign-in, or made
// for another request, signs no one in. A response that answers none,
// IdP-initiated sign-in, is accepted as before.
//
// The identity provider's page posts the response to /saml from its own
// site, and a SameSite cookie does not go with such a post. A response
// that answers a request and arrives without the cookie is therefore
// posted once more, by a page of Keyward's own (samlresume), whose post
// the cookie goes with; if it still has none, the response is refused.

const (
	samlRequestCookie = "keyward_saml_request"
	// samlRequestLifetime is how long a browser has to sign in at the
	// identity provider and come back.
	samlRequestLifetime = 10 * time.Minute
	// maxProviderName is IAM's longest SAML provider name.
	maxProviderName = 128
)

// samlRequestState is what the cookie remembers of an AuthnRequest.
type samlRequestState struct {
	ID       string `json:"i"`
	Provider string `json:"p"`
	Expires  int64  `json:"e"`
}

// signSAMLState signs the cookie with a key of its own, so that a signed
// state is never a valid session cookie, nor the reverse.
func (c *Console) signSAMLState() func([]byte) string {
	return c.signWithKey("keyward console SAML request state")
}

// readSAMLState returns the request r's cookie remembers, if it is signed
// and not expired.
func (c *Console) readSAMLState(r *http.Request) (samlRequestState, bool) {
	var st samlRequestState
	if !openCookie(r, samlRequestCookie, 1024, c.signSAMLState(), &st) || st.ID == "" || c.Now().Unix() >= st.Expires {
		return st, false
	}
	return st, true
}

func (c *Console) setSAMLState(w http.ResponseWriter, r *http.Request, st samlRequestState) {
	http.SetCookie(w, &http.Cookie{Name: samlRequestCookie, Value: sealCookie(st, c.signSAMLState()),
		Path: saml.EndpointPath, HttpOnly: true, Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode,
		MaxAge: int(samlRequestLifetime / time.Second)})
}

func (c *Console) clearSAMLState(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: samlRequestCookie, Value: "", Path: saml.EndpointPath, HttpOnly: true,
		Secure: c.Clients.Secure(r), SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// samlStart sends the browser to the identity provider the sign-in page's
// link names, with an AuthnRequest: a provider of the account the link
// names (the first account's when it names none). The cookie remembers
// the provider's ARN, which names its account: only that provider's
// response, and so that account's roles, can answer the request. An
// account that is not the installation's answers as one without that
// provider.
func (c *Console) samlStart(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("provider")
	if name == "" || len(name) > maxProviderName {
		http.Error(w, "Choose an identity provider on the sign-in page.", http.StatusBadRequest)
		return
	}
	r, known := c.federatedAccount(r)
	var arn string
	var req *saml.AuthnRequest
	var err error = keyward.Errorf(keyward.ENoSuchEntity, "No SAML provider of this account offers sign-in by that name.")
	if known {
		arn, req, err = c.STS.SAMLAuthnRequest(r.Context(), name, "")
	}
	if err != nil {
		if keyward.ErrorCode(err) != keyward.ENoSuchEntity {
			c.Logger.Error("SAML sign-in could not start", "err", err)
			err = keyward.Errorf(keyward.EServiceFailure, "The sign-in could not start.")
		}
		c.render(w, http.StatusNotFound, "error", errorPage{layout: layout{Title: keyward.ErrorCode(err)}, Code: keyward.ErrorCode(err), Message: keyward.ErrorMessage(err)})
		return
	}
	c.setSAMLState(w, r, samlRequestState{ID: req.ID, Provider: arn, Expires: c.Now().Add(samlRequestLifetime).Unix()})
	http.Redirect(w, r, req.URL, http.StatusSeeOther)
}

// samlResumePage posts a response once more, from Keyward's own page, so
// that the request's cookie goes with it.
type samlResumePage struct {
	layout
	Response, RelayState string
}

// samlAnswers checks that a verified response that answers an AuthnRequest
// answers the one this browser sent, and returns the options to verify it
// with again when the role's session is issued, and the provider the
// request went to (whose roles alone the response may then offer; "" for
// an IdP-initiated sign-in). done is true when it has answered the browser
// itself: with samlresume, or a refusal.
func (c *Console) samlAnswers(w http.ResponseWriter, r *http.Request, response, relay, inResponseTo string) (opts saml.Options, provider string, done bool) {
	if inResponseTo == "" {
		return opts, "", false // IdP-initiated
	}
	st, ok := c.readSAMLState(r)
	if !ok && r.PostFormValue("resumed") == "" {
		c.render(w, http.StatusOK, "samlresume", samlResumePage{layout: layout{Title: "Signing in"}, Response: response, RelayState: relay})
		return opts, "", true
	}
	if !ok {
		c.samlFailed(w, r, keyward.Errorf(keyward.EAccessDenied, "The SAML response answers a sign-in this browser did not start, or one that has expired. Sign in again."))
		return opts, "", true
	}
	if st.ID != inResponseTo {
		c.samlFailed(w, r, keyward.Errorf(keyward.EAccessDenied, "The SAML response answers another sign-in than the one this browser started. Sign in again."))
		return opts, "", true
	}
	return saml.Options{InResponseTo: st.ID}, st.Provider, false
}
