package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward/bench/internal/proc"
	"github.com/keyward/keyward/postgres/pgtest"
)

// The replica benchmark: the same operations on SQLite, on PostgreSQL with
// one replica, and on PostgreSQL with two replicas taking requests in turn.

type cluster struct {
	servers []*server
}

// cpu sums the CPU time of every replica.
func (c *cluster) cpu() time.Duration {
	var d time.Duration
	for _, s := range c.servers {
		d += s.CPU()
	}
	return d
}

func (c *cluster) stop() {
	for _, s := range c.servers {
		s.Stop()
	}
}

func runReplicas() error {
	ctx := context.Background()
	tmp, bin, err := buildKeyward("apibench-replicas")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pgURL, drop, err := newSchema(ctx)
	if err != nil {
		return err
	}
	defer drop()

	setups := []struct {
		name     string
		replicas int
		database string
	}{
		{"SQLite", 1, ""},
		{"PostgreSQL, 1 replica", 1, pgURL},
		{"PostgreSQL, 2 replicas", 2, pgURL},
	}
	var results []result
	for si, setup := range setups {
		cl := &cluster{}
		for i := 0; i < setup.replicas; i++ {
			env := proc.RootEnv("KEYWARD_MASTER_KEY=" + masterKeyHex)
			if setup.database != "" {
				env = append(env, "KEYWARD_DATABASE_URL="+setup.database)
			}
			s, err := serveData(bin, filepath.Join(tmp, fmt.Sprint(si, "-", i)), env)
			if err != nil {
				cl.stop()
				return err
			}
			cl.servers = append(cl.servers, s)
		}
		clients := make([]*iam.Client, len(cl.servers))
		stsClients := make([]*sts.Client, len(cl.servers))
		for i, s := range cl.servers {
			clients[i] = client(s.url())
			stsClients[i] = sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: clients[i].Options().Credentials,
				BaseEndpoint: aws.String(s.url()), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sharedHTTP})
		}
		pick := func(i int) int { return i % len(clients) }
		prefix := fmt.Sprintf("s%d-", si) // the PostgreSQL setups share a schema
		m := &multi{cl}
		results = append(results, loadOn(setup.name+": CreateUser", m, *creates, func(i int) error {
			_, err := clients[pick(i)].CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("%su%06d", prefix, i))})
			return err
		}))
		results = append(results, loadOn(setup.name+": CreateAccessKey", m, *creates, func(i int) error {
			_, err := clients[pick(i)].CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(fmt.Sprintf("%su%06d", prefix, i))})
			return err
		}))
		loadOn("warm-up", m, 1000, func(i int) error {
			_, err := stsClients[pick(i)].GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		})
		results = append(results, loadOn(setup.name+": GetCallerIdentity", m, *n, func(i int) error {
			_, err := stsClients[pick(i)].GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}))
		results = append(results, loadOn(setup.name+": ListAccessKeys", m, *n, func(i int) error {
			_, err := clients[pick(i)].ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(fmt.Sprintf("%su%06d", prefix, i%*creates))})
			return err
		}))
		cl.stop()
	}
	fmt.Printf("concurrency %d, aws-sdk-go-v2 client, %d cores; server CPU is the sum over replicas, PostgreSQL's own not counted\n\n", *conc, numCPU())
	printResults(results, false)
	return nil
}

// multi lets load measure a cluster through the cpu and rss of server.
type multi struct{ c *cluster }

func loadOn(name string, m *multi, total int, op func(i int) error) result {
	// load reads CPU from a *server; measure the cluster by hand instead.
	cpu0 := m.c.cpu()
	r := load(name, nil, total, *conc, op)
	r.cpu = m.c.cpu() - cpu0
	return r
}

// newSchema makes a schema for the benchmark in the test PostgreSQL server.
func newSchema(ctx context.Context) (string, func(), error) {
	conn, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "kwbench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u, _ := url.Parse(pgtest.ServerURL())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		conn.Close(context.Background())
	}
	return u.String(), drop, nil
}
