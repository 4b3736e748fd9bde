package sts

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
)

// The session durations AWS allows GetSessionToken, in seconds.
const (
	minSessionDuration     = 900
	maxUserSessionDuration = 129600
	maxRootSessionDuration = 3600
	defaultSessionDuration = 43200
)

const sessionTokenPrefix = "KWS1"

const sessionAssociatedPrefix = "keyward:session:"

// sessionClaims is what a session token holds, sealed.
type sessionClaims struct {
	ID         string    `json:"id"`
	Secret     string    `json:"s"`
	Account    string    `json:"a"`
	UserID     string    `json:"u,omitempty"` // "" for the root user
	UserName   string    `json:"n,omitempty"`
	UserPath   string    `json:"p,omitempty"`
	IssuedAt   time.Time `json:"i"`
	Expiration time.Time `json:"e"`
	MFAAt      time.Time `json:"m,omitzero"`
	// A role's session: the role and the session's name; a federated
	// user's: its name. Session policies and tags, for either.
	RoleID         string        `json:"r,omitempty"`
	RoleName       string        `json:"rn,omitempty"`
	RolePath       string        `json:"rp,omitempty"`
	SessionName    string        `json:"sn,omitempty"`
	FederatedName  string        `json:"f,omitempty"`
	Policy         string        `json:"sp,omitempty"`
	PolicyARNs     []string      `json:"pa,omitempty"`
	Tags           []keyward.Tag `json:"t,omitempty"`
	SourceIdentity string        `json:"si,omitempty"`
	Transitive     []string      `json:"tt,omitempty"`
	// Via are the other accounts the session was assumed through
	// (keyward.SessionContext.Via).
	Via []string `json:"v,omitempty"`
}

// longTermCaller is the caller of an action only a long-term access key
// (an IAM user's or the root user's) may call; a session's credentials are
// refused as AWS refuses them.
func longTermCaller(ctx context.Context, action string) (*keyward.RequestContext, error) {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal {
		return nil, keyward.ErrNoCaller
	}
	if !strings.HasPrefix(rc.AccessKeyID, "AKIA") {
		return nil, keyward.Errorf(keyward.EAccessDenied, "Cannot call %s with session credentials", action)
	}
	return rc, nil
}

