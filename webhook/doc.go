// Package webhook pushes Keyward's events to the HTTP endpoints that
// administrators subscribe, as signed CloudEvents, from a durable outbox.
//
// # Events
//
// An event is a CloudEvents 1.0 event in the JSON event format, sent in
// structured mode: the request body is one JSON object holding the
// attributes and the data, with Content-Type application/cloudevents+json.
//
//	{
//	  "specversion": "1.0",
//	  "id": "evt-0002",
//	  "source": "keyward://keyward.example.com/accounts/123456789012",
//	  "type": "io.keyward.access-key.deactivated",
//	  "subject": "AKIAKEYWARDEXAMPLE01",
//	  "time": "2026-07-01T09:30:00.123Z",
//	  "datacontenttype": "application/json",
//	  "data": {"accountId": "123456789012", "userName": "alice",
//	           "accessKeyId": "AKIAKEYWARDEXAMPLE01", "status": "Inactive", …}
//	}
//
// The type is io.keyward. followed by the event's name: access-key.created,
// access-key.activated, access-key.deactivated, access-key.deleted,
// access-key.expiring, access-key.expired, access-key.unused,
// root-key.used, console.sign-in-failures, and audit.<EventName> for every
// audit record of that CloudTrail event name (audit.CreateUser). The
// source names the deployment and the account (Source); the id is the
// outbox's ID for the event, the same on every retry, so receivers drop
// duplicates by (source, id). The data has one schema for every type
// (Data): the account ID always, the user name and access key ID where the
// event concerns a key, and the fields documented there. testdata/ holds
// one example of each kind, checked by the CloudEvents SDK in the tests.
//
// # Signatures
//
// Every delivery carries X-Keyward-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256(secret, t + "." + body)> (SignatureHeader), one v1 for each
// of the subscription's secrets while a secret is being replaced. Receivers
// check it with Verify, or its equivalent in their language, before they
// believe the body, and refuse an old timestamp, so a captured delivery
// cannot be replayed later. X-Keyward-Delivery names the delivery (one
// event to one subscription) for support; it is not signed and proves
// nothing.
//
// # Delivery
//
// The store writes a delivery, one event for one subscription, in the
// transaction that makes the change (Outbox), and the writer calls
// Engine.Notify; the engine also polls (every second by default) for
// retries and for rows written by other replicas. So a receiver that
// answers gets each event within a second or two of the change, usually
// milliseconds, and a request that makes a change never waits for a
// receiver: it writes a row.
//
// Delivery is at least once: a delivery is done when its receiver answers
// 2xx, and only then. Anything else (another status, a redirect, which is
// never followed, a connection refused, no answer within the timeout) is a
// failed attempt, retried after a delay that doubles from 10 seconds to an
// hour, with jitter; after 25 attempts, or a day after the event, the
// delivery is parked: listed, with its last error, for the console and
// keyward events, and attempted no more. A delivery in flight is leased,
// not removed: if the process dies during it, the lease ends and the
// delivery goes out again from this or another replica; nothing is lost,
// and a receiver may see an event twice.
//
// Deliveries are not ordered, within a subscription or across: an event
// being retried does not hold up the events after it, which may arrive
// first. A receiver that needs the latest
// state compares the events' times, or asks Keyward (ListAccessKeys).
//
// One slow or dead receiver costs a bounded share of the engine: it has
// at most Config.PerSubscription deliveries in flight, each ends at
// Config.Timeout, and every answer is read to at most some 64 KiB. One
// account's receivers together have at most Config.PerAccount in flight
// (half of the workers by default), however many subscriptions it has
// and however many of its events are due, so that the others' events
// always find free workers; the outbox gives the accounts turns, the one
// with the fewest in flight first. The engine runs Config.Workers
// deliveries at most, in goroutines it owns, until Close.
//
// # Targets
//
// A subscription's URL is http or https (ValidateURL). Deliveries connect
// only to public addresses unless the server allows private ones
// (--webhook-allow-private, for single-host setups and tests): the
// address is checked as the connection is made, after DNS resolution
// (package netguard), so a name that resolves to a loopback, private,
// link-local or metadata address is refused as well as the address
// written out. No proxy is taken from the environment and no redirect is
// followed, since either would send the request somewhere not checked.
// A URL may hold a token; it is kept out of logs and of the last error.
// The last error, which the subscription's account reads, says what kind
// of failure a delivery met (a name that did not resolve, or resolved to
// an address that is not public, a connection refused, a certificate not
// trusted) and never an address: not the one a name resolved to, the
// resolver's or the host's own. The server's log keeps the error whole.
package webhook
