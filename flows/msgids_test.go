package flows_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/locales"
)

// The message-id checker reads Go sources with go/parser and finds every
// string that reaches a message-id position:
//
//   - the id argument of the catalogue's Text(lang, id, data) and
//     Plural(lang, id, count, data), and the MessageID field of a Reply;
//   - every parameter that the sources themselves pass on to such a position
//     (Turn.T, Say, Hint, Menu, tellPerson, staffTerritory, a local
//     func(label, …) …), found by iterating to a fixed point;
//   - a struct field read in such a position from a value the checker cannot
//     trace (the Label of a MenuEntry or of a needChoice): every literal
//     written to that field is then an id.
//
// An id argument is traced through local variables and their assignments,
// package-level constants and tables (dayMessages, publicMessages,
// listedCommands, appointmentKinds…), indexing, range variables, struct
// fields of composite literals and the return values of package functions.
// What cannot be traced (an id built at run time, such as "Day"+name, or read
// from data) is reported with its expression and fails the test: today there
// are 0 such ids in flows, bot and cmd — every family of ids is a closed table
// that the checker reads (weekdays, publics, access modes, commands,
// appointment kinds, needs, request states, menu entries). A new one must be
// turned into such a table, or be listed here with a test that covers it.
//
// An empty id is "no message" (Menu("") shows the default title; a check that
// passed returns ""): it is not looked up.

// msgIDUse is one literal message id and where it is written.
type msgIDUse struct {
	pos token.Position
	id  string
}

// sinkKey names a message-id position: argument arg of a call with nargs
// arguments to the function called name (or to the local function value obj).
type sinkKey struct {
	name       string
	obj        *ast.Object
	arg, nargs int
}

// fieldKey names a struct field holding a message id.
type fieldKey struct{ typ, field string }

type idChecker struct {
	fset    *token.FileSet
	files   []*ast.File
	funcs   map[string]*ast.FuncDecl     // package-level functions, not methods
	values  map[string]ast.Expr          // package-level constants and variables
	params  map[*ast.Object]sinkKey      // parameter -> the position it fills (name "" and obj nil: anonymous)
	structs map[string][]string          // struct types declared in the files -> their fields
	elided  map[*ast.CompositeLit]string // a literal written without its type -> the type its parent gives it
	sinks   map[sinkKey]bool
	fields  map[fieldKey]bool
	changed bool

	uses    []msgIDUse
	dynamic []msgIDUse // id is the expression that could not be traced
}

// newIDChecker prepares files (all of one package or several) for checkIDs.
func newIDChecker(fset *token.FileSet, files []*ast.File) *idChecker {
	c := &idChecker{
		fset: fset, files: files,
		funcs: map[string]*ast.FuncDecl{}, values: map[string]ast.Expr{}, params: map[*ast.Object]sinkKey{},
		structs: map[string][]string{}, elided: map[*ast.CompositeLit]string{},
		sinks: map[sinkKey]bool{
			{name: "Text", arg: 1, nargs: 3}:   true,
			{name: "Plural", arg: 1, nargs: 4}: true,
		},
		fields: map[fieldKey]bool{{typ: "Reply", field: "MessageID"}: true},
	}
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					c.funcs[d.Name.Name] = d
				}
				c.addParams(d.Type, sinkKey{name: d.Name.Name})
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if st, ok := ts.Type.(*ast.StructType); ok {
							for _, f := range st.Fields.List {
								for _, n := range f.Names {
									c.structs[ts.Name.Name] = append(c.structs[ts.Name.Name], n.Name)
								}
							}
						}
					}
					if vs, ok := s.(*ast.ValueSpec); ok {
						for i, n := range vs.Names {
							if i < len(vs.Values) {
								c.values[n.Name] = vs.Values[i]
							}
						}
					}
				}
			}
		}
		// Function literals: named by the variable they are assigned to.
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				typ := elemTypeName(n.Type)
				for _, e := range n.Elts {
					if kv, isKV := e.(*ast.KeyValueExpr); isKV {
						e = kv.Value
					}
					if child, ok := e.(*ast.CompositeLit); ok && child.Type == nil {
						c.elided[child] = typ
					}
				}
			case *ast.AssignStmt:
				for i, r := range n.Rhs {
					if fl, ok := r.(*ast.FuncLit); ok && len(n.Lhs) == len(n.Rhs) {
						if id, ok := n.Lhs[i].(*ast.Ident); ok && id.Obj != nil {
							c.addParams(fl.Type, sinkKey{obj: id.Obj})
						}
					}
				}
			case *ast.FuncLit:
				c.addParams(n.Type, sinkKey{})
			}
			return true
		})
	}
	return c
}

