package postgres_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/keyward/keyward/internal/sqlstore"
	"github.com/keyward/keyward/postgres/pgtest"
	"github.com/keyward/keyward/storetest"
)

// TestUpgradeToAccounts: a store the release before accounts wrote (its
// migrations applied, rows of every kind in them) is upgraded by opening
// it: every row belongs to the first account, nothing is lost, and names
// are unique per account.
func TestUpgradeToAccounts(t *testing.T) {
	url := pgtest.Schema(t)
	steps, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version integer PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i, step := range steps[:storetest.AccountsSchemaStep-1] {
		if _, err := db.Exec(step.SQL); err != nil {
			t.Fatalf("%s: %v", step.Name, err)
		}
		if _, err := db.Exec(fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d)`, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	storetest.SeedBeforeAccounts(t, db, true)
	s := open(t, url)
	defer s.Close()
	storetest.CheckUpgraded(t, s, db)
}
