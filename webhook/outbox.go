package webhook

import (
	"context"
	"time"

	"github.com/keyward/keyward"
)

// Outbox is the durable queue of deliveries the Engine works from: the
// port a store implements. A delivery is one event for one subscription;
// the store writes it, with the event's encoded body (Event.Encode), in the
// transaction that makes the change the event reports, so a change that
// committed always has its deliveries and one that rolled back has none.
// A delivery is pending until Succeeded or Park; it is never lost while
// pending, whatever happens to the process delivering it.
//
// Claim leases deliveries: a claimed delivery is not due again until its
// lease ends, and when the engine that claimed it dies before saying how
// it went, it is due again then and another engine (or the same one,
// restarted) claims it. Each claim counts an attempt, so a delivery that
// keeps killing its engine still reaches MaxAttempts and is parked.
// Succeeded, Failed and Park name the attempt they report on (the
// Delivery's Attempt); a report on an attempt that is no longer the latest
// (its lease ran out and the delivery was claimed again) is ignored by
// Failed and Park and still counts for Succeeded: the receiver has it.
//
// With several replicas, Claim must hand a delivery to one of them at a
// time: in PostgreSQL an UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
// LOCKED) RETURNING …; in SQLite one IMMEDIATE transaction.
type Outbox interface {
	// Claim leases, and returns, up to q.Limit pending deliveries that are
	// due at q.Now (next attempt at or before it, no lease running), no
	// more of one subscription, nor of one account's subscriptions, than
	// q.PerSubscription and q.PerAccount leave beside those q.InFlight
	// counts. Each account's earliest due come first, and the accounts
	// take turns, the one with the fewest in flight first: a delivery
	// comes before another when fewer of its account's would then be in
	// flight (q.InFlight's, and those claimed before it), and otherwise
	// when it is due earlier. Each returned delivery's Attempt is one more
	// than before and its lease ends at q.Now+q.Lease. Its cost must not
	// grow with the number of deliveries pending: the engine claims at
	// every poll and whenever deliveries end, and one account's backlog
	// would make every claim longer.
	Claim(ctx context.Context, q ClaimQuery) ([]Delivery, error)
	// Succeeded marks the delivery delivered: a receiver answered 2xx.
	Succeeded(ctx context.Context, id string, attempt int, at time.Time) error
	// Failed records a failed attempt: the delivery is due again at next,
	// and lastError (which holds no secret and no URL) is kept for the
	// console.
	Failed(ctx context.Context, id string, attempt int, next time.Time, lastError string) error
	// Park gives up on the delivery after its last attempt; it stays listed,
	// with reason, where the console and keyward events show parked
	// deliveries, until an administrator retries or deletes it.
	Park(ctx context.Context, id string, attempt int, at time.Time, reason string) error
}

// ClaimQuery is what Outbox.Claim is asked for.
type ClaimQuery struct {
	Now   time.Time
	Limit int
	// Lease is how long the claim holds: longer than a delivery can take,
	// so that a live engine's delivery is never claimed twice.
	Lease time.Duration
	// PerSubscription and PerAccount bound the deliveries of one
	// subscription, and of one account's subscriptions, that the engine
	// has in flight at once, so that one slow or dead receiver occupies a
	// bounded number of the engine's workers and the others' events still
	// go out, and so does one account's, whatever number of subscriptions
	// it has: every account's events get free workers. InFlight counts
	// those the engine has in flight already; a subscription or an
	// account at its bound gets nothing. PerAccount 0 bounds no account.
	PerSubscription int
	PerAccount      int
	InFlight        InFlight
}

// InFlight counts the deliveries an engine has in flight (claimed, not
// yet reported), by subscription ID and by account ID.
type InFlight struct {
	Subscriptions map[string]int
	Accounts      map[string]int
}

// Delivery is one event to deliver to one subscription, as claimed.
type Delivery struct {
	// ID is the outbox's ID of this delivery.
	ID string
	// Attempt is the number of this attempt, 1 for the first.
	Attempt int
	// Created is when the event was written: MaxAge counts from it.
	Created time.Time
	// Subscription is the subscription's state now (not when the event was
	// written), so that a changed URL or a rotated secret takes effect for
	// deliveries still pending.
	Subscription Subscription
	// Body is the encoded CloudEvent (Event.Encode), sent as it is.
	Body []byte
}

// Subscription is what the engine needs of a webhook subscription.
type Subscription struct {
	ID        string
	AccountID string
	// SealedURL is the URL to deliver to, which may hold a token, sealed
	// under the master key with URLAssociatedData(ID) as associated data.
	// The engine opens it (Config.Secrets) only to send.
	SealedURL []byte
	// Secrets are the subscription's signing secrets, sealed under the
	// master key with the subscription's ID as associated data, the
	// current one first; more than one while a secret is being replaced.
	// The engine opens them (Config.Secrets) only to sign.
	Secrets [][]byte
}

// URLAssociatedData is the associated data a subscription's URL is sealed
// with: its ID and "#url", so that a secret sealed with the ID alone
// cannot be opened as its URL, nor its URL as a secret.
func URLAssociatedData(subscriptionID string) string { return subscriptionID + "#url" }

// ParkedDelivery is a delivery that was given up, as listed for the
// console and keyward events: the one type the API answers with, its
// EventID and EventType the CloudEvent's id and type.
type ParkedDelivery = keyward.WebhookDelivery

// ParkedLister lists an account's parked deliveries, the most recently
// parked first: what the console's and keyward events' listings call.
type ParkedLister interface {
	Parked(ctx context.Context, accountID string, limit int) ([]ParkedDelivery, error)
}
