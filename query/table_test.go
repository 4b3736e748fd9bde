package query

import (
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/lifecycle"
	"github.com/keyward/keyward/sts"
)

// TestActionTable: every row is well formed: no more parameters than the
// runner keeps, no parameter twice.
func TestActionTable(t *testing.T) {
	for _, a := range []*api{iamAPI(), &stsAPI} {
		for name, act := range a.actions {
			if len(act.op.Params) > maxParams {
				t.Errorf("%s has %d parameters; the runner keeps %d", name, len(act.op.Params), maxParams)
			}
			seen := map[string]bool{}
			for _, p := range act.op.Params {
				if seen[p.Member] {
					t.Errorf("%s lists %s twice", name, p.Member)
				}
				seen[p.Member] = true
			}
			if act.result != name+"Result" || act.response != name+"Response" {
				t.Errorf("%s: element names %s, %s", name, act.result, act.response)
			}
			keywards := a == iamAPI() && act.op.Service == keyward.ServiceKeyward
			if act.op.Name != name || (act.op.Service != a.service && !keywards) {
				t.Errorf("%s performs %s of %s", name, act.op.Name, act.op.Service)
			}
		}
	}
}

// TestEveryOperationServed: an operation described and not served would
// be a console form the API cannot perform, or a descriptor left behind.
func TestEveryOperationServed(t *testing.T) {
	for _, c := range []struct {
		api *api
		ops map[string]*keyward.Operation
	}{{iamAPI(), iam.Operations()}, {iamAPI(), lifecycle.Operations}, {&stsAPI, sts.Operations}} {
		for name := range c.ops {
			if c.api.actions[name] == nil {
				t.Errorf("%s:%s is described but not served", c.api.service, name)
			}
		}
	}
}
