package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/keyward/keyward"
)

// Group commit. Every write is acknowledged only after its transaction is
// committed with synchronous=FULL, which costs an fsync. Writes that queue
// up while one commits are run together in the next transaction, each in
// its own savepoint so that one failing write undoes only itself, and
// committed with one fsync: under concurrency the cost of durability is
// shared, while a lone write still commits at once.

// maxBatch bounds the writes committed together.
const maxBatch = 64

type writeJob struct {
	ctx context.Context
	// pe is the audit event written with the job's change, or nil.
	pe   *keyward.PendingEvent
	fn   func(*sql.Tx) error
	done chan error
}

// errStoreClosed is returned for writes submitted after Close.
var errStoreClosed = errors.New("sqlite: store closed")

// tx runs fn in a write transaction, possibly shared with other writes,
// with pe (when not nil) written after it, and returns once the
// transaction is durable: fn's error if fn failed (its changes undone),
// the commit's error if the commit failed.
func (s *Store) tx(ctx context.Context, pe *keyward.PendingEvent, fn func(*sql.Tx) error) error {
	j := writeJob{ctx: ctx, pe: pe, fn: fn, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-s.quit:
		return errStoreClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the job runs: waiting for its outcome must not be cut
	// short, or a write could be acknowledged as failed yet be committed.
	return <-j.done
}

// writer runs queued writes in batches until quit is closed.
func (s *Store) writer() {
	defer close(s.writerDone)
	for {
		var batch []writeJob
		select {
		case j := <-s.jobs:
			batch = append(batch, j)
		case <-s.quit:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		s.runBatch(batch)
	}
}

func (s *Store) runBatch(batch []writeJob) {
	results := make([]error, len(batch))
	fail := func(err error) {
		for _, j := range batch {
			j.done <- err
		}
	}
	// The transaction is not tied to any one caller's context: cancelling
	// one request must not roll back the others.
	tx, err := s.write.BeginTx(context.Background(), nil)
	if err != nil {
		fail(err)
		return
	}
	// Each change's audit event is written with it; claimed events are
	// given back if the batch does not commit.
	var claimed []*keyward.PendingEvent
	withEvent := func(j writeJob) error {
		if err := j.fn(tx); err != nil {
			return err
		}
		pe, err := s.Store.WriteEvent(j.ctx, tx, j.pe)
		if pe != nil {
			claimed = append(claimed, pe)
		}
		return err
	}
	fail = func(err error) {
		for _, pe := range claimed {
			pe.Unclaim()
		}
		for _, j := range batch {
			j.done <- err
		}
	}
	if len(batch) == 1 {
		if err := withEvent(batch[0]); err != nil {
			tx.Rollback()
			fail(err)
			return
		}
	} else {
		for i, j := range batch {
			if err := j.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if _, err := tx.Stmt(s.stmts.savepoint).Exec(); err != nil {
				tx.Rollback()
				fail(err)
				return
			}
			n := len(claimed)
			results[i] = withEvent(j)
			if results[i] != nil {
				for _, pe := range claimed[n:] {
					pe.Unclaim()
				}
				claimed = claimed[:n]
				if _, err := tx.Stmt(s.stmts.rollbackTo).Exec(); err != nil {
					tx.Rollback()
					fail(err)
					return
				}
			}
			if _, err := tx.Stmt(s.stmts.release).Exec(); err != nil {
				tx.Rollback()
				fail(err)
				return
			}
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	s.Store.Committed()
	for i, j := range batch {
		j.done <- results[i]
	}
}

// directTx runs fn in a transaction of its own, outside the batches: for
// migrations, before the writer starts.
func (s *Store) directTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
