package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/keyward/keyward"
)

func secretTests() []namedTest {
	return []namedTest{
		{"KeyCheck", testKeyCheck},
		{"Reseal", testReseal},
	}
}

func testKeyCheck(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	a, err := s.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: t0, KeyCheck: []byte("check-1")}, nil)
	must(t, err)
	if string(a.KeyCheck) != "check-1" {
		t.Fatalf("key check %q after InitAccount", a.KeyCheck)
	}
	must(t, s.SetKeyCheck(ctx, []byte("check-2")))
	a, err = s.Account(ctx)
	must(t, err)
	if string(a.KeyCheck) != "check-2" {
		t.Fatalf("key check %q after SetKeyCheck", a.KeyCheck)
	}
}

// testReseal: every secret is rewritten, or none is.
func testReseal(t *testing.T, s keyward.Store) {
	ctx := context.Background()
	_, err := s.InitAccount(ctx, keyward.Account{ID: "123456789012", CreatedAt: t0, KeyCheck: []byte("old-check")}, nil)
	must(t, err)
	want := map[string]string{}
	// More than a page of keys, so that paging is exercised.
	for i := range 1100 {
		k := key()
		k.SealedSecret = []byte("old:" + k.ID)
		owner := ""
		if i%2 == 1 {
			owner = fmt.Sprintf("u%04d", i)
			createUser(t, s, owner)
		}
		if i > 1 && owner == "" {
			continue // the root user has two keys at most
		}
		_, err := s.CreateAccessKey(ctx, owner, k)
		must(t, err)
		want[k.ID] = "old:" + k.ID
	}
	// A webhook subscription's secret, sealed with its ID, and its URL,
	// sealed with the ID and "#url", are two of them.
	must(t, s.CreateWebhookSubscription(ctx, keyward.WebhookSubscription{ID: "whs-reseal", AccountID: "123456789012",
		URL: "https://hooks.example.com/…", SealedURL: []byte("old:whs-reseal#url"), Secrets: [][]byte{[]byte("old:whs-reseal")},
		Events: []string{"access-key.created"}, CreatedAt: t0}))
	want["whs-reseal"] = "old:whs-reseal"
	want["whs-reseal#url"] = "old:whs-reseal#url"
	read := func() map[string]string {
		got := map[string]string{}
		must(t, s.SealedSecrets(ctx, func(id string, sealed []byte) error {
			got[id] = string(sealed)
			return nil
		}))
		return got
	}
	if got := read(); len(got) != len(want) {
		t.Fatalf("SealedSecrets gave %d secrets, want %d", len(got), len(want))
	}

	// A reseal that fails midway changes nothing, check value included.
	boom := errors.New("boom")
	n := 0
	err = s.Reseal(ctx, func(id string, sealed []byte) ([]byte, error) {
		if n++; n == 300 {
			return nil, boom
		}
		return []byte("new:" + id), nil
	}, []byte("new-check"))
	wantErr(t, err, boom)
	for id, sealed := range read() {
		if sealed != want[id] {
			t.Fatalf("after a failed reseal %s holds %q", id, sealed)
		}
	}
	a, err := s.Account(ctx)
	must(t, err)
	if string(a.KeyCheck) != "old-check" {
		t.Fatalf("after a failed reseal the check is %q", a.KeyCheck)
	}

	// A reseal that succeeds changes everything.
	must(t, s.Reseal(ctx, func(id string, sealed []byte) ([]byte, error) {
		if string(sealed) != want[id] {
			return nil, fmt.Errorf("%s handed %q", id, sealed)
		}
		return []byte("new:" + id), nil
	}, []byte("new-check")))
	got := read()
	for id := range want {
		if got[id] != "new:"+id {
			t.Fatalf("after the reseal %s holds %q", id, got[id])
		}
	}
	if a, _ := s.Account(ctx); string(a.KeyCheck) != "new-check" {
		t.Fatalf("after the reseal the check is %q", a.KeyCheck)
	}
	if sub, err := s.WebhookSubscription(ctx, "123456789012", "whs-reseal"); err != nil || string(sub.Secrets[0]) != "new:whs-reseal" ||
		string(sub.SealedURL) != "new:whs-reseal#url" || sub.URL != "https://hooks.example.com/…" {
		t.Fatalf("the webhook subscription holds %q, URL %q (%q), %v", sub.Secrets, sub.SealedURL, sub.URL, err)
	}
	k, err := s.AccessKey(ctx, firstKey(want))
	must(t, err)
	if string(k.SealedSecret) != "new:"+k.ID {
		t.Fatalf("AccessKey reads %q", k.SealedSecret)
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func init() { suite(secretTests()...) }
