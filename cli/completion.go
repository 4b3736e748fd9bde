package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

var completionCommands = map[string]*command{
	"bash": {summary: "Bash completion: source <(keyward completion bash)", run: func(ctx context.Context, c *call) int {
		fmt.Fprint(c.env.Stdout, bashCompletion())
		return ExitOK
	}},
	"zsh": {summary: "Zsh completion: source <(keyward completion zsh)", run: func(ctx context.Context, c *call) int {
		fmt.Fprint(c.env.Stdout, "autoload -U +X bashcompinit && bashcompinit\n"+bashCompletion())
		return ExitOK
	}},
}

// bashCompletion completes groups, commands and each command's options.
func bashCompletion() string {
	var cases strings.Builder
	groupNames := []string{"serve"}
	for g := range groups {
		groupNames = append(groupNames, g)
	}
	sort.Strings(groupNames)
	for _, g := range groupNames {
		grp, ok := groups[g]
		if !ok {
			continue
		}
		var cmds []string
		for name, cmd := range grp.commands {
			cmds = append(cmds, name)
			var opts []string
			for _, f := range cmd.flags {
				opts = append(opts, "--"+f)
			}
			opts = append(opts, "--help", "--endpoint-url", "--region", "--profile", "--output", "--query")
			fmt.Fprintf(&cases, "    \"%s %s\") opts=\"%s\" ;;\n", g, name, strings.Join(opts, " "))
		}
		sort.Strings(cmds)
		fmt.Fprintf(&cases, "    \"%s\") opts=\"%s\" ;;\n", g, strings.Join(cmds, " "))
	}
	return `# keyward completion for bash (zsh through bashcompinit)
_keyward() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  local key="${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -ge 3 ]; then key="${COMP_WORDS[1]} ${COMP_WORDS[2]}"; fi
  if [ "$COMP_CWORD" -eq 1 ]; then opts="` + strings.Join(groupNames, " ") + ` help"; else
  case "$key" in
` + cases.String() + `    *) opts="" ;;
  esac; fi
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _keyward keyward
`
}
