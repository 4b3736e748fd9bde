package keyward

import (
	"unicode"
	"unicode/utf8"
)

// Operation describes one IAM or STS operation for every transport that
// performs it: the Query API reads its parameters from a request and the
// console from a form, and both check them, and record the operation's
// event, from this one description. The feature package's method decides
// access and applies the rule; the description says what the operation
// takes, not what it does.
type Operation struct {
	// Name is the operation's name in the API and in its events
	// ("CreateUser").
	Name string
	// Service is the service it belongs to (ServiceIAM, ServiceSTS); its
	// IAM action is Service:Name.
	Service string
	// ReadOnly is CloudTrail's readOnly: the operation changes nothing.
	ReadOnly bool
	// Credentials marks an operation that hands out credentials: every use
	// of it is an event, though it changes nothing.
	Credentials bool
	// Params are its parameters with the model's constraints, in the
	// order the model lists them (the order of a ValidationError's
	// problems).
	Params []Param
}

// Action is the IAM action the operation is authorised as.
func (o *Operation) Action() string { return o.Service + ":" + o.Name }

// Audited reports whether every use of the operation is an event: a
// change, or credentials handed out.
func (o *Operation) Audited() bool { return o.Credentials || !o.ReadOnly }

// ParamKind is how a parameter's value is made.
type ParamKind int

// The kinds of parameters.
const (
	ParamString      ParamKind = iota
	ParamBool                  // "true" or "false"
	ParamInt                   // a decimal integer in [Min, Max]
	ParamList                  // a list of strings, each of Shape
	ParamTags                  // a list of tags
	ParamMaxItems              // MaxItems: MaxItemsMin to MaxItemsMax, DefaultMaxItems when absent
	ParamContext               // SimulatePrincipalPolicy's context entries
	ParamDescriptors           // STS's policy ARNs
)

// Param is one parameter of an operation.
type Param struct {
	Member   string
	Kind     ParamKind
	Shape    *StringShape
	Required bool
	Min, Max int
}

// ReqParam is a required string parameter of shape.
func ReqParam(member string, shape *StringShape) Param {
	return Param{Member: member, Shape: shape, Required: true}
}

// OptParam is an optional string parameter of shape.
func OptParam(member string, shape *StringShape) Param { return Param{Member: member, Shape: shape} }

// BoolParam is an optional boolean parameter.
func BoolParam(member string) Param { return Param{Member: member, Kind: ParamBool} }

// IntParam is an optional integer parameter in [min, max].
func IntParam(member string, min, max int) Param {
	return Param{Member: member, Kind: ParamInt, Min: min, Max: max}
}

// ListParam is a list of strings of shape.
func ListParam(member string, shape *StringShape, required bool) Param {
	return Param{Member: member, Kind: ParamList, Shape: shape, Required: required}
}

// TagsParam is the Tags parameter.
func TagsParam(required bool) Param {
	return Param{Member: "Tags", Kind: ParamTags, Required: required}
}

// FieldName is the name AWS gives a member in validation messages: the
// member name with its first letter in lower case.
func FieldName(member string) string {
	r, n := utf8.DecodeRuneInString(member)
	return string(unicode.ToLower(r)) + member[n:]
}

// Reads is an operation that changes nothing, with its parameters.
func Reads(params ...Param) Operation { return Operation{ReadOnly: true, Params: params} }

// Changes is an operation that changes something, with its parameters.
func Changes(params ...Param) Operation { return Operation{Params: params} }

// OperationTable names the operations of service by the keys of ops.
func OperationTable(service string, ops map[string]Operation) map[string]*Operation {
	out := make(map[string]*Operation, len(ops))
	for name, op := range ops {
		op.Name, op.Service = name, service
		out[name] = &op
	}
	return out
}
