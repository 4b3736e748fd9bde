package awsjson

import (
	"testing"

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
