package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward"
)

func TestCredentialReportAPI(t *testing.T) {
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()

	_, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportNotPresent", 410, "The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.")

	_, bobSTS, _ := ts.UserWithKey(t, "bob")
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("bob"), Password: aws.String("Bob-Passw0rd!")})
	must(t, err)
	_, _, carolKey := ts.UserWithKey(t, "carol")
	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: aws.String(carolKey), Status: types.StatusTypeInactive})
	must(t, err)
	_, _, daveKey := ts.UserWithKey(t, "dave")
	_, err = root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(daveKey)})
	must(t, err)
	_ = bobSTS

	gen, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	if gen.State != types.ReportStateTypeStarted || *gen.Description != "No report exists. Starting a new report generation task" {
		t.Fatalf("Generate: %s %v", gen.State, gen.Description)
	}
	ts.WaitForReport(t, root)
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
	ts := newAPIServer(t)
	root := ts.RootIAM()
	ctx := context.Background()
	id, secret := createUserKey(t, ts.RootIAM(), "eve")
	_, err := iam.NewFromConfig(ts.ConfigIn("ap-northeast-1", id, secret, "")).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, err, "AccessDenied", 403, "") // still a use of the key
	ts.WaitForReport(t, root)
	out, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must(t, err)
	eve := reportRows(t, out.Content)["eve"]
	if eve["access_key_1_last_used_region"] != "ap-northeast-1" || eve["access_key_1_last_used_service"] != "iam" || eve["access_key_1_last_used_date"] == "N/A" {
		t.Fatalf("eve's row %v", eve)
	}
}

// TestCredentialReportMaxAgeConfigurable: with no maximum age, each
// generation a requester asks for starts a new report.
func TestCredentialReportMaxAgeConfigurable(t *testing.T) {
	ts := newAPIServerMaxAge(t, 0)
	root := ts.RootIAM()
	ctx := context.Background()
	var last time.Time
	for i := 0; i < 2; i++ {
		out, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		must(t, err)
		if out.State != types.ReportStateTypeStarted {
			t.Fatalf("Generate %d with no maximum age: %s", i, out.State)
		}
		ts.Reports.Wait()
		got, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		must(t, err)
		if got.GeneratedTime.Before(last) {
			t.Fatalf("report from %v after one from %v", got.GeneratedTime, last)
		}
		last = *got.GeneratedTime
		// A requester's round of polling ends after a quarter of an hour
		// idle (TestCredentialReportPollingWithoutMaxAge); the next call
		// begins another.
		ts.Clock.Add(16 * time.Minute)
	}
}

// TestCredentialReportErrors gets each of GetCredentialReport's errors
// through the SDK: not present, in progress, expired.
func TestCredentialReportErrors(t *testing.T) {
	ts := newAPIServerMaxAge(t, 10*time.Second)
	root := ts.RootIAM()
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
	ts.Clock.Add(11 * time.Second) // past the configured max age, well within the signature's 15 minutes
	_, err = root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantAPIError(t, err, "ReportExpired", 410, "")
	gen, err = root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must(t, err)
	if gen.State != types.ReportStateTypeStarted {
		t.Fatalf("Generate after expiry: %s", gen.State)
	}
	ts.Reports.Wait()
}
