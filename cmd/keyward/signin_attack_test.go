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
	statuses := func(n int, form func(i int) url.Values) map[int]int {
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				status := newWebClient(t, ts).signIn(form(i)).StatusCode
				mu.Lock()
				got[status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return got
	}

	// 40 simultaneous wrong passwords for alice: five are hashed, in turn.
	got := statuses(40, func(int) url.Values { return user("alice", "wrong-Passw0rd!") })
	if got[http.StatusUnauthorized] > 5 || got[http.StatusTooManyRequests] < 35 {
		t.Errorf("simultaneous guesses: %v, want at most 5 checked", got)
	}
	// Huge user names are refused before anything else.
	huge := strings.Repeat("n", 2<<20)
	got = statuses(10, func(i int) url.Values { return user(fmt.Sprint(i, huge), "x") })
	if got[http.StatusBadRequest] != 10 {
		t.Errorf("2 MB user names: %v, want 400 each", got)
	}
	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("peak RSS of the server: %d MB", peak>>20)
	if peak > 200<<20 {
		t.Errorf("peak RSS %d MB, want under 200 MB", peak>>20)
	}
}
