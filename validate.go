package keyward

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// StringShape is a string type of the IAM service model with its length
// limits, pattern and enum, checked exactly as AWS checks request
// parameters. Shape names the model's shape, so a test can compare every
// shape here with the model.
type StringShape struct {
	Shape   string
	Min     int
	Max     int // 0: no maximum
	Pattern string
	Enum    []string
	// Sensitive shapes (passwords) are never echoed in an error message.
	Sensitive bool
	re        *regexp.Regexp
}

// NewStringShape makes a shape of the model, compiling its pattern. The
// model writes patterns in Java syntax with \uXXXX escapes; Go's regexp
// wants \x{XXXX}. Patterns match the whole value. A shape only one feature
// package's operations take is declared there, beside its descriptors.
func NewStringShape(shape string, min, max int, pattern string, enum ...string) *StringShape {
	s := &StringShape{Shape: shape, Min: min, Max: max, Pattern: pattern, Enum: enum}
	if pattern != "" {
		goPat := regexp.MustCompile(`\\u([0-9A-Fa-f]{4,6})`).ReplaceAllString(pattern, `\x{$1}`)
		s.re = regexp.MustCompile(`^(?:` + goPat + `)$`)
	}
	return s
}

// Shapes of the IAM and STS models that more than one package reads: the
// descriptors of several feature packages, a transport's own checks, the
// tests of Validation. A shape only one package's operations take is
// declared there (a role's name in iam/role.go, STS's in sts/operations.go).
var (
	UserNameShape       = NewStringShape("userNameType", 1, 64, `[\w+=,.@-]+`)
	PathShape           = NewStringShape("pathType", 1, 512, `(\u002F)|(\u002F[\u0021-\u007F]+\u002F)`)
	PathPrefixShape     = NewStringShape("pathPrefixType", 1, 512, `\u002F[\u0021-\u007F]*`)
	StatusShape         = NewStringShape("statusType", 0, 0, "", StatusActive, StatusInactive)
	TagKeyShape         = NewStringShape("tagKeyType", 1, 128, `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
	TagValueShape       = NewStringShape("tagValueType", 0, 256, `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
	ARNShape            = NewStringShape("arnType", 20, 2048, "")
	ResourceNameShape   = NewStringShape("ResourceNameType", 1, 2048, "")
	ContextKeyNameShape = NewStringShape("ContextKeyNameType", 5, 256, "")
	PasswordShape       = sensitive(NewStringShape("passwordType", 1, 128, `[\u0009\u000A\u000D\u0020-\u00FF]+`))

	// AccountAliasShape's model pattern has a look-ahead, which RE2 lacks:
	// it is checked with an equivalent pattern (lower-case letters and
	// digits in runs joined by single hyphens).
	AccountAliasShape = withRE(NewStringShape("accountAliasType", 3, 63, ""),
		`^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$`, `^[a-z0-9]+(-[a-z0-9]+)*$`)
	// STSARNShape is STS's arnType: its role ARNs, and the ARNs of the
	// policy descriptors the Query API reads.
	STSARNShape = NewStringShape("arnType", 20, 2048, `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`)
)

func sensitive(s *StringShape) *StringShape { s.Sensitive = true; return s }

// withRE gives a shape the model's pattern, for messages and the model
// check, and an equivalent Go pattern to check values with.
func withRE(s *StringShape, modelPattern, goPattern string) *StringShape {
	s.Pattern = modelPattern
	s.re = regexp.MustCompile(goPattern)
	return s
}

// Integer ranges of the model.
const (
	MaxItemsMin   = 1
	MaxItemsMax   = 1000
	MaxTagsPerSet = 50
	// DefaultMaxItems is what AWS uses when MaxItems is absent.
	DefaultMaxItems = 100
)

// Validation collects constraint failures in AWS's words so that a request
// is refused with all of them at once, before anything changes.
type Validation struct {
	problems []string
}

// Null records that a required member is missing.
func (v *Validation) Null(field string) {
	v.problems = append(v.problems, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
}

// failQuiet is fail for a sensitive member: the value is not repeated.
func (v *Validation) failQuiet(field, _, constraint string) {
	v.problems = append(v.problems, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member %s", field, constraint))
}

func (v *Validation) fail(field, value, constraint string) {
	v.problems = append(v.problems, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member %s", Clip(value), field, constraint))
}

// String checks value against shape, under the camel-case field name AWS
// reports (for example "userName").
func (v *Validation) String(field, value string, s *StringShape) {
	n := utf8.RuneCountInString(value)
	fail := v.fail
	if s.Sensitive {
		fail = v.failQuiet
	}
	if s.Min > 0 && n < s.Min {
		fail(field, value, "must have length greater than or equal to "+strconv.Itoa(s.Min))
	}
	if s.Max > 0 && n > s.Max {
		fail(field, value, "must have length less than or equal to "+strconv.Itoa(s.Max))
	}
	if s.re != nil && n > 0 && !s.re.MatchString(value) {
		fail(field, value, "must satisfy regular expression pattern: "+s.Pattern)
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, value) {
		fail(field, value, "must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
	}
}

// Int checks that value lies in [min, max].
func (v *Validation) Int(field string, value, min, max int) {
	if value < min {
		v.fail(field, strconv.Itoa(value), "must have value greater than or equal to "+strconv.Itoa(min))
	}
	if value > max {
		v.fail(field, strconv.Itoa(value), "must have value less than or equal to "+strconv.Itoa(max))
	}
}

// NotInteger records an integer member whose value does not parse.
func (v *Validation) NotInteger(field, value string) {
	v.fail(field, value, "must be an integer")
}

// Len checks that a list has at most max members.
func (v *Validation) Len(field string, n, max int) {
	if n > max {
		v.problems = append(v.problems, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, max))
	}
}

// Err returns the ValidationError for the problems found, or nil.
func (v *Validation) Err() error {
	switch len(v.problems) {
	case 0:
		return nil
	case 1:
		return Errorf(EValidationError, "1 validation error detected: %s", v.problems[0])
	}
	return Errorf(EValidationError, "%d validation errors detected: %s", len(v.problems), strings.Join(v.problems, "; "))
}
