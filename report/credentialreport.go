package report

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/keyward/keyward"
)

// requester names the client making a request: the key that signed it
// and the program that sent it, which tell one poller of the credential
// report from another (the console names its session instead).
func requester(ctx context.Context) string {
	rc, internal, ok := keyward.Caller(ctx)
	if !ok || internal {
		return "internal"
	}
	if rc.AccessKeyID == "" {
		return "console\x00" + rc.Session
	}
	return rc.AccessKeyID + "\x00" + rc.UserAgent
}

// reportAbandonedAfter is when a report still in progress is taken for
// abandoned (the replica generating it died) and started again.
const reportAbandonedAfter = 5 * time.Minute

// CredentialReportColumns are the report's columns, in AWS's order.
var CredentialReportColumns = []string{"user", "arn", "user_creation_time", "password_enabled", "password_last_used",
	"password_last_changed", "password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"}

const (
	notApplicable = "N/A"
	noInformation = "no_information"
	notSupported  = "not_supported"
)

// reportTime formats times as the report does: ISO 8601 with an offset.
func reportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func orNA(t time.Time) string {
	if t.IsZero() {
		return notApplicable
	}
	return reportTime(t)
}

// ReportWriter writes a credential report as CSV, one row at a time, so
// that generating it needs no more memory than the CSV itself.
type ReportWriter struct {
	w      *bufio.Writer
	policy *keyward.PasswordPolicy // nil: passwords do not expire
	fields []string
}

// NewReportWriter starts a report on w with its header row. policy is the
// account's password policy, nil when it has none.
func NewReportWriter(w io.Writer, policy *keyward.PasswordPolicy) *ReportWriter {
	rw := &ReportWriter{w: bufio.NewWriterSize(w, 64<<10), policy: policy, fields: make([]string, 0, len(CredentialReportColumns))}
	rw.row(CredentialReportColumns)
	return rw
}

// row writes one CSV record. No value of the report holds a comma, a quote
// or a line break except, in principle, a user's path, which is quoted then.
// A value a spreadsheet would take for a formula is defused first.
func (rw *ReportWriter) row(fields []string) {
	for i, f := range fields {
		if i > 0 {
			rw.w.WriteByte(',')
		}
		f = SpreadsheetSafe(f)
		if needsQuotes(f) {
			rw.w.WriteByte('"')
			for j := 0; j < len(f); j++ {
				if f[j] == '"' {
					rw.w.WriteByte('"')
				}
				rw.w.WriteByte(f[j])
			}
			rw.w.WriteByte('"')
		} else {
			rw.w.WriteString(f)
		}
	}
	rw.w.WriteByte('\n')
}

func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}

func (rw *ReportWriter) keys(keys []keyward.AccessKey) {
	for i := 0; i < 2; i++ {
		if i >= len(keys) {
			rw.fields = append(rw.fields, "false", notApplicable, notApplicable, notApplicable, notApplicable)
			continue
		}
		k := keys[i]
		region, service := notApplicable, notApplicable
		if !k.LastUsed.IsZero() {
			region, service = k.LastUsed.Region, k.LastUsed.Service
		}
		rw.fields = append(rw.fields, strconv.FormatBool(k.Status == keyward.StatusActive), reportTime(k.CreatedAt),
			orNA(k.LastUsed.Time), region, service)
	}
}

// certs writes the signing certificate columns.
func (rw *ReportWriter) certs(certs []keyward.OtherCredential) {
	for i := 0; i < 2; i++ {
		if i >= len(certs) {
			rw.fields = append(rw.fields, "false", notApplicable)
			continue
		}
		rw.fields = append(rw.fields, strconv.FormatBool(certs[i].Status == keyward.StatusActive), reportTime(certs[i].CreatedAt))
	}
}

// Root writes the root user's row, which comes first; mfa tells whether
// the root user has an MFA device enabled.
func (rw *ReportWriter) Root(a keyward.Account, keys []keyward.AccessKey, mfa bool) {
	rw.fields = append(rw.fields[:0], "<root_account>", a.RootARN(), reportTime(a.CreatedAt),
		notSupported, noInformation, notSupported, notSupported, strconv.FormatBool(mfa))
	rw.keys(keys)
	rw.certs(nil)
	rw.row(rw.fields)
}

// User writes a user's row.
func (rw *ReportWriter) User(a keyward.Account, c *keyward.UserCredentials) {
	rw.fields = append(rw.fields[:0], c.User.Name, a.UserARN(c.User.Path, c.User.Name), reportTime(c.User.CreatedAt))
	if c.Login == nil {
		rw.fields = append(rw.fields, "false", notApplicable, notApplicable, notApplicable)
	} else {
		lastUsed := noInformation
		if !c.Login.LastUsed.IsZero() {
			lastUsed = reportTime(c.Login.LastUsed)
		}
		next := notApplicable
		if rw.policy != nil {
			next = orNA(rw.policy.NextRotation(c.Login.ChangedAt))
		}
		rw.fields = append(rw.fields, "true", lastUsed, reportTime(c.Login.ChangedAt), next)
	}
	rw.fields = append(rw.fields, strconv.FormatBool(c.MFAActive))
	rw.keys(c.Keys)
	rw.certs(c.Certs)
	rw.row(rw.fields)
}

