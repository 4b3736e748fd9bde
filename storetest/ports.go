package storetest

import (
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/report"
)

// The feature packages declare their own ports, some with methods
// keyward.Store lacks (an organization's); each is a part of
// organizations.Store, which RunTests is given, so a backend that runs
// the suite implements every one. Package sqlstore, which holds the
// methods, imports no feature package, so the check is here.
var (
	_ iam.Store    = organizations.Store(nil)
	_ report.Store = organizations.Store(nil)
	_ authz.Store  = organizations.Store(nil)
)

// testPortsOfViews: the store's views (InAccount, Recording, and each of
// the other's) are keyward.Stores to the compiler, and the feature
// packages assert them to their own ports (authz.View,
// organizations.Service's changing): every view is every port the store
// is.
func testPortsOfViews(t *testing.T, st keyward.Store) {
	const other = "210987654321"
	views := map[string]keyward.Store{
		"InAccount":           st.InAccount(other),
		"Recording":           st.Recording(nil),
		"InAccount.Recording": st.InAccount(other).Recording(nil),
		"Recording.InAccount": st.Recording(nil).InAccount(other),
	}
	for name, v := range views {
		if _, ok := v.(organizations.Store); !ok {
			t.Errorf("%s: %T is no organizations.Store", name, v)
		}
	}
}
