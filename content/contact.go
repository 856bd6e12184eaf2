package content

import (
	"errors"
	"io/fs"
	"net/mail"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// contactFile names, at the root of the content folder, who is responsible
// for the data the deployment keeps and how people reach them about it.
const contactFile = "contact.yaml"

var (
	contactKeys = []string{"controller", "contact"}
	contactDoc  = docKind{"data contact", "who is responsible for the data (controller: …, contact: …)"}
)

// DataContact is who is responsible for the personal data a deployment
// keeps (the data controller) and how people reach them about it.
type DataContact struct {
	Controller map[string]string // language code → the controller's name; "fr" always set
	Contact    string            // an email address, an https:// address or a phone number
}

// Name returns the controller's name in lang, else in French.
func (d *DataContact) Name(lang string) string {
	s, _ := pickText(d.Controller, lang)
	return s
}

// DataContact returns who is responsible for the data and how to reach
// them; false when the content names no one (check warns).
func (c *Content) DataContact() (*DataContact, bool) {
	if c == nil || c.contact == nil {
		return nil, false
	}
	return c.contact, true
}

// DeploymentDiagnostics are the problems of the content as a whole
// deployment rather than of one of its files: a folder without contact.yaml
// gets a warning, since the privacy notice cannot name who is responsible
// for the data. Load reports only what its files say; check adds these.
func (c *Content) DeploymentDiagnostics() Diagnostics {
	if c == nil || c.contact != nil {
		return nil
	}
	return Diagnostics{{File: contactFile, Severity: Warning,
		Message: "missing: the privacy notice cannot say who is responsible for the data and how to reach them; add this file (controller: …, contact: …) before going live"}}
}

// dataContact reads contact.yaml when the folder has one.
func (l *loader) dataContact(fsys fs.FS) *DataContact {
	if _, err := fs.Stat(fsys, contactFile); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	l.startFile(contactFile)
	defer l.endFile()
	data, ok := l.read(fsys, contactFile)
	if !ok {
		return nil
	}
	root := l.parse(data, contactDoc)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "expected who is responsible for the data (controller: … and contact: … lines), found %s", describe(root))
		return nil
	}
	f := l.fields(root, "", contactKeys)
	d := &DataContact{}
	if v, found := f["controller"]; !found {
		l.errorf(root.Line, `missing required key "controller" (who is responsible for the data, in French at least)`)
	} else {
		d.Controller = l.texts(v, "controller", true)
	}
	if v, found := f["contact"]; !found {
		l.errorf(root.Line, `missing required key "contact" (an email address, an https:// address or a phone number)`)
	} else if s, ok := l.text("contact", v); ok {
		if !validContact(s) {
			l.errorf(v.Line, "contact: %s is neither an email address, nor an https:// address, nor a phone number", quote(s))
		}
		d.Contact = s
	}
	if d.Controller[sourceLang] == "" || !validContact(d.Contact) {
		return nil
	}
	return d
}

// validContact reports whether s is an email address (dpo@example.org), an
// https:// address with a host, or a phone number (digits and spaces, with
// an optional leading +).
func validContact(s string) bool {
	if a, err := mail.ParseAddress(s); err == nil && a.Name == "" && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return true
	}
	if u, err := url.Parse(s); err == nil && u.Scheme == "https" && u.Host != "" {
		return true
	}
	return validEmergencyNumber(strings.TrimPrefix(s, "+")) && !strings.HasPrefix(s, "+ ")
}
