package cli

import (
	"context"
	"sync"

	"github.com/keyward/keyward/cli/internal/apimodel"
)

// serviceCommand is `keyward iam` or `keyward sts`: a command for each
// operation of the model, in the model's order.
type serviceCommand struct {
	name     string
	model    *apimodel.Service
	commands map[string]*opCommand
	order    []string
}

var (
	servicesOnce sync.Once
	serviceTable map[string]*serviceCommand
)

// services builds the command tables from the embedded models.
func services() map[string]*serviceCommand {
	servicesOnce.Do(func() {
		serviceTable = map[string]*serviceCommand{}
		for _, name := range apimodel.Names() {
			m, err := apimodel.Load(name)
			if err != nil {
				// The embedded models are checked by the tests; a binary
				// built without them cannot run any of these commands.
				panic(err)
			}
			s := &serviceCommand{name: name, model: m, commands: map[string]*opCommand{}}
			for _, opName := range m.OperationNames() {
				c := newOpCommand(name, m, m.Operations[opName])
				s.commands[c.name] = c
				s.order = append(s.order, c.name)
			}
			serviceTable[name] = s
		}
	})
	return serviceTable
}

// run is the service's argparse: the operation is its first positional
// argument; the others go to the operation.
func (s *serviceCommand) run(ctx context.Context, cl *cmdLine, args []string) int {
	p := newArgParser(progName, nil)
	var opName string
	var rest []string
	for i, a := range args {
		if t, _ := p.parseOptional(a); t == nil {
			opName = a
			rest = append(append(rest, args[:i]...), args[i+1:]...)
			break
		}
	}
	if opName == "" {
		return cl.fail(&argParseError{prog: progName, msg: "the following arguments are required: operation"})
	}
	if opName == "help" || (opName == "" && len(args) > 0 && (args[0] == "--help" || args[0] == "-h")) {
		return cl.help(s.helpText())
	}
	c, ok := s.commands[opName]
	if !ok {
		return cl.fail(&argParseError{prog: progName, msg: "argument operation: " + invalidChoice(opName, append(append([]string(nil), s.order...), "help"))})
	}
	if cl.g.output != "" && cl.g.output != "json" && cl.g.output != "text" && cl.g.output != "table" {
		return cl.fail(&argParseError{prog: progName, msg: "argument --output: " + invalidChoice(cl.g.output, []string{"json", "text", "table"})})
	}
	return c.run(ctx, cl, rest)
}
