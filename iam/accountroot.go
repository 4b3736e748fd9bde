package iam

import (
	"context"
	"errors"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/internal/cache"
	"github.com/keyward/keyward/organizations"
)

// ActionCreateAccountRootKey is the action a principal of an
// organization's management account must be allowed, on the member
// account's Organizations ARN, to create that account's root access key:
// keyward:CreateAccountRootKey, from its descriptor (Keyward's own: AWS
// has no such operation).
var ActionCreateAccountRootKey = KeywardOperations["CreateAccountRootKey"].Action()

// CreateAccountRootKey gives an account of the installation an access key
// of its root user, for a tenant that administers its account itself: the
// accounts AWS Organizations' CreateAccount makes have no root
// credentials, as on AWS, where the owner of the account's email recovers
// the root user's password. Two callers may: the operator (an internal
// caller, keyward create-root-key), for any open account, audited in that
// account as keyward.operator's CreateAccessKey; and a principal of an
// organization's management account allowed ActionCreateAccountRootKey,
// for an open member account of that organization (rootKeyTarget),
// audited in the member account as the caller's CreateAccessKey, and in
// the management account by the request's own event (the console's),
// which is given the account and the key's ID. The root user's two keys
// are its quota, as for any user.
func (s *Service) CreateAccountRootKey(ctx context.Context, accountID string) (keyward.AccessKey, string, error) {
	_, internal, ok := keyward.Caller(ctx)
	if !ok {
		return keyward.AccessKey{}, "", keyward.ErrNoCaller
	}
	var acct keyward.Account
	var err error
	var event func() (*keyward.PendingEvent, error)
	// request is the request's own event (the console's form), in the
	// management account's trail; the operator's command has none.
	var request *keyward.PendingEvent
	if internal {
		acct, err = s.Store.AccountByID(ctx, accountID)
		if errors.Is(err, keyward.ErrNoAccount) {
			return keyward.AccessKey{}, "", keyward.Errorf(keyward.ENoSuchEntity, "The account %s does not exist.", keyward.Clip(accountID))
		} else if err != nil {
			return keyward.AccessKey{}, "", err
		}
		if acct.Status != "" && acct.Status != keyward.AccountActive {
			return keyward.AccessKey{}, "", keyward.Errorf(keyward.EInvalidInput, "The account %s is %s.", acct.ID, acct.Status)
		}
		event = func() (*keyward.PendingEvent, error) {
			return s.operatorEvent(acct, "CreateAccessKey", map[string]any{})
		}
	} else {
		// The request's event names the account, refused or not.
		if request, _ = keyward.EventFrom(ctx); request != nil && !request.Claimed() {
			request.Event.RequestParameters = map[string]any{"accountId": keyward.Clip(accountID)}
		}
		if acct, err = s.rootKeyTarget(ctx, accountID); err != nil {
			return keyward.AccessKey{}, "", err
		}
		event = func() (*keyward.PendingEvent, error) { return s.memberEvent(ctx, acct, request) }
	}
	for attempt := 0; ; attempt++ {
		k, secret, err := s.newKey("", time.Time{})
		if err != nil {
			return keyward.AccessKey{}, "", err
		}
		id := k.ID
		pe, err := event()
		if err != nil {
			return keyward.AccessKey{}, "", err
		}
		created := map[string]any{"accessKey": map[string]any{"accessKeyId": id, "status": keyward.StatusActive, "createDate": eventTime(k.CreatedAt)}}
		pe.Event.ResponseElements = created
		k, err = s.Store.InAccount(acct.ID).Recording(pe).CreateAccessKey(ctx, "", k)
		switch {
		case errors.Is(err, keyward.ErrAccessKeyQuota):
			return keyward.AccessKey{}, "", accessKeyQuotaExceeded()
		case errors.Is(err, keyward.ErrAccessKeyExists) && attempt < 3:
			continue
		case err != nil:
			return keyward.AccessKey{}, "", err
		}
		s.changed(id)
		if request != nil && !request.Claimed() {
			request.Event.ResponseElements = created
		}
		return k, secret, nil
	}
}

// errAccountNotFound is AWS Organizations' answer for an account that is
// not the caller's organization's, whether it exists or not: the caller
// learns nothing of other organizations' accounts.
var errAccountNotFound = keyward.Errorf(organizations.EAccountNotFound, "You specified an account that doesn't exist.")

