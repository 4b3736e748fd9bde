package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// OrganizationalUnit is the model's OrganizationalUnit.
type OrganizationalUnit struct {
	ID   string `json:"Id"`
	ARN  string `json:"Arn"`
	Name string `json:"Name"`
	Path string `json:"Path"`
}

// Parent is the model's Parent, Child its Child.
type (
	Parent struct {
		ID   string `json:"Id"`
		Type string `json:"Type"`
	}
	Child struct {
		ID   string `json:"Id"`
		Type string `json:"Type"`
	}
)

func ouOf(o keyward.Organization, u keyward.OrganizationalUnit) OrganizationalUnit {
	return OrganizationalUnit{ID: u.ID, ARN: o.OUARN(u.ID), Name: u.Name, Path: u.Path}
}

func ouNotFound() error {
	return keyward.Errorf(EOUNotFound, "We can't find an OU with the OrganizationalUnitId that you specified.")
}

func duplicateOU() error {
	return keyward.Errorf(EDuplicateOU, "An OU with the same name already exists.")
}

// CreateOrganizationalUnit makes an OU under the root or another OU. It
// gets FullAWSAccess while SCPs are enabled, as on AWS.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, parentID, name string, tags []keyward.Tag) (OrganizationalUnit, error) {
	o, err := s.organizationWith(ctx, "organizations:CreateOrganizationalUnit", func(o keyward.Organization) string { return targetARN(o, parentID) }, authz.RequestTagKeys(tags))
	if err != nil {
		return OrganizationalUnit{}, err
	}
	if err := checkTags(tags); err != nil {
		return OrganizationalUnit{}, err
	}
	path := o.RootPath()
	if parentID != o.RootID {
		parent, err := s.Store.OU(ctx, o.ID, parentID)
		if errors.Is(err, keyward.ErrNoSuchOU) {
			return OrganizationalUnit{}, parentNotFound()
		} else if err != nil {
			return OrganizationalUnit{}, err
		}
		path = parent.Path
	}
	// As on AWS, OUs nest five deep under the root at most: with the root
	// and the account, that is every level of SCPs a decision takes.
	if strings.Count(path, "/")-2 >= keyward.MaxOUDepth {
		return OrganizationalUnit{}, constraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is too many levels deep.")
	}
	id, err := newOUID(s.Rand, o.RootID)
	if err != nil {
		return OrganizationalUnit{}, err
	}
	u := keyward.OrganizationalUnit{ID: id, ParentID: parentID, Name: name, Path: path + id + "/", CreatedAt: s.now(), Tags: tags}
	err = s.changing(ctx).CreateOU(ctx, o.ID, u)
	switch {
	case errors.Is(err, keyward.ErrNoSuchParent):
		return OrganizationalUnit{}, parentNotFound()
	case errors.Is(err, keyward.ErrOUExists):
		return OrganizationalUnit{}, duplicateOU()
	case err != nil:
		return OrganizationalUnit{}, err
	}
	return ouOf(o, u), nil
}

// DescribeOrganizationalUnit describes an OU.
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, id string) (OrganizationalUnit, error) {
	o, err := s.organization(ctx, "organizations:DescribeOrganizationalUnit", func(o keyward.Organization) string { return o.OUARN(id) })
	if err != nil {
		return OrganizationalUnit{}, err
	}
	u, err := s.Store.OU(ctx, o.ID, id)
	if errors.Is(err, keyward.ErrNoSuchOU) {
		return OrganizationalUnit{}, ouNotFound()
	} else if err != nil {
		return OrganizationalUnit{}, err
	}
	return ouOf(o, u), nil
}

// UpdateOrganizationalUnit renames an OU; without a name it changes
// nothing and describes it.
func (s *Service) UpdateOrganizationalUnit(ctx context.Context, id, name string) (OrganizationalUnit, error) {
	o, err := s.organization(ctx, "organizations:UpdateOrganizationalUnit", func(o keyward.Organization) string { return o.OUARN(id) })
	if err != nil {
		return OrganizationalUnit{}, err
	}
	var u keyward.OrganizationalUnit
	if name == "" {
		u, err = s.Store.OU(ctx, o.ID, id)
	} else {
		u, err = s.changing(ctx).RenameOU(ctx, o.ID, id, name)
	}
	switch {
	case errors.Is(err, keyward.ErrNoSuchOU):
		return OrganizationalUnit{}, ouNotFound()
	case errors.Is(err, keyward.ErrOUExists):
		return OrganizationalUnit{}, duplicateOU()
	case err != nil:
		return OrganizationalUnit{}, err
	}
	return ouOf(o, u), nil
}

