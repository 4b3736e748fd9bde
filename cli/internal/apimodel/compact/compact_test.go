package compact_test

import (
	"strings"
	"testing"

	"github.com/keyward/keyward/cli/internal/apimodel"
	"github.com/keyward/keyward/cli/internal/apimodel/compact"
)

// model is a service-2.json of two operations: ListThings, paginated, and
// GetThing; the shape Unused is used by neither.
const model = `{
 "metadata": {"apiVersion": "2010-05-08", "protocol": "query", "endpointPrefix": "things"},
 "documentation": "<p>Things.</p>",
 "operations": {
  "ListThings": {"http": {"method": "POST"}, "input": {"shape": "ListThingsRequest"},
   "output": {"shape": "ListThingsResponse", "resultWrapper": "ListThingsResult"}, "documentation": "<p>Lists.</p>"},
  "GetThing": {"http": {"method": "POST"}, "input": {"shape": "GetThingRequest"}, "deprecated": true}
 },
 "shapes": {
  "ListThingsRequest": {"type": "structure", "members": {"Zeta": {"shape": "name"}, "Marker": {"shape": "name"}, "MaxItems": {"shape": "count"}}},
  "ListThingsResponse": {"type": "structure", "required": ["Things"], "members": {"Things": {"shape": "names"}, "IsTruncated": {"shape": "flag"}, "Marker": {"shape": "name"}}},
  "GetThingRequest": {"type": "structure", "members": {"Name": {"shape": "name", "documentation": "<p>The <code>name</code>.</p>"}}},
  "names": {"type": "list", "member": {"shape": "name"}},
  "name": {"type": "string"},
  "count": {"type": "integer"},
  "flag": {"type": "boolean"},
  "Unused": {"type": "string"}
 }
}`

const paginators = `{"pagination": {"ListThings": {"input_token": "Marker", "output_token": "Marker", "limit_key": "MaxItems", "more_results": "IsTruncated", "result_key": "Things"}}}`

// TestCompact: the compact model keeps the model's order of operations
// and members, only the shapes the operations reach, the paginators, and
// the documentation as plain text; it reads back with apimodel.Parse.
func TestCompact(t *testing.T) {
	b, err := compact.Compact("things", []byte(model), []byte(paginators))
	if err != nil {
		t.Fatal(err)
	}
	s, err := apimodel.Parse(b)
	if err != nil {
		t.Fatalf("apimodel.Parse: %v\n%s", err, b)
	}
	if strings.Join(s.Order, " ") != "ListThings GetThing" {
		t.Errorf("order %v, want the model's", s.Order)
	}
	if _, ok := s.Shapes["Unused"]; ok || len(s.Shapes) != 7 {
		t.Errorf("shapes %v: want the seven the operations use", keys(s.Shapes))
	}
	var members []string
	for _, m := range s.Shapes["ListThingsRequest"].Members {
		members = append(members, m.Name)
	}
	if strings.Join(members, " ") != "Zeta Marker MaxItems" {
		t.Errorf("members %v, want the model's order", members)
	}
	list := s.Operations["ListThings"]
	if list.ResultWrapper != "ListThingsResult" || list.Doc != "Lists." || list.Paginator == nil ||
		list.Paginator.LimitKey != "MaxItems" || strings.Join(list.Paginator.ResultKeys, " ") != "Things" {
		t.Errorf("ListThings %+v, paginator %+v", list, list.Paginator)
	}
	get := s.Operations["GetThing"]
	if !get.Deprecated || get.Output != "" || get.Paginator != nil {
		t.Errorf("GetThing %+v", get)
	}
	if doc := s.Shapes["GetThingRequest"].Members[0].Doc; doc != "The name." {
		t.Errorf("member documentation %q", doc)
	}
	if s.Doc != "Things." {
		t.Errorf("service documentation %q", s.Doc)
	}
	// A service without paginators.
	if _, err := compact.Compact("things", []byte(model), nil); err != nil {
		t.Errorf("without paginators: %v", err)
	}
}

// TestCompactRefuses: what the command line could not follow is an error,
// not a model that misleads it.
func TestCompactRefuses(t *testing.T) {
	tests := []struct {
		name, model, paginators, want string
	}{
		{"not JSON", `{`, "", "service model"},
		{"a missing shape", strings.Replace(model, `"count": {"type": "integer"},`, "", 1), "", `no shape "count"`},
		{"a JMESPath expression", model, strings.Replace(paginators, `"result_key": "Things"`, `"result_key": "Things[].Name"`, 1), "is not a member name"},
		{"tokens unpaired", model, strings.Replace(paginators, `"output_token": "Marker"`, `"output_token": ["Marker", "IsTruncated"]`, 1), "tokens or result keys"},
		{"no result key", model, strings.Replace(paginators, `, "result_key": "Things"`, "", 1), "tokens or result keys"},
		{"an operation the model lacks", model, strings.Replace(paginators, `"ListThings"`, `"ListOthers"`, 1), "which the model lacks"},
		{"paginators not JSON", model, `{`, "paginators"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pages []byte
			if tt.paginators != "" {
				pages = []byte(tt.paginators)
			}
			_, err := compact.Compact("things", []byte(tt.model), pages)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compact: %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// keys are m's keys, for a message.
func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestText: the documentation's HTML as plain text: paragraphs, lists,
// notes, links' text, entities.
func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<p>Lists the <code>MFA</code> devices &amp; more.</p> <p>Second.</p>`, "Lists the MFA devices & more.\n\nSecond."},
		{`<p>Values:</p> <ul> <li> <p> <code>a</code> </p> </li> <li> <p>b</p> </li> </ul> <p>After.</p>`, "Values:\n* a\n* b\n\nAfter."},
		{`<fullname>IAM</fullname> <p>Text</p>`, "Text"},
		{`<note> <p>Careful.</p> </note>`, "Note: Careful."},
		{`<p>See <a href="https://x">the guide</a>.</p>`, "See the guide."},
	} {
		if got := compact.Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
