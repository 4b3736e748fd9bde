package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/kwtest"
)

// auditDir holds the audit streams of every test server of the run.
var auditDir string

// TestAWSCLICloudTrail: Debian's AWS CLI reads the audit trail with
// `aws cloudtrail lookup-events`; what the trail holds is query's
// TestAuditTrail.
func TestAWSCLICloudTrail(t *testing.T) {
	t.Parallel() // the CLI starts slowly
	ts := startServerWith(t, "", cheapPasswords)
	createUserKey(t, ts.rootIAM(), "alice")
	must(t, ts.Audit.Flush(context.Background()))
	res := ts.aws(t, rootKeyID, rootSecret, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateAccessKey")
	var out struct {
		Events []struct{ EventName, Username, CloudTrailEvent string }
	}
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &out) != nil || len(out.Events) != 1 || out.Events[0].Username != "alice" {
		t.Fatalf("aws cloudtrail lookup-events: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// secretsInEvents reads every event streamed during the run and reports
// one that holds a secret (kwtest.SecretInEvents, which every package
// test's Keyward also passes).
func secretsInEvents(dir string, atLeast int) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return err
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		m, err := kwtest.SecretInEvents(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		n += m
	}
	if n < atLeast {
		return fmt.Errorf("only %d events in the whole run: the servers did not stream them", n)
	}
	return nil
}
