package keyward

import (
	"context"
	"errors"
	"strings"
	"time"
)

// CreateUser creates an IAM user; tagging it takes iam:TagUser too.
func (s *Service) CreateUser(ctx context.Context, name, path string, tags []Tag) (User, error) {
	return s.CreateBoundedUser(ctx, name, path, "", tags)
}

// CreateBoundedUser creates an IAM user with a permissions boundary (none
// when boundary is ""), which takes iam:PutUserPermissionsBoundary too.
func (s *Service) CreateBoundedUser(ctx context.Context, name, path, boundary string, tags []Tag) (User, error) {
	if path == "" {
		path = "/"
	}
	if err := checkDuplicateTags(tags); err != nil {
		return User{}, err
	}
	arn := s.Account.UserARN(path, name)
	if err := s.authorizeWith(ctx, "iam:CreateUser", arn, requestTagKeys(tags).with(boundaryKey(boundary))); err != nil {
		return User{}, err
	}
	if len(tags) > 0 {
		if err := s.authorizeWith(ctx, "iam:TagUser", arn, requestTagKeys(tags)); err != nil {
			return User{}, err
		}
	}
	if boundary != "" {
		if err := s.authorizeWith(ctx, "iam:PutUserPermissionsBoundary", arn, boundaryKey(boundary)); err != nil {
			return User{}, err
		}
		if _, err := s.Store.Policy(ctx, boundary); err != nil {
			return User{}, boundaryError(err, boundary)
		}
	}
	id, err := NewUserID(s.Rand)
	if err != nil {
		return User{}, err
	}
	u := User{ID: id, Name: name, Path: path, CreatedAt: s.now(), Tags: tags, PermissionsBoundary: boundary}
	respond(ctx, "user", map[string]any{"userName": name, "userId": id, "path": path, "arn": arn, "createDate": eventTime(u.CreatedAt)})
	if err := s.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrUserExists) {
			return User{}, UserExists(name)
		}
		return User{}, err
	}
	return u, nil
}

// User returns the user with the given name (iam:GetUser).
func (s *Service) User(ctx context.Context, name string) (User, error) {
	if err := s.authorizeUser(ctx, "iam:GetUser", name); err != nil {
		return User{}, err
	}
	return s.user(ctx, name)
}

// user reads a user, with AWS's error for a missing one.
func (s *Service) user(ctx context.Context, name string) (User, error) {
	u, err := s.Store.User(ctx, name)
	if errors.Is(err, ErrNoSuchUser) {
		return User{}, UserNotFound(name)
	}
	return u, err
}

// ListUsers returns a page of users whose path starts with pathPrefix
// ("/" for all), and the marker of the next page or "" at the end.
func (s *Service) ListUsers(ctx context.Context, pathPrefix, marker string, max int) ([]User, string, error) {
	if pathPrefix == "" {
		pathPrefix = "/"
	}
	if err := s.authorize(ctx, "iam:ListUsers", s.Account.UserARN(pathPrefix, "")); err != nil {
		return nil, "", err
	}
	after, err := decodeMarker(marker)
	if err != nil {
		return nil, "", err
	}
	users, more, err := s.Store.ListUsers(ctx, pathPrefix, after, max)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more && len(users) > 0 {
		next = encodeMarker(users[len(users)-1].Name)
	}
	return users, next, nil
}

// UpdateUser renames or moves a user.
func (s *Service) UpdateUser(ctx context.Context, name string, upd UserUpdate) error {
	if err := s.authorizeUser(ctx, "iam:UpdateUser", name); err != nil {
		return err
	}
	_, err := s.Store.UpdateUser(ctx, name, upd)
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(name)
	case errors.Is(err, ErrUserExists):
		return UserExists(*upd.NewName)
	case err != nil:
		return err
	}
	// Key lists and compiled policies (${aws:username}) name the user;
	// cached credentials carry the owner's name and path in their ARN.
	s.publish(Change{Kind: ChangedUsers})
	keys, _, err := s.Store.ListAccessKeys(ctx, valueOr(upd.NewName, name), "", MaxAccessKeysPerUser+1)
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.changed(k.ID)
	}
	return nil
}

