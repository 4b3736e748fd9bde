package keyward

// The condition keys of IAM's own actions. AWS's Service Authorization
// Reference ("Actions, resources, and condition keys for AWS Identity and
// Access Management (IAM)",
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)
// lists, for each action, the keys its requests carry; Keyward sets every
// one that applies to what it serves, from the request and from the
// resource as stored, never from anything the caller says about itself.
// README.md ("Condition keys of IAM actions") has the table;
// testdata/iam-condition-keys.json is it, as TestConditionKeysTable checks.
//
//   - iam:PolicyARN: the managed policy Attach/Detach{User,Group,Role}Policy
//     names.
//   - iam:PermissionsBoundary: the boundary a request sets (CreateUser,
//     CreateRole, Put{User,Role}PermissionsBoundary), or the one the user or
//     role has (Attach/Detach/Put/Delete{User,Role}Policy,
//     Delete{User,Role}PermissionsBoundary, and of a role DeleteRole,
//     GetRole, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy);
//     absent when it has none.
//   - aws:RequestTag/<key> and aws:TagKeys: the tags a request sets
//     (Create*, Tag*, and iam:TagUser when CreateAccessKey's description
//     tags the user); Untag* has aws:TagKeys only.
//   - aws:ResourceTag/<key>: the tags of the user, role, managed policy,
//     instance profile, MFA device, OIDC provider or server certificate
//     acted on; iam:ResourceTag/<key> too for a user or a role.
//   - iam:AWSServiceName: the service a service-linked role is for.
//   - iam:PassedToService: the service a role is passed to (iam:PassRole
//     of AddRoleToInstanceProfile: ec2.amazonaws.com).
//   - iam:ServiceSpecificCredentialServiceName: the service of a
//     service-specific credential created, reset, updated or deleted.
//
// Keys of what Keyward does not serve are not set: iam:AssociatedResourceArn
// (no operation passes a role for one resource), iam:OrganizationsPolicyId
// (no Organizations access reports), iam:RoleTemplateARN (no role
// templates), iam:ServiceSpecificCredentialAgeDays (credentials do not
// expire), the FIDO keys of EnableMFADevice (virtual devices only), and
// those of delegation requests and account properties.
