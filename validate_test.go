package keyward_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward"
)

// TestShapesMatchModel checks every string shape Keyward validates against
// the IAM and STS service models: same limits, same pattern, same enum.
func TestShapesMatchModel(t *testing.T) {
	load := func(service string) map[string]map[string]any {
		b, err := os.ReadFile(filepath.Join("testdata", "aws", "spec", service, "service-2.json"))
		if err != nil {
			t.Fatalf("the service models must be beside the repository: %v", err)
		}
		var m struct {
			Shapes map[string]map[string]any `json:"shapes"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m.Shapes
	}
	iam, sts := load("iam"), load("sts")
	tests := []struct {
		shapes map[string]map[string]any
		s      *keyward.StringShape
	}{
		{iam, keyward.UserNameShape}, {iam, keyward.ExistingUserNameShape}, {iam, keyward.PathShape},
		{iam, keyward.PathPrefixShape}, {iam, keyward.MarkerShape}, {iam, keyward.AccessKeyIDShape},
		{iam, keyward.StatusShape}, {iam, keyward.TagKeyShape}, {iam, keyward.TagValueShape}, {iam, keyward.ARNShape},
		{iam, keyward.GroupNameShape}, {iam, keyward.PolicyNameShape}, {iam, keyward.PolicyPathShape}, {iam, keyward.PolicyDocumentShape},
		{iam, keyward.PolicyVersionIDShape}, {iam, keyward.PolicyDescShape}, {iam, keyward.PolicyScopeShape},
		{iam, keyward.ActionNameShape}, {iam, keyward.PasswordShape}, {iam, keyward.ResourceNameShape}, {iam, keyward.ContextKeyNameShape},
		{iam, keyward.SerialNumberShape}, {iam, keyward.VirtualMFADeviceNameShape}, {iam, keyward.AuthenticationCodeShape},
		{iam, keyward.AssignmentStatusShape}, {iam, keyward.PublicKeyIDShape}, {iam, keyward.PublicKeyMaterialShape},
		{iam, keyward.EncodingShape}, {iam, keyward.ServiceNameShape}, {iam, keyward.ServiceCredentialIDShape},
		{iam, keyward.CertificateIDShape}, {iam, keyward.CertificateBodyShape}, {iam, keyward.AccountAliasShape},
		{iam, keyward.EntityTypeShape}, {iam, keyward.PolicyUsageShape}, {iam, keyward.ServerCertNameShape},
		{iam, keyward.CertificateChainShape}, {iam, keyward.PrivateKeyShape}, {iam, keyward.ResourceHandlingShape},
		{iam, keyward.RoleNameShape}, {iam, keyward.RoleDescriptionShape},
		{iam, keyward.OIDCURLShape}, {iam, keyward.ClientIDShape}, {iam, keyward.ThumbprintShape},
		{iam, keyward.JobIDShape}, {iam, keyward.GranularityShape}, {iam, keyward.ServiceNamespaceShape}, {iam, keyward.TokenVersionShape},
		{sts, keyward.STSAccessKeyIDShape}, {sts, keyward.STSSerialNumberShape}, {sts, keyward.STSTokenCodeShape},
		{sts, keyward.STSARNShape}, {sts, keyward.RoleSessionNameShape}, {sts, keyward.SessionPolicyShape}, {sts, keyward.ExternalIDShape},
		{sts, keyward.SourceIdentityShape}, {sts, keyward.FederatedNameShape}, {sts, keyward.WebIdentityTokenShape}, {sts, keyward.ProviderIDShape},
		{sts, keyward.EncodedMessageShape}, {iam, keyward.InstanceProfileNameShape}, {iam, keyward.AWSServiceNameShape},
		{iam, keyward.CustomSuffixShape}, {iam, keyward.DeletionTaskIDShape},
	}
	for _, tt := range tests {
		t.Run(tt.s.Shape, func(t *testing.T) {
			m, ok := tt.shapes[tt.s.Shape]
			if !ok {
				t.Fatalf("no shape %s in the model", tt.s.Shape)
			}
			num := func(k string) int {
				if v, ok := m[k].(float64); ok {
					return int(v)
				}
				return 0
			}
			pattern, _ := m["pattern"].(string)
			var enum []string
			if e, ok := m["enum"].([]any); ok {
				for _, v := range e {
					enum = append(enum, v.(string))
				}
			}
			if num("min") != tt.s.Min || num("max") != tt.s.Max || pattern != tt.s.Pattern || strings.Join(enum, ",") != strings.Join(tt.s.Enum, ",") {
				t.Fatalf("model %v, Keyward %+v", m, tt.s)
			}
		})
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

func TestValidRegionName(t *testing.T) {
	for _, r := range []string{"us-east-1", "us-gov-west-1", "eu-isoe-west-1", "ap-southeast-7", "cn-northwest-1", "us-isob-east-1", "il-central-1"} {
		if !keyward.ValidRegionName(r) {
			t.Errorf("%s refused", r)
		}
	}
	for _, r := range []string{"", "us", "us-east", "useast1", "US-EAST-1", "us-east-1a", "us-east-100", "=HYPERLINK(\"x\")", "us-east-1-", "-us-east-1",
		"us--east-1", "aa-bb-cc-dd-ee-1", "auto", "us-east-1\n", "x-east-1"} {
		if keyward.ValidRegionName(r) {
			t.Errorf("%q accepted", r)
		}
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")", "+1": "'+1", "-2+3": "'-2+3", "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1",
		"alice": "alice", "N/A": "N/A", "2026-11-29T10:00:00+00:00": "2026-11-29T10:00:00+00:00", "": "",
	} {
		if got := keyward.SpreadsheetSafe(in); got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
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
