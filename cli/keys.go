package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/keyward/keyward/report"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// keyInfo is one access key as the keys commands show it.
type keyInfo struct {
	User        string     `json:"User"`
	AccessKeyID string     `json:"AccessKeyId"`
	Status      string     `json:"Status"`
	Created     time.Time  `json:"Created"`
	AgeDays     int        `json:"AgeDays"`
	LastUsed    *time.Time `json:"LastUsedDate,omitempty"`
	Region      string     `json:"LastUsedRegion"`
	Service     string     `json:"LastUsedService"`
	// Expiration is the key's expiry date (a Keyward extension).
	Expiration *time.Time `json:"Expiration,omitempty"`
}

const rootName = "<root_account>"

// parseAge reads a duration that may be in days: 45d, 12h, 90m.
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, usagef("invalid duration %q: use a number of days (45d) or a Go duration (12h)", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usagef("invalid duration %q: use a number of days (45d) or a Go duration (12h)", s)
	}
	return d, nil
}

// allKeys lists every key of every user (and the root user's, when the
// caller is root), with its last use: ListUsers, then ListAccessKeys and
// GetAccessKeyLastUsed for each, with a progress line on a terminal.
func (c *call) allKeys(ctx context.Context) ([]keyInfo, error) {
	now := c.env.Now()
	var out []keyInfo
	add := func(user string, k keyMetadata) error {
		last, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(k.AccessKeyID)})
		if err != nil {
			return err
		}
		info := keyInfo{User: user, AccessKeyID: k.AccessKeyID, Status: k.Status, Created: k.CreateDate,
			Region: "N/A", Service: "N/A", Expiration: k.Expiration}
		info.AgeDays = int(now.Sub(info.Created) / (24 * time.Hour))
		if u := last.AccessKeyLastUsed; u != nil && u.LastUsedDate != nil {
			info.LastUsed, info.Region, info.Service = u.LastUsedDate, aws.ToString(u.Region), aws.ToString(u.ServiceName)
		}
		out = append(out, info)
		return nil
	}
	if who, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil && strings.HasSuffix(aws.ToString(who.Arn), ":root") {
		keys, err := c.listKeys(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := add(rootName, k); err != nil {
				return nil, err
			}
		}
	}
	p := iam.NewListUsersPaginator(c.iam, &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
	seen := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range page.Users {
			keys, err := c.listKeys(ctx, aws.ToString(u.UserName))
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				if err := add(aws.ToString(u.UserName), k); err != nil {
					return nil, err
				}
			}
			seen++
			if c.env.Terminal && seen%100 == 0 {
				fmt.Fprintf(c.env.Stderr, "\rusers read: %d, keys: %d", seen, len(out))
			}
		}
	}
	if c.env.Terminal && seen >= 100 {
		fmt.Fprintf(c.env.Stderr, "\rusers read: %d, keys: %d\n", seen, len(out))
	}
	return out, nil
}

// filterKeys keeps keys by status, age and time unused.
func filterKeys(keys []keyInfo, now time.Time, status string, olderThan, unusedFor time.Duration) []keyInfo {
	var out []keyInfo
	for _, k := range keys {
		if status != "" && !strings.EqualFold(k.Status, status) {
			continue
		}
		if olderThan > 0 && now.Sub(k.Created) < olderThan {
			continue
		}
		if unusedFor > 0 && now.Sub(lastActivity(k)) < unusedFor {
			continue
		}
		out = append(out, k)
	}
	return out
}

// lastActivity is the last use, or the creation of a key never used.
func lastActivity(k keyInfo) time.Time {
	if k.LastUsed != nil {
		return *k.LastUsed
	}
	return k.Created
}

