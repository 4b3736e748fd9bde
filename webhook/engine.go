package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// SecretOpener opens a subscription's sealed secrets and URL; the
// subscription's ID is the associated data a secret was sealed with, and
// URLAssociatedData(ID) the URL's. *seal.Sealer is one.
type SecretOpener interface {
	Open(id string, sealed []byte) (string, error)
}

// Metrics receives the engine's outcomes, for counters (Prometheus's are
// wired in by the server). Every attempt is either Succeeded or Failed; a
// failed attempt after which the delivery is given up is also Parked.
// Attempts cut short by Close are neither. Methods are called from the
// engine's workers, concurrently.
type Metrics interface {
	Succeeded(elapsed time.Duration)
	Failed(elapsed time.Duration)
	Parked()
}

// Defaults of Config.
const (
	DefaultWorkers         = 16
	DefaultPerSubscription = 4
	DefaultPollInterval    = time.Second
	DefaultTimeout         = 10 * time.Second
	DefaultBaseDelay       = 10 * time.Second
	DefaultMaxDelay        = time.Hour
	DefaultMaxAttempts     = 25
	DefaultMaxAge          = 24 * time.Hour
)

// Config configures an Engine. Outbox and Secrets are required; every
// other field has a default.
type Config struct {
	Outbox  Outbox
	Secrets SecretOpener
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses (the server's --webhook-allow-private).
	AllowPrivate bool
	// Client makes the requests; nil means NewClient(AllowPrivate,
	// Timeout). A client given here must keep NewClient's guarantees.
	Client *http.Client
	// Now is the clock that schedules retries and timestamps signatures;
	// Rand returns numbers in [0, 1) for the backoff's jitter. Both are
	// called from several goroutines at once.
	Now  func() time.Time
	Rand func() float64
	// Logger logs failed deliveries and outbox errors, never a URL (it may
	// hold a token) or a secret.
	Logger  *slog.Logger
	Metrics Metrics
	// Workers bounds the deliveries in flight. PerSubscription bounds
	// those of one subscription, and PerAccount those of one account's
	// subscriptions together (by default half of Workers): one account,
	// whatever number of receivers it makes slow, leaves the other
	// accounts the rest of the workers, and one slow receiver leaves its
	// account's other subscriptions the rest of the account's share.
	Workers         int
	PerSubscription int
	PerAccount      int
	// PollInterval is how often the engine looks for due deliveries when
	// not notified: retries coming due, and events that other replicas
	// wrote.
	PollInterval time.Duration
	// Timeout bounds one delivery, from connecting to reading the response.
	Timeout time.Duration
	// Lease is how long a claim holds (see Outbox); at least Timeout plus
	// five seconds, by default three times Timeout. After a crash, the
	// deliveries that were in flight go out again when it ends.
	Lease time.Duration
	// A failed delivery is retried after BaseDelay, doubling with each
	// attempt up to MaxDelay, each delay between half and all of its step
	// (jitter, so that deliveries failing together do not retry together).
	// A Retry-After from the receiver lengthens a delay up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// A delivery is parked after MaxAttempts attempts, or when its next
	// attempt would come later than MaxAge after the event.
	MaxAttempts int
	MaxAge      time.Duration
	// UserAgent is sent with every delivery.
	UserAgent string
}

// Engine delivers the outbox's events to their subscriptions' URLs: at
// least once, signed, retried with backoff, then parked. It works in its
// own goroutines, between Start and Close: the requests that write
// deliveries only write a row and call Notify, which never waits.
type Engine struct {
	cfg    Config
	client *http.Client

	wake  chan struct{}
	freed chan struct{}
	ctx   context.Context
	stop  context.CancelFunc
	done  chan struct{}
	start sync.Once
	close sync.Once

	// refill is how many workers must be idle before the engine claims
	// more of a backlog.
	refill int

	mu sync.Mutex
	n  int // deliveries in flight
	// bySubscription and byAccount count the deliveries in flight by
	// subscription and by account, for the claims' bounds.
	bySubscription, byAccount tally
	workers                   sync.WaitGroup
}

// tally counts deliveries in flight by a key: a subscription's ID, or an
// account's. A key with none is not in it.
type tally map[string]int

func (t tally) add(key string) { t[key]++ }

func (t tally) done(key string) {
	if t[key]--; t[key] <= 0 {
		delete(t, key)
	}
}

// New returns an engine for cfg, not yet started.
func New(cfg Config) (*Engine, error) {
	if cfg.Outbox == nil || cfg.Secrets == nil {
		return nil, errors.New("webhook: Config needs an Outbox and a SecretOpener")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	setDefault(&cfg.Workers, DefaultWorkers)
	setDefault(&cfg.PerSubscription, DefaultPerSubscription)
	// Half of the workers: more than one subscription's share, so that a
	// dead receiver leaves its account's other subscriptions workers,
	// and few enough that an account leaves the others as many.
	setDefault(&cfg.PerAccount, max(1, cfg.Workers/2))
	setDefault(&cfg.PollInterval, DefaultPollInterval)
	setDefault(&cfg.Timeout, DefaultTimeout)
	setDefault(&cfg.Lease, 3*cfg.Timeout)
	setDefault(&cfg.BaseDelay, DefaultBaseDelay)
	setDefault(&cfg.MaxDelay, DefaultMaxDelay)
	setDefault(&cfg.MaxAttempts, DefaultMaxAttempts)
	setDefault(&cfg.MaxAge, DefaultMaxAge)
	setDefault(&cfg.UserAgent, "Keyward-Webhooks/1")
	if cfg.Lease < cfg.Timeout+5*time.Second {
		return nil, fmt.Errorf("webhook: Lease %v must be at least Timeout %v plus 5s, or a live delivery could be claimed twice", cfg.Lease, cfg.Timeout)
	}
	if cfg.MaxDelay < cfg.BaseDelay {
		return nil, fmt.Errorf("webhook: MaxDelay %v is less than BaseDelay %v", cfg.MaxDelay, cfg.BaseDelay)
	}
	client := cfg.Client
	if client == nil {
		client = NewClient(cfg.AllowPrivate, cfg.Timeout)
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Engine{cfg: cfg, client: client, refill: max(1, cfg.Workers/4), wake: make(chan struct{}, 1), freed: make(chan struct{}, 1),
		ctx: ctx, stop: stop, done: make(chan struct{}), bySubscription: tally{}, byAccount: tally{}}, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

type noMetrics struct{}

func (noMetrics) Succeeded(time.Duration) {}
func (noMetrics) Failed(time.Duration)    {}
func (noMetrics) Parked()                 {}

// Start starts delivering in the background, until Close.
func (e *Engine) Start() {
	e.start.Do(func() { go e.run() })
}

// Notify tells the engine that deliveries were written: it looks for them
// at once instead of at its next poll. It never blocks.
func (e *Engine) Notify() {
	select {
	case e.wake <- struct{}{}:
	default: // a wake-up is already pending: it will see these too
	}
}

// Close stops the engine: it claims nothing more, cuts short the
// deliveries in flight (they are due again at once, for another replica
// or the next start) and returns when its goroutines have ended.
func (e *Engine) Close() error {
	e.close.Do(func() {
		e.stop()
		e.start.Do(func() { close(e.done) }) // never started
		<-e.done
		e.workers.Wait()
	})
	return nil
}

// run is the dispatcher: it claims as many deliveries as there are free
// workers whenever it is notified, at each poll, and when a worker frees
// while more may be due.
func (e *Engine) run() {
	defer close(e.done)
	tick := time.NewTicker(e.cfg.PollInterval)
	defer tick.Stop()
	more, now := true, true
	for {
		if more && (now || e.free() >= e.refill) {
			more = e.fill()
		}
		select {
		case <-e.ctx.Done():
			return
		case <-e.wake:
			more, now = true, true
		case <-tick.C:
			more, now = true, true
		case <-e.freed:
			// Working through a backlog, claim in batches rather than
			// one delivery each time a worker frees.
			now = false
		}
	}
}

// free returns the number of idle workers.
func (e *Engine) free() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg.Workers - e.n
}

// fill claims deliveries for the free workers and starts them. It reports
// whether more may be due than it could claim: then it runs again when a
// worker frees.
func (e *Engine) fill() bool {
	e.mu.Lock()
	free := e.cfg.Workers - e.n
	busy := InFlight{Subscriptions: maps.Clone(e.bySubscription), Accounts: maps.Clone(e.byAccount)}
	e.mu.Unlock()
	if free <= 0 {
		return true
	}
	// The outbox leaves out what the bounds do not allow beside the
	// deliveries in flight, so that a free worker goes to another
	// subscription's or account's due delivery instead of waiting behind
	// those of one whose receivers do not answer.
	ds, err := e.cfg.Outbox.Claim(e.ctx, ClaimQuery{Now: e.cfg.Now(), Limit: free, Lease: e.cfg.Lease,
		PerSubscription: e.cfg.PerSubscription, PerAccount: e.cfg.PerAccount, InFlight: busy})
	if err != nil {
		if e.ctx.Err() == nil {
			e.cfg.Logger.Error("webhook: claiming deliveries", "error", err)
		}
		return false
	}
	for _, d := range ds {
		e.launch(d, func() {
			select {
			case e.freed <- struct{}{}:
			default:
			}
		})
	}
	// A claim that found some, or that the deliveries in flight bounded,
	// may have left deliveries due.
	return len(ds) > 0 || len(busy.Subscriptions) > 0
}

// launch delivers d in a worker of its own, counted in flight until done.
func (e *Engine) launch(d Delivery, done func()) {
	e.mu.Lock()
	e.n++
	e.bySubscription.add(d.Subscription.ID)
	e.byAccount.add(d.Subscription.AccountID)
	e.mu.Unlock()
	e.workers.Add(1)
	go func() {
		defer e.workers.Done()
		e.attempt(e.ctx, d)
		e.mu.Lock()
		e.n--
		e.bySubscription.done(d.Subscription.ID)
		e.byAccount.done(d.Subscription.AccountID)
		e.mu.Unlock()
		done()
	}()
}

// DeliverDue claims and delivers every delivery due now, waiting for each,
// and returns how many it attempted. It is what the background loop does,
// in the caller's goroutine: for tests that drive the clock, and for a
// one-off run (keyward events deliver). It must not run beside Start.
func (e *Engine) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for {
		ds, err := e.cfg.Outbox.Claim(ctx, ClaimQuery{Now: e.cfg.Now(), Limit: e.cfg.Workers, Lease: e.cfg.Lease,
			PerSubscription: e.cfg.PerSubscription, PerAccount: e.cfg.PerAccount})
		if err != nil {
			return total, err
		}
		if len(ds) == 0 {
			return total, nil
		}
		var wg sync.WaitGroup
		for _, d := range ds {
			wg.Go(func() { e.attempt(ctx, d) })
		}
		wg.Wait()
		total += len(ds)
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// Bounds of what the engine reads of a response: the start of the body is
// kept for the last error, and a little more is read so that the
// connection can be reused; a receiver sending more gets its connection
// closed.
const (
	maxErrorBody   = 256
	maxDrainedBody = 64 << 10
)

// bookkeepingTimeout bounds the outbox write after an attempt, which runs
// even when the engine is closing: it is what makes the attempt count.
const bookkeepingTimeout = 10 * time.Second

// attempt makes one attempt at d and records how it went.
func (e *Engine) attempt(ctx context.Context, d Delivery) {
	started := time.Now()
	retryAfter, err := e.send(ctx, d)
	elapsed := time.Since(started)
	now := e.cfg.Now()
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	log := e.cfg.Logger.With("delivery", d.ID, "subscription", d.Subscription.ID, "attempt", d.Attempt)
	if err == nil {
		e.cfg.Metrics.Succeeded(elapsed)
		if err := e.cfg.Outbox.Succeeded(bctx, d.ID, d.Attempt, now); err != nil {
			// Delivered, but not recorded: the lease runs out and the
			// receiver gets it again, which at-least-once allows.
			log.Error("webhook: recording a delivery", "error", err)
		}
		return
	}
	if ctx.Err() != nil {
		// Cut short by Close: due again at once, elsewhere or at the next
		// start.
		if err := e.cfg.Outbox.Failed(bctx, d.ID, d.Attempt, now, "interrupted: the delivering server stopped"); err != nil {
			log.Error("webhook: releasing a delivery", "error", err)
		}
		return
	}
	e.cfg.Metrics.Failed(elapsed)
	msg := err.Error()
	if f, ok := err.(*failure); ok && f.cause != msg {
		log.Warn("webhook: delivery failed", "error", msg, "cause", f.cause)
	} else {
		log.Warn("webhook: delivery failed", "error", msg)
	}
	next := now.Add(max(e.backoff(d.Attempt), min(retryAfter, e.cfg.MaxDelay)))
	var reason string
	switch {
	case d.Attempt >= e.cfg.MaxAttempts:
		reason = fmt.Sprintf("Not delivered after %d attempts; last error: %s", d.Attempt, msg)
	case next.Sub(d.Created) > e.cfg.MaxAge:
		reason = fmt.Sprintf("Not delivered within %v of the event, after %d attempts; last error: %s", e.cfg.MaxAge, d.Attempt, msg)
	}
	if reason != "" {
		e.cfg.Metrics.Parked()
		if err := e.cfg.Outbox.Park(bctx, d.ID, d.Attempt, now, reason); err != nil {
			log.Error("webhook: parking a delivery", "error", err)
		}
		return
	}
	if err := e.cfg.Outbox.Failed(bctx, d.ID, d.Attempt, next, msg); err != nil {
		log.Error("webhook: recording a failed delivery", "error", err)
	}
}

// backoff is the delay after the attempt-th failed attempt: BaseDelay
// doubled attempt-1 times, at most MaxDelay, of which the second half is
// random.
func (e *Engine) backoff(attempt int) time.Duration {
	d := e.cfg.BaseDelay
	for i := 1; i < attempt && d < e.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, e.cfg.MaxDelay)
	half := d / 2
	return half + time.Duration(e.cfg.Rand()*float64(d-half))
}

// send makes one request. It returns nil for a 2xx answer, and otherwise
// an error to keep as the delivery's last error, which names neither the
// URL nor a secret, with how long a receiver asked to wait (Retry-After).
func (e *Engine) send(ctx context.Context, d Delivery) (time.Duration, error) {
	secrets := make([][]byte, 0, len(d.Subscription.Secrets))
	for _, sealed := range d.Subscription.Secrets {
		s, err := e.cfg.Secrets.Open(d.Subscription.ID, sealed)
		if err != nil {
			return 0, errors.New("the subscription's secret cannot be opened with this master key")
		}
		secrets = append(secrets, []byte(s))
	}
	if len(secrets) == 0 {
		return 0, errors.New("the subscription has no secret")
	}
	// The URL is opened here, just before it is used, and kept out of
	// every error: it may hold a token.
	target, err := e.cfg.Secrets.Open(URLAssociatedData(d.Subscription.ID), d.Subscription.SealedURL)
	if err != nil {
		return 0, errors.New("the subscription's URL cannot be opened with this master key")
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Body))
	if err != nil {
		return 0, errors.New("the subscription's URL is not valid")
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("User-Agent", e.cfg.UserAgent)
	req.Header.Set(SignatureHeader, Sign(e.cfg.Now(), d.Body, secrets...))
	req.Header.Set("X-Keyward-Delivery", d.ID)
	resp, err := e.client.Do(req)
	if err != nil {
		// *url.Error's text repeats the URL, which may hold a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		// A malformed answer is quoted in the error, and may repeat the
		// request's path: removed from both the last error and the cause.
		return 0, &failure{shown: redactURL(transportFailure(err, e.cfg.Timeout), target), cause: redactURL(err.Error(), target)}
	}
	defer resp.Body.Close()
	// The body is read within the timeout too: the client's own deadline
	// does not hold the connection that a 101 Switching Protocols answer
	// hands over, from which a receiver could send nothing for ever.
	stop := context.AfterFunc(ctx, func() { resp.Body.Close() })
	defer stop()
	head := make([]byte, maxErrorBody)
	n, _ := io.ReadFull(resp.Body, head)
	// Read a little more so the connection can carry the next delivery;
	// a longer answer is not worth reading, and Close drops the connection.
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrainedBody)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return 0, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return 0, fmt.Errorf("HTTP %d: redirects are not followed", resp.StatusCode)
	}
	err = fmt.Errorf("HTTP %d", resp.StatusCode)
	if text := redactURL(printable(head[:n]), target); text != "" {
		err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, text)
	}
	return retryAfter(resp.Header.Get("Retry-After"), e.cfg.Now()), err
}

