package console

import (
	"net/http"
	"strings"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/webhook"
)

// Webhook subscriptions (a Keyward extension): the account's
// subscriptions, creating one with its URL, secret and events, deleting
// one, and the deliveries given up with their last error. The forms
// perform Keyward's own operations (iam.KeywardOperations), which package
// iam authorises as keyward:<Operation>. The secret is a password field
// and never shown again; URLs are shown as iam.DisplayURL shows them.

type webhooksPage struct {
	layout
	Subscriptions []webhookRow
	Parked        []keyward.WebhookDelivery
	// ParkedDenied says the caller may not list parked deliveries.
	ParkedDenied bool
	// EventNames are the events a subscription can choose besides
	// audit.<EventName>, which Audit takes as a comma-separated list.
	EventNames []string
	// Form is what a refused creation asked, shown again (not the secret).
	Form struct {
		URL    string
		Events map[string]bool
		Audit  string
	}
}

type webhookRow struct {
	keyward.WebhookSubscription
	Display string
}

// parkedShown bounds the parked deliveries listed.
const parkedShown = 100

func (c *Console) webhooksPageData(r *request) (webhooksPage, error) {
	p := webhooksPage{layout: c.layoutFor(r, "Webhooks"), EventNames: webhook.EventNames()}
	p.Form.Events = map[string]bool{}
	subs, err := c.IAM.ListWebhookSubscriptions(r.ctx())
	if err != nil {
		return p, err
	}
	for _, s := range subs {
		p.Subscriptions = append(p.Subscriptions, webhookRow{WebhookSubscription: s, Display: iam.DisplayURL(s.URL)})
	}
	switch parked, err := c.IAM.ParkedWebhookDeliveries(r.ctx(), parkedShown); {
	case denied(err):
		p.ParkedDenied = true
	case err != nil:
		return p, err
	default:
		p.Parked = parked
	}
	return p, nil
}

func (c *Console) webhooksPage(w http.ResponseWriter, r *request) {
	p, err := c.webhooksPageData(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, http.StatusOK, "webhooks", p)
}

// createWebhook subscribes the form's URL to the events ticked and the
// audit events named, signed with its secret.
func (c *Console) createWebhook(w http.ResponseWriter, r *request) {
	target, secret := r.PostFormValue("url"), r.PostFormValue("secret")
	var events []string
	for _, name := range webhook.EventNames() {
		if r.PostFormValue("event-"+name) != "" {
			events = append(events, name)
		}
	}
	audit := r.PostFormValue("audit")
	for name := range strings.SplitSeq(audit, ",") {
		if name = strings.TrimSpace(name); name != "" {
			events = append(events, webhook.AuditPrefix+strings.TrimPrefix(name, webhook.AuditPrefix))
		}
	}
	err := checkForm(r.op, map[string]string{"Url": target, "Secret": secret})
	if err == nil {
		_, err = c.IAM.CreateWebhookSubscription(r.ctx(), target, secret, events)
	}
	if err != nil {
		r.failed = err
		if denied(err) {
			c.fail(w, r, err)
			return
		}
		p, perr := c.webhooksPageData(r)
		if perr != nil {
			c.fail(w, r, perr)
			return
		}
		p.Error = keyward.ErrorMessage(err)
		p.Form.URL, p.Form.Audit = target, audit
		for _, e := range events {
			p.Form.Events[e] = true
		}
		c.render(w, http.StatusBadRequest, "webhooks", p)
		return
	}
	redirect(w, r, "/console/webhooks", "webhook-created")
}

// deleteWebhook deletes the subscription the path names.
func (c *Console) deleteWebhook(w http.ResponseWriter, r *request) {
	id := r.PathValue("id")
	err := checkForm(r.op, map[string]string{"Id": id})
	if err == nil {
		err = c.IAM.DeleteWebhookSubscription(r.ctx(), id)
	}
	if err != nil {
		r.failed = err
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/console/webhooks", "webhook-deleted")
}
