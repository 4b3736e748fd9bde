package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

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