// GetSessionToken issues temporary credentials to the calling user (or the
// root user), for durationSeconds (0: the default), MFA-backed when serial
// and code are given and the code is right. As on AWS it needs no
// permission, and a session cannot make another.
func (s *Service) GetSessionToken(ctx context.Context, durationSeconds int, serial, code string) (keyward.Session, error) {
	rc, err := longTermCaller(ctx, "GetSessionToken")
	if err != nil {
		return keyward.Session{}, err
	}
	p := rc.Principal
	if durationSeconds == 0 {
		durationSeconds = defaultSessionDuration
	}
	if p.Root && durationSeconds > maxRootSessionDuration {
		durationSeconds = maxRootSessionDuration // AWS caps the root user's silently
	}
	now := s.now()
	c := sessionClaims{Account: s.Account(ctx).ID, UserID: p.UserID, UserName: p.UserName, UserPath: p.UserPath,
		IssuedAt: now, Expiration: now.Add(time.Duration(durationSeconds) * time.Second)}
	if serial != "" {
		// The root user's code is of the root user's device, a user's of
		// the user's.
		if !s.IAM.MFACodeOf(ctx, p, serial, code) {
			return keyward.Session{}, keyward.Errorf(keyward.EAccessDenied, "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
		}
		c.MFAAt = now
	}
	return s.issue(c)
}

// issue makes the credentials of a session: a new ASIA key ID and secret,
// and the token that holds them with c, sealed.
func (s *Service) issue(c sessionClaims) (keyward.Session, error) {
	var err error
	if c.ID, err = s.sessionKeyID(c.Account); err != nil {
		return keyward.Session{}, err
	}
	if c.Secret, err = keyward.NewSecretAccessKey(s.Rand); err != nil {
		return keyward.Session{}, err
	}
	claims, err := json.Marshal(c)
	if err != nil {
		return keyward.Session{}, err
	}
	sealed, err := s.Sealer.Seal(sessionAssociatedPrefix+c.ID, string(claims))
	if err != nil {
		return keyward.Session{}, err
	}
	token := sessionTokenPrefix + base64.RawURLEncoding.EncodeToString(sealed)
	if len(token) > maxSessionToken {
		// Session policies and tags that escape badly in JSON: the token
		// would be refused by every replica, so it is not issued.
		return keyward.Session{}, keyward.Errorf(keyward.EPackedPolicyTooLarge, "Packed policy consumes more than 100%% of allotted space, please use smaller policy for further decrease.")
	}
	return keyward.Session{AccessKeyID: c.ID, Secret: c.Secret, Token: token, Expiration: c.Expiration}, nil
}

// A session's key ID is ASIA and 16 base32 characters, 80 bits laid out as
// AWS lays out its own: bits 1 to 40 are the account's ID, which is how
// AWS tells the account of any key ID (GetAccessKeyInfo) and how Keyward
// tells it of a session key without storing any; the other 40 bits are
// random. Like AWS's, such an ID is not unique: what must tell two
// sessions apart names them by their secret too (sessionRef), and
// GetAccessKeyInfo, as AWS's, reads the account of any ID so made.
//
// Session keys issued before the account was in them are ASIA, 10 random
// characters and 6 of a MAC of them (sessionIDRandom, sessionIDMAC); they
// are still recognised, as the caller's account's, until the last expires.
const (
	sessionIDRandom = 10
	sessionIDMAC    = 6
)

// sessionKeyID returns a new session key ID of account, a 12-digit ID.
func (s *Service) sessionKeyID(account string) (string, error) {
	acct, err := strconv.ParseUint(account, 10, 64)
	if err != nil || acct >= 1<<40 {
		return "", fmt.Errorf("sts: account ID %q is not 12 digits", account)
	}
	// As many bytes as the IDs without the account took, of which 40
	// bits are used: what else is made from the same randomness after a
	// session (in tests, from a seeded stream) stays as it was.
	var r [sessionIDRandom]byte
	if _, err := io.ReadFull(s.Rand, r[:]); err != nil {
		return "", err
	}
	rnd := binary.BigEndian.Uint32(r[:4])
	var b [10]byte
	head := uint64(rnd>>31&1)<<47 | acct<<7 | uint64(rnd>>24&0x7f)
	for i := range 6 {
		b[i] = byte(head >> (40 - 8*i))
	}
	copy(b[6:], r[4:8])
	return "ASIA" + base32.StdEncoding.EncodeToString(b[:]), nil
}

// sessionKeyAccount returns the account in a session key ID laid out as
// Keyward's (and AWS's) are, and false for any other ID. A legacy ID,
// which holds no account, is not read as one.
func (s *Service) sessionKeyAccount(id string) (string, bool) {
	if len(id) != 20 || !strings.HasPrefix(id, "ASIA") || s.isLegacySessionKeyID(id) {
		return "", false
	}
	b, err := base32.StdEncoding.DecodeString(id[4:])
	if err != nil || len(b) != 10 {
		return "", false
	}
	var head uint64
	for _, c := range b[:6] {
		head = head<<8 | uint64(c)
	}
	return fmt.Sprintf("%012d", head>>7&(1<<40-1)), true
}

// sessionRef is what names a session uniquely, its key ID not being
// unique (40 random bits beside the account): a digest of
// its secret, which tells nothing of it.
func sessionRef(secret string) string {
	sum := sha256.Sum256([]byte("keyward:session-ref:" + secret))
	return hex.EncodeToString(sum[:16])
}

// macChars encodes the first 30 bits of a MAC as 6 base32 characters.
func macChars(sum []byte) string {
	v := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	var b [sessionIDMAC]byte
	for i := range b {
		b[i] = keyward.Base32Alphabet[(v>>(27-5*i))&31]
	}
	return string(b[:])
}

// isLegacySessionKeyID reports whether id is a session key ID Keyward
// made before the account was in them.
func (s *Service) isLegacySessionKeyID(id string) bool {
	if len(id) != 4+sessionIDRandom+sessionIDMAC || !strings.HasPrefix(id, "ASIA") {
		return false
	}
	head := id[:4+sessionIDRandom]
	for _, sum := range s.Sealer.MACs(head) {
		if macChars(sum) == id[len(head):] {
			return true
		}
	}
	return false
}

// GetFederationToken issues a federated user's session, named name, to the
// calling IAM user (or the root user): the caller's permissions, limited
// to what the session policies allow (nothing without one).
func (s *Service) GetFederationToken(ctx context.Context, name string, durationSeconds int, policy string, policyARNs []string, tags []keyward.Tag) (keyward.AssumedRole, error) {
	rc, err := longTermCaller(ctx, "GetFederationToken")
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	p := rc.Principal
	fed := keyward.Principal{AccountID: s.Account(ctx).ID, FederatedName: name}
	// The caller's policies see the session's tags as request tags, as
	// AssumeRole's do: a policy that limits which tags may be passed
	// (aws:RequestTag, aws:TagKeys on sts:TagSession) decides on them.
	keys := authz.RequestTagKeys(tags)
	if err := s.Authz.AuthorizeWith(ctx, "sts:GetFederationToken", fed.ARN(), keys); err != nil {
		return keyward.AssumedRole{}, err
	}
	packed, err := s.checkSessionPolicies(policy, policyARNs, tags)
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	if len(tags) > 0 {
		if err := s.Authz.AuthorizeWith(ctx, "sts:TagSession", fed.ARN(), keys); err != nil {
			return keyward.AssumedRole{}, err
		}
	}
	if durationSeconds == 0 {
		durationSeconds = defaultSessionDuration
	}
	if p.Root && durationSeconds > maxRootSessionDuration {
		durationSeconds = maxRootSessionDuration
	}
	now := s.now()
	sess, err := s.issue(sessionClaims{Account: s.Account(ctx).ID, UserID: p.UserID, UserName: p.UserName, UserPath: p.UserPath, FederatedName: name,
		IssuedAt: now, Expiration: now.Add(time.Duration(durationSeconds) * time.Second), Policy: policy, PolicyARNs: policyARNs, Tags: tags})
	if err != nil {
		return keyward.AssumedRole{}, err
	}
	return keyward.AssumedRole{Session: sess, AssumedRoleID: fed.ID(), ARN: fed.ARN(), PackedPolicySize: packed}, nil
}

// maxSessionToken bounds a token before any work is done for it: what a
// session's packed policies and tags may take (maxPacked), sealed and
// encoded, with room to spare.
const maxSessionToken = 16384

// OpenSession authenticates a session token for the access key ID that
// signed with it, reading of the store only whether its accounts are
// closed and, for a user's session, the user's name and path now (the
// keyring keeps what it opens): ErrNoSuchAccessKey for a token that is not
// one of ours or not for this key, ErrExpiredToken past its expiration
// (AWS allows no grace). A token of ours refused (expired,
// of a closed account) comes with a Credential naming only its account,
// whose audit trail the refusal is in.
func (s *Service) OpenSession(ctx context.Context, id, token string) (keyward.Credential, error) {
	raw, ok := strings.CutPrefix(token, sessionTokenPrefix)
	if !ok || len(token) > maxSessionToken {
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}
	// Strictly: a lenient decoder ignores the last character's unused
	// bits, and several strings would open as one token.
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(raw)
	if err != nil {
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}
	claims, err := s.Sealer.Open(sessionAssociatedPrefix+id, sealed)
	if err != nil {
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}
	var c sessionClaims
	// The session is of the account it was issued in, which the sealed
	// claims name (a role's session, of the role's account, even when
	// another account's principal assumed it): every later request of it
	// is decided and kept there.
	if err := json.Unmarshal([]byte(claims), &c); err != nil || c.ID != id || c.Account == "" {
		return keyward.Credential{}, keyward.ErrNoSuchAccessKey
	}
	refused := keyward.Credential{Principal: keyward.Principal{AccountID: c.Account}}
	if !s.Now().Before(c.Expiration) {
		return refused, keyward.ErrExpiredToken
	}
	// A closed account's sessions are nobody's, whoever holds them, and
	// so are the sessions its principals assumed in other accounts: the
	// console's sessions and sign-in tokens, which open tokens here
	// rather than through the keyring, end with them.
	for _, account := range append([]string{c.Account}, c.Via...) {
		if closed, err := s.IAM.AccountClosed(ctx, account); err != nil {
			return keyward.Credential{}, err
		} else if closed {
			return refused, keyward.ErrNoSuchAccessKey
		}
	}
	// A user's session is of the user's unique ID, as the user's keys are:
	// the name and path it acts under are the user's now, not those the
	// token was issued under. A user renamed since keeps its session, and a
	// new user given the old name (or the self-service policies written
	// with ${aws:username}) is never taken for it. A user deleted since
	// keeps the token's name, which may be a new user's by now: its
	// policies are read by the unique ID, which is no one's, so it is
	// allowed nothing, the new user's resources included.
	if c.UserID != "" {
		arns, err := s.storeOf(c.Account).IdentityARNs(iam.AccountContext(ctx, c.Account), []string{c.UserID})
		if err != nil {
			return keyward.Credential{}, err
		}
		if arn, ok := arns[c.UserID]; ok {
			c.UserPath, c.UserName = userPathName(arn)
		}
	}
	p := keyward.Principal{AccountID: c.Account, Root: c.UserID == "" && c.RoleID == "" && c.FederatedName == "", UserID: c.UserID, UserName: c.UserName, UserPath: c.UserPath,
		RoleID: c.RoleID, RoleName: c.RoleName, RolePath: c.RolePath, SessionName: c.SessionName, FederatedName: c.FederatedName,
		Session: &keyward.SessionContext{AccessKeyID: c.ID, Ref: sessionRef(c.Secret), IssuedAt: c.IssuedAt, MFAAt: c.MFAAt, Policy: c.Policy, PolicyARNs: c.PolicyARNs, Tags: c.Tags, SourceIdentity: c.SourceIdentity, Transitive: c.Transitive, Via: c.Via}}
	return keyward.Credential{AccessKeyID: c.ID, Secret: c.Secret, Active: true, Expiration: c.Expiration, MFAAt: c.MFAAt, Principal: p}, nil
}

// userPathName splits a user's ARN (arn:aws:iam::<account>:user<path><name>)
// into its path and name.
func userPathName(arn string) (path, name string) {
	_, rest, _ := strings.Cut(arn, ":user/")
	i := strings.LastIndexByte(rest, '/')
	return "/" + rest[:i+1], rest[i+1:]
}
