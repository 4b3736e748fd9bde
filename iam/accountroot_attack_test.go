package iam_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/kwtest"
	"github.com/keyward/keyward/organizations"
)

// TestCreateAccountRootKeyAttacks: a member account's root key is the
// management account's to give, by keyward:CreateAccountRootKey on the
// member's Organizations ARN. A member account's root user (allowed
// everything by its own policies), a management account's user whose
// policies do not allow the action, or one allowed it on another account
// only, or on tagged accounts, make no key; nor does an allowed caller for another
// organization's account (answered as an account that does not exist
// is), for a closed account, for the management account itself, or past
// the root user's two keys. What is refused changes nothing; what is
// made is an event of both accounts, neither holding the secret.
func TestCreateAccountRootKeyAttacks(t *testing.T) {
	k := kwtest.New(t)
	bg := context.Background()
	mgmt := kwtest.AsRoot(bg)
	_, err := k.Organizations.CreateOrganization(mgmt, "ALL")
	must(t, err)
	var ids []string
	for _, name := range []string{"b", "c", "closing"} {
		st, err := k.Organizations.CreateAccount(mgmt, organizations.AccountInput{Email: name + "@example.com", Name: "tenant-" + name, RoleName: organizations.AccessRoleName})
		must(t, err)
		ids = append(ids, st.AccountID)
	}
	b, c, closing := ids[0], ids[1], ids[2]
	must(t, k.Organizations.CloseAccount(mgmt, closing))
	o, err := k.Store.OrganizationOf(bg, kwtest.AccountID)
	must(t, err)

	// Another organization of the installation, with a member of its own.
	const x = "555555555555"
	must(t, k.Store.CreateAccount(bg, keyward.Account{ID: x, Status: keyward.AccountActive}, nil))
	asX := keyward.WithCaller(bg, &keyward.RequestContext{Principal: keyward.Principal{AccountID: x, Root: true}, CurrentTime: time.Now()})
	_, err = k.Organizations.CreateOrganization(asX, "ALL")
	must(t, err)
	xm, err := k.Organizations.CreateAccount(asX, organizations.AccountInput{Email: "x@example.com", Name: "tenant-x", RoleName: organizations.AccessRoleName})
	must(t, err)

	user := func(name, policy string) context.Context {
		t.Helper()
		k.User(t, name, policy)
		u, err := k.IAM.User(mgmt, name)
		must(t, err)
		return keyward.WithCaller(bg, &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: name, UserPath: "/"},
			CurrentTime: time.Now()})
	}
	everythingElse := user("admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:*","sts:*"],"Resource":"*"}]}`)
	onlyC := user("c-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:CreateAccountRootKey","Resource":"`+o.AccountARN(c)+`"}]}`)
	allowed := user("operator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:CreateAccountRootKey","Resource":"arn:aws:organizations::`+kwtest.AccountID+`:account/`+o.ID+`/*"}]}`)
	tagged := user("tagged", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"keyward:CreateAccountRootKey","Resource":"*",
		"Condition":{"StringEquals":{"aws:ResourceTag/administration":"self"}}}]}`)
	asMember := keyward.WithCaller(bg, &keyward.RequestContext{Principal: keyward.Principal{AccountID: b, Root: true}, CurrentTime: time.Now()})

	rootKeys := func(account string) int {
		t.Helper()
		keys, _, err := k.Store.InAccount(account).ListAccessKeys(bg, "", "", 10)
		must(t, err)
		return len(keys)
	}
	for _, tt := range []struct {
		name    string
		ctx     context.Context
		account string
		code    string
	}{
		{"a member account's root user, for itself", asMember, b, keyward.EAccessDenied},
		{"a member account's root user, for its sibling", asMember, c, keyward.EAccessDenied},
		{"a member account's root user, for the management account", asMember, kwtest.AccountID, keyward.EAccessDenied},
		{"a management user allowed everything but the action", everythingElse, b, keyward.EAccessDenied},
		{"a management user allowed it on another account", onlyC, b, keyward.EAccessDenied},
		{"a denied user, for another organization's account", everythingElse, xm.AccountID, keyward.EAccessDenied},
		{"a user allowed it on tagged accounts, for an untagged one", tagged, b, keyward.EAccessDenied},
		{"another organization's account", allowed, xm.AccountID, organizations.EAccountNotFound},
		{"another organization's management account", mgmt, x, organizations.EAccountNotFound},
		{"an account that does not exist", mgmt, "999999999999", organizations.EAccountNotFound},
		{"a closed account", mgmt, closing, organizations.EConstraintViolation},
		{"the management account itself", mgmt, kwtest.AccountID, organizations.EConstraintViolation},
		{"another organization's management root user, for this one's member", asX, b, organizations.EAccountNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := rootKeys(tt.account)
			_, secret, err := k.IAM.CreateAccountRootKey(tt.ctx, tt.account)
			if got := keyward.ErrorCode(err); got != tt.code || secret != "" {
				t.Fatalf("answered %q (%v), want %s", got, err, tt.code)
			}
			if after := rootKeys(tt.account); after != before {
				t.Fatalf("the root user of %s has %d keys, had %d", tt.account, after, before)
			}
		})
	}
	// The account's tags in the organization are its aws:ResourceTag.
	must(t, k.Organizations.TagResource(mgmt, c, []keyward.Tag{{Key: "administration", Value: "self"}}))
	_, _, err = k.IAM.CreateAccountRootKey(tagged, c)
	must(t, err)

	// Not found is one answer, whatever the reason.
	_, _, other := k.IAM.CreateAccountRootKey(mgmt, xm.AccountID)
	_, _, none := k.IAM.CreateAccountRootKey(mgmt, "999999999999")
	if keyward.ErrorMessage(other) != keyward.ErrorMessage(none) {
		t.Fatalf("another organization's account %q, none %q", keyward.ErrorMessage(other), keyward.ErrorMessage(none))
	}

	// The management account's root user and an allowed user: a key each,
	// then the root user's quota.
	key, secret, err := k.IAM.CreateAccountRootKey(mgmt, b)
	must(t, err)
	if key.UserName != "" || len(secret) != 40 {
		t.Fatalf("the key %+v", key)
	}
	_, _, err = k.IAM.CreateAccountRootKey(allowed, b)
	must(t, err)
	if _, _, err := k.IAM.CreateAccountRootKey(mgmt, b); keyward.ErrorCode(err) != keyward.ELimitExceeded {
		t.Fatalf("a third root key: %v", err)
	}
	if n := rootKeys(b); n != 2 {
		t.Fatalf("the member's root user has %d keys", n)
	}

	// The key's creation is the member's event, by the management
	// account's caller; the management account's trail says who made
	// which key of which account (the transport writes that event, here
	// the test's pending event). Neither holds the secret.
	pe := &keyward.PendingEvent{Event: keyward.Account{ID: kwtest.AccountID}.NewEvent(keyward.EventSourceIAM, "CreateAccountRootKey", time.Now())}
	cKey, cSecret, err := k.IAM.CreateAccountRootKey(keyward.WithEvent(mgmt, pe), c)
	must(t, err)
	events, _, err := k.Store.InAccount(c).LookupEvents(bg, keyward.EventQuery{EventName: "CreateAccessKey", Max: 10})
	must(t, err)
	// The tagged user's key, and this one: each by its maker.
	var byRoot, byTagged int
	for _, e := range events {
		switch rec := string(e.Record); {
		case strings.Contains(rec, cKey.ID) && strings.Contains(rec, `"arn":"arn:aws:iam::`+kwtest.AccountID+`:root"`):
			byRoot++
		case strings.Contains(rec, `"userName":"tagged"`):
			byTagged++
		}
	}
	if len(events) != 2 || byRoot != 1 || byTagged != 1 {
		t.Fatalf("the member's events: %d, %d by the management root user, %d by the tagged user", len(events), byRoot, byTagged)
	}
	if pe.Event.RequestParameters["accountId"] != c || !strings.Contains(fmt.Sprint(pe.Event.ResponseElements), cKey.ID) {
		t.Fatalf("the management account's event: %+v", pe.Event)
	}
	rec, err := pe.Event.Record()
	must(t, err)
	for _, s := range []string{secret, cSecret} {
		if strings.Contains(string(events[0].Record)+string(events[1].Record), s) || strings.Contains(string(rec), s) || strings.Contains(k.Log.String(), s) {
			t.Fatal("an event or the log holds a secret")
		}
	}
}

