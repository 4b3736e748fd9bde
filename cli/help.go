package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// Help is made from the model's documentation, as the AWS CLI's is: the
// operation's description, its synopsis, each option with its type,
// documentation, shorthand and JSON syntax, and the output's members.

const helpWidth = 79

// wrap fills text (paragraphs apart by blank lines, "* " items on lines
// of their own) to helpWidth, each line indented.
func wrap(text string, indent int) string {
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, line := range strings.Split(para, "\n") {
			lead := pad
			cont := pad
			trimmed := strings.TrimLeft(line, " ")
			if strings.HasPrefix(trimmed, "* ") {
				depth := len(line) - len(trimmed)
				lead = pad + strings.Repeat(" ", depth)
				cont = lead + "  "
			}
			cur := lead
			start := true
			for _, word := range strings.Fields(trimmed) {
				if !start && len(cur)+1+len(word) > helpWidth {
					b.WriteString(strings.TrimRight(cur, " ") + "\n")
					cur = cont
					start = true
				}
				if !start {
					cur += " "
				}
				cur += word
				start = false
			}
			b.WriteString(strings.TrimRight(cur, " ") + "\n")
		}
	}
	return b.String()
}

func section(b *strings.Builder, title string) {
	b.WriteString(title + "\n")
}

// helpText is `keyward <service> <operation> help`.
func (c *opCommand) helpText() string {
	var b strings.Builder
	section(&b, "NAME")
	fmt.Fprintf(&b, "       %s -\n\n", c.name)
	section(&b, "DESCRIPTION")
	if c.op.Doc != "" {
		b.WriteString(wrap(c.op.Doc, 7))
		b.WriteString("\n")
	}
	if pg := c.op.Paginator; pg != nil {
		b.WriteString(wrap(fmt.Sprintf("%s is a paginated operation. Multiple API calls may be issued in order to retrieve the entire data set of results. You can disable pagination by providing the --no-paginate argument. When using --output text and the --query argument on a paginated response, the --query argument must extract data from the results of the following query expressions: %s",
			c.name, strings.Join(pg.ResultKeys, ", ")), 7))
		b.WriteString("\n")
	}
	section(&b, "SYNOPSIS")
	fmt.Fprintf(&b, "            %s\n", c.name)
	for _, a := range c.args {
		if a.hidden || a.negative {
			continue
		}
		var s string
		switch {
		case a.kind == argMember && a.member.Shape.Type == "boolean":
			s = fmt.Sprintf("--%s | --no-%s", a.name, a.name)
		default:
			s = fmt.Sprintf("--%s <value>", a.name)
		}
		if !a.required {
			s = "[" + s + "]"
		}
		fmt.Fprintf(&b, "          %s\n", s)
	}
	for _, o := range globalOptions {
		if o.name == "no-cli-pager" || strings.Contains(o.name, "auto-prompt") {
			continue
		}
		if o.nargs == nargsNone {
			fmt.Fprintf(&b, "          [--%s]\n", o.name)
		} else {
			fmt.Fprintf(&b, "          [--%s <value>]\n", o.name)
		}
	}
	b.WriteString("\n")
	section(&b, "OPTIONS")
	for _, a := range c.args {
		if a.hidden || a.negative {
			continue
		}
		fmt.Fprintf(&b, "       --%s (%s)\n", a.name, a.typeName)
		if a.doc != "" {
			b.WriteString(wrap(a.doc, 10))
		}
		if a.kind == argMember {
			shape := a.member.Shape
			if len(shape.Enum) > 0 {
				b.WriteString("\n          Possible values:\n\n")
				for _, e := range shape.Enum {
					fmt.Fprintf(&b, "          o %s\n", e)
				}
			}
			if shape.Type == "list" && len(shape.Member.Shape.Enum) > 0 {
				b.WriteString("\n          Possible values:\n\n")
				for _, e := range shape.Member.Shape.Enum {
					fmt.Fprintf(&b, "          o %s\n", e)
				}
			}
			if supportsShorthand(shape) {
				if sh := shorthandDoc(shape); sh != "" {
					b.WriteString("\n          Shorthand Syntax:\n\n")
					for _, l := range strings.Split(sh, "\n") {
						fmt.Fprintf(&b, "              %s\n", l)
					}
				}
			} else if shape.Type == "list" {
				fmt.Fprintf(&b, "\n          Syntax:\n\n              \"%s\" \"%s\" ...\n", shape.Member.Shape.Type, shape.Member.Shape.Type)
			}
			if shape.Type == "structure" || shape.Type == "list" || shape.Type == "map" {
				b.WriteString("\n          JSON Syntax:\n\n")
				for _, l := range strings.Split(jsonSyntax(shape, 0, nil), "\n") {
					fmt.Fprintf(&b, "              %s\n", l)
				}
			}
		}
		b.WriteString("\n")
	}
	section(&b, "GLOBAL OPTIONS")
	b.WriteString(wrap("--endpoint-url, --region, --profile, --output (json, text or table), --query (JMESPath), --no-paginate, --debug, --no-verify-ssl, --ca-bundle, --no-sign-request, --cli-read-timeout and --cli-connect-timeout, as the AWS CLI's: see keyward help.", 7))
	b.WriteString("\n")
	section(&b, "OUTPUT")
	if out := c.service.OutputShape(c.op); out != nil && len(out.Members) > 0 {
		for _, m := range out.Members {
			outputDoc(&b, m.Name, m.Shape, m.Documentation(), 7, map[*apimodel.Shape]bool{})
		}
	} else {
		b.WriteString("       None\n")
	}
	return b.String()
}

