package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

// Identity providers: the account's OpenID Connect providers, and on a
// provider's page the console's sign-in through it (a Keyward extension:
// PutOpenIDConnectSignIn and DeleteOpenIDConnectSignIn, the API's
// operations). The client secret is written, never shown: the page says
// only whether one is set.

type providersPage struct {
	layout
	Providers []providerRow
}

type providerRow struct {
	ARN, URL string
	// SignIn is the sign-in's name, "" when none is set or the caller may
	// not list them.
	SignIn string
}

func (c *Console) providersPage(w http.ResponseWriter, r *request) {
	providers, err := c.IAM.OIDCProviders(r.ctx())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	// The sign-ins are shown beside the providers when the caller may list
	// them; a caller who may not still sees the providers.
	signIns, _ := c.IAM.ListOIDCSignIns(r.ctx())
	page := providersPage{layout: c.layoutFor(r, "Identity providers")}
	for _, p := range providers {
		row := providerRow{ARN: p.ARN, URL: p.URL}
		for _, si := range signIns {
			if si.ProviderARN == p.ARN {
				row.SignIn = si.Name
			}
		}
		page.Providers = append(page.Providers, row)
	}
	c.render(w, http.StatusOK, "providers", page)
}

type oidcProviderPage struct {
	layout
	Provider keyward.OIDCProvider
	// SignIn is the provider's console sign-in, nil when none is set.
	SignIn *iam.OIDCSignInSetting
	// Form is what the sign-in form shows: the setting, or what was just
	// posted with the problem found.
	ClientID, DisplayName, Roles string
	Problem                      string
	CallbackURL                  string
	// SignInDenied: the caller may see the provider but not its sign-in
	// (keyward:GetOpenIDConnectSignIn), whose form is then not shown.
	SignInDenied bool
}

func (c *Console) oidcProviderPage(w http.ResponseWriter, r *request) {
	c.showOIDCProvider(w, r, r.URL.Query().Get("arn"), http.StatusOK, nil)
}

// showOIDCProvider renders the provider's page; posted, when set, is the
// sign-in form as posted and problem what was wrong with it.
func (c *Console) showOIDCProvider(w http.ResponseWriter, r *request, arn string, status int, problem error) {
	p, err := c.IAM.OIDCProvider(r.ctx(), arn)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	page := oidcProviderPage{layout: c.layoutFor(r, p.URL), Provider: p}
	if c.STS.SAML != nil {
		page.CallbackURL = c.STS.SAML.BaseURL + OIDCCallbackPath
	}
	si, err := c.IAM.GetOIDCSignIn(r.ctx(), arn)
	switch {
	case err == nil:
		page.SignIn = &si
		page.ClientID, page.DisplayName, page.Roles = si.ClientID, si.Name, strings.Join(si.Roles, "\n")
	case denied(err):
		page.SignInDenied = true
	case keyward.ErrorCode(err) != keyward.ENoSuchEntity:
		c.fail(w, r, err)
		return
	}
	if problem != nil {
		page.ClientID, page.DisplayName, page.Roles = r.PostFormValue("clientId"), r.PostFormValue("displayName"), r.PostFormValue("roles")
		page.Problem = keyward.ErrorMessage(problem)
	}
	c.render(w, status, "oidcprovider", page)
}

// oidcProviderOperations are the operations of a provider page's forms.
var oidcProviderOperations = map[string]string{"signin": "PutOpenIDConnectSignIn", "delete-signin": "DeleteOpenIDConnectSignIn"}

func (c *Console) oidcProviderAction(w http.ResponseWriter, r *request) {
	arn := r.PostFormValue("arn")
	back := "/console/provider?arn=" + url.QueryEscape(arn)
	switch r.PathValue("action") {
	case "signin":
		secret := r.PostFormValue("clientSecret")
		values := map[string]string{"OpenIDConnectProviderArn": arn, "ClientID": r.PostFormValue("clientId"), "DisplayName": r.PostFormValue("displayName")}
		if secret != "" {
			values["ClientSecret"] = secret
		}
		roles := strings.Fields(r.PostFormValue("roles"))
		err := checkForm(r.op, values)
		if err == nil && len(roles) > keyward.MaxOIDCSignInRoles {
			err = keyward.Errorf(keyward.EValidationError, "1 validation error detected: Value at 'roleArns' failed to satisfy constraint: Member must have length less than or equal to %d", keyward.MaxOIDCSignInRoles)
		}
		for _, role := range roles {
			if err == nil {
				err = checkForm(&keyward.Operation{Params: []keyward.Param{keyward.ReqParam("RoleArns", keyward.ARNShape)}}, map[string]string{"RoleArns": role})
			}
		}
		if err == nil {
			err = c.IAM.PutOIDCSignIn(r.ctx(), arn, values["ClientID"], secret, values["DisplayName"], roles)
		}
		if err != nil {
			r.failed = err
			if denied(err) || keyward.ErrorCode(err) == keyward.ENoSuchEntity {
				c.fail(w, r, err)
				return
			}
			c.showOIDCProvider(w, r, arn, http.StatusBadRequest, err)
			return
		}
		redirect(w, r, back, "signin-saved")
	case "delete-signin":
		if err := c.IAM.DeleteOIDCSignIn(r.ctx(), arn); err != nil {
			c.fail(w, r, err)
			return
		}
		redirect(w, r, back, "signin-deleted")
	default:
		http.NotFound(w, r.Request)
	}
}
