package flows

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/content/search"
)

// library is one version of the content, with its search index and the short
// keys that buttons carry instead of long ids (callback data is 64 bytes).
type library struct {
	content    *content.Content
	index      *search.Index
	themes     map[string]*content.Theme   // key → theme
	services   map[string]*content.Service // key → service
	themeKey   map[string]string           // theme id → key
	serviceKey map[string]string           // service id → key
	surveys    map[string]*content.Survey  // key → survey
	surveyKey  map[string]string           // survey id → key
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// shortKey is a stable 8-character key for an id: a button made before a
// content reload still finds the same theme or service, or nothing.
func shortKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return strings.ToLower(keyEncoding.EncodeToString(sum[:5]))
}

func newLibrary(c *content.Content) (*library, error) {
	lib := &library{
		content: c, themes: map[string]*content.Theme{}, services: map[string]*content.Service{},
		themeKey: map[string]string{}, serviceKey: map[string]string{},
		surveys: map[string]*content.Survey{}, surveyKey: map[string]string{},
	}
	all := c.AllThemes()
	for _, th := range all {
		k := shortKey(th.ID)
		if other, dup := lib.themes[k]; dup {
			return nil, fmt.Errorf("themes %s and %s share the key %s", other.ID, th.ID, k)
		}
		lib.themes[k], lib.themeKey[th.ID] = th, k
	}
	for _, s := range c.AllServices() {
		k := shortKey(s.ID)
		if other, dup := lib.services[k]; dup {
			return nil, fmt.Errorf("services %s and %s share the key %s", other.ID, s.ID, k)
		}
		lib.services[k], lib.serviceKey[s.ID] = s, k
	}
	for _, s := range c.Surveys() {
		k := shortKey(s.ID)
		if other, dup := lib.surveys[k]; dup {
			return nil, fmt.Errorf("surveys %s and %s share the key %s", other.ID, s.ID, k)
		}
		lib.surveys[k], lib.surveyKey[s.ID] = s, k
	}
	lib.index = search.NewIndex(all, c.AllServices(), c.EmergencyNumbers())
	return lib, nil
}