// outputDoc documents an output member and, below it, its members.
func outputDoc(b *strings.Builder, name string, shape *apimodel.Shape, doc string, indent int, seen map[*apimodel.Shape]bool) {
	pad := strings.Repeat(" ", indent)
	if name != "" {
		fmt.Fprintf(b, "%s%s -> (%s)\n", pad, name, shape.Type)
	} else {
		fmt.Fprintf(b, "%s(%s)\n", pad, shape.Type)
	}
	if doc != "" {
		b.WriteString(wrap(doc, indent+3))
	}
	b.WriteString("\n")
	if seen[shape] {
		return
	}
	seen[shape] = true
	defer delete(seen, shape)
	switch shape.Type {
	case "structure":
		for _, m := range shape.Members {
			outputDoc(b, m.Name, m.Shape, m.Documentation(), indent+3, seen)
		}
	case "list":
		outputDoc(b, "", shape.Member.Shape, shape.Member.Documentation(), indent+3, seen)
	case "map":
		fmt.Fprintf(b, "%skey -> (%s)\n\n", pad+"   ", shape.Key.Shape.Type)
		outputDoc(b, "value", shape.Value.Shape, shape.Value.Documentation(), indent+3, seen)
	}
}

// shorthandDoc is the AWS CLI's ParamShorthandDocGen: Key=string,Value=string
// for a structure, with " ..." for a list of them.
func shorthandDoc(shape *apimodel.Shape) string {
	if shape.Type == "structure" && len(shape.Members) == 1 && shape.Members[0].Name == "Value" && shape.Members[0].Shape.Type == "string" {
		return ""
	}
	var stack []string
	var docs func(s *apimodel.Shape, name string) (string, bool)
	docs = func(s *apimodel.Shape, name string) (string, bool) {
		if len(stack) > 3 {
			return "", false
		}
		switch s.Type {
		case "structure":
			var parts []string
			for _, m := range s.Members {
				recursive := false
				for _, n := range stack {
					if n == m.ShapeName {
						recursive = true
					}
				}
				if recursive {
					parts = append(parts, m.Name+"=( ... recursive ... )")
					continue
				}
				stack = append(stack, m.ShapeName)
				d, ok := docs(m.Shape, m.ShapeName)
				stack = stack[:len(stack)-1]
				if !ok {
					return "", false
				}
				parts = append(parts, m.Name+"="+d)
			}
			inner := strings.Join(parts, ",")
			if len(stack) == 0 {
				return inner, true
			}
			return "{" + inner + "}", true
		case "list":
			stack = append(stack, s.Member.ShapeName)
			d, ok := docs(s.Member.Shape, s.Member.ShapeName)
			stack = stack[:len(stack)-1]
			if !ok {
				return "", false
			}
			t := s.Member.Shape.Type
			if t == "structure" || t == "list" || t == "map" || len(stack) > 1 {
				return "[" + d + "," + d + "]", true
			}
			return d + "," + d, true
		case "map":
			d, ok := docs(s.Value.Shape, "")
			if !ok {
				return "", false
			}
			start := "KeyName1=" + d + ",KeyName2=" + d
			if len(s.Key.Shape.Enum) > 0 && len(stack) == 0 {
				start += "\n\nWhere valid key names are:\n"
				for _, e := range s.Key.Shape.Enum {
					start += "  " + e + "\n"
				}
			} else if len(stack) > 0 {
				start = "{" + start + "}"
			}
			return start, true
		}
		return s.Type, true
	}
	if shape.Type == "list" {
		d, ok := docs(shape.Member.Shape, shape.Member.ShapeName)
		if !ok {
			return ""
		}
		return d + " ..."
	}
	d, _ := docs(shape, "")
	return d
}

// jsonSyntax is a JSON sample of a shape for the help.
func jsonSyntax(shape *apimodel.Shape, indent int, stack []*apimodel.Shape) string {
	pad := strings.Repeat("  ", indent)
	for _, s := range stack {
		if s == shape {
			return "{ ... recursive ... }"
		}
	}
	stack = append(stack, shape)
	switch shape.Type {
	case "structure":
		var lines []string
		for _, m := range shape.Members {
			lines = append(lines, pad+"  \""+m.Name+"\": "+jsonSyntax(m.Shape, indent+1, stack))
		}
		return "{\n" + strings.Join(lines, ",\n") + "\n" + pad + "}"
	case "list":
		return "[\n" + pad + "  " + jsonSyntax(shape.Member.Shape, indent+1, stack) + "\n" + pad + "  ...\n" + pad + "]"
	case "map":
		return "{\"string\": " + jsonSyntax(shape.Value.Shape, indent+1, stack) + "\n" + pad + "  ...}"
	case "string":
		if len(shape.Enum) > 0 {
			return "\"" + strings.Join(shape.Enum, "\"|\"") + "\""
		}
		return "\"string\""
	case "boolean":
		return "true|false"
	case "timestamp":
		return "timestamp"
	case "blob":
		return "blob"
	}
	return shape.Type
}

// helpText is `keyward <service> help`: the service and its commands.
func (s *serviceCommand) helpText() string {
	var b strings.Builder
	section(&b, "NAME")
	fmt.Fprintf(&b, "       %s -\n\n", s.name)
	section(&b, "DESCRIPTION")
	b.WriteString(wrap(s.model.Doc, 7))
	b.WriteString("\n")
	section(&b, "AVAILABLE COMMANDS")
	names := append([]string(nil), s.order...)
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "       o %s\n\n", n)
	}
	return b.String()
}
