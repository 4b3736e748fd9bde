package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/keyward/keyward/internal/sqlstore"
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
// whatever the indexes: enable_seqscan = off makes it choose as it would
// at scale, where any usable index is cheaper than reading the table.

// smallTables hold a row or a few per installation, never per account
// or per entity, and may be read whole.
var smallTables = map[string]string{
	"account":           "the installation's one row",
	"schema_migrations": "one row per migration",
}

// selectiveColumns are, besides account_id, the columns of a table whose
// value alone picks a few rows across the installation: IDs and ARNs,
// which are unique across accounts, and the entities owning a table's
// rows. A table not listed has account_id and id. A policy ID is not
// selective in policy_attachments: AWS's managed policies are shared by
// every account, whose attachments of one such policy are read by account.
var selectiveColumns = map[string][]string{
	"user_tags":                          {"user_id"},
	"access_keys":                        {"id"},
	"key_changes":                        {"seq"},
	"groups":                             {"id"},
	"group_members":                      {"group_id", "user_id"},
	"inline_policies":                    {"entity_id"},
	"policies":                           {"id", "arn"},
	"policy_versions":                    {"policy_id"},
	"policy_attachments":                 {"entity_id"},
	"login_profiles":                     {"user_id"},
	"mfa_devices":                        {"serial", "user_id"},
	"user_credentials":                   {"id", "user_id"},
	"account_aliases":                    {"alias"},
	"service_access":                     {"user_id"},
	"oidc_providers":                     {"arn"},
	"saml_providers":                     {"arn"},
	"oidc_signins":                       {"provider_arn"},
	"instance_profiles":                  {"id", "role_id"},
	"events":                             {"event_id"},
	"used_tokens":                        {"id"},
	"revoked_sessions":                   {"id"},
	"webhook_subscriptions":              {"id"},
	"webhook_subscription_events":        {"subscription_id"},
	"webhook_deliveries":                 {"id", "subscription_id"},
	"organizations":                      {"id", "master_account_id"},
	"organization_accounts":              {"organization_id"},
	"organizational_units":               {"id", "organization_id"},
	"organization_policies":              {"organization_id"},
	"organization_policy_attachments":    {"organization_id"},
	"organization_service_access":        {"organization_id"},
	"organization_create_account_status": {"id", "organization_id"},
}

// installationWide are the statements that read across every account by
// design, each named by a part of its text with the reason: a periodic
// sweep or a count over the installation. They are held to a weaker
// rule: no sequential scan and no full index scan, each index read by a
// range on its leading column, so that the work follows what they find.
var installationWide = []struct{ sql, why string }{}

// planRecorder records the distinct statements stores run, each with the
// arguments of one of its runs and the test that ran it first.
type planRecorder struct {
	mu    sync.Mutex
	stmts map[string]*recordedStmt
	order []string
	// migrations are the migrations' scripts, which are not the store's
	// queries (and cannot be explained).
	migrations map[string]bool
}

type recordedStmt struct {
	sql  string
	args []any
	test string
}

func newPlanRecorder(t *testing.T) *planRecorder {
	steps, err := sqlstore.Migrations(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	r := &planRecorder{stmts: map[string]*recordedStmt{}, migrations: map[string]bool{}}
	for _, s := range steps {
		r.migrations[s.SQL] = true
	}
	return r
}

// tracer returns the tracer of one test's stores.
func (r *planRecorder) tracer(test string) pgx.QueryTracer { return stmtTracer{r, test} }

type stmtTracer struct {
	r    *planRecorder
	test string
}

func (tr stmtTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	tr.r.record(tr.test, d.SQL, d.Args)
	return ctx
}

func (stmtTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// explainable reports whether sql is a query or a write, which EXPLAIN
// plans; transaction control, SET, LISTEN and the like have no plan.
func explainable(sql string) bool {
	f := strings.Fields(strings.ToLower(sql))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "select", "insert", "update", "delete", "with":
		return true
	}
	return false
}

func (r *planRecorder) record(test, sql string, args []any) {
	if !explainable(sql) || r.migrations[sql] {
		return
	}
	// database/sql's queries carry pgx's result formats first: an option,
	// not an argument.
	var kept []any
	nils := false
	for _, a := range args {
		switch a.(type) {
		case pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryExecMode:
			continue
		case nil:
			nils = true
		}
		kept = append(kept, a)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.stmts[sql]
	if !ok {
		r.stmts[sql] = &recordedStmt{sql: sql, args: kept, test: test}
		r.order = append(r.order, sql)
		return
	}
	// A NULL argument can make a condition false before any scan, hiding
	// the plan of the run that has a value.
	if !nils && slices.Contains(st.args, nil) {
		st.args = kept
	}
}

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
}

func schemaIndexes(ctx context.Context, t *testing.T, conn *pgx.Conn) map[string]index {
	rows, err := conn.Query(ctx, `SELECT ic.relname, tc.relname,
			ARRAY(SELECT coalesce(a.attname, '') FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
				LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
				WHERE k.n <= x.indnkeyatts ORDER BY k.n)
		FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class tc ON tc.oid = x.indrelid
		WHERE tc.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]index{}
	for rows.Next() {
		var name string
		var ix index
		if err := rows.Scan(&name, &ix.table, &ix.columns); err != nil {
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

// selective reports whether col picks a few rows of table.
func selective(table, col string) bool {
	if col == "account_id" {
		return true
	}
	cols, ok := selectiveColumns[table]
	if !ok {
		return col == "id"
	}
	return slices.Contains(cols, col)
}

// indexProblem returns what is wrong with reading index ix with cond, or
// "". wide: the statement reads across accounts by design.
func indexProblem(name string, ix index, cond string, wide bool) string {
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
		if selective(ix.table, c) {
			return ""
		}
	}
	return fmt.Sprintf("index %s %v on %s read without equality on a selective leading column (the account or a unique key): %s", name, ix.columns, ix.table, cond)
}

// planProblems walks a plan and returns what reads a large table whole.
func planProblems(n planNode, indexes map[string]index, wide bool) []string {
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
		if p := indexProblem(n.Index, ix, n.IndexCond, wide); p != "" {
			out = append(out, p)
		}
	}
	for _, c := range n.Plans {
		out = append(out, planProblems(c, indexes, wide)...)
	}
	return out
}

// checkPlans explains every statement r recorded in a new, migrated
// schema and fails for each whose plan reads a large table whole.
func checkPlans(t *testing.T, r *planRecorder) {
	ctx := context.Background()
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
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.order) == 0 {
		t.Fatal("no statement recorded")
	}
	for _, sql := range r.order {
		st := r.stmts[sql]
		wide := false
		for _, w := range installationWide {
			wide = wide || strings.Contains(sql, w.sql)
		}
		var plan []struct{ Plan planNode }
		var out string
		if err := conn.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+sql, st.args...).Scan(&out); err != nil {
			t.Errorf("explaining %s (first run by %s): %v", oneLine(sql), st.test, err)
			continue
		}
		if err := json.Unmarshal([]byte(out), &plan); err != nil || len(plan) != 1 {
			t.Fatalf("plan of %s: %v", oneLine(sql), err)
		}
		if ps := planProblems(plan[0].Plan, indexes, wide); len(ps) > 0 {
			t.Errorf("%s\n  (first run by %s) reads a large table whole:\n  %s", oneLine(sql), st.test, strings.Join(ps, "\n  "))
		}
	}
	t.Logf("%d distinct statements explained", len(r.order))
}

func oneLine(sql string) string { return strings.Join(strings.Fields(sql), " ") }
