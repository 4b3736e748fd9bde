package query

import (
	"context"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keyward/keyward"
)

// authLog logs failed authentications, each with the key ID and client
// address, up to a budget per interval; past it, failures are only counted
// and one summary line per interval says how many, of which codes, from
// which addresses and for which keys. A flood of bad signatures once wrote
// 146 MB of log a minute.
type authLog struct {
	logger   *slog.Logger
	now      func() time.Time
	interval time.Duration
	budget   int

	mu         sync.Mutex
	start      time.Time
	logged     int
	suppressed int
	byCode     map[string]int
	byAddr     map[string]int
	byKey      map[string]int
}

// maxTallied bounds the distinct addresses and keys counted per interval.
const maxTallied = 1000

func newAuthLog(logger *slog.Logger, now func() time.Time) *authLog {
	return &authLog{logger: logger, now: now, interval: 10 * time.Second, budget: 50}
}

// failed records a failed authentication.
func (l *authLog) failed(ctx context.Context, reqID, code, keyID, addr string, err error) {
	keyID = loggableKeyID(keyID)
	now := l.now()
	l.mu.Lock()
	summary := l.rollLocked(now)
	log := l.logged < l.budget
	if log {
		l.logged++
	} else {
		l.suppressed++
		tally(&l.byCode, code)
		tally(&l.byAddr, addr)
		tally(&l.byKey, keyID)
	}
	l.mu.Unlock()
	if summary != nil {
		l.logger.LogAttrs(ctx, slog.LevelWarn, "authentication failures not logged", summary...)
	}
	if log {
		l.logger.LogAttrs(ctx, slog.LevelWarn, "authentication failed", slog.String("request_id", reqID), slog.String("code", code),
			slog.String("key_id", keyID), slog.String("client", addr), slog.String("reason", redactKeyIDs(keyward.ErrorMessage(err))))
	}
}

// flush writes the summary of an interval that has ended, if any failure
// went unlogged in it; Main calls it every so often, so that the summary
// of the last interval of a flood is written too.
func (l *authLog) flush() {
	l.mu.Lock()
	summary := l.rollLocked(l.now())
	l.mu.Unlock()
	if summary != nil {
		l.logger.LogAttrs(context.Background(), slog.LevelWarn, "authentication failures not logged", summary...)
	}
}

// rollLocked starts a new interval if the current one has ended, and
// returns the summary of the ended one when it has one to give.
func (l *authLog) rollLocked(now time.Time) []slog.Attr {
	if now.Sub(l.start) < l.interval {
		return nil
	}
	var summary []slog.Attr
	if l.suppressed > 0 {
		summary = []slog.Attr{slog.Int("count", l.suppressed), slog.Duration("interval", l.interval),
			slog.String("codes", top(l.byCode, 5)), slog.String("clients", top(l.byAddr, 5)), slog.String("key_ids", top(l.byKey, 5))}
	}
	l.start, l.logged, l.suppressed = now, 0, 0
	l.byCode, l.byAddr, l.byKey = nil, nil, nil
	return summary
}

func tally(m *map[string]int, k string) {
	if *m == nil {
		*m = make(map[string]int)
	}
	if _, ok := (*m)[k]; ok || len(*m) < maxTallied {
		(*m)[k]++
	}
}

// top returns the n most frequent entries of m as "a=3,b=1".
func top(m map[string]int, n int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	if len(keys) > n {
		keys = keys[:n]
	}
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(m[k]))
	}
	return b.String()
}

// loggableKeyID is the key ID as the log shows it: an ID shaped like one
// as it is, anything else only as "malformed" and its length. No part of
// it is written: a client that swapped its key ID and secret sends its
// secret as the key ID.
func loggableKeyID(id string) string {
	switch {
	case id == "":
		return "-"
	case presentedKeyID(id) != "":
		return id
	}
	return "malformed(" + strconv.Itoa(min(len(id), 9999)) + ")"
}
