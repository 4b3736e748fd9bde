package query_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/internal/sdkhttp"
)

func client(url, id, secret string) *iam.Client {
	return iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sdkhttp.Wrap(nil)})
}

// TestQueryAPI drives the package's handler, alone in front of a Service on
// SQLite, with aws-sdk-go-v2: the table's rows, the runner's validation, and
// the feature packages' decisions coming back as AWS's errors.
func TestQueryAPI(t *testing.T) {
	k := kwtest.New(t)
	ctx := context.Background()
	root := client(k.URL, kwtest.RootKeyID, kwtest.RootSecret)
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ana"), Path: aws.String("/team/")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ana")})
	if err != nil {
		t.Fatal(err)
	}
	users, err := root.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: aws.String("/team/")})
	if err != nil || len(users.Users) != 1 || aws.ToString(users.Users[0].Arn) != "arn:aws:iam::123456789012:user/team/ana" {
		t.Fatalf("ListUsers: %v %+v", err, users)
	}
	wantCode := func(err error, code string) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code {
			t.Fatalf("got %v, want %s", err, code)
		}
	}
	// The runner refuses bad input before package iam sees it.
	_, err = root.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
	wantCode(err, "ValidationError")
	// ana may do nothing yet: package iam says so.
	ana := client(k.URL, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	_, err = ana.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	wantCode(err, "AccessDenied")
	// Given her own keys, she lists them without naming herself.
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ana"), PolicyName: aws.String("keys"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":"arn:aws:iam::*:user/team/${aws:username}"}]}`)}); err != nil {
		t.Fatal(err)
	}
	own, err := ana.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil || len(own.AccessKeyMetadata) != 1 || aws.ToString(own.AccessKeyMetadata[0].UserName) != "ana" {
		t.Fatalf("ana's own keys: %v %+v", err, own)
	}
	_, err = ana.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("nobody")})
	wantCode(err, "AccessDenied")
}
