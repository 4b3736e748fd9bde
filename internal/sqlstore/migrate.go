package sqlstore

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"text/template"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Dialects of the migrations.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Migration is one step of the schema, in a dialect's SQL.
type Migration struct {
	Name string
	SQL  string
}

// Migrations returns the schema's steps in order, rendered for dialect.
// There is one source: each file is a template in PostgreSQL's words,
// with {{blob}} and {{collate}} for the types that differ and
// {{if sqlite}} or {{if postgres}} around what one dialect alone has.
// Backends apply the steps they have not applied yet, counting them: a
// step's number never changes once released.
func Migrations(dialect string) ([]Migration, error) {
	if dialect != SQLite && dialect != Postgres {
		return nil, fmt.Errorf("sqlstore: unknown dialect %q", dialect)
	}
	funcs := template.FuncMap{
		"sqlite":   func() bool { return dialect == SQLite },
		"postgres": func() bool { return dialect == Postgres },
		"blob": func() string {
			if dialect == SQLite {
				return "BLOB"
			}
			return "bytea"
		},
		// Binary collation on PostgreSQL, SQLite's own default.
		"collate": func() string {
			if dialect == SQLite {
				return ""
			}
			return ` COLLATE "C"`
		},
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, name := range names {
		src, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %s: %w", name, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, nil); err != nil {
			return nil, fmt.Errorf("sqlstore: %s: %w", name, err)
		}
		out = append(out, Migration{Name: strings.TrimPrefix(name, "migrations/"), SQL: b.String()})
	}
	return out, nil
}
