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

	"github.com/keyward/keyward/internal/sqlstore"
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

// smallTables hold a row or a few per installation, never per account or
// per entity, and may be read whole.
var smallTables = map[string]string{
	"account": "the installation's one row",
}

// selectiveColumns are, besides account_id and rowid, the columns of a
// table whose value alone picks a few rows across the installation: IDs
// and ARNs, which are unique across accounts, and the entities owning a
// table's rows. A table not listed has account_id and id. The same
// tables' rules as postgres/plans_test.go's.
var selectiveColumns = map[string][]string{
	"user_tags":                          {"user_id"},
	"access_keys":                        {"id"},
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

// narrowInAccount are the columns of a table that, with the account,
// pick the few rows a correlated subquery asks of each row of its outer
// query: a user's keys, a policy's attachments in the account, the
// principals whose permissions boundary a policy is.
var narrowInAccount = map[string][]string{
	"access_keys":        {"user_id"},
	"policy_attachments": {"policy_id"},
	"users":              {"permissions_boundary"},
	"roles":              {"permissions_boundary"},
}

// installationWide are the statements that read across every account by
// design, each named by a part of its text with the reason: a periodic
// sweep or a count over the installation. They are held to a weaker
// rule: no SCAN but of a partial index (which holds the rows a sweep is
// for), each SEARCH by any condition, so that the work follows what they
// find.
var installationWide = []struct{ sql, why string }{
	{"FROM webhook_subscription_events WHERE event_name = ", "the accounts subscribed to root-key.used, for a batch of last uses of any account's keys"},
	{" IS NOT NULL ORDER BY id LIMIT ", "re-sealing every secret under a new master key, a page at a time"},
	{" IS NOT NULL ORDER BY serial LIMIT ", "re-sealing every secret under a new master key, a page at a time"},
	{" IS NOT NULL ORDER BY provider_arn LIMIT ", "re-sealing every secret under a new master key, a page at a time"},
	{"DELETE FROM events WHERE event_time < ", "the prune of old audit events"},
	{"DELETE FROM used_tokens WHERE expires_at < ", "the prune of expired single-use tokens"},
	{"DELETE FROM revoked_sessions WHERE expires_at < ", "the prune of expired revoked sessions"},
	{"DELETE FROM webhook_deliveries WHERE state = 'succeeded' AND finished < ", "the prune of delivered webhooks"},
	{"FROM accounts WHERE id > ", "the installation's accounts, a page at a time"},
	{"FROM access_key_policy WHERE account_id > ", "the key lifecycle sweep's accounts with a policy, a page at a time"},
	{"FROM access_keys WHERE status = ", "the key lifecycle: keys past their own expiry date in every account, and the metrics' counts by age"},
	{"FROM webhook_deliveries WHERE state = 'pending' AND next_attempt <= ", "the webhook dispatcher: whether any delivery is due"},
	{"FROM webhook_subscriptions s JOIN webhook_deliveries d ON d.subscription_id = s.id AND d.state = 'pending'", "the webhook dispatcher: the due deliveries of every subscription"},
}

// unchecked are statements whose plans are not checked, each with the
// reason.
var unchecked = []struct{ sql, why string }{
	{"SET account_id = ? WHERE account_id = ''", "InitAccount gives the installation's first account what the unscoped store wrote before it; once per installation"},
	{" IS NOT NULL ORDER BY ", "the master key's check reads every sealed secret of the installation"},
	{"SELECT id, url_sealed, secrets FROM webhook_subscriptions ORDER BY id", "the master key's check reads every sealed secret of the installation"},
	{"SELECT EXISTS (SELECT 1 FROM webhook_subscription_events)", "whether any subscription exists: the first index entry answers"},
}

// knownSlow are statements the check finds fault with that are not fixed
// yet, each with what is wrong: the check holds every other statement,
// and one of these that is fixed should leave the list.
var knownSlow = []struct{ sql, why string }{
	{"FROM user_tags t JOIN users u ON u.id = t.user_id WHERE u.account_id = ", "the lifecycle's exempt users: read by tag across accounts (user_tags has no account_id), then by account"},
}

// planRecorder records the distinct statements stores run, each with the
// arguments of one of its runs and the test that ran it first, through a
// database/sql driver wrapping SQLite's, registered once per test.
type planRecorder struct {
	inner driver.Driver

	mu      sync.Mutex
	stmts   map[string]*recordedStmt
	order   []string
	drivers int
	// migrations are the migrations' scripts, which are not the store's
	// queries.
	migrations map[string]bool
}

type recordedStmt struct {
	sql  string
	args []any
	test string
}

func newPlanRecorder(t *testing.T) *planRecorder {
	steps, err := sqlstore.Migrations(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	r := &planRecorder{inner: db.Driver(), stmts: map[string]*recordedStmt{}, migrations: map[string]bool{}}
	db.Close()
	for _, s := range steps {
		r.migrations[s.SQL] = true
	}
	return r
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

// explainable reports whether query is a query or a write, which EXPLAIN
// QUERY PLAN plans; transaction control, savepoints and pragmas have none.
func explainable(query string) bool {
	f := strings.Fields(strings.ToLower(query))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "select", "insert", "update", "delete", "with", "replace":
		return true
	}
	return false
}

func (r *planRecorder) record(test, query string, args []driver.NamedValue) {
	if !explainable(query) || r.migrations[query] {
		return
	}
	kept := make([]any, len(args))
	nils := false
	for i, a := range args {
		v := a.Value
		if b, ok := v.([]byte); ok {
			v = slices.Clone(b)
		}
		nils = nils || v == nil
		if a.Name != "" {
			kept[i] = sql.Named(a.Name, v)
		} else {
			kept[i] = v
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.stmts[query]
	if !ok {
		r.stmts[query] = &recordedStmt{sql: query, args: kept, test: test}
		r.order = append(r.order, query)
		return
	}
	// A NULL argument can make a condition false before any read, hiding
	// the plan of the run that has a value.
	if !nils && slices.Contains(st.args, nil) {
		st.args = kept
	}
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
var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)

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

// selective reports whether col picks a few rows of table.
func selective(table, col string) bool {
	if col == "account_id" || col == "rowid" {
		return true
	}
	cols, ok := selectiveColumns[table]
	if !ok {
		return col == "id"
	}
	return slices.Contains(cols, col)
}

var (
	scanStep   = regexp.MustCompile(`^SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?`)
	searchStep = regexp.MustCompile(`^SEARCH (\S+) USING (AUTOMATIC (?:PARTIAL )?(?:COVERING )?INDEX|(?:COVERING )?INDEX (\S+)|INTEGER PRIMARY KEY|PRIMARY KEY) \((.*)\)`)
	equality   = regexp.MustCompile(`^(\w+)=\?$`)
)

// stepProblem returns what is wrong with one step of a plan, or "".
// correlated: the step is of a correlated subquery, run for each row of
// its outer query; wide: the statement reads across accounts by design.
func stepProblem(s schema, names map[string][]string, detail string, correlated, wide bool) string {
	if m := scanStep.FindStringSubmatch(detail); m != nil {
		if ix, ok := s.indexes[m[2]]; ok && wide && ix.partial {
			return ""
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
func planProblems(s schema, query string, plan []planStep, wide bool) []string {
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
		if pr := stepProblem(s, names, p.detail, correlated, wide); pr != "" {
			out = append(out, pr)
		}
	}
	return out
}

func explain(db *sql.DB, st *recordedStmt) ([]planStep, error) {
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+st.sql, st.args...)
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
	for table := range selectiveColumns {
		if !s.tables[table] {
			t.Errorf("selectiveColumns names %s, which the schema lacks", table)
		}
	}
	for table := range smallTables {
		if !s.tables[table] {
			t.Errorf("smallTables names %s, which the schema lacks", table)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.order) == 0 {
		t.Fatal("no statement recorded")
	}
	for _, q := range r.order {
		st := r.stmts[q]
		line := oneLine(q)
		wide, skip := false, false
		for _, w := range installationWide {
			wide = wide || strings.Contains(line, w.sql)
		}
		for _, u := range unchecked {
			skip = skip || strings.Contains(line, u.sql)
		}
		for _, u := range knownSlow {
			skip = skip || strings.Contains(line, u.sql)
		}
		if skip {
			continue
		}
		plan, err := explain(db, st)
		if err != nil {
			t.Errorf("explaining %s (first run by %s): %v", line, st.test, err)
			continue
		}
		if ps := planProblems(s, q, plan, wide); len(ps) > 0 {
			t.Errorf("%s\n(first run by %s, arguments %v) reads a large table whole:\n  %s\n%s",
				line, st.test, st.args, strings.Join(ps, "\n  "), textPlan(plan))
		}
	}
	t.Logf("%d distinct statements explained in %v", len(r.order), time.Since(start).Round(time.Millisecond))
}

func oneLine(sql string) string { return strings.Join(strings.Fields(sql), " ") }