// failure is a failed request's last error, as the subscription's account
// may read it (shown), with its cause as the server's log keeps it for the
// operator: the transport's own error, which may name addresses of the
// host's network and its resolver. Neither holds the URL's path or query.
type failure struct{ shown, cause string }

func (f *failure) Error() string { return f.shown }

// printable is a receiver's answer as it may be shown: valid UTF-8,
// control characters as spaces, trimmed.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// minRedacted is the shortest part of a URL that redactURL removes: a
// shorter one is no token, and removing it would garble the answer.
const minRedacted = 6

// redactURL removes from a receiver's answer what of the subscription's
// URL may be a token, since receivers' error pages often repeat the
// request's path and query ("Cannot POST /hooks/<token>"): the path and
// query, whole and in parts, escaped and not, each replaced by "…".
func redactURL(text, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	var parts []string
	add := func(ss ...string) {
		for _, s := range ss {
			if len(s) >= minRedacted {
				parts = append(parts, s)
			}
			if d, err := url.QueryUnescape(s); err == nil && d != s && len(d) >= minRedacted {
				parts = append(parts, d)
			}
		}
	}
	add(u.RequestURI(), u.EscapedPath(), u.Path, u.RawQuery)
	for seg := range strings.SplitSeq(u.EscapedPath(), "/") {
		add(seg)
		if d, err := url.PathUnescape(seg); err == nil {
			add(d)
		}
	}
	for pair := range strings.SplitSeq(u.RawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		add(pair, k, v)
	}
	// The longest first, so that a part does not break up a longer one.
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	for _, p := range parts {
		text = strings.ReplaceAll(text, p, "…")
	}
	return text
}

// retryAfter is a Retry-After header's delay: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseInt(h, 10, 32); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
