package kwtest_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
)

// TestSecretInEventsFinds: the search finds a secret key, a session token
// and a password not hidden, and passes hidden ones and thumbprints.
func TestSecretInEventsFinds(t *testing.T) {
	for name, tc := range map[string]struct {
		event string
		bad   bool
	}{
		"secret key":      {`{"responseElements":{"secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}`, true},
		"session token":   {`{"requestParameters":{"x":"KWS1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIj"}}`, true},
		"password":        {`{"requestParameters":{"password":"hunter2"}}`, true},
		"not JSON":        {`{"requestParameters":`, true},
		"hidden password": {`{"requestParameters":{"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`, false},
		"thumbprint":      {`{"requestParameters":{"thumbprintList.member.1":"990f4193972f2becf12ddeda5237f9c952f20d9e"}}`, false},
		"access key ID":   {`{"userIdentity":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"}}`, false},
		"certificate":     {`{"requestParameters":{"certificateBody":"MIIBszCCAVmgAwIBAgIUQ2Vyd2FyZFRlc3RDZXJ0MDAwMAo"}}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			n, err := kwtest.SecretInEvents(tc.event + "\n")
			if (err != nil) != tc.bad || n != 1 {
				t.Fatalf("%d events, %v; want a finding: %v", n, err, tc.bad)
			}
		})
	}
}

// TestEveryTestsTrailSearched: a Keyward streams its API's events, which
// the search reads when the test ends.
func TestEveryTestsTrailSearched(t *testing.T) {
	k := kwtest.New(t)
	if _, err := k.RootIAM().CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if n, err := kwtest.SecretInEvents(k.AuditStream.String()); n == 0 || err != nil {
		t.Fatalf("%d events streamed, %v", n, err)
	}
}
