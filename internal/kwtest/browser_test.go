package kwtest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto"
)

func TestStaleNode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"a node's box", &cdproto.Error{Code: -32000, Message: "Could not find node with given id"}, true},
		{"a node", &cdproto.Error{Code: -32000, Message: "No node with given id found"}, true},
		{"wrapped", fmt.Errorf("click: %w", &cdproto.Error{Code: -32000, Message: "Could not find node with given id"}), true},
		{"another DevTools error", &cdproto.Error{Code: -32000, Message: "DOM Error while querying"}, false},
		{"the message alone", errors.New("Could not find node with given id (-32000)"), false},
		{"a deadline", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staleNode(tt.err); got != tt.want {
				t.Errorf("staleNode(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
