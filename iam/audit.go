package iam

import (
	"context"
	"time"

	"github.com/keyward/keyward"
)

// respond sets what ctx's pending event shows of the change's result, as
// CloudTrail's responseElements do for a created entity (never a secret):
// the Service knows it before the store writes the event with the change.
func respond(ctx context.Context, element string, fields map[string]any) {
	if pe, ok := keyward.EventFrom(ctx); ok && !pe.Claimed() {
		pe.Event.ResponseElements = map[string]any{element: fields}
	}
}

func eventTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
