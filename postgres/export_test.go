package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// LogChangeWithoutNotify writes a change to the log as if its notification
// had been lost.
func LogChangeWithoutNotify(ctx context.Context, s *Store, id string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO key_changes (key_id) VALUES ($1)`, id)
	return err
}

// WithTracer returns opts with a tracer that sees every statement the
// store runs.
func WithTracer(opts Options, t pgx.QueryTracer) Options {
	opts.tracer = t
	return opts
}
