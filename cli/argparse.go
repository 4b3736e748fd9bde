package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The AWS CLI parses its command lines with Python's argparse; the
// generated commands parse theirs the same way, so that the same command
// line means the same thing and fails with the same words: options
// anywhere, --name=value, unique prefixes of option names, one value, a
// list of values or an optional one, and argparse's errors.

// nargs is how many values an option takes.
type nargs int

const (
	nargsOne      nargs = iota // exactly one
	nargsNone                  // a flag: store_true or store_false
	nargsOptional              // '?': one if given, else the constant
	nargsList                  // '*': every value up to the next option
)

// option is one entry of a parser's table.
type option struct {
	name     string // without --
	dest     string
	nargs    nargs
	required bool
	// flagValue is what a flag stores.
	flagValue bool
	// constant is what nargsOptional stores without a value.
	constant string
	choices  []string
	// convert is argparse's type=: int or float, nil for a string.
	convert string
}

// argParser is an argparse.ArgumentParser of options and, for the
// operations, the positional `help`.
type argParser struct {
	options []*option
	byName  map[string]*option
	// helpPositional adds argparse's positional help (nargs '?').
	helpPositional bool
	prog           string
}

// parsed is what a parse found.
type parsed struct {
	// values by dest: string, []string or bool.
	values map[string]any
	// help is the positional, "" when absent.
	help    string
	hasHelp bool
	extras  []string
}

func newArgParser(prog string, options []*option) *argParser {
	p := &argParser{options: options, byName: map[string]*option{}, prog: prog}
	for _, o := range options {
		p.byName["--"+o.name] = o
	}
	return p
}

// argParseError is argparse's error(): the usage, then "prog: error: msg".
type argParseError struct {
	prog, msg string
}

func (e *argParseError) Error() string { return e.msg }

func (p *argParser) fail(format string, args ...any) error {
	return &argParseError{prog: p.prog, msg: fmt.Sprintf(format, args...)}
}

var negativeNumber = regexp.MustCompile(`^-\d+$|^-\d*\.\d+$`)

// optTuple is argparse's option tuple: the option (nil when unknown), the
// string that named it and an explicit =value.
type optTuple struct {
	opt      *option
	str      string
	explicit *string
}

// parseOptional is argparse's _parse_optional.
func (p *argParser) parseOptional(arg string) (*optTuple, error) {
	if arg == "" || arg[0] != '-' {
		return nil, nil
	}
	if o, ok := p.byName[arg]; ok {
		return &optTuple{opt: o, str: arg}, nil
	}
	if len(arg) == 1 {
		return nil, nil
	}
	if name, val, ok := strings.Cut(arg, "="); ok {
		if o, ok := p.byName[name]; ok {
			return &optTuple{opt: o, str: name, explicit: &val}, nil
		}
	}
	tuples := p.prefixMatches(arg)
	if len(tuples) > 1 {
		var names []string
		for _, t := range tuples {
			names = append(names, t.str)
		}
		return nil, p.fail("ambiguous option: %s could match %s", strings.SplitN(arg, "=", 2)[0], strings.Join(names, ", "))
	}
	if len(tuples) == 1 {
		return tuples[0], nil
	}
	if negativeNumber.MatchString(arg) {
		return nil, nil
	}
	if strings.Contains(arg, " ") {
		return nil, nil
	}
	return &optTuple{str: arg}, nil
}

// prefixMatches is argparse's _get_option_tuples for "--" options: every
// option the argument is a prefix of.
func (p *argParser) prefixMatches(arg string) []*optTuple {
	if !strings.HasPrefix(arg, "--") {
		return nil
	}
	prefix, val, hasVal := strings.Cut(arg, "=")
	var out []*optTuple
	for _, o := range p.options {
		if strings.HasPrefix("--"+o.name, prefix) {
			t := &optTuple{opt: o, str: "--" + o.name}
			if hasVal {
				v := val
				t.explicit = &v
			}
			out = append(out, t)
		}
	}
	return out
}

