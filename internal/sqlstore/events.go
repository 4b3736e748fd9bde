package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/keyward/keyward"
)

const insertEvent = `INSERT INTO events (event_id, event_time, event_name, username, access_key_id, event_source, read_only, record)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// appendEvent is insertEvent for the recorder's batches, which it writes
// again when a write fails: an event whose ID is written already (a batch
// whose commit was not acknowledged, an event written once before) is
// that event, and is skipped rather than failing the batch, which the
// recorder would otherwise queue again, whole, on every flush, and write
// no event of anyone again.
const appendEvent = insertEvent + ` ON CONFLICT (event_id) DO NOTHING`

func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, e keyward.StoredEvent) error {
	return s.execEvent(ctx, tx, insertEvent, e)
}

func (s *Store) execEvent(ctx context.Context, tx *sql.Tx, query string, e keyward.StoredEvent) error {
	ro := 0
	if e.ReadOnly {
		ro = 1
	}
	_, err := tx.ExecContext(ctx, s.q(query), e.ID, toNanos(e.Time), e.Name, e.UserName, e.AccessKeyID, e.Source, ro, string(e.Record))
	return err
}

// WriteEvent writes, in tx, the pending event of the request ctx belongs
// to, if it has one not yet written: a change's event goes with the
// change. It returns the event it claimed, for the caller to give back
// (Unclaim) should tx not commit.
func (s *Store) WriteEvent(ctx context.Context, tx *sql.Tx) (*keyward.PendingEvent, error) {
	pe, ok := keyward.EventFrom(ctx)
	if !ok || !pe.Claim() {
		return nil, nil
	}
	e, err := pe.Event.Stored()
	if err == nil {
		err = s.insertEvent(ctx, tx, e)
	}
	if err != nil {
		pe.Unclaim()
		return nil, err
	}
	return pe, nil
}

// AppendEvents implements keyward.AuditStore.
func (s *Store) AppendEvents(ctx context.Context, events []keyward.StoredEvent) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		for _, e := range events {
			if err := s.execEvent(ctx, tx, appendEvent, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// LookupEvents implements keyward.AuditStore: newest first, by time and
// then ID, continuing after q.After.
func (s *Store) LookupEvents(ctx context.Context, q keyward.EventQuery) ([]keyward.StoredEvent, bool, error) {
	query := `SELECT event_id, event_time, event_name, username, access_key_id, event_source, read_only, record FROM events WHERE 1 = 1`
	var args []any
	if q.UserName != "" {
		query += ` AND username = ?`
		args = append(args, q.UserName)
	}
	if q.EventName != "" {
		query += ` AND event_name = ?`
		args = append(args, q.EventName)
	}
	if q.AccessKeyID != "" {
		query += ` AND access_key_id = ?`
		args = append(args, q.AccessKeyID)
	}
	if q.Source != "" {
		query += ` AND event_source = ?`
		args = append(args, q.Source)
	}
	if q.EventID != "" {
		query += ` AND event_id = ?`
		args = append(args, q.EventID)
	}
	if !q.Since.IsZero() {
		query += ` AND event_time >= ?`
		args = append(args, toNanos(q.Since))
	}
	if !q.Until.IsZero() {
		query += ` AND event_time <= ?`
		args = append(args, toNanos(q.Until))
	}
	if q.After != "" {
		var at int64
		err := s.DB.QueryRowContext(ctx, s.q(`SELECT event_time FROM events WHERE event_id = ?`), q.After).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, keyward.ErrNoSuchEvent
		} else if err != nil {
			return nil, false, err
		}
		query += ` AND (event_time < ? OR (event_time = ? AND event_id < ?))`
		args = append(args, at, at, q.After)
	}
	max := q.Max
	if max <= 0 {
		max = 50
	}
	var out []keyward.StoredEvent
	err := s.each(ctx, query+` ORDER BY event_time DESC, event_id DESC LIMIT `+strconv.Itoa(max+1), args, func(r *sql.Rows) error {
		var e keyward.StoredEvent
		var at int64
		var ro int
		var rec string
		if err := r.Scan(&e.ID, &at, &e.Name, &e.UserName, &e.AccessKeyID, &e.Source, &ro, &rec); err != nil {
			return err
		}
		e.Time, e.ReadOnly, e.Record = fromNanos(at), ro != 0, []byte(rec)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	out, more := page(out, max)
	return out, more, nil
}

// PruneEvents implements keyward.AuditStore.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM events WHERE event_time < ?`), toNanos(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
