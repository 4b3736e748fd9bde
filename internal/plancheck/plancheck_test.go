package plancheck

import (
	"testing"

	"github.com/keyward/keyward/internal/sqlstore"
)

// TestRecorder: a recorder keeps each explainable statement once, in the
// order of its first run, with the first test that ran it; it passes over
// what has no plan (transaction control, pragmas) and the migrations'
// scripts; a run with no NULL argument replaces one with, whose condition
// could be false before anything is read.
func TestRecorder(t *testing.T) {
	r := NewRecorder()
	steps, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	r.Record("TestA", "SELECT id FROM users WHERE account_id = ? AND boundary = ?", []any{"1", nil})
	r.Record("TestA", "BEGIN", nil)
	r.Record("TestA", "PRAGMA foreign_keys = ON", nil)
	r.Record("TestA", steps[0].SQL, nil)
	r.Record("TestB", "DELETE FROM users WHERE id = ?", []any{"u"})
	r.Record("TestB", "SELECT id FROM users WHERE account_id = ? AND boundary = ?", []any{"1", "arn"})
	got := r.Statements()
	if len(got) != 2 || got[0].SQL != "SELECT id FROM users WHERE account_id = ? AND boundary = ?" || got[1].SQL != "DELETE FROM users WHERE id = ?" {
		t.Fatalf("recorded %+v", got)
	}
	if got[0].Test != "TestA" || got[0].Args[1] != "arn" {
		t.Fatalf("the first statement: %+v, want TestA's with the arguments of the run without NULL", got[0])
	}
}

// TestRules: the account and the columns SelectiveColumns names pick a few
// rows, an unlisted table's id too, nothing else; statements are named by
// their one-line text.
func TestRules(t *testing.T) {
	for _, c := range []struct {
		table, col string
		want       bool
	}{
		{"users", "account_id", true},
		{"users", "id", true},
		{"users", "name", false},
		{"access_keys", "id", true},
		{"access_keys", "user_id", false},
		{"policy_attachments", "policy_id", false},
		{"policy_attachments", "entity_id", true},
	} {
		if got := Selective(c.table, c.col); got != c.want {
			t.Errorf("Selective(%s, %s) = %v", c.table, c.col, got)
		}
	}
	if line := OneLine("SELECT id\n\t FROM  accounts WHERE id > ?"); line != "SELECT id FROM accounts WHERE id > ?" || !Wide(line) {
		t.Errorf("OneLine %q, Wide %v", line, Wide(line))
	}
	if Wide("SELECT id FROM users WHERE account_id = ?") || !IsUnchecked("UPDATE users SET account_id = ? WHERE account_id = ''") {
		t.Error("an account's statement is wide, or InitAccount's is checked")
	}
}
