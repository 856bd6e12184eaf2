package directory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/territoires-integration/passerelle/content"
	"go.yaml.in/yaml/v3"
)

// maxFileBytes is the size at which an import starts another file: the
// content loader refuses files over 1 MiB.
const maxFileBytes = 900 << 10

// Import merges what a directory lists for one territory into a content
// folder: services/<territory>-<directory>.yaml (and -2, -3… when that
// grows past 900 KiB), and .<territory>-<directory>.import.json beside it,
// which records what the import wrote, so that a later import can tell
// the values a coordinator changed by hand from those it may update.
type Import struct {
	Dir       string             // the content folder
	Territory *content.Territory // its Area says which services are kept
	Directory string             // DataInclusion or Soliguide
	Today     content.Date       // the date written in source:
}

// ChangeKind says what an import does to a service.
type ChangeKind string

// What an import does to a service.
const (
	Added    ChangeKind = "added"    // a new service
	Updated  ChangeKind = "updated"  // values the directory changed
	Kept     ChangeKind = "kept"     // a hand edit kept although the directory changed the value
	Merged   ChangeKind = "merged"   // the same place as a service already there: its source is added to it
	Removed  ChangeKind = "removed"  // no longer listed by the directory: flagged, not deleted
	Restored ChangeKind = "restored" // listed again after being flagged
)

// Change is what an import does to one service.
type Change struct {
	Kind    ChangeKind
	File    string // slash-separated, inside the content folder
	Service string // its id
	Text    string // the details: fields, source
	seq     int    // the order of the entry that made it
}

// String formats the change as "file: kind id: text".
func (c Change) String() string {
	s := fmt.Sprintf("%s: %s %s", c.File, c.Kind, c.Service)
	if c.Text != "" {
		s += ": " + c.Text
	}
	return s
}

// Plan is what an import would write. Write writes it.
type Plan struct {
	Changes   []Change
	Outside   int               // entries outside the territory's area, left out
	Unlocated int               // entries with neither a commune code nor a location, left out
	files     map[string][]byte // path inside Dir → new content
}

