package postgres_test

import (
	"context"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/authz"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/organizations"
	"github.com/keyward/keyward/postgres"
	"github.com/keyward/keyward/report"
)

// The feature packages declare their own ports, with methods keyward.Store
// lacks: the store implements each of them. Package sqlstore, which holds
// the methods, imports no feature package, so that the check is here.
var (
	_ organizations.Store = (*postgres.Store)(nil)
	_ iam.Store           = (*postgres.Store)(nil)
	_ report.Store        = (*postgres.Store)(nil)
	_ authz.Store         = (*postgres.Store)(nil)
)

// TestPortsOfViews: the store's views (InAccount, Recording) are
// keyward.Stores to the compiler, and the feature packages assert them to
// their own ports (authz.View, organizations.Service's changing): every
// view must be every port the store is.
func TestPortsOfViews(t *testing.T) {
	st, err := postgres.Open(context.Background(), migrated(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkPortsOfViews(t, st)
}

// checkPortsOfViews asserts st's views to every feature package's port.
func checkPortsOfViews(t *testing.T, st keyward.Store) {
	t.Helper()
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
		if _, ok := v.(iam.Store); !ok {
			t.Errorf("%s: %T is no iam.Store", name, v)
		}
		if _, ok := v.(report.Store); !ok {
			t.Errorf("%s: %T is no report.Store", name, v)
		}
		if _, ok := v.(authz.Store); !ok {
			t.Errorf("%s: %T is no authz.Store", name, v)
		}
	}
}
