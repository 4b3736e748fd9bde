package webhook_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"math"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward/seal"
	"github.com/keyward/keyward/webhook"
	"github.com/keyward/keyward/webhook/outboxtest"

	_ "modernc.org/sqlite"
)

// sqliteOutbox implements webhook.Outbox over a real SQLite database, as
// the store will: the tests exercise the engine against a durable queue
// with real transactions and leases, not against a fake. Two sqliteOutbox
// values opened on one file are two processes sharing the database.
type sqliteOutbox struct {
	db     *sql.DB
	sealer *seal.Sealer
}

const outboxSchema = `
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	url_sealed BLOB NOT NULL, -- the URL, sealed as the server seals it
	secrets    TEXT NOT NULL -- JSON array of sealed secrets, current first
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
	id              TEXT PRIMARY KEY,
	subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
	event_id        TEXT NOT NULL,
	event_type      TEXT NOT NULL,
	body            BLOB NOT NULL,
	created         INTEGER NOT NULL,
	state           TEXT NOT NULL DEFAULT 'pending', -- pending, succeeded, parked
	next_attempt    INTEGER NOT NULL,
	leased_until    INTEGER NOT NULL DEFAULT 0,
	attempts        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	finished        INTEGER NOT NULL DEFAULT 0,
	reason          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (subscription_id, next_attempt, id) WHERE state = 'pending';
`

// testMasterKey seals the test subscriptions' secrets.
var testMasterKey = []byte("0123456789abcdef0123456789abcdef")

// newOutbox opens a fresh outbox database in the test's temporary
// directory.
func newOutbox(t testing.TB) *sqliteOutbox {
	t.Helper()
	return openOutbox(t, filepath.Join(t.TempDir(), "outbox.db"))
}

