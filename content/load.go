package content

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

const (
	territoriesDir = "territories"
	maxFileSize    = 1 << 20 // larger files are refused unread
	maxQuoted      = 40      // runes of a user value repeated in a message
	maxPerFile     = 100     // diagnostics shown per file; the rest are counted
)

// loader collects the diagnostics of one Load call.
type loader struct {
	langs   []string        // supported languages, sourceLang first, no duplicates
	langSet map[string]bool // the same, as a set
	today   Date            // the day dates are checked against
	diags   Diagnostics
	file    string      // the file being read
	pending Diagnostics // its diagnostics, added to diags by endFile
}

func newLoader(langs []string) *loader {
	l := &loader{langs: []string{sourceLang}, langSet: map[string]bool{sourceLang: true}}
	for _, lang := range langs {
		if lang != "" && !l.langSet[lang] {
			l.langs = append(l.langs, lang)
			l.langSet[lang] = true
		}
	}
	return l
}

func (l *loader) add(file string, line int, sev Severity, msg string) {
	l.diags = append(l.diags, Diagnostic{File: file, Line: line, Severity: sev, Message: msg})
}

// errorf reports an error at line of the file being read.
func (l *loader) errorf(line int, format string, args ...any) {
	l.report(line, Error, format, args...)
}

// warnf reports a warning at line of the file being read.
func (l *loader) warnf(line int, format string, args ...any) {
	l.report(line, Warning, format, args...)
}

