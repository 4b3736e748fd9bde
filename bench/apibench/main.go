// Command apibench measures Keyward's API end to end with aws-sdk-go-v2 as
// the client, beside a bare net/http handler returning the same XML and
// beside moto's IAM, in one run, and prints the figures BENCHMARKS.md
// quotes: throughput, and the server's CPU time per request read from
// /proc, so that client and server sharing two cores do not blur it.
//
//	go run ./bench/apibench -n 20000 -c 8
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/keyward/keyward/bench/internal/proc"
)

var (
	n        = flag.Int("n", 20000, "requests per measurement")
	conc     = flag.Int("c", 8, "concurrent clients")
	creates  = flag.Int("creates", 4000, "CreateAccessKey calls (one per user)")
	runs     = flag.Int("runs", 3, "alternating runs of keyward and the bare handler")
	logLevel = flag.String("log-level", "warn", "keyward's --log-level: info writes a line per request (to /dev/null here)")
	withMoto = flag.Bool("moto", true, "measure moto too (python3 -m moto.server)")
	bare     = flag.String("serve-bare", "", "internal: serve the bare handler on this address")
	bareBody = flag.String("bare-body", "", "internal: file with the XML the bare handler returns")
	scale    = flag.String("scale", "", "instead: the scale benchmark for these numbers of users, e.g. 10,1000000")
	replicas = flag.Bool("replicas", false, "instead: SQLite beside PostgreSQL with one and two replicas")
	accounts = flag.String("accounts", "", "instead: the accounts benchmark on PostgreSQL, for these numbers of other accounts, e.g. 0,1000")
	perAcct  = flag.Int("users-per-account", 100, "users (two keys each) of each other account of -accounts")
	keepAcct = flag.Bool("keep-schema", false, "with -accounts: keep the seeded schemas and print their names, to measure again with -seeded-schema")
	seeded   = flag.String("seeded-schema", "", "with -accounts 0,N: measure beside the N accounts already seeded in this schema (-keep-schema) instead of seeding them again")
	seedDir  = flag.String("seed-dir", "", "internal: seed the store in this directory")
	seedN    = flag.Int("seed-users", 0, "internal: users to seed")
)

var sharedHTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// buildKeyward builds cmd/keyward (the working directory must be the
// repository's root) into a new temporary directory, and returns the
// directory, which the caller removes, and the binary's path in it.
func buildKeyward(prefix string) (tmp, bin string, err error) {
	if tmp, err = os.MkdirTemp("", prefix); err != nil {
		return "", "", err
	}
	if bin, err = proc.BuildKeyward(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", "", err
	}
	return tmp, bin, nil
}

// runSizes builds cmd/keyward and calls one for each size with a data
// directory of its own (all under one temporary directory, removed at the
// end), then prints all their results under the heading setup (what the
// server runs on, and the load).
func runSizes(prefix, setup string, sizes []int, one func(bin, dir string, size int) ([]result, error)) error {
	tmp, bin, err := buildKeyward(prefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var results []result
	for _, size := range sizes {
		dir := filepath.Join(tmp, fmt.Sprint(size))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		rs, err := one(bin, dir, size)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	fmt.Printf("%s, aws-sdk-go-v2 client, %d cores\n\n", setup, numCPU())
	printResults(results, true)
	return nil
}

// serveData starts the Keyward bin on the data directory dir, at a free
// address, logging only warnings.
func serveData(bin, dir string, env []string) (*server, error) {
	return start(bin, func(addr string) []string {
		return []string{"serve", "--data", dir, "--listen", addr, "--log-level", "warn"}
	}, env, "/healthz")
}

// printResults writes results as BENCHMARKS.md's Markdown table, with the
// server's resident set size when withRSS.
func printResults(results []result, withRSS bool) {
	rss, rssRule := "", ""
	if withRSS {
		rss, rssRule = " server RSS |", " ---: |"
	}
	fmt.Println("| measurement | requests | req/s | p50 | p99 | server CPU/req |" + rss + " failed |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |" + rssRule + " ---: |")
	for _, r := range results {
		if withRSS {
			rss = fmt.Sprintf(" %.0f MiB |", r.rssMiB)
		}
		fmt.Printf("| %s | %d | %.0f | %v | %v | %v |%s %d |\n", r.name, r.reqs, r.rate(), r.p50.Round(time.Microsecond),
			r.p99.Round(time.Microsecond), r.cpuPerReq().Round(100*time.Nanosecond), rss, r.failed)
	}
}

func main() {
	flag.Parse()
	// The load generator shares the cores with the servers it measures: its
	// collector runs less often, so that more of the machine goes to them.
	// moto is bound by its own process's CPU and gains nothing from this.
	debug.SetGCPercent(400)
	if *bare != "" {
		serveBare(*bare, *bareBody)
		return
	}
	var err error
	if *seedDir != "" {
		err = seed(*seedDir, *seedN)
	} else if *replicas {
		err = runReplicas()
	} else if *accounts != "" {
		err = runAccounts(parseSizes(*accounts), *perAcct)
	} else if *scale != "" {
		err = runScale(parseSizes(*scale))
	} else {
		err = run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apibench:", err)
		os.Exit(1)
	}
}

// serveBare is the baseline: net/http returning a fixed ListAccessKeys
// response, with no authentication, parsing or storage.
func serveBare(addr, bodyFile string) {
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-Requestid", "00000000-0000-4000-8000-000000000000")
		w.Write(body)
	})
	panic(http.ListenAndServe(addr, h))
}

