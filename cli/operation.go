package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// An operation command is generated from the service model as the AWS
// CLI generates one from botocore's: an option per member of the input
// (xform_name of its name), a --no- twin for each boolean, the paginator's
// --starting-token, --page-size and --max-items in place of the
// operation's own Marker and MaxItems (which still work, and turn
// pagination off), --cli-input-json and --generate-cli-skeleton.

// argKind is what an entry of an operation's argument table is.
type argKind int

const (
	argMember argKind = iota
	argStartingToken
	argPageSize
	argMaxItems
	argCLIInputJSON
	argSkeleton
	// iam create-virtual-mfa-device's customization: where to write the
	// seed, and which of the two.
	argOutfile
	argBootstrapMethod
)

// cliArg is one entry of an operation's argument table.
type cliArg struct {
	name   string
	kind   argKind
	member *apimodel.Member
	// negative is the --no- twin of a boolean member.
	negative bool
	required bool
	// hidden arguments work but are not documented: the input token and
	// limit key of a paginated operation, as in the AWS CLI.
	hidden bool
	doc    string
	// typeName is what help and completion call its type.
	typeName string
	opt      *option
}

// opCommand is one generated command, e.g. `iam list-access-keys`.
type opCommand struct {
	service *apimodel.Service
	op      *apimodel.Operation
	group   string // the command's service: iam or sts
	name    string // list-access-keys
	args    []*cliArg
	// shadowed is the member argument --max-items replaced, restored when
	// pagination is off.
	shadowed *cliArg
}

var (
	firstCap        = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	endCap          = regexp.MustCompile(`([a-z0-9])([A-Z])`)
	specialCaseTail = regexp.MustCompile(`[A-Z]{2,}s$`)
)

// xformName is botocore's xform_name: CamelCase to kebab-case, with its
// rules for acronyms (ListMFADevices is list-mfa-devices, CreateSAMLProvider
// create-saml-provider, ListSSHPublicKeys list-ssh-public-keys).
func xformName(name, sep string) string {
	if strings.Contains(name, sep) {
		return name
	}
	if m := specialCaseTail.FindString(name); m != "" {
		name = name[:len(name)-len(m)] + sep + strings.ToLower(m)
	}
	s := firstCap.ReplaceAllString(name, "${1}"+sep+"${2}")
	return strings.ToLower(endCap.ReplaceAllString(s, "${1}"+sep+"${2}"))
}

// newOpCommand builds an operation's argument table.
func newOpCommand(group string, svc *apimodel.Service, op *apimodel.Operation) *opCommand {
	c := &opCommand{service: svc, op: op, group: group, name: xformName(op.Name, "-")}
	in := svc.InputShape(op)
	if in != nil {
		for _, m := range in.Members {
			a := &cliArg{name: xformName(m.Name, "-"), kind: argMember, member: m, required: in.IsRequired(m.Name),
				doc: m.Documentation(), typeName: m.Shape.Type}
			c.args = append(c.args, a)
			if m.Shape.Type == "boolean" {
				c.args = append(c.args, &cliArg{name: "no-" + a.name, kind: argMember, member: m, negative: true,
					doc: a.doc, typeName: "boolean"})
			}
		}
	}
	c.args = append(c.args, &cliArg{name: "cli-input-json", kind: argCLIInputJSON, typeName: "string",
		doc: "Reads arguments from the JSON string provided. The JSON string follows the format provided by --generate-cli-skeleton. If other arguments are provided on the command line, those values will override the JSON-provided values. It is not possible to pass arbitrary binary values using a JSON-provided value as the string will be taken literally."})
	if p := op.Paginator; p != nil && in != nil {
		for _, a := range c.args {
			if a.kind != argMember {
				continue
			}
			for _, t := range append(append([]string(nil), p.InputToken...), p.LimitKey) {
				if a.member.Name == t {
					a.hidden = true
				}
			}
		}
		c.add(&cliArg{name: "starting-token", kind: argStartingToken, typeName: "string",
			doc: "A token to specify where to start paginating. This is the NextToken from a previously truncated response."})
		limitType := "integer"
		if p.LimitKey != "" {
			limitType = in.MemberNamed(p.LimitKey).Shape.Type
			c.add(&cliArg{name: "page-size", kind: argPageSize, typeName: limitType,
				doc: "The size of each page to get in the AWS service call. This does not affect the number of items returned in the command's output. Setting a smaller page size results in more calls to the AWS service, retrieving fewer items in each call. This can help prevent the AWS service calls from timing out."})
		}
		c.add(&cliArg{name: "max-items", kind: argMaxItems, typeName: limitType,
			doc: "The total number of items to return in the command's output. If the total number of items available is more than the value specified, a NextToken is provided in the command's output. To resume pagination, provide the NextToken value in the starting-token argument of a subsequent command. Do not use the NextToken response element directly outside of the command line."})
	}
	c.args = append(c.args, &cliArg{name: "generate-cli-skeleton", kind: argSkeleton, typeName: "string",
		doc: "Prints a JSON skeleton to standard output without sending an API request. If provided with no value or the value input, prints a sample input JSON that can be used as an argument for --cli-input-json. If provided with the value output, it validates the command inputs and returns a sample output JSON for that command."})
	if group == "iam" && op.Name == "CreateVirtualMFADevice" {
		c.args = append(c.args,
			&cliArg{name: "outfile", kind: argOutfile, required: true, typeName: "string",
				doc: "The output path and file name where the bootstrap information will be stored."},
			&cliArg{name: "bootstrap-method", kind: argBootstrapMethod, required: true, typeName: "string",
				doc: "Method to use to seed the virtual MFA. Valid values are: QRCodePNG | Base32StringSeed"})
	}
	for _, a := range c.args {
		a.opt = a.option()
	}
	if c.shadowed != nil {
		c.shadowed.opt = c.shadowed.option()
	}
	return c
}

