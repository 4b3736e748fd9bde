package keyward_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/keyward/keyward/organizations"
)

// trackedFiles lists the files git tracks, or skips when the tree is not a
// git checkout (a source tarball has no history to keep clean).
func trackedFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	var files []string
	for _, f := range bytes.Split(out, []byte{0}) {
		if len(f) > 0 {
			files = append(files, string(f))
		}
	}
	return files
}

// TestNoBinariesCommitted keeps build outputs out of the repository: a
// 27 MB keyward binary was once committed at its root.
func TestNoBinariesCommitted(t *testing.T) {
	magics := []struct{ name, magic string }{
		{"ELF executable", "\x7fELF"},
		{"Mach-O binary", "\xcf\xfa\xed\xfe"},
		{"Mach-O binary", "\xfe\xed\xfa\xcf"},
		{"Windows executable", "MZ"},
		{"ar archive", "!<arch>\n"},
	}
	const maxSize = 2 << 20 // the largest fixture (IAM's model) is 0.6 MB
	for _, f := range trackedFiles(t) {
		fi, err := os.Lstat(f)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, not yet committed
		}
		if fi.Size() > maxSize {
			t.Errorf("%s is %d bytes; large files and build outputs do not belong in the repository", f, fi.Size())
		}
		b := make([]byte, 8)
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := fh.Read(b)
		fh.Close()
		for _, m := range magics {
			if strings.HasPrefix(string(b[:n]), m.magic) {
				t.Errorf("%s is a %s; binaries are built, never committed", f, m.name)
			}
		}
	}
}

// TestTestsReadOnlyTheRepository makes sure no Go file reads a path outside
// the module, such as a directory that sits beside a developer's checkout
// but not beside a user's clone.
func TestTestsReadOnlyTheRepository(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == "." {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "test-artifacts" || d.Name() == "keyward-data" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // a nested module (bench/…) is its own
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		depth := 0 // how many ".." lead from the file's directory to the root
		if dir := filepath.ToSlash(filepath.Dir(path)); dir != "." {
			depth = strings.Count(dir, "/") + 1
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr: // filepath.Join("..", "..", …)
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Join" {
					return true
				}
				up := 0
				for _, a := range n.Args {
					s, ok := stringLit(a)
					if !ok {
						break
					}
					up += ups(s)
				}
				if up > depth {
					t.Errorf("%s: filepath.Join reaches outside the repository", fset.Position(n.Pos()))
				}
				return false
			case *ast.BasicLit: // a literal climbing out, "../../x/…"
				if s, ok := stringLit(n); ok && strings.HasPrefix(s, "../") && strings.Trim(s, "./") != "" && ups(s) > depth {
					t.Errorf("%s: %q reaches outside the repository", fset.Position(n.Pos()), s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ups counts the ".." segments of a slash-separated path.
func ups(s string) int {
	n := 0
	for _, seg := range strings.Split(filepath.ToSlash(s), "/") {
		if seg == ".." {
			n++
		}
	}
	return n
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// TestREADMEShipsTheTestedNginxSnippet: the nginx configuration the
// documentation (docs/guarding.md) tells users to paste is the one the
// end-to-end test runs nginx with.
func TestREADMEShipsTheTestedNginxSnippet(t *testing.T) {
	snippet, err := os.ReadFile("examples/nginx/keyward.conf")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("docs", "guarding.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```nginx\n"+string(snippet)+"```") {
		t.Fatal("docs/guarding.md does not show examples/nginx/keyward.conf as it is")
	}
}

// TestREADMECountsOperations holds the documentation's count of AWS
// Organizations' operations (docs/api.md) to organizations.Operations and
// the model; IAM's and STS's are in the reference TestOperationsReference
// makes.
func TestREADMECountsOperations(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	var spec struct{ Operations map[string]any }
	// AWS Organizations, over its own protocol.
	m := regexp.MustCompile(`The count: (\d+) of the Organizations model's (\d+) operations\.`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("docs/api.md has no count of Organizations' operations")
	}
	orgModel, err := os.ReadFile(filepath.Join("organizations", "testdata", "spec", "service-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(orgModel, &spec); err != nil {
		t.Fatal(err)
	}
	if m[1] != strconv.Itoa(len(organizations.Operations)) || m[2] != strconv.Itoa(len(spec.Operations)) {
		t.Fatalf("docs/api.md: %s of %s Organizations operations; Keyward serves %d, the model has %d", m[1], m[2], len(organizations.Operations), len(spec.Operations))
	}
}

// TestSecurityNamesEveryAttackFile holds SECURITY.md and the attack tests
// together: every file of attacks on a boundary is named in SECURITY.md,
// and every test file SECURITY.md names exists, so that a boundary's
// description cannot drift from its tests.
func TestSecurityNamesEveryAttackFile(t *testing.T) {
	doc, err := os.ReadFile("SECURITY.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range trackedFiles(t) {
		if strings.HasSuffix(f, "_attack_test.go") && !bytes.Contains(doc, []byte("`"+f+"`")) {
			t.Errorf("%s attacks a boundary but SECURITY.md does not name it", f)
		}
	}
	for _, m := range regexp.MustCompile("`([a-z0-9_/]+_test\\.go)`").FindAllSubmatch(doc, -1) {
		if _, err := os.Stat(string(m[1])); err != nil {
			t.Errorf("SECURITY.md names %s: %v", m[1], err)
		}
	}
}

// TestGuardCompilesNoServer holds the dependency rule of the middleware
// other Go services import: guard speaks the verifier protocol through
// its wire types (verify/wire) and compiles none of Keyward's server: not
// the Query API, the console, the verifier's server side, the feature
// packages, the stores, the audit trail, the last-use recorder, nor the
// QR-code library the console's MFA pages use.
func TestGuardCompilesNoServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./guard").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	deps := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	if !deps["github.com/keyward/keyward/verify/wire"] {
		t.Fatalf("go list -deps ./guard does not name verify/wire; the test no longer sees guard's imports:\n%s", out)
	}
	const module = "github.com/keyward/keyward/"
	for _, banned := range []string{
		module + "query", module + "console", module + "verify", module + "iam", module + "sts", module + "report",
		module + "authz", module + "internal/sqlstore", module + "sqlite", module + "postgres", module + "internal/audit",
		module + "internal/lastuse", module + "internal/otpqr", "github.com/skip2/go-qrcode", "github.com/boombuler/barcode",
	} {
		if deps[banned] {
			t.Errorf("guard compiles %s", banned)
		}
	}
}

// TestNoInitMutatesExportedState: an init function may prepare what its
// package keeps to itself, never change what other packages read (AWS's
// managed policies were once completed by an init, so that a reader
// before it, or a test changing them, saw another table). Exported
// tables are functions, or built once behind an unexported name.
func TestNoInitMutatesExportedState(t *testing.T) {
	for _, path := range trackedFiles(t) {
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			continue // deleted in the work tree, or not Go this toolchain reads
		}
		// Package-level variables of this file; those of the package's other
		// files are the unresolved identifiers.
		topLevel := map[any]bool{}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				for _, sp := range g.Specs {
					topLevel[sp] = true
				}
			}
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "init" || fn.Recv != nil || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				var targets []ast.Expr
				switch n := n.(type) {
				case *ast.AssignStmt:
					targets = n.Lhs
				case *ast.IncDecStmt:
					targets = []ast.Expr{n.X}
				case *ast.RangeStmt:
					// ranging over an exported table to change its elements
					// through a pointer is the case this test was written for
					targets = []ast.Expr{n.X}
				case *ast.UnaryExpr:
					if n.Op == token.AND {
						targets = []ast.Expr{n.X}
					}
				}
				for _, e := range targets {
					if id := rootIdent(e); id != nil && (id.Obj == nil || topLevel[id.Obj.Decl]) && ast.IsExported(id.Name) {
						t.Errorf("%s: init changes or reaches into the exported %s", fset.Position(id.Pos()), id.Name)
					}
				}
				return true
			})
		}
	}
}

