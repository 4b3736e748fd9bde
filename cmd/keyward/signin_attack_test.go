package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestConsoleSignInUnderAttack floods a real server's sign-in form, a
// process of its own whose peak memory is measured, with real argon2id
// parameters (64 MiB a hash): simultaneous wrong passwords for one user
// and huge user names. Memory once went from 165 MB to 2.66 GB; now the
// peak stays under 200 MB. What the limits answer each attempt (and that
// a colleague behind the same address still signs in) is console's
// TestSignInUnderAttack.
func TestConsoleSignInUnderAttack(t *testing.T) {
	t.Parallel() // its own processes and data: overlap it with the other tests
	p := startProcess(t, t.TempDir(), rootEnv...)
	ctx := context.Background()
	root := p.iam(rootKeyID, rootSecret)
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	must(t, err)
	_, err = root.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("alice"), Password: aws.String("alice-Passw0rd!")})
	must(t, err)
	ts := &testServer{URL: "http://" + p.addr}
	user := func(name, password string) url.Values {
		return url.Values{"kind": {"user"}, "account": {accountID}, "username": {name}, "password": {password}}
	}
	// At once: 40 wrong passwords for alice (five are hashed, in turn)
	// and ten 2 MB user names (refused before anything else).
	huge := strings.Repeat("n", 2<<20)
	var hashed atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			form := user("alice", "wrong-Passw0rd!")
			if i >= 40 {
				form = user(fmt.Sprint(i, huge), "x")
			}
			if newWebClient(t, ts).SignIn(form).StatusCode == http.StatusUnauthorized {
				hashed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := hashed.Load(); n == 0 || n > 5 {
		t.Errorf("%d wrong passwords hashed, want 1 to 5", n)
	}
	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS of the server: %d MB", peak>>20)
	if peak > 200<<20 {
		t.Errorf("peak RSS %d MB, want under 200 MB", peak>>20)
	}
}