// add puts a pagination argument in the table: in the place of a member
// argument of the same name (which it shadows), else at the end.
func (c *opCommand) add(a *cliArg) {
	for i, x := range c.args {
		if x.name == a.name {
			c.shadowed = x
			c.args[i] = a
			return
		}
	}
	c.args = append(c.args, a)
}

// option is the argparse option of an argument.
func (a *cliArg) option() *option {
	o := &option{name: a.name, dest: strings.ReplaceAll(a.name, "-", "_"), required: a.required}
	switch a.kind {
	case argMember:
		switch a.member.Shape.Type {
		case "boolean":
			o.nargs, o.flagValue = nargsNone, !a.negative
			o.dest = strings.ReplaceAll(xformName(a.member.Name, "-"), "-", "_")
		case "list":
			o.nargs = nargsList
		case "long":
			o.convert = "int"
		case "float", "double":
			o.convert = "float"
		}
	case argPageSize, argMaxItems:
		o.convert = "int"
	case argSkeleton:
		o.nargs, o.constant, o.choices = nargsOptional, "input", []string{"input", "output"}
	case argBootstrapMethod:
		o.choices = []string{"QRCodePNG", "Base32StringSeed"}
	}
	return o
}

// parser is the operation's argparse parser; required arguments are not
// required with --cli-input-json or --generate-cli-skeleton (but for
// --generate-cli-skeleton output, which validates).
func (c *opCommand) parser(args []string) *argParser {
	relax := false
	for i, a := range args {
		if a == "--cli-input-json" {
			relax = true
		}
		if a == "--generate-cli-skeleton" && (i+1 >= len(args) || args[i+1] != "output") {
			relax = true
		}
	}
	var opts []*option
	for _, a := range c.args {
		o := *a.opt
		if relax {
			o.required = false
		}
		opts = append(opts, &o)
	}
	p := newArgParser(progName, opts)
	p.helpPositional = true
	return p
}

// invocation is one run of an operation command.
type invocation struct {
	cmd      *opCommand
	parsed   *parsed
	params   *object
	paginate bool
	// pagination's --starting-token, --page-size and --max-items.
	startingToken   *string
	pageSize        any
	maxItems        any
	skeleton        string
	outfile         string
	bootstrapMethod string
}