// TestCreateAccountRootKeyNarrowedCallers: a management account's
// principal whose own policies allow everything is still refused a member
// account's root key when something else narrows it: a permissions
// boundary, an explicit Deny, a session policy of its role session; and
// a management principal switched into a member account's role acts in
// that member account, whose principals are refused. The role's session
// without the narrowing policy is allowed (the control).
func TestCreateAccountRootKeyNarrowedCallers(t *testing.T) {
	k, bg, mgmt, b := withMember(t)
	var err error

	const everything = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	const iamOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:*","sts:*"],"Resource":"*"}]}`
	boundary, err := k.IAM.CreatePolicy(mgmt, "iam-only", "/", "", iamOnly, nil)
	must(t, err)
	userCtx := func(name string) context.Context {
		t.Helper()
		u, err := k.IAM.User(mgmt, name)
		must(t, err)
		return keyward.WithCaller(bg, &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: name, UserPath: "/"},
			CurrentTime: time.Now()})
	}
	k.User(t, "bounded", everything)
	must(t, k.IAM.PutUserPermissionsBoundary(mgmt, "bounded", boundary.ARN))
	k.User(t, "denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"keyward:*","Resource":"*"}]}`)
	k.User(t, "assumer", everything)
	_, err = k.IAM.CreateRole(mgmt, keyward.Role{Name: "admin", Path: "/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + kwtest.AccountID + `:root"},"Action":"sts:AssumeRole"}]}`})
	must(t, err)
	must(t, k.IAM.PutInlinePolicy(mgmt, keyward.Entity{Kind: keyward.EntityRole, Name: "admin"}, "p", everything))

	session := func(roleARN, policy string) context.Context {
		t.Helper()
		ar, err := k.STS.AssumeRole(userCtx("assumer"), keyward.AssumeRoleInput{RoleARN: roleARN, SessionName: "s", Policy: policy})
		must(t, err)
		c, err := k.STS.OpenSession(bg, ar.AccessKeyID, ar.Token)
		must(t, err)
		return keyward.WithCaller(bg, &keyward.RequestContext{Principal: c.Principal, AccessKeyID: c.AccessKeyID, Temporary: true, CurrentTime: time.Now()})
	}
	adminARN := "arn:aws:iam::" + kwtest.AccountID + ":role/admin"
	rootKeys := func() int {
		t.Helper()
		keys, _, err := k.Store.InAccount(b).ListAccessKeys(bg, "", "", 10)
		must(t, err)
		return len(keys)
	}
	for _, tt := range []struct {
		name string
		ctx  context.Context
	}{
		{"a user allowed everything, within a boundary of IAM's", userCtx("bounded")},
		{"a user allowed everything, keyward:* denied", userCtx("denied")},
		{"a role session allowed everything, its session policy IAM's", session(adminARN, iamOnly)},
		{"a management user switched into the member's access role", session("arn:aws:iam::"+b+":role/"+organizations.AccessRoleName, "")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, secret, err := k.IAM.CreateAccountRootKey(tt.ctx, b)
			if keyward.ErrorCode(err) != keyward.EAccessDenied || secret != "" || rootKeys() != 0 {
				t.Fatalf("answered %v, the member has %d root keys", err, rootKeys())
			}
		})
	}
	if _, _, err := k.IAM.CreateAccountRootKey(session(adminARN, ""), b); err != nil {
		t.Fatalf("the role's session without a session policy: %v", err)
	}
}

// TestCreateAccountRootKeyConcurrentQuota: many requests at once for one
// member's root key make two keys, the root user's quota, and no more.
func TestCreateAccountRootKeyConcurrentQuota(t *testing.T) {
	k, bg, mgmt, member := withMember(t)
	var wg sync.WaitGroup
	var made atomic.Int32
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := k.IAM.CreateAccountRootKey(mgmt, member); err == nil {
				made.Add(1)
			} else if keyward.ErrorCode(err) != keyward.ELimitExceeded {
				t.Errorf("answered %v", err)
			}
		}()
	}
	wg.Wait()
	keys, _, err := k.Store.InAccount(member).ListAccessKeys(bg, "", "", 10)
	must(t, err)
	if made.Load() != 2 || len(keys) != 2 {
		t.Fatalf("%d keys made, the root user has %d", made.Load(), len(keys))
	}
}

// TestCreateAccountRootKeyNotOnTheAPI: the action is the console's only:
// the Query API, signed by the management root user, does not serve it,
// and makes no key.
func TestCreateAccountRootKeyNotOnTheAPI(t *testing.T) {
	k, bg, _, member := withMember(t)
	for _, action := range []string{"CreateAccountRootKey", "createaccountrootkey"} {
		status, body := keywardCall(t, k, kwtest.RootKeyID, kwtest.RootSecret, action, url.Values{"AccountId": {member}})
		if status == http.StatusOK || strings.Contains(body, "SecretAccessKey") {
			t.Fatalf("%s answered %d: %s", action, status, body)
		}
	}
	keys, _, err := k.Store.InAccount(member).ListAccessKeys(bg, "", "", 10)
	must(t, err)
	if len(keys) != 0 {
		t.Fatalf("the root user has %d keys", len(keys))
	}
}

// TestCreateAccountRootKeyTagCaseVariant: an account tagged
// protected=true is denied to a management user whose policy denies the
// action on it and denies tagging or untagging the key protected; the
// user's tag PROTECTED=false, a key that differs only in case, is
// refused, and must not stand for the account's aws:ResourceTag/protected
// (condition keys ignore case), so the Deny holds.
func TestCreateAccountRootKeyTagCaseVariant(t *testing.T) {
	k, bg, mgmt, b := withMember(t)
	var err error
	must(t, k.Organizations.TagResource(mgmt, b, []keyward.Tag{{Key: "protected", Value: "true"}}))
	k.User(t, "guarded", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["keyward:CreateAccountRootKey","organizations:TagResource","organizations:UntagResource"],"Resource":"*"},
		{"Effect":"Deny","Action":"keyward:CreateAccountRootKey","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/protected":"true"}}},
		{"Effect":"Deny","Action":["organizations:TagResource","organizations:UntagResource"],"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["protected"]}}}]}`)
	u, err := k.IAM.User(mgmt, "guarded")
	must(t, err)
	guarded := keyward.WithCaller(bg, &keyward.RequestContext{Principal: keyward.Principal{AccountID: kwtest.AccountID, UserID: u.ID, UserName: "guarded", UserPath: "/"},
		CurrentTime: time.Now()})
	if _, _, err := k.IAM.CreateAccountRootKey(guarded, b); keyward.ErrorCode(err) != keyward.EAccessDenied {
		t.Fatalf("a protected account: %v", err)
	}
	tagErr := k.Organizations.TagResource(guarded, b, []keyward.Tag{{Key: "PROTECTED", Value: "false"}})
	if tagErr == nil {
		t.Error("a tag key differing only in case was accepted")
	}
	if _, secret, err := k.IAM.CreateAccountRootKey(guarded, b); keyward.ErrorCode(err) != keyward.EAccessDenied || secret != "" {
		t.Fatalf("after the tag PROTECTED=false (%v): %v", tagErr, err)
	}
}

