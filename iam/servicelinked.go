package iam

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
)

// The descriptors of service-linked roles.
func init() {
	describe(map[string]keyward.Operation{
		"CreateServiceLinkedRole": keyward.Changes(keyward.ReqParam("AWSServiceName", awsServiceNameShape), keyward.OptParam("Description", roleDescriptionShape),
			keyward.OptParam("CustomSuffix", customSuffixShape)),
		"DeleteServiceLinkedRole":            keyward.Changes(roleNameParam),
		"GetServiceLinkedRoleDeletionStatus": keyward.Reads(keyward.ReqParam("DeletionTaskId", deletionTaskIDShape)),
	})
}

// serviceRoleNames are the names AWS gives some services' linked roles,
// after "AWSServiceRoleFor"; others take their principal's first label
// with its first letter in upper case.
var serviceRoleNames = map[string]string{
	"autoscaling": "AutoScaling", "elasticloadbalancing": "ElasticLoadBalancing", "ecs": "ECS", "rds": "RDS",
	"elasticbeanstalk": "ElasticBeanstalk", "organizations": "Organizations", "support": "Support",
	"trustedadvisor": "TrustedAdvisor", "config": "Config", "ec2spot": "EC2Spot", "eks": "AmazonEKS",
}

func unmodifiable(name string) *keyward.Error {
	return keyward.Errorf(keyward.EUnmodifiableEntity, "Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", keyward.Clip(name))
}

// CreateServiceLinkedRole creates the role a service (its principal, such
// as autoscaling.amazonaws.com) uses, named after it and suffix.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, service, description, suffix string) (keyward.Role, error) {
	label, ok := strings.CutSuffix(service, ".amazonaws.com")
	if !ok || label == "" || strings.Contains(label, ".") {
		return keyward.Role{}, keyward.Errorf(keyward.EInvalidInput, "Invalid service principal %s.", keyward.Clip(service))
	}
	name := serviceRoleNames[label]
	if name == "" {
		name = strings.ToUpper(label[:1]) + label[1:]
	}
	name = "AWSServiceRoleFor" + name
	if suffix != "" {
		name += "_" + suffix
	}
	if len(name) > 64 {
		return keyward.Role{}, keyward.Errorf(keyward.EInvalidInput, "The role name %s is longer than 64 characters.", keyward.Clip(name))
	}
	r := keyward.Role{Name: name, Path: serviceRolePath + service + "/", Description: description, MaxSessionDuration: keyward.DefaultRoleSessionDuration,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`}
	if err := s.Authz.AuthorizeWith(ctx, "iam:CreateServiceLinkedRole", s.Account(ctx).RoleARN(r.Path, r.Name), authz.Keys{"iam:awsservicename": {service}}); err != nil {
		return keyward.Role{}, err
	}
	return s.storeNewRole(ctx, r, keyward.Errorf(keyward.EInvalidInput, "Service role name %s has been taken in this account, please try a different suffix.", name))
}

// DeleteServiceLinkedRole deletes a service-linked role and returns the ID
// of its deletion task, which GetServiceLinkedRoleDeletionStatus reports
// on: the deletion is done at once, and the ID carries a MAC, so that any
// replica knows its own tasks without storing them.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, name string) (string, error) {
	if err := s.Authz.AuthorizeRole(ctx, "iam:DeleteServiceLinkedRole", name); err != nil {
		return "", err
	}
	r, err := s.store(ctx).Role(ctx, name)
	if errors.Is(err, keyward.ErrNoSuchRole) {
		return "", keyward.RoleNotFound(name)
	} else if err != nil {
		return "", err
	}
	if !isServiceLinked(r) {
		return "", keyward.Errorf(keyward.EInvalidInput, "Role %s is not a service-linked role.", keyward.Clip(name))
	}
	switch err := s.changing(ctx).DeleteRole(ctx, name); {
	case errors.Is(err, keyward.ErrNoSuchRole):
		return "", keyward.RoleNotFound(name)
	case errors.Is(err, keyward.ErrEntityInUse), errors.Is(err, keyward.ErrRoleInInstanceProfile):
		return "", keyward.Errorf(keyward.EDeleteConflict, "Cannot delete entity, must detach all policies first.")
	case err != nil:
		return "", err
	}
	s.policiesChanged()
	nonce, err := keyward.RandomString(s.Rand, "", 16, keyward.Base32Alphabet)
	if err != nil {
		return "", err
	}
	task := "task" + r.Path + r.Name + "/" + strings.ToLower(nonce)
	return task + "-" + hex.EncodeToString(s.Sealer.MAC(task)[:8]), nil
}

// ServiceLinkedRoleDeletionStatus reports on a deletion task: SUCCEEDED
// for every task DeleteServiceLinkedRole made, as its deletions are done
// at once.
func (s *Service) ServiceLinkedRoleDeletionStatus(ctx context.Context, taskID string) (string, error) {
	invalid := keyward.Errorf(keyward.EInvalidInput, "Invalid deletion task ID %s.", keyward.Clip(taskID))
	i := strings.LastIndexByte(taskID, '-')
	if i < 0 || !strings.HasPrefix(taskID, "task"+serviceRolePath) {
		return "", invalid
	}
	// task/aws-service-role/<service>/<name>/<nonce>-<mac>: the role's ARN
	// is what the caller must be allowed on.
	roleWithNonce := taskID[len("task"):i]
	role := roleWithNonce[:strings.LastIndexByte(roleWithNonce, '/')]
	slash := strings.LastIndexByte(role, '/')
	if slash < len(serviceRolePath) {
		return "", invalid
	}
	if err := s.Authz.AuthorizeARN(ctx, "iam:GetServiceLinkedRoleDeletionStatus", s.Account(ctx).RoleARN(role[:slash+1], role[slash+1:])); err != nil {
		return "", err
	}
	sum, err := hex.DecodeString(taskID[i+1:])
	if err != nil || len(sum) != 8 || !hmac.Equal(s.Sealer.MAC(taskID[:i])[:8], sum) {
		return "", keyward.Errorf(keyward.ENoSuchEntity, "The deletion task %s cannot be found.", keyward.Clip(taskID))
	}
	return "SUCCEEDED", nil
}

// serviceRolePath is the path of every service-linked role, which only
// AWS services (here, CreateServiceLinkedRole) may make roles under.
const serviceRolePath = "/aws-service-role/"

// isServiceLinked reports whether a role is a service-linked role.
func isServiceLinked(r keyward.Role) bool { return strings.HasPrefix(r.Path, serviceRolePath) }