// prepare parses an operation's command line into the call's parameters,
// as the AWS CLI's ServiceOperation does: argparse, the --no-paginate
// rules, each value unpacked (file://, shorthand, JSON), then
// --cli-input-json's parameters where the command line gave none.
func (c *opCommand) prepare(args []string, g *globals) (*invocation, error) {
	p, err := c.parser(args).parse(args)
	if err != nil {
		return nil, err
	}
	inv := &invocation{cmd: c, parsed: p, params: newObject()}
	if p.hasHelp && p.help == "help" {
		return inv, nil
	}
	extras := p.extras
	if p.hasHelp {
		extras = append(extras, p.help)
	}
	if len(extras) > 0 {
		return nil, &unknownArgsError{fmt.Sprintf("Unknown options: %s", strings.Join(extras, ", "))}
	}
	args2 := c.args
	inv.paginate = !g.noPaginate && c.op.Paginator != nil
	if pg := c.op.Paginator; pg != nil {
		for _, t := range pg.InputToken {
			if _, ok := p.values[strings.ReplaceAll(xformName(t, "-"), "-", "_")]; ok {
				inv.paginate = false
			}
		}
		if !inv.paginate {
			var used []string
			for _, a := range c.args {
				if a.kind != argStartingToken && a.kind != argPageSize && a.kind != argMaxItems {
					continue
				}
				if a.kind == argMaxItems && c.shadowed != nil {
					continue
				}
				// Python's truth: an empty token or a zero count is
				// as good as none.
				if v, ok := p.values[a.opt.dest].(string); ok && v != "" {
					if n, err := pyInt(v); a.kind == argStartingToken || err != nil || pyTruthy(n) {
						used = append(used, "--"+a.name)
					}
				}
			}
			if len(used) > 0 {
				return nil, &cliParamValidationError{"Cannot specify --no-paginate along with pagination arguments: " + strings.Join(used, ", ")}
			}
			if c.shadowed != nil {
				args2 = nil
				for _, a := range c.args {
					if a.kind == argMaxItems {
						a = c.shadowed
					}
					args2 = append(args2, a)
				}
			}
		}
	}
	pagination := newObject()
	for _, a := range args2 {
		raw, ok := p.values[a.opt.dest]
		if !ok {
			continue
		}
		switch a.kind {
		case argMember:
			if a.negative {
				// Its value is under its positive twin's name.
				continue
			}
			v, err := unpackArgument(a, raw)
			if err != nil {
				return nil, err
			}
			inv.params.set(a.member.Name, v)
		case argStartingToken:
			pagination.set("StartingToken", raw)
		case argPageSize:
			n, _ := pyInt(raw.(string))
			pagination.set("PageSize", n)
		case argMaxItems:
			n, _ := pyInt(raw.(string))
			pagination.set("MaxItems", n)
		case argSkeleton:
			inv.skeleton = raw.(string)
		case argOutfile:
			path := expandPath(raw.(string))
			abs, _ := filepath.Abs(path)
			if !writableDir(filepath.Dir(abs)) {
				return nil, &cliParamValidationError{"Unable to write to file: " + path}
			}
			inv.outfile = path
		case argBootstrapMethod:
			inv.bootstrapMethod = raw.(string)
		}
	}
	if pagination.len() > 0 {
		inv.params.set("PaginationConfig", pagination)
		if v, ok := pagination.get("StartingToken"); ok {
			s := v.(string)
			inv.startingToken = &s
		}
		inv.pageSize, _ = pagination.get("PageSize")
		inv.maxItems, _ = pagination.get("MaxItems")
	}
	if raw, ok := p.values["cli_input_json"]; ok {
		loaded, err := loadCLIInputJSON(raw.(string))
		if err != nil {
			return nil, err
		}
		for _, k := range loaded.keys {
			if !inv.params.has(k) {
				inv.params.set(k, loaded.vals[k])
			}
		}
	}
	if pg := c.op.Paginator; pg != nil {
		for _, t := range append(append([]string(nil), pg.InputToken...), pg.LimitKey) {
			if t != "" && inv.params.has(t) {
				inv.paginate = false
			}
		}
	}
	if inv.paginate {
		inv.params.del("PaginationConfig")
	} else {
		inv.startingToken, inv.pageSize, inv.maxItems = nil, nil, nil
	}
	return inv, nil
}

func expandPath(p string) string {
	p = os.ExpandEnv(p)
	if strings.HasPrefix(p, "~") {
		if home, err := os.UserHomeDir(); err == nil && (p == "~" || strings.HasPrefix(p, "~/")) {
			p = home + p[1:]
		}
	}
	return p
}

