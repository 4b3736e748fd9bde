package keyward

import "time"

// Account is the single AWS-style account that a Keyward installation serves.
type Account struct {
	// ID is the 12-digit account ID used in every ARN.
	ID        string
	CreatedAt time.Time
	// KeyCheck is a value sealed under the master key when the account was
	// made (or when a store made before it first started): a server whose
	// master key cannot open it refuses to start, whatever else the store
	// holds. Nil only in a store not yet checked.
	KeyCheck []byte
}

// RootARN returns the ARN of the account's root user.
func (a Account) RootARN() string { return a.iamARN("root", "", "") }

// iamARN returns the ARN of one of the account's IAM resources, named by
// its type and, where it has them, its path and name, in one
// concatenation.
func (a Account) iamARN(kind, path, name string) string {
	return "arn:aws:iam::" + a.ID + ":" + kind + path + name
}

// OIDCProviderARN returns the ARN of an OpenID Connect provider, named by
// its issuer's host and path.
func (a Account) OIDCProviderARN(url string) string { return a.iamARN("oidc-provider/", "", url) }

// SAMLProviderARN returns the ARN of a SAML provider.
func (a Account) SAMLProviderARN(name string) string { return a.iamARN("saml-provider/", "", name) }

// UserARN returns the ARN of the user with the given path and name, as AWS
// forms it: arn:aws:iam::<account>:user<path><name>.
func (a Account) UserARN(path, name string) string {
	return a.iamARN("user", path, name)
}

// GroupARN returns the ARN of a group.
func (a Account) GroupARN(path, name string) string {
	return a.iamARN("group", path, name)
}

// PolicyARN returns the ARN of one of the account's managed policies.
func (a Account) PolicyARN(path, name string) string {
	return a.iamARN("policy", path, name)
}

// InstanceProfileARN returns an instance profile's ARN.
func (a Account) InstanceProfileARN(path, name string) string {
	return a.iamARN("instance-profile", path, name)
}

// MFADeviceARN returns the serial number of a virtual MFA device.
func (a Account) MFADeviceARN(path, name string) string {
	return a.iamARN("mfa", path, name)
}

// RoleARN returns a role's ARN.
func (a Account) RoleARN(path, name string) string {
	return a.iamARN("role", path, name)
}

// ServerCertificateARN returns a server certificate's ARN.
func (a Account) ServerCertificateARN(path, name string) string {
	return a.iamARN("server-certificate", path, name)
}

// WebhookSubscriptionARN returns the ARN of a webhook subscription, a
// Keyward resource: arn:aws:keyward::<account>:webhook-subscription/<id>
// ("*" for every subscription of the account).
func (a Account) WebhookSubscriptionARN(id string) string {
	return "arn:aws:keyward::" + a.ID + ":webhook-subscription/" + id
}