// Flush writes out what is buffered.
func (rw *ReportWriter) Flush() error { return rw.w.Flush() }

// GenerateCredentialReport starts generating a report unless one that
// answers the requester exists or is being made, and says which, as AWS
// does. Generation runs in the background, on one replica.
//
// Clients poll GenerateCredentialReport until it answers COMPLETE, then call
// GetCredentialReport. A requester's polling round begins with its first
// call. With a maximum age, a report younger than it answers, as in AWS.
// With none (0), only a report whose scan began after the round did: it
// holds every change made before the requester asked. Either way a poller
// gets COMPLETE after at most the generation in progress and its own.
//
// The poller is named by the caller's access key and User-Agent (for the
// console, its session); the name is hashed, never kept as given.
func (s *Service) GenerateCredentialReport(ctx context.Context) (state, description string, err error) {
	if err := s.Authz.Authorize(ctx, "iam:GenerateCredentialReport", "*"); err != nil {
		return "", "", err
	}
	now := s.Now()
	who := requester(ctx)
	r, err := s.store(ctx).CredentialReport(ctx)
	if err != nil && !errors.Is(err, keyward.ErrNoReport) {
		return "", "", err
	}
	exists := err == nil
	since := s.reportRounds.begin(who, now)
	complete := exists && !r.GeneratedAt.IsZero() // a complete report, perhaps with a newer one in progress
	inProgress := exists && r.State == keyward.ReportInProgress && now.Sub(r.StartedAt) < reportAbandonedAfter
	switch {
	case s.CredentialReportMaxAge > 0 && inProgress:
		return keyward.ReportInProgress, "", nil
	case s.CredentialReportMaxAge > 0 && complete && now.Sub(r.GeneratedAt) < s.CredentialReportMaxAge:
		s.reportRounds.end(who)
		return keyward.ReportComplete, "", nil
	// Strictly after: a scan whose snapshot was taken at the very instant
	// the round began may have missed a change committed in that instant.
	case s.CredentialReportMaxAge == 0 && complete && r.SnapshotAt.After(since):
		s.reportRounds.end(who)
		return keyward.ReportComplete, "", nil
	case inProgress:
		return keyward.ReportInProgress, "", nil
	}
	err = s.goBackground(func() error {
		return s.changing(ctx).PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportInProgress, StartedAt: now})
	}, func(lifetime context.Context) {
		began := time.Now()
		err := s.generateReport(lifetime, s.store(ctx), s.Account(ctx), now)
		if err != nil && s.Logger != nil {
			s.Logger.Error("generating the credential report", "err", err)
		}
		if err == nil && s.ReportGenerated != nil {
			s.ReportGenerated(time.Since(began))
		}
	})
	if err != nil {
		return "", "", err
	}
	return keyward.ReportStarted, "No report exists. Starting a new report generation task", nil
}

// generateReport writes the report of acct, streaming users from st, its
// view of the store, unless another replica is already at it. started is
// when it was asked for.
func (s *Service) generateReport(ctx context.Context, st Store, acct keyward.Account, started time.Time) error {
	_, err := s.Store.Exclusive(ctx, "credential-report:"+acct.ID, func(ctx context.Context) error {
		// What the report holds is the store as of now: a requester whose
		// round began before this instant is answered by it. The scan
		// certainly follows the call that asked for it, even when a coarse
		// (or a test's) clock reads the same instant.
		snapshot := s.Now()
		if !snapshot.After(started) {
			snapshot = started.Add(time.Nanosecond)
		}
		// Uses this replica has seen but not yet written belong in the report.
		if s.Uses != nil {
			if err := s.Uses.Flush(ctx); err != nil {
				return err
			}
		}
		var policy *keyward.PasswordPolicy
		if pp, err := st.PasswordPolicy(ctx); err == nil {
			policy = &pp
		} else if !errors.Is(err, keyward.ErrNoPasswordPolicy) {
			return err
		}
		rootKeys, _, err := st.ListAccessKeys(ctx, "", "", keyward.MaxAccessKeysPerUser)
		if err != nil {
			return err
		}
		rootMFA, _, err := st.ListMFADevices(ctx, keyward.MFAFilter{Assignment: keyward.MFAAssigned, Root: true}, "", 1)
		if err != nil {
			return err
		}
		var buf chunkBuffer
		rw := NewReportWriter(&buf, policy)
		rw.Root(acct, rootKeys, len(rootMFA) > 0)
		if err := st.ScanCredentials(ctx, func(c *keyward.UserCredentials) error {
			rw.User(acct, c)
			return nil
		}); err != nil {
			return err
		}
		if err := rw.Flush(); err != nil {
			return err
		}
		return st.PutCredentialReport(ctx, keyward.CredentialReport{State: keyward.ReportComplete, StartedAt: snapshot, SnapshotAt: snapshot,
			GeneratedAt: s.Now().UTC().Truncate(time.Second), Content: buf.Bytes()})
	})
	return err
}

