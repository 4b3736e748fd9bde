package lastuse

import (
	"context"

	"github.com/keyward/keyward"
)

// Store is where a Recorder writes its batches.
type Store interface {
	RecordAccessKeyUses(ctx context.Context, uses []keyward.AccessKeyUse) error
	RecordServiceUses(ctx context.Context, uses []keyward.ServiceUse) error
}
