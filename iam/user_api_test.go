package iam_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

func init() {
	tagFixtures[keyward.TaggedUser] = func(t *testing.T, b *apiServer) (string, string) {
		_, err := b.IAM.CreateUser(b.RootContext(), "u", "/", nil)
		must(t, err)
		return "u", "none"
	}
}

var (
	keyIDPatternAWS  = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	userIDPatternAWS = regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
)

func TestUsers(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()

	out, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/eng/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}})
	must(t, err)
	u := out.User
	if *u.UserName != "alice" || *u.Path != "/eng/" || *u.Arn != "arn:aws:iam::123456789012:user/eng/alice" ||
		!userIDPatternAWS.MatchString(*u.UserId) || u.CreateDate == nil || time.Since(*u.CreateDate) > time.Minute ||
		len(u.Tags) != 1 || *u.Tags[0].Key != "team" {
		t.Fatalf("created %+v", u)
	}

	t.Run("GetUser", func(t *testing.T) {
		got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
		must(t, err)
		if *got.User.UserId != *u.UserId || *got.User.Arn != *u.Arn || len(got.User.Tags) != 1 || *got.User.Tags[0].Value != "platform" {
			t.Fatalf("got %+v", got.User)
		}
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bob")})
		wantAPIError(t, err, "NoSuchEntity", 404, "The user with name bob cannot be found.")
	})
	t.Run("GetUserOfCaller", func(t *testing.T) {
		got, err := c.GetUser(ctx, &iam.GetUserInput{})
		must(t, err)
		if *got.User.Arn != "arn:aws:iam::123456789012:root" || *got.User.UserId != kwtest.AccountID {
			t.Fatalf("root's GetUser %+v", got.User)
		}
	})
	t.Run("Duplicate", func(t *testing.T) {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
		wantAPIError(t, err, "EntityAlreadyExists", 409, "User with name alice already exists.")
		_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ALICE")})
		wantAPIError(t, err, "EntityAlreadyExists", 409, "User with name ALICE already exists.")
	})
	t.Run("UpdateUser", func(t *testing.T) {
		_, err := c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alice"), NewUserName: aws.String("alicia"), NewPath: aws.String("/ops/")})
		must(t, err)
		got, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alicia")})
		must(t, err)
		if *got.User.UserId != *u.UserId || *got.User.Arn != "arn:aws:iam::123456789012:user/ops/alicia" {
			t.Fatalf("after update %+v", got.User)
		}
		_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")})
		wantAPIError(t, err, "NoSuchEntity", 404, "The user with name alice cannot be found.")
		_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("nobody"), NewPath: aws.String("/")})
		wantAPIError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
		_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
		must(t, err)
		_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("alicia"), NewUserName: aws.String("carol")})
		wantAPIError(t, err, "EntityAlreadyExists", 409, "User with name carol already exists.")
	})
	t.Run("DeleteUser", func(t *testing.T) {
		_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")})
		must(t, err)
		_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")})
		wantAPIError(t, err, "NoSuchEntity", 404, "The user with name carol cannot be found.")
	})
}

func TestListUsersPagination(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()
	var want []string
	for i := 0; i < 25; i++ {
		name := fmt.Sprintf("user%02d", i)
		path := "/"
		if i%5 == 0 {
			path = "/auditors/"
		}
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Path: aws.String(path)})
		must(t, err)
		want = append(want, name)
	}
	var got []string
	var marker *string
	pages := 0
	for {
		out, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(10), Marker: marker})
		must(t, err)
		pages++
		for _, u := range out.Users {
			got = append(got, *u.UserName)
		}
		if !out.IsTruncated {
			if out.Marker != nil {
				t.Fatal("marker on the last page")
			}
			break
		}
		marker = out.Marker
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%d pages: %v", pages, got)
	}
	// The SDK's paginator follows the same markers.
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(7)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(t, err)
		n += len(out.Users)
	}
	if n != 25 {
		t.Fatalf("paginator saw %d users", n)
	}
	out, err := c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/auditors/")})
	must(t, err)
	if len(out.Users) != 5 || out.IsTruncated {
		t.Fatalf("path prefix: %d users", len(out.Users))
	}
	all, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	if len(all.Users) != 25 {
		t.Fatalf("default page has %d users", len(all.Users))
	}
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{Marker: aws.String("garbage")})
	wantAPIError(t, err, "ValidationError", 400, "Invalid Marker.")
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1001)})
	wantAPIError(t, err, "ValidationError", 400, "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000")
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
	wantAPIError(t, err, "ValidationError", 400, "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

func TestValidationChangesNothing(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()
	tests := []struct {
		name string
		in   *iam.CreateUserInput
		msg  string
	}{
		{"bad name", &iam.CreateUserInput{UserName: aws.String("bad name!")},
			"1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"long name and bad path", &iam.CreateUserInput{UserName: aws.String(strings.Repeat("a", 65)), Path: aws.String("eng")},
			"2 validation errors detected: Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; " +
				"Value 'eng' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)"},
		{"too many tags", &iam.CreateUserInput{UserName: aws.String("t"), Tags: manyTags(51)},
			"1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"},
		{"bad tag key", &iam.CreateUserInput{UserName: aws.String("t"), Tags: []types.Tag{{Key: aws.String("a*b"), Value: aws.String("v")}}},
			"1 validation error detected: Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateUser(ctx, tt.in)
			wantAPIError(t, err, "ValidationError", 400, tt.msg)
		})
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("t"), Tags: []types.Tag{
		{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("K"), Value: aws.String("2")}}})
	wantAPIError(t, err, "InvalidInput", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{AccessKeyId: aws.String("AKIASHORT"), Status: "Enabled"})
	wantAPIError(t, err, "ValidationError", 400, "2 validation errors detected: Value 'AKIASHORT' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16; "+
		"Value 'Enabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	out, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	if len(out.Users) != 0 {
		t.Fatalf("refused requests created %d users", len(out.Users))
	}
}

