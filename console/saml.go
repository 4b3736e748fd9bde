package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/saml"
)

// Console single sign-on through SAML, as AWS's console offers it at
// signin.aws.amazon.com/saml: Keyward's service-provider metadata for
// identity providers to import, and the endpoint their browsers post
// responses to. A response naming one role signs the browser in as that
// role's session; naming several, it shows AWS's role chooser, which posts
// the same response again with the role chosen. The response is the
// caller's only credential, single-use: it is verified, and used up, by
// AssumeRoleWithSAML exactly as the API's.

// maxSAMLForm bounds the form posted to the endpoint: a response of
// saml.MaxResponseSize characters, a role and a relay state, encoded.
const maxSAMLForm = 3*saml.MaxResponseSize + 8<<10

// samlMetadata serves Keyward's service-provider metadata.
func (c *Console) samlMetadata(w http.ResponseWriter, r *http.Request) {
	if c.STS.SAML == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(c.STS.SAML.Metadata())
}

// samlRolesPage is AWS's role chooser.
type samlRolesPage struct {
	layout
	Response, RelayState string
	Roles                []samlRole
}

type samlRole struct{ ARN, Account, Name string }

// samlContinuePage sends the browser on to the console once its session
// cookie is set: a navigation the console's own page starts, so that the
// cookie (SameSite=Strict) goes with it, which a redirect answering the
// identity provider's cross-site POST would not carry.
type samlContinuePage struct {
	layout
	Destination string
}

func (c *Console) samlSignIn(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	response, chosen := r.PostFormValue("SAMLResponse"), r.PostFormValue("roleIndex")
	if response == "" || len(response) > saml.MaxResponseSize || len(chosen) > 2048 {
		http.Error(w, "The form must carry a SAMLResponse.", http.StatusBadRequest)
		return
	}
	ctx := keyward.WithCaller(r.Context(), &keyward.RequestContext{SourceIP: c.Clients.Addr(r), SecureTransport: c.Clients.Secure(r),
		CurrentTime: c.Now(), UserAgent: r.UserAgent()})
	in, err := c.STS.SAMLSignInOf(ctx, response)
	if err != nil {
		c.samlFailed(w, r, err)
		return
	}
	relay := r.PostFormValue("RelayState")
	opts, done := c.samlAnswers(w, r, response, relay, in.ProviderARN, in.InResponseTo)
	if done {
		return
	}
	if chosen == "" && len(in.Roles) > 1 {
		page := samlRolesPage{layout: layout{Title: "Select a role", Account: c.IAM.Account(ctx).ID}, Response: response, RelayState: relay}
		for _, arn := range in.Roles {
			account, name := roleParts(arn)
			page.Roles = append(page.Roles, samlRole{ARN: arn, Account: account, Name: name})
		}
		c.render(w, http.StatusOK, "samlroles", page)
		return
	}
	if chosen == "" {
		chosen = in.Roles[0]
	}
	offered := false
	for _, arn := range in.Roles {
		offered = offered || arn == chosen
	}
	if !offered {
		c.samlFailed(w, r, keyward.Errorf(keyward.EAccessDenied, "The SAML response does not offer that role."))
		return
	}
	ar, err := c.STS.AssumeRoleWithSAMLFor(ctx, keyward.AssumeRoleInput{RoleARN: chosen, DurationSeconds: in.SessionDuration}, in.ProviderARN, response, opts)
	if err != nil {
		c.samlFailed(w, r, err)
		return
	}
	s := session{ID: c.token(), KeyID: ar.AccessKeyID, Token: ar.Token, Expires: ar.Expiration.Unix(), Issued: c.Now().UnixNano(), CSRF: c.token()}
	if b, _ := json.Marshal(s); len(b)*4/3+100 > maxCookie {
		http.Error(w, "The session's credentials are too large for a console session (its session tags).", http.StatusBadRequest)
		return
	}
	c.setSession(w, r, s)
	if opts.InResponseTo != "" {
		c.clearSAMLState(w, r)
	}
	c.render(w, http.StatusOK, "samlcontinue", samlContinuePage{layout: layout{Title: "Signing in"}, Destination: consoleDestination(relay)})
}

// samlFailed answers a refused sign-in with AWS's error and the status the
// API would give it, and nothing of an internal failure.
func (c *Console) samlFailed(w http.ResponseWriter, r *http.Request, err error) {
	code := keyward.ErrorCode(err)
	status := statusOf(err)
	if code == keyward.EServiceFailure {
		c.Logger.Error("SAML sign-in failed", "err", err)
	}
	c.render(w, status, "error", errorPage{layout: layout{Title: code}, Code: code, Message: keyward.ErrorMessage(err)})
}

// consoleDestination is where a sign-in goes on to: a page of this
// console only, never another site.
func consoleDestination(dest string) string {
	if !strings.HasPrefix(dest, "/console/") || strings.HasPrefix(dest, "//") || strings.ContainsAny(dest, "\\\r\n") {
		return "/console/roles"
	}
	return dest
}

// roleParts splits a role ARN into its account and its name (path
// included), for the chooser.
func roleParts(arn string) (account, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "", arn
	}
	return parts[4], strings.TrimPrefix(parts[5], "role/")
}