// report adds a diagnostic for the file being read. At most maxPerFile are
// kept per file, errors first, so that a badly broken file does not bury the
// others and warnings never hide an error.
func (l *loader) report(line int, sev Severity, format string, args ...any) {
	l.pending = append(l.pending, Diagnostic{File: l.file, Line: line, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// startFile ends the previous file and starts reporting on name.
func (l *loader) startFile(name string) {
	l.endFile()
	l.file = name
}

// endFile adds the file's diagnostics, and how many were not shown.
func (l *loader) endFile() {
	ds := l.pending
	l.pending = l.pending[:0]
	if len(ds) <= maxPerFile {
		l.diags = append(l.diags, ds...)
		return
	}
	slices.SortStableFunc(ds, func(a, b Diagnostic) int { return cmp.Compare(a.Severity, b.Severity) })
	l.diags = append(l.diags, ds[:maxPerFile]...)
	hidden := ds[maxPerFile:]
	sev := Warning
	if hidden.Errors() > 0 {
		sev = Error
	}
	l.add(l.file, 0, sev, fmt.Sprintf("too many problems: only the first %d are shown, %d more are not", maxPerFile, len(hidden)))
}

// required returns the value of key among the fields f of what, declared
// at line, and reports the key missing when it is.
func (l *loader) required(f map[string]*yaml.Node, line int, what, key string) (*yaml.Node, bool) {
	v, found := f[key]
	if !found {
		l.errorf(line, "%s: missing required key %q", what, key)
	}
	return v, found
}

// place is where something is declared.
type place struct {
	file string
	line int
}

// firstDeclared records that the current file declares the what with this
// id at line, and reports whether it is the first declaration of that id: a
// later one is an error that names the first.
func (l *loader) firstDeclared(seen map[string]place, what, id string, line int) bool {
	if first, dup := seen[id]; dup {
		l.errorf(line, "id: duplicate %s %q (first in %s:%d)", what, id, first.file, first.line)
		return false
	}
	seen[id] = place{l.file, line}
	return true
}

// territories reads and validates every territory file in fsys.
func (l *loader) territories(fsys fs.FS) []*Territory {
	files := l.list(fsys, territoriesDir, "territory")
	if len(files) == 0 {
		if l.diags.Errors() == 0 {
			l.add(territoriesDir, 0, Error, "no territory found: add one .yaml file per territory in this directory")
		}
		return nil
	}
	var ts []*Territory
	seen := map[string]place{}
	defer l.endFile()
	for _, name := range files {
		l.startFile(name)
		data, ok := l.read(fsys, name)
		if !ok {
			continue
		}
		root := l.parse(data, territoryDoc)
		if root == nil {
			continue
		}
		t := l.territory(root)
		if t == nil || t.ID == "" || !l.firstDeclared(seen, "territory", t.ID, t.Line) {
			continue
		}
		if stem := fileStem(name); stem != t.ID {
			l.warnf(t.Line, "id: %q differs from the file name %q; name the file %q", t.ID, path.Base(name), t.ID+".yaml")
		}
		ts = append(ts, t)
	}
	return ts
}

// list returns the YAML files under dir, sorted by path, skipping hidden files
// and directories and warning about other files. A missing dir yields no file
// and no diagnostic. per names what each file holds ("territory").
func (l *loader) list(fsys fs.FS, dir, per string) []string {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // the caller decides whether that is a problem
			}
			l.add(p, 0, Error, "cannot read: "+errText(err, p))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == dir {
			if !d.IsDir() {
				l.add(p, 0, Error, "must be a directory holding one .yaml file per "+per)
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
		case !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0:
			l.add(p, 0, Error, "not a regular file")
		case isYAML(d.Name()):
			files = append(files, p)
		default:
			l.add(p, 0, Warning, "ignored: only .yaml and .yml files are read")
		}
		return nil
	})
	if err != nil {
		l.add(dir, 0, Error, "cannot read: "+errText(err, dir))
	}
	slices.Sort(files) // WalkDir's order puts "a/z.yaml" before "a.yaml"
	return files
}

// read returns the file's bytes, refusing files larger than maxFileSize.
func (l *loader) read(fsys fs.FS, name string) ([]byte, bool) {
	f, err := fsys.Open(name)
	if err != nil {
		l.errorf(0, "cannot read: %s", errText(err, name))
		return nil, false
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxFileSize {
		l.errorf(0, "file too large (%d bytes): the limit is 1 MiB", fi.Size())
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		l.errorf(0, "cannot read: %s", errText(err, name))
		return nil, false
	}
	if len(data) > maxFileSize {
		l.errorf(0, "file too large: the limit is 1 MiB")
		return nil, false
	}
	return data, true
}

// docKind describes what a kind of file holds, for parse's messages.
type docKind struct {
	one      string // "territory"
	contents string // "a territory (id, kind, name, sources)"
}

var territoryDoc = docKind{"territory", "a territory (id, kind, name, sources)"}

// parsedFile is a file read and parsed, with the problems found doing so.
type parsedFile struct {
	root     *yaml.Node
	problems Diagnostics
}

// knownTerritories returns the territories' ids as a set and sorted.
func knownTerritories(ts []*Territory) (map[string]bool, []string) {
	known := make(map[string]bool, len(ts))
	ids := make([]string, 0, len(ts))
	for _, t := range ts {
		known[t.ID] = true
		ids = append(ids, t.ID)
	}
	slices.Sort(ids)
	return known, ids
}

// eachFile parses the YAML files under dir on every CPU, then calls fn with
// each parsed root in file order, reporting on that file. per and doc name
// what a file holds, for messages.
func (l *loader) eachFile(fsys fs.FS, dir, per string, doc docKind, fn func(root *yaml.Node)) {
	files := l.list(fsys, dir, per)
	defer l.endFile()
	parsed := l.parseAll(fsys, files, doc)
	for i, name := range files {
		l.startFile(name)
		l.pending = append(l.pending, parsed[i].problems...)
		if parsed[i].root != nil {
			fn(parsed[i].root)
		}
	}
}

// parseAll reads and parses files on every CPU: the YAML parser is most of the
// time a load takes. Validation then runs in file order.
func (l *loader) parseAll(fsys fs.FS, files []string, kind docKind) []parsedFile {
	out := make([]parsedFile, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, name := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			sub := &loader{langs: l.langs, langSet: l.langSet, today: l.today, file: name}
			if data, ok := sub.read(fsys, name); ok {
				out[i].root = sub.parse(data, kind)
			}
			out[i].problems = sub.pending
		}()
	}
	wg.Wait()
	return out
}

// parse parses data as a single YAML document and returns its root node, or
// nil after reporting why there is none.
func (l *loader) parse(data []byte, kind docKind) (root *yaml.Node) {
	defer func() {
		// The parser reports malformed input by panicking internally; a few
		// inputs still escape its own recovery. None may crash a check.
		if r := recover(); r != nil {
			l.errorf(0, "YAML syntax: the file cannot be parsed")
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.errorf(0, "file is empty: expected %s", kind.contents)
		} else {
			l.syntaxError(err, data)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		l.syntaxError(err, data)
		return nil
	default:
		l.errorf(next.Line, "a second YAML document: a file holds a single %s, remove the \"---\" line and what follows", kind.one)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		l.errorf(0, "file is empty: expected %s", kind.contents)
		return nil
	}
	return doc.Content[0]
}

// parserProblems are the messages of the parser's (not the scanner's) errors,
// whose line it numbers from 0.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// encodingProblems are the messages of errors about the bytes of the file,
// which come without a line.
var encodingProblems = map[string]bool{
	"invalid leading UTF-8 octet":        true,
	"incomplete UTF-8 octet sequence":    true,
	"invalid trailing UTF-8 octet":       true,
	"invalid length of a UTF-8 sequence": true,
	"invalid Unicode character":          true,
	"control characters are not allowed": true,
}

// syntaxError reports a parser error at the line it concerns, when known.
func (l *loader) syntaxError(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				line, msg = n, after
			}
		}
	}
	switch {
	case parserProblems[msg]:
		line++ // also right when no line was given: the parser omits line 0
	case line == 0 && encodingProblems[msg]:
		line = badCharLine(data)
		msg += ": save the file as UTF-8 text without control characters"
	}
	l.errorf(line, "YAML syntax: %s", msg)
}

