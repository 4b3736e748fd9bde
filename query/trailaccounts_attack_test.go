package query_test

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward"
)

// TestFailedAuthenticationInTheKeysTrail: a request that fails to
// authenticate with a key ID of another account (B) than the
// installation's first is an event of B's trail, over the Query API (IAM
// and STS) and AWS Organizations' JSON protocol alike: a wrong secret, a
// deactivated key, a session past its expiration, a session's key with a
// wrong secret. The first account's trail holds none of them, nor B's key
// IDs. A key ID that names no account (an unknown one, a session key ID
// whose token Keyward did not seal) stays in the first account's trail.
func TestFailedAuthenticationInTheKeysTrail(t *testing.T) {
	ts := newAPIServer(t)
	ctx := context.Background()
	bKeyID, bSecret, b := newOtherAccount(t, ts)
	quietID, quietSecret := createUserKey(t, b, "quiet")
	_, err := b.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("quiet"), AccessKeyId: aws.String(quietID), Status: "Inactive"})
	must(t, err)
	expiring, err := ts.STSClient(bKeyID, bSecret).GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	must(t, err)
	live, err := ts.STSClient(bKeyID, bSecret).GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600)})
	must(t, err)
	wrong := func(secret string) string { // another first character
		if secret[0] == 'X' {
			return "Y" + secret[1:]
		}
		return "X" + secret[1:]
	}
	liveID, liveSecret, liveToken := aws.ToString(live.Credentials.AccessKeyId), aws.ToString(live.Credentials.SecretAccessKey), aws.ToString(live.Credentials.SessionToken)
	expID := aws.ToString(expiring.Credentials.AccessKeyId)
	ts.Clock.Add(16 * time.Minute)

	// A session key ID laid out as Keyward's, naming B, with a token
	// Keyward never sealed: anyone can make one.
	var raw [10]byte
	head := uint64(210987654321) << 7
	for i := range 6 {
		raw[i] = byte(head >> (40 - 8*i))
	}
	forged := "ASIA" + base32.StdEncoding.EncodeToString(raw[:])

	failures := func(t *testing.T, acct, id string) int { return failuresIn(t, ts, acct, id) }
	listUsers := func(id, secret, token string) error {
		_, err := iam.NewFromConfig(ts.Config(id, secret, token)).ListUsers(ctx, &iam.ListUsersInput{})
		return err
	}
	for _, v := range []struct {
		name, id, code string
		call           func() error
		account        string // whose trail holds the failure
	}{
		{"IAM: B's root key, a wrong secret", bKeyID, "SignatureDoesNotMatch", func() error { return listUsers(bKeyID, wrong(bSecret), "") }, otherAccount},
		{"IAM: B's deactivated key", quietID, "InvalidClientTokenId", func() error { return listUsers(quietID, quietSecret, "") }, otherAccount},
		{"IAM: B's session past its expiration", expID, "ExpiredToken", func() error {
			return listUsers(expID, aws.ToString(expiring.Credentials.SecretAccessKey), aws.ToString(expiring.Credentials.SessionToken))
		}, otherAccount},
		{"IAM: B's session, a wrong secret", liveID, "SignatureDoesNotMatch", func() error { return listUsers(liveID, wrong(liveSecret), liveToken) }, otherAccount},
		{"STS: B's root key, a wrong secret", bKeyID, "SignatureDoesNotMatch", func() error {
			_, err := ts.STSClient(bKeyID, wrong(bSecret)).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
			return err
		}, otherAccount},
		{"Organizations: B's root key, a wrong secret", bKeyID, "InvalidSignatureException", func() error {
			_, err := awsorg.NewFromConfig(ts.Config(bKeyID, wrong(bSecret), "")).DescribeOrganization(ctx, &awsorg.DescribeOrganizationInput{})
			return err
		}, otherAccount},
		{"an unknown key", "AKIAUNKNOWNKEY000001", "InvalidClientTokenId", func() error { return listUsers("AKIAUNKNOWNKEY000001", bSecret, "") }, accountID},
		{"a session key ID naming B, a token not Keyward's", forged, "InvalidClientTokenId", func() error { return listUsers(forged, bSecret, "forged") }, accountID},
	} {
		t.Run(v.name, func(t *testing.T) {
			before := map[string]int{accountID: failures(t, accountID, v.id), otherAccount: failures(t, otherAccount, v.id)}
			err := v.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != v.code {
				t.Fatalf("refused with %v, want %s", err, v.code)
			}
			for _, acct := range []string{accountID, otherAccount} {
				added := failures(t, acct, v.id) - before[acct]
				if want := acct == v.account; (added > 0) != want {
					t.Errorf("failed authentications with %s added to %s's trail: %d, want some: %v", v.id, acct, added, want)
				}
			}
		})
	}
	// Nothing of B's keys is in the first account's trail.
	for _, id := range []string{bKeyID, quietID, expID, liveID} {
		if n := failures(t, accountID, id); n != 0 {
			t.Errorf("the first account's trail holds %d failures of B's key %s", n, id)
		}
	}
}

// failures counts the failed authentications (events of an Unknown
// identity) with the key ID id in the trail of acct, each of which must
// name acct as its recipient; it flushes the recorder first.
func failuresIn(t *testing.T, ts *apiServer, acct, id string) int {
	t.Helper()
	ctx := context.Background()
	must(t, ts.Audit.Flush(ctx))
	evs, _, err := ts.Store.InAccount(acct).LookupEvents(ctx, keyward.EventQuery{AccessKeyID: id, Max: 1000})
	must(t, err)
	n := 0
	for _, e := range evs {
		var rec keyward.Event
		must(t, json.Unmarshal(e.Record, &rec))
		if rec.UserIdentity.Type != "Unknown" {
			continue // the key's own calls
		}
		n++
		if rec.RecipientAccountID != acct || rec.UserIdentity.AccountID != "" {
			t.Errorf("in %s's trail: recipient %s, identity %+v", acct, rec.RecipientAccountID, rec.UserIdentity)
		}
	}
	return n
}