func (c *call) printKeys(keys []keyInfo, format string) error {
	w := c.env.Stdout
	switch format {
	case "json":
		if keys == nil {
			keys = []keyInfo{}
		}
		b, err := json.MarshalIndent(map[string]any{"AccessKeys": keys}, "", "    ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", b)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"user", "access_key_id", "status", "created", "age_days", "last_used_date", "last_used_region", "last_used_service", "expiration"})
		for _, k := range keys {
			used, expires := "N/A", "N/A"
			if k.LastUsed != nil {
				used = cliTime(*k.LastUsed)
			}
			if k.Expiration != nil {
				expires = cliTime(*k.Expiration)
			}
			row := []string{k.User, k.AccessKeyID, k.Status, cliTime(k.Created), strconv.Itoa(k.AgeDays), used, k.Region, k.Service, expires}
			for i := range row { // the server may not be Keyward, nor trustworthy
				row[i] = report.SpreadsheetSafe(row[i])
			}
			cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	default:
		rows := [][]string{{"User", "Access key ID", "Status", "Created", "Age (days)", "Last used", "Region", "Service", "Expires"}}
		for _, k := range keys {
			used, expires := "Never", "Never"
			if k.LastUsed != nil {
				used = cliTime(*k.LastUsed)
			}
			if k.Expiration != nil {
				expires = cliTime(*k.Expiration)
			}
			rows = append(rows, []string{k.User, k.AccessKeyID, k.Status, cliTime(k.Created), strconv.Itoa(k.AgeDays), used, k.Region, k.Service, expires})
		}
		fmt.Fprint(w, box("Access keys", rows))
	}
	return nil
}

func (c *call) keysFormat() string {
	switch c.g.output {
	case "json", "csv":
		return c.g.output
	}
	return "table"
}