// parse is argparse's parse_known_args.
func (p *argParser) parse(args []string) (*parsed, error) {
	res := &parsed{values: map[string]any{}}
	pattern := make([]byte, len(args))
	tuples := map[int]*optTuple{}
	for i := 0; i < len(args); i++ {
		if args[i] == "--" {
			pattern[i] = '-'
			for j := i + 1; j < len(args); j++ {
				pattern[j] = 'A'
			}
			break
		}
		t, err := p.parseOptional(args[i])
		if err != nil {
			return nil, err
		}
		if t == nil {
			pattern[i] = 'A'
		} else {
			tuples[i] = t
			pattern[i] = 'O'
		}
	}
	seen := map[*option]bool{}
	take := func(o *option, values []string) error {
		seen[o] = true
		switch o.nargs {
		case nargsNone:
			res.values[o.dest] = o.flagValue
			return nil
		case nargsList:
			var out []string
			for _, v := range values {
				if v != "--" {
					out = append(out, v)
				}
			}
			if out == nil {
				out = []string{}
			}
			res.values[o.dest] = out
			return nil
		}
		v := o.constant
		if len(values) > 0 {
			v = values[0]
		}
		if err := p.check(o, v); err != nil {
			return err
		}
		res.values[o.dest] = v
		return nil
	}
	positionalTaken := !p.helpPositional
	// consumePositionals matches the positional help (at most one
	// argument) against the arguments from start.
	consumePositionals := func(start int) int {
		if positionalTaken {
			return start
		}
		positionalTaken = true
		if start < len(args) && pattern[start] == 'A' {
			res.help, res.hasHelp = args[start], true
			return start + 1
		}
		return start
	}
	consumeOptional := func(start int) (int, error) {
		t := tuples[start]
		if t.opt == nil {
			res.extras = append(res.extras, args[start])
			return start + 1, nil
		}
		o := t.opt
		if t.explicit != nil {
			if o.nargs == nargsNone {
				return 0, p.fail("argument %s: ignored explicit argument %s", optionName(o), pyStrRepr(*t.explicit))
			}
			return start + 1, take(o, []string{*t.explicit})
		}
		n := 0
		for start+1+n < len(args) && pattern[start+1+n] == 'A' {
			n++
		}
		switch o.nargs {
		case nargsNone:
			n = 0
		case nargsOne:
			if n < 1 {
				return 0, p.fail("argument %s: expected one argument", optionName(o))
			}
			n = 1
		case nargsOptional:
			n = min(n, 1)
		}
		return start + 1 + n, take(o, args[start+1:start+1+n])
	}
	maxOption := -1
	for i := range tuples {
		maxOption = max(maxOption, i)
	}
	start := 0
	for start <= maxOption {
		next := -1
		for i := start; i < len(args); i++ {
			if _, ok := tuples[i]; ok {
				next = i
				break
			}
		}
		if start != next {
			end := consumePositionals(start)
			if end > start {
				start = end
				continue
			}
		}
		if _, ok := tuples[start]; !ok {
			res.extras = append(res.extras, args[start:next]...)
			start = next
		}
		var err error
		if start, err = consumeOptional(start); err != nil {
			return nil, err
		}
	}
	stop := consumePositionals(start)
	res.extras = append(res.extras, args[stop:]...)
	var missing []string
	for _, o := range p.options {
		if o.required && !seen[o] {
			missing = append(missing, optionName(o))
		}
	}
	if len(missing) > 0 {
		return nil, p.fail("the following arguments are required: %s", strings.Join(missing, ", "))
	}
	return res, nil
}

func optionName(o *option) string { return "--" + o.name }

// check is argparse's type conversion and choices check of one value.
func (p *argParser) check(o *option, v string) error {
	switch o.convert {
	case "int":
		if _, err := pyInt(v); err != nil {
			return p.fail("argument %s: invalid int value: %s", optionName(o), pyStrRepr(v))
		}
	case "float":
		if _, err := pyFloat(v); err != nil {
			return p.fail("argument %s: invalid float value: %s", optionName(o), pyStrRepr(v))
		}
	}
	if len(o.choices) > 0 {
		for _, c := range o.choices {
			if c == v {
				return nil
			}
		}
		return p.fail("argument %s: %s", optionName(o), invalidChoice(v, o.choices))
	}
	return nil
}

