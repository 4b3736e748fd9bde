package sigv4_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/sigv4"
)

// TestKeyringRefusesMalformedIDs: an ID that is not 16–128 upper-case
// letters and digits is refused without a lookup and leaves nothing cached.
func TestKeyringRefusesMalformedIDs(t *testing.T) {
	var loads atomic.Int32
	ring := sigv4.NewKeyring(func(ctx context.Context, id string) (keyward.Credential, error) {
		loads.Add(1)
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}, 0)
	for name, id := range map[string]string{
		"short":      "AKIA123",
		"lower case": "akiaabcdefghijklmnop",
		"too long":   "AKIA" + strings.Repeat("A", 125),
		"symbols":    "AKIA=HYPERLINK(1)AAAA",
		"empty":      "",
	} {
		t.Run(name, func(t *testing.T) {
			k, err := ring.Get(context.Background(), id)
			if err != nil || k.Active {
				t.Fatalf("Get(%q) = %+v, %v; want an inactive key", id, k, err)
			}
		})
	}
	if n := loads.Load(); n != 0 {
		t.Errorf("%d lookups of malformed IDs", n)
	}
	if n := ring.Len(); n != 0 {
		t.Errorf("%d malformed IDs cached", n)
	}
	// A well-formed unknown ID is looked up once, then cached.
	for range 3 {
		ring.Get(context.Background(), "AKIAIOSFODNN7EXAMPLE")
	}
	if n := loads.Load(); n != 1 || ring.Len() != 1 {
		t.Errorf("a well-formed unknown ID: %d lookups, %d cached", n, ring.Len())
	}
}

// TestKeyringKeepsNoRequestMemory: unknown IDs taken from huge Authorization
// headers are cached without pinning the headers. Before the fix, 400 such
// requests kept 405 MB of heap alive.
func TestKeyringKeepsNoRequestMemory(t *testing.T) {
	ring := sigv4.NewKeyring(func(ctx context.Context, id string) (keyward.Credential, error) {
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}, 0)
	const requests, headerSize = 200, 512 << 10 // 100 MB of headers in all
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range requests {
		r, _ := http.NewRequest(http.MethodPost, "http://keyward/", nil)
		id := fmt.Sprintf("AKIA%016d", i)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+id+"/20261129/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date;"+
			strings.Repeat("x", headerSize)+", Signature="+strings.Repeat("0", 64))
		r.Header.Set("X-Amz-Date", "20261129T120000Z")
		a, err := sigv4.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ring.Get(context.Background(), a.AccessKeyID); err != nil {
			t.Fatal(err)
		}
	}
	if ring.Len() != requests {
		t.Fatalf("%d cached, want %d", ring.Len(), requests)
	}
	grown := int64(heap()) - int64(before)
	t.Logf("heap retained by %d cached unknown IDs from %d KB headers: %d KB", requests, headerSize>>10, grown>>10)
	if grown > 8<<20 {
		t.Errorf("the cache retains %d MB after %d requests with %d KB headers", grown>>20, requests, headerSize>>10)
	}
	runtime.KeepAlive(ring)
}

