package dashboard

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/locales"
)

// The pages name their messages in two places: the templates
// ({{.T "WebNeeds"}}, {{.TD "WebPeopleTotal" …}}, {{.TP …}}) and the
// handlers (p.T("…"), p.TD, p.TP, and ids kept in fields, such as a
// figure table's heading). The checks below find every literal id in both
// and fail, with file and line, on one missing from locales/fr.yaml; ids
// kept in fields are caught by their family: every string literal of the
// dashboard's Go code that looks like one of its ids (Web…) is one.

// templateID is a message call with a literal id in a template.
var templateID = regexp.MustCompile(`\.(?:T|TD|TP) "([^"]+)"`)

// webID is what the dashboard's own message ids look like.
var webID = regexp.MustCompile(`^Web[A-Z][A-Za-z]+$`)

// notIDs are literals that look like Web… ids and are not messages.
var notIDs = map[string]string{
	"WebAppData": "the constant Telegram derives the Mini App's signing key from",
}

// msgUse is one id named in a file, at a line.
type msgUse struct {
	file string
	line int
	id   string
}

// templateIDs lists the literal ids of the message calls in a template.
func templateIDs(name, text string) []msgUse {
	var uses []msgUse
	line := 1
	last := 0
	for _, m := range templateID.FindAllStringSubmatchIndex(text, -1) {
		for _, c := range text[last:m[0]] {
			if c == '\n' {
				line++
			}
		}
		last = m[0]
		uses = append(uses, msgUse{name, line, text[m[2]:m[3]]})
	}
	return uses
}

// goIDs lists the ids of a Go source: the literal first argument of a T,
// TD or TP call, and every literal that looks like a Web… id.
func goIDs(fset *token.FileSet, f *ast.File) []msgUse {
	var uses []msgUse
	add := func(lit *ast.BasicLit) {
		if s, err := strconv.Unquote(lit.Value); err == nil {
			p := fset.Position(lit.Pos())
			uses = append(uses, msgUse{filepath.Base(p.Filename), p.Line, s})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && slices.Contains([]string{"T", "TD", "TP"}, sel.Sel.Name) && len(n.Args) > 0 {
				if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					add(lit)
					return false
				}
			}
		case *ast.BasicLit:
			if s, err := strconv.Unquote(n.Value); n.Kind == token.STRING && err == nil && webID.MatchString(s) {
				add(n)
			}
		}
		return true
	})
	return uses
}

// missing says, for each use of an id the French file does not have, where.
func missing(t *testing.T, uses []msgUse) []string {
	t.Helper()
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range uses {
		if _, ok := notIDs[u.id]; ok {
			continue
		}
		// The catalogue renders an id missing from the French file as "[[id]]".
		if cat.Text(locales.Source, u.id, nil) == "[["+u.id+"]]" {
			out = append(out, fmt.Sprintf("%s:%d: message id %q is not in locales/%s.yaml", u.file, u.line, u.id, locales.Source))
		}
	}
	return out
}

func TestMessageIDsExist(t *testing.T) {
	var uses []msgUse
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(templateFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		uses = append(uses, templateIDs(name, string(b))...)
	}
	fset := token.NewFileSet()
	pkgs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pkgs {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		uses = append(uses, goIDs(fset, f)...)
	}
	for _, m := range missing(t, uses) {
		t.Error(m)
	}
	if len(uses) < 200 {
		t.Errorf("found only %d message ids: the checks no longer see the calls", len(uses))
	}
}

// TestMessageIDChecks proves the checks fail on a misspelled id and pass on
// a good one.
func TestMessageIDChecks(t *testing.T) {
	cases := []struct {
		name, template, source string
		want                   []string
	}{
		{"good ids", `<h1>{{.T "WebNeeds"}}</h1>`, `package p; func f(p page) { p.TD("WebPeopleTotal", "Count", 3) }`, nil},
		{"misspelled in a template", "<p>\n{{.TD \"WebNeedz\" \"Count\" 1}}</p>", `package p`,
			[]string{`x.html:2: message id "WebNeedz" is not in locales/fr.yaml`}},
		{"misspelled in a call", ``, "package p\nfunc f(p page) { p.T(\"NoSuchMessage\") }",
			[]string{`x.go:2: message id "NoSuchMessage" is not in locales/fr.yaml`}},
		{"misspelled in a field", ``, "package p\nvar h = heading{ID: \"WebLangauge\"}",
			[]string{`x.go:2: message id "WebLangauge" is not in locales/fr.yaml`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			uses := templateIDs("x.html", tc.template)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", tc.source, 0)
			if err != nil {
				t.Fatal(err)
			}
			uses = append(uses, goIDs(fset, f)...)
			if got := missing(t, uses); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
