package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward/bench/internal/proc"
	"github.com/keyward/keyward/internal/sdkhttp"
	"github.com/keyward/keyward/postgres/pgtest"
)

// The accounts benchmark: on PostgreSQL, the work of one account of ten
// users (authentication, ListUsers, the credential report, CreateAccessKey)
// and CreateAccount, in an installation of that account alone and in one
// where other accounts hold usersPerAccount users with two keys each,
// seeded straight into the database (through the API it would take hours).
// Per-account work should not depend on the other accounts' size.

func runAccounts(sizes []int, usersPerAccount int) error {
	ctx := context.Background()
	return runSizes("apibench-accounts", fmt.Sprintf("PostgreSQL, concurrency %d", *conc), sizes, func(bin, dir string, others int) ([]result, error) {
		reuse := others > 0 && *seeded != ""
		var pgURL string
		var drop func()
		var err error
		if reuse {
			pgURL, drop, err = seededSchema(ctx, *seeded)
		} else {
			pgURL, drop, err = newSchema(ctx)
		}
		if err != nil {
			return nil, err
		}
		if *keepAcct || reuse {
			drop = func() {}
		}
		defer drop()
		env := proc.RootEnv("KEYWARD_MASTER_KEY="+masterKeyHex, "KEYWARD_DATABASE_URL="+pgURL)
		// The first start makes the installation's first account and its
		// root key; the others are seeded beside it, then served.
		kw, err := serveData(bin, dir, env)
		if err != nil {
			return nil, err
		}
		kw.Stop()
		if !reuse {
			t0 := time.Now()
			if err := seedAccounts(ctx, pgURL, others, usersPerAccount); err != nil {
				return nil, err
			}
			fmt.Fprintf(os.Stderr, "%d accounts of %d users seeded in %v\n", others, usersPerAccount, time.Since(t0).Round(time.Second))
		}
		if *keepAcct {
			fmt.Fprintf(os.Stderr, "kept %s\n", pgURL)
		}
		if kw, err = serveData(bin, dir, env); err != nil {
			return nil, err
		}
		defer kw.Stop()
		label := fmt.Sprintf("%d other accounts × %d users", others, usersPerAccount)
		return measureAccount(ctx, kw, label), nil
	})
}

// measureAccount measures the first account's work of ten users.
// seededSchema returns the URL of a schema an earlier run seeded and
// kept, with the first account's measured state taken out (its measured
// users and their keys, its credential report), so that the measurement
// begins as on a freshly seeded store; the accounts an earlier
// measurement made stay, a few hundred beside the seeded ones.
func seededSchema(ctx context.Context, schema string) (string, func(), error) {
	u, _ := url.Parse(pgtest.ServerURL())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	var first string
	if err := conn.QueryRow(ctx, `SELECT id FROM account`).Scan(&first); err != nil {
		return "", nil, fmt.Errorf("schema %s: %w", schema, err)
	}
	measured := `SELECT id FROM users WHERE account_id = $1 AND (name LIKE 'bench%' OR name LIKE 'key%')`
	for _, stmt := range []string{
		`DELETE FROM access_keys WHERE account_id = $1 AND user_id IN (` + measured + `)`,
		`DELETE FROM users WHERE id IN (` + measured + `)`,
		`DELETE FROM credential_report WHERE account_id = $1`,
	} {
		if _, err := conn.Exec(ctx, stmt, first); err != nil {
			return "", nil, fmt.Errorf("resetting the first account of %s: %w", schema, err)
		}
	}
	return u.String(), func() {}, nil
}

