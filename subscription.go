package keyward

import (
	"context"
	"errors"
	"time"
)

// WebhookSubscription is an account's subscription to Keyward's events: a
// URL they are delivered to, signed with its secrets, and the names of the
// events it chooses (package webhook lists them). The URL may hold a
// token: it is never logged, and never stored or shown whole.
type WebhookSubscription struct {
	ID        string
	AccountID string
	// URL is the URL as listings show it (iam.DisplayURL): the scheme and
	// host, and "…" for whatever follows, which may be a token.
	URL string
	// SealedURL is the whole URL sealed under the master key with the
	// subscription's ID and "#url" as associated data
	// (webhook.URLAssociatedData), so that a sealed secret cannot stand
	// in for it.
	SealedURL []byte
	// Secrets are the signing secrets sealed under the master key with the
	// subscription's ID as associated data, the current one first.
	Secrets   [][]byte
	Events    []string
	CreatedAt time.Time
}

// WebhookDelivery is a delivery that was given up (parked), as the
// console and keyward webhooks deliveries list it.
type WebhookDelivery struct {
	ID             string
	SubscriptionID string
	EventID        string
	EventType      string
	Created        time.Time
	Parked         time.Time
	Attempts       int
	LastError      string
	Reason         string
}

// MaxWebhookSubscriptions is Keyward's quota of subscriptions per account.
const MaxWebhookSubscriptions = 20

// Error codes of the webhook subscriptions, a Keyward extension: AWS has
// no such codes.
const (
	ENoSuchWebhookSubscription        = "NoSuchWebhookSubscription"
	EWebhookSubscriptionLimitExceeded = "WebhookSubscriptionLimitExceeded"
	EInvalidWebhookURL                = "InvalidWebhookUrl"
)

// Errors of the webhook subscriptions' store.
var (
	ErrNoSuchWebhookSubscription = errors.New("keyward: no such webhook subscription")
	ErrWebhookSubscriptionQuota  = errors.New("keyward: webhook subscription quota reached")
)

// WebhookStore keeps the webhook subscriptions and lists the deliveries
// that were given up. The deliveries themselves are written by the store
// in the transaction of the change they report (package webhook's Outbox).
type WebhookStore interface {
	// CreateWebhookSubscription stores s; ErrWebhookSubscriptionQuota when
	// its account has MaxWebhookSubscriptions already, checked in the
	// transaction.
	CreateWebhookSubscription(ctx context.Context, s WebhookSubscription) error
	// WebhookSubscription returns the account's subscription with the ID;
	// ErrNoSuchWebhookSubscription.
	WebhookSubscription(ctx context.Context, accountID, id string) (WebhookSubscription, error)
	// ListWebhookSubscriptions returns the account's subscriptions, oldest
	// first.
	ListWebhookSubscriptions(ctx context.Context, accountID string) ([]WebhookSubscription, error)
	// DeleteWebhookSubscription deletes the subscription and its pending
	// and parked deliveries; ErrNoSuchWebhookSubscription.
	DeleteWebhookSubscription(ctx context.Context, accountID, id string) error
	// ParkedWebhookDeliveries lists the account's parked deliveries, the
	// most recently parked first, up to limit.
	ParkedWebhookDeliveries(ctx context.Context, accountID string, limit int) ([]WebhookDelivery, error)
}

// WebhookSubscriptionARN returns the ARN of a webhook subscription, a
// Keyward resource: arn:aws:keyward::<account>:webhook-subscription/<id>
// ("*" for every subscription of the account).
func (a Account) WebhookSubscriptionARN(id string) string {
	return "arn:aws:keyward::" + a.ID + ":webhook-subscription/" + id
}
