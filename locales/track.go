package locales

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ReviewsFile records which translations a native speaker approved.
const ReviewsFile = "reviews.yaml"

const reviewsHeader = `# Native-speaker reviews, written by "passerelle locales review" (see README.md).
# Per language: the messages a native speaker read and approved, each with the hash of the
# translation as they approved it. When that text changes, "passerelle check" says so.
`

// SourceHash is the hash that goi18n merge records next to a translation: the
// SHA-1 of the French message's description followed by its "other" text. A
// change of another plural form alone does not change it.
func SourceHash(description, other string) string {
	h := sha1.New()
	h.Write([]byte(description))
	h.Write([]byte(other))
	return fmt.Sprintf("sha1-%x", h.Sum(nil))
}

func (m message) sourceHash() string { return SourceHash(m.description, m.forms["other"]) }

// ReviewHash is the hash of a translation's text, every plural form included,
// that a native speaker's review records.
func ReviewHash(forms map[string]string) string {
	h := sha1.New()
	for _, f := range formKeys {
		if text, ok := forms[f]; ok {
			fmt.Fprintf(h, "%s\x00%s\x00", f, text)
		}
	}
	return fmt.Sprintf("sha1-%x", h.Sum(nil))
}

// Stamp records in the translation file (named name, e.g. "en.yaml") that its
// messages ids, or all of them when ids is empty, translate the current French
// source: it writes each one's SourceHash as its go-i18n "hash" field. Every
// other byte of the file stays as it is; a text that would change is an error.
func Stamp(source, translation []byte, name string, ids []string) ([]byte, error) {
	src, err := parse(Source+".yaml", source)
	if err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	msgs, err := parse(name, translation)
	if err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	if len(ids) == 0 {
		for id := range msgs {
			if _, ok := src[id]; ok {
				ids = append(ids, id)
			}
		}
	}
	for _, id := range ids {
		if _, ok := src[id]; !ok {
			return nil, fmt.Errorf("stamp %s: message %s is not in the French source", name, id)
		}
		if _, ok := msgs[id]; !ok {
			return nil, fmt.Errorf("stamp %s: message %s is not translated", name, id)
		}
	}
	// Edit from the bottom up so that the line numbers above stay true.
	slices.SortFunc(ids, func(a, b string) int { return msgs[b].line - msgs[a].line })
	keyLines := make([]int, 0, len(msgs))
	for _, m := range msgs {
		keyLines = append(keyLines, m.line)
	}
	slices.Sort(keyLines)
	lines := strings.Split(string(translation), "\n")
	for _, id := range ids {
		end := len(lines) + 1 // line of the next message
		if i, _ := slices.BinarySearch(keyLines, msgs[id].line); i+1 < len(keyLines) {
			end = keyLines[i+1]
		}
		if lines, err = stampMessage(lines, msgs[id], end, src[id].sourceHash()); err != nil {
			return nil, fmt.Errorf("stamp %s: message %s: %w", name, id, err)
		}
	}
	out := []byte(strings.Join(lines, "\n"))
	if err := sameTexts(name, msgs, out); err != nil {
		return nil, fmt.Errorf("stamp %s: %w", name, err)
	}
	return out, nil
}