// server is a process serving HTTP at addr.
type server struct {
	*proc.Proc
	addr string
}

func (s *server) url() string { return "http://" + s.addr }

// start runs the server name, with args (which name the address it is
// given to listen on), on a free address, and waits until it answers
// healthPath.
func start(name string, args func(listen string) []string, env []string, healthPath string) (*server, error) {
	p, addrs, err := proc.OnFreePorts(1, func(addrs []string) (*proc.Proc, error) {
		return proc.Start(name, args(addrs[0]), env, os.Getenv("APIBENCH_VERBOSE") != "")
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := &server{Proc: p, addr: addrs[0]}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(s.url() + healthPath)
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("%s did not answer %s: %w", name, healthPath, err)
		}
	}
}

func client(url string) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(proc.RootKeyID, proc.RootSecret, ""),
		BaseEndpoint: aws.String(url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:   sharedHTTP,
	})
}

type result struct {
	name   string
	reqs   int
	wall   time.Duration
	cpu    time.Duration
	p50    time.Duration
	p99    time.Duration
	failed int64
	rssMiB float64
}

func (r result) rate() float64 { return float64(r.reqs) / r.wall.Seconds() }

func (r result) cpuPerReq() time.Duration {
	if r.reqs == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.reqs)
}

// load runs op total times from c goroutines and measures s while it does.
func load(name string, s *server, total, c int, op func(i int) error) result {
	var next, failed int64
	lat := make([]time.Duration, total)
	var wg sync.WaitGroup
	var cpu0 time.Duration
	if s != nil {
		cpu0 = s.CPU()
	}
	t0 := time.Now()
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(atomic.AddInt64(&next, 1)) - 1
				if i >= total {
					return
				}
				st := time.Now()
				if err := op(i); err != nil {
					if atomic.AddInt64(&failed, 1) == 1 {
						fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
					}
				}
				lat[i] = time.Since(st)
			}
		}()
	}
	wg.Wait()
	r := result{name: name, reqs: total, wall: time.Since(t0), failed: failed}
	if s != nil {
		r.cpu, r.rssMiB = s.CPU()-cpu0, s.RSS()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r.p50, r.p99 = lat[total/2], lat[total*99/100]
	return r
}

