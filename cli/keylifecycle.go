package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/keyward/keyward/lifecycle"
)

// keyMetadata is an access key as ListAccessKeys and CreateAccessKey
// answer, Keyward's Expiration included.
type keyMetadata struct {
	UserName        string
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string
	SecretAccessKey string
	CreateDate      time.Time
	Expiration      *time.Time
}

// listKeys is ListAccessKeys of user (the caller when empty), with each
// key's expiry date.
func (c *call) listKeys(ctx context.Context, user string) ([]keyMetadata, error) {
	form := url.Values{}
	if user != "" {
		form.Set("UserName", user)
	}
	var out struct {
		Keys []keyMetadata `xml:"ListAccessKeysResult>AccessKeyMetadata>member"`
	}
	err := c.keywardAction(ctx, "ListAccessKeys", form, &out)
	return out.Keys, err
}

// createKey is `keyward keys create`: CreateAccessKey, with Keyward's
// ExpiresIn when --expires-in is given, printed as the AWS CLI prints
// create-access-key, Expiration added.
func createKey(ctx context.Context, c *call) int {
	form := url.Values{"UserName": {c.flags.get("user-name")}}
	if c.flags.has("expires-in") {
		in := c.flags.get("expires-in")
		if _, err := lifecycle.ParseKeyDuration("expires-in", in); err != nil {
			return fail(c.env, usagef("invalid --expires-in %q: a duration of at least 1m, in days (30d), hours (12h) or minutes (90m)", in))
		}
		form.Set("ExpiresIn", in)
	}
	var out struct {
		Key keyMetadata `xml:"CreateAccessKeyResult>AccessKey"`
	}
	if err := c.keywardAction(ctx, "CreateAccessKey", form, &out); err != nil {
		return fail(c.env, err)
	}
	k := out.Key
	type printed struct {
		UserName        string `json:"UserName,omitempty"`
		AccessKeyID     string `json:"AccessKeyId"`
		Status          string `json:"Status"`
		SecretAccessKey string `json:"SecretAccessKey"`
		CreateDate      string `json:"CreateDate"`
		Expiration      string `json:"Expiration,omitempty"`
	}
	p := printed{UserName: k.UserName, AccessKeyID: k.AccessKeyID, Status: k.Status, SecretAccessKey: k.SecretAccessKey, CreateDate: cliTime(k.CreateDate)}
	if k.Expiration != nil {
		p.Expiration = cliTime(*k.Expiration)
	}
	b, err := json.MarshalIndent(map[string]any{"AccessKey": p}, "", "    ")
	if err != nil {
		return fail(c.env, err)
	}
	fmt.Fprintf(c.env.Stdout, "%s\n", b)
	return ExitOK
}

// policyXML is GetAccessKeyPolicy's and PutAccessKeyPolicy's answer.
type policyXML struct {
	Warn  string
	Rules []struct {
		Name, After, PathPrefix, TagKey, TagValue string
		ReportOnly                                bool
	} `xml:"Rules>member"`
	UpdatedAt time.Time
}

// printPolicy prints the policy as JSON: each rule by its flag's name.
func (c *call) printPolicy(p policyXML) error {
	type rule struct {
		After      string `json:"After"`
		ReportOnly bool   `json:"ReportOnly"`
		PathPrefix string `json:"PathPrefix,omitempty"`
		TagKey     string `json:"TagKey,omitempty"`
		TagValue   string `json:"TagValue,omitempty"`
	}
	type printed struct {
		MaxAge         *rule  `json:"MaxAge,omitempty"`
		Warn           string `json:"Warn,omitempty"`
		Unused         *rule  `json:"Unused,omitempty"`
		DeleteInactive *rule  `json:"DeleteInactive,omitempty"`
		UpdatedAt      string `json:"UpdatedAt"`
	}
	out := printed{Warn: p.Warn, UpdatedAt: cliTime(p.UpdatedAt)}
	for _, r := range p.Rules {
		v := &rule{After: r.After, ReportOnly: r.ReportOnly, PathPrefix: r.PathPrefix, TagKey: r.TagKey, TagValue: r.TagValue}
		switch r.Name {
		case "max-age":
			out.MaxAge = v
		case "unused":
			out.Unused = v
		case "delete-inactive":
			out.DeleteInactive = v
		}
	}
	b, err := json.MarshalIndent(map[string]any{"AccessKeyPolicy": out}, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.env.Stdout, "%s\n", b)
	return err
}

// keysPolicy is `keyward keys policy put|get|delete`.
func keysPolicy(ctx context.Context, c *call) int {
	var out struct {
		Get policyXML `xml:"GetAccessKeyPolicyResult>AccessKeyPolicy"`
		Put policyXML `xml:"PutAccessKeyPolicyResult>AccessKeyPolicy"`
	}
	switch sub := c.flags.get("_"); sub {
	case "put":
		form := url.Values{}
		for flag, member := range map[string]string{"max-age": "MaxAge", "warn": "Warn", "unused": "Unused", "delete-inactive": "DeleteInactive",
			"path-prefix": "PathPrefix", "tag-key": "TagKey", "tag-value": "TagValue"} {
			if c.flags.has(flag) {
				form.Set(member, c.flags.get(flag))
			}
		}
		if c.flags.has("report-only") {
			form.Set("ReportOnly", "true")
		}
		for i, r := range c.flags["report-only-rule"] {
			form.Set(fmt.Sprintf("ReportOnlyRules.member.%d", i+1), r)
		}
		if err := c.keywardAction(ctx, "PutAccessKeyPolicy", form, &out); err != nil {
			return fail(c.env, err)
		}
	case "get":
		if err := c.keywardAction(ctx, "GetAccessKeyPolicy", url.Values{}, &out); err != nil {
			return fail(c.env, err)
		}
	case "delete":
		if err := c.keywardAction(ctx, "DeleteAccessKeyPolicy", url.Values{}, nil); err != nil {
			return fail(c.env, err)
		}
		return ExitOK
	default:
		return fail(c.env, usagef("keyward keys policy: give put, get or delete, not %q", sub))
	}
	p := out.Get
	if len(out.Put.Rules) > 0 || out.Put.Warn != "" {
		p = out.Put
	}
	if err := c.printPolicy(p); err != nil {
		return fail(c.env, err)
	}
	return ExitOK
}
