package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

// Webhook subscriptions and their outbox (package webhook's Outbox). A
// change's deliveries are written in its transaction, beside its audit
// event (WriteEvent); events written without a change (AppendEvents:
// refusals, sign-ins) and uses of the root user's keys
// (RecordAccessKeyUses) write theirs in the transaction that writes them.
// Finding no subscription costs one indexed read in that transaction.

var _ webhook.Outbox = (*Store)(nil)
var _ webhook.ParkedLister = (*Store)(nil)

// WireWebhooks sets the host that webhook events' source names (the host
// of the deployment's public endpoint, the same on every replica; "keyward"
// when empty) and notify, called after a write transaction that wrote
// deliveries commits: the delivery engine's Notify, which never blocks.
func (s *Store) WireWebhooks(host string, notify func()) {
	// A host events cannot name would fail every change that has
	// subscribers: it is refused here, once, for the default.
	if _, err := webhook.NewEvent(webhook.RootKeyUsed, "check", host, time.Time{}, "", webhook.Data{AccountID: "0"}); err != nil {
		host = ""
	}
	s.webhookHostName.Store(&host)
	if notify != nil {
		s.onDeliveries.Store(&notify)
	}
}

// webhookHost is the host events' source names.
func (s *Store) webhookHost() string {
	if h := s.webhookHostName.Load(); h != nil && *h != "" {
		return *h
	}
	return "keyward"
}

// Committed is called by the backends after a write transaction commits:
// when one wrote deliveries since the last call, the notify function of
// WireWebhooks learns of it. A transaction that wrote some and rolled back
// may cause one call too many, which only makes the engine look once for
// nothing.
func (s *Store) Committed() {
	if s.enqueued.Swap(false) {
		if fn := s.onDeliveries.Load(); fn != nil {
			(*fn)()
		}
	}
}

