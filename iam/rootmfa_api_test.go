package iam_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
)

// rootDevice creates a virtual MFA device as the root user and enables it
// for the root user with two consecutive codes, returning its serial
// number and seed.
func rootDevice(t *testing.T, b *apiServer, name string) (serial, seed string) {
	t.Helper()
	return b.EnableRootMFA(t, name, b.Clock.Now())
}

// TestRootMFAAsTheAPIShowsIt: the root user's virtual MFA device, as the
// AWS SDK reads it. ListVirtualMFADevices names the root user as the
// device's user (its ARN, and the account's ID as its ID); ListMFADevices
// called by the root user without a user name lists it, and a user named
// "root" has none of it; GetAccountSummary's AccountMFAEnabled is 1 and the
// credential report's root row has mfa_active true, until the root user
// deactivates it (DeactivateMFADevice without a user name) and deletes it.
func TestRootMFAAsTheAPIShowsIt(t *testing.T) {
	t.Parallel()
	b := newAPIServer(t)
	root := b.RootIAM()
	ctx := context.Background()
	summary := func() int32 {
		t.Helper()
		out, err := root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
		must(t, err)
		return out.SummaryMap["AccountMFAEnabled"]
	}
	if n := summary(); n != 0 {
		t.Fatalf("AccountMFAEnabled %d before any device", n)
	}
	if row := b.CurrentReport(t, root)["<root_account>"]; row["mfa_active"] != "false" {
		t.Fatalf("the root row without MFA: %v", row)
	}
	_, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("root")})
	must(t, err)

	serial, seed := rootDevice(t, b, "root-phone")
	if serial != "arn:aws:iam::123456789012:mfa/root-phone" {
		t.Fatalf("serial %q", serial)
	}
	devices, err := root.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{})
	must(t, err)
	if len(devices.VirtualMFADevices) != 1 {
		t.Fatalf("%d virtual devices", len(devices.VirtualMFADevices))
	}
	d := devices.VirtualMFADevices[0]
	if d.User == nil || aws.ToString(d.User.Arn) != "arn:aws:iam::123456789012:root" || aws.ToString(d.User.UserId) != kwtest.AccountID ||
		aws.ToString(d.User.UserName) != "" || d.EnableDate == nil || !d.EnableDate.Equal(b.Clock.Now()) {
		t.Fatalf("the root user's device: %+v, user %+v", d, d.User)
	}
	assigned, err := root.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: "Assigned"})
	must(t, err)
	unassigned, err := root.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: "Unassigned"})
	must(t, err)
	if len(assigned.VirtualMFADevices) != 1 || len(unassigned.VirtualMFADevices) != 0 {
		t.Fatalf("%d assigned, %d unassigned", len(assigned.VirtualMFADevices), len(unassigned.VirtualMFADevices))
	}
	mine, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{})
	must(t, err)
	if len(mine.MFADevices) != 1 || aws.ToString(mine.MFADevices[0].SerialNumber) != serial || aws.ToString(mine.MFADevices[0].UserName) != kwtest.AccountID {
		t.Fatalf("the root user's own devices: %+v", mine.MFADevices)
	}
	named, err := root.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("root")})
	must(t, err)
	if len(named.MFADevices) != 0 {
		t.Fatalf("the user named root has the root user's device: %+v", named.MFADevices)
	}
	if n := summary(); n != 1 {
		t.Fatalf("AccountMFAEnabled %d with the root user's device", n)
	}
	out, err := root.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
	must(t, err)
	if out.SummaryMap["MFADevicesInUse"] != 1 || out.SummaryMap["MFADevices"] != 1 {
		t.Fatalf("summary: %v", out.SummaryMap)
	}
	b.Clock.Add(time.Minute)
	if row := b.CurrentReport(t, root)["<root_account>"]; row["mfa_active"] != "true" {
		t.Fatalf("the root row with MFA: %v", row)
	}

	// In use, the device is not deleted. The root user deactivates it
	// naming no user (as AWS's SDKs now allow), then deletes it: not with
	// its key alone, which the device guards, but with credentials it got
	// with a code of the device.
	_, err = root.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	wantAPIError(t, err, "DeleteConflict", 409, "")
	_, err = root.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)})
	wantAPIError(t, err, "AccessDenied", 403, "User: arn:aws:iam::123456789012:root is not authorized to perform: iam:DeactivateMFADevice on resource: "+
		serial+" because the root user must sign in with a code of the device to remove it")
	b.Clock.Add(time.Minute)
	withCode, err := b.STSClient(kwtest.RootKeyID, kwtest.RootSecret).GetSessionToken(ctx, &awssts.GetSessionTokenInput{SerialNumber: aws.String(serial),
		TokenCode: aws.String(totpCode(t, seed, b.Clock.Now()))})
	must(t, err)
	c := withCode.Credentials
	cfg := b.ConfigIn("us-east-1", aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	_, err = awsiam.NewFromConfig(cfg).DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{SerialNumber: aws.String(serial)})
	must(t, err)
	if n := summary(); n != 0 {
		t.Fatalf("AccountMFAEnabled %d after removing the device", n)
	}
	_, err = root.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	must(t, err)
}