// badCharLine returns the line of the first byte that is not valid UTF-8 or
// is a character YAML does not allow, or 0 when there is none or the file is
// UTF-16 text.
func badCharLine(data []byte) int {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		return 0
	}
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1 || !yamlPrintable(r):
			return line
		case r == '\r' && i+1 < len(data) && data[i+1] == '\n':
		case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			line++ // the line breaks YAML counts
		}
		i += size
	}
	return 0
}

// yamlPrintable reports whether YAML allows r in a document.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r < 0x20 || r == 0x7f:
		return false
	case r < 0x7f:
		return true
	case r < 0xa0:
		return false
	case r <= 0xd7ff || 0xe000 <= r && r <= 0xfffd:
		return true
	}
	return 0x10000 <= r && r <= 0x10ffff
}

// entry is one key and value of a mapping.
// fields returns a mapping's values by key, reporting keys that are not allowed.
func (l *loader) fields(m *yaml.Node, what string, allowed []string) map[string]*yaml.Node {
	f := map[string]*yaml.Node{}
	for _, e := range l.entries(m, what, allowed) {
		f[e.name] = e.val
	}
	return f
}

// mappings returns the items of a list that are mappings, reporting the list
// (notList) or the items (notItem) that are not; both formats take a %s
// describing what was found.
func (l *loader) mappings(v *yaml.Node, notList, notItem string) []*yaml.Node {
	if v.Kind != yaml.SequenceNode {
		l.errorf(v.Line, notList, describe(v))
		return nil
	}
	var out []*yaml.Node
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			l.errorf(item.Line, notItem, describe(item))
			continue
		}
		out = append(out, item)
	}
	return out
}

type entry struct {
	name     string
	key, val *yaml.Node
}

// entries returns a mapping's entries in order, reporting keys that are not
// text, repeated keys and, when allowed is not nil, keys not in allowed. Only
// valid entries are returned. what names the mapping in messages ("" at the top).
func (l *loader) entries(m *yaml.Node, what string, allowed []string) []entry {
	var es []entry
	first := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.errorf(k.Line, "%skeys must be plain text, found %s", prefix(what), describe(k))
			continue
		}
		name := k.Value
		if line, dup := first[name]; dup {
			l.errorf(k.Line, "%sduplicate key %s (first at line %d)", prefix(what), quote(name), line)
			continue
		}
		first[name] = k.Line
		if allowed != nil && !slices.Contains(allowed, name) {
			l.errorf(k.Line, "%sunknown key %s%s; allowed keys: %s", prefix(what), quote(name), suggest(name, allowed), strings.Join(allowed, ", "))
			continue
		}
		es = append(es, entry{name: name, key: k, val: v})
	}
	return es
}

// text returns the value of a scalar node, trimmed; a null value is "".
// It reports other nodes as errors.
func (l *loader) text(what string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		l.errorf(n.Line, "%s: expected text, found %s", what, describe(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return strings.TrimSpace(n.Value), true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping (key: value lines)"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (*" + truncate(n.Value) + "), which is not supported"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return "text"
	}
	return "an unexpected YAML node"
}

func prefix(what string) string {
	if what == "" {
		return ""
	}
	return what + ": "
}

// truncate shortens a user value so that messages stay readable.
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return s
	}
	n := 0
	for i := range s {
		if n == maxQuoted {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// quote quotes a user value for a message.
func quote(s string) string { return strconv.Quote(truncate(s)) }

// Quote quotes a user value for a diagnostic, shortened past 40 characters.
func Quote(s string) string { return quote(s) }

// suggest returns ` (did you mean "x"?)` for the allowed word closest to s
// (ignoring case, at most two edits away), or "".
func suggest(s string, allowed []string) string {
	if len(s) > maxQuoted {
		return ""
	}
	lower := strings.ToLower(s)
	best, bestDist := "", 3
	for _, a := range allowed {
		if d := distance(lower, strings.ToLower(a)); d < bestDist && d < len(a) {
			best, bestDist = a, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b, counted in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func isYAML(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

func fileStem(name string) string {
	base := path.Base(name)
	return strings.TrimSuffix(base, path.Ext(base))
}

// errText returns err's message without the path it names, which the diagnostic already gives.
func errText(err error, name string) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), name+": ")
}