func manyTags(n int) []types.Tag {
	var tags []types.Tag
	for i := 0; i < n; i++ {
		tags = append(tags, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	return tags
}

func TestAccessKeys(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")})
	must(t, err)

	k1, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	if !keyIDPatternAWS.MatchString(*k1.AccessKey.AccessKeyId) || len(*k1.AccessKey.SecretAccessKey) != 40 ||
		k1.AccessKey.Status != types.StatusTypeActive || *k1.AccessKey.UserName != "alice" || k1.AccessKey.CreateDate == nil {
		t.Fatalf("created %+v", k1.AccessKey)
	}
	k2, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	wantAPIError(t, err, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")

	id1, secret1 := *k1.AccessKey.AccessKeyId, *k1.AccessKey.SecretAccessKey
	id2 := *k2.AccessKey.AccessKeyId

	t.Run("ListAccessKeys", func(t *testing.T) {
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
		must(t, err)
		if len(out.AccessKeyMetadata) != 2 || out.IsTruncated {
			t.Fatalf("listed %+v", out)
		}
		for i, want := range []string{id1, id2} {
			m := out.AccessKeyMetadata[i]
			if *m.AccessKeyId != want || m.Status != types.StatusTypeActive || *m.UserName != "alice" || m.CreateDate == nil {
				t.Fatalf("key %d: %+v", i, m)
			}
		}
		page, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice"), MaxItems: aws.Int32(1)})
		must(t, err)
		if len(page.AccessKeyMetadata) != 1 || !page.IsTruncated || *page.AccessKeyMetadata[0].AccessKeyId != id1 {
			t.Fatalf("first page %+v", page)
		}
		page, err = c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice"), MaxItems: aws.Int32(1), Marker: page.Marker})
		must(t, err)
		if len(page.AccessKeyMetadata) != 1 || page.IsTruncated || *page.AccessKeyMetadata[0].AccessKeyId != id2 {
			t.Fatalf("second page %+v", page)
		}
		none, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bob")})
		must(t, err)
		if len(none.AccessKeyMetadata) != 0 {
			t.Fatalf("bob has keys: %+v", none.AccessKeyMetadata)
		}
		_, err = c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("nobody")})
		wantAPIError(t, err, "NoSuchEntity", 404, "The user with name nobody cannot be found.")
	})

	alice := ts.STSIn(id1, secret1, "us-east-1")
	t.Run("NewKeySignsAtOnce", func(t *testing.T) {
		who, err := alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
		if *who.Arn != "arn:aws:iam::123456789012:user/alice" || *who.Account != kwtest.AccountID || !userIDPatternAWS.MatchString(*who.UserId) {
			t.Fatalf("caller %+v", who)
		}
	})
	t.Run("DeactivateRefusesAtOnce", func(t *testing.T) {
		_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id1), Status: types.StatusTypeInactive})
		must(t, err)
		_, err = alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
		must(t, err)
		if out.AccessKeyMetadata[0].Status != types.StatusTypeInactive || out.AccessKeyMetadata[1].Status != types.StatusTypeActive {
			t.Fatalf("statuses %+v", out.AccessKeyMetadata)
		}
		_, err = c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id1), Status: types.StatusTypeActive})
		must(t, err)
		_, err = alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
	})
	t.Run("OtherUsersKey", func(t *testing.T) {
		_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(id1), Status: types.StatusTypeInactive})
		wantAPIError(t, err, "NoSuchEntity", 404, "The Access Key with id "+id1+" cannot be found.")
		_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(id1)})
		wantAPIError(t, err, "NoSuchEntity", 404, "The Access Key with id "+id1+" cannot be found.")
		_, err = alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
	})
	t.Run("DeleteUserWithKeys", func(t *testing.T) {
		_, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
		wantAPIError(t, err, "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.")
	})
	t.Run("DeleteRefusesAtOnce", func(t *testing.T) {
		_, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id1)})
		must(t, err)
		_, err = alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantAPIError(t, err, "InvalidClientTokenId", 403, "The security token included in the request is invalid.")
		_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id1)})
		wantAPIError(t, err, "NoSuchEntity", 404, "The Access Key with id "+id1+" cannot be found.")
		_, err = c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id2)})
		must(t, err)
		_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
		must(t, err)
	})
	t.Run("RootKeysWithoutUserName", func(t *testing.T) {
		k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
		must(t, err)
		out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
		must(t, err)
		ids := []string{}
		for _, m := range out.AccessKeyMetadata {
			ids = append(ids, *m.AccessKeyId)
		}
		sort.Strings(ids)
		want := []string{kwtest.RootKeyID, *k.AccessKey.AccessKeyId}
		sort.Strings(want)
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("root keys %v, want %v", ids, want)
		}
		_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
		wantAPIError(t, err, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
		root2 := ts.STSIn(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "us-east-1")
		who, err := root2.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
		if *who.Arn != "arn:aws:iam::123456789012:root" {
			t.Fatalf("caller %+v", who)
		}
	})
}