var keysCommands = map[string]*command{
	"list": {summary: "Every access key of every user: status, age, last use.", flags: []string{"status", "older-than", "unused-for"},
		examples: []string{"keyward keys list", "keyward keys list --status Active --older-than 90d --output csv", "keyward keys list --unused-for 45d --output json"},
		run: func(ctx context.Context, c *call) int {
			var older, unused time.Duration
			var err error
			if c.flags.has("older-than") {
				if older, err = parseAge(c.flags.get("older-than")); err != nil {
					return fail(c.env, err)
				}
			}
			if c.flags.has("unused-for") {
				if unused, err = parseAge(c.flags.get("unused-for")); err != nil {
					return fail(c.env, err)
				}
			}
			keys, err := c.allKeys(ctx)
			if err != nil {
				return fail(c.env, err)
			}
			if err := c.printKeys(filterKeys(keys, c.env.Now(), c.flags.get("status"), older, unused), c.keysFormat()); err != nil {
				return fail(c.env, err)
			}
			return ExitOK
		}},
	"find": {summary: "The owner of an access key, its status and last use.", flags: nil,
		examples: []string{"keyward keys find AKIAIOSFODNN7EXAMPLE"},
		run: func(ctx context.Context, c *call) int {
			id := c.flags.get("_")
			if id == "" {
				return fail(c.env, usagef("keyward keys find: give the access key ID: keyward keys find AKIA..."))
			}
			last, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
			if err != nil {
				return fail(c.env, err)
			}
			owner := aws.ToString(last.UserName)
			keys, err := c.listKeys(ctx, owner)
			if err != nil {
				return fail(c.env, err)
			}
			if owner == "" {
				owner = rootName
			}
			for _, k := range keys {
				if k.AccessKeyID == id {
					info := keyInfo{User: owner, AccessKeyID: id, Status: k.Status, Created: k.CreateDate, Region: "N/A", Service: "N/A", Expiration: k.Expiration}
					info.AgeDays = int(c.env.Now().Sub(info.Created) / (24 * time.Hour))
					if u := last.AccessKeyLastUsed; u != nil && u.LastUsedDate != nil {
						info.LastUsed, info.Region, info.Service = u.LastUsedDate, aws.ToString(u.Region), aws.ToString(u.ServiceName)
					}
					if err := c.printKeys([]keyInfo{info}, c.keysFormat()); err != nil {
						return fail(c.env, err)
					}
					return ExitOK
				}
			}
			return fail(c.env, fmt.Errorf("access key %s belongs to %s, who does not list it", id, owner))
		}},
	"stale": {summary: "Keys that break the usual audit rules; exit 1 when there are any.", flags: []string{"unused-for", "older-than"},
		examples: []string{"keyward keys stale --unused-for 45d --older-than 90d || echo 'rotate these keys'"},
		run: func(ctx context.Context, c *call) int {
			unused, older := 45*24*time.Hour, 90*24*time.Hour // CIS AWS Foundations 1.12 and 1.14
			var err error
			if c.flags.has("unused-for") {
				if unused, err = parseAge(c.flags.get("unused-for")); err != nil {
					return fail(c.env, err)
				}
			}
			if c.flags.has("older-than") {
				if older, err = parseAge(c.flags.get("older-than")); err != nil {
					return fail(c.env, err)
				}
			}
			keys, err := c.allKeys(ctx)
			if err != nil {
				return fail(c.env, err)
			}
			now := c.env.Now()
			var stale []keyInfo
			for _, k := range filterKeys(keys, now, "Active", 0, 0) {
				if now.Sub(lastActivity(k)) >= unused || now.Sub(k.Created) >= older {
					stale = append(stale, k)
				}
			}
			if err := c.printKeys(stale, c.keysFormat()); err != nil {
				return fail(c.env, err)
			}
			if len(stale) > 0 {
				return ExitFound
			}
			return ExitOK
		}},
	"create": {summary: "A new access key, as aws iam create-access-key prints it, optionally expiring (a Keyward extension).",
		flags: []string{"user-name", "expires-in"}, required: []string{"user-name"},
		examples: []string{"keyward keys create --user-name alice", "keyward keys create --user-name ci --expires-in 30d"},
		run:      createKey},
	"policy": {summary: "The account's key lifecycle policy: put, get (JSON) or delete.",
		flags: []string{"max-age", "warn", "unused", "delete-inactive", "report-only", "report-only-rule", "path-prefix", "tag-key", "tag-value"},
		examples: []string{
			"keyward keys policy put --max-age 90d --warn 14d --unused 45d --delete-inactive 30d",
			"keyward keys policy put --max-age 90d --report-only          # report, change nothing",
			"keyward keys policy put --max-age 30d --path-prefix /service/  # service users only",
			"keyward keys policy get",
			"keyward keys policy delete"},
		run: keysPolicy},
	"rotate": {summary: "AWS's rotation, guided: a second key, then --finish retires the old one.",
		flags: []string{"user-name", "save-to", "finish", "grace", "now"}, required: []string{"user-name"},
		examples: []string{
			"keyward keys rotate --user-name alice --save-to alice.csv   # 1: a new key, saved (0600)",
			"keyward keys rotate --user-name alice --finish               # 2: deactivate the old key once unused",
			"keyward keys rotate --user-name alice --finish --grace 7d    # 3: delete it after a week (run again)",
			"keyward keys rotate --user-name alice --finish --now         #    or delete it at once"},
		run: rotate},
}

// rotationTag notes, on the user, when rotation deactivated an old key.
const rotationTag = "keyward:rotation-deactivated"

