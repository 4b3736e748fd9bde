package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/plancheck"
	"github.com/keyward/keyward/sqlite"
)

// The plan check: every statement the store runs while the conformance
// suite exercises it is explained (EXPLAIN QUERY PLAN), with the arguments
// of one of its runs, on a migrated database, and its plan must read each
// large table by an index whose equalities bind the account or a key
// unique across the installation (an ID, an ARN, the entity owning the
// rows). SQLite plans without statistics (Keyward never runs ANALYZE) as
// if every table held a million rows, so the tiny tables of a test are
// planned as an installation's, and no filler is needed. A SCAN of a
// large table fails, and so does a SEARCH by other columns alone; a
// correlated subquery, run once per row of its outer query, fails when it
// searches by the account alone: the defect that made this check, the
// console's users sorted by key age reading every active key of the
// account for each user. postgres/plans_test.go checks PostgreSQL's plans
// of the same statements.

// The tables' rules, and the statements read across accounts by design
// (installation-wide: no SCAN but of a partial index, which holds the
// rows a sweep is for, each SEARCH by any condition) or not checked, are
// PostgreSQL's check's too (internal/plancheck).

// smallTables hold a row or a few per installation, never per account or
// per entity, and may be read whole.
var smallTables = map[string]string{
	"account": "the installation's one row",
}

// narrowInAccount are the columns of a table that, with the account,
// pick the few rows a correlated subquery asks of each row of its outer
// query: a user's keys, a policy's attachments in the account, the
// principals whose permissions boundary a policy is.
// unnamed returns what is wrong with a step of the plan that reads name,
// which query names no table by, or "": a subquery's, a common table
// expression's or a constant row's results are read whole by design.
func unnamed(names map[string][]string, query, name, detail string) string {
	if len(names[name]) > 0 || strings.HasPrefix(name, "(") || name == "CONSTANT" {
		return ""
	}
	q := regexp.QuoteMeta(name)
	if regexp.MustCompile(`(?i)\)\s*(?:AS\s+)?`+q+`\b`).MatchString(query) || regexp.MustCompile(`(?i)\b`+q+`\s+AS\s*\(`).MatchString(query) {
		return ""
	}
	return fmt.Sprintf("%s reads %s, which the check finds no table of", detail, name)
}

// selective is plancheck.Selective with SQLite's rowid, an INTEGER
// PRIMARY KEY's, unique in its table.
func selective(table, col string) bool { return col == "rowid" || plancheck.Selective(table, col) }

// postgresOnly are the tables plancheck's rules name that SQLite's
// schema lacks.
var postgresOnly = map[string]string{
	"key_changes": "the feed of key changes other replicas' caches read, which one SQLite process needs not",
}

var narrowInAccount = map[string][]string{
	"access_keys":        {"user_id"},
	"policy_attachments": {"policy_id"},
	"users":              {"permissions_boundary"},
	"roles":              {"permissions_boundary"},
}

// knownSlow are statements the check finds fault with that are not fixed
// yet, each with what is wrong: the check holds every other statement,
// and one of these that is fixed should leave the list.
var knownSlow = []struct{ sql, why string }{}

// planRecorder records the statements of stores through a database/sql
// driver wrapping SQLite's, registered once per test.
type planRecorder struct {
	*plancheck.Recorder
	inner driver.Driver

	mu      sync.Mutex
	drivers int
}