// Unstamped lists the messages of a translation file (named name) that have no
// hash yet, typically messages just added together with their French text.
func Unstamped(translation []byte, name string) ([]string, error) {
	msgs, err := parse(name, translation)
	if err != nil {
		return nil, fmt.Errorf("unstamped: %w", err)
	}
	var ids []string
	for _, id := range sortedIDs(msgs) {
		if msgs[id].hash == "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// stampMessage writes hash into the message m of lines, which ends before line end.
func stampMessage(lines []string, m message, end int, hash string) ([]string, error) {
	key, val := m.key, m.val
	switch {
	case val.Kind == yaml.MappingNode && val.Style&yaml.FlowStyle == 0 && len(val.Content) > 0:
		for j := 0; j+1 < len(val.Content); j += 2 {
			if k := val.Content[j]; k.Value == "hash" {
				lines[k.Line-1] = strings.Repeat(" ", k.Column-1) + "hash: " + hash
				return lines, nil
			}
		}
		first := val.Content[0]
		line := strings.Repeat(" ", first.Column-1) + "hash: " + hash
		return slices.Insert(lines, first.Line-1, line), nil
	case val.Kind == yaml.ScalarNode && val.Line == key.Line && key.Column == 1:
		i := key.Line - 1
		head, rest, ok := strings.Cut(lines[i], ":")
		if !ok || head != key.Value {
			return nil, fmt.Errorf("line %d: cannot find the text after the id", key.Line)
		}
		// Continuation lines (a block text, a long quoted one) move under "other".
		for j := i + 1; j < end-1 && j < len(lines); j++ {
			if strings.HasPrefix(lines[j], " ") {
				lines[j] = "  " + lines[j]
			}
		}
		lines[i] = "  other: " + strings.TrimLeft(rest, " ")
		return slices.Insert(lines, i, key.Value+":", "  hash: "+hash), nil
	default:
		return nil, fmt.Errorf("line %d: write it as a mapping or a plain text to stamp it", key.Line)
	}
}

// sameTexts checks that out holds the messages before, with the same texts.
func sameTexts(name string, before map[string]message, out []byte) error {
	after, err := parse(name, out)
	if err != nil {
		return fmt.Errorf("the stamped file would not parse: %w", err)
	}
	for id, m := range before {
		if !maps.Equal(m.forms, after[id].forms) {
			return fmt.Errorf("message %s: stamping would change its text", id)
		}
	}
	if len(after) != len(before) {
		return errors.New("stamping would change the number of messages")
	}
	return nil
}

// readReviews reads ReviewsFile of fsys: language → message id → ReviewHash.
// A missing file means that nothing was reviewed.
func readReviews(fsys fs.FS) (map[string]map[string]string, error) {
	buf, err := fs.ReadFile(fsys, ReviewsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, Problem{File: ReviewsFile, Line: 1, Message: fmt.Sprintf("cannot read: %v", err)}
	}
	return parseReviews(buf)
}

func parseReviews(buf []byte) (map[string]map[string]string, error) {
	var reviews map[string]map[string]string
	if err := yaml.Unmarshal(buf, &reviews); err != nil {
		return nil, Problem{File: ReviewsFile, Line: yamlErrorLine(err), Message: err.Error()}
	}
	for lang := range reviews {
		if _, ok := Lookup(lang); !ok || lang == Source {
			return nil, Problem{File: ReviewsFile, Line: 1, Message: fmt.Sprintf("%q is not a translated language", lang)}
		}
	}
	return reviews, nil
}

// Review records in reviews (the content of ReviewsFile, possibly empty) that
// a native speaker approved the messages ids of the translation into lang, or
// all of them when ids is empty, as they are written now. A message that is
// stale (its French text changed since it was translated) cannot be approved.
func Review(source, translation, reviews []byte, lang string, ids []string) ([]byte, error) {
	name := lang + ".yaml"
	if _, ok := Lookup(lang); !ok || lang == Source {
		return nil, fmt.Errorf("review: %q is not a translated language", lang)
	}
	src, err := parse(Source+".yaml", source)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	msgs, err := parse(name, translation)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	all, err := parseReviews(reviews)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	if all == nil {
		all = make(map[string]map[string]string)
	}
	if len(ids) == 0 {
		ids = slices.Collect(maps.Keys(msgs))
		ids = slices.DeleteFunc(ids, func(id string) bool { _, ok := src[id]; return !ok })
	}
	slices.Sort(ids)
	var stale []string
	for _, id := range ids {
		m, ok := msgs[id]
		if _, inSource := src[id]; !ok || !inSource {
			return nil, fmt.Errorf("review %s: message %s is not both in the French source and in the translation", name, id)
		}
		if m.hash != src[id].sourceHash() {
			stale = append(stale, id)
		}
	}
	if len(stale) > 0 {
		return nil, fmt.Errorf("review %s: update and stamp first the messages whose French text changed: %s", name, strings.Join(stale, ", "))
	}
	if all[lang] == nil {
		all[lang] = make(map[string]string)
	}
	for _, id := range ids {
		all[lang][id] = ReviewHash(msgs[id].forms)
	}
	body, err := yaml.Marshal(all)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return append([]byte(reviewsHeader), body...), nil
}
