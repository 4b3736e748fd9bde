package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/keyward/keyward"
)

const insertEvent = `INSERT INTO events (event_id, event_time, event_name, username, access_key_id, event_source, read_only, record, account_id)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

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
	account := e.AccountID
	if account == "" {
		account = s.acct(ctx)
	}
	_, err := tx.ExecContext(ctx, s.q(query), e.ID, toNanos(e.Time), e.Name, e.UserName, e.AccessKeyID, e.Source, ro, string(e.Record), account)
	return err
}

// WriteEvent writes pe, a request's audit event, in tx, the transaction
// of the request's change, unless it is nil or already written. It returns
// the event when it claimed it, for the caller to give back (Unclaim)
// should tx not commit.
func (s *Store) WriteEvent(ctx context.Context, tx *sql.Tx, pe *keyward.PendingEvent) (*keyward.PendingEvent, error) {
	if pe == nil || !pe.Claim() {
		return nil, nil
	}
	e, err := pe.Event.Stored()
	if err == nil {
		err = s.insertEvent(ctx, tx, e)
	}
	if err == nil {
		// The webhook deliveries the event makes go with it.
		err = s.enqueueAudit(ctx, tx, &pe.Event, e.Record)
	}
	if err != nil {
		pe.Unclaim()
		return nil, err
	}
	return pe, nil
}

// AppendEvents implements keyward.AuditStore.
func (s *Store) AppendEvents(ctx context.Context, events []keyward.StoredEvent) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		// Without any subscription, the batch's records are not read back.
		var subscribed bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_subscription_events)`).Scan(&subscribed); err != nil {
			return err
		}
		for _, e := range events {
			if err := s.execEvent(ctx, tx, appendEvent, e); err != nil {
				return err
			}
			if !subscribed {
				continue
			}
			if err := s.enqueueStored(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// LookupEvents implements keyward.AuditStore: the view's account's
// events, newest first, by time and then ID, continuing after q.After.
func (s *Store) LookupEvents(ctx context.Context, q keyward.EventQuery) ([]keyward.StoredEvent, bool, error) {
	query := `SELECT event_id, event_time, event_name, username, access_key_id, event_source, read_only, record FROM events WHERE account_id = ?`
	args := []any{s.acct(ctx)}
	// Each filter given narrows the query by equality on its column.
	for _, f := range []struct{ column, value string }{
		{"username", q.UserName},
		{"event_name", q.EventName},
		{"access_key_id", q.AccessKeyID},
		{"event_source", q.Source},
		{"event_id", q.EventID},
	} {
		if f.value != "" {
			query += ` AND ` + f.column + ` = ?`
			args = append(args, f.value)
		}
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
		err := s.DB.QueryRowContext(ctx, s.q(`SELECT event_time FROM events WHERE account_id = ? AND event_id = ?`), s.acct(ctx), q.After).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, keyward.ErrNoSuchEvent
		} else if err != nil {
			return nil, false, err
		}
		// A row comparison, which reads the account's index from the
		// position onward; an OR of the two conditions is read by two.
		query += ` AND (event_time, event_id) < (?, ?)`
		args = append(args, at, q.After)
	}
	max := q.Max
	if max <= 0 {
		max = 50
	}
	return collectPage(ctx, s, query+` ORDER BY event_time DESC, event_id DESC LIMIT `+strconv.Itoa(max+1), args, max, func(r rowScanner) (keyward.StoredEvent, error) {
		var e keyward.StoredEvent
		var at int64
		var ro int
		var rec string
		err := r.Scan(&e.ID, &at, &e.Name, &e.UserName, &e.AccessKeyID, &e.Source, &ro, &rec)
		e.Time, e.ReadOnly, e.Record = fromNanos(at), ro != 0, []byte(rec)
		return e, err
	})
}

// PruneEvents implements keyward.AuditStore; it also deletes the webhook
// deliveries that succeeded before the same time.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM events WHERE event_time < ?`), toNanos(before))
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// Delivered webhook events go with the audit trail's retention;
		// pending and parked ones stay.
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM webhook_deliveries WHERE state = 'succeeded' AND finished < ?`), toNanos(before))
		return err
	})
	return int(n), err
}

// enqueueStored writes the webhook deliveries of an event that no change
// carried, read back from its record: its audit.<EventName>, and
// console.sign-in-failures when it is the failure that reaches the
// threshold.
func (s *Store) enqueueStored(ctx context.Context, tx *sql.Tx, se keyward.StoredEvent) error {
	var e keyward.Event
	if err := json.Unmarshal(se.Record, &e); err != nil {
		return nil // not a record a webhook can carry; the event itself is kept
	}
	if err := s.enqueueAudit(ctx, tx, &e, se.Record); err != nil {
		return err
	}
	return s.enqueueSignInFailures(ctx, tx, &e)
}
