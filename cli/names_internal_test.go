package cli

import (
	"database/sql"
	"os"
	"sort"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	queryapi "github.com/keyward/keyward/query"
)

// acIndex is the AWS CLI's own index of its commands and their options
// (its completion index), installed with Debian's awscli package.
const acIndex = "/usr/lib/python3/dist-packages/awscli/data/ac.index"

// TestNamesAreTheAWSCLIs holds every generated command and option to the
// AWS CLI's: the same commands for iam and sts, each with the same
// options, the same required ones and the same kinds of value.
func TestNamesAreTheAWSCLIs(t *testing.T) {
	if _, err := os.Stat(acIndex); err != nil {
		t.Fatalf("the AWS CLI from Debian's awscli package is needed (scripts/install-test-deps.sh installs it): %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+acIndex+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, svc := range services() {
		t.Run(name, func(t *testing.T) {
			rows, err := db.Query(`SELECT command FROM command_table WHERE parent = ?`, "aws."+name)
			if err != nil {
				t.Fatal(err)
			}
			var theirs []string
			for rows.Next() {
				var c string
				rows.Scan(&c)
				// the AWS CLI's own additions, which are not operations
				if c != "wait" && c != "wizard" {
					theirs = append(theirs, c)
				}
			}
			rows.Close()
			ours := append([]string(nil), svc.order...)
			sort.Strings(ours)
			sort.Strings(theirs)
			if strings.Join(ours, " ") != strings.Join(theirs, " ") {
				t.Fatalf("commands differ:\nours:   %v\ntheirs: %v", ours, theirs)
			}
			for _, cmdName := range ours {
				c := svc.commands[cmdName]
				rows, err := db.Query(`SELECT argname, type_name, COALESCE(nargs, ''), required FROM param_table WHERE parent = ? AND command = ?`, "aws."+name, cmdName)
				if err != nil {
					t.Fatal(err)
				}
				want := map[string]string{}
				for rows.Next() {
					var arg, typ, nargs string
					var req int
					rows.Scan(&arg, &typ, &nargs, &req)
					if arg == "cli-input-yaml" {
						continue // YAML input is not supported
					}
					want[arg] = describe(typ, nargs, req == 1)
				}
				rows.Close()
				got := map[string]string{}
				for _, a := range c.args {
					typ := a.typeName
					nargs := ""
					switch a.opt.nargs {
					case nargsList:
						nargs = "*"
					case nargsOptional:
						nargs = "?"
					}
					got[a.name] = describe(typ, nargs, a.required)
				}
				if name == "iam" && cmdName == "create-virtual-mfa-device" {
					// The AWS CLI's customization of this command drops
					// the two from its table; keyward keeps them.
					delete(got, "cli-input-json")
					delete(got, "generate-cli-skeleton")
				}
				if len(got) != len(want) {
					t.Errorf("%s: options differ:\nours:   %v\ntheirs: %v", cmdName, got, want)
					continue
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s --%s: ours %q, theirs %q", cmdName, k, got[k], v)
					}
				}
			}
		})
	}
}

func describe(typ, nargs string, required bool) string {
	s := typ + "/" + nargs
	if required {
		s += "/required"
	}
	return s
}

// TestNoOptionIsAGlobalPrefix: argparse takes an unambiguous prefix of a
// global option for it wherever it stands, so no command's option may be
// one.
func TestNoOptionIsAGlobalPrefix(t *testing.T) {
	for _, svc := range services() {
		for _, c := range svc.commands {
			for _, a := range c.args {
				for _, g := range globalOptions {
					if strings.HasPrefix(g.name, a.name) {
						t.Errorf("%s %s --%s is a prefix of --%s", svc.name, c.name, a.name, g.name)
					}
				}
			}
		}
	}
}

func TestXformName(t *testing.T) {
	for in, want := range map[string]string{
		"ListMFADevices":                     "list-mfa-devices",
		"CreateSAMLProvider":                 "create-saml-provider",
		"UploadSSHPublicKey":                 "upload-ssh-public-key",
		"CreateOpenIDConnectProvider":        "create-open-id-connect-provider",
		"GetAccountAuthorizationDetails":     "get-account-authorization-details",
		"AddClientIDToOpenIDConnectProvider": "add-client-id-to-open-id-connect-provider",
		"ListSAMLProviderTags":               "list-saml-provider-tags",
		"ListMFADeviceTags":                  "list-mfa-device-tags",
		"ResourceARNs":                       "resource-arns",
		"SSHPublicKeyId":                     "ssh-public-key-id",
		"AuthenticationCode1":                "authentication-code1",
	} {
		if got := xformName(in, "-"); got != want {
			t.Errorf("xformName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryServedActionHasACommand: each action the Query API serves is
// a command of keyward iam or keyward sts, or for Keyward's own OIDC
// sign-in actions of keyward oidc.
func TestEveryServedActionHasACommand(t *testing.T) {
	served := queryapi.Actions()
	if len(served["iam"]) == 0 || len(served["sts"]) == 0 {
		t.Fatalf("the server's table of actions: %v", served)
	}
	// Keyward's own OIDC sign-in actions are keyward oidc's commands.
	ownCommands := map[string]string{"PutOpenIDConnectSignIn": "put-sign-in", "GetOpenIDConnectSignIn": "get-sign-in",
		"ListOpenIDConnectSignIns": "list-sign-ins", "DeleteOpenIDConnectSignIn": "delete-sign-in"}
	for _, a := range served["keyward"] {
		if strings.Contains(a, "OpenIDConnectSignIn") && oidcSignInCommands[ownCommands[a]] == nil {
			t.Errorf("keyward %s has no command", a)
		}
	}
	for service, actions := range served {
		if service == "keyward" {
			continue // Keyward's own actions: keyward webhooks (TestWebhooksCommands), keyward keys policy
		}
		svc := services()[service]
		if svc == nil {
			t.Fatalf("no command for the service %s", service)
		}
		for _, a := range actions {
			c := svc.commands[xformName(a, "-")]
			if c == nil || c.op.Name != a {
				t.Errorf("%s %s has no command", service, a)
			}
		}
	}
}
