package organizations

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// Service applies AWS Organizations' rules on top of a Store. Callers
// validate input against the model's shapes (the transport, from
// Operations); Service trusts its arguments to be well-formed.
type Service struct {
	Store Store
	// Authz decides access; every method asks it first. It also knows the
	// account callers act in.
	Authz *authz.Authorizer
	// Policies is IAM's policy language, which checks SCPs' content.
	Policies keyward.PolicyEngine
	// Now and Rand are the clock and the randomness for IDs.
	Now  func() time.Time
	Rand io.Reader
	// Changes, when set, is told of every change to what decisions read
	// of organizations (keyward.ChangedOrganizations), so that the
	// decisions that follow see it: the change bus.
	Changes func(keyward.Change)
	// MaxAccounts bounds how many accounts an organization holds, its
	// management account included, for every organization but the one
	// whose management account is the installation's first account,
	// which MaxFirstAccounts bounds; 0 is no bound. keyward serve sets
	// them from --max-organization-accounts (by default AWS's quota,
	// DefaultMaxAccounts) and --max-first-organization-accounts (none by
	// default).
	MaxAccounts, MaxFirstAccounts int
}

// DefaultMaxAccounts is AWS's default quota of accounts in an
// organization, its management account included.
const DefaultMaxAccounts = 10

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// changed tells the caches that what decisions read of organizations
// changed, when err says the change was made.
func (s *Service) changed(err error) error {
	if err == nil && s.Changes != nil {
		s.Changes(keyward.Change{Kind: keyward.ChangedOrganizations})
	}
	return err
}

// changing returns the store the change of ctx's request is written
// through: the view that writes its audit event with it. Recording gives
// a keyward.Store, which declares none of an organization's methods; the
// view it returns is the backend's own, which implements Store as the
// backend does (the conformance suite's PortsOfViews checks that it
// asserts to Store), so the assertion holds.
func (s *Service) changing(ctx context.Context) Store {
	return keyward.Changing(ctx, s.store(ctx)).(Store)
}

// store is the view of the store of ctx's caller's account, which every
// read and write of the account's entities goes through.
func (s *Service) store(ctx context.Context) Store {
	return authz.View(ctx, s.Authz, s.Store)
}

// The errors of AWS Organizations that name no resource.
var (
	errNotInUse = keyward.Errorf(ENotInUse, "Your account is not a member of an organization.")
	errNotMgmt  = keyward.Errorf(EAccessDenied, "You don't have permissions to access this resource.")
)

// invalidInput is InvalidInputException with AWS's reason.
func invalidInput(reason, message string) error {
	return &Error{Err: keyward.Errorf(EInvalidInput, "%s", message), Reason: reason}
}

// constraint is ConstraintViolationException with AWS's reason.
func constraint(reason, message string) error {
	return &Error{Err: keyward.Errorf(EConstraintViolation, "%s", message), Reason: reason}
}

// Error is an error of AWS Organizations that carries a reason besides
// its code and message (InvalidInputException,
// ConstraintViolationException), which the transport sends as the
// model's Reason member.
type Error struct {
	Err    *keyward.Error
	Reason string
}

func (e *Error) Error() string { return e.Err.Error() + " (" + e.Reason + ")" }

// Unwrap makes keyward.ErrorCode and ErrorMessage see the code and message.
func (e *Error) Unwrap() error { return e.Err }

// Reason returns the reason err carries, "" for none.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// InvalidInput is InvalidInputException with AWS's reason, for the
// transport's checks of the model's constraints.
func InvalidInput(reason, message string) error { return invalidInput(reason, message) }

// Page is where a listing starts and how long it is: the NextToken of
// the previous page ("" for the first) and MaxResults (0 for the
// default).
type Page struct {
	Token string
	Max   int
}

// defaultMax is the page length when MaxResults is absent: the model's
// maximum.
const defaultMax = 20

func (p Page) max() int {
	if p.Max <= 0 {
		return defaultMax
	}
	return p.Max
}

