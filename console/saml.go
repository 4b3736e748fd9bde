package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/saml"
	"github.com/keyward/keyward/sts"
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

// roleChooserPage is AWS's role chooser, of a SAML or an OpenID Connect
// sign-in: its form posts the chosen role's ARN as Field to Action, with
// the Hidden fields; Via ("saml", "oidc") begins the form's and its
// button's IDs.
type roleChooserPage struct {
	layout
	Via, Action, Field string
	Hidden             []hiddenField
	Roles              []roleChoice
}

type hiddenField struct{ Name, Value string }

// roleChoice is a role as the chooser lists it.
type roleChoice struct{ ARN, Account, Name string }

func choiceOf(arn string) roleChoice {
	account, name := roleParts(arn)
	return roleChoice{ARN: arn, Account: account, Name: name}
}

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
	ctx := c.signInCaller(r.Context(), r, "")
	in, err := c.STS.SAMLSignInOf(ctx, response)
	if err != nil {
		c.auditSAML(r, chosen, "", nil, err)
		c.samlFailed(w, r, err)
		return
	}
	relay := r.PostFormValue("RelayState")
	opts, provider, done := c.samlAnswers(w, r, response, relay, in.InResponseTo)
	if done {
		return
	}
	// A role offered through two providers is one choice, through the
	// first of them; a response to this browser's request offers only the
	// roles of the provider the request went to.
	var offered []sts.SAMLRole
	for _, o := range in.Roles {
		if provider != "" && o.ProviderARN != provider {
			continue
		}
		if !slices.ContainsFunc(offered, func(x sts.SAMLRole) bool { return x.RoleARN == o.RoleARN }) {
			offered = append(offered, o)
		}
	}
	if len(offered) == 0 {
		err := keyward.Errorf(keyward.EAccessDenied, "The SAML response answers another sign-in than the one this browser started. Sign in again.")
		c.auditSAML(r, chosen, "", nil, err)
		c.samlFailed(w, r, err)
		return
	}
	if chosen == "" && len(offered) > 1 {
		page := roleChooserPage{layout: layout{Title: "Select a role", Account: offered[0].Account}, Via: "saml", Action: saml.EndpointPath, Field: "roleIndex",
			Hidden: []hiddenField{{"SAMLResponse", response}, {"RelayState", relay}}}
		for _, o := range offered {
			page.Roles = append(page.Roles, choiceOf(o.RoleARN))
		}
		c.render(w, http.StatusOK, "rolechooser", page)
		return
	}
	if chosen == "" {
		chosen = offered[0].RoleARN
	}
	i := slices.IndexFunc(offered, func(x sts.SAMLRole) bool { return x.RoleARN == chosen })
	if i < 0 {
		err := keyward.Errorf(keyward.EAccessDenied, "The SAML response does not offer that role.")
		c.auditSAML(r, chosen, "", nil, err)
		c.samlFailed(w, r, err)
		return
	}
	// The session is issued in the account of the role and its provider,
	// which the signed response named, and the sign-in is that account's
	// event.
	r = r.WithContext(iam.AccountContext(r.Context(), offered[i].Account))
	ctx = c.signInCaller(ctx, r, offered[i].Account)
	ar, err := c.STS.SAMLConsoleSession(ctx, chosen, offered[i].ProviderARN, response, opts)
	c.auditSAML(r, chosen, offered[i].ProviderARN, &ar, err)
	if err != nil {
		c.samlFailed(w, r, err)
		return
	}
	if !c.startSession(w, r, ar, "The session's credentials are too large for a console session (its session tags).") {
		return
	}
	if opts.InResponseTo != "" {
		c.clearSAMLState(w, r)
	}
	c.render(w, http.StatusOK, "samlcontinue", samlContinuePage{layout: layout{Title: "Signing in"}, Destination: consoleDestination(relay)})
}

// auditSAML records a use of a response at /saml as the API records
// AssumeRoleWithSAML: an event of the response's bearer (AWS's SAMLUser),
// with its refusal if refused; and for a role's session issued, AWS's
// ConsoleLogin of that session.
func (c *Console) auditSAML(r *http.Request, roleARN, providerARN string, ar *keyward.AssumedRole, err error) {
	params := map[string]any{"sAMLAssertion": keyward.Hidden}
	if providerARN != "" {
		params["principalArn"] = keyward.Clip(providerARN)
	}
	c.auditFederatedSignIn(r, "AssumeRoleWithSAML", "SAMLUser", params, roleARN, ar, err)
}

// auditFederatedSignIn records a console sign-in through an identity
// provider as the API records the assumption it makes (name, by the
// bearer of the token or assertion, identityType), with its refusal if
// refused; and for a role's session issued, AWS's ConsoleLogin of that
// session.
func (c *Console) auditFederatedSignIn(r *http.Request, name, identityType string, params map[string]any, roleARN string, ar *keyward.AssumedRole, err error) {
	if c.Audit == nil {
		return
	}
	e := c.event(r, keyward.EventSourceSTS, name)
	e.UserIdentity = keyward.EventIdentity{Type: identityType}
	e.RequestParameters = params
	if roleARN != "" {
		e.RequestParameters["roleArn"] = keyward.Clip(roleARN)
	}
	if err != nil {
		e.ErrorCode, e.ErrorMessage = keyward.ErrorCode(err), keyward.Clip(keyward.ErrorMessage(err))
	}
	c.Audit.Add(&e)
	if err != nil {
		return
	}
	l := c.event(r, keyward.EventSourceSignIn, "ConsoleLogin")
	l.EventType = keyward.EventTypeConsoleSignIn
	l.UserIdentity = keyward.EventIdentity{Type: "AssumedRole", PrincipalID: ar.AssumedRoleID, ARN: ar.ARN, AccountID: c.IAM.Account(r.Context()).ID}
	l.ResponseElements = map[string]any{"ConsoleLogin": "Success"}
	c.Audit.Add(&l)
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
