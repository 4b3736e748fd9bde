package query

import (
	"context"
	"strconv"

	"github.com/keyward/keyward"
)

func init() { serveIAM(accountActions) }

// The account-wide views: summary, aliases, the entities a policy is
// attached to, and the authorisation details of everything.
var accountActions = map[string]action{
	"GetAccountSummary": row(func(ctx context.Context, s *Services, _ *input) ([]keyward.SummaryEntry, error) {
		return s.IAM.AccountSummary(ctx)
	},
		func(w *xmlWriter, _ keyward.Account, entries []keyward.SummaryEntry) {
			w.open("SummaryMap")
			for _, e := range entries {
				w.open("entry")
				w.elem("key", e.Key)
				w.elem("value", strconv.Itoa(e.Value))
				w.close("entry")
			}
			w.close("SummaryMap")
		}),
	"CreateAccountAlias": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.CreateAccountAlias(ctx, in.str("AccountAlias"))
	}),
	"DeleteAccountAlias": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteAccountAlias(ctx, in.str("AccountAlias"))
	}),
	"ListAccountAliases": row(func(ctx context.Context, s *Services, _ *input) ([]string, error) {
		return s.IAM.AccountAliases(ctx)
	},
		func(w *xmlWriter, _ keyward.Account, aliases []string) {
			list(w, "AccountAliases", aliases, "", func(a string) { w.text(a) })
		}),
	"ListEntitiesForPolicy": row(func(ctx context.Context, s *Services, in *input) (page[keyward.PolicyEntity], error) {
		es, next, err := s.IAM.ListEntitiesForPolicy(ctx, in.str("PolicyArn"), in.str("EntityFilter"), in.str("PathPrefix"),
			in.str("PolicyUsageFilter"), in.str("Marker"), in.maxItems())
		return page[keyward.PolicyEntity]{es, next}, err
	},
		func(w *xmlWriter, _ keyward.Account, p page[keyward.PolicyEntity]) {
			var groups, users, roles []keyward.PolicyEntity
			for _, e := range p.items {
				switch e.Kind {
				case keyward.EntityGroup:
					groups = append(groups, e)
				case keyward.EntityRole:
					roles = append(roles, e)
				default:
					users = append(users, e)
				}
			}
			for _, l := range []struct {
				list, kind string
				es         []keyward.PolicyEntity
			}{{"PolicyGroups", "Group", groups}, {"PolicyUsers", "User", users}, {"PolicyRoles", "Role", roles}} {
				members(w, l.list, l.es, func(e keyward.PolicyEntity) {
					w.elem(l.kind+"Name", e.Name)
					w.elem(l.kind+"Id", e.ID)
				})
			}
			w.marker(p.next)
		}),
	"GetAccountAuthorizationDetails": row(func(ctx context.Context, s *Services, in *input) (keyward.AuthorizationDetails, error) {
		return s.IAM.AccountAuthorizationDetails(ctx, in.list("Filter"), in.str("Marker"), in.maxItems())
	}, (*xmlWriter).authorizationDetails),
}

func (w *xmlWriter) authorizationDetails(a keyward.Account, d keyward.AuthorizationDetails) {
	inline := func(tag string, ps []keyward.NamedPolicy) {
		members(w, tag, ps, func(p keyward.NamedPolicy) {
			w.elem("PolicyName", p.Name)
			w.elem("PolicyDocument", encodeDocument(p.Document))
		})
	}
	attached := func(ps []keyward.ManagedPolicy) {
		members(w, "AttachedManagedPolicies", ps, func(p keyward.ManagedPolicy) {
			w.elem("PolicyName", p.Name)
			w.elem("PolicyArn", p.ARN)
		})
	}
	members(w, "UserDetailList", d.Users, func(e keyward.EntityDetail) {
		u := e.User
		w.entity("User", u.Path, u.Name, u.ID, a.UserARN(u.Path, u.Name), u.CreatedAt)
		inline("UserPolicyList", e.Inline)
		members(w, "GroupList", e.Groups, func(g string) { w.text(g) })
		attached(e.Attached)
		w.boundaryAndTags(u.PermissionsBoundary, u.Tags)
	})
	members(w, "GroupDetailList", d.Groups, func(e keyward.EntityDetail) {
		g := e.Group
		w.entity("Group", g.Path, g.Name, g.ID, a.GroupARN(g.Path, g.Name), g.CreatedAt)
		inline("GroupPolicyList", e.Inline)
		attached(e.Attached)
	})
	members(w, "RoleDetailList", d.Roles, func(rd keyward.EntityDetail) {
		r := rd.Role
		w.entity("Role", r.Path, r.Name, r.ID, a.RoleARN(r.Path, r.Name), r.CreatedAt)
		w.elem("AssumeRolePolicyDocument", encodeDocument(r.TrustPolicy))
		members(w, "InstanceProfileList", rd.InstanceProfiles, func(ip keyward.InstanceProfile) { w.instanceProfile(a, ip) })
		inline("RolePolicyList", rd.Inline)
		attached(rd.Attached)
		w.boundaryAndTags(r.PermissionsBoundary, r.Tags)
		w.roleLastUsed(r)
	})
	members(w, "Policies", d.Policies, func(p keyward.PolicyDetail) {
		w.policy(p.ManagedPolicy)
		members(w, "PolicyVersionList", p.Versions, func(v keyward.PolicyVersion) { w.version(v, true) })
	})
	w.marker(d.Next)
}
