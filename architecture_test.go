// Package passerelle_test checks the rules of docs/architecture.md: which
// package may import which, Telegram only in bot, the environment read only
// in cmd.
package passerelle_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/territoires-integration/passerelle/"

// mayImport lists, for each package of the module, the packages of the module
// its production code may import (test files are free). A package without an
// entry follows its closest parent's ("content/xlsform" follows "content/…"
// rules when it has none). "x/..." stands for x and every package below it.
var mayImport = map[string][]string{
	"cmd/passerelle":    {"..."},
	"bot":               {"bot/bulk", "flows"},
	"bot/bulk":          {"flows"},
	"bot/fakeapi":       nil,
	"dashboard":         {"flows", "content", "content/xlsform", "locales"},
	"storage":           {"flows"},
	"storage/redistest": nil,
	"flows":             {"flows/...", "content/...", "locales"},
	"flows/chart":       nil,
	"locales":           nil,
	"content":           {"content/fold"},
	"content/fold":      nil,
	"content/search":    {"content", "content/fold"},
	"content/directory": {"content"},
}

// rule returns the allowed imports of pkg: its own entry or its closest parent's.
func rule(pkg string) ([]string, bool) {
	for p := pkg; p != "."; p = path.Dir(p) {
		if allowed, ok := mayImport[p]; ok {
			if p != pkg {
				allowed = append(slices.Clone(allowed), p) // a sub-package may use its parent
			}
			return allowed, true
		}
	}
	return nil, false
}

// allows reports whether pattern ("x" or "x/...") covers pkg.
func allows(pattern, pkg string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// production lists the module's packages (by path relative to the module)
// with the imports of their non-test files.
func production(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); p != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(p, 0)
		var none *build.NoGoError
		if err != nil {
			if errors.As(err, &none) {
				return nil
			}
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if len(bp.GoFiles) > 0 {
			pkgs[filepath.ToSlash(p)] = bp.Imports
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// violations lists the imports of pkgs (package → its imports) that break mayImport.
func violations(pkgs map[string][]string) []string {
	var out []string
	for pkg, imports := range pkgs {
		allowed, ok := rule(pkg)
		if !ok {
			out = append(out, pkg+": no import rule: add it to mayImport and to docs/architecture.md")
			continue
		}
		for _, imp := range imports {
			dep, ok := strings.CutPrefix(imp, module)
			if ok && !slices.ContainsFunc(allowed, func(p string) bool { return allows(p, dep) }) {
				out = append(out, fmt.Sprintf("%s imports %s against the direction of docs/architecture.md (it may import %v)", pkg, dep, allowed))
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestImportsPointOneWay(t *testing.T) {
	pkgs := production(t)
	if len(pkgs) < len(mayImport) {
		t.Fatalf("found %d packages, fewer than the rules name: is the test run from the module's root?", len(pkgs))
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

func TestViolations(t *testing.T) {
	tests := []struct {
		name string
		pkgs map[string][]string
		want int
	}{
		{"the documented direction", map[string][]string{"flows": {module + "content", module + "content/search", "fmt"}, "storage": {module + "flows"}}, 0},
		{"content imports its search", map[string][]string{"content": {module + "content/search"}}, 1},
		{"flows imports bot", map[string][]string{"flows": {module + "bot"}}, 1},
		{"storage imports cmd and bot", map[string][]string{"storage": {module + "cmd/passerelle", module + "bot"}}, 2},
		{"a new sub-package follows its parent", map[string][]string{"content/xlsform": {module + "content", module + "content/fold"}}, 0},
		{"a new sub-package is held to its parent's rule", map[string][]string{"content/xlsform": {module + "flows"}}, 1},
		{"a package with no rule", map[string][]string{"tools": nil}, 1},
	}
	for _, tt := range tests {
		if got := violations(tt.pkgs); len(got) != tt.want {
			t.Errorf("%s: %d violations %q, want %d", tt.name, len(got), got, tt.want)
		}
	}
}

func TestTelegramOnlyInBot(t *testing.T) {
	for pkg, imports := range production(t) {
		for _, imp := range imports {
			if strings.HasPrefix(imp, "github.com/go-telegram/") && pkg != "bot" {
				t.Errorf("%s imports %s: Telegram lives in bot only", pkg, imp)
			}
		}
	}
}

func TestEnvironmentOnlyInCmd(t *testing.T) {
	// storage/redistest is test support: it reads CI to know whether a real Redis is required.
	exempt := map[string]bool{"storage/redistest": true}
	for pkg := range production(t) {
		if strings.HasPrefix(pkg, "cmd/") || exempt[pkg] {
			continue
		}
		bp, err := build.ImportDir(pkg, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range bp.GoFiles {
			file := path.Join(pkg, name)
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			os := localName(f, "os")
			if os == "" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == os && slices.Contains([]string{"Getenv", "LookupEnv", "Environ", "ExpandEnv"}, sel.Sel.Name) {
					t.Errorf("%s: os.%s: configuration is read in cmd only", file, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// localName is the name f gives the import of path, "" when f does not import it.
func localName(f *ast.File, importPath string) string {
	for _, s := range f.Imports {
		if p, _ := strconv.Unquote(s.Path.Value); p == importPath {
			if s.Name != nil {
				return s.Name.Name
			}
			return path.Base(importPath)
		}
	}
	return ""
}
