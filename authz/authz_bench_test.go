package authz_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/internal/cache"
	"github.com/keyward/keyward/policy"
	"github.com/keyward/keyward/sqlite"
)

// account is the benchmark's account ID; now its clock.
const account = "123456789012"

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// BenchmarkAuthorize is one policy decision for a user with ten attached
// policies, compiled and cached: the cost every request pays. The action is
// allowed only by the last policy and one policy holds a Deny, so every
// statement is looked at.
func BenchmarkAuthorize(b *testing.B) {
	ctx := keyward.Internal(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "k.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	a, err := st.InitAccount(ctx, keyward.Account{ID: account, CreatedAt: now}, nil)
	if err != nil {
		b.Fatal(err)
	}
	az := &authz.Authorizer{Store: st, Policies: policy.Engine{}, PolicySets: &cache.Cache[keyward.Policies]{}, Organizations: &cache.Cache[*authz.Standing]{}, Now: time.Now}
	az.SetAccount(a)
	s := &iam.Service{Store: st, Authz: az, Now: time.Now, Rand: rand.Reader, Policies: policy.Engine{}}
	alice, err := s.CreateUser(ctx, "alice", "/", nil)
	if err != nil {
		b.Fatal(err)
	}
	user := keyward.Entity{Kind: keyward.EntityUser, Name: "alice"}
	for i := 0; i < 10; i++ {
		doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe%d*"],"Resource":"arn:aws:s3:::bucket-%d/*"},
			{"Effect":"Allow","Action":"iam:Get*","Resource":"arn:aws:iam::*:group/team-%d","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
			{"Effect":"Deny","Action":"iam:Delete*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, i, i, i)
		if i == 9 {
			doc = policy.SelfManageAccessKeysPolicy
		}
		p, err := s.CreatePolicy(ctx, fmt.Sprint("p", i), "/", "", doc, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.AttachPolicy(ctx, user, p.ARN); err != nil {
			b.Fatal(err)
		}
	}
	rc := &keyward.RequestContext{Principal: keyward.Principal{AccountID: account, UserID: alice.ID, UserName: "alice", UserPath: "/"},
		CurrentTime: now, SourceIP: "192.0.2.1", RequestedRegion: "us-east-1"}
	asAlice := keyward.WithCaller(context.Background(), rc)
	resource := a.UserARN("/", "alice")
	if err := az.Authorize(asAlice, "iam:CreateAccessKey", resource); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := az.Authorize(asAlice, "iam:CreateAccessKey", resource); err != nil {
			b.Fatal(err)
		}
	}
}
