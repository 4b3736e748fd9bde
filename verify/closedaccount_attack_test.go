package verify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/verify/wire"
)

// TestAttackClosedAccountKeys: once a member account is closed, a guarded
// service learns nothing of its root user's key that it would of a key
// that does not exist, though it derived and evaluated the key just
// before (so that Keyward cached it): the verifier derives no signing key
// for it, evaluates nothing of it and does not resolve it, and the proxy
// endpoint refuses a request it signed.
func TestAttackClosedAccountKeys(t *testing.T) {
	k := kwtest.New(t)
	ctx := kwtest.AsRoot(context.Background())
	if _, err := k.Organizations.CreateOrganization(ctx, keyward.FeatureSetAll); err != nil {
		t.Fatal(err)
	}
	made, err := k.Organizations.CreateAccount(ctx, organizations.AccountInput{Email: "b@example.com", Name: "tenant-b"})
	if err != nil {
		t.Fatal(err)
	}
	bRoot, bSecret, err := k.IAM.CreateAccountRootKey(keyward.Internal(ctx), made.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	b := key{bRoot.ID, bSecret}
	gw := user(t, k, "gw", verifyPolicy)
	url := proxy(t, k)
	date := time.Now().UTC().Format("20060102")
	derive := `{"accessKeyId":"` + b.id + `","date":"` + date + `","region":"us-east-1","service":"s3"}`
	evaluate := `{"accessKeyId":"` + b.id + `","actions":["s3:GetObject"],"resources":["arn:aws:s3:::x/y"],"region":"us-east-1","service":"s3"}`
	resolve := `{"accessKeyIds":["` + b.id + `"]}`
	authorize := func() int {
		return authorizeGet(t, url, aws.Credentials{AccessKeyID: b.id, SecretAccessKey: b.secret}).StatusCode
	}
	found := func(out map[string]any) bool {
		ids, _ := out["identities"].([]any)
		return len(ids) == 1 && ids[0].(map[string]any)["found"] == true
	}

	if status, _, out := call(t, k, gw, wire.DerivePath, derive, false); status != http.StatusOK || out["derivedKey"] == nil {
		t.Fatalf("deriving the member's key before the closure: %d %v", status, out)
	}
	if status, _, out := call(t, k, gw, wire.EvaluatePath, evaluate, false); status != http.StatusOK {
		t.Fatalf("evaluating the member's key before the closure: %d %v", status, out)
	}
	if _, _, out := call(t, k, gw, wire.ResolveIdentityPath, resolve, false); !found(out) {
		t.Fatalf("resolving the member's key before the closure: %v", out)
	}
	if status := authorize(); status != http.StatusOK {
		t.Fatalf("the proxy endpoint before the closure: %d", status)
	}

	if err := k.Organizations.CloseAccount(ctx, made.AccountID); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{wire.DerivePath, wire.EvaluatePath} {
		body := map[string]string{wire.DerivePath: derive, wire.EvaluatePath: evaluate}[path]
		if status, _, out := call(t, k, gw, path, body, false); status != http.StatusForbidden || out["code"] != wire.CodeNoSuchIdentity {
			t.Errorf("%s of the closed account's key: %d %v, want %s", path, status, out, wire.CodeNoSuchIdentity)
		}
	}
	if _, _, out := call(t, k, gw, wire.ResolveIdentityPath, resolve, false); found(out) {
		t.Errorf("the closed account's key resolved: %v", out)
	}
	if status := authorize(); status != http.StatusForbidden {
		t.Errorf("the proxy endpoint let the closed account's key through: %d", status)
	}
}
