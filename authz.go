package keyward

// Authorize decides whether principal p may perform action (such as
// "iam:CreateAccessKey") on resource (an ARN). It is the one place where
// access is decided, so that IAM policy evaluation can replace it.
//
// Until policies exist, the rule is AWS's default for an account without
// policies: the root user may do everything, an IAM user may call STS and
// nothing else.
func Authorize(p Principal, action, resource string) error {
	if p.Root {
		return nil
	}
	switch action {
	case "sts:GetCallerIdentity", "sts:GetAccessKeyInfo":
		return nil
	}
	return Errorf(EAccessDenied,
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		p.ARN(), action, resource, action)
}
