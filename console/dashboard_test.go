package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/lifecycle"
)

// recommendationsOf reads the dashboard's recommendations: each one's ID
// and the count in its text (0 for one without a count).
func recommendationsOf(page string) map[string]string {
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`data-recommendation="([a-z-]+)"><strong>([0-9]*)`).FindAllStringSubmatch(page, -1) {
		got[m[1]] = m[2]
	}
	return got
}

// TestDashboard: the console's first page counts the account's entities
// and recommends what AWS recommends about credentials, each with a link
// to the page that fixes it, and a recommendation goes once it is
// followed; a principal that may not read the users gets no counts it
// could not read.
func TestDashboard(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	root := ts.RootIAM()
	// bo signs in to the console without MFA and has a key; cy has a key only.
	for _, name := range []string{"bo", "cy"} {
		kwtest.CreateUserKey(t, root, name)
	}
	if _, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("bo"), Password: aws.String("Correct-Horse-9")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	web := signedInRoot(t, ts)
	resp, page := web.Get("/console/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{`data-count="Users"><dt><a href="/console/users">Users</a></dt><dd>2</dd>`,
		`data-count="Groups"><dt><a href="/console/groups">User groups</a></dt><dd>1</dd>`, `data-count="Roles">`} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	got := recommendationsOf(page)
	if _, ok := got["root-mfa"]; !ok || got["root-keys"] != "" || got["users-without-mfa"] != "1" || len(got) != 3 {
		t.Errorf("recommendations today: %v, want the root user's MFA, its keys and one user without MFA", got)
	}
	if !strings.Contains(page, `href="/console/security-credentials"`) || !strings.Contains(page, `href="/console/users?sort=mfa"`) {
		t.Error("a recommendation does not link to its fix")
	}

	// 91 days on, both keys are old, and unused since they were made.
	ts.Clock.Add(91 * 24 * time.Hour)
	web = signedInRoot(t, ts) // the console session of 91 days ago has ended
	_, page = web.Get("/console/")
	if got := recommendationsOf(page); got["old-keys"] != "2" || got["unused-keys"] != "2" {
		t.Errorf("recommendations 91 days on: %v, want 2 old and 2 unused keys", got)
	}
	// A key used today is old but no longer unused.
	id, secret := kwtest.CreateUserKey(t, root, "dee")
	if _, err := ts.STSIn(id, secret, "eu-west-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Uses.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	ts.Clock.Add(91 * 24 * time.Hour)
	web = signedInRoot(t, ts)
	if _, err := ts.STSIn(id, secret, "eu-west-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Uses.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_, page = web.Get("/console/")
	if got := recommendationsOf(page); got["old-keys"] != "3" || got["unused-keys"] != "2" {
		t.Errorf("recommendations with a key in use: %v, want 3 old and 2 unused keys", got)
	}

	// A user who may read only itself sees no counts and no advice about others.
	kwtest.CreateUserKey(t, root, "eve")
	if _, err := root.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("eve"), Password: aws.String("Correct-Horse-9")}); err != nil {
		t.Fatal(err)
	}
	eve := signedIn(t, ts, userForm("eve", "Correct-Horse-9"))
	resp, page = eve.Get("/console/")
	if resp.StatusCode != http.StatusOK || strings.Contains(page, "data-count=") || len(recommendationsOf(page)) != 0 ||
		!strings.Contains(page, "do not let this page read") {
		t.Errorf("eve's dashboard: %d, counts or advice she may not read\n%s", resp.StatusCode, page)
	}
	if resp, _ := eve.Get("/console/security-credentials"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/users/eve?tab=credentials" {
		t.Errorf("eve's security credentials: %d to %q, want her own user page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestRootSecurityCredentials: the root user manages its own access keys
// in the console as a user's are managed, through the same confirmations,
// and the dashboard's advice about them goes once they are gone.
func TestRootSecurityCredentials(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	root := ts.RootIAM()
	extra, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(extra.AccessKey.AccessKeyId)
	web := signedInRoot(t, ts)
	_, page := web.Get("/console/security-credentials")
	if !strings.Contains(page, `data-key="`+id+`"`) || !strings.Contains(page, `data-key="`+kwtest.RootKeyID+`"`) {
		t.Fatalf("the root user's keys are not listed\n%s", page)
	}
	status := func(want types.StatusType) {
		t.Helper()
		out, err := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range out.AccessKeyMetadata {
			if aws.ToString(k.AccessKeyId) == id && k.Status != want {
				t.Errorf("%s is %s, want %s", id, k.Status, want)
			}
		}
	}
	base := "/console/security-credentials/keys/" + id
	// Deleting an active key asks to deactivate it first, and deletes nothing.
	_, page = web.Get(base + "/delete")
	if !strings.Contains(page, `action="`+base+`/deactivate"`) {
		t.Errorf("deleting an active key does not offer to deactivate it first\n%s", page)
	}
	resp, _ := web.Post(base+"/delete", url.Values{"csrf": {web.token()}, "confirm": {id}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("deleting an active key: %d, want 400", resp.StatusCode)
	}
	status(types.StatusTypeActive)
	resp, _ = web.Post(base+"/deactivate", url.Values{"csrf": {web.token()}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/security-credentials?notice=key-deactivated" {
		t.Errorf("deactivate: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	status(types.StatusTypeInactive)
	if resp, _ := web.Post(base+"/delete", url.Values{"csrf": {web.token()}, "confirm": {"AKIAWRONG"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("delete with the wrong ID typed: %d, want 400", resp.StatusCode)
	}
	if resp, _ := web.Post(base+"/delete", url.Values{"csrf": {web.token()}, "confirm": {id}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	out, err := root.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{})
	if err != nil || len(out.AccessKeyMetadata) != 1 {
		t.Fatalf("root's keys after the delete: %v, %v", out, err)
	}
	// Without a CSRF token nothing happens.
	if resp, _ := web.Post("/console/security-credentials/keys/"+kwtest.RootKeyID+"/deactivate", url.Values{}); resp.StatusCode == http.StatusSeeOther {
		t.Error("a deactivation without a CSRF token was accepted")
	}
}

// TestDashboardFollowsTheKeyPolicy: with a key lifecycle policy, "old" and
// "unused" are the policy's, and keys that end within the week, by their
// expiry date or by the policy's maximum age, are announced.
func TestDashboardFollowsTheKeyPolicy(t *testing.T) {
	ts := newAPIServer(t)
	ctx := kwtest.AsRoot(context.Background())
	for _, name := range []string{"ci", "ops"} {
		_, err := ts.IAM.CreateUser(ctx, name, "/", nil)
		must(t, err)
	}
	_, _, err := ts.IAM.CreateExpiringAccessKey(ctx, "ci", "", 3*24*time.Hour)
	must(t, err)
	_, _, err = ts.IAM.CreateAccessKey(ctx, "ops")
	must(t, err)
	web := signedInRoot(t, ts)
	_, page := web.Get("/console/")
	if got := recommendationsOf(page); got["expiring-keys"] != "1" || got["old-keys"] != "" {
		t.Errorf("without a policy: %v, want one key expiring", got)
	}
	_, err = ts.Lifecycle.PutAccessKeyPolicy(ctx, lifecycle.PolicyInput{MaxAge: "30d", Unused: "20d"})
	must(t, err)
	// 25 days on: both keys unused past 20 days, ops's key ends (30 days) within the week, ci's is gone.
	ts.Clock.Add(25 * 24 * time.Hour)
	web = signedInRoot(t, ts)
	_, page = web.Get("/console/")
	got := recommendationsOf(page)
	if got["expiring-keys"] != "1" || got["unused-keys"] != "1" || got["old-keys"] != "" {
		t.Errorf("25 days on under the policy: %v, want ops's key expiring and unused", got)
	}
	if !strings.Contains(page, "have not been used for 20 days") {
		t.Error("the unused recommendation does not name the policy's 20 days")
	}
}
