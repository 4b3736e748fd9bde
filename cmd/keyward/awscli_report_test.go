package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/keyward/keyward/internal/kwtest"
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

// reportRows reads a credential report's CSV into its rows by user.
var reportRows = kwtest.ReportRows

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
