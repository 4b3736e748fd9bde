package kwtest

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/keyward/keyward"
)

// CreateUserKey creates the user name with one access key through c and
// returns the key's ID and secret.
func CreateUserKey(t testing.TB, c *awsiam.Client, name string) (id, secret string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
}

// EnableRootMFA gives the root user a virtual MFA device named name,
// enabled with two consecutive codes at now (the services' clock), and
// returns its serial number and seed.
func (k *Keyward) EnableRootMFA(t testing.TB, name string, now time.Time) (serial, seed string) {
	t.Helper()
	ctx := keyward.WithCaller(context.Background(), &keyward.RequestContext{
		Principal: keyward.Principal{AccountID: AccountID, Root: true}, CurrentTime: now})
	d, err := k.IAM.CreateVirtualMFADevice(ctx, name, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	seed = d.Base32Seed()
	if err := k.IAM.EnableRootMFADevice(ctx, d.SerialNumber, TOTPCode(t, seed, now.Add(-30*time.Second)), TOTPCode(t, seed, now)); err != nil {
		t.Fatal(err)
	}
	return d.SerialNumber, seed
}

// EnableUserMFA gives the user a virtual MFA device of its name through
// c, enabled with two consecutive codes at now (the server's clock), as a
// person would with an app, and returns its serial number and seed.
func EnableUserMFA(t testing.TB, c *awsiam.Client, user string, now time.Time) (serial, seed string) {
	t.Helper()
	ctx := context.Background()
	d, err := c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed = aws.ToString(d.VirtualMFADevice.SerialNumber), string(d.VirtualMFADevice.Base32StringSeed)
	_, err = c.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(TOTPCode(t, seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(TOTPCode(t, seed, now))})
	if err != nil {
		t.Fatal(err)
	}
	return serial, seed
}

// TrustDoc is a role's trust policy of the statements given.
func TrustDoc(statements ...string) *string {
	return aws.String(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)
}

// WaitForReport generates the credential report through c and waits for
// the generation to finish.
func (k *Keyward) WaitForReport(t testing.TB, c *awsiam.Client) {
	t.Helper()
	for range 2 {
		out, err := c.GenerateCredentialReport(context.Background(), &awsiam.GenerateCredentialReportInput{})
		if err != nil {
			t.Fatal(err)
		}
		if out.State == types.ReportStateTypeComplete {
			return
		}
		k.Reports.Wait()
	}
	t.Fatal("the credential report is not complete once its generation ended")
}

// CurrentReport returns the credential report's rows by user.
func (k *Keyward) CurrentReport(t testing.TB, c *awsiam.Client) map[string]map[string]string {
	t.Helper()
	k.WaitForReport(t, c)
	out, err := c.GetCredentialReport(context.Background(), &awsiam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	return ReportRows(t, out.Content)
}

// ReportRows reads a credential report's CSV into its rows by user, each
// by column; the first row must be the root user's.
func ReportRows(t testing.TB, content []byte) map[string]map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || rows[1][0] != "<root_account>" {
		t.Fatalf("report rows %v", rows)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, col := range rows[0] {
			m[col] = r[i]
		}
		out[r[0]] = m
	}
	return out
}

// TOTPCode is a device's code at a time, from a TOTP library of its own
// rather than Keyward's.
func TOTPCode(t testing.TB, seed string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}
