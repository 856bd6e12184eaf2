package directory

import (
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// serviceKeyOrder is the order in which keys are written in a service, as
// in docs/content.md; a key added to an existing service goes before the
// first key that follows it in this order.
var serviceKeyOrder = []string{"id", "name", "organisation", "themes", "short", "long", "address", "location", "phone", "website", "hours", "exceptions", "closures", "languages", "publics", "fee", "access", "verified", "source"}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// quoted is a string written in double quotes.
func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

// plain is a scalar written as it is (a date, a number, true).
func plain(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func number(f float64) *yaml.Node { return plain(strconv.FormatFloat(f, 'f', -1, 64)) }

func mapping(flow bool, kv ...*yaml.Node) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: kv}
	if flow {
		m.Style = yaml.FlowStyle
	}
	return m
}

// flowList is a list written on one line: [a, b].
func flowList(items []string) *yaml.Node {
	l := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	for _, it := range items {
		l.Content = append(l.Content, str(it))
	}
	return l
}

// get returns the value of key in mapping m, or nil.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set replaces the value of key in m, or adds the key where the order puts
// it (at the end when order does not know it).
func set(m *yaml.Node, key string, val *yaml.Node, order []string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = val
			return
		}
	}
	at := len(m.Content)
	if rank := slices.Index(order, key); rank >= 0 {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if r := slices.Index(order, m.Content[i].Value); r > rank {
				at = i
				break
			}
		}
	}
	m.Content = slices.Insert(m.Content, at, str(key), val)
}

// del removes key from m.
func del(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

// canonical is a node's value as text, whatever its style or comments, to
// compare values.
func canonical(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	writeCanonical(&b, n)
	return b.String()
}

func writeCanonical(b *strings.Builder, n *yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		b.WriteString(strconv.Quote(n.Value))
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, c)
		}
		b.WriteByte(']')
	case yaml.MappingNode:
		b.WriteByte('{')
		for i, c := range n.Content {
			switch {
			case i%2 == 1:
				b.WriteByte(':') // between a key and its value
			case i > 0:
				b.WriteByte(',')
			}
			writeCanonical(b, c)
		}
		b.WriteByte('}')
	default:
		b.WriteString("?")
	}
}