// addParams records the parameters of a function type as the positions they
// fill. An anonymous function literal is met after its assignment and does not
// override it.
func (c *idChecker) addParams(ft *ast.FuncType, key sinkKey) {
	var names []*ast.Ident
	for _, f := range ft.Params.List {
		names = append(names, f.Names...)
	}
	for i, n := range names {
		if n.Obj == nil {
			continue
		}
		if _, seen := c.params[n.Obj]; seen && key.name == "" && key.obj == nil {
			continue
		}
		k := key
		k.arg, k.nargs = i, len(names)
		c.params[n.Obj] = k
	}
}

// checkIDs finds every message id of the files, iterating until no new
// message-id position turns up.
func (c *idChecker) checkIDs() {
	for c.changed = true; c.changed; {
		c.changed = false
		c.uses, c.dynamic = nil, nil
		for _, f := range c.files {
			for _, d := range f.Decls {
				c.walk(d)
			}
		}
	}
}

// walk visits one declaration; ctx is the enclosing function, if any.
func (c *idChecker) walk(d ast.Decl) {
	ctx, _ := d.(*ast.FuncDecl)
	ast.Inspect(d, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			for k := range c.sinks {
				if k.nargs == len(n.Args) && c.calls(n, k) {
					c.sink(n.Args[k.arg], ctx)
				}
			}
		case *ast.CompositeLit:
			typ := c.typeOf(n)
			for i, e := range n.Elts {
				if kv, isKV := e.(*ast.KeyValueExpr); isKV {
					if c.fields[fieldKey{typ, kvKey(kv)}] {
						c.sink(kv.Value, ctx)
					}
				} else if fields := c.structs[typ]; i < len(fields) && c.fields[fieldKey{typ, fields[i]}] {
					c.sink(e, ctx)
				}
			}
		}
		return true
	})
}

// typeOf is the name of the type of a composite literal, "" if unknown.
func (c *idChecker) typeOf(comp *ast.CompositeLit) string {
	if comp.Type == nil {
		return c.elided[comp]
	}
	return typeName(comp.Type)
}

// typeName is the name of a named type expression, without its package.
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.StarExpr:
		return typeName(e.X)
	}
	return ""
}

// elemTypeName is the name of the element type of a slice, array or map type.
func elemTypeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.ArrayType:
		return typeName(e.Elt)
	case *ast.MapType:
		return typeName(e.Value)
	}
	return ""
}

// kvKey is the field name of a keyed element, "" when the key is not a name.
func kvKey(kv *ast.KeyValueExpr) string {
	if id, ok := kv.Key.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// calls reports whether call is a call of the position k.
func (c *idChecker) calls(call *ast.CallExpr, k sinkKey) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		if k.obj != nil {
			return f.Obj == k.obj
		}
		return f.Name == k.name && (f.Obj == nil || f.Obj.Kind == ast.Fun)
	case *ast.SelectorExpr:
		return k.obj == nil && f.Sel.Name == k.name
	}
	return false
}

// sink checks expression e, found in a message-id position inside ctx.
func (c *idChecker) sink(e ast.Expr, ctx *ast.FuncDecl) {
	vals, ok := c.resolve(e, ctx, 0)
	if !ok {
		if sel, isSel := e.(*ast.SelectorExpr); isSel && c.opaque(sel.X) && c.idField(sel.Sel.Name) {
			return
		}
		c.dynamic = append(c.dynamic, msgIDUse{c.fset.Position(e.Pos()), c.source(e)})
		return
	}
	for _, v := range vals {
		if lit, isLit := v.(*ast.BasicLit); isLit {
			id, _ := strconv.Unquote(lit.Value)
			if id == "" {
				continue // "no message": Menu("") and the "" of a check that passed
			}
			c.uses = append(c.uses, msgIDUse{c.fset.Position(lit.Pos()), id})
		}
	}
}

// idField makes field a message-id field of every struct type of the files
// that has one; it reports whether there is such a type.
func (c *idChecker) idField(field string) bool {
	found := false
	for typ, fields := range c.structs {
		if !slices.Contains(fields, field) {
			continue
		}
		found = true
		if k := (fieldKey{typ, field}); !c.fields[k] {
			c.fields[k], c.changed = true, true
		}
	}
	return found
}

// opaque reports whether x is a value (a variable, a field) rather than a
// computation: reading a field of it is reading what a literal once wrote.
func (c *idChecker) opaque(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return c.opaque(x.X)
	}
	return false
}