// TestRootMFAEnableRules: the root user enables a device with two
// consecutive codes, as a user's is enabled; wrong codes are refused and
// counted against the device; a device in use (a user's, or the root
// user's already) is not taken; the root user's quota of devices is a
// user's; removing needs a device of the root user's.
func TestRootMFAEnableRules(t *testing.T) {
	t.Parallel()
	b := newAPIServer(t)
	ctx := b.RootContext()
	d, err := b.IAM.CreateVirtualMFADevice(ctx, "root-phone", "/", nil)
	must(t, err)
	seed, now := d.Base32Seed(), b.Clock.Now()
	err = b.IAM.EnableRootMFADevice(ctx, d.SerialNumber, totpCode(t, seed, now), totpCode(t, seed, now))
	if keyward.ErrorCode(err) != keyward.EInvalidAuthenticationCode {
		t.Fatalf("two equal codes: %v", err)
	}
	must(t, b.IAM.EnableRootMFADevice(ctx, d.SerialNumber, totpCode(t, seed, now.Add(-30*time.Second)), totpCode(t, seed, now)))
	err = b.IAM.EnableRootMFADevice(ctx, d.SerialNumber, totpCode(t, seed, now), totpCode(t, seed, now.Add(30*time.Second)))
	if keyward.ErrorCode(err) != keyward.EEntityAlreadyExists {
		t.Fatalf("enabled twice: %v", err)
	}

	// A user's device is the user's.
	_, err = b.IAM.CreateUser(ctx, "alice", "/", nil)
	must(t, err)
	u, err := b.IAM.CreateVirtualMFADevice(ctx, "alice-phone", "/", nil)
	must(t, err)
	must(t, b.IAM.EnableMFADevice(ctx, "alice", u.SerialNumber, totpCode(t, u.Base32Seed(), now.Add(-30*time.Second)), totpCode(t, u.Base32Seed(), now)))
	later := now.Add(2 * time.Minute)
	err = b.IAM.EnableRootMFADevice(ctx, u.SerialNumber, totpCode(t, u.Base32Seed(), later.Add(-30*time.Second)), totpCode(t, u.Base32Seed(), later))
	if keyward.ErrorCode(err) != keyward.EEntityAlreadyExists {
		t.Fatalf("a user's device enabled for the root user: %v", err)
	}
	if err := b.IAM.DeactivateRootMFADevice(ctx, u.SerialNumber); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("a user's device removed as the root user's: %v", err)
	}
	if err := b.IAM.DeactivateMFADevice(ctx, "alice", d.SerialNumber); keyward.ErrorCode(err) != keyward.ENoSuchEntity {
		t.Fatalf("the root user's device deactivated as alice's: %v", err)
	}

	// The root user, like a user, has at most MaxMFADevicesPerUser.
	for i := 1; i < keyward.MaxMFADevicesPerUser; i++ {
		rootDevice(t, b, "root-"+string(rune('a'+i)))
		b.Clock.Add(time.Minute)
	}
	extra, err := b.IAM.CreateVirtualMFADevice(ctx, "one-too-many", "/", nil)
	must(t, err)
	now = b.Clock.Now()
	err = b.IAM.EnableRootMFADevice(ctx, extra.SerialNumber, totpCode(t, extra.Base32Seed(), now.Add(-30*time.Second)), totpCode(t, extra.Base32Seed(), now))
	if keyward.ErrorCode(err) != keyward.ELimitExceeded {
		t.Fatalf("a ninth device: %v", err)
	}
	ds, err := b.IAM.RootMFADevices(ctx)
	must(t, err)
	if len(ds) != keyward.MaxMFADevicesPerUser {
		t.Fatalf("%d devices of the root user's", len(ds))
	}
}

