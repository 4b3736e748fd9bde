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
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// keyward webhooks: Keyward's own actions on the IAM endpoint
// (CreateWebhookSubscription and its kin), which the AWS CLI has no
// command for: signed with the configured credentials as any IAM call.

// maxSecretFile bounds the secret file read: a secret is 512 bytes at
// most.
const maxSecretFile = 4 << 10

// webhookSubscription is a subscription as the commands print it.
type webhookSubscription struct {
	ID         string    `xml:"Id" json:"Id"`
	URL        string    `xml:"Url" json:"Url"`
	Events     []string  `xml:"Events>member" json:"Events"`
	CreateDate time.Time `xml:"CreateDate" json:"CreateDate"`
}

// parkedDelivery is a parked delivery as keyward webhooks deliveries
// prints it.
type parkedDelivery struct {
	ID             string    `xml:"Id" json:"Id"`
	SubscriptionID string    `xml:"SubscriptionId" json:"SubscriptionId"`
	EventID        string    `xml:"EventId" json:"EventId"`
	EventType      string    `xml:"EventType" json:"EventType"`
	CreateDate     time.Time `xml:"CreateDate" json:"CreateDate"`
	ParkedDate     time.Time `xml:"ParkedDate" json:"ParkedDate"`
	Attempts       int       `xml:"Attempts" json:"Attempts"`
	LastError      string    `xml:"LastError" json:"LastError"`
	Reason         string    `xml:"Reason" json:"Reason"`
}

var webhooksCommands = map[string]*command{
	"create": {summary: "Subscribe a URL to Keyward's events (prints the subscription, with its Id).",
		flags: []string{"url", "secret-file", "event"}, required: []string{"url", "secret-file", "event"},
		examples: []string{"keyward webhooks create --url https://hooks.example.com/keyward --secret-file secret.txt --event access-key.created --event access-key.deactivated"},
		run: func(ctx context.Context, c *call) int {
			secret, err := readSecretFile(c.flags.get("secret-file"))
			if err != nil {
				return fail(c.env, err)
			}
			params := url.Values{"Url": {c.flags.get("url")}, "Secret": {secret}}
			for i, e := range c.flags["event"] {
				params.Set("Events.member."+strconv.Itoa(i+1), e)
			}
			var out struct {
				Sub webhookSubscription `xml:"CreateWebhookSubscriptionResult>WebhookSubscription"`
			}
			if err := c.keywardAction(ctx, "CreateWebhookSubscription", params, &out); err != nil {
				return fail(c.env, err)
			}
			return c.printJSON(out.Sub)
		}},
	"list": {summary: "The account's webhook subscriptions.",
		examples: []string{"keyward webhooks list", "keyward webhooks list --output table"},
		run: func(ctx context.Context, c *call) int {
			var out struct {
				Subs []webhookSubscription `xml:"ListWebhookSubscriptionsResult>WebhookSubscriptions>member"`
			}
			if err := c.keywardAction(ctx, "ListWebhookSubscriptions", url.Values{}, &out); err != nil {
				return fail(c.env, err)
			}
			if c.g.output == "table" || c.g.output == "text" {
				rows := [][]string{{"Id", "Url", "Events", "Created"}}
				for _, s := range out.Subs {
					rows = append(rows, []string{s.ID, s.URL, strings.Join(s.Events, " "), cliTime(s.CreateDate)})
				}
				fmt.Fprint(c.env.Stdout, box("WebhookSubscriptions", rows))
				return ExitOK
			}
			if out.Subs == nil {
				out.Subs = []webhookSubscription{}
			}
			return c.printJSON(map[string]any{"WebhookSubscriptions": out.Subs})
		}},
	"delete": {summary: "Delete a webhook subscription and its pending and parked deliveries.",
		flags: []string{"id"}, required: []string{"id"},
		examples: []string{"keyward webhooks delete --id whs-abcdefghijklmnopqrst"},
		run: func(ctx context.Context, c *call) int {
			if err := c.keywardAction(ctx, "DeleteWebhookSubscription", url.Values{"Id": {c.flags.get("id")}}, nil); err != nil {
				return fail(c.env, err)
			}
			return ExitOK
		}},
	"deliveries": {summary: "Deliveries given up after their last attempt (parked), with their last error.",
		flags:    []string{"max-items"},
		examples: []string{"keyward webhooks deliveries", "keyward webhooks deliveries --output table"},
		run: func(ctx context.Context, c *call) int {
			params := url.Values{}
			if m := c.flags.get("max-items"); m != "" {
				params.Set("MaxItems", m)
			}
			var out struct {
				Deliveries []parkedDelivery `xml:"ListParkedWebhookDeliveriesResult>Deliveries>member"`
			}
			if err := c.keywardAction(ctx, "ListParkedWebhookDeliveries", params, &out); err != nil {
				return fail(c.env, err)
			}
			if c.g.output == "table" || c.g.output == "text" {
				rows := [][]string{{"Parked", "Event", "Subscription", "Attempts", "Last error"}}
				for _, d := range out.Deliveries {
					rows = append(rows, []string{cliTime(d.ParkedDate), d.EventType, d.SubscriptionID, strconv.Itoa(d.Attempts), d.LastError})
				}
				fmt.Fprint(c.env.Stdout, box("ParkedDeliveries", rows))
				return ExitOK
			}
			if out.Deliveries == nil {
				out.Deliveries = []parkedDelivery{}
			}
			return c.printJSON(map[string]any{"Deliveries": out.Deliveries})
		}},
}

func init() {
	groups["webhooks"] = &group{summary: "keyward webhooks: subscriptions to Keyward's events (a Keyward extension).", commands: webhooksCommands}
}

// readSecretFile reads a webhook secret from a file, without its final
// line break.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", usagef("keyward webhooks create: --secret-file: %s", pyOSError(err, path))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretFile {
		return "", usagef("keyward webhooks create: --secret-file: the file is larger than %d bytes; a secret is 16 to 512 bytes", maxSecretFile)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func (c *call) printJSON(v any) int {
	b, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return fail(c.env, err)
	}
	fmt.Fprintf(c.env.Stdout, "%s\n", b)
	return ExitOK
}

// keywardAction calls one of Keyward's own actions on the IAM endpoint,
// signed with SigV4 for iam as the SDK signs IAM's, and decodes the answer
// into out (nil: none). An error answer is an API error, printed as the
// AWS CLI prints one.
func (c *call) keywardAction(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2010-05-08")
	body := params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, aws.ToString(c.cfg.BaseEndpoint), strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.cfg.Credentials == nil {
		return &noCredentialsError{}
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return &noCredentialsError{}
	}
	sum := sha256.Sum256([]byte(body))
	// Signed at the time the SDK's clients sign with, as the other
	// requests of the command: env.Now is the commands' clock for ages
	// and dates (keyward keys stale), which tests move.
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", c.cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(b, &e) != nil || e.Code == "" {
			e.Code, e.Message = strconv.Itoa(resp.StatusCode), http.StatusText(resp.StatusCode)
		}
		return &smithy.OperationError{ServiceID: "IAM", OperationName: action, Err: &smithy.GenericAPIError{Code: e.Code, Message: e.Message}}
	}
	if out == nil {
		return nil
	}
	return xml.Unmarshal(b, out)
}