// resolve returns the string literals and composite literals e can be; ok is
// false when some of its values cannot be traced.
func (c *idChecker) resolve(e ast.Expr, ctx *ast.FuncDecl, depth int) (vals []ast.Expr, ok bool) {
	if depth > 20 {
		return nil, false
	}
	depth++
	switch e := e.(type) {
	case *ast.BasicLit:
		return []ast.Expr{e}, e.Kind == token.STRING
	case *ast.ParenExpr:
		return c.resolve(e.X, ctx, depth)
	case *ast.CompositeLit:
		return []ast.Expr{e}, true
	case *ast.Ident:
		return c.resolveIdent(e, ctx, depth)
	case *ast.IndexExpr:
		base, ok := c.resolve(e.X, ctx, depth)
		if !ok {
			return nil, false
		}
		at := -1
		if lit, isLit := e.Index.(*ast.BasicLit); isLit && lit.Kind == token.INT {
			at, _ = strconv.Atoi(lit.Value)
		}
		return c.elements(base, at, ctx, depth)
	case *ast.SelectorExpr:
		base, ok := c.resolve(e.X, ctx, depth)
		if !ok {
			return nil, false
		}
		var out []ast.Expr
		for _, b := range base {
			comp, isComp := b.(*ast.CompositeLit)
			if !isComp {
				return nil, false
			}
			v, ok := c.field(comp, e.Sel.Name)
			if !ok {
				return nil, false
			}
			if v == nil {
				continue // not set: the zero value, no message
			}
			vs, ok := c.resolve(v, ctx, depth)
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
		return out, true
	case *ast.CallExpr:
		return c.results(e, 0, depth)
	}
	return nil, false
}

// resolveIdent traces a name: a parameter becomes a message-id position of
// its function; a variable is every value assigned to it.
func (c *idChecker) resolveIdent(e *ast.Ident, ctx *ast.FuncDecl, depth int) ([]ast.Expr, bool) {
	if e.Obj == nil {
		if v, found := c.values[e.Name]; found {
			return c.resolve(v, nil, depth)
		}
		return nil, false
	}
	if k, isParam := c.params[e.Obj]; isParam {
		if k.name == "" && k.obj == nil {
			return nil, false
		}
		if !c.sinks[k] {
			c.sinks[k], c.changed = true, true
		}
		return nil, true
	}
	var out []ast.Expr
	ok := true
	add := func(vs []ast.Expr, good bool) {
		out, ok = append(out, vs...), ok && good
	}
	assigned := func(lhs []ast.Expr, rhs []ast.Expr) {
		for i, l := range lhs {
			if id, isID := l.(*ast.Ident); !isID || id.Obj != e.Obj {
				continue
			}
			switch {
			case len(rhs) == len(lhs):
				add(c.resolve(rhs[i], ctx, depth))
			case len(rhs) == 1:
				add(c.multi(rhs[0], i, ctx, depth))
			}
		}
	}
	if as, isAssign := e.Obj.Decl.(*ast.AssignStmt); isAssign && len(as.Rhs) == 1 {
		// A range clause's variables: the parser declares them in an
		// assignment that is not in the tree.
		if u, isRange := as.Rhs[0].(*ast.UnaryExpr); isRange && u.Op == token.RANGE {
			assigned(as.Lhs, as.Rhs)
		}
	}
	if vs, isSpec := e.Obj.Decl.(*ast.ValueSpec); isSpec {
		names := make([]ast.Expr, len(vs.Names))
		for i, n := range vs.Names {
			names[i] = n
		}
		assigned(names, vs.Values)
	}
	if ctx != nil {
		ast.Inspect(ctx.Body, func(n ast.Node) bool {
			if as, isAssign := n.(*ast.AssignStmt); isAssign {
				assigned(as.Lhs, as.Rhs)
			}
			return true
		})
	}
	if len(out) == 0 {
		return nil, false
	}
	return out, ok
}

// multi traces value i of a many-valued expression: a call, a comma-ok index
// or the element of a range clause.
func (c *idChecker) multi(e ast.Expr, i int, ctx *ast.FuncDecl, depth int) ([]ast.Expr, bool) {
	switch e := e.(type) {
	case *ast.CallExpr:
		return c.results(e, i, depth)
	case *ast.IndexExpr:
		if i == 0 {
			return c.resolve(e, ctx, depth)
		}
		return nil, true
	case *ast.UnaryExpr:
		if e.Op == token.RANGE && i == 1 {
			base, ok := c.resolve(e.X, ctx, depth)
			if !ok {
				return nil, false
			}
			return c.elements(base, -1, ctx, depth)
		}
	}
	return nil, false
}

// results traces result i of a call to a package-level function.
func (c *idChecker) results(call *ast.CallExpr, i int, depth int) ([]ast.Expr, bool) {
	id, isIdent := call.Fun.(*ast.Ident)
	if !isIdent {
		return nil, false
	}
	fn, found := c.funcs[id.Name]
	if !found || fn.Body == nil {
		return nil, false
	}
	var out []ast.Expr
	ok := true
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			if i < len(n.Results) {
				vs, good := c.resolve(n.Results[i], fn, depth)
				out, ok = append(out, vs...), ok && good
			}
		}
		return true
	})
	return out, ok
}

