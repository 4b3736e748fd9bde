package postgres

import "context"

// LogChangeWithoutNotify writes a change to the log as if its notification
// had been lost.
func LogChangeWithoutNotify(ctx context.Context, s *Store, id string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO key_changes (key_id) VALUES ($1)`, id)
	return err
}
