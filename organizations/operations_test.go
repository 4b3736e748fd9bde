package organizations_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/organizations"
)

type modelShape struct {
	Type     string                            `json:"type"`
	Required []string                          `json:"required"`
	Members  map[string]struct{ Shape string } `json:"members"`
	Member   struct{ Shape string }            `json:"member"`
	Min      *int                              `json:"min"`
	Max      *int                              `json:"max"`
	Pattern  string                            `json:"pattern"`
	Enum     []string                          `json:"enum"`
}

type model struct {
	Metadata struct {
		TargetPrefix string `json:"targetPrefix"`
		APIVersion   string `json:"apiVersion"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input  struct{ Shape string }   `json:"input"`
		Errors []struct{ Shape string } `json:"errors"`
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
}

func readModel(t *testing.T) model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m model
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOperationsMatchModel holds every descriptor to the model: the
// operation exists, its parameters are the input's members, in the
// model's order, required as the model says, and each string's shape has
// the model's name, lengths, pattern and enum.
func TestOperationsMatchModel(t *testing.T) {
	m := readModel(t)
	if m.Metadata.TargetPrefix+"." != organizations.TargetPrefix || m.Metadata.APIVersion != organizations.APIVersion {
		t.Fatalf("model metadata %+v", m.Metadata)
	}
	for name, op := range organizations.Operations {
		mop, ok := m.Operations[name]
		if !ok {
			t.Errorf("%s: not in the model", name)
			continue
		}
		if op.Action() != "organizations:"+name {
			t.Errorf("%s: action %s", name, op.Action())
		}
		in := m.Shapes[mop.Input.Shape]
		required := map[string]bool{}
		for _, r := range in.Required {
			required[r] = true
		}
		if len(op.Params) != len(in.Members) {
			t.Errorf("%s: %d parameters, the model's input has %d members", name, len(op.Params), len(in.Members))
		}
		for _, p := range op.Params {
			member, ok := in.Members[p.Member]
			if !ok {
				t.Errorf("%s: %s is no member of %s", name, p.Member, mop.Input.Shape)
				continue
			}
			if p.Required != required[p.Member] {
				t.Errorf("%s: %s required %v, the model says %v", name, p.Member, p.Required, required[p.Member])
			}
			shape := m.Shapes[member.Shape]
			switch p.Kind {
			case keyward.ParamString:
				checkShape(t, name+"."+p.Member, member.Shape, shape, p.Shape)
			case keyward.ParamList:
				checkShape(t, name+"."+p.Member, shape.Member.Shape, m.Shapes[shape.Member.Shape], p.Shape)
			case keyward.ParamInt:
				if shape.Type != "integer" || *shape.Min != p.Min || *shape.Max != p.Max {
					t.Errorf("%s.%s: [%d, %d], the model's %+v", name, p.Member, p.Min, p.Max, shape)
				}
			case keyward.ParamTags:
				if member.Shape != "Tags" {
					t.Errorf("%s.%s: tags, the model's %s", name, p.Member, member.Shape)
				}
			}
		}
	}
	checkShape(t, "Tag.Key", "TagKey", m.Shapes["TagKey"], organizations.TagKeyShape)
	checkShape(t, "Tag.Value", "TagValue", m.Shapes["TagValue"], organizations.TagValueShape)
}

func checkShape(t *testing.T, where, name string, want modelShape, got *keyward.StringShape) {
	t.Helper()
	min, max := 0, 0
	if want.Min != nil {
		min = *want.Min
	}
	if want.Max != nil {
		max = *want.Max
	}
	if got.Shape != name || got.Min != min || got.Max != max || got.Pattern != want.Pattern || !reflect.DeepEqual(got.Enum, want.Enum) && len(want.Enum)+len(got.Enum) > 0 {
		t.Errorf("%s: shape %+v, the model's %s is %+v", where, *got, name, want)
	}
}

// TestErrorsInModel: every error code the service answers is one the
// model names.
func TestErrorsInModel(t *testing.T) {
	m := readModel(t)
	for _, code := range []string{organizations.EAccessDenied, organizations.ENotInUse, organizations.EAlreadyIn, organizations.ENotEmpty,
		organizations.EAccountNotFound, organizations.EParentNotFound, organizations.EChildNotFound, organizations.EOUNotFound, organizations.EDuplicateOU,
		organizations.EOUNotEmpty, organizations.ERootNotFound, organizations.EPolicyTypeEnabled, organizations.EPolicyTypeNotEnabled,
		organizations.EPolicyTypeUnavailable, organizations.EPolicyNotFound, organizations.EDuplicatePolicy, organizations.EPolicyInUse,
		organizations.EDuplicateAttachment, organizations.EPolicyNotAttached, organizations.ETargetNotFound, organizations.EMalformedPolicy,
		organizations.EInvalidInput, organizations.EConstraintViolation, organizations.EService, organizations.ETooManyRequests,
		organizations.ESourceParentNotFound, organizations.EDestParentNotFound, organizations.EDuplicateAccount,
		organizations.ECreateAccountStatusNotFound, organizations.EMasterCannotLeave} {
		if _, ok := m.Shapes[code]; !ok {
			t.Errorf("%s is not in the model", code)
		}
	}
}