// Files returns the paths (inside the content folder) the plan writes.
func (p *Plan) Files() []string {
	var out []string
	for name := range p.files {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Count returns the number of changes of kind k.
func (p *Plan) Count(k ChangeKind) int {
	n := 0
	for _, c := range p.Changes {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// Write writes the plan's files into the content folder dir, each through
// a temporary file renamed over the old one.
func (p *Plan) Write(dir string) error {
	for _, name := range p.Files() {
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".tmp") // hidden: the loader skips it
		if err := os.WriteFile(tmp, p.files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if err := os.Rename(tmp, target); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// An import runs in three passes, so that only one file's YAML tree is in
// memory at a time: it indexes the service files (ids, sources, names,
// phones, addresses), decides what each entry does (update a service,
// complete the same place from another source, add a service), then
// rewrites the files that change, one at a time.

// svcFile is a service file of the content folder.
type svcFile struct {
	name      string // slash-separated path inside the content folder
	orig      []byte // the file as read; nil for a new file
	territory string
	refs      []*svcRef // its services, in order
	dirty     bool      // some service has something to do
}

// svcRef is a service: what the import needs to know to decide, and what
// it decided.
type svcRef struct {
	file      *svcFile
	id        string
	name      string
	phone     string   // E.164
	address   string   // folded
	producers []string // of its sources
	sources   []srcInfo
	entry     *Entry // the entry that adds it, for a new service
	ops       []op
}

type srcInfo struct {
	directory, id string
	removed       bool
}

// op is something to do to a service.
type op struct {
	kind opKind
	e    *Entry
	seq  int    // order of the changes in the report
	why  string // of a merge
}

type opKind int

const (
	opUpdate opKind = iota // apply the entry that comes from the service's source
	opMerge                // add the entry's source to the same place, fill in what it lacks
	opRemove               // flag the directory's source as removed
)

// baseline is what the last import wrote: service id → key → hash of the
// value it wrote (and, under ownerKey, the source that created it).
type baseline struct {
	Version   int                          `json:"version"`
	Directory string                       `json:"directory"`
	Territory string                       `json:"territory"`
	Date      string                       `json:"date"`
	Services  map[string]map[string]string `json:"services"`
}

const baselineVersion = 1

// merger holds the state of one import.
type merger struct {
	im        Import
	files     []*svcFile
	byID      map[string]*svcRef
	bySource  map[string]*svcRef   // sourceKey
	local     []*svcRef            // the services of the territory
	byPhone   map[string][]*svcRef // E.164 → services of the territory, for duplicates
	byAddress map[string][]*svcRef // folded address → services of the territory
	base      baseline
	plan      *Plan
	seen      map[string]bool // ids of the directory found by this import
	seq       int
	pending   []int // changes made to the service being written
}

func sourceKey(directory, id string) string { return directory + " " + id }

// ownName is the name of the import's n-th file (n from 1).
func (im Import) ownName(n int) string {
	stem := im.Territory.ID + "-" + im.Directory
	if n > 1 {
		stem += "-" + strconv.Itoa(n)
	}
	return path.Join("services", stem+".yaml")
}

func (im Import) baselineName() string {
	return path.Join("services", "."+im.Territory.ID+"-"+im.Directory+".import.json")
}

// Plan computes what the import of entries changes, without writing.
func (im Import) Plan(entries []Entry) (*Plan, error) {
	if im.Territory == nil || im.Territory.Area.IsZero() {
		return nil, errors.New("the territory file says no area to import: add import: with communes or a centre and a radius (docs/content.md)")
	}
	m := &merger{im: im, byID: map[string]*svcRef{}, bySource: map[string]*svcRef{}, plan: &Plan{files: map[string][]byte{}}, seen: map[string]bool{}, byPhone: map[string][]*svcRef{}, byAddress: map[string][]*svcRef{}}
	if err := m.read(); err != nil {
		return nil, err
	}
	for i := range entries {
		e := &entries[i]
		switch {
		case e.Commune == "" && e.Location == nil:
			m.plan.Unlocated++
			continue
		case !im.Territory.Area.Contains(e.Commune, e.Location):
			m.plan.Outside++
			continue
		}
		m.decide(e)
	}
	if len(entries) == 0 {
		return nil, errors.New("the files list no service")
	}
	if m.plan.Outside+m.plan.Unlocated == len(entries) {
		return nil, fmt.Errorf("none of the %d services is in the area of %s: nothing imported (is it the right file, or the right territory?)", len(entries), im.Territory.ID)
	}
	m.flagRemoved()
	if err := m.render(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(m.plan.Changes, func(a, b Change) int { return a.seq - b.seq })
	return m.plan, nil
}

// read indexes the service files of the content folder, and reads the
// baseline.
func (m *merger) read() error {
	fsys := os.DirFS(m.im.Dir)
	err := fs.WalkDir(fsys, "services", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "services" && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != "services" {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		return m.addFile(p, data)
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", m.im.Dir, err)
	}
	data, err := fs.ReadFile(fsys, m.im.baselineName())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", m.im.baselineName(), err)
	default:
		if err := json.Unmarshal(data, &m.base); err != nil {
			return fmt.Errorf("read %s: %w", m.im.baselineName(), err)
		}
	}
	if m.base.Services == nil {
		m.base.Services = map[string]map[string]string{}
	}
	return nil
}

// parseFile parses a service file and returns its services list.
func parseFile(name string, data []byte) (*yaml.Node, *yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w (run passerelle check)", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s: not a service file (run passerelle check)", name)
	}
	list := get(doc.Content[0], "services")
	if list == nil || list.Kind != yaml.SequenceNode {
		list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		set(doc.Content[0], "services", list, nil)
	}
	return &doc, list, nil
}

// addFile indexes one service file.
func (m *merger) addFile(name string, data []byte) error {
	doc, list, err := parseFile(name, data)
	if err != nil {
		return err
	}
	f := &svcFile{name: name, orig: data}
	if t := get(doc.Content[0], "territory"); t != nil {
		f.territory = t.Value
	}
	m.files = append(m.files, f)
	for _, n := range list.Content {
		idNode := get(n, "id")
		if idNode == nil {
			continue
		}
		ref := &svcRef{file: f, id: idNode.Value}
		if v := get(n, "name"); v != nil {
			ref.name = v.Value
		}
		if v := get(n, "phone"); v != nil {
			if p, err := ParsePhone(v.Value); err == nil {
				ref.phone = p.E164
			}
		}
		if v := get(n, "address"); v != nil {
			ref.address = foldAddress(v.Value)
		}
		for _, src := range sources(n) {
			ref.sources = append(ref.sources, srcInfo{src.directory, src.id, get(src.node, "removed") != nil})
			ref.producers = append(ref.producers, producerOf(src.directory, src.id))
			m.bySource[sourceKey(src.directory, src.id)] = ref
		}
		f.refs = append(f.refs, ref)
		m.byID[ref.id] = ref
		if f.territory == m.im.Territory.ID {
			m.local = append(m.local, ref)
			m.indexPlace(ref)
		}
	}
	return nil
}

type sourceEntry struct {
	node          *yaml.Node
	directory, id string
}

// sources returns a service's source entries.
func sources(n *yaml.Node) []sourceEntry {
	var out []sourceEntry
	list := get(n, "source")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	for _, item := range list.Content {
		d, id := get(item, "directory"), get(item, "id")
		if d != nil && id != nil {
			out = append(out, sourceEntry{item, d.Value, id.Value})
		}
	}
	return out
}

// decide says what one entry does: update the service that comes from
// it, complete a service of another source that is the same place, or add
// a service.
func (m *merger) decide(e *Entry) {
	key := sourceKey(e.Directory, e.ID)
	m.seen[e.ID] = true
	m.seq++
	if ref, ok := m.bySource[key]; ok {
		m.addOp(ref, op{kind: opUpdate, e: e, seq: m.seq})
		return
	}
	if ref, why := m.duplicate(e); ref != nil {
		m.addOp(ref, op{kind: opMerge, e: e, seq: m.seq, why: why})
		m.bySource[key] = ref
		ref.producers = append(ref.producers, producerOf(e.Directory, e.ID))
		return
	}
	f := m.ownFile()
	ref := &svcRef{file: f, id: m.newID(e.Name), name: e.Name, phone: e.Phone.E164, address: foldAddress(e.Address), producers: []string{producerOf(e.Directory, e.ID)}, entry: e}
	ref.ops = []op{{kind: opUpdate, e: e, seq: m.seq}}
	f.refs = append(f.refs, ref)
	f.dirty = true
	m.byID[ref.id] = ref
	m.bySource[key] = ref
	m.local = append(m.local, ref)
	m.indexPlace(ref)
}

func (m *merger) addOp(ref *svcRef, o op) {
	ref.ops = append(ref.ops, o)
	ref.file.dirty = true
}

// flagRemoved decides to flag the services of the territory that came
// from this directory and are no longer listed.
func (m *merger) flagRemoved() {
	for _, ref := range m.local {
		for _, src := range ref.sources {
			if src.directory == m.im.Directory && !m.seen[src.id] && !src.removed {
				m.seq++
				m.addOp(ref, op{kind: opRemove, seq: m.seq})
			}
		}
	}
}

// apply does what was decided to one service node.
func (m *merger) apply(ref *svcRef, n *yaml.Node) {
	for _, o := range ref.ops {
		m.seq = o.seq
		switch {
		case o.kind == opUpdate && ref.entry == o.e:
			m.add(ref, n, o.e)
		case o.kind == opUpdate:
			m.update(ref, n, o.e)
		case o.kind == opMerge:
			src := get(n, "source")
			if src == nil {
				src = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
				set(n, "source", src, serviceKeyOrder)
			}
			src.Content = append(src.Content, sourceNode(o.e.Directory, o.e.ID, m.im.Today))
			text := fmt.Sprintf("also %s %s (%s)", o.e.Directory, o.e.ID, o.why)
			if filled := m.fill(ref, n, o.e); len(filled) > 0 {
				text += "; filled in " + strings.Join(filled, ", ")
			}
			m.change(Merged, ref, text)
		case o.kind == opRemove:
			for _, src := range sources(n) {
				if src.directory == m.im.Directory && !m.seen[src.id] && get(src.node, "removed") == nil {
					set(src.node, "removed", plain(m.im.Today.String()), nil)
					m.change(Removed, ref, fmt.Sprintf("%s no longer lists %s: flagged with removed: %s, not deleted", src.directory, src.id, m.im.Today))
				}
			}
		}
	}
}

// add fills a new service's node with its entry.
func (m *merger) add(ref *svcRef, n *yaml.Node, e *Entry) {
	rec := map[string]string{ownerKey: sourceKey(e.Directory, e.ID)}
	for _, fl := range e.fields(m.im.Today) {
		if fl.node != nil {
			setField(n, fl.key, fl.node)
		}
		rec[fl.key] = fingerprint(fl.node)
	}
	set(n, "source", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{sourceNode(e.Directory, e.ID, m.im.Today)}}, serviceKeyOrder)
	m.base.Services[ref.id] = rec
	m.change(Added, ref, fmt.Sprintf("%s %s", e.Directory, e.ID))
}

// fingerprint is what the baseline records of a value: a hash of its
// canonical text ("" for no value).
func fingerprint(n *yaml.Node) string {
	c := canonical(n)
	if c == "" {
		return ""
	}
	h := fnv.New64a()
	h.Write([]byte(c))
	return strconv.FormatUint(h.Sum64(), 36)
}

// ownerKey is the key, in the record of a service, of the directory entry
// that created it: only that entry updates it.
const ownerKey = "source"

// update applies the directory's values to a service. When this entry
// created the service, a value still as the last import wrote it is
// updated and a value changed (or deleted) by hand is kept; otherwise (the
// service was written by hand, or by another entry found to be the same
// place, or the record of the last import is lost) only the values the
// service lacks are filled in.
func (m *merger) update(ref *svcRef, n *yaml.Node, e *Entry) {
	rec := m.base.Services[ref.id]
	if rec == nil || rec[ownerKey] != sourceKey(e.Directory, e.ID) {
		if filled := m.fill(ref, n, e); len(filled) > 0 {
			m.change(Updated, ref, "filled in "+strings.Join(filled, ", "))
		}
		if touchSource(n, e, m.im.Today) {
			m.change(Restored, ref, fmt.Sprintf("%s %s lists it again", e.Directory, e.ID))
		}
		return
	}
	var updated, kept []string
	for _, fl := range e.fields(m.im.Today) {
		old := getField(n, fl.key)
		now, was := fingerprint(old), fingerprint(fl.node)
		switch last := rec[fl.key]; {
		case now != last: // edited by hand
			if was != last {
				kept = append(kept, fl.key)
			}
		case now != was:
			if fl.node == nil {
				delField(n, fl.key)
			} else {
				setField(n, fl.key, fl.node)
			}
			updated = append(updated, fl.key)
		}
		rec[fl.key] = was
	}
	switch {
	case touchSource(n, e, m.im.Today):
		m.change(Restored, ref, fmt.Sprintf("%s %s lists it again", e.Directory, e.ID))
	case len(updated) > 0:
		m.change(Updated, ref, strings.Join(updated, ", "))
	}
	if len(kept) > 0 {
		m.change(Kept, ref, "your edits of "+strings.Join(kept, ", ")+" are kept; "+e.Directory+" changed them too")
	}
	if translated := translations(n, "short"); slices.Contains(updated, "short.fr") && len(translated) > 0 {
		m.change(Updated, ref, "short.fr changed: check its translations ("+strings.Join(translated, ", ")+")")
	}
}

// fill writes the values a service lacks and no import wrote before (a
// value deleted by hand stays deleted), and records them.
func (m *merger) fill(ref *svcRef, n *yaml.Node, e *Entry) []string {
	rec, ok := m.base.Services[ref.id]
	if !ok {
		rec = map[string]string{}
		m.base.Services[ref.id] = rec
	}
	var filled []string
	for _, fl := range e.fields(m.im.Today) {
		if _, recorded := rec[fl.key]; fl.node == nil || recorded || getField(n, fl.key) != nil {
			continue
		}
		setField(n, fl.key, fl.node)
		rec[fl.key] = fingerprint(fl.node)
		filled = append(filled, fl.key)
	}
	return filled
}

// touchSource dates the service's entry for e today and clears its
// removed: mark; it reports whether there was one.
func touchSource(n *yaml.Node, e *Entry, today content.Date) bool {
	for _, src := range sources(n) {
		if src.directory != e.Directory || src.id != e.ID {
			continue
		}
		if d := get(src.node, "date"); d != nil {
			d.Value = today.String()
		}
		if get(src.node, "removed") != nil {
			del(src.node, "removed")
			return true
		}
	}
	return false
}

func (m *merger) change(k ChangeKind, ref *svcRef, text string) {
	m.pending = append(m.pending, len(m.plan.Changes))
	m.plan.Changes = append(m.plan.Changes, Change{Kind: k, File: ref.file.name, Service: ref.id, Text: text, seq: m.seq})
}

// ownFile returns the import's file that new services go to: the last of
// its files, created when there is none.
func (m *merger) ownFile() *svcFile {
	if family := m.family(); len(family) > 0 {
		return family[len(family)-1]
	}
	return m.newFile(m.im.ownName(1))
}

// family returns the import's own files, in order.
func (m *merger) family() []*svcFile {
	var out []*svcFile
	for n := 1; ; n++ {
		i := slices.IndexFunc(m.files, func(f *svcFile) bool { return f.name == m.im.ownName(n) })
		if i < 0 {
			return out
		}
		out = append(out, m.files[i])
	}
}

func (m *merger) newFile(name string) *svcFile {
	f := &svcFile{name: name, territory: m.im.Territory.ID, dirty: true}
	m.files = append(m.files, f)
	return f
}

// render writes the files that change, one at a time, and the baseline
// into the plan. The import's own files are written service by service:
// each keeps its services, and one that would grow past maxFileBytes
// passes its last ones on to the next file. A file goes into the plan only
// when its text changes.
func (m *merger) render() error {
	family := m.family()
	for _, f := range m.files {
		if !f.dirty || slices.Contains(family, f) {
			continue
		}
		doc, list, err := parseFile(f.name, f.orig)
		if err != nil {
			return err
		}
		m.applyAll(f, list)
		m.pending = nil // the changes name this file already
		data, err := encode(doc)
		if err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
		m.output(f, data)
	}
	if err := m.renderFamily(family); err != nil {
		return err
	}
	m.base.Version, m.base.Directory, m.base.Territory, m.base.Date = baselineVersion, m.im.Directory, m.im.Territory.ID, m.im.Today.String()
	data, err := json.Marshal(m.base)
	if err != nil {
		return fmt.Errorf("write %s: %w", m.im.baselineName(), err)
	}
	m.plan.files[m.im.baselineName()] = append(data, '\n')
	return nil
}

// applyAll applies what was decided to the services of a parsed file.
func (m *merger) applyAll(f *svcFile, list *yaml.Node) {
	k := 0
	for _, n := range list.Content {
		if get(n, "id") == nil || k >= len(f.refs) {
			continue
		}
		m.apply(f.refs[k], n)
		k++
	}
}

// output puts a file's new text into the plan when it differs.
func (m *merger) output(f *svcFile, data []byte) {
	if !bytes.Equal(data, f.orig) {
		m.plan.files[f.name] = data
	}
}

// chunk is one service written as an item of a list, and its changes.
type chunk struct {
	data    []byte
	changes []int
}

// renderFamily writes the import's own files.
func (m *merger) renderFamily(family []*svcFile) error {
	if !slices.ContainsFunc(family, func(f *svcFile) bool { return f.dirty }) {
		return nil
	}
	var carry []chunk
	for i := 0; i < len(family) || len(carry) > 0; i++ {
		if i == len(family) {
			family = append(family, m.newFile(m.im.ownName(i+1)))
		}
		f := family[i]
		chunks := carry
		carry = nil
		var nodes []*yaml.Node
		if f.orig != nil {
			_, list, err := parseFile(f.name, f.orig)
			if err != nil {
				return err
			}
			nodes = list.Content
		}
		k := 0
		for _, n := range nodes {
			if get(n, "id") != nil && k < len(f.refs) {
				m.apply(f.refs[k], n)
				k++
			}
			c, err := m.chunk(n)
			if err != nil {
				return fmt.Errorf("write %s: %w", f.name, err)
			}
			chunks = append(chunks, c)
		}
		for _, ref := range f.refs[k:] { // new services
			n := mapping(false, str("id"), str(ref.id))
			m.apply(ref, n)
			c, err := m.chunk(n)
			if err != nil {
				return fmt.Errorf("write %s: %w", f.name, err)
			}
			chunks = append(chunks, c)
		}
		var b bytes.Buffer
		b.WriteString(f.header(m))
		for j, c := range chunks {
			if j > 0 && b.Len()+len(c.data) > maxFileBytes {
				carry = chunks[j:]
				break
			}
			b.Write(c.data)
			for _, ci := range c.changes {
				m.plan.Changes[ci].File = f.name
			}
		}
		m.output(f, b.Bytes())
	}
	return nil
}

// chunk encodes a service with the changes made to it.
func (m *merger) chunk(n *yaml.Node) (chunk, error) {
	data, err := encodeItem(n)
	c := chunk{data: data, changes: m.pending}
	m.pending = nil
	return c, err
}

// header is the text of a file before its services: what the file had
// above "services:", or the comment of a new file.
func (f *svcFile) header(m *merger) string {
	if f.orig != nil {
		text := string(f.orig)
		for i := 0; i < len(text); {
			line, _, _ := strings.Cut(text[i:], "\n")
			if strings.HasPrefix(line, "services:") && strings.Contains(text[:i], "territory:") {
				return text[:i] + "services:\n"
			}
			i += len(line) + 1
		}
	}
	return fmt.Sprintf("# Services of %s imported from %s by passerelle content import.\n"+
		"# Edit them freely: the next import keeps what you change (the hidden file\n"+
		"# %s records what it wrote) and flags the services\n"+
		"# the directory no longer lists. Nothing here is verified yet: add\n"+
		"# verified: YYYY-MM-DD once checked with the organisation.\n"+
		"territory: %s\nservices:\n",
		m.im.Territory.Name("fr"), m.im.Directory, path.Base(m.im.baselineName()), m.im.Territory.ID)
}

// encodeItem writes one service as an item of the services list.
func encodeItem(svc *yaml.Node) ([]byte, error) {
	data, err := encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{svc}}}})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) > 0 {
			b.WriteString("  ")
		}
		b.Write(line)
	}
	return b.Bytes(), nil
}

func encode(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// getField returns a service's value for an imported key.
func getField(n *yaml.Node, key string) *yaml.Node {
	if parent, lang, ok := strings.Cut(key, "."); ok {
		return get(get(n, parent), lang)
	}
	return get(n, key)
}

func setField(n *yaml.Node, key string, val *yaml.Node) {
	if parent, lang, ok := strings.Cut(key, "."); ok {
		texts := get(n, parent)
		if texts == nil || texts.Kind != yaml.MappingNode {
			texts = mapping(false)
			set(n, parent, texts, serviceKeyOrder)
		}
		set(texts, lang, val, []string{"fr"})
		return
	}
	set(n, key, val, serviceKeyOrder)
}

func delField(n *yaml.Node, key string) {
	if parent, lang, ok := strings.Cut(key, "."); ok {
		// The French text is required: without it, the text goes.
		if lang == "fr" {
			del(n, parent)
		}
		return
	}
	del(n, key)
}

// translations lists the languages other than French of a text.
func translations(n *yaml.Node, key string) []string {
	var out []string
	texts := get(n, key)
	if texts == nil || texts.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(texts.Content); i += 2 {
		if lang := texts.Content[i].Value; lang != "fr" {
			out = append(out, lang)
		}
	}
	return out
}
