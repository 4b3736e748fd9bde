package cli_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/cli"
	"github.com/keyward/keyward/internal/kwtest"
)

func TestCLIKeysListFindStale(t *testing.T) {
	ts := newAPIServer(t)
	api := ts.RootIAM()
	ctx := context.Background()
	_, _, usedKey := ts.UserWithKey(t, "ursula")
	k2, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("ursula")})
	must(t, err)
	_, err = api.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("ursula"), AccessKeyId: k2.AccessKey.AccessKeyId, Status: "Inactive"})
	must(t, err)
	now := time.Now()

	code, out, errOut := runCLI(t, ts, now, "keys", "list", "--output", "json")
	if code != 0 {
		t.Fatalf("keys list: %d %s", code, errOut)
	}
	var listed struct{ AccessKeys []map[string]any }
	must(t, json.Unmarshal([]byte(out), &listed))
	owners := map[string]string{}
	for _, k := range listed.AccessKeys {
		owners[k["AccessKeyId"].(string)] = k["User"].(string) + "/" + k["Status"].(string)
	}
	if owners[usedKey] != "ursula/Active" || owners[*k2.AccessKey.AccessKeyId] != "ursula/Inactive" || owners[kwtest.RootKeyID] != "<root_account>/Active" {
		t.Fatalf("keys list: %v", owners)
	}
	code, out, _ = runCLI(t, ts, now, "keys", "list", "--status", "Inactive", "--output", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	must(t, err)
	if code != 0 || len(rows) != 2 || rows[1][1] != *k2.AccessKey.AccessKeyId {
		t.Fatalf("inactive keys as CSV: %q", rows)
	}
	code, out, _ = runCLI(t, ts, now, "keys", "find", usedKey)
	if code != 0 || !strings.Contains(out, "ursula") || !strings.Contains(out, usedKey) {
		t.Fatalf("keys find: %d %s", code, out)
	}
	code, _, errOut = runCLI(t, ts, now, "keys", "find", "AKIANOSUCHKEY0000000")
	if code != cli.ExitServiceError || !strings.Contains(errOut, "(NoSuchEntity)") {
		t.Fatalf("keys find unknown: %d %s", code, errOut)
	}

	// Today nothing is stale; in 50 days the unused keys are; in 100 days
	// every active key is too old.
	if code, out, _ := runCLI(t, ts, now, "keys", "stale", "--unused-for", "45d", "--older-than", "90d", "--output", "json"); code != 0 {
		t.Fatalf("stale today: %d %s", code, out)
	}
	code, out, _ = runCLI(t, ts, now.Add(50*24*time.Hour), "keys", "stale", "--unused-for", "45d", "--older-than", "90d", "--output", "json")
	if code != cli.ExitFound || !strings.Contains(out, usedKey) || strings.Contains(out, *k2.AccessKey.AccessKeyId) {
		t.Fatalf("stale in 50 days: %d %s", code, out)
	}
	_, err = ts.STSIn(kwtest.RootKeyID, kwtest.RootSecret, "eu-west-3").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	code, out, _ = runCLI(t, ts, now.Add(100*24*time.Hour), "keys", "stale", "--unused-for", "200d", "--older-than", "90d", "--output", "json")
	if code != cli.ExitFound || !strings.Contains(out, usedKey) || !strings.Contains(out, kwtest.RootKeyID) {
		t.Fatalf("stale in 100 days: %d %s", code, out)
	}
	if code, _, errOut := runCLI(t, ts, now, "keys", "stale", "--unused-for", "soon"); code != cli.ExitUsage {
		t.Fatalf("bad duration: %d %s", code, errOut)
	}
}