// invalidChoice is the AWS CLI's message for a value not among the
// choices: two to a line, and the close matches.
func invalidChoice(v string, choices []string) string {
	var b strings.Builder
	b.WriteString("Invalid choice, valid choices are:\n")
	for i := 0; i < len(choices); i += 2 {
		var cur []string
		for _, c := range choices[i:min(i+2, len(choices))] {
			cur = append(cur, fmt.Sprintf("%-40s", c))
		}
		b.WriteString("\n" + strings.Join(cur, " | "))
	}
	if close := closeMatches(v, choices, 3, 0.8); len(close) > 0 {
		b.WriteString("\n\n\nInvalid choice: " + pyStrRepr(v) + ", maybe you meant:\n")
		for _, c := range close {
			b.WriteString("\n  * " + c)
		}
	}
	return b.String()
}

// pyInt is Python's int() of a string: digits with an optional sign,
// underscores between digits, spaces around.
func pyInt(s string) (any, error) {
	t := strings.TrimFunc(s, isPySpace)
	body := strings.TrimLeft(t, "+-")
	ok := len(t)-len(body) <= 1 && body != "" && !strings.HasPrefix(body, "_") && !strings.HasSuffix(body, "_") && !strings.Contains(body, "__")
	for _, r := range body {
		if !(r >= '0' && r <= '9' || r == '_') {
			ok = false
		}
	}
	if !ok {
		return nil, &generalError{fmt.Sprintf("invalid literal for int() with base 10: %s", pyStrRepr(s))}
	}
	return pyIntFromString(strings.TrimPrefix(strings.ReplaceAll(t, "_", ""), "+")), nil
}

// pyFloat is Python's float() of a string.
func pyFloat(s string) (float64, error) {
	t := strings.TrimFunc(s, isPySpace)
	switch strings.ToLower(strings.TrimLeft(t, "+-")) {
	case "inf", "infinity", "nan":
		f, err := strconv.ParseFloat(t, 64)
		if err == nil {
			return f, nil
		}
	}
	if strings.Contains(t, "__") || strings.HasPrefix(t, "_") || strings.HasSuffix(t, "_") || strings.ContainsAny(t, "xXpP") {
		return 0, &generalError{fmt.Sprintf("could not convert string to float: %s", pyStrRepr(s))}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, nil
		}
		return 0, &generalError{fmt.Sprintf("could not convert string to float: %s", pyStrRepr(s))}
	}
	return f, nil
}

func isPySpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\u00a0':
		return true
	}
	return r > 0x7f && (r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000)
}

// closeMatches is Python's difflib.get_close_matches: the choices whose
// similarity ratio to word is at least cutoff, best first.
func closeMatches(word string, choices []string, n int, cutoff float64) []string {
	type scored struct {
		s     float64
		match string
	}
	var res []scored
	for _, c := range choices {
		if r := seqRatio(word, c); r >= cutoff {
			res = append(res, scored{r, c})
		}
	}
	// heapq.nlargest on (score, word): by score, then by word, descending.
	for i := 1; i < len(res); i++ {
		for j := i; j > 0 && (res[j].s > res[j-1].s || res[j].s == res[j-1].s && res[j].match > res[j-1].match); j-- {
			res[j], res[j-1] = res[j-1], res[j]
		}
	}
	var out []string
	for i := 0; i < len(res) && i < n; i++ {
		out = append(out, res[i].match)
	}
	return out
}

// seqRatio is difflib.SequenceMatcher(None, a, b).ratio() (a is the
// candidate's "b" side in get_close_matches: s.set_seq2(word),
// s.set_seq1(x)), without the junk heuristics, which need 200 or more
// characters.
func seqRatio(word, candidate string) float64 {
	a, b := []rune(candidate), []rune(word)
	total := len(a) + len(b)
	if total == 0 {
		return 1
	}
	return 2 * float64(matchingChars(a, b)) / float64(total)
}

// matchingChars is the sum of SequenceMatcher's matching blocks: the
// longest common block, then recursively either side of it.
func matchingChars(a, b []rune) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	bestI, bestJ, bestN := 0, 0, 0
	// find_longest_match: the longest block, earliest in a, then in b.
	prev := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				if cur[j] > bestN {
					bestI, bestJ, bestN = i-cur[j], j-cur[j], cur[j]
				}
			}
		}
		prev = cur
	}
	if bestN == 0 {
		return 0
	}
	return bestN + matchingChars(a[:bestI], b[:bestJ]) + matchingChars(a[bestI+bestN:], b[bestJ+bestN:])
}
