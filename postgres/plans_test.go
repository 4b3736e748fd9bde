package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward/internal/plancheck"
	"github.com/keyward/keyward/postgres/pgtest"
)

// The plan check: every statement the store runs while the conformance
// suite exercises it is explained, with the arguments of one of its runs,
// and its plan must read each large table through an index whose
// condition binds the account or a key as selective (a user's, a key's
// ID, unique across the installation) by equality on the index's leading
// columns. A sequential scan, a full index scan, or an index condition on
// a later column alone (a join of access keys on the user alone, with
// keys indexed by account first, read every key of every account) fails.
// The tables of a test are tiny, so PostgreSQL would read them whole
// whatever the indexes: the statements are explained in a schema of their
// own whose tables hold filler rows (padTables), with enable_seqscan =
// off, so that it chooses as it would at scale, where any usable index is
// cheaper than reading the table. TestConformance records the statements
// and runs the check after the suite (of the tests -run chose).

// smallTables hold a row or a few per installation, never per account
// or per entity, and may be read whole.
var smallTables = map[string]string{
	"account":           "the installation's one row",
	"schema_migrations": "one row per migration",
}

// The tables' rules, and the statements read across accounts by design
// (installation-wide: no sequential scan and no full index scan, each
// index read by a range on its leading column) or not checked, are
// SQLite's check's too (internal/plancheck).

// knownSlow are statements the check finds fault with that are not fixed
// yet, each with what is wrong: the check holds every other statement,
// and one of these that is fixed should leave the list.
var knownSlow = []struct{ sql, why string }{
	{"SELECT DISTINCT kind, name, id FROM ( SELECT 'group' AS kind", "entities for a policy: with no statistics, the planner ties the attachments' primary key (kind first) with the index by policy and account"},
	{"FROM inline_policies WHERE kind = 'user' AND entity_id = ", "a user's policies: with no statistics, the planner hashes the groups' inline policies read by kind alone"},
	{"WHERE s.account_id = $1 AND d.state = 'parked'", "an account's parked deliveries: the parked index, empty in the filler, is read whole and joined to the account's subscriptions; with parked deliveries it should be read by subscription, which the filler cannot show"},
}

// planRecorder records the statements of stores through pgx's tracer.
type planRecorder struct{ *plancheck.Recorder }

func newPlanRecorder() planRecorder { return planRecorder{plancheck.NewRecorder()} }

// tracer returns the tracer of one test's stores.
func (r planRecorder) tracer(test string) pgx.QueryTracer { return stmtTracer{r, test} }

type stmtTracer struct {
	r    planRecorder
	test string
}

func (tr stmtTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	// database/sql's queries carry pgx's result formats first: an option,
	// not an argument.
	var kept []any
	for _, a := range d.Args {
		switch a.(type) {
		case pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryExecMode:
			continue
		}
		kept = append(kept, a)
	}
	tr.r.Record(tr.test, d.SQL, kept)
	return ctx
}

func (stmtTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// planNode is a node of EXPLAIN (FORMAT JSON)'s plan, what the check reads.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Plans     []planNode `json:"Plans"`
}

// index is an index of the schema: its table and its key columns in order.
type index struct {
	table   string
	columns []string
	// partial: the index has a WHERE clause, and serves only the queries
	// whose conditions imply it.
	partial bool
}