// DeleteOrganizationalUnit deletes an OU with nothing under it.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, id string) error {
	o, err := s.organization(ctx, "organizations:DeleteOrganizationalUnit", func(o keyward.Organization) string { return o.OUARN(id) })
	if err != nil {
		return err
	}
	err = s.changing(ctx).DeleteOU(ctx, o.ID, id)
	switch {
	case errors.Is(err, keyward.ErrNoSuchOU):
		return ouNotFound()
	case errors.Is(err, keyward.ErrOUNotEmpty):
		return keyward.Errorf(EOUNotEmpty, "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.")
	}
	return err
}

// ListOrganizationalUnitsForParent lists the OUs directly under the root
// or an OU.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, parentID string, page Page) ([]OrganizationalUnit, string, error) {
	o, err := s.organization(ctx, "organizations:ListOrganizationalUnitsForParent", func(o keyward.Organization) string { return targetARN(o, parentID) })
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	us, more, err := s.Store.OUs(ctx, o.ID, parentID, after, page.max())
	if errors.Is(err, keyward.ErrNoSuchParent) {
		return nil, "", parentNotFound()
	} else if err != nil {
		return nil, "", err
	}
	out := make([]OrganizationalUnit, 0, len(us))
	last := ""
	for _, u := range us {
		out, last = append(out, ouOf(o, u)), u.ID
	}
	return out, nextToken(more, last), nil
}

// ListChildren lists the accounts or the OUs directly under the root or
// an OU.
func (s *Service) ListChildren(ctx context.Context, parentID, childType string, page Page) ([]Child, string, error) {
	o, err := s.organization(ctx, "organizations:ListChildren", func(o keyward.Organization) string { return targetARN(o, parentID) })
	if err != nil {
		return nil, "", err
	}
	after, err := page.after()
	if err != nil {
		return nil, "", err
	}
	out := []Child{}
	var more bool
	last := ""
	if childType == keyward.TargetAccount {
		var as []keyward.OrgAccount
		as, more, err = s.Store.OrgAccounts(ctx, o.ID, parentID, after, page.max())
		for _, a := range as {
			// A closed account past its retention is gone, as in
			// ListAccounts.
			if acct, aerr := s.Store.AccountByID(ctx, a.ID); aerr == nil && acct.Gone(s.now()) {
				last = a.ID
				continue
			}
			out, last = append(out, Child{ID: a.ID, Type: keyward.TargetAccount}), a.ID
		}
	} else {
		var us []keyward.OrganizationalUnit
		us, more, err = s.Store.OUs(ctx, o.ID, parentID, after, page.max())
		for _, u := range us {
			out, last = append(out, Child{ID: u.ID, Type: keyward.TargetOU}), u.ID
		}
	}
	if errors.Is(err, keyward.ErrNoSuchParent) {
		return nil, "", parentNotFound()
	} else if err != nil {
		return nil, "", err
	}
	return out, nextToken(more, last), nil
}

// ListParents lists the parent of an account or an OU: its one.
func (s *Service) ListParents(ctx context.Context, childID string, page Page) ([]Parent, string, error) {
	o, err := s.organization(ctx, "organizations:ListParents", func(o keyward.Organization) string { return targetARN(o, childID) })
	if err != nil {
		return nil, "", err
	}
	if _, err := page.after(); err != nil {
		return nil, "", err
	}
	var parentID string
	if keyward.TargetType(childID) == keyward.TargetAccount {
		var a keyward.OrgAccount
		a, err = s.Store.OrgAccount(ctx, o.ID, childID)
		parentID = a.ParentID
	} else {
		var u keyward.OrganizationalUnit
		u, err = s.Store.OU(ctx, o.ID, childID)
		parentID = u.ParentID
	}
	if errors.Is(err, keyward.ErrNoSuchOrgAccount) || errors.Is(err, keyward.ErrNoSuchOU) {
		return nil, "", keyward.Errorf(EChildNotFound, "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
	} else if err != nil {
		return nil, "", err
	}
	if page.Token != "" {
		return []Parent{}, "", nil
	}
	t := keyward.TargetOU
	if parentID == o.RootID {
		t = keyward.TargetRoot
	}
	return []Parent{{ID: parentID, Type: t}}, "", nil
}