// TestRootSignInWithMFA: once the root user has an MFA device, its console
// sign-in needs the device's current code, used once; a missing, wrong or
// used code is refused with the answer a wrong secret gets, and a right
// one is reported, for the session's aws:MultiFactorAuthPresent.
func TestRootSignInWithMFA(t *testing.T) {
	t.Parallel()
	b := newAPIServer(t)
	ctx := context.Background()
	_, mfa, err := b.IAM.SignInRoot(ctx, kwtest.RootKeyID, kwtest.RootSecret, "")
	if err != nil || mfa {
		t.Fatalf("without a device: mfa %v, %v", mfa, err)
	}
	_, _, wrongSecret := b.IAM.SignInRoot(ctx, kwtest.RootKeyID, "not-the-secret", "")
	if keyward.ErrorCode(wrongSecret) != keyward.EAccessDenied {
		t.Fatalf("a wrong secret: %v", wrongSecret)
	}
	_, seed := rootDevice(t, b, "root-phone")
	b.Clock.Add(time.Minute) // past the codes that enabled it
	now := b.Clock.Now()
	refused := func(what, code string) {
		t.Helper()
		_, _, err := b.IAM.SignInRoot(ctx, kwtest.RootKeyID, kwtest.RootSecret, code)
		if err == nil || keyward.ErrorMessage(err) != keyward.ErrorMessage(wrongSecret) || keyward.ErrorCode(err) != keyward.ErrorCode(wrongSecret) {
			t.Fatalf("%s: %v, want the answer to a wrong secret", what, err)
		}
	}
	refused("no code", "")
	refused("a wrong code", totpCode(t, seed, now.Add(time.Hour)))
	refused("a code of no device's shape", "abcdef")
	p, mfa, err := b.IAM.SignInRoot(ctx, kwtest.RootKeyID, kwtest.RootSecret, totpCode(t, seed, now))
	if err != nil || !mfa || !p.Root {
		t.Fatalf("the right code: %+v, mfa %v, %v", p, mfa, err)
	}
	refused("the same code again", totpCode(t, seed, now))
	// A wrong secret with the right code spends nothing of the device's.
	b.Clock.Add(30 * time.Second)
	next := totpCode(t, seed, b.Clock.Now())
	if _, _, err := b.IAM.SignInRoot(ctx, kwtest.RootKeyID, "not-the-secret", next); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("a wrong secret with a right code: %v", err)
	}
	if _, mfa, err := b.IAM.SignInRoot(ctx, kwtest.RootKeyID, kwtest.RootSecret, next); err != nil || !mfa {
		t.Fatalf("the code a wrong secret came with: mfa %v, %v", mfa, err)
	}
}

// TestRootMFACodeOf: GetSessionToken's and AssumeRole's check of a code
// takes the root user's device for the root user only.
func TestRootMFACodeOf(t *testing.T) {
	t.Parallel()
	b := newAPIServer(t)
	ctx := context.Background()
	serial, seed := rootDevice(t, b, "root-phone")
	b.Clock.Add(time.Minute)
	code := totpCode(t, seed, b.Clock.Now())
	if b.IAM.MFACodeOf(ctx, keyward.Principal{UserName: "root", UserID: "AIDAROOTNAMEDUSER0001"}, serial, code) {
		t.Fatal("a user named root used the root user's device")
	}
	if !b.IAM.MFACodeOf(ctx, keyward.Principal{AccountID: kwtest.AccountID, Root: true}, serial, code) {
		t.Fatal("the root user's code refused")
	}
}
