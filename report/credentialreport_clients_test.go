package report_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
)

// pollScripts are the loops real clients run against
// GenerateCredentialReport: AWS's documentation and scripts with the AWS
// CLI, and boto3 as Prowler and ScoutSuite use it. Each prints the number
// of polls on stderr and the report on stdout.
var pollScripts = map[string][]string{
	// Debian's AWS CLI predates AWS_ENDPOINT_URL: the endpoint is given.
	"aws-cli": {"/bin/sh", "-c", `n=1
until [ "$(aws --endpoint-url "$KEYWARD_URL" iam generate-credential-report --query State --output text)" = COMPLETE ]; do
	n=$((n+1)); [ $n -gt 200 ] && { echo "polls=$n" >&2; exit 3; }; sleep 0.1
done
echo "polls=$n" >&2
aws --endpoint-url "$KEYWARD_URL" iam get-credential-report --query Content --output text`},
	"boto3": {"/usr/bin/python3", "-c", `import base64, os, sys, time
import boto3
iam = boto3.client("iam", endpoint_url=os.environ["KEYWARD_URL"], region_name="us-east-1")
n = 1
while iam.generate_credential_report()["State"] != "COMPLETE":
    n += 1
    if n > 200:
        sys.exit("polls=%d" % n)
    time.sleep(0.1)
print("polls=%d" % n, file=sys.stderr)
print(base64.b64encode(iam.get_credential_report()["Content"]).decode())`},
}

// TestCredentialReportPollingClients: with a maximum age of 0 (as
// KEYWARD_CREDENTIAL_REPORT_MAX_AGE=0 sets it) the AWS CLI's and boto3's
// polling loops finish, alone and both at once, with a report holding what
// was changed before they began. Prowler once made 5,731 calls in 23 s and
// never got COMPLETE. The rule is TestCredentialReportPollingWithoutMaxAge's;
// this is the real clients' loops, on the real clock.
func TestCredentialReportPollingClients(t *testing.T) {
	t.Parallel() // the AWS CLI and Python start slowly: overlap them with the other tests
	// Without the clients each loop would poll its 200 times before
	// failing, over a minute: say what is missing at once instead.
	kwtest.NeedClients(t)
	k := kwtest.NewWithOptions(t, kwtest.Options{ReportMaxAge: 0})
	root := k.RootIAM()
	ctx := context.Background()
	env := kwtest.ClientEnv(t, k.URL)
	polls := regexp.MustCompile(`polls=(\d+)`)
	run := func(t *testing.T, client string) string {
		res := kwtest.RunClient(t, env, pollScripts[client][0], pollScripts[client][1:]...)
		stdout := res.Stdout
		m := polls.FindStringSubmatch(res.Stderr)
		if res.Code != 0 || m == nil {
			t.Fatalf("%s: exit %d\n%s", client, res.Code, res.Stderr)
		}
		n, _ := strconv.Atoi(m[1])
		t.Logf("%s polled %d times", client, n)
		csv, err := base64.StdEncoding.DecodeString(strings.TrimSpace(stdout))
		if err != nil {
			t.Fatalf("%s printed %q: %v", client, stdout, err)
		}
		return string(csv)
	}
	for _, client := range []string{"aws-cli", "boto3"} {
		t.Run(client, func(t *testing.T) {
			user := "before-" + client
			_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
			must(t, err)
			if report := run(t, client); !strings.Contains(report, "\n"+user+",") {
				t.Fatalf("%s's report misses %s:\n%s", client, user, report)
			}
		})
	}
	t.Run("both at once", func(t *testing.T) {
		for round := range 2 {
			user := fmt.Sprintf("both-round-%d", round)
			_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
			must(t, err)
			var wg sync.WaitGroup
			for _, client := range []string{"aws-cli", "boto3"} {
				wg.Go(func() {
					if report := run(t, client); !strings.Contains(report, "\n"+user+",") {
						t.Errorf("%s's report misses %s", client, user)
					}
				})
			}
			wg.Wait()
		}
	})
}