func run() error {
	ctx := context.Background()
	tmp, bin, err := buildKeyward("apibench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	self, err := os.Executable()
	if err != nil {
		return err
	}

	kw, err := start(bin, func(addr string) []string {
		kwArgs := []string{"serve", "--data", filepath.Join(tmp, "data"), "--listen", addr, "--log-level", *logLevel}
		if d := os.Getenv("APIBENCH_DEBUG_LISTEN"); d != "" {
			kwArgs = append(kwArgs, "--debug-listen", d) // to profile the server under the load
		}
		return kwArgs
	}, proc.RootEnv(), "/healthz")
	if err != nil {
		return err
	}
	defer kw.Stop()
	kc := client(kw.url())
	if err := seedAlice(ctx, kc); err != nil {
		return err
	}
	list := func(c *iam.Client) func(int) error {
		return func(int) error {
			_, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
			return err
		}
	}
	load("warm-up", kw, 2000, *conc, list(kc))

	// The bare handler returns exactly the XML Keyward returned.
	body, err := rawListAccessKeys(kc, kw)
	if err != nil {
		return err
	}
	bodyFile := filepath.Join(tmp, "body.xml")
	os.WriteFile(bodyFile, body, 0o600)
	bs, err := start(self, func(addr string) []string {
		return []string{"-serve-bare", addr, "-bare-body", bodyFile}
	}, nil, "/")
	if err != nil {
		return err
	}
	defer bs.Stop()
	bc := client(bs.url())
	load("warm-up", bs, 2000, *conc, list(bc))

	// Keyward and the bare handler take turns, *runs times, so that drift
	// in the machine's speed falls on both; the medians are compared.
	var kws, bares []result
	for i := 0; i < *runs; i++ {
		kws = append(kws, load("keyward ListAccessKeys", kw, *n, *conc, list(kc)))
		bares = append(bares, load("bare net/http, same XML", bs, *n, *conc, list(bc)))
	}
	var results []result
	results = append(results, kws...)
	results = append(results, bares...)

	// moto takes its turns too, between Keyward's, so that the ratio of
	// throughputs is taken at the same moments of the machine.
	var motos []result
	if *withMoto {
		ms, err := start("python3", func(addr string) []string {
			_, port, _ := net.SplitHostPort(addr)
			return []string{"-m", "moto.server", "-p", port}
		}, nil, "/moto-api/")
		if err != nil {
			return err
		}
		mc := client(ms.url())
		if err := seedAlice(ctx, mc); err != nil {
			ms.Stop()
			return fmt.Errorf("moto: %w", err)
		}
		load("warm-up", ms, 200, *conc, list(mc))
		for i := 0; i < *runs; i++ {
			k := load("keyward ListAccessKeys (beside moto)", kw, *n/4, *conc, list(kc))
			m := load("moto ListAccessKeys", ms, *n/10, *conc, list(mc))
			motos = append(motos, k, m)
		}
		ms.Stop()
		results = append(results, motos...)
	}

	// CreateAccessKey, acknowledged durable: one new key for each of
	// *creates users, made beforehand.
	for i := 0; i < *creates; i += 500 {
		load("create users", kw, min(500, *creates-i), *conc, func(j int) error {
			_, err := kc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("u%06d", i+j))})
			return err
		})
	}
	results = append(results, load("keyward CreateAccessKey (SQLite)", kw, *creates, *conc, func(i int) error {
		_, err := kc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(fmt.Sprintf("u%06d", i))})
		return err
	}))

	fmt.Printf("concurrency %d, aws-sdk-go-v2 client, %d cores\n\n", *conc, numCPU())
	printResults(results, false)
	kCPU, bCPU := median(kws, result.cpuPerReq), median(bares, result.cpuPerReq)
	fmt.Printf("\nmedian server CPU per ListAccessKeys: keyward %v, bare %v, ratio %.2f\n", kCPU, bCPU, float64(kCPU)/float64(bCPU))
	if len(motos) > 0 {
		var ratios []float64
		for i := 0; i+1 < len(motos); i += 2 {
			ratios = append(ratios, motos[i].rate()/motos[i+1].rate())
		}
		sort.Float64s(ratios)
		fmt.Printf("throughput, keyward / moto, per alternating pair: %.1f (median of %v)\n", ratios[len(ratios)/2], ratios)
	}
	return nil
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func seedAlice(ctx context.Context, c *iam.Client) error {
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		if _, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")}); err != nil {
			return err
		}
	}
	return nil
}

// rawListAccessKeys fetches Keyward's response body for the bare handler,
// through the SDK so that it is signed.
func rawListAccessKeys(c *iam.Client, s *server) ([]byte, error) {
	var body []byte
	_, err := c.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("alice")}, func(o *iam.Options) {
		o.HTTPClient = captureClient{&body}
	})
	return body, err
}

type captureClient struct{ body *[]byte }

func (c captureClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	*c.body = b
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp, err
}

// median returns the median of f over rs.
func median(rs []result, f func(result) time.Duration) time.Duration {
	v := make([]time.Duration, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return v[len(v)/2]
}
