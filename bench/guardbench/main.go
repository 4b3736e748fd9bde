// Command guardbench measures Keyward guarding other services, in one run
// each, with alternating measurements, and prints the figures BENCHMARKS.md
// quotes:
//
//	go run ./bench/guardbench -mode gateway  # small GETs through Versity S3 Gateway: Keyward vs versitygw's own IAM service
//	go run ./bench/guardbench -mode nginx    # requests through nginx with Keyward's auth_request vs without
//
// Servers' CPU time is read from /proc, so that the load generator sharing
// the cores does not blur it. Run from the repository's root; the gateway
// mode needs the versitygw that scripts/install-test-deps.sh builds, the
// nginx mode Debian's nginx.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/keyward/keyward/bench/internal/proc"
	"github.com/keyward/keyward/sigv4"
)

var (
	mode  = flag.String("mode", "gateway", "gateway or nginx")
	n     = flag.Int("n", 10000, "requests per measurement")
	conc  = flag.Int("c", 8, "concurrent clients")
	runs  = flag.Int("runs", 3, "alternating runs of each side")
	vgw   = flag.String("versitygw", "", "versitygw binary (default: the one scripts/install-test-deps.sh builds)")
	nginx = flag.String("nginx", "/usr/sbin/nginx", "nginx binary")
)

func main() {
	flag.Parse()
	var err error
	switch *mode {
	case "gateway":
		err = gateway()
	case "nginx":
		err = nginxMode()
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "guardbench:", err)
		os.Exit(1)
	}
}

// startKeyward runs keyward serve with flags and returns it and its URL.
func startKeyward(bin, dir string, flags ...string) (*proc.Proc, string, error) {
	if extra := os.Getenv("GUARDBENCH_KEYWARD_FLAGS"); extra != "" {
		flags = append(flags, strings.Fields(extra)...)
	}
	p, addrs, err := proc.OnFreePorts(1, func(addrs []string) (*proc.Proc, error) {
		return start(bin, append([]string{"serve", "--data", dir, "--listen", addrs[0], "--log-level", "warn"}, flags...),
			proc.RootEnv("KEYWARD_ACCOUNT_ID=123456789012")...)
	})
	if err != nil {
		return nil, "", err
	}
	return p, "http://" + addrs[0], nil
}

var sharedHTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func cfg(url, id, secret string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		BaseEndpoint: aws.String(url), Retryer: func() aws.Retryer { return aws.NopRetryer{} }, HTTPClient: sharedHTTP}
}

// user makes a user with an inline policy and a key through an IAM API.
func user(url, id, secret, name, policy string) (string, string, error) {
	ctx := context.Background()
	c := iam.NewFromConfig(cfg(url, id, secret))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		return "", "", err
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		return "", "", err
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return "", "", err
	}
	return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, nil
}

type result struct {
	wall, cpu, cpu2 time.Duration
	failed          int64
}

// load runs op n times from conc goroutines, measuring the CPU of p and q.
func load(p, q *proc.Proc, op func() error) result {
	var next, failed int64
	c0, d0 := p.CPU(), time.Duration(0)
	if q != nil {
		d0 = q.CPU()
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < *conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.AddInt64(&next, 1) <= int64(*n) {
				if err := op(); err != nil && atomic.AddInt64(&failed, 1) == 1 {
					fmt.Fprintln(os.Stderr, err)
				}
			}
		}()
	}
	wg.Wait()
	r := result{wall: time.Since(t0), cpu: p.CPU() - c0, failed: failed}
	if q != nil {
		r.cpu2 = q.CPU() - d0
	}
	return r
}

func (r result) rate() float64 { return float64(*n) / r.wall.Seconds() }

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) / float64(*n) }

