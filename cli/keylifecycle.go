package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward"
)

// keyward calls one of Keyward's actions, or an IAM action with Keyward's
// extensions, that the SDK has no model of: a Query request on the IAM
// endpoint, signed as the SDK signs, whose XML answer is read into out
// (nil: none). An error answer is the SDK's kind of API error, printed as
// the AWS CLI prints one.
func (c *call) keyward(ctx context.Context, action string, form url.Values, out any) error {
	form.Set("Action", action)
	form.Set("Version", "2010-05-08")
	body := form.Encode()
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return &noCredentialsError{}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.endpoint, "/")+"/", strings.NewReader(body))
	if err != nil {
		return &generalError{fmt.Sprintf("Invalid endpoint: %s", c.endpoint)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", "keyward-cli")
	sum := sha256.Sum256([]byte(body))
	// Signed with the time the SDK's clients sign with, as the others.
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", c.cfg.Region, time.Now()); err != nil {
		return &generalError{err.Error()}
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return &generalError{fmt.Sprintf("Could not connect to the endpoint URL: \"%s\"", c.endpoint)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil || len(data) > maxResponseBytes {
		return &generalError{fmt.Sprintf("the response of %s could not be read", action)}
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if xml.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			e.Error.Code, e.Error.Message = fmt.Sprint(resp.StatusCode), http.StatusText(resp.StatusCode)
		}
		return &smithy.OperationError{ServiceID: "IAM", OperationName: action,
			Err: &smithy.GenericAPIError{Code: e.Error.Code, Message: e.Error.Message}}
	}
	if out == nil {
		return nil
	}
	return xml.Unmarshal(data, out)
}

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
	err := c.keyward(ctx, "ListAccessKeys", form, &out)
	return out.Keys, err
}

// createKey is `keyward keys create`: CreateAccessKey, with Keyward's
// ExpiresIn when --expires-in is given, printed as the AWS CLI prints
// create-access-key, Expiration added.
func createKey(ctx context.Context, c *call) int {
	form := url.Values{"UserName": {c.flags.get("user-name")}}
	if c.flags.has("expires-in") {
		in := c.flags.get("expires-in")
		if _, err := keyward.ParseKeyDuration("expires-in", in); err != nil {
			return fail(c.env, usagef("invalid --expires-in %q: a duration of at least 1m, in days (30d), hours (12h) or minutes (90m)", in))
		}
		form.Set("ExpiresIn", in)
	}
	var out struct {
		Key keyMetadata `xml:"CreateAccessKeyResult>AccessKey"`
	}
	if err := c.keyward(ctx, "CreateAccessKey", form, &out); err != nil {
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
		if err := c.keyward(ctx, "PutAccessKeyPolicy", form, &out); err != nil {
			return fail(c.env, err)
		}
	case "get":
		if err := c.keyward(ctx, "GetAccessKeyPolicy", url.Values{}, &out); err != nil {
			return fail(c.env, err)
		}
	case "delete":
		if err := c.keyward(ctx, "DeleteAccessKeyPolicy", url.Values{}, nil); err != nil {
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
