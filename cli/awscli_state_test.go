package cli_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/keyward/keyward/internal/kwtest"
)

// shape is a JSON document's structure: its keys and the kinds of its
// values, not the values.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = shape(e)
		}
		return m
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

func decode(t *testing.T, what, s string) any {
	t.Helper()
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, s)
	}
	return v
}

// TestMatchesAWSCLIAcrossCalls compares the two command lines where what
// they print depends on the server's state over several calls: the last
// use of a key, a credential report's generation and its document, keys
// and users deleted (the commands that print nothing). A new report is
// made on every Generate (kwtest's maximum age is 0), so that both
// command lines see STARTED.
func TestMatchesAWSCLIAcrossCalls(t *testing.T) {
	t.Parallel() // the AWS CLI starts slowly: overlap it with the other tests
	k := kwtest.New(t)
	b := &both{url: k.URL, home: t.TempDir()}
	api := k.RootIAM()
	ctx := context.Background()
	// A user for the report to hold.
	_, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("viakw")})
	must(t, err)
	t.Run("calls", func(t *testing.T) {
		t.Run("pairs", func(t *testing.T) {
			t.Parallel()
			for _, p := range []struct {
				args     []string
				sameText bool // outputs equal to the letter, not only in shape
			}{
				{[]string{"iam", "get-access-key-last-used", "--access-key-id", kwtest.RootKeyID}, false},
				{[]string{"iam", "generate-credential-report"}, true},
			} {
				a := b.aws(t, p.args...)
				// The AWS CLI's report is made before keyward's Generate, so
				// that it starts one of its own rather than finding the
				// first in progress.
				k.Reports.Wait()
				kw := b.kw(t, p.args...)
				if a.code != kw.code {
					t.Fatalf("%v: exit status: aws %d, keyward %d\naws: %s%s\nkeyward: %s%s", p.args, a.code, kw.code, a.stdout, a.stderr, kw.stdout, kw.stderr)
				}
				av, kv := decode(t, "aws", a.stdout), decode(t, "keyward", kw.stdout)
				if p.sameText && !reflect.DeepEqual(av, kv) {
					t.Fatalf("%v: output differs:\naws:     %s\nkeyward: %s", p.args, a.stdout, kw.stdout)
				}
				if !reflect.DeepEqual(shape(av), shape(kv)) {
					t.Fatalf("%v: shapes differ:\naws:     %s\nkeyward: %s", p.args, a.stdout, kw.stdout)
				}
			}
		})
		// The commands that print nothing on success: each command line on
		// keys of its own.
		for _, tool := range []string{"aws", "keyward"} {
			t.Run("quiet "+tool, func(t *testing.T) {
				t.Parallel()
				user := "done-" + tool
				_, err := api.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
				must(t, err)
				key, err := api.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
				must(t, err)
				id := *key.AccessKey.AccessKeyId
				for _, args := range [][]string{
					{"iam", "update-access-key", "--user-name", user, "--access-key-id", id, "--status", "Inactive"},
					{"iam", "delete-access-key", "--user-name", user, "--access-key-id", id},
					{"iam", "delete-user", "--user-name", user},
				} {
					var r result
					if tool == "aws" {
						r = b.aws(t, args...)
					} else {
						r = b.kw(t, args...)
					}
					if r.code != 0 || r.stdout != "" || r.stderr != "" {
						t.Fatalf("%s %v: %d %q %q", tool, args, r.code, r.stdout, r.stderr)
					}
				}
				if _, err := api.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(user)}); err == nil {
					t.Fatalf("%s did not delete %s", tool, user)
				}
			})
		}
	})
	// The report once generated, both get the same document.
	k.Reports.Wait()
	a, kw := b.aws(t, "iam", "get-credential-report"), b.kw(t, "iam", "get-credential-report")
	if a.code != 0 || !reflect.DeepEqual(decode(t, "aws", a.stdout), decode(t, "keyward", kw.stdout)) {
		t.Fatalf("get-credential-report:\naws: %s %s\nkeyward: %s %s", a.stdout, a.stderr, kw.stdout, kw.stderr)
	}
}
