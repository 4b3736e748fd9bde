package sqlstore

import (
	"strings"
	"testing"
)

func TestMigrationsRender(t *testing.T) {
	lite, err := Migrations(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := Migrations(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) || len(lite) < 6 {
		t.Fatalf("%d SQLite and %d PostgreSQL steps", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Fatalf("step %d is %s on SQLite, %s on PostgreSQL", i+1, lite[i].Name, pg[i].Name)
		}
		for _, m := range []Migration{lite[i], pg[i]} {
			if strings.Contains(m.SQL, "{{") || strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s rendered %q", m.Name, m.SQL)
			}
		}
	}
	// What one dialect alone has, and the words that differ.
	for _, c := range []struct {
		dialect, sql, has, hasNot string
	}{
		{SQLite, lite[0].SQL, "CREATE TRIGGER access_keys_quota", "key_changes"},
		{SQLite, lite[0].SQL, "BLOB", "bytea"},
		{SQLite, lite[0].SQL, "name       text NOT NULL", `COLLATE "C"`},
		{Postgres, pg[0].SQL, "CREATE TABLE key_changes", "TRIGGER"},
		{Postgres, pg[0].SQL, "seq               bigserial", "BLOB"},
		{Postgres, pg[1].SQL, `COLLATE "C"`, "{{"},
	} {
		if !strings.Contains(c.sql, c.has) || strings.Contains(c.sql, c.hasNot) {
			t.Errorf("%s: want %q and no %q in\n%s", c.dialect, c.has, c.hasNot, c.sql)
		}
	}
	if _, err := Migrations("mysql"); err == nil {
		t.Error("an unknown dialect was accepted")
	}
}

func TestPlaceholders(t *testing.T) {
	s := New(Config{})
	q := `SELECT a FROM t WHERE b = ? AND c = ?`
	if got := s.q(q); got != q {
		t.Errorf("SQLite: %q", got)
	}
	s.Dollar = true
	if got := s.q(q); got != `SELECT a FROM t WHERE b = $1 AND c = $2` {
		t.Errorf("PostgreSQL: %q", got)
	}
}
