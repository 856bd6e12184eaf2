// Package locales holds Passerelle's user-facing messages, one go-i18n file per
// language, embedded in the binary, and the list of supported languages.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

//go:embed *.yaml
var files embed.FS

// Files returns the embedded message files.
func Files() fs.FS { return files }

// Source is the language every message is written in first, and the fallback.
const Source = "fr"

// Language is a supported language, named in its own script.
type Language struct {
	Code string // two-letter code, also used by Telegram's setMyCommands
	Name string // the language's name in its own script
	RTL  bool   // written right to left
}

// Languages lists the supported languages in menu order.
var Languages = []Language{
	{Code: "fr", Name: "Français"},
	{Code: "en", Name: "English"},
	{Code: "ar", Name: "العربية", RTL: true},
	{Code: "fa", Name: "فارسی / دری", RTL: true},
	{Code: "ps", Name: "پښتو", RTL: true},
	{Code: "uk", Name: "Українська"},
	{Code: "ru", Name: "Русский"},
	{Code: "ti", Name: "ትግርኛ"},
}

// Codes returns the codes of Languages, in order.
func Codes() []string {
	codes := make([]string, len(Languages))
	for i, l := range Languages {
		codes[i] = l.Code
	}
	return codes
}

// Lookup returns the supported language with this exact code.
func Lookup(code string) (Language, bool) {
	for _, l := range Languages {
		if l.Code == code {
			return l, true
		}
	}
	return Language{}, false
}

// aliases maps language codes we do not ship to the one their speakers read.
var aliases = map[string]string{
	"prs": "fa", // Dari: go-i18n has no plural rule for it; Persian is read by Dari speakers
	"pes": "fa",
	"pbu": "ps",
	"pbt": "ps",
}

// Match turns a client language hint ("fa-AF", "prs", "en_US") into a supported
// code, or "" when none fits.
func Match(hint string) string {
	base := strings.ToLower(strings.TrimSpace(hint))
	if i := strings.IndexAny(base, "-_"); i >= 0 {
		base = base[:i]
	}
	if a, ok := aliases[base]; ok {
		base = a
	}
	if _, ok := Lookup(base); ok {
		return base
	}
	return ""
}

// Catalog renders messages in the supported languages.
type Catalog struct {
	localizers map[string]*i18n.Localizer
}

// Load parses the embedded message files.
func Load() (*Catalog, error) { return LoadFS(files) }

// LoadFS parses the message files of fsys, one <code>.yaml per supported language.
func LoadFS(fsys fs.FS) (*Catalog, error) {
	bundle := i18n.NewBundle(language.French)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	c := &Catalog{localizers: make(map[string]*i18n.Localizer)}
	for _, l := range Languages {
		name := l.Code + ".yaml"
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load messages: %w", err)
		}
		if _, err := bundle.ParseMessageFileBytes(buf, name); err != nil {
			return nil, fmt.Errorf("load messages %s: %w", name, err)
		}
		c.localizers[l.Code] = i18n.NewLocalizer(bundle, l.Code, Source)
	}
	return c, nil
}

// Text renders message id in lang with data. A message missing in lang falls
// back to French; a message missing everywhere renders as "[[id]]" so that tests
// catch it.
func (c *Catalog) Text(lang, id string, data map[string]any) string {
	return c.render(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// Plural renders the plural message id for count; data also gets Count.
func (c *Catalog) Plural(lang, id string, count int, data map[string]any) string {
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	return c.render(lang, &i18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
}

func (c *Catalog) render(lang string, cfg *i18n.LocalizeConfig) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[Source]
	}
	// A missing translation comes back in French with an error: French is the
	// promised fallback, and the completeness test keeps it from happening.
	if s, _ := loc.Localize(cfg); s != "" {
		return s
	}
	return "[[" + cfg.MessageID + "]]"
}
