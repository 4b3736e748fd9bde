// Package apimodel holds the AWS service models the command line is
// generated from, as the AWS CLI is generated from botocore's: the
// operations of IAM and STS, their input and output shapes, their
// paginators and their documentation.
//
// The models are compact forms of the repository's copies of AWS's
// service-2.json and paginators-1.json (testdata/aws/spec), made by
// `go generate` with package compact and embedded in the binary; a test
// holds the embedded files to what compact makes of testdata's today.
package apimodel

//go:generate go run ./gen -spec ../../../testdata/aws/spec -out .

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"
)

// Service is one service's model.
type Service struct {
	// Name is the service's command name: iam or sts.
	Name     string   `json:"name"`
	Metadata Metadata `json:"metadata"`
	Doc      string   `json:"doc,omitempty"`
	// Order lists the operations in the model's order, the order of the
	// AWS CLI's command table.
	Order      []string              `json:"order"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is what the requests and the help need of the model's
// metadata.
type Metadata struct {
	APIVersion      string `json:"apiVersion"`
	EndpointPrefix  string `json:"endpointPrefix"`
	SigningName     string `json:"signingName,omitempty"`
	Protocol        string `json:"protocol"`
	ServiceFullName string `json:"serviceFullName"`
	ServiceID       string `json:"serviceId"`
}

// Operation is one API operation.
type Operation struct {
	Name   string `json:"name"`
	Method string `json:"method,omitempty"`
	// Input and Output name their shapes; either may be empty.
	Input  string `json:"input,omitempty"`
	Output string `json:"output,omitempty"`
	// ResultWrapper is the XML element the output is in.
	ResultWrapper string     `json:"resultWrapper,omitempty"`
	Doc           string     `json:"doc,omitempty"`
	Deprecated    bool       `json:"deprecated,omitempty"`
	Paginator     *Paginator `json:"paginator,omitempty"`
}

// Paginator is an operation's entry in paginators-1.json.
type Paginator struct {
	InputToken       []string `json:"inputToken"`
	OutputToken      []string `json:"outputToken"`
	LimitKey         string   `json:"limitKey,omitempty"`
	MoreResults      string   `json:"moreResults,omitempty"`
	ResultKeys       []string `json:"resultKeys"`
	NonAggregateKeys []string `json:"nonAggregateKeys,omitempty"`
}

// Shape is a shape of the model: a structure, list, map or scalar.
type Shape struct {
	Name string `json:"-"`
	Type string `json:"type"`
	// Members of a structure, in the model's order (the order in which
	// the AWS CLI prints and documents them).
	Members  []*Member `json:"members,omitempty"`
	Required []string  `json:"required,omitempty"`
	// Member is a list's element; Key and Value a map's.
	Member *Member `json:"member,omitempty"`
	Key    *Member `json:"key,omitempty"`
	Value  *Member `json:"value,omitempty"`
	Traits
	Doc string `json:"doc,omitempty"`

	members map[string]*Member
}

// Traits are what a shape says of its values, in the same words in AWS's
// model and in the compact one: package compact reads them from the one
// and writes them to the other as they are.
type Traits struct {
	// Min is a string's or list's minimum length or a number's minimum
	// value, the only bound the AWS CLI checks before sending.
	Min       *float64 `json:"min,omitempty"`
	Max       *float64 `json:"max,omitempty"`
	Pattern   string   `json:"pattern,omitempty"`
	Enum      []string `json:"enum,omitempty"`
	Sensitive bool     `json:"sensitive,omitempty"`
	Flattened bool     `json:"flattened,omitempty"`
}

// Member is a reference to a shape from a structure, list or map, with
// the traits the reference adds.
type Member struct {
	Name         string `json:"name,omitempty"`
	ShapeName    string `json:"shape"`
	LocationName string `json:"locationName,omitempty"`
	Doc          string `json:"doc,omitempty"`
	// Shape is the shape referred to, set when the model is loaded.
	Shape *Shape `json:"-"`
}

// Documentation is the member's documentation or, without one, its
// shape's: botocore's rule.
func (m *Member) Documentation() string {
	if m.Doc != "" {
		return m.Doc
	}
	return m.Shape.Doc
}

// MemberNamed returns a structure's member by name.
func (s *Shape) MemberNamed(name string) *Member { return s.members[name] }

// IsRequired reports whether a structure requires the member.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

//go:embed iam.json sts.json
var files embed.FS

var (
	loadOnce sync.Once
	services map[string]*Service
	loadErr  error
)

// Names lists the services, sorted.
func Names() []string {
	return []string{"iam", "sts"}
}

// Load returns the named service's model, or nil for another name.
func Load(name string) (*Service, error) {
	loadOnce.Do(func() {
		services = map[string]*Service{}
		for _, n := range Names() {
			b, err := files.ReadFile(n + ".json")
			if err != nil {
				loadErr = err
				return
			}
			s, err := Parse(b)
			if err != nil {
				loadErr = fmt.Errorf("the %s model: %w", n, err)
				return
			}
			services[n] = s
		}
	})
	if loadErr != nil {
		return nil, loadErr
	}
	return services[name], nil
}

// Embedded returns the embedded compact model of a service, as written by
// go generate.
func Embedded(name string) ([]byte, error) { return files.ReadFile(name + ".json") }

// Parse reads a compact model and links its shapes.
func Parse(b []byte) (*Service, error) {
	var s Service
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	link := func(m *Member) error {
		if m == nil {
			return nil
		}
		m.Shape = s.Shapes[m.ShapeName]
		if m.Shape == nil {
			return fmt.Errorf("no shape %q", m.ShapeName)
		}
		return nil
	}
	for name, sh := range s.Shapes {
		sh.Name = name
		sh.members = map[string]*Member{}
		for _, m := range sh.Members {
			if err := link(m); err != nil {
				return nil, err
			}
			sh.members[m.Name] = m
		}
		for _, m := range []*Member{sh.Member, sh.Key, sh.Value} {
			if err := link(m); err != nil {
				return nil, err
			}
		}
	}
	if len(s.Order) != len(s.Operations) {
		return nil, fmt.Errorf("%d operations, %d in order", len(s.Operations), len(s.Order))
	}
	for _, name := range s.Order {
		if s.Operations[name] == nil {
			return nil, fmt.Errorf("no operation %q", name)
		}
	}
	for name, op := range s.Operations {
		for _, sh := range []string{op.Input, op.Output} {
			if sh != "" && s.Shapes[sh] == nil {
				return nil, fmt.Errorf("operation %s: no shape %q", name, sh)
			}
		}
	}
	return &s, nil
}

// InputShape is the operation's input structure, nil when it has none.
func (s *Service) InputShape(op *Operation) *Shape { return s.Shapes[op.Input] }

// OutputShape is the operation's output structure, nil when it has none.
func (s *Service) OutputShape(op *Operation) *Shape { return s.Shapes[op.Output] }

// OperationNames lists the operations in the model's order, as botocore
// lists them.
func (s *Service) OperationNames() []string { return s.Order }