// openOutbox opens the outbox database at path, as one process would.
func openOutbox(t testing.TB, path string) *sqliteOutbox {
	t.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous("+outboxSync+")")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	// One connection: the process's writes queue in Go, as the store's
	// writer queues them, instead of contending for SQLite's lock.
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(outboxSchema); err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(testMasterKey, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &sqliteOutbox{db: db, sealer: sealer}
}

// subscribe stores a subscription whose URL and secrets are sealed as the
// server seals them.
func (o *sqliteOutbox) subscribe(t testing.TB, id, account, target string, secrets ...string) {
	t.Helper()
	s := webhook.Subscription{ID: id, AccountID: account, SealedURL: o.sealURL(t, id, target)}
	for _, secret := range secrets {
		b, err := o.sealer.Seal(id, secret)
		if err != nil {
			t.Fatal(err)
		}
		s.Secrets = append(s.Secrets, b)
	}
	o.Subscribe(t, s)
}

// sealURL seals a subscription's URL as the server does.
func (o *sqliteOutbox) sealURL(t testing.TB, id, target string) []byte {
	t.Helper()
	b, err := o.sealer.Seal(webhook.URLAssociatedData(id), target)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Subscribe implements outboxtest.Harness.
func (o *sqliteOutbox) Subscribe(t testing.TB, s webhook.Subscription) {
	t.Helper()
	js, _ := json.Marshal(s.Secrets)
	if _, err := o.db.Exec(`INSERT INTO webhook_subscriptions (id, account_id, url_sealed, secrets) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET url_sealed = excluded.url_sealed, secrets = excluded.secrets`, s.ID, s.AccountID, s.SealedURL, string(js)); err != nil {
		t.Fatal(err)
	}
}

// enqueue writes ev's delivery to each subscription, as the store writes
// them beside a change, and returns the deliveries' IDs.
func (o *sqliteOutbox) enqueue(t testing.TB, ev webhook.Event, subscriptions ...string) []string {
	t.Helper()
	body, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sub := range subscriptions {
		ids = append(ids, o.Enqueue(t, sub, ev.ID, ev.Type, body, ev.Time))
	}
	return ids
}

// Enqueue implements outboxtest.Harness.
func (o *sqliteOutbox) Enqueue(t testing.TB, sub, eventID, eventType string, body []byte, created time.Time) string {
	t.Helper()
	id := eventID + "/" + sub
	if _, err := o.db.Exec(`INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, body, created, next_attempt)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, sub, eventID, eventType, body, created.UnixNano(), created.UnixNano()); err != nil {
		t.Fatal(err)
	}
	return id
}

// Claim implements webhook.Outbox in one IMMEDIATE transaction, so two
// processes never claim one delivery.
func (o *sqliteOutbox) Claim(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	subs, _ := json.Marshal(q.InFlight.Subscriptions)
	accounts, _ := json.Marshal(q.InFlight.Accounts)
	perAccount := q.PerAccount
	if perAccount <= 0 {
		perAccount = math.MaxInt32
	}
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := q.Now.UnixNano()
	// Each subscription's earliest due deliveries, by the index on
	// (subscription, next attempt): the cost grows with the number of
	// subscriptions, not with a backlog. Of those, each subscription's
	// and each account's first that its bound leaves beside those in
	// flight (its turn: how many would then be in flight), the lowest
	// turn first, so that accounts take turns.
	rows, err := tx.QueryContext(ctx, `
		SELECT id, attempts + 1, created, body, sub, account, url_sealed, secrets FROM (
			SELECT c.*, c.account_held + row_number() OVER (PARTITION BY c.account ORDER BY c.next_attempt, c.id) AS turn FROM (
				SELECT d.id, d.attempts, d.created, d.body, d.next_attempt, s.id AS sub, s.account_id AS account, s.url_sealed, s.secrets,
					coalesce((SELECT value FROM json_each(?) WHERE key = s.account_id), 0) AS account_held,
					coalesce((SELECT value FROM json_each(?) WHERE key = s.id), 0)
						+ row_number() OVER (PARTITION BY s.id ORDER BY d.next_attempt, d.id) AS sub_turn
				FROM webhook_subscriptions s
				JOIN webhook_deliveries d ON d.id IN (
					SELECT x.id FROM webhook_deliveries x
					WHERE x.subscription_id = s.id AND x.state = 'pending' AND x.next_attempt <= ? AND x.leased_until <= ?
					ORDER BY x.next_attempt, x.id LIMIT ?)
			) c WHERE c.sub_turn <= ?
		) WHERE turn <= ?
		ORDER BY turn, next_attempt, id
		LIMIT ?`, string(accounts), string(subs), now, now, q.PerSubscription, q.PerSubscription, perAccount, q.Limit)
	if err != nil {
		return nil, err
	}
	var out []webhook.Delivery
	for rows.Next() {
		var d webhook.Delivery
		var created int64
		var secrets string
		if err := rows.Scan(&d.ID, &d.Attempt, &created, &d.Body, &d.Subscription.ID, &d.Subscription.AccountID,
			&d.Subscription.SealedURL, &secrets); err != nil {
			rows.Close()
			return nil, err
		}
		d.Created = time.Unix(0, created)
		if err := json.Unmarshal([]byte(secrets), &d.Subscription.Secrets); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, d := range out {
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = ?, leased_until = ? WHERE id = ?`,
			d.Attempt, q.Now.Add(q.Lease).UnixNano(), d.ID); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

// Succeeded implements webhook.Outbox.
func (o *sqliteOutbox) Succeeded(ctx context.Context, id string, _ int, at time.Time) error {
	_, err := o.db.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'succeeded', finished = ?, leased_until = 0
		WHERE id = ? AND state = 'pending'`, at.UnixNano(), id)
	return err
}

// Failed implements webhook.Outbox.
func (o *sqliteOutbox) Failed(ctx context.Context, id string, attempt int, next time.Time, lastError string) error {
	_, err := o.db.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt = ?, leased_until = 0, last_error = ?
		WHERE id = ? AND attempts = ? AND state = 'pending'`, next.UnixNano(), lastError, id, attempt)
	return err
}

// Park implements webhook.Outbox.
func (o *sqliteOutbox) Park(ctx context.Context, id string, attempt int, at time.Time, reason string) error {
	_, err := o.db.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'parked', finished = ?, leased_until = 0, reason = ?
		WHERE id = ? AND attempts = ? AND state = 'pending'`, at.UnixNano(), reason, id, attempt)
	return err
}

// Parked implements webhook.ParkedLister.
func (o *sqliteOutbox) Parked(ctx context.Context, accountID string, limit int) ([]webhook.ParkedDelivery, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT d.id, d.subscription_id, d.event_id, d.event_type, d.created, d.finished,
		d.attempts, d.last_error, d.reason
		FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
		WHERE s.account_id = ? AND d.state = 'parked' ORDER BY d.finished DESC, d.id LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.ParkedDelivery
	for rows.Next() {
		var p webhook.ParkedDelivery
		var created, parked int64
		if err := rows.Scan(&p.ID, &p.SubscriptionID, &p.EventID, &p.EventType, &created, &parked, &p.Attempts,
			&p.LastError, &p.Reason); err != nil {
			return nil, err
		}
		p.Created, p.Parked = time.Unix(0, created).UTC(), time.Unix(0, parked).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// row is a delivery's stored state, for assertions.
type row struct {
	State       string
	Attempts    int
	NextAttempt time.Time
	LeasedUntil time.Time
	LastError   string
	Reason      string
}

func (o *sqliteOutbox) row(t testing.TB, id string) row {
	t.Helper()
	var r row
	var next, leased int64
	if err := o.db.QueryRow(`SELECT state, attempts, next_attempt, leased_until, last_error, reason FROM webhook_deliveries WHERE id = ?`, id).
		Scan(&r.State, &r.Attempts, &next, &leased, &r.LastError, &r.Reason); err != nil {
		t.Fatalf("delivery %s: %v", id, err)
	}
	r.NextAttempt, r.LeasedUntil = time.Unix(0, next).UTC(), time.Unix(0, leased).UTC()
	return r
}

var _ outboxtest.Harness = (*sqliteOutbox)(nil)

// TestSQLiteOutbox holds the tests' outbox to the port's contract, so
// that what the engine's tests show rests on an outbox that behaves as a
// store must.
func TestSQLiteOutbox(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outboxtest.Harness { return newOutbox(t) })
}

// outboxSync is the outbox database's synchronous setting: FULL, as
// Keyward's store runs, unless a benchmark measures the engine without
// the fsync of each commit.
var outboxSync = "FULL"
