package awsjson

import (
	"errors"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

// TestEveryOperationCalled: every operation described is served, and
// nothing is served without a description (whose parameters are what the
// request is checked against).
func TestEveryOperationCalled(t *testing.T) {
	for name := range organizations.Operations {
		if calls[name] == nil {
			t.Errorf("%s has a descriptor but no call", name)
		}
	}
	for name := range calls {
		if organizations.Operations[name] == nil {
			t.Errorf("%s has a call but no descriptor", name)
		}
	}
}

// TestUnknownErrorsHidden: an error that is not one of AWS's is
// ServiceException (500) with a generic message, whatever it says; one
// whose code the protocol does not serve too.
func TestUnknownErrorsHidden(t *testing.T) {
	for _, err := range []error{errors.New("pq: relation organizations at 10.0.0.7 is locked"),
		keyward.Errorf(keyward.ENoSuchEntity, "an IAM code this protocol has no name for")} {
		code, message, reason, status := describe(err)
		if code != "ServiceException" || status != 500 || reason != "" || strings.Contains(message, "10.0.0.7") || strings.Contains(message, "IAM") {
			t.Fatalf("%v: %s %d %q", err, code, status, message)
		}
	}
	code, _, _, status := describe(keyward.Errorf(keyward.EAccessDenied, "User: x is not authorized"))
	if code != "AccessDeniedException" || status != 400 {
		t.Fatalf("AccessDenied: %s %d", code, status)
	}
}
