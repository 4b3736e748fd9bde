package query

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/lifecycle"
)

func init() { serveIAM(userActions) }

// Users, access keys and user tags.
var userActions = map[string]action{
	"CreateUser": row(func(ctx context.Context, s *Services, in *input) (keyward.User, error) {
		return s.IAM.CreateBoundedUser(ctx, in.str("UserName"), in.strOr("Path", "/"), in.str("PermissionsBoundary"), in.tags)
	},
		func(w *xmlWriter, a keyward.Account, u keyward.User) {
			w.userElement(false, u, a, true)
		}),
	"GetUser": row(func(ctx context.Context, s *Services, in *input) (getUserResult, error) {
		if !in.has("UserName") {
			p, err := s.STS.CallerIdentity(ctx)
			if err != nil {
				return getUserResult{}, err
			}
			if p.Root {
				// The root user: AWS answers with the account's ID and ARN,
				// decided as any request (its organization's SCPs).
				return getUserResult{root: true}, s.IAM.AuthorizeRootUser(ctx)
			}
			if !p.IsUser() {
				return getUserResult{}, keyward.Errorf(keyward.EValidationError, "Must specify userName when calling with non-User credentials")
			}
			u, err := s.IAM.User(ctx, p.UserName)
			return getUserResult{user: u}, err
		}
		u, err := s.IAM.User(ctx, in.str("UserName"))
		return getUserResult{user: u}, err
	},
		func(w *xmlWriter, a keyward.Account, r getUserResult) {
			w.userElement(r.root, r.user, a, true)
		}),
	"ListUsers": row(func(ctx context.Context, s *Services, in *input) (page[keyward.User], error) {
		users, next, err := s.IAM.ListUsers(ctx, in.strOr("PathPrefix", "/"), in.str("Marker"), in.maxItems())
		return page[keyward.User]{users, next}, err
	},
		func(w *xmlWriter, a keyward.Account, p page[keyward.User]) { w.users(p, a) }),
	"UpdateUser": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateUser(ctx, in.str("UserName"), keyward.UserUpdate{NewName: in.optStr("NewUserName"), NewPath: in.optStr("NewPath")})
	}),
	"DeleteUser": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteUser(ctx, in.str("UserName"))
	}),
	"CreateAccessKey": row(func(ctx context.Context, s *Services, in *input) (newKey, error) {
		if !in.has("ExpiresIn") {
			k, secret, err := s.IAM.CreateAccessKey(ctx, in.str("UserName"))
			return newKey{k, secret}, err
		}
		// A Keyward extension: the key expires this long from now.
		d, err := lifecycle.ParseKeyDuration("expiresIn", in.str("ExpiresIn"))
		if err != nil {
			return newKey{}, err
		}
		k, secret, err := s.IAM.CreateExpiringAccessKey(ctx, in.str("UserName"), "", d)
		return newKey{k, secret}, err
	},
		func(w *xmlWriter, _ keyward.Account, k newKey) {
			w.open("AccessKey")
			writeAccessKey(w, k.AccessKey, k.secret)
			w.close("AccessKey")
		}),
	"UpdateAccessKey": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.UpdateAccessKey(ctx, in.str("UserName"), in.str("AccessKeyId"), in.str("Status"))
	}),
	"DeleteAccessKey": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteAccessKey(ctx, in.str("UserName"), in.str("AccessKeyId"))
	}),
	"ListAccessKeys": row(func(ctx context.Context, s *Services, in *input) (page[keyward.AccessKey], error) {
		keys, next, err := s.IAM.ListAccessKeys(ctx, in.str("UserName"), in.str("Marker"), in.maxItems())
		return page[keyward.AccessKey]{keys, next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p page[keyward.AccessKey]) {
			list(w, "AccessKeyMetadata", p.items, p.next, func(k keyward.AccessKey) { writeAccessKey(w, k, "") })
		}),
	"GetAccessKeyLastUsed": row(func(ctx context.Context, s *Services, in *input) (keyward.AccessKey, error) {
		return s.IAM.AccessKeyLastUsed(ctx, in.str("AccessKeyId"))
	},
		func(w *xmlWriter, _ keyward.Account, k keyward.AccessKey) {
			if !k.Root() {
				w.elem("UserName", k.UserName)
			}
			w.open("AccessKeyLastUsed")
			if k.LastUsed.IsZero() {
				w.elem("ServiceName", "N/A")
				w.elem("Region", "N/A")
			} else {
				w.time("LastUsedDate", k.LastUsed.Time)
				w.elem("ServiceName", k.LastUsed.Service)
				w.elem("Region", k.LastUsed.Region)
			}
			w.close("AccessKeyLastUsed")
		}),
	"PutUserPermissionsBoundary": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.PutUserPermissionsBoundary(ctx, in.str("UserName"), in.str("PermissionsBoundary"))
	}),
	"DeleteUserPermissionsBoundary": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteUserPermissionsBoundary(ctx, in.str("UserName"))
	}),
}