// DeleteUser deletes a user that has no access keys left.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	if err := s.authorizeUser(ctx, "iam:DeleteUser", name); err != nil {
		return err
	}
	err := s.Store.DeleteUser(ctx, name)
	s.publish(Change{Kind: ChangedUsers})
	switch {
	case errors.Is(err, ErrNoSuchUser):
		return UserNotFound(name)
	case errors.Is(err, ErrUserHasAccessKey), errors.Is(err, ErrEntityInUse):
		return DeleteConflict()
	}
	return err
}

// PutUserPermissionsBoundary sets a user's permissions boundary: what its
// identity policies allow is then limited to what the boundary allows.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, user, boundary string) error {
	if err := s.authorizeUserWith(ctx, "iam:PutUserPermissionsBoundary", user, boundaryKey(boundary)); err != nil {
		return err
	}
	err := s.Store.SetUserPermissionsBoundary(ctx, user, boundary)
	s.policiesChanged()
	if errors.Is(err, ErrNoSuchUser) {
		return UserNotFound(user)
	}
	return boundaryError(err, boundary)
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, user string) error {
	if err := s.authorizeUser(ctx, "iam:DeleteUserPermissionsBoundary", user); err != nil {
		return err
	}
	err := s.Store.SetUserPermissionsBoundary(ctx, user, "")
	s.policiesChanged()
	if errors.Is(err, ErrNoSuchUser) {
		return UserNotFound(user)
	}
	return err
}

func boundaryError(err error, arn string) error {
	if errors.Is(err, ErrNoSuchPolicy) {
		return Errorf(ENoSuchEntity, "Policy %s does not exist or is not attachable.", Clip(arn))
	}
	return err
}

