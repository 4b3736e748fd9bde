package plancheck

import (
	"slices"
	"strings"
	"sync"
)

// Recorder records the distinct statements stores run, each with the
// arguments of one of its runs and the test that ran it first.
type Recorder struct {
	mu    sync.Mutex
	stmts map[string]*Recorded
	order []*Recorded
}

// Recorded is a statement a Recorder recorded.
type Recorded struct {
	SQL  string
	Args []any
	Test string
}

// NewRecorder returns a Recorder of the statements stores run.
func NewRecorder() *Recorder { return &Recorder{stmts: map[string]*Recorded{}} }

// explainable reports whether sql is a query or a write, which EXPLAIN
// plans; transaction control, savepoints, SET, pragmas and the like have
// no plan, nor have the migrations' scripts (comments and DDL first).
func explainable(sql string) bool {
	f := strings.Fields(strings.ToLower(sql))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "select", "insert", "update", "delete", "with", "replace":
		return true
	}
	return false
}

// Record records a run of sql with args by test, unless sql has no plan.
func (r *Recorder) Record(test, sql string, args []any) {
	if !explainable(sql) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.stmts[sql]
	if !ok {
		st = &Recorded{SQL: sql, Args: args, Test: test}
		r.stmts[sql] = st
		r.order = append(r.order, st)
		return
	}
	// A NULL argument can make a condition false before any read, hiding
	// the plan of the run that has a value.
	if !slices.Contains(args, nil) && slices.Contains(st.Args, nil) {
		st.Args = args
	}
}

// Statements returns the statements recorded, in the order of their first
// runs.
func (r *Recorder) Statements() []*Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.order)
}

// OneLine is sql on one line, as the rules name statements.
func OneLine(sql string) string { return strings.Join(strings.Fields(sql), " ") }

// Wide reports whether the statement line (OneLine's) is one of
// InstallationWide.
func Wide(line string) bool {
	return slices.ContainsFunc(InstallationWide, func(s Statement) bool { return strings.Contains(line, s.SQL) })
}

// Bounded reports whether the statement line (OneLine's) is one of
// NoSweep.
func Bounded(line string) bool {
	return slices.ContainsFunc(NoSweep, func(s Statement) bool { return strings.Contains(line, s.SQL) })
}

// IsUnchecked reports whether the statement line (OneLine's) is one of
// Unchecked.
func IsUnchecked(line string) bool {
	return slices.ContainsFunc(Unchecked, func(s Statement) bool { return strings.Contains(line, s.SQL) })
}
