package lifecycle

import (
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward"
)

// The lifecycle's durations (keyward.KeyDurationShape): a key's expiry
// and the policy's rules, as the API, the console and the CLI read and
// write them.

// MinKeyLifetime is the shortest expiry and rule duration accepted.
const MinKeyLifetime = time.Minute

// MaxKeyLifetime is the longest: far beyond any sensible key lifetime,
// bounded so that no date overflows.
const MaxKeyLifetime = 100 * 365 * 24 * time.Hour

// ParseKeyDuration reads a lifecycle duration: a number of days ("30d"),
// or of hours, minutes or seconds as Go writes them ("12h", "90m"),
// between MinKeyLifetime and MaxKeyLifetime. The error is
// ValidationError naming field.
func ParseKeyDuration(field, s string) (time.Duration, error) {
	bad := keyward.Errorf(keyward.EValidationError, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a duration between 1m and 36500d, such as 30d, 12h or 90m", truncate(s, 32), field)
	if len(s) == 0 || len(s) > 16 {
		return 0, bad
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || n[0] == '+' || n[0] == '-' || days > int(MaxKeyLifetime/(24*time.Hour)) {
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d < MinKeyLifetime || d > MaxKeyLifetime {
		return 0, bad
	}
	return d, nil
}

// FormatKeyDuration writes a duration as ParseKeyDuration reads it: in
// days when it is a whole number of days.
func FormatKeyDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