// TestKeyringRefusesClosedAccounts: a key and an opened session token,
// both cached, are refused from the moment their account reads closed,
// without being loaded or opened again; another account's key goes on.
func TestKeyringRefusesClosedAccounts(t *testing.T) {
	ctx := context.Background()
	var loads, opens atomic.Int32
	ring := sigv4.NewKeyring(func(ctx context.Context, id string) (keyward.Credential, error) {
		loads.Add(1)
		account := "222222222222"
		if id == "AKIAOTHERACCOUNT0000" {
			account = "333333333333"
		}
		return keyward.Credential{AccessKeyID: id, Secret: "s", Active: true, Principal: keyward.Principal{AccountID: account, Root: true}}, nil
	}, 0)
	ring.OpenSession = func(ctx context.Context, id, token string) (keyward.Credential, error) {
		opens.Add(1)
		return keyward.Credential{AccessKeyID: id, Secret: "s", Active: true, Expiration: time.Now().Add(time.Hour),
			Principal: keyward.Principal{AccountID: "222222222222", RoleID: "AROAEXAMPLE", RoleName: "r", SessionName: "s"}}, nil
	}
	var closed atomic.Bool
	ring.Closed = func(ctx context.Context, account string) (bool, error) {
		return closed.Load() && account == "222222222222", nil
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	get := func() (key, session, other bool) {
		k, err := ring.Get(ctx, "AKIACLOSINGACCOUNT00")
		must(err)
		s, err := ring.Session(ctx, "ASIACLOSINGACCOUNT00", "token")
		must(err)
		o, err := ring.Get(ctx, "AKIAOTHERACCOUNT0000")
		must(err)
		return k.Active, s.Active, o.Active
	}
	if key, session, other := get(); !key || !session || !other {
		t.Fatalf("before the closure: key %v, session %v, other %v", key, session, other)
	}
	closed.Store(true)
	if key, session, other := get(); key || session || !other {
		t.Fatalf("after the closure: key %v, session %v, other %v", key, session, other)
	}
	if loads.Load() != 2 || opens.Load() != 1 {
		t.Fatalf("%d loads and %d opens: the cache was bypassed", loads.Load(), opens.Load())
	}
}

// TestKeyringNamesTheOwnerOfARefusedKey: a key refused (deactivated, past
// its expiry date, of a closed account) and a session token Keyward
// sealed but refuses (expired, or expiring while cached) still name the
// account they were found in, whose audit trail the failure is in; an
// unknown ID and a token not Keyward's name none.
func TestKeyringNamesTheOwnerOfARefusedKey(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	clock := now
	ring := sigv4.NewKeyring(func(ctx context.Context, id string) (keyward.Credential, error) {
		c := keyward.Credential{AccessKeyID: id, Secret: "s", Active: true, Principal: keyward.Principal{AccountID: "222222222222", UserName: "u", UserID: "AIDAEXAMPLE"}}
		switch id {
		case "AKIAUNKNOWN000000000":
			return keyward.Credential{}, keyward.ErrNoSuchAccessKey
		case "AKIAINACTIVE00000000":
			c.Active = false
		case "AKIAEXPIRED000000000":
			c.ExpiresAt = now.Add(-time.Minute)
		case "AKIACLOSED0000000000":
			c.Principal.AccountID = "333333333333"
		}
		return c, nil
	}, 0)
	ring.Now = func() time.Time { return clock }
	ring.Closed = func(ctx context.Context, account string) (bool, error) { return account == "333333333333", nil }
	ring.OpenSession = func(ctx context.Context, id, token string) (keyward.Credential, error) {
		switch token {
		case "expired":
			return keyward.Credential{Principal: keyward.Principal{AccountID: "222222222222"}}, keyward.ErrExpiredToken
		case "live":
			return keyward.Credential{AccessKeyID: id, Secret: "s", Active: true, Expiration: now.Add(time.Minute),
				Principal: keyward.Principal{AccountID: "222222222222", RoleID: "AROAEXAMPLE", RoleName: "r", SessionName: "s"}}, nil
		}
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}
	for _, v := range []struct {
		id, token, owner string
	}{
		{"AKIAUNKNOWN000000000", "", ""},
		{"AKIAINACTIVE00000000", "", "222222222222"},
		{"AKIAEXPIRED000000000", "", "222222222222"},
		{"AKIACLOSED0000000000", "", "333333333333"},
		{"ASIAEXAMPLESESSION00", "expired", "222222222222"},
		{"ASIAEXAMPLESESSION00", "forged", ""},
	} {
		var k *sigv4.Key
		if v.token == "" {
			k, _ = ring.Get(ctx, v.id)
		} else {
			k, _ = ring.Session(ctx, v.id, v.token)
		}
		if k == nil || k.Active || k.Owner != v.owner {
			t.Errorf("%s %s: %+v, want refused, owned by %q", v.id, v.token, k, v.owner)
		}
	}
	// A cached session that expires since.
	if k, err := ring.Session(ctx, "ASIAEXAMPLESESSION00", "live"); err != nil || !k.Active {
		t.Fatalf("a live session: %+v, %v", k, err)
	}
	clock = now.Add(2 * time.Minute)
	if k, err := ring.Session(ctx, "ASIAEXAMPLESESSION00", "live"); keyward.ErrorCode(err) != keyward.EExpiredToken || k == nil || k.Owner != "222222222222" {
		t.Fatalf("a cached session expired: %+v, %v", k, err)
	}
}
