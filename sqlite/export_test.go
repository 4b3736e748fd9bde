package sqlite

// WithDriver is opts opening the store's connections with the
// database/sql driver registered as name, which plans_test.go's wraps
// SQLite's with to record the statements the store runs.
func WithDriver(opts Options, name string) Options {
	opts.driverName = name
	return opts
}