// TestCreateAccountRootKeyRemovedAccount: an account removed from the
// organization, standalone now, is not the management account's any
// more: no root key, answered as an account that does not exist.
func TestCreateAccountRootKeyRemovedAccount(t *testing.T) {
	k, _, mgmt, member := withMember(t)
	must(t, k.Organizations.RemoveAccountFromOrganization(mgmt, member))
	if _, secret, err := k.IAM.CreateAccountRootKey(mgmt, member); keyward.ErrorCode(err) != organizations.EAccountNotFound || secret != "" {
		t.Fatalf("a removed account: %v", err)
	}
}

// withMember makes an organization of the installation's first account
// and one member account, and returns the installation, a background
// context, the management account's root user's context and the
// member's ID.
func withMember(t *testing.T) (*kwtest.Keyward, context.Context, context.Context, string) {
	t.Helper()
	k := kwtest.New(t)
	bg := context.Background()
	mgmt := kwtest.AsRoot(bg)
	_, err := k.Organizations.CreateOrganization(mgmt, "ALL")
	must(t, err)
	st, err := k.Organizations.CreateAccount(mgmt, organizations.AccountInput{Email: "b@example.com", Name: "tenant-b", RoleName: organizations.AccessRoleName})
	must(t, err)
	return k, bg, mgmt, st.AccountID
}