// page is one page of a listing and the marker of the next.
type page[T any] struct {
	items []T
	next  string
}

type getUserResult struct {
	user keyward.User
	root bool
}

// newKey is a key just made, with the secret shown this once.
type newKey struct {
	keyward.AccessKey
	secret string
}

// rootUser writes the members of a User element that is the account's
// root user, as GetUser answers for it: its ID is the account's.
func (w *xmlWriter) rootUser(a keyward.Account) {
	w.elem("UserId", a.ID)
	w.elem("Arn", a.RootARN())
	w.time("CreateDate", a.CreatedAt)
}

// userElement writes a User element: the account's root user when root,
// else u, with its boundary and tags when withTags.
func (w *xmlWriter) userElement(root bool, u keyward.User, a keyward.Account, withTags bool) {
	w.open("User")
	if root {
		w.rootUser(a)
	} else {
		w.user(u, a, withTags)
	}
	w.close("User")
}

func (w *xmlWriter) user(u keyward.User, a keyward.Account, withTags bool) {
	w.entity("User", u.Path, u.Name, u.ID, a.UserARN(u.Path, u.Name), u.CreatedAt)
	if withTags {
		w.boundaryAndTags(u.PermissionsBoundary, u.Tags)
	}
}

// boundaryAndTags writes a user's or a role's permissions boundary and its
// tags, each only when it has one, in the order IAM's responses give them
// (GetUser, GetRole and GetAccountAuthorizationDetails alike).
func (w *xmlWriter) boundaryAndTags(boundary string, tags []keyward.Tag) {
	if boundary != "" {
		w.boundary(boundary)
	}
	if len(tags) > 0 {
		w.tags(tags)
	}
}

func (w *xmlWriter) users(p page[keyward.User], a keyward.Account) {
	list(w, "Users", p.items, p.next, func(u keyward.User) { w.user(u, a, false) })
}

func (w *xmlWriter) tags(tags []keyward.Tag) {
	members(w, "Tags", tags, func(t keyward.Tag) {
		w.elem("Key", t.Key)
		w.elem("Value", t.Value)
	})
}

// boundary writes a PermissionsBoundary element.
func (w *xmlWriter) boundary(arn string) {
	w.open("PermissionsBoundary")
	w.elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
	w.elem("PermissionsBoundaryArn", arn)
	w.close("PermissionsBoundary")
}

// writeAccessKey writes the members of an access key, AWS's AccessKey when
// secret is set (only CreateAccessKey answers with one) and its
// AccessKeyMetadata otherwise; the root user's keys name no user.
func writeAccessKey(w *xmlWriter, k keyward.AccessKey, secret string) {
	if !k.Root() {
		w.elem("UserName", k.UserName)
	}
	w.elem("AccessKeyId", k.ID)
	w.elem("Status", k.Status)
	if secret != "" {
		w.elem("SecretAccessKey", secret)
	}
	w.time("CreateDate", k.CreatedAt)
	if !k.ExpiresAt.IsZero() {
		w.time("Expiration", k.ExpiresAt)
	}
}
