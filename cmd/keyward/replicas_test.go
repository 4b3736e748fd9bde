package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awsorg "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/postgres/pgtest"
)

const replicaMasterKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

// startReplicas runs n keyward processes on one PostgreSQL schema, each with
// its own data directory and the same master key.
func startReplicas(t *testing.T, n int) ([]*process, string) {
	t.Helper()
	url := pgtest.Schema(t)
	env := append([]string{"KEYWARD_MASTER_KEY=" + replicaMasterKey, "KEYWARD_DATABASE_URL=" + url, "KEYWARD_RESYNC_INTERVAL=500ms"}, rootEnv...)
	ps := make([]*process, n)
	errs := make([]error, n)
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	var wg sync.WaitGroup
	for i := range ps {
		wg.Add(1)
		go func(i int) { // together, as a deployment starts them
			defer wg.Done()
			ps[i], errs[i] = launch(t, dirs[i], env...)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	return ps, url
}

func (p *process) sts(id, secret, region string) *sts.Client {
	return sts.NewFromConfig(awsConfig("http://"+p.addr, id, secret, region))
}

// replicaSet starts three replicas on one PostgreSQL schema, with a user
// alice made on the first; root(i) is the root user's client of replica i.
func replicaSet(t *testing.T) (rs []*process, url string, ctx context.Context, root func(int) *iam.Client) {
	rs, url = startReplicas(t, 3)
	ctx = context.Background()
	root = func(i int) *iam.Client { return rs[i%len(rs)].iam(rootKeyID, rootSecret) }
	_, err := root(0).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	return rs, url, ctx, root
}

// TestReplicasConsistency: replicas state held by the database across replicas: unique names, the key quota, last use, one credential report.
func TestReplicasConsistency(t *testing.T) {
	rs, _, ctx, root := replicaSet(t)

	t.Run("UniqueNamesAcrossReplicas", func(t *testing.T) {
		ok := kwtest.Race(t, 12, func(i int) error {
			name := "Bob"
			if i%2 == 0 {
				name = "bob"
			}
			_, err := root(i).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
			return err
		}, "EntityAlreadyExists", 409, "")
		if ok != 1 {
			t.Fatalf("%d replicas created bob", ok)
		}
	})

	var keyID, secret string

	t.Run("KeyQuotaAcrossReplicas", func(t *testing.T) {
		made := make([]*iam.CreateAccessKeyOutput, 21)
		ok := kwtest.Race(t, len(made), func(i int) (err error) {
			made[i], err = root(i).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
			return err
		}, "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2")
		for _, out := range made {
			if out != nil {
				keyID, secret = *out.AccessKey.AccessKeyId, *out.AccessKey.SecretAccessKey
			}
		}
		if ok != 2 {
			t.Fatalf("%d of 21 concurrent CreateAccessKey calls over 3 replicas succeeded, want 2", ok)
		}
	})
	if keyID == "" {
		t.Fatal("no key to go on with")
	}

	t.Run("LastUseFromEveryReplica", func(t *testing.T) {
		// seen waits until replica 0 reads the use in region, written by
		// another replica's flush (every 100ms).
		seen := func(region string) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				out, err := root(0).GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keyID)})
				must(t, err)
				if aws.ToString(out.AccessKeyLastUsed.Region) == region {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("replica 0 sees last use %s/%s, want sts/%s", aws.ToString(out.AccessKeyLastUsed.ServiceName), aws.ToString(out.AccessKeyLastUsed.Region), region)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		_, err := rs[1].sts(keyID, secret, "eu-west-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
		seen("eu-west-1") // flushed by replica 1
		_, err = rs[2].sts(keyID, secret, "ap-south-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		must(t, err)
		seen("ap-south-1")
	})

	t.Run("OneCredentialReportForAll", func(t *testing.T) {
		gen, err := root(0).GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		must(t, err)
		if gen.State != "STARTED" {
			t.Fatalf("first Generate: %s", gen.State)
		}
		// Another replica sees the same report being made, not a new one.
		second, err := root(1).GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		must(t, err)
		if second.State == "STARTED" {
			t.Fatal("a second replica started another report")
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := root(2).GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if err == nil {
				if !strings.Contains(string(out.Content), "\nalice,") {
					t.Fatalf("report %s", out.Content)
				}
				break
			}
			wantAPIError(t, err, "ReportInProgress", 404, "")
			if time.Now().After(deadline) {
				t.Fatal("no report after 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// propagation bounds how long a change made on one replica may take to
// reach another in these tests. A replica keeps keys and compiled
// policies until a change's notification says otherwise, with no expiry,
// so one that never hears of a change keeps the old answer for good and
// any bound catches it; each wait logs the time it took. The bound is
// generous because make test runs these beside Chromium and Terraform on
// two cores, where a notification once took over a second to act on.
const propagation = 5 * time.Second

// TestReplicasPropagation: changes made on one replica reach every other within their bound: keys, policies, renames, key lists.
func TestReplicasPropagation(t *testing.T) {
	rs, _, ctx, root := replicaSet(t)
	k, err := root(0).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	keyID, secret := *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey

	t.Run("DeactivateReachesEveryReplica", func(t *testing.T) {
		// Every replica has the key cached, active.
		for _, r := range rs {
			_, err := r.sts(keyID, secret, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			must(t, err)
		}
		start := time.Now()
		_, err := root(0).UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(keyID), Status: "Inactive"})
		must(t, err)
		for i, r := range rs[1:] {
			c := r.sts(keyID, secret, "us-east-1")
			for {
				_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				if err != nil {
					wantAPIError(t, err, "InvalidClientTokenId", 403, "")
					break
				}
				if time.Since(start) > propagation {
					t.Fatalf("replica %d still accepts the key %v after it was deactivated", i+1, time.Since(start))
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("replica %d refuses the deactivated key after %v", i+1, time.Since(start).Round(time.Millisecond))
		}
		// And deletion, the same way.
		_, err = root(1).UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(keyID), Status: "Active"})
		must(t, err)
		waitAccepted := func(r *process) {
			deadline := time.Now().Add(propagation)
			for {
				if _, err := r.sts(keyID, secret, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
					return
				}
				if time.Now().After(deadline) {
					t.Fatal("reactivated key still refused after the bound")
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		waitAccepted(rs[0])
		waitAccepted(rs[2])
		start = time.Now()
		_, err = root(1).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(keyID)})
		must(t, err)
		for _, r := range []*process{rs[0], rs[2]} {
			for {
				if _, err := r.sts(keyID, secret, "us-east-1").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
					break
				}
				if time.Since(start) > propagation {
					t.Fatal("a replica still accepts a deleted key after the bound")
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	})

	t.Run("PolicyChangeReachesEveryReplica", func(t *testing.T) {
		id, secret := createUserKey(t, root(0), "reader")
		reader := func(i int) *iam.Client { return rs[i].iam(id, secret) }
		// Each replica has compiled the reader's (empty) policies.
		for i := range rs {
			_, err := reader(i).ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
			wantAPIError(t, err, "AccessDenied", 403, "")
		}
		within := func(what string, i int, ok func(error) bool) {
			start := time.Now()
			for {
				_, err := reader(i).ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
				if ok(err) {
					t.Logf("replica %d: %s after %v", i, what, time.Since(start).Round(time.Millisecond))
					return
				}
				if time.Since(start) > propagation {
					t.Fatalf("replica %d: not %s within the bound: %v", i, what, err)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		_, err = root(0).AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
		must(t, err)
		within("allowed", 1, func(err error) bool { return err == nil })
		within("allowed", 2, func(err error) bool { return err == nil })
		_, err = root(1).DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("reader"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
		must(t, err)
		within("refused", 0, func(err error) bool { return err != nil })
		within("refused", 2, func(err error) bool { return err != nil })
	})

	t.Run("CloseAccountReachesEveryReplica", func(t *testing.T) {
		// A management account user's session of a member account's role,
		// accepted (and so cached) by every replica, is refused by each
		// within a second of the closure on another.
		orgs := awsorg.NewFromConfig(awsConfig("http://"+rs[0].addr, rootKeyID, rootSecret, "us-east-1"))
		_, err := orgs.CreateOrganization(ctx, &awsorg.CreateOrganizationInput{})
		must(t, err)
		made, err := orgs.CreateAccount(ctx, &awsorg.CreateAccountInput{Email: aws.String("closing@example.com"), AccountName: aws.String("closing")})
		must(t, err)
		member := aws.ToString(made.CreateAccountStatus.AccountId)
		id, secret := createUserKey(t, root(0), "ops")
		_, err = root(0).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("assume"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
		must(t, err)
		out, err := rs[1].sts(id, secret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("ops")})
		must(t, err)
		session := func(i int) *sts.Client {
			cfg := awsConfig("http://"+rs[i].addr, "", "", "us-east-1")
			cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
					SessionToken: aws.ToString(out.Credentials.SessionToken)}, nil
			})
			return sts.NewFromConfig(cfg)
		}
		for i := range rs {
			_, err := session(i).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			must(t, err)
		}
		start := time.Now()
		_, err = orgs.CloseAccount(ctx, &awsorg.CloseAccountInput{AccountId: aws.String(member)})
		must(t, err)
		for _, i := range []int{1, 2} {
			for {
				_, err := session(i).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				if err != nil {
					wantAPIError(t, err, "InvalidClientTokenId", 403, "")
					break
				}
				if time.Since(start) > propagation {
					t.Fatalf("replica %d still accepts the closed account's session %v after the closure", i, time.Since(start))
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("replica %d refuses the closed account's session after %v", i, time.Since(start).Round(time.Millisecond))
		}
	})

	t.Run("RenameReachesEveryReplica", func(t *testing.T) {
		id, secret := createUserKey(t, root(0), "selfie")
		_, err := root(0).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("selfie"), PolicyName: aws.String("self"),
			PolicyDocument: aws.String(policy.SelfManageAccessKeysPolicy)})
		must(t, err)
		selfie := rs[1].iam(id, secret)
		deadline := time.Now().Add(propagation)
		for { // the policy reaches replica 1
			if _, err := selfie.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("policy not in force on replica 1 within the bound")
			}
			time.Sleep(5 * time.Millisecond)
		}
		_, err = root(0).UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("selfie"), NewUserName: aws.String("selfie2")})
		must(t, err)
		deadline = time.Now().Add(propagation)
		for { // replica 1 recompiles with the new name
			out, err := selfie.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
			if err == nil && len(out.AccessKeyMetadata) == 1 && *out.AccessKeyMetadata[0].UserName == "selfie2" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the rename did not reach replica 1 within the bound: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})

	t.Run("KeyListsFollowOtherReplicas", func(t *testing.T) {
		_, err := root(0).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")})
		must(t, err)
		count := func() (int, error) {
			out, err := root(1).ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("carol")})
			if err != nil {
				return 0, err
			}
			return len(out.AccessKeyMetadata), nil
		}
		if n, err := count(); err != nil || n != 0 {
			t.Fatalf("carol has %d keys (%v)", n, err) // now cached on replica 1
		}
		k, err := root(0).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
		must(t, err)
		eventually := func(what string, ok func() bool) {
			start := time.Now()
			for !ok() {
				if time.Since(start) > propagation {
					t.Fatalf("replica 1 did not see %s within the bound", what)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		eventually("the new key", func() bool { n, err := count(); return err == nil && n == 1 })
		_, err = root(2).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("carol"), AccessKeyId: k.AccessKey.AccessKeyId})
		must(t, err)
		eventually("the deletion", func() bool { n, err := count(); return err == nil && n == 0 })
		_, err = root(2).DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")})
		must(t, err)
		eventually("the user deleted", func() bool { _, err := count(); return err != nil })
		_, err = count()
		wantAPIError(t, err, "NoSuchEntity", 404, "The user with name carol cannot be found.")
	})
}

// TestReplicasFailures: replicas survive their own failures: one killed under load, one started with another master key.
func TestReplicasFailures(t *testing.T) {
	rs, url, ctx, root := replicaSet(t)

	t.Run("KillOneUnderLoad", func(t *testing.T) {
		var mu sync.Mutex
		var acked []string
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				c := root(g)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("load-%d-%d", g, i)
					if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err == nil {
						mu.Lock()
						acked = append(acked, name)
						mu.Unlock()
					} else if g%3 != 2 {
						var ae smithy.APIError
						if errors.As(err, &ae) {
							t.Errorf("replica %d failed under load: %v", g%3, err)
						}
					}
				}
			}(g)
		}
		// ackedPast waits until more than n users are acknowledged.
		ackedPast := func(n int, what string) int {
			deadline := time.Now().Add(10 * time.Second)
			for {
				mu.Lock()
				got := len(acked)
				mu.Unlock()
				if got > n {
					return got
				}
				if time.Now().After(deadline) {
					close(stop)
					wg.Wait()
					t.Fatalf("%d users acknowledged %s, want more than %d", got, what, n)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		ackedPast(30, "before the kill")
		rs[2].cmd.Process.Signal(syscall.SIGKILL)
		mu.Lock()
		killedAt := len(acked)
		mu.Unlock()
		// The survivors go on: as many again as before the kill.
		ackedPast(2*killedAt, "after the kill")
		close(stop)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(acked) <= killedAt {
			t.Fatalf("the surviving replicas made no progress after the kill (%d acknowledged)", len(acked))
		}
		// Everything acknowledged, by any replica, is there.
		have := map[string]bool{}
		p := iam.NewListUsersPaginator(root(0), &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			must(t, err)
			for _, u := range out.Users {
				have[*u.UserName] = true
			}
		}
		for _, name := range acked {
			if !have[name] {
				t.Fatalf("acknowledged user %s lost", name)
			}
		}
		t.Logf("%d users acknowledged under load, %d before the kill, none lost", len(acked), killedAt)
	})

	t.Run("OtherMasterKeyRefused", func(t *testing.T) {
		cmd := exec.Command(binary(t), "serve", "--data", t.TempDir(), "--listen", kwtest.AnyPort)
		cmd.Env = append(os.Environ(), append([]string{"KEYWARD_MASTER_KEY=" + strings.Repeat("77", 32), "KEYWARD_DATABASE_URL=" + url}, rootEnv...)...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "master key cannot decrypt the stored secrets") {
			t.Fatalf("a replica with another master key started, or said so unclearly: %v\n%s", err, out)
		}
	})
}

func TestDatabaseConnectionLoss(t *testing.T) {
	url := pgtest.Schema(t)
	app := fmt.Sprintf("kwloss%d", time.Now().UnixNano())
	ts := startServerWith(t, "", func(m *Main) {
		m.Config.DatabaseURL = url + "&application_name=" + app
		m.Config.MasterKey = replicaMasterKey
		// No re-read of the change log in the test's time: only the
		// listener, connected again, can bring the change made below.
		m.Config.ResyncInterval = time.Hour
	})
	ctx := context.Background()
	c := ts.rootIAM()
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("before")})
	must(t, err)

	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	must(t, err)
	defer admin.Close(ctx)
	var killed int
	must(t, admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed))
	if killed == 0 {
		t.Fatal("no connection to cut")
	}
	failures := 0
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("after%d", i))})
		if err == nil {
			break
		}
		wantAPIError(t, err, "ServiceFailure", 500, "An internal error occurred while processing the request.")
		failures++
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after %d failures: %v", failures, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d connections cut, %d requests failed with ServiceFailure before recovery", killed, failures)
	if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("before")}); err != nil {
		t.Fatalf("acknowledged user lost: %v", err)
	}
	// The replica also listens again: a change made elsewhere still reaches it.
	other, err := postgres.Open(ctx, url, postgres.Options{})
	must(t, err)
	defer other.Close()
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("before")})
	must(t, err)
	s := sts.NewFromConfig(awsConfig(ts.URL, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, "us-east-1"))
	_, err = s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	must(t, err)
	must(t, other.UpdateAccessKey(ctx, "before", *k.AccessKey.AccessKeyId, "Inactive", time.Now()))
	start := time.Now()
	for {
		if _, err := s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("change made by another replica not seen after the connection loss")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReplicaChangeLogLagMetric: a replica's metrics show how long the
// changes another replica made had waited in the shared change log when
// it read them.
func TestReplicaChangeLogLagMetric(t *testing.T) {
	t.Parallel()
	url := pgtest.Schema(t)
	env := append([]string{"KEYWARD_MASTER_KEY=" + replicaMasterKey, "KEYWARD_DATABASE_URL=" + url, "KEYWARD_RESYNC_INTERVAL=200ms"}, rootEnv...)
	writer := startProcess(t, t.TempDir(), env...)
	reader := startProcess(t, t.TempDir(), append(env, "KEYWARD_METRICS_LISTEN="+kwtest.AnyPort)...)
	metricsAddr := reader.metrics
	ctx := context.Background()
	_, err := writer.iam(rootKeyID, rootSecret).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = writer.iam(rootKeyID, rootSecret).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if lag := scrape(t, metricsAddr)["keyward_postgres_change_log_lag_seconds"]; lag > 0 && lag < 5 {
			t.Logf("change-log lag %.3f s", lag)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reader's change-log lag never showed the writer's change")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
