package postgres

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/keyward/keyward/internal/tick"
)

// WatchAccessKeys calls changed with the ID of every access key that any
// replica changes, until ctx is done. Notifications arrive within
// milliseconds; the key_changes log is read again every resync interval,
// once listening begins (what changed before it notified no one here) and
// after the listening connection is lost, so that a missed notification
// delays a change by at most one interval. changed("") means
// "changes may have been missed: drop everything". It returns once all it
// started has stopped.
func (s *Store) WatchAccessKeys(ctx context.Context, resync time.Duration, logger *slog.Logger, changed func(id string)) {
	w := &changeLog{lag: &s.changeLag}
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM key_changes`).Scan(&w.last); err != nil {
		changed("")
	}
	poll := func() {
		if err := w.poll(ctx, s.pool, changed); err != nil && ctx.Err() == nil {
			logger.Warn("reading key changes", "err", err)
		}
	}
	notes := make(chan string, 1024)
	lost := make(chan struct{}, 1)
	// The listening connection has its own goroutine, which this call
	// owns: it returns only once that goroutine has closed the connection,
	// so that nothing of the watcher outlives the program's Close.
	var listening sync.WaitGroup
	listening.Add(1)
	go func() {
		defer listening.Done()
		s.listen(ctx, logger, notes, lost)
	}()
	defer listening.Wait()
	t := time.NewTicker(resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-notes:
			changed(id)
		case <-lost:
			poll()
		case <-t.C:
			poll()
		}
	}
}

// changeLog reads key_changes in order of seq. Sequence numbers are taken
// when a transaction inserts, not when it commits, so a row may appear
// after rows with higher numbers: the numbers skipped are kept as gaps and
// asked for again for a while (a gap that never fills was rolled back).
type changeLog struct {
	last int64
	gaps map[int64]time.Time
	// lag keeps, as float64 bits, how long the changes read by the last
	// poll had waited in the log (the longest), in seconds.
	lag *atomic.Uint64
}

// ChangeLogLag returns how long, in seconds, the changes the last read of
// the change log found had been waiting there: the delay of a change that
// reaches this replica by the log rather than by its notification.
func (s *Store) ChangeLogLag() float64 { return math.Float64frombits(s.changeLag.Load()) }

const (
	gapTTL  = time.Minute
	maxGaps = 10000
)

func (w *changeLog) poll(ctx context.Context, pool *pgxpool.Pool, changed func(id string)) error {
	gaps := make([]int64, 0, len(w.gaps))
	now := time.Now()
	for seq, since := range w.gaps {
		if now.Sub(since) > gapTTL {
			delete(w.gaps, seq)
			continue
		}
		gaps = append(gaps, seq)
	}
	rows, err := pool.Query(ctx, `SELECT seq, key_id, extract(epoch FROM clock_timestamp() - changed_at)::float8 FROM key_changes
		WHERE seq > $1 OR seq = ANY($2) ORDER BY seq`, w.last, gaps)
	if err != nil {
		return err
	}
	defer rows.Close()
	lag := 0.0
	defer func() {
		if w.lag != nil {
			w.lag.Store(math.Float64bits(lag))
		}
	}()
	for rows.Next() {
		var seq int64
		var id string
		var waited float64
		if err := rows.Scan(&seq, &id, &waited); err != nil {
			return err
		}
		lag = max(lag, waited)
		changed(id)
		delete(w.gaps, seq)
		if seq > w.last {
			if w.gaps == nil {
				w.gaps = make(map[int64]time.Time)
			}
			for missing := w.last + 1; missing < seq && len(w.gaps) < maxGaps; missing++ {
				w.gaps[missing] = now
			}
			w.last = seq
		}
	}
	return rows.Err()
}

// listen holds a connection that LISTENs on the store's channel and passes
// each notification on, reconnecting after a failure. It signals lost
// whenever notifications may have gone unheard: after a failure, and once
// each LISTEN takes effect, since changes committed between the log's last
// read (at the start, or before the failure) and that moment notified no
// one; the log read then finds them.
func (s *Store) listen(ctx context.Context, logger *slog.Logger, notes chan<- string, lost chan<- struct{}) {
	backoff := 100 * time.Millisecond
	signalLost := func() {
		select {
		case lost <- struct{}{}:
		default:
		}
	}
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, notes, func() { backoff = 100 * time.Millisecond; signalLost() })
		if ctx.Err() != nil {
			return
		}
		logger.Warn("listening for key changes", "err", err)
		signalLost()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, notes chan<- string, connected func()) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection leaves the pool for good: it carries the LISTEN, and
	// waits for notifications as long as there are none.
	c := conn.Hijack()
	defer c.Close(context.Background())
	if dc, ok := c.PgConn().Conn().(*deadlineConn); ok {
		dc.waiting.Store(true)
	}
	if _, err := c.Exec(ctx, `LISTEN `+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	connected()
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		select {
		case notes <- n.Payload:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Exclusive runs fn if no other replica is running work of the same name,
// and reports whether it ran: background work such as pruning runs once,
// not once per replica. The lock is PostgreSQL's, so it is released if the
// replica holding it dies.
func (s *Store) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, s.lockKey(name)).Scan(&got); err != nil || !got {
		return false, err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, s.lockKey(name))
	return true, fn(ctx)
}

// keyChangeRetention is how long the key change log is kept: far longer
// than any resync interval, so a replica never misses a change to pruning.
const keyChangeRetention = 10 * time.Minute

// PruneKeyChanges deletes, every minute until ctx is done, the key_changes
// entries older than keyChangeRetention: replicas only read the log for
// what they may have missed in the last moments. One replica at a time
// does it.
func (s *Store) PruneKeyChanges(ctx context.Context, logger *slog.Logger) {
	tick.Every(ctx, time.Minute, func() {
		if _, err := s.pruneKeyChanges(ctx, keyChangeRetention); err != nil && ctx.Err() == nil {
			logger.Warn("pruning the key change log", "err", err)
		}
	})
}

// pruneKeyChanges deletes key_changes entries older than age.
func (s *Store) pruneKeyChanges(ctx context.Context, age time.Duration) (int64, error) {
	var n int64
	_, err := s.Exclusive(ctx, "prune-key-changes", func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM key_changes WHERE changed_at < now() - make_interval(secs => $1)`, age.Seconds())
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
