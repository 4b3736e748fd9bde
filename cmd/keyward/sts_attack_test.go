// Attacks on the STS and federation boundary that need processes: the
// guards that must hold across replicas sharing one PostgreSQL store.
//
// What the caller may claim: an MFA code for a device, a console sign-in
// token; it may send each to any replica. What Keyward establishes itself,
// in the store shared by every replica: how many wrong codes a device was
// given, and whether a sign-in token was already used. Package
// sts's sts_attack_test.go holds the attacks one Keyward shows.
package main

import (
	"encoding/base32"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyward/keyward/iam"
)

// TestSTSGuardsAcrossReplicas: wrong MFA codes spread over two replicas
// add up to one device's limit, and a console sign-in token used at one
// replica is refused at the other.
func TestSTSGuardsAcrossReplicas(t *testing.T) {
	rs, _, ctx, root := replicaSet(t)
	_, err := root(0).PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	must(t, err)
	k, err := root(0).CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	must(t, err)
	id, secret := aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)

	t.Run("MFA guesses", func(t *testing.T) {
		dev, err := root(0).CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
		must(t, err)
		seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(dev.VirtualMFADevice.Base32StringSeed))
		must(t, err)
		serial := dev.VirtualMFADevice.SerialNumber
		now := time.Now()
		_, err = root(1).EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: serial,
			AuthenticationCode1: aws.String(iam.TOTP(seed, now.Add(-30*time.Second))), AuthenticationCode2: aws.String(iam.TOTP(seed, now))})
		must(t, err)
		wrong := func() string {
			now := time.Now()
			for d := '0'; ; d++ {
				c := strings.Repeat(string(d), 6)
				if c != iam.TOTP(seed, now) && c != iam.TOTP(seed, now.Add(-30*time.Second)) && c != iam.TOTP(seed, now.Add(30*time.Second)) {
					return c
				}
			}
		}
		for i := range 5 {
			_, err := rs[i%2].sts(id, secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial, TokenCode: aws.String(wrong())})
			wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
		}
		// The next step's code, never used: right but for the limit.
		_, err = rs[0].sts(id, secret, "us-east-1").GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: serial,
			TokenCode: aws.String(iam.TOTP(seed, time.Now().Add(30*time.Second)))})
		wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	})

	t.Run("sign-in token", func(t *testing.T) {
		_, err := root(0).CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("viewer"), AssumeRolePolicyDocument: trustDoc(
			`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:user/alice"},"Action":"sts:AssumeRole"}`)})
		must(t, err)
		role, err := rs[0].sts(id, secret, "us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountID + ":role/viewer"),
			RoleSessionName: aws.String("web")})
		must(t, err)
		sess, _ := json.Marshal(map[string]string{"sessionId": aws.ToString(role.Credentials.AccessKeyId),
			"sessionKey": aws.ToString(role.Credentials.SecretAccessKey), "sessionToken": aws.ToString(role.Credentials.SessionToken)})
		resp, err := http.Get("http://" + rs[0].addr + "/console/federation?Action=getSigninToken&Session=" + url.QueryEscape(string(sess)))
		must(t, err)
		var out struct{ SigninToken string }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		login := func(p *process) int {
			resp, err := noRedirect.Get("http://" + p.addr + "/console/federation?Action=login&SigninToken=" + url.QueryEscape(out.SigninToken))
			must(t, err)
			resp.Body.Close()
			return resp.StatusCode
		}
		if status := login(rs[1]); status != http.StatusSeeOther {
			t.Fatalf("the first login: %d", status)
		}
		if status := login(rs[0]); status != http.StatusForbidden {
			t.Fatalf("the token again, at another replica: %d", status)
		}
	})
}
