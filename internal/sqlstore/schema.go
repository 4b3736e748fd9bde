package sqlstore

import (
	"errors"
	"fmt"
	"io/fs"
)

// SchemaVersion is the schema version this build writes: the number of its
// migrations. A store records the number of migrations applied to it
// (SQLite's user_version, PostgreSQL's schema_migrations).
func SchemaVersion() int {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err) // a constant pattern over an embedded directory
	}
	return len(names)
}

// Errors a SchemaError matches with errors.Is.
var (
	// ErrSchemaTooNew: a newer build migrated the store. This build must
	// not touch it: it would write rows without what the newer schema
	// requires, or read them without what they now mean.
	ErrSchemaTooNew = errors.New("the store's schema is newer than this build")
	// ErrSchemaTooOld: the store needs migrations that the caller asked
	// not to apply.
	ErrSchemaTooOld = errors.New("the store's schema is older than this build")
)

// SchemaError is a store whose schema version is not the one this build
// writes, and which it was not allowed to migrate.
type SchemaError struct {
	// Found is the store's version, Known this build's.
	Found, Known int
}

func (e *SchemaError) Error() string {
	if e.Found > e.Known {
		return fmt.Sprintf("the store's schema is version %d, newer than version %d, the newest this build knows", e.Found, e.Known)
	}
	if e.Found == 0 {
		return fmt.Sprintf("the store has no schema yet (this build writes version %d) and migrations are off", e.Known)
	}
	return fmt.Sprintf("the store's schema is version %d, older than version %d, which this build writes, and migrations are off", e.Found, e.Known)
}

// Is makes a SchemaError match ErrSchemaTooNew or ErrSchemaTooOld.
func (e *SchemaError) Is(target error) bool {
	return (target == ErrSchemaTooNew && e.Found > e.Known) || (target == ErrSchemaTooOld && e.Found < e.Known)
}

// CheckSchema decides what a backend does with a store at version found:
// nothing (nil), or refuse it (a *SchemaError). A store newer than this
// build is always refused; an older one only when migrate is false.
func CheckSchema(found int, migrate bool) error {
	known := SchemaVersion()
	if found > known || (found < known && !migrate) {
		return &SchemaError{Found: found, Known: known}
	}
	return nil
}
