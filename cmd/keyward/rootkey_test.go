package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/sdkhttp"
)

// TestCreateRootKey: the operator gives a tenant's account its root
// user's access key, which signs as that account's root user and sees
// that account alone; without the store's master key, or for an account
// that does not exist, nothing is made; the root user's two keys are its
// quota; each key is an event of the tenant's account by keyward.operator.
func TestCreateRootKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := startServer(t, dir)
	const tenant = "210987654321"
	must(t, ts.IAM.Store.CreateAccount(context.Background(), keyward.Account{ID: tenant, Name: "tenant", CreatedAt: time.Now()}, nil))
	create := func(env map[string]string, account string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"create-root-key", "--data", dir, "--account-id", account}, func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	other := hex.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if out, err := create(map[string]string{"KEYWARD_MASTER_KEY": other}, tenant); err == nil {
		t.Fatalf("another master key made a root key: %s", out)
	}
	if out, err := create(nil, "999999999999"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("an account that does not exist: %v %s", err, out)
	}
	out, err := create(nil, tenant)
	must(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "Access key ID,Secret access key" {
		t.Fatalf("output %q", out)
	}
	id, secret, _ := strings.Cut(lines[1], ",")
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		HTTPClient: sdkhttp.Wrap(nil)}
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(who.Arn) != "arn:aws:iam::"+tenant+":root" || aws.ToString(who.Account) != tenant {
		t.Fatalf("the key signs as %s of %s", aws.ToString(who.Arn), aws.ToString(who.Account))
	}
	// The tenant's root user administers its own account only.
	tenantIAM := iam.NewFromConfig(cfg)
	_, err = tenantIAM.CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("tenant-admin")})
	must(t, err)
	if _, err := ts.IAM.Store.User(context.Background(), "tenant-admin"); err == nil {
		t.Fatal("the tenant's user is in the first account")
	}
	keys, err := tenantIAM.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{})
	must(t, err)
	if len(keys.AccessKeyMetadata) != 1 || aws.ToString(keys.AccessKeyMetadata[0].AccessKeyId) != id {
		t.Fatalf("the tenant root user's keys: %+v", keys.AccessKeyMetadata)
	}
	// Two keys at most.
	_, err = create(nil, tenant)
	must(t, err)
	if out, err := create(nil, tenant); err == nil || !strings.Contains(err.Error(), "AccessKeysPerUser") {
		t.Fatalf("a third root key: %v %s", err, out)
	}
	// Audited in the tenant's account, by the operator, without the secret.
	events, _, err := ts.IAM.Store.InAccount(tenant).LookupEvents(context.Background(), keyward.EventQuery{EventName: "CreateAccessKey", Max: 10})
	must(t, err)
	if len(events) != 2 {
		t.Fatalf("%d events of the tenant's root keys", len(events))
	}
	for _, e := range events {
		var r struct {
			UserIdentity       struct{ InvokedBy string } `json:"userIdentity"`
			RecipientAccountID string                     `json:"recipientAccountId"`
		}
		must(t, json.Unmarshal(e.Record, &r))
		if r.UserIdentity.InvokedBy != keyward.OperatorService || r.RecipientAccountID != tenant || strings.Contains(string(e.Record), secret) {
			t.Fatalf("event %s", e.Record)
		}
	}
}
