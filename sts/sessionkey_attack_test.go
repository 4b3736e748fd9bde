package sts_test

import (
	"context"
	"crypto/rand"
	"io"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/internal/kwtest"
)

// pinnedRand is crypto/rand, but while pinned every read of a session
// key ID's randomness (ten bytes) answers the same bytes: two sessions
// issued meanwhile have one key ID, as two sessions of one account do by
// chance once in 2^22 (the random bits a key ID keeps beside its account
// and its MAC), and as a caller that mints sessions finds in a few
// million tries.
type pinnedRand struct {
	mu     sync.Mutex
	pinned bool
}

func (p *pinnedRand) Read(b []byte) (int, error) {
	p.mu.Lock()
	pinned := p.pinned
	p.mu.Unlock()
	if pinned && len(b) == 10 {
		for i := range b {
			b[i] = 0x5a
		}
		return len(b), nil
	}
	return io.ReadFull(rand.Reader, b)
}

func (p *pinnedRand) pin(on bool) {
	p.mu.Lock()
	p.pinned = on
	p.mu.Unlock()
}

// TestSessionKeyIDCollisionSharesNoPolicies: a session's key ID is no
// longer unique (22 random bits within an account), so it must not name
// anything of the session's alone: a session of a role allowed nothing,
// whose key ID is that of another role's session allowed everything,
// must not be decided with the other's policies (the compiled policies
// were cached by key ID alone).
func TestSessionKeyIDCollisionSharesNoPolicies(t *testing.T) {
	t.Parallel()
	rnd := &pinnedRand{}
	k := kwtest.NewWithOptions(t, kwtest.Options{Rand: rnd})
	ctx := context.Background()
	root := k.RootIAM()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`
	for _, name := range []string{"admin", "nobody"} {
		_, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
		must(t, err)
	}
	_, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("admin"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	must(t, err)
	id, secret := kwtest.CreateUserKey(t, root, "alice")
	_, err = root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	must(t, err)
	alice := k.STSClient(id, secret)

	assume := func(role string) *sts.AssumeRoleOutput {
		rnd.pin(true)
		defer rnd.pin(false)
		out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + kwtest.AccountID + ":role/" + role), RoleSessionName: aws.String("same")})
		must(t, err)
		return out
	}
	admin, nobody := assume("admin"), assume("nobody")
	if a, b := aws.ToString(admin.Credentials.AccessKeyId), aws.ToString(nobody.Credentials.AccessKeyId); a != b {
		t.Fatalf("the sessions' key IDs differ (%s, %s): the test's randomness did not pin them", a, b)
	}
	adminIAM, _ := k.SessionClients(admin.Credentials)
	_, err = adminIAM.ListUsers(ctx, &awsiam.ListUsersInput{})
	must(t, err)
	nobodyIAM, _ := k.SessionClients(nobody.Credentials)
	if _, err := nobodyIAM.ListUsers(ctx, &awsiam.ListUsersInput{}); err == nil {
		t.Fatal("a session of a role allowed nothing listed the users with the policies of another session that has its key ID")
	}
	if _, err := nobodyIAM.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("mallory")}); err == nil {
		t.Fatal("a session of a role allowed nothing made a user with the policies of another session that has its key ID")
	}
}
