package iam_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestLoginProfilesAPI(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	userIAM, _, _ := ts.UserWithKey(t, "fay")

	_, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("fay"), Password: aws.String("weak")})
	wantAPIError(t, err, "PasswordPolicyViolation", 400, "")
	lp, err := root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("fay"), Password: aws.String("Fay-Passw0rd!"), PasswordResetRequired: true})
	must(t, err)
	if *lp.LoginProfile.UserName != "fay" || !lp.LoginProfile.PasswordResetRequired || lp.LoginProfile.CreateDate == nil {
		t.Fatalf("login profile %+v", lp.LoginProfile)
	}
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("fay"), Password: aws.String("Fay-Passw0rd!")})
	wantAPIError(t, err, "EntityAlreadyExists", 409, "Login Profile for user fay already exists.")
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("fay")})
	wantAPIError(t, err, "DeleteConflict", 409, "")

	// The policy lets users change their own password.
	_, err = root.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(10),
		RequireNumbers: true, AllowUsersToChangePassword: true, MaxPasswordAge: aws.Int32(90)})
	must(t, err)
	pp, err := root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	must(t, err)
	if *pp.PasswordPolicy.MinimumPasswordLength != 10 || !pp.PasswordPolicy.RequireNumbers || !pp.PasswordPolicy.ExpirePasswords || *pp.PasswordPolicy.MaxPasswordAge != 90 {
		t.Fatalf("password policy %+v", pp.PasswordPolicy)
	}
	_, err = userIAM.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Fay-Passw0rd!"), NewPassword: aws.String("no-digits-here")})
	wantAPIError(t, err, "PasswordPolicyViolation", 400, "Password does not conform to the account password policy. Password should have at least one number.")
	_, err = userIAM.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Fay-Passw0rd!"), NewPassword: aws.String("Fay-N3w-Password")})
	must(t, err)
	got, err := root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("fay")})
	must(t, err)
	if got.LoginProfile.PasswordResetRequired {
		t.Fatal("the reset is still required after ChangePassword")
	}
	_, err = root.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("fay"), PasswordResetRequired: aws.Bool(true)})
	must(t, err)
	// The report shows the next rotation from MaxPasswordAge.
	ts.WaitForReport(t, root)
	out, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must(t, err)
	fay := reportRows(t, out.Content)["fay"]
	changed, err1 := time.Parse(time.RFC3339, fay["password_last_changed"])
	next, err2 := time.Parse(time.RFC3339, fay["password_next_rotation"])
	if err1 != nil || err2 != nil || !next.Equal(changed.AddDate(0, 0, 90)) || fay["password_enabled"] != "true" {
		t.Fatalf("fay's row %v", fay)
	}

	_, err = root.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("fay")})
	must(t, err)
	_, err = root.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("fay")})
	wantAPIError(t, err, "NoSuchEntity", 404, "Login Profile for User fay cannot be found.")
	_, err = root.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
	must(t, err)
	_, err = root.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	wantAPIError(t, err, "NoSuchEntity", 404, "The Password Policy with domain name 123456789012 cannot be found.")
	// Without AllowUsersToChangePassword, iam:ChangePassword is needed.
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("fay"), Password: aws.String("Fay-Passw0rd!")})
	must(t, err)
	_, err = userIAM.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Fay-Passw0rd!"), NewPassword: aws.String("Fay-Passw0rd!2")})
	wantAPIError(t, err, "AccessDenied", 403, "")
	_, err = root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("fay"), PolicyArn: aws.String(awsPolicy + "IAMUserChangePassword")})
	must(t, err)
	_, err = userIAM.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Fay-Passw0rd!"), NewPassword: aws.String("Fay-Passw0rd!2")})
	must(t, err)
}