// reportRounds remembers, per requester, when its polling round began. It
// is bounded: a round forgotten early only makes its requester wait for a
// newer report, never get an older one.
type reportRounds struct {
	mu     sync.Mutex
	rounds map[[sha256.Size]byte]reportRound
}

type reportRound struct{ since, seen time.Time }

const (
	maxReportRounds = 10000
	// reportRoundIdle ends a round whose requester stopped polling.
	reportRoundIdle = 15 * time.Minute
)

// begin returns when requester's round began, beginning one now if it has
// none.
func (rr *reportRounds) begin(requester string, now time.Time) time.Time {
	k := sha256.Sum256([]byte(requester))
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if r, ok := rr.rounds[k]; ok && now.Sub(r.seen) < reportRoundIdle {
		r.seen = now
		rr.rounds[k] = r
		return r.since
	}
	if rr.rounds == nil {
		rr.rounds = make(map[[sha256.Size]byte]reportRound)
	}
	if len(rr.rounds) >= maxReportRounds {
		for key, r := range rr.rounds {
			if now.Sub(r.seen) >= reportRoundIdle {
				delete(rr.rounds, key)
			}
		}
		if len(rr.rounds) >= maxReportRounds {
			clear(rr.rounds)
		}
	}
	rr.rounds[k] = reportRound{since: now, seen: now}
	return now
}

// end closes requester's round: it got its report.
func (rr *reportRounds) end(requester string) {
	k := sha256.Sum256([]byte(requester))
	rr.mu.Lock()
	delete(rr.rounds, k)
	rr.mu.Unlock()
}

// chunkBuffer collects the report in fixed chunks: a growing slice would
// copy the report again at every doubling and, for a moment, hold it three
// times over; the chunks are joined once, into a slice of the exact size.
type chunkBuffer struct {
	chunks [][]byte
	n      int
}

const chunkSize = 1 << 20

func (b *chunkBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == chunkSize {
			b.chunks = append(b.chunks, make([]byte, 0, chunkSize))
		}
		last := &b.chunks[len(b.chunks)-1]
		m := min(len(p), chunkSize-len(*last))
		*last = append(*last, p[:m]...)
		p = p[m:]
	}
	b.n += n
	return n, nil
}

// Bytes joins the chunks and releases them.
func (b *chunkBuffer) Bytes() []byte {
	out := make([]byte, 0, b.n)
	for i, c := range b.chunks {
		out = append(out, c...)
		b.chunks[i] = nil
	}
	return out
}

// CredentialReport returns the latest report, or AWS's error for why there
// is none to give; getting it ends requester's polling round. Without a
// maximum age the last complete report is served while a newer one is made,
// so that a poller answered COMPLETE gets its report even when another
// requester has started the next one meanwhile.
func (s *Service) CredentialReport(ctx context.Context) (keyward.CredentialReport, error) {
	if err := s.Authz.Authorize(ctx, "iam:GetCredentialReport", "*"); err != nil {
		return keyward.CredentialReport{}, err
	}
	r, err := s.store(ctx).CredentialReport(ctx)
	switch {
	case errors.Is(err, keyward.ErrNoReport):
		return r, keyward.Errorf(keyward.EReportNotPresent, "The request was rejected because the credential report does not exist. To generate a credential report, use GenerateCredentialReport.")
	case err != nil:
		return r, err
	case r.State == keyward.ReportInProgress && (s.CredentialReportMaxAge > 0 || r.GeneratedAt.IsZero()):
		return r, keyward.Errorf(keyward.EReportInProgress, "The request was rejected because the credential report is still being generated.")
	case s.CredentialReportMaxAge > 0 && s.Now().Sub(r.GeneratedAt) >= s.CredentialReportMaxAge:
		return r, keyward.Errorf(keyward.EReportExpired, "The request was rejected because the most recent credential report has expired. To generate a new credential report, use GenerateCredentialReport. For more information about credential report expiration, see Getting credential reports in the IAM User Guide.")
	}
	s.reportRounds.end(requester(ctx))
	r.State = keyward.ReportComplete
	return r, nil
}

// DefaultReportMaxAge is how long AWS serves a credential report before
// generating a new one.
const DefaultReportMaxAge = 4 * time.Hour

// SpreadsheetSafe returns s unchanged unless a spreadsheet opening a CSV
// file would take it for a formula (it starts with =, +, -, @, a tab or a
// carriage return): then it is prefixed with an apostrophe, which the
// spreadsheet shows as text, as OWASP recommends against CSV injection.
// User names may legitimately start with +, =, @ or -; every other value a
// report holds is checked before it is recorded.
func SpreadsheetSafe(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}
