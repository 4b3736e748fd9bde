package kwtest

// The policy documents and ARNs that the packages' tests send alike.
const (
	// AllowAll allows every action on every resource.
	AllowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	// LocalPolicyARN is a customer managed policy P of AccountID.
	LocalPolicyARN = "arn:aws:iam::123456789012:policy/P"
	// TrustAccount is a trust policy that lets AccountID's principals
	// assume a role.
	TrustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	// Thumbprint is an OIDC provider's certificate thumbprint.
	Thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	// OIDCProviderARN is AccountID's OIDC provider for token.example.com.
	OIDCProviderARN = "arn:aws:iam::123456789012:oidc-provider/token.example.com"
)