func TestCLIKeysRotate(t *testing.T) {
	ts := newAPIServer(t)
	api := ts.RootIAM()
	ctx := context.Background()
	oldID, oldSecret := createUserKey(t, ts.RootIAM(), "rob")
	now := time.Now()

	// 1: the new key, saved owner-only.
	saveTo := filepath.Join(t.TempDir(), "rob.csv")
	code, out, errOut := runCLI(t, ts, now, "keys", "rotate", "--user-name", "rob", "--save-to", saveTo)
	if code != 0 || !strings.Contains(out, "saved it to") {
		t.Fatalf("rotate: %d %s %s", code, out, errOut)
	}
	fi, err := os.Stat(saveTo)
	must(t, err)
	b, _ := os.ReadFile(saveTo)
	rows, _ := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if fi.Mode().Perm() != 0o600 || len(rows) != 2 || rows[0][0] != "Access key ID" || len(rows[1][1]) != 40 {
		t.Fatalf("saved %v %q", fi.Mode(), rows)
	}
	// Two keys now: another rotation is refused, saying why.
	code, _, errOut = runCLI(t, ts, now, "keys", "rotate", "--user-name", "rob")
	if code == 0 || !strings.Contains(errOut, "already has two access keys") {
		t.Fatalf("second rotation: %d %s", code, errOut)
	}

	// 2: something still uses the old key after the new one was made: refused.
	_, err = ts.STSIn(oldID, oldSecret, "us-west-2").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	code, _, errOut = runCLI(t, ts, now, "keys", "rotate", "--user-name", "rob", "--finish")
	if code == 0 || !strings.Contains(errOut, "the old key "+oldID+" was used at") || !strings.Contains(errOut, "us-west-2") {
		t.Fatalf("finish while the old key is used: %d %s", code, errOut)
	}
	if keys, _ := api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("rob")}); len(keys.AccessKeyMetadata) != 2 {
		t.Fatal("a refused finish changed the keys")
	}
	// The way through: an old key nothing uses after the new one is made
	// (here, rita's, never used) is deactivated, and deleted after the grace.
	ritaOld, _ := createUserKey(t, ts.RootIAM(), "rita")
	if code, _, errOut := runCLI(t, ts, now, "keys", "rotate", "--user-name", "rita"); code != 0 {
		t.Fatalf("rotate rita: %d %s", code, errOut)
	}
	code, out, errOut = runCLI(t, ts, now, "keys", "rotate", "--user-name", "rita", "--finish", "--grace", "7d")
	if code != 0 || !strings.Contains(out, "Deactivated the old key "+ritaOld) || !strings.Contains(out, "stays inactive until") {
		t.Fatalf("finish with grace: %d %s %s", code, out, errOut)
	}
	// Within the grace period nothing more happens; after it, the old key goes.
	code, out, _ = runCLI(t, ts, now.Add(24*time.Hour), "keys", "rotate", "--user-name", "rita", "--finish", "--grace", "7d")
	if code != 0 || !strings.Contains(out, "stays inactive until") {
		t.Fatalf("within grace: %d %s", code, out)
	}
	code, out, _ = runCLI(t, ts, now.Add(8*24*time.Hour), "keys", "rotate", "--user-name", "rita", "--finish", "--grace", "7d")
	if code != 0 || !strings.Contains(out, "Deleted the old key") {
		t.Fatalf("after grace: %d %s", code, out)
	}
	keys, err := api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("rita")})
	must(t, err)
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId == ritaOld {
		t.Fatalf("rita's keys after rotation %+v", keys.AccessKeyMetadata)
	}

	// And the whole rotation at once, the new key printed this once.
	nedOld, _ := createUserKey(t, ts.RootIAM(), "ned")
	code, out, _ = runCLI(t, ts, now, "keys", "rotate", "--user-name", "ned")
	printed, _ := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || len(printed) != 2 || len(printed[1][1]) != 40 {
		t.Fatalf("rotate printing the key: %d %q", code, out)
	}
	code, out, _ = runCLI(t, ts, now, "keys", "rotate", "--user-name", "ned", "--finish", "--now")
	if code != 0 || !strings.Contains(out, "Deleted the old key "+nedOld) {
		t.Fatalf("finish --now: %d %s", code, out)
	}
	keys, err = api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("ned")})
	must(t, err)
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != printed[1][0] {
		t.Fatalf("ned's keys after rotation %+v", keys.AccessKeyMetadata)
	}
	// The new key works.
	if _, err := ts.STSIn(printed[1][0], printed[1][1], "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("the rotated key does not sign: %v", err)
	}
}

// TestCLIKeysProgress shows progress on a terminal for a large account.
func TestCLIKeysProgress(t *testing.T) {
	ts := newAPIServer(t)
	api := ts.RootIAM()
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		_, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("p%03d", i))})
		must(t, err)
	}
	for _, kv := range cliEnv(t, ts) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code := cli.Run(ctx, cli.Env{Args: []string{"keys", "list", "--output", "csv"}, Getenv: os.Getenv, Stdout: &out, Stderr: &errOut, Terminal: true})
	if code != 0 || !strings.Contains(errOut.String(), "users read: 100") {
		t.Fatalf("progress: %d %q", code, errOut.String())
	}
	// Not on a pipe.
	errOut.Reset()
	cli.Run(ctx, cli.Env{Args: []string{"keys", "list", "--output", "csv"}, Getenv: os.Getenv, Stdout: &out, Stderr: &errOut})
	if errOut.Len() != 0 {
		t.Fatalf("progress without a terminal: %q", errOut.String())
	}
}