func newPlanRecorder(t *testing.T) *planRecorder {
	rec := plancheck.NewRecorder()
	db, err := sql.Open("sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return &planRecorder{Recorder: rec, inner: db.Driver()}
}

// driver registers a driver recording the statements of test's stores
// and returns its name.
func (r *planRecorder) driver(test string) string {
	r.mu.Lock()
	r.drivers++
	name := fmt.Sprintf("sqlite-plans-%d", r.drivers)
	r.mu.Unlock()
	sql.Register(name, recordingDriver{r, test})
	return name
}

func (r *planRecorder) record(test, query string, args []driver.NamedValue) {
	kept := make([]any, len(args))
	for i, a := range args {
		v := a.Value
		if b, ok := v.([]byte); ok {
			v = slices.Clone(b)
		}
		kept[i] = v
		if a.Name != "" {
			kept[i] = sql.Named(a.Name, v)
		}
	}
	r.Record(test, query, kept)
}

type recordingDriver struct {
	r    *planRecorder
	test string
}

func (d recordingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.r.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &recordingConn{c, d}, nil
}

// recordingConn is SQLite's connection, recording each statement as it
// is run; it implements what SQLite's does that database/sql uses.
type recordingConn struct {
	driver.Conn
	d recordingDriver
}

func (c *recordingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &recordingStmt{s, query, c.d}, nil
}

func (c *recordingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *recordingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *recordingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.d.r.record(c.d.test, query, args)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *recordingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.d.r.record(c.d.test, query, args)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *recordingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *recordingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *recordingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

type recordingStmt struct {
	driver.Stmt
	query string
	d     recordingDriver
}

func (s *recordingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.d.r.record(s.d.test, s.query, args)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *recordingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.d.r.record(s.d.test, s.query, args)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// planStep is a row of EXPLAIN QUERY PLAN.
type planStep struct {
	id, parent int
	detail     string
}

// schema is what the check knows of the migrated database: its tables
// and each index's table and whether it is partial.
type schema struct {
	tables  map[string]bool
	indexes map[string]index
}

type index struct {
	table string
	// partial: the index has a WHERE clause, and holds the rows a sweep
	// is for, not the table.
	partial bool
}

func readSchema(t *testing.T, db *sql.DB) schema {
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', 'index')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	s := schema{tables: map[string]bool{}, indexes: map[string]index{}}
	for rows.Next() {
		var typ, name, table, text string
		if err := rows.Scan(&typ, &name, &table, &text); err != nil {
			t.Fatal(err)
		}
		if typ == "table" {
			s.tables[name] = true
		} else {
			s.indexes[name] = index{table: table, partial: regexp.MustCompile(`(?i)\)\s*WHERE\s`).MatchString(text)}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// tableRef matches a table named in a statement with its alias, if any.
var tableRef = regexp.MustCompile(`(?i)(?:\b(?:FROM|JOIN|UPDATE|INTO)\s+|,\s*|\(\s*)(\w+)(?:\s+(?:AS\s+)?(\w+))?`)

// aliases maps the names a statement's plan may give its tables (their
// aliases, or their names) to the tables.
func (s schema) aliases(query string) map[string][]string {
	out := map[string][]string{}
	for _, m := range tableRef.FindAllStringSubmatch(query, -1) {
		if !s.tables[m[1]] {
			continue
		}
		out[m[1]] = append(out[m[1]], m[1])
		if m[2] != "" && !s.tables[m[2]] {
			out[m[2]] = append(out[m[2]], m[1])
		}
	}
	return out
}

var (
	scanStep   = regexp.MustCompile(`^SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?`)
	searchStep = regexp.MustCompile(`^SEARCH (\S+) USING (AUTOMATIC (?:PARTIAL )?(?:COVERING )?INDEX|(?:COVERING )?INDEX (\S+)|INTEGER PRIMARY KEY|PRIMARY KEY) \((.*)\)`)
	equality   = regexp.MustCompile(`^(\w+)=\?$`)
)

// stepProblem returns what is wrong with one step of a plan, or "".
// correlated: the step is of a correlated subquery, run for each row of
// its outer query; wide: the statement reads across accounts by design;
// bounded: but reads no partial index whole (plancheck.NoSweep).
func stepProblem(s schema, query string, names map[string][]string, detail string, correlated, wide, bounded bool) string {
	if m := scanStep.FindStringSubmatch(detail); m != nil {
		if ix, ok := s.indexes[m[2]]; ok && wide && !bounded && ix.partial {
			return ""
		}
		if p := unnamed(names, query, m[1], detail); p != "" {
			return p
		}
		for _, table := range names[m[1]] {
			if _, small := smallTables[table]; !small {
				return fmt.Sprintf("%s reads %s whole", detail, table)
			}
		}
		return ""
	}
	m := searchStep.FindStringSubmatch(detail)
	if m == nil {
		return ""
	}
	if strings.HasPrefix(m[2], "AUTOMATIC") {
		return fmt.Sprintf("%s builds an index of the table for the statement, reading it whole", detail)
	}
	tables := names[m[1]]
	if ix, ok := s.indexes[m[3]]; ok {
		tables = []string{ix.table}
	} else if p := unnamed(names, query, m[1], detail); p != "" {
		return p
	}
	if wide {
		return ""
	}
	for _, table := range tables {
		if _, small := smallTables[table]; small {
			continue
		}
		var eqs []string
		for _, c := range strings.Split(m[4], " AND ") {
			if e := equality.FindStringSubmatch(c); e != nil {
				eqs = append(eqs, e[1])
			}
		}
		ok := false
		for _, c := range eqs {
			ok = ok || selective(table, c)
		}
		if !ok {
			return fmt.Sprintf("%s reads %s without equality on the account or a unique key", detail, table)
		}
		// Run for each row of the outer query (each user of the
		// account), a search by the account and columns that do not
		// narrow it (a key's status) reads the account's rows that many
		// times.
		narrow := false
		for _, c := range eqs {
			narrow = narrow || c != "account_id" && (selective(table, c) || slices.Contains(narrowInAccount[table], c))
		}
		if correlated && !narrow {
			return fmt.Sprintf("%s: a correlated subquery reads %s by the account alone, once for each row of its outer query", detail, table)
		}
	}
	return ""
}

// planProblems returns what is wrong with a plan's steps.
func planProblems(s schema, query string, plan []planStep, wide, bounded bool) []string {
	names := s.aliases(query)
	parents := map[int]int{}
	details := map[int]string{}
	for _, p := range plan {
		parents[p.id], details[p.id] = p.parent, p.detail
	}
	var out []string
	for _, p := range plan {
		correlated := false
		for id := p.parent; id != 0; id = parents[id] {
			correlated = correlated || strings.HasPrefix(details[id], "CORRELATED ")
		}
		if pr := stepProblem(s, query, names, p.detail, correlated, wide, bounded); pr != "" {
			out = append(out, pr)
		}
	}
	return out
}

func explain(db *sql.DB, st *plancheck.Recorded) ([]planStep, error) {
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+st.SQL, st.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []planStep
	for rows.Next() {
		var p planStep
		var unused int
		if err := rows.Scan(&p.id, &p.parent, &unused, &p.detail); err != nil {
			return nil, err
		}
		plan = append(plan, p)
	}
	return plan, rows.Err()
}

func textPlan(plan []planStep) string {
	depth := map[int]int{}
	var b strings.Builder
	for _, p := range plan {
		depth[p.id] = depth[p.parent] + 1
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth[p.id]), p.detail)
	}
	return b.String()
}

// checkPlans explains every statement r recorded on a new, migrated
// database and fails for each whose plan reads a large table whole.
func checkPlans(t *testing.T, r *planRecorder) {
	start := time.Now()
	path := filepath.Join(t.TempDir(), "plans.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := readSchema(t, db)
	// A table named here that the schema lacks is a typo, or a table
	// renamed, whose rule no longer applies.
	for table := range plancheck.SelectiveColumns {
		if _, pg := postgresOnly[table]; !s.tables[table] && !pg {
			t.Errorf("plancheck.SelectiveColumns names %s, which the schema lacks", table)
		}
	}
	for table := range smallTables {
		if !s.tables[table] {
			t.Errorf("smallTables names %s, which the schema lacks", table)
		}
	}
	stmts := r.Statements()
	if len(stmts) == 0 {
		t.Fatal("no statement recorded")
	}
	for _, st := range stmts {
		line := plancheck.OneLine(st.SQL)
		skip := plancheck.IsUnchecked(line)
		for _, u := range knownSlow {
			skip = skip || strings.Contains(line, u.sql)
		}
		if skip {
			continue
		}
		plan, err := explain(db, st)
		if err != nil {
			t.Errorf("explaining %s (first run by %s): %v", line, st.Test, err)
			continue
		}
		if ps := planProblems(s, st.SQL, plan, plancheck.Wide(line), plancheck.Bounded(line)); len(ps) > 0 {
			t.Errorf("%s\n(first run by %s, arguments %v) reads a large table whole:\n  %s\n%s",
				line, st.Test, st.Args, strings.Join(ps, "\n  "), textPlan(plan))
		}
	}
	t.Logf("%d distinct statements explained in %v", len(stmts), time.Since(start).Round(time.Millisecond))
}

// TestStepProblem holds the rule on the steps EXPLAIN QUERY PLAN prints,
// the defect that made it first: the console's users sorted by key age,
// each user's keys read from the account's active keys.
func TestStepProblem(t *testing.T) {
	s := schema{
		tables: map[string]bool{"users": true, "access_keys": true, "account": true, "webhook_deliveries": true},
		indexes: map[string]index{
			"access_keys_account_created": {table: "access_keys"},
			"access_keys_user_active":     {table: "access_keys"},
			"webhook_deliveries_due":      {table: "webhook_deliveries", partial: true},
		},
	}
	query := `WITH w AS (SELECT 1) SELECT id FROM users u JOIN access_keys AS k ON k.user_id = u.id, account, webhook_deliveries d
		JOIN (SELECT 1) AS x, w`
	names := s.aliases(query)
	tests := []struct {
		name             string
		detail           string
		correlated, wide bool
		ok               bool
	}{
		{"the account's keys for each user", "SEARCH k USING INDEX access_keys_account_created (account_id=? AND status=?)", true, false, false},
		{"the user's keys for each user", "SEARCH k USING COVERING INDEX access_keys_user_active (account_id=? AND user_id=? AND status=?)", true, false, true},
		{"the account's keys once", "SEARCH k USING INDEX access_keys_account_created (account_id=? AND status=?)", false, false, true},
		{"keys by status alone", "SEARCH k USING INDEX access_keys_account_created (status=?)", false, false, false},
		{"a key by its ID", "SEARCH k USING INDEX sqlite_autoindex_access_keys_1 (id=?)", false, false, true},
		{"a range of the account", "SEARCH u USING INDEX users_name (account_id>?)", false, false, false},
		{"a row by rowid", "SEARCH u USING INTEGER PRIMARY KEY (rowid=?)", false, false, true},
		{"users read whole", "SCAN u", false, false, false},
		{"users read whole by an index", "SCAN u USING COVERING INDEX users_name", false, false, false},
		{"the installation's one row", "SCAN account", false, false, true},
		{"an index built for the statement", "SEARCH k USING AUTOMATIC COVERING INDEX (user_id=?)", false, false, false},
		{"a sweep of a partial index", "SCAN d USING INDEX webhook_deliveries_due", false, true, true},
		{"a partial index read whole not by a sweep", "SCAN d USING INDEX webhook_deliveries_due", false, false, false},
		{"a sweep by a range", "SEARCH d USING INDEX webhook_deliveries_succeeded (finished<?)", false, true, true},
		{"a sweep reading a table whole", "SCAN d", false, true, false},
		{"a subquery's rows", "SCAN x", false, false, true},
		{"a common table expression's rows", "SCAN w", false, false, true},
		{"a name the check cannot place", "SCAN y", false, false, false},
		{"a search the check cannot place", "SEARCH y USING PRIMARY KEY (account_id=?)", false, false, false},
	}
	for _, tt := range tests {
		p := stepProblem(s, query, names, tt.detail, tt.correlated, tt.wide, false)
		if (p == "") != tt.ok {
			t.Errorf("%s: %q", tt.name, p)
		}
	}
	// A statement of plancheck.NoSweep: wide, but no partial index whole.
	for _, tt := range []struct {
		name, detail string
		ok           bool
	}{
		{"the pending deliveries read whole", "SCAN d USING INDEX webhook_deliveries_due", false},
		{"a range of the pending deliveries' leading column", "SEARCH d USING COVERING INDEX webhook_deliveries_due (subscription_id>?)", true},
		{"a subscription's due deliveries", "SEARCH d USING INDEX webhook_deliveries_due (subscription_id=? AND next_attempt<?)", true},
	} {
		if p := stepProblem(s, query, names, tt.detail, false, true, true); (p == "") != tt.ok {
			t.Errorf("%s, by a statement that may not sweep: %q", tt.name, p)
		}
	}
}