// TagUser sets tags of a user.
func (s *Service) TagUser(ctx context.Context, user string, tags ...Tag) error {
	if err := checkDuplicateTags(tags); err != nil {
		return err
	}
	if err := s.authorizeUserWith(ctx, "iam:TagUser", user, requestTagKeys(tags)); err != nil {
		return err
	}
	for _, t := range tags {
		if err := s.tagUser(ctx, user, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) tagUser(ctx context.Context, user string, t Tag) error {
	if err := s.Store.PutUserTag(ctx, user, t); errors.Is(err, ErrNoSuchUser) {
		return UserNotFound(user)
	} else {
		return err
	}
}

// UntagUser removes tags of a user.
func (s *Service) UntagUser(ctx context.Context, user string, keys ...string) error {
	if err := s.authorizeUserWith(ctx, "iam:UntagUser", user, untagKeys(keys)); err != nil {
		return err
	}
	for _, key := range keys {
		if err := s.Store.DeleteUserTag(ctx, user, key); errors.Is(err, ErrNoSuchUser) {
			return UserNotFound(user)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// UserTags returns the tags of a user (iam:ListUserTags).
func (s *Service) UserTags(ctx context.Context, user string) ([]Tag, error) {
	if err := s.authorizeUser(ctx, "iam:ListUserTags", user); err != nil {
		return nil, err
	}
	u, err := s.user(ctx, user)
	return u.Tags, err
}

// checkDuplicateTags refuses a tag set with a key twice, compared
// case-insensitively, as AWS does.
func checkDuplicateTags(tags []Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return Errorf(EInvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// Tag is a key-value pair attached to an IAM entity.
type Tag struct {
	Key   string
	Value string
}

// User is an IAM user.
type User struct {
	// ID is AWS's unique user ID, "AIDA" and 17 more characters.
	ID        string
	Name      string
	Path      string
	CreatedAt time.Time
	Tags      []Tag
	// PermissionsBoundary is the ARN of the managed policy that bounds the
	// user's permissions, "" without one.
	PermissionsBoundary string
	// SessionsAfter ends the user's console sessions begun before it: a
	// password reset or a deleted login profile moves it forward. Only
	// Store.User fills it in.
	SessionsAfter time.Time
}

// UserUpdate changes a user; nil fields are left unchanged.
type UserUpdate struct {
	NewName *string
	NewPath *string
}

// FoldName returns the form of a user name under which AWS compares names:
// user names are unique case-insensitively within an account.
func FoldName(name string) string { return strings.ToLower(name) }

// Principal is the identity that signed a request: the root user of the
// account, an IAM user, a session of a role (assumed-role) or a federated
// user's session (GetFederationToken).
type Principal struct {
	AccountID string
	// Root is true for the account's root user; User is then empty.
	Root bool
	// UserID, UserName and UserPath identify an IAM user; for a federated
	// user's session, the IAM user who got it, whose policies it has.
	UserID   string
	UserName string
	UserPath string
	// RoleID, RoleName and RolePath name the role of an assumed-role
	// session, SessionName the session (RoleSessionName).
	RoleID, RoleName, RolePath, SessionName string
	// FederatedName is a federated user's name (GetFederationToken's Name).
	FederatedName string
	// Session is what temporary credentials carry for evaluation; nil for
	// long-term credentials and console sign-ins.
	Session *SessionContext
}

// SessionContext is what a session token carries besides its principal:
// when it was issued, its session policies and tags.
type SessionContext struct {
	// AccessKeyID is the session's ASIA key ID, which names its compiled
	// policies in the cache (policy variables differ per session).
	AccessKeyID string
	// IssuedAt is when it was issued (aws:TokenIssueTime), MFAAt when its
	// caller authenticated with MFA (zero without).
	IssuedAt, MFAAt time.Time
	// Policy is the inline session policy, PolicyARNs the managed ones:
	// with either, the session may do only what they allow too.
	Policy     string
	PolicyARNs []string
	// Tags are the principal's tags: the role's, overridden by the
	// session's.
	Tags []Tag
	// SourceIdentity is the identity the caller set (sts:SourceIdentity);
	// Transitive the keys of the tags passed on to sessions it begins.
	SourceIdentity string
	Transitive     []string
}

// IsRoleSession reports whether p is a session of a role.
func (p Principal) IsRoleSession() bool { return p.RoleID != "" }

// IsUser reports whether p is an IAM user signing with its own
// credentials (long-term, or a GetSessionToken session): the principal that
// calls without a UserName act on.
func (p Principal) IsUser() bool {
	return !p.Root && p.RoleID == "" && p.FederatedName == "" && p.UserName != ""
}

// ARN returns the principal's ARN: for sessions of roles and federated
// users, STS's ARN of the session.
func (p Principal) ARN() string {
	a := Account{ID: p.AccountID}
	switch {
	case p.Root:
		return a.RootARN()
	case p.RoleID != "":
		return "arn:aws:sts::" + p.AccountID + ":assumed-role/" + p.RoleName + "/" + p.SessionName
	case p.FederatedName != "":
		return "arn:aws:sts::" + p.AccountID + ":federated-user/" + p.FederatedName
	}
	return a.UserARN(p.UserPath, p.UserName)
}

// IdentityARN returns the ARN of the IAM identity behind p: the role's for
// a role session (aws:PrincipalArn), otherwise ARN's.
func (p Principal) IdentityARN() string {
	if p.RoleID != "" {
		return Account{ID: p.AccountID}.RoleARN(p.RolePath, p.RoleName)
	}
	return p.ARN()
}

// ID returns the unique ID AWS reports for the principal in
// GetCallerIdentity: the account ID for root, the user ID for a user,
// "AROA…:session" for a role session and "account:name" for a federated
// user.
func (p Principal) ID() string {
	switch {
	case p.Root:
		return p.AccountID
	case p.RoleID != "":
		return p.RoleID + ":" + p.SessionName
	case p.FederatedName != "":
		return p.AccountID + ":" + p.FederatedName
	}
	return p.UserID
}

// errNotUser is AWS's refusal of an operation that acts on the calling
// user when the caller is a role or federated session.
var errNotUser = Errorf(EValidationError, "Must specify userName when calling with non-User credentials")
