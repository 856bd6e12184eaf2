package dashboard

import (
	"html"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/territoires-integration/passerelle/content"
)

// brokenSample is the sample content with a mistake in Dijon's services.
func brokenSample(t *testing.T) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(content.Sample(), ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(content.Sample(), path)
		if path == "services/dijon.yaml" {
			b = append(b, "  - id: x\n"...)
		}
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestHealthPage(t *testing.T) {
	f := newFixture(t)
	f.d.cfg.ContentFS = brokenSample(t)
	co := f.signIn(dijonCo)
	w := f.do("GET", "/t/dijon/health", nil, co)
	if w.Code != http.StatusOK {
		t.Fatalf("health page: %d", w.Code)
	}
	page := html.UnescapeString(w.Body.String())
	own, rest, _ := strings.Cut(page, "Fichiers communs")
	shared, rest, _ := strings.Cut(rest, "Services à vérifier")
	unverified, translations, _ := strings.Cut(rest, "Traductions des messages")
	checks := []struct {
		name, part, want string
		present          bool
	}{
		{"Dijon's error with its line", own, `<code dir="ltr">services/dijon.yaml:`, true},
		{"the error first", own, "<strong>erreur</strong>", true},
		{"no other territory", page, "services/lyon.yaml", false},
		{"shared files", shared, `<code dir="ltr">services/national.yaml:`, true},
		{"services never verified", unverified, "jamais", true},
		{"languages", translations, "العربية", true},
	}
	for _, c := range checks {
		if strings.Contains(c.part, c.want) != c.present {
			t.Errorf("%s: %q present = %v:\n%s", c.name, c.want, !c.present, c.part)
		}
	}
	if !regexp.MustCompile(`<code dir="ltr">services/dijon\.yaml:[0-9]+</code>`).MatchString(own) {
		t.Errorf("places are not file:line:\n%s", own)
	}
	if strings.Index(own, "<strong>erreur</strong>") > strings.Index(own, "avertissement") {
		t.Error("warnings listed before errors")
	}
	for who, want := range map[int64]int{dijonPart: http.StatusForbidden, lyonCo: http.StatusForbidden, admin: http.StatusOK} {
		if w := f.do("GET", "/t/dijon/health", nil, f.signIn(who)); w.Code != want {
			t.Errorf("%d: health of Dijon: %d, want %d", who, w.Code, want)
		}
	}
}