const s3Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::bench","arn:aws:s3:::bench/*"]}]}`

// gateway: small-object GETs through two Versity S3 Gateways, one using
// Keyward as its IAM, one versitygw's own IAM service.
func gateway() error {
	bin := *vgw
	if bin == "" {
		cache, _ := os.UserCacheDir()
		bin = filepath.Join(cache, "keyward", "versitygw-v1.8.0", "versitygw")
	}
	dir, err := os.MkdirTemp("", "guardbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kwBin, err := proc.BuildKeyward(dir)
	if err != nil {
		return err
	}
	kwSock, vgSock := filepath.Join(dir, "kw.sock"), filepath.Join(dir, "vg.sock")
	kw, kwURL, err := startKeyward(kwBin, filepath.Join(dir, "kw"), "--verifier-socket", kwSock)
	if err != nil {
		return err
	}
	defer kw.Stop()
	os.MkdirAll(filepath.Join(dir, "vgiam"), 0o700)
	vgIAM, vgIAMAddrs, err := proc.OnFreePorts(1, func(addrs []string) (*proc.Proc, error) {
		return start(bin, []string{"--port", addrs[0], "--access", proc.RootKeyID, "--secret", proc.RootSecret, "iam", "--dir", filepath.Join(dir, "vgiam"),
			"--private-ports", vgSock, "--quiet"})
	})
	if err != nil {
		return err
	}
	defer vgIAM.Stop()
	type side struct {
		name   string
		iam    *proc.Proc
		client *s3.Client
	}
	var sides []side
	for _, s := range []struct {
		name, iamURL, sock string
		iam                *proc.Proc
	}{{"keyward", kwURL, kwSock, kw}, {"versitygw iam", "http://" + vgIAMAddrs[0], vgSock, vgIAM}} {
		id, secret, err := user(s.iamURL, proc.RootKeyID, proc.RootSecret, "alice", s3Policy)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		os.MkdirAll(filepath.Join(dir, s.name+"-data"), 0o700)
		gw, addrs, err := proc.OnFreePorts(1, func(addrs []string) (*proc.Proc, error) {
			return start(bin, []string{"--port", addrs[0], "--access", "GATEWAYROOT", "--secret", "gatewayRootSecret0123", "--region", "us-east-1",
				"--iam-standalone-endpoint", s.sock, "--iam-standalone-access", proc.RootKeyID, "--iam-standalone-secret", proc.RootSecret,
				"posix", filepath.Join(dir, s.name+"-data")})
		})
		if err != nil {
			return err
		}
		defer gw.Stop()
		c := s3.NewFromConfig(cfg("http://"+addrs[0], id, secret), func(o *s3.Options) { o.UsePathStyle = true })
		ctx := context.Background()
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj"), Body: bytes.NewReader(make([]byte, 1024))}); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		// What is measured is a guard: a stranger's signature is refused.
		stranger := s3.NewFromConfig(cfg("http://"+addrs[0], id, "not"+secret), func(o *s3.Options) { o.UsePathStyle = true })
		if _, err := stranger.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj")}); err == nil {
			return fmt.Errorf("%s: a GET signed with a wrong secret was served", s.name)
		}
		sides = append(sides, side{s.name, s.iam, c})
	}
	rates := map[string][]float64{}
	cpus := map[string][]float64{}
	var failed int64
	for r := 0; r < *runs; r++ {
		for _, s := range sides {
			res := load(s.iam, nil, func() error {
				out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("obj")})
				if err != nil {
					return err
				}
				io.Copy(io.Discard, out.Body)
				return out.Body.Close()
			})
			fmt.Printf("run %d %-14s %7.0f GET/s  IAM server CPU %6.1f µs/GET  failed %d\n", r+1, s.name, res.rate(), us(res.cpu), res.failed)
			rates[s.name] = append(rates[s.name], res.rate())
			cpus[s.name] = append(cpus[s.name], us(res.cpu))
			failed += res.failed
		}
	}
	k, v := median(rates["keyward"]), median(rates["versitygw iam"])
	fmt.Printf("median: keyward %.0f GET/s (IAM CPU %.1f µs/GET), versitygw iam %.0f GET/s (IAM CPU %.1f µs/GET); keyward/versitygw throughput %.2f ×\n",
		k, median(cpus["keyward"]), v, median(cpus["versitygw iam"]), k/v)
	return failures(failed)
}

// failures is the error of a run in which requests failed: its figures
// measure failing, not serving.
func failures(failed int64) error {
	if failed > 0 {
		return fmt.Errorf("%d requests failed: the figures are not of serving them", failed)
	}
	return nil
}

// nginxMode: signed GETs through nginx, with Keyward's auth_request and
// without it, to the same upstream.
func nginxMode() error {
	dir, err := os.MkdirTemp("", "guardbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	kwBin, err := proc.BuildKeyward(dir)
	if err != nil {
		return err
	}
	kw, kwURL, err := startKeyward(kwBin, filepath.Join(dir, "kw"), "--trusted-proxies", "127.0.0.1")
	if err != nil {
		return err
	}
	defer kw.Stop()
	id, secret, err := user(kwURL, proc.RootKeyID, proc.RootSecret, "alice",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:pets/prod/GET/*"}]}`)
	if err != nil {
		return err
	}
	// The upstream is this process's: it listens before its address is
	// written into nginx's configuration.
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer appLn.Close()
	app := appLn.Addr().String()
	go http.Serve(appLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pet\n") }))
	snippet, _ := filepath.Abs("examples/nginx/keyward.conf")
	confPath := filepath.Join(dir, "nginx.conf")
	ng, addrs, err := proc.OnFreePorts(2, func(addrs []string) (*proc.Proc, error) {
		conf := strings.NewReplacer("DIR", dir, "KEYWARD", strings.TrimPrefix(kwURL, "http://"), "APP", app, "GUARDED", addrs[0], "OPEN", addrs[1],
			"SNIPPET", snippet).Replace(`
daemon off;
worker_processes 1;
error_log DIR/error.log;
pid DIR/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path DIR/body; proxy_temp_path DIR/proxy; fastcgi_temp_path DIR/fastcgi; uwsgi_temp_path DIR/uwsgi; scgi_temp_path DIR/scgi;
    upstream keyward { server KEYWARD; keepalive 32; }
    upstream app { server APP; keepalive 32; }
    server { listen GUARDED; include SNIPPET; }
    server { listen OPEN; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}`)
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			return nil, err
		}
		return start(*nginx, []string{"-c", confPath, "-p", dir})
	})
	if err != nil {
		return err
	}
	defer ng.Stop()
	guarded, open := addrs[0], addrs[1]
	get := func(addr string, sign bool) func() error {
		return func() error {
			req, _ := http.NewRequest("GET", "http://"+addr+"/pets/1", nil)
			if sign {
				sigv4.Sign(req, nil, id, secret, "us-east-1", "execute-api", time.Now())
			}
			resp, err := sharedHTTP.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
	}
	// What is measured is a guard: an unsigned request is refused.
	if err := get(guarded, false)(); err == nil || !strings.Contains(err.Error(), "status 401") {
		return fmt.Errorf("an unsigned request through nginx with Keyward: %v, not refused (401)", err)
	}
	var with, without, cpu []float64
	var failed int64
	for r := 0; r < *runs; r++ {
		a := load(kw, nil, get(guarded, true))
		b := load(kw, nil, get(open, true))
		fmt.Printf("run %d: with Keyward %7.0f req/s (Keyward CPU %5.1f µs/req)   without %7.0f req/s   failed %d/%d\n",
			r+1, a.rate(), us(a.cpu), b.rate(), a.failed, b.failed)
		with, without, cpu = append(with, a.rate()), append(without, b.rate()), append(cpu, us(a.cpu))
		failed += a.failed + b.failed
	}
	w, o := median(with), median(without)
	fmt.Printf("median: with Keyward %.0f req/s, without %.0f req/s: %.2f ×; Keyward CPU %.1f µs/req\n", w, o, w/o, median(cpu))
	return failures(failed)
}

// start runs a process for the benchmark, its output on stderr with
// GUARDBENCH_VERBOSE set.
func start(name string, args []string, env ...string) (*proc.Proc, error) {
	return proc.Start(name, args, env, os.Getenv("GUARDBENCH_VERBOSE") != "")
}