// rootIdent returns the variable an expression such as a.b[i].c starts
// from, if it is a plain identifier.
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// TestRootIsVocabulary holds the root package to what it is for: naming
// things. It imports only the standard library, starts no goroutine, and
// none of its files shares its name with one of the module's packages (a
// root verify.go beside package verify once held the verifier's logic).
func TestRootIsVocabulary(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.Name}}", "./...").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	packages := map[string]bool{}
	for _, name := range strings.Fields(string(out)) {
		packages[name] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		if name := strings.TrimSuffix(path, ".go"); packages[name] && name != "keyward" {
			t.Errorf("%s shares its name with package %s", path, name)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range f.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				t.Errorf("%s imports %s: the root imports the standard library only", path, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if g, ok := n.(*ast.GoStmt); ok {
				t.Errorf("%s: the root starts no goroutine; background work belongs to a feature package with an owner", fset.Position(g.Pos()))
			}
			return true
		})
	}
}

// TestSDKConfigsWrapTheirHTTPClient: aws-sdk-go-v2 closes a request's
// body as soon as it has sent it, and net/http may then cut off the
// answer arriving at that moment (internal/sdkhttp). Every SDK
// configuration the repository builds, in its tests and its tools, sends
// through sdkhttp.Wrap, so that a test fails for what it tests and not
// for that.
func TestSDKConfigsWrapTheirHTTPClient(t *testing.T) {
	for _, path := range trackedFiles(t) {
		if !strings.HasSuffix(path, ".go") || strings.HasPrefix(path, "internal/sdkhttp/") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := lit.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Config" || len(lit.Elts) == 0 {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "aws" {
				return true
			}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "HTTPClient" {
						return true
					}
				}
			}
			t.Errorf("%s: an aws.Config without HTTPClient: sdkhttp.Wrap(…)", fset.Position(lit.Pos()))
			return true
		})
	}
}
