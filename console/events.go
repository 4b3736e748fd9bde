package console

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/keyward/keyward"
)

// eventRow is one audit event as the Event history shows it.
type eventRow struct {
	Time                            time.Time
	ID, Name, User, SourceIP, Error string
	Record                          string
}

type eventsPage struct {
	layout
	User   string
	Events []eventRow
	Next   string
}

// eventRows reads events for the pages: the fields a row shows from each
// CloudTrail record.
func eventRows(events []keyward.StoredEvent) []eventRow {
	rows := make([]eventRow, 0, len(events))
	for _, e := range events {
		var rec struct {
			SourceIPAddress, ErrorCode, ErrorMessage string
		}
		json.Unmarshal(e.Record, &rec)
		// A failed ConsoleLogin carries, as AWS records it, an
		// errorMessage ("Failed authentication") and no errorCode: the
		// column shows the message, so that a failure never reads as a
		// success.
		errorText := rec.ErrorCode
		if errorText == "" {
			errorText = rec.ErrorMessage
		}
		rows = append(rows, eventRow{Time: e.Time, ID: e.ID, Name: e.Name, User: e.UserName, SourceIP: rec.SourceIPAddress,
			Error: errorText, Record: string(e.Record)})
	}
	return rows
}

// eventsPage is the Event history: the audit trail, newest first, by user
// when asked (cloudtrail:LookupEvents).
func (c *Console) eventsPage(w http.ResponseWriter, r *request) {
	q := keyward.EventQuery{UserName: r.URL.Query().Get("user"), Max: 50, After: r.URL.Query().Get("after")}
	events, more, err := c.Reports.LookupEvents(r.ctx(), q)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	p := eventsPage{layout: c.layoutFor(r, "Event history"), User: q.UserName, Events: eventRows(events)}
	if more && len(events) > 0 {
		p.Next = events[len(events)-1].ID
	}
	c.render(w, http.StatusOK, "events", p)
}
