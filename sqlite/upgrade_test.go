package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/keyward/keyward/internal/sqlstore"
	"github.com/keyward/keyward/sqlite"
	"github.com/keyward/keyward/storetest"
)

// TestUpgradeToAccounts: a store the release before accounts wrote (its
// migrations applied, rows of every kind in them) is upgraded by opening
// it: every row belongs to the first account, nothing is lost, and names
// are unique per account.
func TestUpgradeToAccounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyward.db")
	steps, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	// The previous release's own connection: foreign keys on, as it ran.
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, step := range steps[:storetest.AccountsSchemaStep-1] {
		if _, err := db.Exec(step.SQL); err != nil {
			t.Fatalf("%s: %v", step.Name, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", storetest.AccountsSchemaStep-1)); err != nil {
		t.Fatal(err)
	}
	storetest.SeedBeforeAccounts(t, db, false)

	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := version(t, path); v != sqlstore.SchemaVersion() {
		t.Fatalf("upgraded to version %d", v)
	}
	storetest.CheckUpgraded(t, s, db)
	// The rebuilt tables kept their foreign keys: a member of a group that
	// does not exist is refused.
	if _, err := db.Exec(`INSERT INTO group_members (group_id, user_id) VALUES ('AGPANONE', 'AIDAALICE')`); err == nil {
		t.Error("a membership of a missing group was stored")
	}
}