// writableDir is os.access(dir, W_OK).
func writableDir(dir string) bool {
	f, err := os.CreateTemp(dir, ".keyward-write-check-*")
	if err != nil {
		return false
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return true
}

// loadCLIInputJSON reads --cli-input-json: a JSON object, or file:// or
// fileb:// one.
func loadCLIInputJSON(v string) (*object, error) {
	if data, ok, err := paramFile(v); err != nil {
		return nil, &paramError{name: "cli-input-json", msg: err.Error()}
	} else if ok {
		switch d := data.(type) {
		case string:
			v = d
		case []byte:
			v = string(d)
		}
	}
	loaded, err := parsePyJSON(v)
	if err != nil {
		return nil, &paramError{name: "cli-input-json", msg: "Invalid JSON received."}
	}
	o, ok := loaded.(*object)
	if !ok {
		return nil, &paramError{name: "--cli-input-json", msg: "Invalid type: expecting map, received " + pyTypeName(loaded)}
	}
	return o, nil
}

// paramFile is the AWS CLI's paramfile handling: file:// reads a text
// file, fileb:// a binary one; ok is false for any other value.
func paramFile(v string) (data any, ok bool, err error) {
	var prefix string
	switch {
	case strings.HasPrefix(v, "file://"):
		prefix = "file://"
	case strings.HasPrefix(v, "fileb://"):
		prefix = "fileb://"
	default:
		return nil, false, nil
	}
	path := expandPath(v[len(prefix):])
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("Unable to load paramfile %s: %s", v, pyOSError(err, path))
	}
	if prefix == "fileb://" {
		return b, true, nil
	}
	s := string(b)
	if !validUTF8(b) {
		return nil, false, fmt.Errorf("Unable to load paramfile (%s), text contents could not be decoded.  If this is a binary file, please use the fileb:// prefix instead of the file:// prefix.", path)
	}
	// Python's text mode reads \r\n and \r as \n.
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return s, true, nil
}

// unpackArgument turns an argument's command-line value into a parameter
// value: file:// and fileb:// first, then the shorthand syntax for
// structures, maps and lists of them, else JSON or the scalar.
func unpackArgument(a *cliArg, raw any) (any, error) {
	if b, ok := raw.(bool); ok {
		return b, nil
	}
	value := raw
	single := ""
	switch x := raw.(type) {
	case string:
		single = x
	case []string:
		if len(x) == 1 {
			single = x[0]
		}
	}
	if data, ok, err := paramFile(single); err != nil {
		return nil, &paramError{name: "--" + a.name, msg: err.Error()}
	} else if ok {
		value = data
	}
	if list, ok := value.([]string); ok {
		generic := make([]any, len(list))
		for i, s := range list {
			generic[i] = s
		}
		value = generic
	}
	shape := a.member.Shape
	if supportsShorthand(shape) && !looksLikeJSON(value) {
		return shorthandArgument(a, value)
	}
	return unpackValue(shape, value, "--"+a.name)
}

// supportsShorthand: structures, maps and lists of them.
func supportsShorthand(s *apimodel.Shape) bool {
	switch s.Type {
	case "structure", "map":
		return true
	case "list":
		t := s.Member.Shape.Type
		return t == "structure" || t == "list" || t == "map"
	}
	return false
}

func looksLikeJSON(v any) bool {
	check := v
	if l, ok := v.([]any); ok && len(l) > 0 {
		check = l[0]
	}
	s, ok := check.(string)
	if !ok {
		return false
	}
	s = strings.TrimFunc(s, isPySpace)
	return strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")
}

func shorthandArgument(a *cliArg, value any) (any, error) {
	shape := a.member.Shape
	if s, ok := value.(string); ok && shape.Type == "structure" && len(shape.Members) == 1 && shape.Members[0].Name == "Value" &&
		shape.Members[0].Shape.Type == "string" && !strings.Contains(s, "=") {
		o := newObject()
		o.set("Value", s)
		return o, nil
	}
	wrap := func(err error) error {
		if se, ok := err.(*shorthandError); ok {
			return &paramError{name: "--" + a.name, msg: se.msg}
		}
		return err
	}
	switch x := value.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, &generalError{"expected string or bytes-like object"}
			}
			o, err := parseShorthand(s)
			if err != nil {
				return nil, wrap(err)
			}
			out[i] = o
		}
		return out, wrap(backCompat(nil, "", shape, out))
	case string:
		o, err := parseShorthand(x)
		if err != nil {
			return nil, wrap(err)
		}
		return o, wrap(backCompat(nil, "", shape, o))
	case []byte:
		o, err := parseShorthand(string(x))
		if err != nil {
			return nil, wrap(err)
		}
		return o, wrap(backCompat(nil, "", shape, o))
	}
	return value, nil
}

