package sqlstore

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestConsoleUserOrdersReadByUser: each sort of the console's users list
// is a correlated subquery asked of every user of the account, so each
// must read the user's own rows by index, never the account's: SQLite,
// without statistics, answered the key-age sort from the account's
// active keys, every one of them for each user, and a list of 100,000
// users outlasted a request. Checked on SQLite's plans (PostgreSQL's
// statements are checked by postgres/plans_test.go).
func TestConsoleUserOrdersReadByUser(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "plans.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	steps, err := Migrations(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if _, err := db.Exec(s.SQL); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	for name, order := range userOrders {
		rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT id FROM users WHERE account_id = ? AND name_fold LIKE ? ESCAPE '\'
			ORDER BY `+order+` ASC, id ASC LIMIT 50`, "123456789012", "%")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			// A step of the subquery: a search of another table must
			// name the user (user_id=?) among its index's equalities.
			if strings.HasPrefix(step, "SCAN ") || strings.HasPrefix(step, "SEARCH ") && !strings.HasPrefix(step, "SEARCH users ") &&
				step != "SEARCH a" && !strings.Contains(step, "user_id=?") {
				t.Errorf("sorting by %s: %s\n%s", name, step, strings.Join(plan, "\n"))
			}
		}
	}
}