func TestConcurrentCreateAccessKey(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dana")})
	must(t, err)
	const n = 20
	ok := kwtest.Race(t, n, func(int) error {
		_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dana")})
		return err
	}, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
	if ok != 2 {
		t.Fatalf("%d of %d concurrent CreateAccessKey calls succeeded, want 2", ok, n)
	}
	out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("dana")})
	must(t, err)
	if len(out.AccessKeyMetadata) != 2 {
		t.Fatalf("dana has %d keys", len(out.AccessKeyMetadata))
	}
}

func TestLastUsed(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, ts.RootIAM(), "erin")

	never, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
	must(t, err)
	if *never.UserName != "erin" || never.AccessKeyLastUsed.LastUsedDate != nil ||
		*never.AccessKeyLastUsed.ServiceName != "N/A" || *never.AccessKeyLastUsed.Region != "N/A" {
		t.Fatalf("never used: %+v %+v", never, never.AccessKeyLastUsed)
	}
	_, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String("AKIANOSUCHKEY0000000")})
	wantAPIError(t, err, "NoSuchEntity", 404, "The Access Key with id AKIANOSUCHKEY0000000 cannot be found.")

	// Used for STS in one region; an IAM call the user is not allowed to make
	// is still an authenticated use, in another region.
	before := ts.Clock.Now().Add(-time.Second)
	_, err = ts.STSIn(id, secret, "eu-west-2").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	check := func(service, region string) {
		t.Helper()
		out, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
		must(t, err)
		u := out.AccessKeyLastUsed
		if u.LastUsedDate == nil || u.LastUsedDate.Before(before.Truncate(time.Second)) || *u.ServiceName != service || *u.Region != region {
			t.Fatalf("last used %v %s %s, want %s %s after %v", u.LastUsedDate, aws.ToString(u.ServiceName), aws.ToString(u.Region), service, region, before)
		}
	}
	check("sts", "eu-west-2")
	ts.Clock.Add(2 * time.Second) // a later use must win
	iamClient := iam.NewFromConfig(ts.ConfigIn("ap-south-1", id, secret, ""))
	_, err = iamClient.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	wantAPIError(t, err, "AccessDenied", 403, "")
	check("iam", "ap-south-1")

	// Flushed to the store, it is what another replica, or the server
	// after a restart, reads: nothing is pending any more.
	must(t, ts.Uses.Flush(ctx))
	if u, ok := ts.Uses.Pending(id); ok {
		t.Fatalf("after the flush %+v is still pending", u)
	}
	check("iam", "ap-south-1")
}

func TestIAMUserAuthorization(t *testing.T) {
	ts := newAPIServer(t)
	c := ts.RootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, ts.RootIAM(), "frank")
	frank := ts.IAMClient(id, secret)
	frankSTS := ts.STSIn(id, secret, "us-east-1")

	who, err := frankSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	if *who.Arn != "arn:aws:iam::123456789012:user/frank" {
		t.Fatalf("caller %+v", who)
	}
	// Unlike GetCallerIdentity, GetAccessKeyInfo needs a permission, as in AWS.
	_, err = frankSTS.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(kwtest.RootKeyID)})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/frank is not authorized to perform: sts:GetAccessKeyInfo on resource: * because no identity-based policy allows the sts:GetAccessKeyInfo action")
	rootSTS := ts.STSIn(kwtest.RootKeyID, kwtest.RootSecret, "us-east-1")
	info, err := rootSTS.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(id)})
	must(t, err)
	if *info.Account != kwtest.AccountID {
		t.Fatalf("account %s", *info.Account)
	}
	_, err = rootSTS.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIANOSUCHKEY0000000")})
	wantAPIError(t, err, "NoSuchEntity", 404, "")

	_, err = frank.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/frank is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::123456789012:user/frank because no identity-based policy allows the iam:CreateAccessKey action")
	_, err = frank.ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/frank is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based policy allows the iam:ListUsers action")
	_, err = frank.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:user/frank is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/mallory because no identity-based policy allows the iam:CreateUser action")
	_, err = frank.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(id)})
	wantAPIError(t, err, "AccessDenied", 403, "")
	// A refused call changes nothing.
	out, err := c.ListUsers(ctx, &iam.ListUsersInput{})
	must(t, err)
	if len(out.Users) != 1 {
		t.Fatalf("%d users", len(out.Users))
	}
	keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("frank")})
	must(t, err)
	if len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("frank has %d keys", len(keys.AccessKeyMetadata))
	}
}
