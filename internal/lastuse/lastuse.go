// Package lastuse records the last use of each access key in memory and
// writes the uses to the store in batches, so that authentication never
// costs a database write. It implements keyward.PendingUses.
package lastuse

import (
	"context"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/internal/tick"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder collects the last use of each access key in memory and
// writes them to the store in batches.
type Recorder struct {
	Store  Store
	Logger *slog.Logger

	mu       sync.Mutex
	pending  map[string]keyward.LastUse
	inflight map[string]keyward.LastUse // being written by Flush
	// services holds the latest use of each service by each key, for the
	// service last accessed reports: a key's own last use keeps only one.
	services map[serviceKey]keyward.LastUse
	flushMu  sync.Mutex
	// flushed is when a flush last wrote everything pending (Unix nanos).
	flushed atomic.Int64
}

// LastFlush returns when a flush last succeeded (zero before the first).
func (r *Recorder) LastFlush() time.Time {
	if n := r.flushed.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

type serviceKey struct{ id, service string }

// Record notes a use of the key id, keeping the latest per key.
func (r *Recorder) Record(id string, u keyward.LastUse) {
	r.mu.Lock()
	if r.pending == nil {
		r.pending = make(map[string]keyward.LastUse)
	}
	if old, ok := r.pending[id]; !ok || !u.Time.Before(old.Time) {
		// Service and region are usually substrings of a request header:
		// keep a copy, or the string already held, never the request.
		if ok && old.Region == u.Region {
			u.Region = old.Region
		} else {
			u.Region = strings.Clone(u.Region)
		}
		if ok && old.Service == u.Service {
			u.Service = old.Service
		} else {
			u.Service = strings.Clone(u.Service)
		}
		r.pending[id] = u
	}
	sk := serviceKey{id, u.Service}
	if old, ok := r.services[sk]; !ok || !u.Time.Before(old.Time) {
		if r.services == nil {
			r.services = make(map[serviceKey]keyward.LastUse)
		}
		if !ok { // a new entry keeps copies, as pending does
			sk = serviceKey{strings.Clone(id), strings.Clone(u.Service)}
		}
		region := u.Region
		if ok && old.Region == region {
			region = old.Region
		} else {
			region = strings.Clone(region)
		}
		r.services[sk] = keyward.LastUse{Time: u.Time, Service: sk.service, Region: region}
	}
	r.mu.Unlock()
}

// Pending returns the latest use of id not yet written to the store.
func (r *Recorder) Pending(id string) (keyward.LastUse, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, ok := r.pending[id]
	if f, fok := r.inflight[id]; fok && (!ok || f.Time.After(u.Time)) {
		return f, true
	}
	return u, ok
}

// Flush writes every pending use to the store in one batch. On failure the
// batch is kept and merged with newer uses, to be written next time.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	batch, services := r.pending, r.services
	r.pending, r.services = nil, nil
	r.inflight = batch
	r.mu.Unlock()
	if len(services) > 0 {
		uses := make([]keyward.ServiceUse, 0, len(services))
		for k, u := range services {
			uses = append(uses, keyward.ServiceUse{AccessKeyID: k.id, LastUse: u})
		}
		if err := r.Store.RecordServiceUses(ctx, uses); err != nil {
			r.mu.Lock()
			requeue(&r.services, services)
			r.mu.Unlock()
			if r.Logger != nil {
				r.Logger.Error("recording services last accessed", "err", err)
			}
		}
	}
	if len(batch) == 0 {
		r.mu.Lock()
		r.inflight = nil
		r.mu.Unlock()
		r.flushed.Store(time.Now().UnixNano())
		return nil
	}
	uses := make([]keyward.AccessKeyUse, 0, len(batch))
	for id, u := range batch {
		uses = append(uses, keyward.AccessKeyUse{AccessKeyID: id, LastUse: u})
	}
	err := r.Store.RecordAccessKeyUses(ctx, uses)
	if err == nil {
		r.flushed.Store(time.Now().UnixNano())
	}
	r.mu.Lock()
	r.inflight = nil
	if err != nil {
		requeue(&r.pending, batch)
	}
	r.mu.Unlock()
	return err
}

// requeue puts the uses of a batch whose write failed back into pending,
// where no newer use of the same key came in meanwhile, so that the next
// flush writes them again.
func requeue[K comparable](pending *map[K]keyward.LastUse, batch map[K]keyward.LastUse) {
	for k, u := range batch {
		if cur, ok := (*pending)[k]; !ok || u.Time.After(cur.Time) {
			if *pending == nil {
				*pending = make(map[K]keyward.LastUse)
			}
			(*pending)[k] = u
		}
	}
}

// Run flushes every interval until ctx is done, then flushes once more
// with a fresh context so that a shutdown loses nothing.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	tick.Every(ctx, interval, func() {
		if err := r.Flush(ctx); err != nil && r.Logger != nil {
			r.Logger.Error("flushing access key last use", "err", err)
		}
	})
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Flush(fctx); err != nil && r.Logger != nil {
		r.Logger.Error("final flush of access key last use", "err", err)
	}
}
