package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/password"
)

// cheapPasswords keeps argon2id's cost low in tests; production uses
// RFC 9106's parameters.
func cheapPasswords(m *Main) { m.Passwords = &password.Hasher{Memory: 1024, Time: 1, Threads: 1} }

// waitForReport polls GenerateCredentialReport until the report is done.
func waitForReport(t *testing.T, c *iam.Client) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := c.GenerateCredentialReport(context.Background(), &iam.GenerateCredentialReportInput{})
		must(t, err)
		if out.State == types.ReportStateTypeComplete {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("report still %s after 10s", out.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func reportRows(t *testing.T, content []byte) map[string]map[string]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	must(t, err)
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

func TestCredentialReportAPI(t *testing.T) {
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
	ctx := context.Background()

	_, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportNotPresent", 410, "The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.")

	_, bobSTS, _ := ts.userWithKey(t, "bob")
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("bob"), Password: aws.String("Bob-Passw0rd!")})
	must(t, err)
	_, _, carolKey := ts.userWithKey(t, "carol")
	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: aws.String(carolKey), Status: types.StatusTypeInactive})
	must(t, err)
	_, _, daveKey := ts.userWithKey(t, "dave")
	_, err = root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(daveKey)})
	must(t, err)
	_ = bobSTS

	gen, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	if gen.State != types.ReportStateTypeStarted || *gen.Description != "No report exists. Starting a new report generation task" {
		t.Fatalf("Generate: %s %v", gen.State, gen.Description)
	}
	waitForReport(t, root)
	out, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must(t, err)
	if out.ReportFormat != types.ReportFormatTypeTextCsv || out.GeneratedTime == nil || time.Since(*out.GeneratedTime) > time.Minute {
		t.Fatalf("report %s at %v", out.ReportFormat, out.GeneratedTime)
	}
	rows := reportRows(t, out.Content)
	if rows["<root_account>"]["access_key_1_active"] != "true" || rows["<root_account>"]["password_enabled"] != "not_supported" {
		t.Fatalf("root row %v", rows["<root_account>"])
	}
	bob := rows["bob"]
	if bob["password_enabled"] != "true" || bob["password_last_used"] != "no_information" || bob["access_key_1_active"] != "true" ||
		bob["access_key_2_active"] != "false" || bob["access_key_2_last_rotated"] != "N/A" {
		t.Fatalf("bob's row %v", bob)
	}
	if carol := rows["carol"]; carol["access_key_1_active"] != "false" || carol["access_key_1_last_rotated"] == "N/A" || carol["password_enabled"] != "false" {
		t.Fatalf("carol's row %v", carol)
	}
	if dave := rows["dave"]; dave["access_key_1_active"] != "false" || dave["access_key_1_last_rotated"] != "N/A" {
		t.Fatalf("dave's row %v", dave)
	}

	// Served again within four hours: no new generation.
	again, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	if again.State != types.ReportStateTypeComplete {
		t.Fatalf("second Generate: %s", again.State)
	}
}

func TestCredentialReportShowsUse(t *testing.T) {
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, ts.rootIAM(), "eve")
	_, err := iam.NewFromConfig(awsConfig(ts.URL, id, secret, "ap-northeast-1")).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "") // still a use of the key
	waitForReport(t, root)
	out, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must(t, err)
	eve := reportRows(t, out.Content)["eve"]
	if eve["access_key_1_last_used_region"] != "ap-northeast-1" || eve["access_key_1_last_used_service"] != "iam" || eve["access_key_1_last_used_date"] == "N/A" {
		t.Fatalf("eve's row %v", eve)
	}
}

func TestCredentialReportMaxAgeConfigurable(t *testing.T) {
	ts := startServerWith(t, "", func(m *Main) { cheapPasswords(m); m.Config.ReportMaxAge = 0 })
	root := ts.rootIAM()
	ctx := context.Background()
	var last time.Time
	for i := 0; i < 2; i++ {
		out, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		must(t, err)
		if out.State != types.ReportStateTypeStarted {
			t.Fatalf("Generate %d with KEYWARD_CREDENTIAL_REPORT_MAX_AGE=0: %s", i, out.State)
		}
		ts.Reports.Wait()
		got, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		must(t, err)
		if got.GeneratedTime.Before(last) {
			t.Fatalf("report from %v after one from %v", got.GeneratedTime, last)
		}
		last = *got.GeneratedTime
	}
}

func TestLoginProfilesAPI(t *testing.T) {
	ts := startServerWith(t, "", cheapPasswords)
	root := ts.rootIAM()
	ctx := context.Background()
	userIAM, _, _ := ts.userWithKey(t, "fay")

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
	waitForReport(t, root)
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

func TestAWSCLICredentialReport(t *testing.T) {
	t.Parallel() // the AWS CLI and Python start slowly: overlap them with the other tests
	ts := startServerWith(t, "", cheapPasswords)
	gen := ts.awsOK(t, "iam", "generate-credential-report")
	if gen["State"] != "STARTED" {
		t.Fatalf("generate-credential-report: %v", gen)
	}
	ts.Reports.Wait()
	out := ts.awsOK(t, "iam", "get-credential-report")
	raw, _ := json.Marshal(out)
	content, err := base64.StdEncoding.DecodeString(out["Content"].(string))
	if err != nil || out["ReportFormat"] != "text/csv" {
		t.Fatalf("get-credential-report: %s (%v)", raw, err)
	}
	if rows := reportRows(t, content); rows["<root_account>"]["arn"] != "arn:aws:iam::123456789012:root" {
		t.Fatalf("CSV %s", content)
	}
}

// TestCredentialReportErrors gets each of GetCredentialReport's errors
// through the SDK: not present, in progress, expired.
func TestCredentialReportErrors(t *testing.T) {
	ts := startServerWith(t, "", func(m *Main) { cheapPasswords(m); m.Config.ReportMaxAge = 10 * time.Second })
	root := ts.rootIAM()
	ctx := context.Background()
	_, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportNotPresent", 410, "")

	// As if another replica were writing it.
	must(t, ts.Store.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportInProgress, StartedAt: ts.Clock.Now()}))
	_, err = root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportInProgress", 404, "The request was rejected because the credential report is still being generated.")
	gen, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	if gen.State != types.ReportStateTypeInprogress {
		t.Fatalf("Generate while another is in progress: %s", gen.State)
	}

	must(t, ts.Store.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportComplete, GeneratedAt: ts.Clock.Now(), Content: []byte("user\n")}))
	_, err = root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must(t, err)
	ts.Clock.Shift(11 * time.Second) // past the configured max age, well within the signature's 15 minutes
	_, err = root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportExpired", 410, "")
	gen, err = root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	if gen.State != types.ReportStateTypeStarted {
		t.Fatalf("Generate after expiry: %s", gen.State)
	}
	ts.Reports.Wait()
}