// rootKeyTarget decides whether ctx's caller may create accountID's root
// key, and returns the account. The caller must be a principal of its
// organization's management account (a member account's principals are
// refused whatever their own policies allow, as AWS Organizations refuses
// them: SCPs never limit the management account, so its own policies
// decide), allowed ActionCreateAccountRootKey on the account's
// Organizations ARN (with its tags there, as AWS Organizations decides),
// decided before the account's membership is checked, so that a refusal
// tells nothing more of it than the organization's own actions do. The
// account must then be an open member of that organization other than
// the management account: another organization's and one that does not
// exist get one answer.
func (s *Service) rootKeyTarget(ctx context.Context, accountID string) (keyward.Account, error) {
	p, err := s.Authz.Principal(ctx)
	if err != nil {
		return keyward.Account{}, err
	}
	mine := s.Account(ctx).ID
	o, err := s.Store.OrganizationOf(ctx, mine)
	if errors.Is(err, keyward.ErrNotInOrganization) {
		if err := s.Authz.Authorize(ctx, ActionCreateAccountRootKey, "*"); err != nil {
			return keyward.Account{}, err
		}
		return keyward.Account{}, keyward.Errorf(organizations.ENotInUse, "Your account is not a member of an organization.")
	} else if err != nil {
		return keyward.Account{}, err
	}
	resource := o.AccountARN(accountID)
	if mine != o.MasterAccountID {
		if p.AccountID == "" {
			p.AccountID = mine
		}
		return keyward.Account{}, keyward.Errorf(keyward.EAccessDenied,
			"User: %s is not authorized to perform: %s on resource: %s because only the organization's management account may create a member account's root key",
			p.ARN(), ActionCreateAccountRootKey, resource)
	}
	// The account's tags in its organization are aws:ResourceTag, as
	// AWS Organizations' own actions on it see them: a policy that allows
	// the action on tagged accounts only allows it on those. An account
	// not in the organization has none, and is decided as if untagged.
	tags, err := s.Store.OrgResourceTags(ctx, o.ID, accountID)
	if err != nil && !errors.Is(err, keyward.ErrNoSuchTarget) {
		return keyward.Account{}, err
	}
	if err := s.Authz.AuthorizeWith(ctx, ActionCreateAccountRootKey, resource, authz.ResourceTagKeys(tags, false)); err != nil {
		return keyward.Account{}, err
	}
	if accountID == o.MasterAccountID {
		return keyward.Account{}, keyward.Errorf(organizations.EConstraintViolation,
			"You attempted to create a root access key of the management account: its root user creates its own keys.")
	}
	if _, err := s.Store.OrgAccount(ctx, o.ID, accountID); errors.Is(err, keyward.ErrNoSuchOrgAccount) {
		return keyward.Account{}, errAccountNotFound
	} else if err != nil {
		return keyward.Account{}, err
	}
	acct, err := s.Store.AccountByID(ctx, accountID)
	if errors.Is(err, keyward.ErrNoAccount) {
		return keyward.Account{}, errAccountNotFound
	} else if err != nil {
		return keyward.Account{}, err
	}
	now := s.now()
	switch {
	case acct.Gone(now):
		return keyward.Account{}, errAccountNotFound
	case acct.Closed():
		return keyward.Account{}, keyward.Errorf(organizations.EConstraintViolation,
			"You attempted to create a root access key of a closed account (%s): none of its principals can do anything.", acct.StatusAt(now))
	}
	return acct, nil
}

// memberEvent is the member account's event of its root key's creation
// by a principal of the management account: CreateAccessKey of the root
// user, by that caller, from where the request came (request, its event
// in the management account, when the transport made one).
func (s *Service) memberEvent(ctx context.Context, acct keyward.Account, request *keyward.PendingEvent) (*keyward.PendingEvent, error) {
	e := acct.NewEvent(keyward.EventSourceIAM, "CreateAccessKey", s.now())
	id, err := keyward.NewEventID(s.Rand)
	if err != nil {
		return nil, err
	}
	e.EventID, e.RequestID = id, id
	p, err := s.Authz.Principal(ctx)
	if err != nil {
		return nil, err
	}
	if p.AccountID == "" {
		p.AccountID = s.Account(ctx).ID
	}
	keyID := ""
	if rc, _, ok := keyward.Caller(ctx); ok && rc != nil {
		keyID = rc.AccessKeyID
	}
	e.UserIdentity = keyward.IdentityOf(p, keyID)
	if request != nil {
		e.SourceIPAddress, e.UserAgent = request.Event.SourceIPAddress, request.Event.UserAgent
		if request.Event.RequestID != "" {
			e.RequestID = request.Event.RequestID
		}
	}
	return &keyward.PendingEvent{Event: e}, nil
}

// AccountClosed reports whether the account with ID id was closed
// (Organizations' CloseAccount): then none of its principals may do
// anything, whatever their credentials. "" is the installation's first
// account, as a principal naming no account is. An account the
// installation does not have is not closed: it has no principals. The
// answer is cached (AccountsClosed) until the next change to
// organizations, and a closed account never reopens.
func (s *Service) AccountClosed(ctx context.Context, id string) (bool, error) {
	if id == "" {
		id = s.Authz.FirstAccount().ID
	}
	closed, err := s.accountClosed(ctx, id)
	if errors.Is(err, keyward.ErrNoAccount) {
		return false, nil
	}
	return closed, err
}

// accountClosed is AccountClosed, ErrNoAccount for an ID of no account.
func (s *Service) accountClosed(ctx context.Context, id string) (bool, error) {
	if closed, ok := cache.Cached(s.AccountsClosed, id); ok {
		return closed, nil
	}
	// An ID that names no account is not kept: the role ARNs of unsigned
	// requests (AssumeRoleWithWebIdentity) name any account, and would
	// push the accounts of every request out of the cache.
	return cache.LoadThrough(ctx, s.AccountsClosed, id, func(ctx context.Context) (bool, error) {
		a, err := s.Store.AccountByID(ctx, id)
		return a.Closed(), err
	})
}

// AccountOpen reports whether id names an account of the installation
// that is not closed, read as AccountClosed reads it (an account found
// is cached, an ID of none is not): the account whose trail an unsigned
// caller's refused request naming it is in.
func (s *Service) AccountOpen(ctx context.Context, id string) (bool, error) {
	closed, err := s.accountClosed(ctx, id)
	if errors.Is(err, keyward.ErrNoAccount) {
		return false, nil
	}
	return err == nil && !closed, err
}