func schemaIndexes(ctx context.Context, t *testing.T, conn *pgx.Conn) map[string]index {
	rows, err := conn.Query(ctx, `SELECT ic.relname, tc.relname,
			ARRAY(SELECT coalesce(a.attname, '') FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
				LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
				WHERE k.n <= x.indnkeyatts ORDER BY k.n),
			x.indpred IS NOT NULL
		FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class tc ON tc.oid = x.indrelid
		WHERE tc.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]index{}
	for rows.Next() {
		var name string
		var ix index
		if err := rows.Scan(&name, &ix.table, &ix.columns, &ix.partial); err != nil {
			t.Fatal(err)
		}
		out[name] = ix
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// clause matches a clause of an index condition on column c: PostgreSQL
// writes the index's column first, in parentheses, maybe cast.
func clause(c, op string) *regexp.Regexp {
	return regexp.MustCompile(`\(\(?` + regexp.QuoteMeta(c) + `\)?(::[a-z ]+)?\s` + op)
}

// indexProblem returns what is wrong with reading index ix with cond, or
// "". wide: the statement reads across accounts by design; bounded: but
// reads no partial index whole (plancheck.NoSweep).
func indexProblem(name string, ix index, cond string, wide, bounded bool) string {
	if wide && !bounded && ix.partial {
		// A partial index holds the rows a sweep is for (those due, say),
		// not the table.
		return ""
	}
	if cond == "" {
		return fmt.Sprintf("full scan of index %s on %s (no index condition)", name, ix.table)
	}
	if wide {
		if !clause(ix.columns[0], "").MatchString(cond) {
			return fmt.Sprintf("index %s on %s read without a condition on its leading column %s: %s", name, ix.table, ix.columns[0], cond)
		}
		return ""
	}
	for _, c := range ix.columns {
		if !clause(c, "= ").MatchString(cond) {
			break
		}
		if plancheck.Selective(ix.table, c) {
			return ""
		}
	}
	return fmt.Sprintf("index %s %v on %s read without equality on a selective leading column (the account or a unique key): %s", name, ix.columns, ix.table, cond)
}

// planProblems walks a plan and returns what reads a large table whole.
func planProblems(n planNode, indexes map[string]index, wide, bounded bool) []string {
	var out []string
	switch n.NodeType {
	case "Seq Scan", "Sample Scan", "Tid Range Scan":
		if _, small := smallTables[n.Relation]; !small {
			out = append(out, fmt.Sprintf("%s on %s", n.NodeType, n.Relation))
		}
	case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
		ix, ok := indexes[n.Index]
		if !ok {
			out = append(out, fmt.Sprintf("%s of unknown index %s", n.NodeType, n.Index))
			break
		}
		if _, small := smallTables[ix.table]; small {
			break
		}
		if p := indexProblem(n.Index, ix, n.IndexCond, wide, bounded); p != "" {
			out = append(out, p)
		}
	}
	for _, c := range n.Plans {
		out = append(out, planProblems(c, indexes, wide, bounded)...)
	}
	return out
}

// padRows is how many rows padTables writes to each large table.
const padRows = 2000

// padTables writes padRows rows of filler to every large table, with the
// foreign keys' triggers off (session_replication_role, for a superuser
// such as the test server's), and never analyzes them. Empty, a table is
// planned as ten pages whose every condition matches a row or so, so that
// a unique key's equality and a condition on a status tie and the
// planner may pick either index; with pages of rows and no statistics, it
// estimates the default share of rows for a condition that is not on a
// unique key, as it would at scale.
func padTables(ctx context.Context, t *testing.T, conn *pgx.Conn) {
	// A column with a default keeps it (a delivery's state is pending, so
	// that the index of pending deliveries is not empty) unless a unique
	// index has it.
	rows, err := conn.Query(ctx, `SELECT c.relname, a.attname, format_type(a.atttypid, NULL)
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
			AND a.attnum > 0 AND NOT a.attisdropped
			AND (NOT a.atthasdef OR EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = a.attrelid AND x.indisunique AND a.attnum = ANY (x.indkey::int2[])))
		ORDER BY c.relname, a.attnum`)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		return c, r.Scan(&c.table, &c.name, &c.typ)
	})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]string{}
	values := map[string][]string{}
	var tables []string
	for _, c := range cols {
		if _, small := smallTables[c.table]; small {
			continue
		}
		v := ""
		switch c.typ {
		case "text":
			v = `'pad' || i`
		case "bigint", "integer", "smallint":
			v = `i`
		case "bytea":
			v = `'\x00'::bytea`
		case "boolean":
			v = `false`
		case "double precision", "real":
			v = `i`
		case "timestamp with time zone", "timestamp without time zone":
			v = `now()`
		default:
			t.Fatalf("padTables: %s.%s is of type %s, which it cannot fill", c.table, c.name, c.typ)
		}
		if _, ok := names[c.table]; !ok {
			tables = append(tables, c.table)
		}
		names[c.table] = append(names[c.table], pgx.Identifier{c.name}.Sanitize())
		values[c.table] = append(values[c.table], v)
	}
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatalf("padTables needs a superuser to write rows whose foreign keys refer to none: %v", err)
	}
	defer conn.Exec(ctx, `SET session_replication_role = DEFAULT`)
	// CHECK constraints shape no plan here, and the filler would break
	// them.
	checks, err := conn.Query(ctx, `SELECT t.relname, c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		WHERE c.contype = 'c' AND t.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	drops, err := pgx.CollectRows(checks, func(r pgx.CollectableRow) (string, error) {
		var table, name string
		err := r.Scan(&table, &name)
		return `ALTER TABLE ` + pgx.Identifier{table}.Sanitize() + ` DROP CONSTRAINT ` + pgx.Identifier{name}.Sanitize(), err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drops {
		if _, err := conn.Exec(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range tables {
		id := pgx.Identifier{table}.Sanitize()
		// Statistics would describe the filler, not an installation.
		if _, err := conn.Exec(ctx, `ALTER TABLE `+id+` SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
		_, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %d) AS i`,
			id, strings.Join(names[table], ", "), strings.Join(values[table], ", "), padRows))
		if err != nil {
			t.Fatalf("padding %s: %v", table, err)
		}
	}
}

// checkForeignKeys fails for each foreign key of a large table that no
// index leads with: deleting (or changing the key of) a referenced row has
// PostgreSQL look for the rows referring to it, a statement EXPLAIN does
// not show, which without such an index reads the whole table.
func checkForeignKeys(ctx context.Context, t *testing.T, conn *pgx.Conn, indexes map[string]index) {
	rows, err := conn.Query(ctx, `SELECT c.conname, t.relname,
			ARRAY(SELECT a.attname FROM unnest(c.conkey) AS k(attnum) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum)
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct {
		name, table string
		columns     []string
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
		var f fk
		return f, r.Scan(&f.name, &f.table, &f.columns)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fks) == 0 {
		t.Fatal("no foreign key found")
	}
	for _, f := range fks {
		if _, small := smallTables[f.table]; small {
			continue
		}
		found := false
		for _, ix := range indexes {
			if ix.table != f.table || ix.partial || len(ix.columns) < len(f.columns) {
				continue
			}
			lead := slices.Clone(ix.columns[:len(f.columns)])
			slices.Sort(lead)
			want := slices.Sorted(slices.Values(f.columns))
			found = found || slices.Equal(lead, want)
		}
		if !found {
			t.Errorf("foreign key %s of %s %v: no index (without a WHERE clause) leads with its columns", f.name, f.table, f.columns)
		}
	}
}

// checkPlans explains every statement r recorded in a new, migrated
// schema and fails for each whose plan reads a large table whole.
func checkPlans(t *testing.T, r planRecorder) {
	ctx := context.Background()
	start := time.Now()
	url := pgtest.Schema(t)
	open(t, url).Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// As at scale, where an index read beats reading the table; with the
	// arguments' values, as each run is planned.
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off; SET plan_cache_mode = force_custom_plan`); err != nil {
		t.Fatal(err)
	}
	indexes := schemaIndexes(ctx, t, conn)
	padTables(ctx, t, conn)
	// A table named here that the schema lacks is a typo, or a table
	// renamed, whose rule no longer applies.
	tables := map[string]bool{}
	for _, ix := range indexes {
		tables[ix.table] = true
	}
	for table := range plancheck.SelectiveColumns {
		if !tables[table] {
			t.Errorf("plancheck.SelectiveColumns names %s, which the schema lacks", table)
		}
	}
	for table := range smallTables {
		if !tables[table] {
			t.Errorf("smallTables names %s, which the schema lacks", table)
		}
	}
	checkForeignKeys(ctx, t, conn, indexes)
	stmts := r.Statements()
	if len(stmts) == 0 {
		t.Fatal("no statement recorded")
	}
	for _, st := range stmts {
		sql, line := st.SQL, plancheck.OneLine(st.SQL)
		skip := plancheck.IsUnchecked(line)
		for _, u := range knownSlow {
			skip = skip || strings.Contains(line, u.sql)
		}
		if skip {
			continue
		}
		var plan []struct{ Plan planNode }
		var out string
		if err := conn.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+sql, st.Args...).Scan(&out); err != nil {
			t.Errorf("explaining %s (first run by %s): %v", line, st.Test, err)
			continue
		}
		if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan) != 1 {
			t.Fatalf("plan of %s: %v", line, err)
		}
		if ps := planProblems(plan[0].Plan, indexes, plancheck.Wide(line), plancheck.Bounded(line)); len(ps) > 0 {
			t.Errorf("%s\n(first run by %s, arguments %v) reads a large table whole:\n  %s\n%s",
				line, st.Test, st.Args, strings.Join(ps, "\n  "), textPlan(ctx, conn, st))
		}
	}
	t.Logf("%d distinct statements explained in %v", len(stmts), time.Since(start).Round(time.Millisecond))
}

// textPlan is a statement's plan as EXPLAIN prints it, for the message
// of a failure.
func textPlan(ctx context.Context, conn *pgx.Conn, st *plancheck.Recorded) string {
	rows, err := conn.Query(ctx, `EXPLAIN `+st.SQL, st.Args...)
	if err != nil {
		return err.Error()
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err.Error()
	}
	return strings.Join(lines, "\n")
}

// TestIndexProblem holds the rule on the index conditions EXPLAIN prints,
// the defect that made it first: access keys joined on the user alone.
func TestIndexProblem(t *testing.T) {
	keys := index{table: "access_keys", columns: []string{"account_id", "user_id", "seq"}}
	due := index{table: "webhook_deliveries", columns: []string{"subscription_id", "next_attempt", "id"}, partial: true}
	events := index{table: "events", columns: []string{"event_time", "event_id"}}
	pkey := index{table: "access_keys", columns: []string{"id"}}
	tests := []struct {
		name string
		ix   index
		cond string
		wide bool
		ok   bool
	}{
		{"joined on the user alone", keys, "(user_id = u.id)", false, false},
		{"by the account and the user", keys, "((account_id = u.account_id) AND (user_id = u.id))", false, true},
		{"by the account alone", keys, "(account_id = '123456789012'::text)", false, true},
		{"read whole", keys, "", false, false},
		{"a range of the account", keys, "(account_id > ''::text)", false, false},
		{"by a list of key IDs", pkey, "(id = ANY ('{AKIA1,AKIA2}'::text[]))", false, true},
		{"a range of key IDs", pkey, "(id > ''::text)", false, false},
		{"a sweep by a range of time", events, "(event_time < '1795764350000000000'::bigint)", true, true},
		{"a sweep by a later column", keys, "(user_id = ''::text)", true, false},
		{"a sweep of a partial index", due, "(next_attempt <= '1'::bigint)", true, true},
		{"a partial index read by a later column", due, "(id = 'evt'::text)", false, false},
	}
	for _, tt := range tests {
		p := indexProblem("ix", tt.ix, tt.cond, tt.wide, false)
		if (p == "") != tt.ok {
			t.Errorf("%s: %q", tt.name, p)
		}
	}
	// A statement of plancheck.NoSweep: wide, but no partial index whole.
	for _, tt := range []struct {
		name, cond string
		ok         bool
	}{
		{"the pending deliveries read whole", "", false},
		{"the pending deliveries by a later column", "(next_attempt <= '1'::bigint)", false},
		{"a range of the pending deliveries' leading column", "(subscription_id > pending.id)", true},
		{"a subscription's due deliveries", "((subscription_id = s.id) AND (next_attempt <= '1'::bigint))", true},
	} {
		if p := indexProblem("ix", due, tt.cond, true, true); (p == "") != tt.ok {
			t.Errorf("%s, by a statement that may not sweep: %q", tt.name, p)
		}
	}
}
