package query

import (
	"context"
	"strconv"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
)

func init() { serveIAM(webhookActions) }

// Keyward's own actions on the IAM endpoint: webhook subscriptions
// (iam.KeywardOperations). Their XML is shaped as IAM's: a Result element
// with the entity, lists of <member>.
var webhookActions = map[string]action{
	"CreateWebhookSubscription": row(func(ctx context.Context, s *Services, in *input) (keyward.WebhookSubscription, error) {
		return s.IAM.CreateWebhookSubscription(ctx, in.str("Url"), in.str("Secret"), in.list("Events"))
	}, func(w *xmlWriter, _ keyward.Account, sub keyward.WebhookSubscription) {
		w.webhookSubscription("WebhookSubscription", sub)
	}),
	"ListWebhookSubscriptions": row(func(ctx context.Context, s *Services, _ *input) ([]keyward.WebhookSubscription, error) {
		return s.IAM.ListWebhookSubscriptions(ctx)
	}, func(w *xmlWriter, _ keyward.Account, subs []keyward.WebhookSubscription) {
		w.open("WebhookSubscriptions")
		for _, sub := range subs {
			w.webhookSubscription("member", sub)
		}
		w.close("WebhookSubscriptions")
	}),
	"GetWebhookSubscription": row(func(ctx context.Context, s *Services, in *input) (keyward.WebhookSubscription, error) {
		return s.IAM.WebhookSubscription(ctx, in.str("Id"))
	}, func(w *xmlWriter, _ keyward.Account, sub keyward.WebhookSubscription) {
		w.webhookSubscription("WebhookSubscription", sub)
	}),
	"DeleteWebhookSubscription": do(func(ctx context.Context, s *Services, in *input) error {
		return s.IAM.DeleteWebhookSubscription(ctx, in.str("Id"))
	}),
	"ListParkedWebhookDeliveries": row(func(ctx context.Context, s *Services, in *input) ([]keyward.WebhookDelivery, error) {
		return s.IAM.ParkedWebhookDeliveries(ctx, in.maxItems())
	}, func(w *xmlWriter, _ keyward.Account, ds []keyward.WebhookDelivery) {
		members(w, "Deliveries", ds, func(d keyward.WebhookDelivery) {
			w.elem("Id", d.ID)
			w.elem("SubscriptionId", d.SubscriptionID)
			w.elem("EventId", d.EventID)
			w.elem("EventType", d.EventType)
			w.time("CreateDate", d.Created)
			w.time("ParkedDate", d.Parked)
			w.elem("Attempts", strconv.Itoa(d.Attempts))
			w.elem("LastError", d.LastError)
			w.elem("Reason", d.Reason)
		})
	}),
}

// webhookSubscription writes a subscription: never its secrets, and its
// URL as iam.DisplayURL shows it.
func (w *xmlWriter) webhookSubscription(tag string, sub keyward.WebhookSubscription) {
	w.open(tag)
	w.elem("Id", sub.ID)
	w.elem("Url", iam.DisplayURL(sub.URL))
	members(w, "Events", sub.Events, func(e string) { w.text(e) })
	w.time("CreateDate", sub.CreatedAt)
	w.close(tag)
}
