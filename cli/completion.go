package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Shell completion for every command: the groups, each group's commands
// (every operation of iam and sts), each command's options with the
// global ones, and the values of options that take one of a set (an
// enum of the model, --output, --bootstrap-method).

var completionCommands = map[string]*command{
	"bash": {summary: "Bash completion: source <(keyward completion bash)", run: func(ctx context.Context, c *call) int {
		fmt.Fprint(c.env.Stdout, bashCompletion(c.env.Commands))
		return ExitOK
	}},
	"zsh": {summary: "Zsh completion: source <(keyward completion zsh)", run: func(ctx context.Context, c *call) int {
		fmt.Fprint(c.env.Stdout, "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"+bashCompletion(c.env.Commands))
		return ExitOK
	}},
	"fish": {summary: "Fish completion: keyward completion fish | source", run: func(ctx context.Context, c *call) int {
		fmt.Fprint(c.env.Stdout, fishCompletion(c.env.Commands))
		return ExitOK
	}},
}

// completionCommand is one command's completion data.
type completionCommand struct {
	group, name string
	options     []string
	// values are the choices of an option, by option.
	values map[string][]string
}

// completionTable lists every group and command with its options, and
// the program's own commands (programs) besides.
func completionTable(programs []string) (groupNames []string, commands map[string][]string, table []completionCommand) {
	commands = map[string][]string{}
	groupNames = append([]string{"events", "help"}, programs...)
	for name, s := range services() {
		groupNames = append(groupNames, name)
		for _, opName := range s.order {
			c := s.commands[opName]
			cc := completionCommand{group: name, name: opName, values: map[string][]string{}}
			for _, a := range c.args {
				cc.options = append(cc.options, "--"+a.name)
				if a.opt.choices != nil {
					cc.values["--"+a.name] = a.opt.choices
				}
				if a.kind == argMember {
					enum := a.member.Shape.Enum
					if a.member.Shape.Type == "list" {
						enum = a.member.Shape.Member.Shape.Enum
					}
					if len(enum) > 0 {
						cc.values["--"+a.name] = enum
					}
				}
			}
			commands[name] = append(commands[name], opName)
			table = append(table, cc)
		}
	}
	for name, g := range groups {
		groupNames = append(groupNames, name)
		var names []string
		for n := range g.commands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			cc := completionCommand{group: name, name: n}
			for _, f := range g.commands[n].flags {
				cc.options = append(cc.options, "--"+f)
			}
			cc.options = append(cc.options, "--help")
			commands[name] = append(commands[name], n)
			table = append(table, cc)
		}
	}
	sort.Strings(groupNames)
	for g := range commands {
		sort.Strings(commands[g])
	}
	sort.Slice(table, func(i, j int) bool {
		if table[i].group != table[j].group {
			return table[i].group < table[j].group
		}
		return table[i].name < table[j].name
	})
	return groupNames, commands, table
}

// globalCompletion lists the global options, and those that take a value.
func globalCompletion() (all, withValue []string) {
	for _, o := range globalOptions {
		all = append(all, "--"+o.name)
		if o.nargs != nargsNone {
			withValue = append(withValue, "--"+o.name)
		}
	}
	return all, withValue
}

// bashCompletion completes groups, commands, options and option values.
func bashCompletion(programs []string) string {
	groupNames, commands, table := completionTable(programs)
	globalsAll, globalsValue := globalCompletion()
	var b strings.Builder
	b.WriteString(`# keyward completion for bash (zsh through bashcompinit)
_keyward() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" opts="" w i
  local -a words=()
  # the command's words: options and the values of global options left out
  for ((i=1; i<COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in
      ` + strings.Join(globalsValue, "|") + `) ((i++)) ;;
      -*) ;;
      *) words+=("$w") ;;
    esac
  done
  case "$prev" in
    --output) COMPREPLY=( $(compgen -W "json text table" -- "$cur") ); return ;;
    --color) COMPREPLY=( $(compgen -W "on off auto" -- "$cur") ); return ;;
    --cli-binary-format) COMPREPLY=( $(compgen -W "base64 raw-in-base64-out" -- "$cur") ); return ;;
    --endpoint-url|--region|--profile|--query|--ca-bundle|--cli-read-timeout|--cli-connect-timeout) COMPREPLY=(); return ;;
  esac
  if [ "${#words[@]}" -ge 2 ]; then
    case "${words[0]} ${words[1]} $prev" in
`)
	for _, c := range table {
		keys := make([]string, 0, len(c.values))
		for k := range c.values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "      \"%s %s %s\") COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") ); return ;;\n", c.group, c.name, k, strings.Join(c.values[k], " "))
		}
	}
	b.WriteString(`    esac
  fi
  case "${#words[@]}" in
    0) opts="` + strings.Join(groupNames, " ") + ` ` + strings.Join(globalsAll, " ") + `" ;;
    1)
      case "${words[0]}" in
`)
	for _, g := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(&b, "        %s) opts=\"%s help\" ;;\n", g, strings.Join(commands[g], " "))
	}
	b.WriteString(`      esac ;;
    *)
      case "${words[0]} ${words[1]}" in
`)
	for _, c := range table {
		fmt.Fprintf(&b, "        \"%s %s\") opts=\"%s\" ;;\n", c.group, c.name, strings.Join(c.options, " "))
	}
	b.WriteString(`      esac
      opts="$opts ` + strings.Join(globalsAll, " ") + `" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F _keyward keyward
`)
	return b.String()
}

// fishCompletion is the same for fish.
func fishCompletion(programs []string) string {
	groupNames, commands, table := completionTable(programs)
	_, globalsValue := globalCompletion()
	var b strings.Builder
	b.WriteString(`# keyward completion for fish
function __keyward_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case ` + strings.Join(globalsValue, " ") + `
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end
function __keyward_at
    set -l w (__keyward_words)
    test (count $w) -eq $argv[1]; or return 1
    if test (count $argv) -ge 2
        test "$w[1]" = "$argv[2]"; or return 1
    end
end
function __keyward_cmd
    set -l w (__keyward_words)
    test (count $w) -ge 2; and test "$w[1]" = "$argv[1]"; and test "$w[2]" = "$argv[2]"
end
complete -c keyward -f
`)
	fmt.Fprintf(&b, "complete -c keyward -n '__keyward_at 0' -a '%s'\n", strings.Join(groupNames, " "))
	for _, o := range globalOptions {
		flag := ""
		if o.nargs != nargsNone {
			flag = " -r"
		}
		if o.choices != nil {
			flag = fmt.Sprintf(" -x -a '%s'", strings.Join(o.choices, " "))
			if o.name == "output" {
				flag = " -x -a 'json text table'"
			}
		}
		fmt.Fprintf(&b, "complete -c keyward -l %s%s\n", o.name, flag)
	}
	for _, g := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(&b, "complete -c keyward -n '__keyward_at 1 %s' -a '%s help'\n", g, strings.Join(commands[g], " "))
	}
	for _, c := range table {
		for _, o := range c.options {
			flag := ""
			if vals, ok := c.values[o]; ok {
				flag = fmt.Sprintf(" -x -a '%s'", strings.Join(vals, " "))
			}
			fmt.Fprintf(&b, "complete -c keyward -n '__keyward_cmd %s %s' -l %s%s\n", c.group, c.name, strings.TrimPrefix(o, "--"), flag)
		}
	}
	return b.String()
}