func rotate(ctx context.Context, c *call) int {
	user := c.flags.get("user-name")
	keys, err := c.iam.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		return fail(c.env, err)
	}
	list := keys.AccessKeyMetadata
	if !c.flags.has("finish") {
		if len(list) >= 2 {
			return fail(c.env, fmt.Errorf("%s already has two access keys (%s, %s): finish or undo the last rotation first (keyward keys rotate --user-name %s --finish)",
				user, aws.ToString(list[0].AccessKeyId), aws.ToString(list[1].AccessKeyId), user))
		}
		out, err := c.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			return fail(c.env, err)
		}
		k := out.AccessKey
		line := fmt.Sprintf("Access key ID,Secret access key\n%s,%s\n", aws.ToString(k.AccessKeyId), aws.ToString(k.SecretAccessKey))
		if path := c.flags.get("save-to"); path != "" {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fail(c.env, fmt.Errorf("saving the new key (created, %s): %w", aws.ToString(k.AccessKeyId), err))
			}
			_, werr := f.WriteString(line)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return fail(c.env, werr)
			}
			fmt.Fprintf(c.env.Stdout, "Created %s for %s and saved it to %s.\n", aws.ToString(k.AccessKeyId), user, path)
		} else {
			fmt.Fprint(c.env.Stdout, line)
			fmt.Fprintln(c.env.Stderr, "The secret is shown this once.")
		}
		fmt.Fprintf(c.env.Stderr, "Put the new key in use, then run: keyward keys rotate --user-name %s --finish\n", user)
		return ExitOK
	}
	if len(list) != 2 {
		return fail(c.env, fmt.Errorf("%s has %d access key(s): --finish needs the old and the new one", user, len(list)))
	}
	oldKey, newKey := list[0], list[1]
	if aws.ToTime(newKey.CreateDate).Before(aws.ToTime(oldKey.CreateDate)) {
		oldKey, newKey = newKey, oldKey
	}
	oldID := aws.ToString(oldKey.AccessKeyId)
	if oldKey.Status == types.StatusTypeActive {
		last, err := c.iam.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: oldKey.AccessKeyId})
		if err != nil {
			return fail(c.env, err)
		}
		if u := last.AccessKeyLastUsed; u != nil && u.LastUsedDate != nil && !u.LastUsedDate.Before(aws.ToTime(newKey.CreateDate)) {
			return fail(c.env, fmt.Errorf("the old key %s was used at %s (%s, %s), after the new key %s was created at %s: something still uses it; move it to the new key and try again",
				oldID, cliTime(*u.LastUsedDate), aws.ToString(u.ServiceName), aws.ToString(u.Region), aws.ToString(newKey.AccessKeyId), cliTime(aws.ToTime(newKey.CreateDate))))
		}
		if _, err := c.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: oldKey.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
			return fail(c.env, err)
		}
		if _, err := c.iam.TagUser(ctx, &iam.TagUserInput{UserName: aws.String(user), Tags: []types.Tag{{Key: aws.String(rotationTag), Value: aws.String(oldID + "@" + cliTime(c.env.Now()))}}}); err != nil {
			return fail(c.env, err)
		}
		fmt.Fprintf(c.env.Stdout, "Deactivated the old key %s.\n", oldID)
	}
	grace := time.Duration(0)
	if c.flags.has("grace") {
		if grace, err = parseAge(c.flags.get("grace")); err != nil {
			return fail(c.env, err)
		}
	}
	if !c.flags.has("now") {
		if !c.flags.has("grace") {
			fmt.Fprintf(c.env.Stderr, "Delete it once nothing has failed: keyward keys rotate --user-name %s --finish --now (or --grace 7d)\n", user)
			return ExitOK
		}
		since, err := c.deactivatedAt(ctx, user, oldID)
		if err != nil {
			return fail(c.env, err)
		}
		if due := since.Add(grace); c.env.Now().Before(due) {
			fmt.Fprintf(c.env.Stdout, "The old key %s stays inactive until %s; run this again then to delete it.\n", oldID, cliTime(due))
			return ExitOK
		}
	}
	if _, err := c.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: oldKey.AccessKeyId}); err != nil {
		return fail(c.env, err)
	}
	c.iam.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String(user), TagKeys: []string{rotationTag}})
	fmt.Fprintf(c.env.Stdout, "Deleted the old key %s. %s now uses %s only.\n", oldID, user, aws.ToString(newKey.AccessKeyId))
	return ExitOK
}

// deactivatedAt reads when rotation deactivated the key (now, if it was
// deactivated by hand).
func (c *call) deactivatedAt(ctx context.Context, user, id string) (time.Time, error) {
	tags, err := c.iam.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(user)})
	if err != nil {
		return time.Time{}, err
	}
	for _, t := range tags.Tags {
		if aws.ToString(t.Key) == rotationTag {
			if kid, at, ok := strings.Cut(aws.ToString(t.Value), "@"); ok && kid == id {
				if tm, err := time.Parse("2006-01-02T15:04:05+00:00", at); err == nil {
					return tm, nil
				}
			}
		}
	}
	return c.env.Now(), nil
}
