package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

const eventsHelp = `Usage: keyward events [--user NAME] [--name EVENT] [--since DURATION] [--output json|table]

Reads the audit trail through CloudTrail's LookupEvents (newest first): every
change to users, keys, groups, policies, passwords and MFA, every refusal,
failed authentication and console sign-in. --since takes a duration (24h, 7d);
--user and --name select by the user and by the event name, alone or
together. Needs cloudtrail:LookupEvents.

keyward events --parked lists the webhook deliveries that were given up after
their last attempt, with their last error, as keyward webhooks deliveries does
(needs keyward:ListParkedWebhookDeliveries).
`

// eventsCommand runs `keyward events`.
func eventsCommand(ctx context.Context, c *call) int {
	in := &cloudtrail.LookupEventsInput{}
	// LookupEvents takes one lookup attribute: the user when given, and
	// the event name is then matched here.
	user, name := c.flags.get("user"), c.flags.get("name")
	switch {
	case user != "":
		in.LookupAttributes = []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String(user)}}
	case name != "":
		in.LookupAttributes = []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}}
	}
	if s := c.flags.get("since"); s != "" {
		d, err := parseAge(s)
		if err != nil {
			return fail(c.env, err)
		}
		in.StartTime = aws.Time(c.env.Now().Add(-d))
	}
	var events []types.Event
	for p := cloudtrail.NewLookupEventsPaginator(c.cloudtrail, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fail(c.env, err)
		}
		for _, e := range page.Events {
			if name == "" || aws.ToString(e.EventName) == name {
				events = append(events, e)
			}
		}
	}
	format := c.g.output
	if format == "" {
		format = "json"
	}
	w := c.env.Stdout
	switch format {
	case "json":
		records := make([]json.RawMessage, 0, len(events))
		for _, e := range events {
			records = append(records, json.RawMessage(aws.ToString(e.CloudTrailEvent)))
		}
		b, err := json.MarshalIndent(map[string]any{"Events": records}, "", "    ")
		if err != nil {
			return fail(c.env, err)
		}
		fmt.Fprintf(w, "%s\n", b)
	case "table", "text":
		rows := [][]string{{"Time", "Event", "User", "Source IP", "Error"}}
		for _, e := range events {
			var rec struct {
				SourceIPAddress, ErrorCode string
			}
			json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec)
			rows = append(rows, []string{cliTime(aws.ToTime(e.EventTime)), aws.ToString(e.EventName), aws.ToString(e.Username), rec.SourceIPAddress, rec.ErrorCode})
		}
		fmt.Fprint(w, box("Events", rows))
	default:
		return fail(c.env, usagef("keyward events: --output must be json or table"))
	}
	return ExitOK
}
