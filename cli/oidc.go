package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// `keyward oidc put-sign-in` and its kin (also spelt `keyward oidc sign-in
// put`): the console's sign-in through the account's
// OpenID Connect providers, Keyward's own actions on the IAM endpoint
// (PutOpenIDConnectSignIn and its kin), which the AWS CLI and its models
// do not have. Each is one signed Query request, as the IAM commands'.

var oidcSignInCommands = map[string]*command{
	"put-sign-in": {
		summary:  "Set the console sign-in of an OIDC provider (PutOpenIDConnectSignIn): the client, its secret, the name shown and the roles offered.",
		flags:    []string{"provider-arn", "client-id", "client-secret-file", "name", "role"},
		required: []string{"provider-arn", "client-id", "name"},
		examples: []string{"keyward oidc put-sign-in --provider-arn arn:aws:iam::123456789012:oidc-provider/idp.example.com --client-id keyward --client-secret-file secret.txt --name 'Example SSO' --role arn:aws:iam::123456789012:role/Dev"},
		run:      oidcSignInPut,
	},
	"get-sign-in": {
		summary:  "Show the console sign-in of an OIDC provider (GetOpenIDConnectSignIn); never its secret, only whether one is set.",
		flags:    []string{"provider-arn"},
		required: []string{"provider-arn"},
		run: func(ctx context.Context, c *call) int {
			return c.oidcSignIn(ctx, "GetOpenIDConnectSignIn", url.Values{"OpenIDConnectProviderArn": {c.flags.get("provider-arn")}})
		},
	},
	"list-sign-ins": {
		summary: "List the console sign-ins of the account's OIDC providers (ListOpenIDConnectSignIns).",
		run: func(ctx context.Context, c *call) int {
			return c.oidcSignIn(ctx, "ListOpenIDConnectSignIns", url.Values{})
		},
	},
	"delete-sign-in": {
		summary:  "Remove the console sign-in of an OIDC provider (DeleteOpenIDConnectSignIn).",
		flags:    []string{"provider-arn"},
		required: []string{"provider-arn"},
		run: func(ctx context.Context, c *call) int {
			return c.oidcSignIn(ctx, "DeleteOpenIDConnectSignIn", url.Values{"OpenIDConnectProviderArn": {c.flags.get("provider-arn")}})
		},
	},
}

func init() {
	groups["oidc"] = &group{summary: "keyward oidc: the console's sign-in through the account's OpenID Connect providers (a Keyward extension).",
		commands: oidcSignInCommands}
}

// oidcSignInVerbs are `keyward oidc sign-in <verb>`'s commands, another
// spelling of `keyward oidc <verb>-sign-in`.
var oidcSignInVerbs = map[string]string{"put": "put-sign-in", "get": "get-sign-in", "list": "list-sign-ins", "delete": "delete-sign-in"}

func oidcSignInPut(ctx context.Context, c *call) int {
	v := url.Values{"OpenIDConnectProviderArn": {c.flags.get("provider-arn")}, "ClientID": {c.flags.get("client-id")},
		"DisplayName": {c.flags.get("name")}}
	if path := c.flags.get("client-secret-file"); path != "" {
		f, err := os.Open(path)
		if err != nil {
			return fail(c.env, usagef("keyward oidc put-sign-in: %v", err))
		}
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		f.Close()
		if err != nil {
			return fail(c.env, usagef("keyward oidc put-sign-in: %v", err))
		}
		if len(b) > maxSecretFile {
			return fail(c.env, usagef("keyward oidc put-sign-in: the client secret file is larger than %d bytes", maxSecretFile))
		}
		v.Set("ClientSecret", strings.TrimRight(string(b), "\r\n"))
	}
	for i, r := range c.flags["role"] {
		v.Set("RoleArns.member."+strconv.Itoa(i+1), r)
	}
	return c.oidcSignIn(ctx, "PutOpenIDConnectSignIn", v)
}

// oidcSignInXML is what the answers hold: a setting, or a list of them.
type oidcSignInXML struct {
	ProviderARN     string   `xml:"OpenIDConnectProviderArn" json:"OpenIDConnectProviderArn"`
	URL             string   `xml:"Url" json:"Url"`
	ClientID        string   `xml:"ClientID" json:"ClientID"`
	ClientSecretSet bool     `xml:"ClientSecretSet" json:"ClientSecretSet"`
	DisplayName     string   `xml:"DisplayName" json:"DisplayName"`
	RoleARNs        []string `xml:"RoleArns>member" json:"RoleArns"`
	UpdateDate      string   `xml:"UpdateDate" json:"UpdateDate"`
}

// oidcSignIn sends action with params to the IAM endpoint, signed as the
// IAM commands' requests, and prints its answer as JSON.
func (c *call) oidcSignIn(ctx context.Context, action string, params url.Values) int {
	var out any
	var got, list struct {
		Result oidcSignInXML   `xml:"GetOpenIDConnectSignInResult"`
		List   []oidcSignInXML `xml:"ListOpenIDConnectSignInsResult>OpenIDConnectSignIns>member"`
	}
	switch action {
	case "GetOpenIDConnectSignIn":
		if err := c.keywardAction(ctx, action, params, &got); err != nil {
			return fail(c.env, err)
		}
		out = map[string]any{"OpenIDConnectSignIn": got.Result}
	case "ListOpenIDConnectSignIns":
		if err := c.keywardAction(ctx, action, params, &list); err != nil {
			return fail(c.env, err)
		}
		if list.List == nil {
			list.List = []oidcSignInXML{}
		}
		out = map[string]any{"OpenIDConnectSignIns": list.List}
	default:
		if err := c.keywardAction(ctx, action, params, nil); err != nil {
			return fail(c.env, err)
		}
		return ExitOK // the AWS CLI prints nothing for an answer without a result
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fail(c.env, err)
	}
	c.env.Stdout.Write(b.Bytes())
	return ExitOK
}