func measureAccount(ctx context.Context, kw *server, label string) []result {
	cfg := func(id, secret string) aws.Config {
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
			BaseEndpoint: aws.String(kw.url()), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sdkhttp.Wrap(nil)}
	}
	root := client(kw.url())
	var stsClients []*sts.Client
	for u := range 10 {
		name := fmt.Sprintf("bench%02d", u)
		root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		for range 2 {
			k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
			if err == nil {
				stsClients = append(stsClients, sts.NewFromConfig(cfg(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))))
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	auth := func(int) error {
		_, err := stsClients[rng.IntN(len(stsClients))].GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	list := func(int) error { _, err := root.ListUsers(ctx, &iam.ListUsersInput{}); return err }
	// A report generated in the background, read once it is there.
	report := func(int) error {
		if _, err := root.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); err != nil {
			return err
		}
		for {
			_, err := root.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
			if err == nil || !strings.Contains(err.Error(), "ReportInProgress") {
				return err
			}
			time.Sleep(time.Millisecond)
		}
	}
	// CreateAccessKey: one key each for fresh users of the first account.
	creates := min(*n/10, 1000)
	for u := range creates {
		root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("key%05d", u))})
	}
	createKey := func(i int) error {
		_, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(fmt.Sprintf("key%05d", i))})
		return err
	}
	orgs := organizations.NewFromConfig(cfg(proc.RootKeyID, proc.RootSecret))
	orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	// The accounts are made in the organization of the installation's
	// first account, which keyward serve bounds by
	// --max-first-organization-accounts, none by default. A request the
	// service refuses answers FAILED rather than an error, as AWS's does:
	// it counts as failed here, so that a bound in the way shows in the
	// figures instead of passing for fast creations.
	createAccount := func(i int) error {
		made, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprintf("tenant%05d", i)),
			Email: aws.String(fmt.Sprintf("bench-%d-%d@example.com", time.Now().UnixNano(), i))})
		if err == nil && made.CreateAccountStatus.State != orgtypes.CreateAccountStateSucceeded {
			err = fmt.Errorf("CreateAccount: %s %s", made.CreateAccountStatus.State, made.CreateAccountStatus.FailureReason)
		}
		return err
	}
	load("warm-up", kw, 1000, *conc, auth)
	return []result{
		load("GetCallerIdentity, 20 keys of one account; "+label, kw, *n, *conc, auth),
		load("ListUsers of one account; "+label, kw, *n/4, *conc, list),
		load("GenerateCredentialReport + GetCredentialReport of one account; "+label, kw, 200, *conc, report),
		load("CreateAccessKey; "+label, kw, creates, *conc, createKey),
		load("CreateAccount; "+label, kw, min(creates, 300), *conc, createAccount),
	}
}

// seedAccounts writes accounts other accounts with users users and two
// keys each into the store at pgURL, with COPY.
func seedAccounts(ctx context.Context, pgURL string, accounts, users int) error {
	if accounts == 0 {
		return nil
	}
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	sealer, err := benchSealer()
	if err != nil {
		return err
	}
	now := time.Now().UnixNano()
	var acctRows, userRows, keyRows [][]any
	flush := func() error {
		for _, c := range []struct {
			table string
			cols  []string
			rows  *[][]any
		}{
			{"accounts", []string{"id", "name", "email", "status", "created_at"}, &acctRows},
			{"users", []string{"id", "account_id", "name", "name_fold", "path", "created_at"}, &userRows},
			{"access_keys", []string{"id", "account_id", "user_id", "status", "created_at", "sealed_secret"}, &keyRows},
		} {
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(*c.rows)); err != nil {
				return fmt.Errorf("copying into %s: %w", c.table, err)
			}
			*c.rows = (*c.rows)[:0]
		}
		return nil
	}
	for a := range accounts {
		acct := fmt.Sprintf("9%011d", a)
		acctRows = append(acctRows, []any{acct, "tenant", fmt.Sprintf("tenant%d@example.com", a), "ACTIVE", now})
		for u := range users {
			uid := fmt.Sprintf("AIDA%08d%09d", a, u)
			name := fmt.Sprintf("user%05d", u)
			userRows = append(userRows, []any{uid, acct, name, name, "/", now})
			for k := range 2 {
				id, secret := benchKey((a*users+u)*2 + k)
				sealed, err := sealer.Seal(id, secret)
				if err != nil {
					return err
				}
				keyRows = append(keyRows, []any{id, acct, uid, "Active", now, sealed})
			}
		}
		if len(userRows) >= 50000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `ANALYZE`)
	return err
}