// field returns the value of field name in a struct literal (nil when it is
// not set); ok is false when the literal cannot be read.
func (c *idChecker) field(comp *ast.CompositeLit, name string) (ast.Expr, bool) {
	for i, el := range comp.Elts {
		kv, isKV := el.(*ast.KeyValueExpr)
		if !isKV {
			fields := c.structs[c.typeOf(comp)]
			if len(fields) != len(comp.Elts) {
				return nil, false
			}
			if fields[i] == name {
				return el, true
			}
			continue
		}
		if kvKey(kv) == name {
			return kv.Value, true
		}
	}
	return nil, true
}

// elements returns element at (or every element, at < 0) of the composite
// literals of base; for a map, its values.
func (c *idChecker) elements(base []ast.Expr, at int, ctx *ast.FuncDecl, depth int) ([]ast.Expr, bool) {
	var out []ast.Expr
	for _, b := range base {
		comp, isComp := b.(*ast.CompositeLit)
		if !isComp {
			return nil, false
		}
		for j, el := range comp.Elts {
			if at >= 0 && j != at {
				continue
			}
			if kv, isKV := el.(*ast.KeyValueExpr); isKV {
				el = kv.Value
			}
			vs, ok := c.resolve(el, ctx, depth)
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
	}
	return out, true
}

// source prints e as written.
func (c *idChecker) source(e ast.Expr) string {
	var b strings.Builder
	if err := printer.Fprint(&b, c.fset, e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return b.String()
}

// parseDirs parses the non-test Go files of dirs.
func parseDirs(t *testing.T, fset *token.FileSet, dirs ...string) []*ast.File {
	t.Helper()
	var files []*ast.File
	for _, dir := range dirs {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	return files
}

// missingIDs returns "file:line: …" for each use whose id is neither a French
// message nor in allowed.
func missingIDs(t *testing.T, uses []msgIDUse, allowed map[string]string) []string {
	t.Helper()
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	seen := map[token.Position]bool{} // a literal of a table reached by several calls is reported once
	for _, u := range uses {
		if _, ok := allowed[u.id]; ok || seen[u.pos] {
			continue
		}
		seen[u.pos] = true
		// The catalogue renders an id missing from the French file as "[[id]]".
		if cat.Text(locales.Source, u.id, nil) == "[["+u.id+"]]" {
			out = append(out, fmt.Sprintf("%s:%d: message id %q is not in locales/%s.yaml", filepath.Base(u.pos.Filename), u.pos.Line, u.id, locales.Source))
		}
	}
	return out
}

// notMessages are Reply.MessageID values that name a reply composed of many
// messages: /feedback records them, the catalogue never renders them.
var notMessages = map[string]string{
	"GuideCard": "a service card, built line by line from Card* messages",
}

func TestMessageIDsExist(t *testing.T) {
	fset := token.NewFileSet()
	c := newIDChecker(fset, parseDirs(t, fset, ".", "../bot", "../cmd/passerelle"))
	c.checkIDs()
	for _, m := range missingIDs(t, c.uses, notMessages) {
		t.Error(m)
	}
	for _, d := range c.dynamic {
		t.Errorf("%s:%d: message id built at run time (%s): use a literal or a closed table", filepath.Base(d.pos.Filename), d.pos.Line, d.id)
	}
	used := map[string]bool{}
	for _, u := range c.uses {
		used[u.id] = true
	}
	for id := range notMessages {
		if !used[id] {
			t.Errorf("notMessages lists %q, which no Reply uses any more: remove it", id)
		}
	}
	if len(used) < 300 {
		t.Errorf("found only %d message ids: the checker no longer sees the calls", len(used))
	}
}

// idCaseHeader is the start of every source of TestMessageIDChecker: a
// catalogue, a Turn with T and Say built on it, and a Reply.
const idCaseHeader = `package p

type catalog interface {
	Text(lang, id string, data map[string]any) string
	Plural(lang, id string, count int, data map[string]any) string
}

type Reply struct{ MessageID, Text string }

type Turn struct {
	msgs catalog
	lang string
	out  []Reply
}

func (t *Turn) T(id string, data map[string]any) string { return t.msgs.Text(t.lang, id, data) }

func (t *Turn) Say(id string) { t.out = append(t.out, Reply{MessageID: id, Text: t.T(id, nil)}) }
`

func TestMessageIDChecker(t *testing.T) {
	cases := []struct {
		name    string
		src     string
		missing []string // ids reported missing, in order
		dynamic int
	}{
		{"literal", `func f(t *Turn) { t.Say("LanguagePrompt"); t.T("LanguageSet", nil) }`, nil, 0},
		{"misspelled literal", `func f(t *Turn) { t.T("LanguagePromt", nil) }`, []string{"LanguagePromt"}, 0},
		{"misspelled in Say", `func f(t *Turn) { t.Say("LangageSet") }`, []string{"LangageSet"}, 0},
		{"plural", `func f(t *Turn) string { return t.msgs.Plural(t.lang, "MyDataDayz", 2, nil) }`, []string{"MyDataDayz"}, 0},
		{"reply field", `func f(t *Turn) Reply { return Reply{MessageID: "Helpp", Text: "x"} }`, []string{"Helpp"}, 0},
		{"elided reply type", `func f() []Reply { return []Reply{{MessageID: "Helpp"}} }`, []string{"Helpp"}, 0},
		{"helper parameter", `func tell(t *Turn, id string) { t.Say(id) }
func f(t *Turn) { tell(t, "LanguagePrompt"); tell(t, "NoSuchMessage") }`, []string{"NoSuchMessage"}, 0},
		{"local function", `func f(t *Turn) { b := func(label string) string { return t.T(label, nil) }; b("ButtonYess") }`, []string{"ButtonYess"}, 0},
		{"variable assigned twice", `func f(t *Turn, x bool) { id := "ButtonYes"; if x { id = "ButtonNoo" }; t.Say(id) }`, []string{"ButtonNoo"}, 0},
		{"weekday table", `var days = [7]string{"DaySunday", "DayMonday", "DayTuesday", "DayWednesday", "DayThursday", "DayFriday", "DaySaturdy"}
func f(t *Turn, d int) string { return t.T(days[d], nil) }`, []string{"DaySaturdy"}, 0},
		{"map table, comma ok", `var m = map[string]string{"a": "PublicWomen", "b": "PublicMen"}
func f(t *Turn, k string) { if id, ok := m[k]; ok { t.Say(id) } }`, []string{"PublicMen"}, 0},
		{"pairs, second element only", `var kinds = [][2]string{{"doctor", "ButtonYes"}, {"lawyer", "ButtonMaybe"}}
func f(t *Turn) { for _, k := range kinds { t.T(k[1], nil) } }`, []string{"ButtonMaybe"}, 0},
		{"returned by a function", `var kinds = [][2]string{{"doctor", "ButtonYes"}, {"lawyer", "ButtonMaybe"}}
func kind(i int) (string, bool) { return kinds[i][1], true }
func f(t *Turn) { id, _ := kind(0); t.Say(id) }`, []string{"ButtonMaybe"}, 0},
		{"field of an untraced value", `type Entry struct{ Label, Data string }
type Engine struct{ menu []Entry }
func (e *Engine) Add(m Entry) { e.menu = append(e.menu, m) }
func f(t *Turn, e *Engine) { e.Add(Entry{Label: "MenuGuide", Data: "g"}); e.Add(Entry{"MenuGuyde", "x"}); for _, m := range e.menu { t.T(m.Label, nil) } }`, []string{"MenuGuyde"}, 0},
		{"built at run time", `func f(t *Turn, day string) { t.T("Day"+day, nil) }`, nil, 1},
		{"empty is no message", `func f(t *Turn) { t.Say("") }`, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := idCaseHeader + tc.src + "\n"
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "case.go", src, 0)
			if err != nil {
				t.Fatal(err)
			}
			c := newIDChecker(fset, []*ast.File{f})
			c.checkIDs()
			got := missingIDs(t, c.uses, nil)
			var want []string
			for _, id := range tc.missing {
				line := 1 + strings.Count(src[:strings.Index(src, strconv.Quote(id))], "\n")
				want = append(want, fmt.Sprintf("case.go:%d: message id %q is not in locales/fr.yaml", line, id))
			}
			if !slices.Equal(got, want) {
				t.Errorf("missing:\n got %q\nwant %q", got, want)
			}
			if len(c.dynamic) != tc.dynamic {
				t.Errorf("got %d ids built at run time %v, want %d", len(c.dynamic), c.dynamic, tc.dynamic)
			}
		})
	}
}