// after decodes the token into the listing's marker.
func (p Page) after() (string, error) {
	if p.Token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(p.Token)
	if err != nil || len(b) < 4 || string(b[:3]) != "v1:" {
		return "", invalidInput("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.")
	}
	return string(b[3:]), nil
}

// nextToken is the token of the page after the one ending at last, when
// more follow.
func nextToken(more bool, last string) string {
	if !more {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + last))
}

// organization returns the organization of ctx's caller's account after
// deciding action on the resource ARN arn makes of it ("*" when the
// account is in none, which is then AWSOrganizationsNotInUseException),
// with the resource's tags as aws:ResourceTag keys. Only principals of
// the management account act on it.
func (s *Service) organization(ctx context.Context, action string, arn func(keyward.Organization) string) (keyward.Organization, error) {
	return s.organizationWith(ctx, action, arn, nil)
}

// organizationWith is organization with the request's own condition keys
// besides (aws:RequestTag, aws:TagKeys, organizations:PolicyType).
func (s *Service) organizationWith(ctx context.Context, action string, arn func(keyward.Organization) string, keys authz.Keys) (keyward.Organization, error) {
	o, err := s.Store.OrganizationOf(ctx, s.Authz.Account(ctx).ID)
	if errors.Is(err, keyward.ErrNotInOrganization) {
		if err := s.Authz.Authorize(ctx, action, "*"); err != nil {
			return o, err
		}
		return o, errNotInUse
	} else if err != nil {
		return o, err
	}
	// A member account's principal is refused before any decision: one
	// made on the resource, with its tags, would tell a member whose
	// policy allows the action on a tag which of the organization's
	// accounts, OUs and policies carry it (and so that they exist), by
	// which of two refusals it got.
	p, err := s.Authz.Principal(ctx)
	if err != nil {
		return o, err
	}
	if p.AccountID != o.MasterAccountID {
		return o, errNotMgmt
	}
	if err := s.authorize(ctx, o, action, arn(o), keys); err != nil {
		return o, err
	}
	return o, nil
}

// anyResource is the resource of the operations AWS's authorization
// reference gives no resource type (CreateOrganization,
// DescribeOrganization, DeleteOrganization, ListRoots, ListAccounts,
// ListPolicies, CreatePolicy): a policy allows them on "*" only.
func anyResource(keyward.Organization) string { return "*" }

// authorize decides action on resource, an ARN of o's or "*", with the
// resource's tags (aws:ResourceTag) and keys: a Deny that names a tag or
// a policy type must apply here as it does in IAM.
func (s *Service) authorize(ctx context.Context, o keyward.Organization, action, resource string, keys authz.Keys) error {
	if resource != "*" {
		// Every ARN of an organization ends with its resource's ID.
		id := resource[strings.LastIndexByte(resource, '/')+1:]
		tags, err := s.Store.OrgResourceTags(ctx, o.ID, id)
		switch {
		case err == nil:
			keys = authz.ResourceTagKeys(tags, false).With(keys)
		case !errors.Is(err, keyward.ErrNoSuchTarget):
			return err
		}
	}
	return s.Authz.AuthorizeWith(ctx, action, resource, keys)
}

// policyTypeKey is organizations:PolicyType, nothing when "".
func policyTypeKey(policyType string) authz.Keys {
	if policyType == "" {
		return nil
	}
	return authz.Keys{"organizations:policytype": {policyType}}
}

// targetARN is the ARN of the root, OU or account an ID names.
func targetARN(o keyward.Organization, id string) string {
	switch keyward.TargetType(id) {
	case keyward.TargetRoot:
		if id == o.RootID {
			return o.RootARN()
		}
		return "arn:aws:organizations::" + o.MasterAccountID + ":root/" + o.ID + "/" + id
	case keyward.TargetOU:
		return o.OUARN(id)
	case keyward.TargetAccount:
		return o.AccountARN(id)
	}
	return policyARN(o, id)
}

// policyARN is the ARN of the policy an ID names.
func policyARN(o keyward.Organization, id string) string {
	return o.PolicyARN(keyward.OrgPolicy{ID: id, AWSManaged: id == keyward.FullAWSAccessID})
}
