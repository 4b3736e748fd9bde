package keyward_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward"
	"github.com/keyward/keyward/iam"
	"github.com/keyward/keyward/sts"
)

// TestShapesMatchModel checks every string parameter of every IAM and STS
// operation (their descriptors: iam.Operations, sts.Operations) against
// the member of the same name in the service models: same shape, same
// limits, same pattern, same enum; and the shapes the Query API reads
// outside the descriptors (tag values, context keys). Members the models
// lack are Keyward's extensions (CreateAccessKey's ExpiresIn).
func TestShapesMatchModel(t *testing.T) {
	type shape struct {
		Type     string
		Min, Max int
		Pattern  string
		Enum     []string
		Members  map[string]struct{ Shape string }
		Member   *struct{ Shape string }
	}
	type model struct {
		Operations map[string]struct{ Input *struct{ Shape string } }
		Shapes     map[string]shape
	}
	load := func(service string) model {
		b, err := os.ReadFile(filepath.Join("testdata", "aws", "spec", service, "service-2.json"))
		if err != nil {
			t.Fatalf("the service models must be beside the repository: %v", err)
		}
		var m model
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	models := map[string]model{keyward.ServiceIAM: load("iam"), keyward.ServiceSTS: load("sts")}
	check := func(t *testing.T, m model, name string, s *keyward.StringShape) {
		t.Helper()
		ms, ok := m.Shapes[name]
		if !ok {
			t.Fatalf("no shape %s in the model", name)
		}
		if name != s.Shape || ms.Min != s.Min || ms.Max != s.Max || ms.Pattern != s.Pattern || strings.Join(ms.Enum, ",") != strings.Join(s.Enum, ",") {
			t.Fatalf("model %s %+v, Keyward %+v", name, ms, s)
		}
	}
	// Keyward takes an existing user's name (existingUserNameType) in
	// these, as in the other operations naming an existing user, where the
	// model says userNameType.
	deviations := map[string]bool{"AttachUserPolicy.UserName": true, "DetachUserPolicy.UserName": true, "ListAttachedUserPolicies.UserName": true}
	for _, ops := range []map[string]*keyward.Operation{iam.Operations(), sts.Operations} {
		for name, op := range ops {
			m := models[op.Service]
			for _, p := range op.Params {
				member, ok := m.Shapes[m.Operations[name].Input.Shape].Members[p.Member]
				if p.Shape == nil || !ok || deviations[name+"."+p.Member] {
					continue
				}
				t.Run(name+"."+p.Member, func(t *testing.T) {
					shape := member.Shape
					if m.Shapes[shape].Type == "list" {
						shape = m.Shapes[shape].Member.Shape
					}
					check(t, m, shape, p.Shape)
				})
			}
		}
	}
	for _, s := range []*keyward.StringShape{keyward.TagValueShape, keyward.ContextKeyNameShape} {
		t.Run(s.Shape, func(t *testing.T) { check(t, models[keyward.ServiceIAM], s.Shape, s) })
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name  string
		check func(v *keyward.Validation)
		want  string
	}{
		{"valid", func(v *keyward.Validation) {
			v.String("userName", "alice.smith+ops@example.com", keyward.UserNameShape)
			v.String("path", "/division_abc/subdivision_xyz/", keyward.PathShape)
			v.String("tagValue", "", keyward.TagValueShape)
			v.String("tagKey", "Équipe 1", keyward.TagKeyShape)
		}, ""},
		{"pattern", func(v *keyward.Validation) { v.String("userName", "a b", keyward.UserNameShape) },
			"1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"too short", func(v *keyward.Validation) { v.String("userName", "", keyward.UserNameShape) },
			"1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"path without trailing slash", func(v *keyward.Validation) { v.String("path", "/a", keyward.PathShape) },
			"1 validation error detected: Value '/a' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)"},
		{"enum", func(v *keyward.Validation) { v.String("status", "active", keyward.StatusShape) },
			"1 validation error detected: Value 'active' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"},
		{"sensitive value not echoed", func(v *keyward.Validation) { v.String("password", strings.Repeat("s3cret", 30), keyward.PasswordShape) },
			"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"range and null", func(v *keyward.Validation) { v.Int("maxItems", 0, 1, 1000); v.Null("userName") },
			"2 validation errors detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1; Value null at 'userName' failed to satisfy constraint: Member must not be null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v keyward.Validation
			tt.check(&v)
			err := v.Err()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *keyward.Error
			if !errors.As(err, &e) || e.Code != keyward.EValidationError || e.Message != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestAccountAliasPattern checks the RE2 form of accountAliasType's
// look-ahead pattern on the cases that tell them apart.
func TestAccountAliasPattern(t *testing.T) {
	for alias, ok := range map[string]bool{
		"abc": true, "my-alias": true, "a1-b2-c3": true, "123": true,
		"a--b": false, "-abc": false, "abc-": false, "ABC": false, "a_b": false,
	} {
		t.Run(alias, func(t *testing.T) {
			var v keyward.Validation
			v.String("accountAlias", alias, keyward.AccountAliasShape)
			if got := v.Err() == nil; got != ok {
				t.Fatalf("valid = %v, want %v (%v)", got, ok, v.Err())
			}
		})
	}
}
