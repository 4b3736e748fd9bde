package iam

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/webhook"
)

// Webhook subscriptions, a Keyward extension: an account's administrators
// subscribe a URL, with a signing secret, to Keyward's events (package
// webhook); the store writes a delivery for each in the transaction of the
// change it reports. The actions are keyward:<Operation> on the
// subscription's ARN (Account.WebhookSubscriptionARN). The secret is
// sealed under the master key at once and never shown again; the URL,
// which may hold a token, is stored sealed beside its DisplayURL form,
// which is all that is shown, and never audited.

// subscriptionIDAlphabet draws subscription IDs: lower-case base32.
const subscriptionIDAlphabet = "abcdefghijklmnopqrstuvwxyz234567"

// CreateWebhookSubscription subscribes rawURL to events, signed with
// secret. The URL is http or https and, unless the server allows private
// addresses (WebhookAllowPrivate), names no loopback, private or
// link-local address; a name is checked again when a delivery connects.
func (s *Service) CreateWebhookSubscription(ctx context.Context, rawURL, secret string, events []string) (keyward.WebhookSubscription, error) {
	acct := s.Account(ctx)
	if err := s.Authz.Authorize(ctx, "keyward:CreateWebhookSubscription", acct.WebhookSubscriptionARN("*")); err != nil {
		return keyward.WebhookSubscription{}, err
	}
	if err := webhook.ValidateURL(rawURL, s.WebhookAllowPrivate); err != nil {
		// The library's message repeats the URL, which may hold a token:
		// the caller knows it, the audit trail must not.
		code := keyward.ErrorCode(err)
		if code == keyward.EInvalidInput {
			code = keyward.EInvalidWebhookURL
		}
		return keyward.WebhookSubscription{}, keyward.Errorf(code, "%s",
			strings.Replace(keyward.ErrorMessage(err), keyward.Clip(rawURL), "(the URL given)", 1))
	}
	if err := webhook.ValidateSecret([]byte(secret)); err != nil {
		return keyward.WebhookSubscription{}, err
	}
	if err := webhook.ValidateEventNames(events); err != nil {
		return keyward.WebhookSubscription{}, err
	}
	id, err := keyward.RandomString(s.Rand, "whs-", 20, subscriptionIDAlphabet)
	if err != nil {
		return keyward.WebhookSubscription{}, err
	}
	sealed, err := s.Sealer.Seal(id, secret)
	if err != nil {
		return keyward.WebhookSubscription{}, err
	}
	// The URL may hold a token: the store keeps only what listings show
	// and the whole URL sealed, bound to the subscription as its URL.
	sealedURL, err := s.Sealer.Seal(webhook.URLAssociatedData(id), rawURL)
	if err != nil {
		return keyward.WebhookSubscription{}, err
	}
	sub := keyward.WebhookSubscription{ID: id, AccountID: acct.ID, URL: DisplayURL(rawURL), SealedURL: sealedURL, Secrets: [][]byte{sealed},
		Events: append([]string(nil), events...), CreatedAt: s.now()}
	respond(ctx, "webhookSubscription", map[string]any{"id": id, "events": sub.Events, "createDate": eventTime(sub.CreatedAt)})
	switch err := s.changing(ctx).CreateWebhookSubscription(ctx, sub); {
	case errors.Is(err, keyward.ErrWebhookSubscriptionQuota):
		return keyward.WebhookSubscription{}, keyward.Errorf(keyward.EWebhookSubscriptionLimitExceeded,
			"Cannot exceed quota for WebhookSubscriptionsPerAccount: %d", keyward.MaxWebhookSubscriptions)
	case err != nil:
		return keyward.WebhookSubscription{}, err
	}
	return sub, nil
}

// ListWebhookSubscriptions returns the account's subscriptions, oldest
// first.
func (s *Service) ListWebhookSubscriptions(ctx context.Context) ([]keyward.WebhookSubscription, error) {
	acct := s.Account(ctx)
	if err := s.Authz.Authorize(ctx, "keyward:ListWebhookSubscriptions", acct.WebhookSubscriptionARN("*")); err != nil {
		return nil, err
	}
	return s.store(ctx).ListWebhookSubscriptions(ctx, acct.ID)
}

// WebhookSubscription returns one of the account's subscriptions.
func (s *Service) WebhookSubscription(ctx context.Context, id string) (keyward.WebhookSubscription, error) {
	acct := s.Account(ctx)
	if err := s.Authz.Authorize(ctx, "keyward:GetWebhookSubscription", acct.WebhookSubscriptionARN(id)); err != nil {
		return keyward.WebhookSubscription{}, err
	}
	sub, err := s.store(ctx).WebhookSubscription(ctx, acct.ID, id)
	if errors.Is(err, keyward.ErrNoSuchWebhookSubscription) {
		return sub, webhookSubscriptionNotFound(id)
	}
	return sub, err
}

// DeleteWebhookSubscription deletes a subscription and the deliveries it
// has pending or parked.
func (s *Service) DeleteWebhookSubscription(ctx context.Context, id string) error {
	acct := s.Account(ctx)
	if err := s.Authz.Authorize(ctx, "keyward:DeleteWebhookSubscription", acct.WebhookSubscriptionARN(id)); err != nil {
		return err
	}
	if err := s.changing(ctx).DeleteWebhookSubscription(ctx, acct.ID, id); errors.Is(err, keyward.ErrNoSuchWebhookSubscription) {
		return webhookSubscriptionNotFound(id)
	} else if err != nil {
		return err
	}
	return nil
}

// ParkedWebhookDeliveries lists the deliveries given up after their last
// attempt, the most recently parked first, up to max.
func (s *Service) ParkedWebhookDeliveries(ctx context.Context, max int) ([]keyward.WebhookDelivery, error) {
	acct := s.Account(ctx)
	if err := s.Authz.Authorize(ctx, "keyward:ListParkedWebhookDeliveries", acct.WebhookSubscriptionARN("*")); err != nil {
		return nil, err
	}
	if max <= 0 {
		max = keyward.DefaultMaxItems
	}
	return s.store(ctx).ParkedWebhookDeliveries(ctx, acct.ID, max)
}

// DisplayURL is a subscription's URL as listings show it: the scheme and
// host, and "/…" for whatever follows, which may be a token.
func DisplayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	out := u.Scheme + "://" + u.Host + "/"
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		out += "…"
	}
	return out
}

// webhookSubscriptionNotFound is the API's error for a subscription ID
// that names none of the account's.
func webhookSubscriptionNotFound(id string) *keyward.Error {
	return keyward.Errorf(keyward.ENoSuchWebhookSubscription, "The webhook subscription with id %s cannot be found.", keyward.Clip(id))
}

// The shapes of the webhook subscriptions' parameters, Keyward's own.
// The URL is sensitive: it may hold a token, so it is never echoed nor
// audited.
var (
	webhookURLShape            = sensitive(keyward.NewStringShape("webhookUrlType", 1, 2048, `[\u0021-\u007E]+`))
	webhookSecretShape         = sensitive(keyward.NewStringShape("webhookSecretType", 16, 512, `[\u0020-\u007E]+`))
	webhookEventShape          = keyward.NewStringShape("webhookEventType", 1, 140, `[A-Za-z0-9.\-]+`)
	webhookSubscriptionIDShape = keyward.NewStringShape("webhookSubscriptionIdType", 1, 64, `[\w-]+`)
)
