package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/bench/internal/bulk"
	"github.com/keyward/keyward/bench/internal/proc"
	"github.com/keyward/keyward/internal/sdkhttp"
	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/sqlite"
)

// The scale benchmark seeds a store with many users, two keys each, straight
// into SQLite (the API would take hours to make a million users durable one
// by one), then measures GetAccessKeyLastUsed and authentication through
// the API, beside the same on a store of ten users.

const masterKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// benchKey returns the ID and secret of seeded key i, derived so that the
// load generator can sign with any of them.
func benchKey(i int) (id, secret string) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("keyward bench key %d", i)))
	id = "AKIA" + b32.EncodeToString(sum[:10])
	secret = (base64.StdEncoding.EncodeToString(sum[:]) + "0000000000")[:40]
	return id, secret
}

func seed(dir string, users int) error {
	ctx := context.Background()
	path := filepath.Join(dir, "keyward.db")
	st, err := sqlite.Open(ctx, path) // applies the migrations
	if err != nil {
		return err
	}
	st.Close()
	sealer, err := benchSealer()
	if err != nil {
		return err
	}
	return bulk.Write(path, func(tx *sql.Tx) error {
		// Rows of no account yet: the server's first start makes the
		// account, and the rows written before it are its.
		insUser, _ := tx.Prepare(`INSERT INTO users (id, account_id, name, name_fold, path, created_at) VALUES (?, '', ?, ?, '/', ?)`)
		insKey, _ := tx.Prepare(`INSERT INTO access_keys (id, user_id, status, created_at, sealed_secret) VALUES (?, ?, 'Active', ?, ?)`)
		now := time.Now().UnixNano()
		t0 := time.Now()
		for u := 0; u < users; u++ {
			uid := fmt.Sprintf("AIDA%017d", u)
			name := fmt.Sprintf("user%07d", u)
			if _, err := insUser.Exec(uid, name, name, now); err != nil {
				return err
			}
			for k := 0; k < 2; k++ {
				id, secret := benchKey(2*u + k)
				sealed, err := sealer.Seal(id, secret)
				if err != nil {
					return err
				}
				if _, err := insKey.Exec(id, uid, now, sealed); err != nil {
					return err
				}
			}
			if u > 0 && u%200000 == 0 {
				fmt.Fprintf(os.Stderr, "seeded %d users in %v\n", u, time.Since(t0).Round(time.Second))
			}
		}
		return nil
	})
}

// benchSealer seals the seeded keys' secrets under masterKeyHex, which
// the benchmark's servers are started with.
func benchSealer() (*seal.Sealer, error) {
	mk, _ := hex.DecodeString(masterKeyHex)
	return seal.New(mk, fastRand{})
}

// fastRand feeds the sealer nonces while seeding benchmark data: fast, and
// not secret, which the seeded keys need not be.
type fastRand struct{}

func (fastRand) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return len(b), nil
}

func runScale(sizes []int) error {
	ctx := context.Background()
	return runSizes("apibench-scale", fmt.Sprintf("concurrency %d", *conc), sizes, func(bin, dir string, users int) ([]result, error) {
		t0 := time.Now()
		// Seeded by a child process, so that this one, the load generator,
		// does not carry the seeding's heap into the measurement.
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(self, "-seed-dir", dir, "-seed-users", fmt.Sprint(users))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("seeding: %w", err)
		}
		fmt.Fprintf(os.Stderr, "%d users seeded in %v\n", users, time.Since(t0).Round(time.Second))
		kw, err := serveData(bin, dir, proc.RootEnv("KEYWARD_MASTER_KEY="+masterKeyHex))
		if err != nil {
			return nil, err
		}
		defer kw.Stop()
		keys := 2 * users
		kc := client(kw.url())
		rng := rand.New(rand.NewPCG(1, 2))
		lastUsed := func(int) error {
			id, _ := benchKey(rng.IntN(keys))
			_, err := kc.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
			return err
		}
		load("warm-up", kw, 1000, *conc, lastUsed)
		r := load(fmt.Sprintf("GetAccessKeyLastUsed, %d users / %d keys", users, keys), kw, *n, *conc, lastUsed)
		results := []result{r}

		// Authentication: GetCallerIdentity signed by keys drawn from a
		// working set of 1,000 (cached after first use), then from all keys
		// (mostly cache misses, each one an indexed read).
		hot := min(1000, keys)
		clients := make([]*sts.Client, hot)
		for i := range clients {
			id, secret := benchKey(i * (keys / hot))
			clients[i] = sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
				BaseEndpoint: aws.String(kw.url()), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sdkhttp.Wrap(nil)})
		}
		auth := func(int) error {
			_, err := clients[rng.IntN(hot)].GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}
		load("warm-up", kw, 2000, *conc, auth)
		results = append(results, load(fmt.Sprintf("GetCallerIdentity, %d hot keys of %d", hot, keys), kw, *n, *conc, auth))
		cold := func(int) error {
			id, secret := benchKey(rng.IntN(keys))
			c := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
				BaseEndpoint: aws.String(kw.url()), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sharedHTTP})
			_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}
		return append(results, load(fmt.Sprintf("GetCallerIdentity, any of %d keys", keys), kw, *n/4, *conc, cold)), nil
	})
}

func parseSizes(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var n int
		fmt.Sscan(f, &n)
		out = append(out, n)
	}
	return out
}