// unpackValue is the AWS CLI's unpack_cli_arg for a value that is not
// shorthand: JSON for structures, maps and lists given as JSON, each
// element of a list, and scalars converted.
func unpackValue(shape *apimodel.Shape, value any, cliName string) (any, error) {
	jsonArg := func(s string) (any, error) {
		v, err := parsePyJSON(s)
		if err != nil {
			return nil, &paramError{name: cliName, msg: fmt.Sprintf("Invalid JSON: %v\nJSON received: %s", err, s)}
		}
		return v, nil
	}
	text := func(v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case []byte:
			return string(x), true
		}
		return "", false
	}
	switch shape.Type {
	case "structure", "map":
		s, _ := text(value)
		t := strings.TrimLeftFunc(s, isPySpace)
		if t == "" {
			return nil, &generalError{"string index out of range"}
		}
		if t[0] == '{' {
			return jsonArg(s)
		}
		return nil, &paramError{name: cliName, msg: "Invalid JSON:\n" + s}
	case "list":
		if s, ok := text(value); ok {
			t := strings.TrimLeftFunc(s, isPySpace)
			if t == "" {
				return nil, &generalError{"string index out of range"}
			}
			if t[0] == '[' {
				return jsonArg(s)
			}
			// Python iterates the string's characters.
			var out []any
			for _, r := range s {
				v, err := unpackValue(shape.Member.Shape, string(r), cliName)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		}
		list, _ := value.([]any)
		if len(list) == 1 {
			if s, ok := list[0].(string); ok {
				if t := strings.TrimFunc(s, isPySpace); t != "" && t[0] == '[' {
					return jsonArg(s)
				}
			}
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			v, err := unpackValue(shape.Member.Shape, e, cliName)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "integer", "long":
		s, ok := text(value)
		if !ok {
			return nil, pyTypeError(value, "int")
		}
		return pyInt(s)
	case "float", "double":
		s, ok := text(value)
		if !ok {
			return nil, pyTypeError(value, "float")
		}
		return pyFloat(s)
	case "boolean":
		if s, ok := value.(string); ok {
			return strings.ToLower(s) != "false" && s != "", nil
		}
		return value, nil
	}
	return value, nil
}

// decodeInputBlobs is the AWS CLI's base64 binary format: a blob given as
// text is base64, decoded before the call; fileb:// gives bytes as they are.
func decodeInputBlobs(shape *apimodel.Shape, v any, set func(any)) error {
	switch shape.Type {
	case "structure":
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		for _, m := range shape.Members {
			if x, ok := o.get(m.Name); ok {
				name := m.Name
				if err := decodeInputBlobs(m.Shape, x, func(nv any) { o.set(name, nv) }); err != nil {
					return err
				}
			}
		}
	case "list":
		l, ok := v.([]any)
		if !ok {
			return nil
		}
		for i := range l {
			i := i
			if err := decodeInputBlobs(shape.Member.Shape, l[i], func(nv any) { l[i] = nv }); err != nil {
				return err
			}
		}
	case "map":
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		for _, k := range o.keys {
			k := k
			if err := decodeInputBlobs(shape.Value.Shape, o.vals[k], func(nv any) { o.set(k, nv) }); err != nil {
				return err
			}
		}
	case "blob":
		s, ok := v.(string)
		if !ok {
			return nil
		}
		b, err := pyB64Decode(s)
		if err != nil {
			return &cliParamValidationError{fmt.Sprintf("Invalid base64: \"%s\"", s)}
		}
		set(b)
	}
	return nil
}

// pyB64Decode is base64.b64decode without validation: characters outside
// the alphabet are dropped, and the padding must come out right.
func pyB64Decode(s string) ([]byte, error) {
	var clean strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' {
			clean.WriteRune(r)
		}
	}
	t := clean.String()
	if i := strings.IndexByte(t, '='); i >= 0 {
		t = t[:i] + strings.Repeat("=", strings.Count(t[i:], "="))
	}
	return base64.StdEncoding.DecodeString(t)
}

// run runs the operation.
func (c *opCommand) run(ctx context.Context, cl *cmdLine, args []string) int {
	if len(args) == 1 && args[0] == "help" {
		return cl.help(c.helpText())
	}
	for _, a := range args {
		// The AWS CLI answers --help with its first parser's usage; the
		// command's help is what is wanted.
		if a == "--help" || a == "-h" {
			return cl.help(c.helpText())
		}
	}
	inv, err := c.prepare(args, &cl.g)
	if err != nil {
		return cl.fail(err)
	}
	if inv.parsed.hasHelp && inv.parsed.help == "help" {
		return cl.help(c.helpText())
	}
	return cl.invoke(ctx, inv)
}