// CreateWebhookSubscription implements keyward.WebhookStore.
func (s *Store) CreateWebhookSubscription(ctx context.Context, sub keyward.WebhookSubscription) error {
	secrets, err := json.Marshal(sub.Secrets)
	if err != nil {
		return err
	}
	events, err := json.Marshal(sub.Events)
	if err != nil {
		return err
	}
	return s.transact(ctx, func(tx *sql.Tx) error {
		// The account's row serialises creations, so the quota holds
		// whatever runs at once.
		if _, err := tx.ExecContext(ctx, s.q(`SELECT 1 FROM accounts WHERE id = ?`+s.ForUpdate), sub.AccountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_subscriptions (id, account_id, url, url_sealed, secrets, events, created_at)
			SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM webhook_subscriptions WHERE account_id = ?) < ?`),
			sub.ID, sub.AccountID, sub.URL, sub.SealedURL, string(secrets), string(events), toNanos(sub.CreatedAt), sub.AccountID, keyward.MaxWebhookSubscriptions)
		if err := changedOr(keyward.ErrWebhookSubscriptionQuota, res, err); err != nil {
			return err
		}
		for _, name := range sub.Events {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_subscription_events (account_id, event_name, subscription_id) VALUES (?, ?, ?)`),
				sub.AccountID, name, sub.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReplaceWebhookTarget changes a subscription's URL (its display form
// and the whole URL sealed, as keyward.WebhookSubscription holds them)
// and secrets; the deliveries still pending go to the new URL, signed
// with the new secrets. ErrNoSuchWebhookSubscription.
func (s *Store) ReplaceWebhookTarget(ctx context.Context, id, displayURL string, sealedURL []byte, secrets [][]byte) error {
	js, err := json.Marshal(secrets)
	if err != nil {
		return err
	}
	return s.transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_subscriptions SET url = ?, url_sealed = ?, secrets = ? WHERE id = ?`),
			displayURL, sealedURL, string(js), id)
		if err := changedOr(keyward.ErrNoSuchWebhookSubscription, res, err); err != nil {
			return err
		}
		return nil
	})
}

const subscriptionColumns = `id, account_id, url, url_sealed, secrets, events, created_at FROM webhook_subscriptions`

func scanSubscription(r rowScanner) (keyward.WebhookSubscription, error) {
	var sub keyward.WebhookSubscription
	var secrets, events string
	var created int64
	if err := r.Scan(&sub.ID, &sub.AccountID, &sub.URL, &sub.SealedURL, &secrets, &events, &created); err != nil {
		return sub, err
	}
	sub.CreatedAt = fromNanos(created)
	if err := json.Unmarshal([]byte(secrets), &sub.Secrets); err != nil {
		return sub, err
	}
	return sub, json.Unmarshal([]byte(events), &sub.Events)
}

// WebhookSubscription implements keyward.WebhookStore.
func (s *Store) WebhookSubscription(ctx context.Context, accountID, id string) (keyward.WebhookSubscription, error) {
	sub, err := scanSubscription(s.DB.QueryRowContext(ctx, s.q(`SELECT `+subscriptionColumns+` WHERE account_id = ? AND id = ?`), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sub, keyward.ErrNoSuchWebhookSubscription
	}
	return sub, err
}

// ListWebhookSubscriptions implements keyward.WebhookStore.
func (s *Store) ListWebhookSubscriptions(ctx context.Context, accountID string) ([]keyward.WebhookSubscription, error) {
	return collect(ctx, s, s.DB, `SELECT `+subscriptionColumns+` WHERE account_id = ? ORDER BY created_at, id`, []any{accountID}, scanSubscription)
}

// DeleteWebhookSubscription implements keyward.WebhookStore.
func (s *Store) DeleteWebhookSubscription(ctx context.Context, accountID, id string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM webhook_subscriptions WHERE account_id = ? AND id = ?`), accountID, id)
		if err := changedOr(keyward.ErrNoSuchWebhookSubscription, res, err); err != nil {
			return err
		}
		// The foreign keys cascade; said again for a database that does
		// not enforce them.
		for _, table := range []string{"webhook_subscription_events", "webhook_deliveries"} {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE subscription_id = ?`), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ParkedWebhookDeliveries implements keyward.WebhookStore.
func (s *Store) ParkedWebhookDeliveries(ctx context.Context, accountID string, limit int) ([]keyward.WebhookDelivery, error) {
	return s.Parked(ctx, accountID, limit)
}

// Parked implements webhook.ParkedLister.
func (s *Store) Parked(ctx context.Context, accountID string, limit int) ([]webhook.ParkedDelivery, error) {
	return collect(ctx, s, s.DB, `SELECT d.id, d.subscription_id, d.event_id, d.event_type, d.created, d.finished, d.attempts, d.last_error, d.reason
		FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
		WHERE s.account_id = ? AND d.state = 'parked' ORDER BY d.finished DESC, d.id LIMIT `+strconv.Itoa(max(limit, 1)),
		[]any{accountID}, func(r rowScanner) (webhook.ParkedDelivery, error) {
			var p webhook.ParkedDelivery
			var created, parked int64
			err := r.Scan(&p.ID, &p.SubscriptionID, &p.EventID, &p.EventType, &created, &parked, &p.Attempts, &p.LastError, &p.Reason)
			p.Created, p.Parked = fromNanos(created), fromNanos(parked)
			return p, err
		})
}

// EnqueueDelivery writes one delivery of an encoded event to a
// subscription, due at once, and returns its ID: what the store does for
// each subscriber of a change, for tools and the conformance suite.
func (s *Store) EnqueueDelivery(ctx context.Context, subscriptionID, eventID, eventType string, body []byte, created time.Time) (string, error) {
	id := eventID + "/" + subscriptionID
	err := s.transact(ctx, func(tx *sql.Tx) error {
		return s.insertDelivery(ctx, tx, id, subscriptionID, eventID, eventType, body, created)
	})
	return id, err
}

// insertDelivery writes a delivery unless one with its ID exists: IDs are
// made from the event's, so writing an event twice delivers it once.
func (s *Store) insertDelivery(ctx context.Context, tx *sql.Tx, id, sub, eventID, eventType string, body []byte, created time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, body, created, next_attempt)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), id, sub, eventID, eventType, body, toNanos(created), toNanos(created))
	if err == nil {
		s.enqueued.Store(true)
	}
	return err
}

// subscribers returns, by event name, the IDs of the account's
// subscriptions that chose one of names.
func (s *Store) subscribers(ctx context.Context, tx *sql.Tx, accountID string, names []string) (map[string][]string, error) {
	args := make([]any, 0, len(names)+1)
	args = append(args, accountID)
	for _, n := range names {
		args = append(args, n)
	}
	var out map[string][]string
	err := s.each(ctx, tx, `SELECT event_name, subscription_id FROM webhook_subscription_events
		WHERE account_id = ? AND event_name IN (`+placeholders(len(names))+`)`, args, func(r *sql.Rows) error {
		var name, sub string
		if err := r.Scan(&name, &sub); err != nil {
			return err
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[name] = append(out[name], sub)
		return nil
	})
	return out, err
}

// enqueue writes, in tx, a delivery of each occurrence to every
// subscription of the account that chose its name. The CloudEvent's ID is
// baseID and the name, the same for every subscriber and on every retry.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, accountID, baseID string, at time.Time, occ []webhook.Occurrence) error {
	if len(occ) == 0 {
		return nil
	}
	names := make([]string, len(occ))
	for i, o := range occ {
		names[i] = o.Name
	}
	subs, err := s.subscribers(ctx, tx, accountID, names)
	if err != nil || len(subs) == 0 {
		return err
	}
	for _, o := range occ {
		if err := s.enqueueTo(ctx, tx, subs[o.Name], o, baseID+"."+o.Name, at); err != nil {
			return err
		}
	}
	return nil
}

// enqueueTo writes a delivery of one occurrence, as the CloudEvent with
// the given ID, to each of subs.
func (s *Store) enqueueTo(ctx context.Context, tx *sql.Tx, subs []string, o webhook.Occurrence, id string, at time.Time) error {
	if len(subs) == 0 {
		return nil
	}
	ev, err := webhook.NewEvent(o.Name, id, s.webhookHost(), at, o.Subject, o.Data)
	if err != nil {
		return err
	}
	body, err := ev.Encode()
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := s.insertDelivery(ctx, tx, ev.ID+"/"+sub, sub, ev.ID, ev.Type, body, at); err != nil {
			return err
		}
	}
	return nil
}

// enqueueAudit writes the deliveries an audit event makes (webhook.FromAudit).
func (s *Store) enqueueAudit(ctx context.Context, tx *sql.Tx, e *keyward.Event, record []byte) error {
	if e.EventID == "" {
		return nil
	}
	return s.enqueue(ctx, tx, e.RecipientAccountID, e.EventID, e.EventTime, webhook.FromAudit(e, record))
}

// Console sign-in failures: console.sign-in-failures is sent when an
// account has SignInFailureThreshold failed console sign-ins or more
// within SignInFailureWindow, at most once per subscription and window: a
// subscription that was sent one within the window is not sent another.
const (
	SignInFailureThreshold = 5
	SignInFailureWindow    = 5 * time.Minute
)

// failedSignIn matches a failed ConsoleLogin's record, as the console
// writes it.
const failedSignIn = `%"ConsoleLogin":"Failure"%`

// enqueueSignInFailures counts, in tx after e was written, the account's
// failed sign-ins in the window ending at e, and sends
// console.sign-in-failures to the subscriptions not sent one within it.
func (s *Store) enqueueSignInFailures(ctx context.Context, tx *sql.Tx, e *keyward.Event) error {
	if e.EventName != "ConsoleLogin" || e.ResponseElements["ConsoleLogin"] != "Failure" || e.RecipientAccountID == "" || e.EventID == "" {
		return nil
	}
	subs, err := s.subscribers(ctx, tx, e.RecipientAccountID, []string{webhook.ConsoleSignInFailures})
	if err != nil || len(subs) == 0 {
		return err
	}
	start := e.EventTime.Add(-SignInFailureWindow)
	var n int
	// The account's failures alone: every account's trail is in the one
	// table.
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM events WHERE account_id = ? AND event_name = 'ConsoleLogin' AND event_time > ? AND event_time <= ?
		AND record LIKE ?`), e.RecipientAccountID, toNanos(start), toNanos(e.EventTime), failedSignIn).Scan(&n); err != nil {
		return err
	}
	if n < SignInFailureThreshold {
		return nil
	}
	var due []string
	for _, sub := range subs[webhook.ConsoleSignInFailures] {
		var sent int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM webhook_deliveries WHERE subscription_id = ? AND event_type = ? AND created > ?`),
			sub, webhook.TypePrefix+webhook.ConsoleSignInFailures, toNanos(start)).Scan(&sent); err != nil {
			return err
		}
		if sent == 0 {
			due = append(due, sub)
		}
	}
	user := e.UserIdentity.UserName
	if user == "" && e.UserIdentity.Type == "Root" {
		user = webhook.RootUserName
	}
	return s.enqueueTo(ctx, tx, due, webhook.Occurrence{
		Name: webhook.ConsoleSignInFailures, Subject: user,
		Data: webhook.Data{AccountID: e.RecipientAccountID, UserName: user, SourceIPAddress: e.SourceIPAddress, Failures: n, WindowStart: &start},
	}, e.EventID+"."+webhook.ConsoleSignInFailures, e.EventTime)
}

// enqueueRootKeyUses sends root-key.used for the uses of the root user's
// keys in a batch of last uses, at most once per key in each hour of the
// clock: the event's ID is made of the key and the hour, and a delivery
// whose ID exists is not written again.
func (s *Store) enqueueRootKeyUses(ctx context.Context, tx *sql.Tx, uses []keyward.AccessKeyUse) error {
	subs, err := collect(ctx, s, tx, `SELECT account_id, subscription_id FROM webhook_subscription_events WHERE event_name = ?`,
		[]any{webhook.RootKeyUsed}, func(r rowScanner) ([2]string, error) {
			var v [2]string
			return v, r.Scan(&v[0], &v[1])
		})
	if err != nil || len(subs) == 0 {
		return err
	}
	// The root users' keys of the subscribed accounts, at most two an
	// account, rather than the flush's keys in one IN list, which a busy
	// flush would make longer than a statement may bind.
	roots, err := collect(ctx, s, tx, `SELECT id, account_id FROM access_keys WHERE user_id = ''
		AND account_id IN (SELECT account_id FROM webhook_subscription_events WHERE event_name = ?)`,
		[]any{webhook.RootKeyUsed}, func(r rowScanner) ([2]string, error) {
			var v [2]string
			return v, r.Scan(&v[0], &v[1])
		})
	if err != nil || len(roots) == 0 {
		return err
	}
	root := make(map[string]string, len(roots)) // key ID → its account
	for _, k := range roots {
		root[k[0]] = k[1]
	}
	for _, u := range uses {
		account, ok := root[u.AccessKeyID]
		if !ok {
			continue
		}
		hour := u.Time.UTC().Truncate(time.Hour)
		for _, sub := range subs {
			if sub[0] != account {
				continue // another account's subscription
			}
			o := webhook.Occurrence{Name: webhook.RootKeyUsed, Subject: u.AccessKeyID, Data: webhook.Data{AccountID: sub[0],
				UserName: webhook.RootUserName, AccessKeyID: u.AccessKeyID, Region: u.Region, Service: u.Service}}
			id := webhook.RootKeyUsed + "." + u.AccessKeyID + "." + strconv.FormatInt(hour.Unix(), 10)
			if err := s.enqueueTo(ctx, tx, []string{sub[1]}, o, id, u.Time); err != nil {
				return err
			}
		}
	}
	return nil
}

// Claim implements webhook.Outbox: each subscription's earliest due
// deliveries, by the index of pending ones, which is read for the
// subscriptions that have some and, in each, for its first due; of those,
// what the bounds leave each subscription and each account beside the
// deliveries in flight; each is then leased by a conditional update,
// which a concurrent claim of the same row (another replica) makes affect
// nothing. The cost grows with the number of subscriptions that have
// deliveries pending, never with how many they have: the engine claims at
// every poll and whenever deliveries end, and one account's backlog must
// not make every claim longer (plancheck.NoSweep holds the plans to it).
func (s *Store) Claim(ctx context.Context, q webhook.ClaimQuery) ([]webhook.Delivery, error) {
	if q.Limit <= 0 || q.PerSubscription <= 0 {
		return nil, nil
	}
	now := toNanos(q.Now)
	// The engine asks every second: when nothing is due, a read answers
	// and no write transaction is taken.
	var due bool
	if err := s.DB.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM webhook_deliveries
		WHERE state = 'pending' AND next_attempt <= ? AND leased_until <= ?)`), now, now).Scan(&due); err != nil {
		return nil, err
	}
	if !due {
		return nil, nil
	}
	perAccount := q.PerAccount
	if perAccount <= 0 {
		perAccount = math.MaxInt32
	}
	// Each subscription's first PerSubscription due deliveries: a lateral
	// join reads them from the index in order and stops; without one, the
	// subquery's IDs are joined by the primary key. Joined by the
	// subscription and filtered by the subquery instead, they were read
	// whole, every due delivery of every subscription on each claim.
	firstDue := `SELECT x.id, x.next_attempt FROM webhook_deliveries x
					WHERE x.subscription_id = subs.id AND x.state = 'pending' AND x.next_attempt <= ? AND x.leased_until <= ?
					ORDER BY x.next_attempt, x.id LIMIT ?`
	join := `JOIN webhook_deliveries d ON d.id IN (SELECT id FROM (` + firstDue + `) f)`
	if s.Lateral {
		join = `CROSS JOIN LATERAL (` + firstDue + `) d`
	}
	// The subscriptions with deliveries pending, one lookup in the index
	// of pending deliveries each: the first subscription after the one
	// before (after '', which no ID is, to begin), with its account, read
	// by its ID.
	next := func(after string) string {
		return `(SELECT p.subscription_id FROM webhook_deliveries p WHERE p.state = 'pending' AND p.subscription_id > ` + after + `
					ORDER BY p.subscription_id, p.next_attempt, p.id LIMIT 1)`
	}
	pending := `WITH RECURSIVE pending AS (
				SELECT ` + next("''") + ` AS id
				UNION ALL
				SELECT ` + next("pending.id") + ` FROM pending WHERE pending.id IS NOT NULL),
			subs AS (SELECT pending.id, (SELECT w.account_id FROM webhook_subscriptions w WHERE w.id = pending.id) AS account_id
				FROM pending WHERE pending.id IS NOT NULL)`
	var out []webhook.Delivery
	err := s.transact(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		accountHeld, args := inFlightCase("subs.account_id", q.InFlight.Accounts, nil)
		subHeld, args := inFlightCase("subs.id", q.InFlight.Subscriptions, args)
		args = append(args, now, now, q.PerSubscription, q.PerSubscription, perAccount)
		type candidate struct {
			id, sub string
		}
		// Each candidate is numbered in its subscription and in its
		// account, after those in flight (its turn): those whose turn is
		// past a bound are left out, and the rest taken by turn, so that
		// the accounts take turns, the least busy first, and none holds
		// more than its share of the workers.
		cands, err := collect(ctx, s, tx, pending+`
			SELECT id, sub FROM (
			SELECT c.id, c.sub, c.next_attempt,
				c.account_held + ROW_NUMBER() OVER (PARTITION BY c.account ORDER BY c.next_attempt, c.id) AS turn
			FROM (
				SELECT d.id, subs.id AS sub, subs.account_id AS account, d.next_attempt, `+accountHeld+` AS account_held,
					`+subHeld+` + ROW_NUMBER() OVER (PARTITION BY subs.id ORDER BY d.next_attempt, d.id) AS sub_turn
				FROM subs `+join+`
				WHERE subs.account_id IS NOT NULL
			) c WHERE c.sub_turn <= ?
		) a WHERE a.turn <= ?
		ORDER BY a.turn, a.next_attempt, a.id LIMIT `+strconv.Itoa(q.Limit), args, func(r rowScanner) (candidate, error) {
			var c candidate
			return c, r.Scan(&c.id, &c.sub)
		})
		if err != nil {
			return err
		}
		lease := toNanos(q.Now.Add(q.Lease))
		for _, c := range cands {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET attempts = attempts + 1, leased_until = ?
				WHERE id = ? AND state = 'pending' AND next_attempt <= ? AND leased_until <= ?`), lease, c.id, now, now)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				continue // another replica claimed it meanwhile
			}
			var d webhook.Delivery
			var created int64
			var secrets string
			if err := tx.QueryRowContext(ctx, s.q(`SELECT d.attempts, d.created, d.body, s.id, s.account_id, s.url_sealed, s.secrets
				FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = ?`), c.id).
				Scan(&d.Attempt, &created, &d.Body, &d.Subscription.ID, &d.Subscription.AccountID, &d.Subscription.SealedURL, &secrets); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(secrets), &d.Subscription.Secrets); err != nil {
				return err
			}
			d.ID, d.Created = c.id, fromNanos(created)
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inFlightCase is an SQL expression of the deliveries in flight of the
// subscription or account that col names (CASE col WHEN id THEN n … ELSE
// 0 END), and args with its arguments appended.
func inFlightCase(col string, counts map[string]int, args []any) (string, []any) {
	if len(counts) == 0 {
		return "0", args
	}
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, id := range slices.Sorted(maps.Keys(counts)) {
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, id, counts[id])
	}
	b.WriteString(" ELSE 0 END")
	return b.String(), args
}

// Succeeded implements webhook.Outbox: a late report counts, the receiver
// has the event.
func (s *Store) Succeeded(ctx context.Context, id string, _ int, at time.Time) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET state = 'succeeded', finished = ?, leased_until = 0
			WHERE id = ? AND state = 'pending'`), toNanos(at), id)
		return err
	})
}

// Failed implements webhook.Outbox; a report on an attempt that is no
// longer the latest changes nothing.
func (s *Store) Failed(ctx context.Context, id string, attempt int, next time.Time, lastError string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET next_attempt = ?, leased_until = 0, last_error = ?
			WHERE id = ? AND attempts = ? AND state = 'pending'`), toNanos(next), keyward.Clip(lastError), id, attempt)
		return err
	})
}

// Park implements webhook.Outbox; a report on an attempt that is no
// longer the latest changes nothing.
func (s *Store) Park(ctx context.Context, id string, attempt int, at time.Time, reason string) error {
	return s.transact(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET state = 'parked', finished = ?, leased_until = 0, reason = ?
			WHERE id = ? AND attempts = ? AND state = 'pending'`), toNanos(at), keyward.Clip(reason), id, attempt)
		return err
	})
}
