package locales_test

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/territoires-integration/passerelle/locales"
)

// messageFiles copies the embedded message files into a map that a test may change.
func messageFiles(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, l := range locales.Languages {
		buf, err := fs.ReadFile(locales.Files(), l.Code+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		fsys[l.Code+".yaml"] = &fstest.MapFile{Data: buf}
	}
	return fsys
}

// replace changes the first old of file into new, which must be there.
func replace(t *testing.T, fsys fstest.MapFS, file, old, new string) {
	t.Helper()
	text := string(fsys[file].Data)
	if !strings.Contains(text, old) {
		t.Fatalf("fixture: %q not in %s", old, file)
	}
	fsys[file] = &fstest.MapFile{Data: []byte(strings.Replace(text, old, new, 1))}
}

// lineOf is the line where message id starts in file.
func lineOf(t *testing.T, fsys fstest.MapFS, file, id string) int {
	t.Helper()
	for i, line := range strings.Split(string(fsys[file].Data), "\n") {
		if strings.HasPrefix(line, id+":") {
			return i + 1
		}
	}
	t.Fatalf("fixture: no message %s in %s", id, file)
	return 0
}

// staleReport lists the Stale problems of fsys as "file:line: message".
func staleReport(fsys fs.FS) []string {
	var got []string
	for _, p := range locales.Check(fsys) {
		if p.Stale {
			got = append(got, fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message))
		}
	}
	return got
}

// TestEveryTranslationIsStamped fails when a translation does not record the
// French text it translates. A stale one (French changed since) is allowed:
// passerelle check lists it for the translators.
func TestEveryTranslationIsStamped(t *testing.T) {
	for _, st := range locales.Statuses(locales.Files()) {
		if st.Unstamped != 0 {
			t.Errorf("%s: %d translations without a hash: run passerelle locales stamp for the ones you translated (see README.md)", st.File, st.Unstamped)
		}
	}
}

// TestFrenchChangeMakesTranslationsStale changes French messages in memory and
// expects each of the seven translations reported stale at its own line.
func TestFrenchChangeMakesTranslationsStale(t *testing.T) {
	tests := []struct {
		name, id, old, new string
	}{
		{"text", "LanguagePrompt", `other: "Choisissez votre langue."`, `other: "Choisissez votre langue, s'il vous plaît."`},
		{"description", "ButtonMenu", "  description: Button that goes back to the main menu.", "  description: Button that opens the main menu."},
		{"plural text", "MyDataDays", "  other: \"Vous utilisez Passerelle depuis {{.Count}} jours.\"", "  other: \"Vous utilisez Passerelle depuis {{.Count}} jours déjà.\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := messageFiles(t)
			replace(t, fsys, "fr.yaml", tt.old, tt.new)
			var want []string
			for _, l := range locales.Languages[1:] {
				file := l.Code + ".yaml"
				want = append(want, fmt.Sprintf("%s:%d: message %s is stale: the French text changed since it was translated", file, lineOf(t, fsys, file, tt.id), tt.id))
			}
			if got := staleReport(fsys); !slices.Equal(got, want) {
				t.Errorf("stale translations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, st := range locales.Statuses(fsys) {
				if st.Stale != 1 {
					t.Errorf("%s: %d stale, want 1", st.File, st.Stale)
				}
			}
		})
	}
}

func TestStamp(t *testing.T) {
	fsys := messageFiles(t)
	replace(t, fsys, "fr.yaml", `other: "Choisissez votre langue."`, `other: "Choisissez une langue."`)
	replace(t, fsys, "fr.yaml", "  other: \"Vous utilisez Passerelle depuis {{.Count}} jours.\"", "  other: \"Vous utilisez Passerelle depuis {{.Count}} jours déjà.\"")
	// A translation written before hashes: a plain text and a plural mapping.
	replace(t, fsys, "en.yaml", "ButtonMenu:\n  hash: "+locales.SourceHash("Button that goes back to the main menu.", "Menu")+"\n  other:", "ButtonMenu:")
	en := string(fsys["en.yaml"].Data)
	if !strings.Contains(en, `ButtonMenu: "Menu"`) {
		t.Fatal("fixture: ButtonMenu is not a plain text now")
	}
	fr := fsys["fr.yaml"].Data
	out, err := locales.Stamp(fr, []byte(en), "en.yaml", []string{"LanguagePrompt", "ButtonMenu", "MyDataDays"})
	if err != nil {
		t.Fatal(err)
	}
	fsys["en.yaml"] = &fstest.MapFile{Data: out}
	for _, p := range staleReport(fsys) {
		if strings.HasPrefix(p, "en.yaml") {
			t.Errorf("after stamping: %s", p)
		}
	}
	if got := len(staleReport(fsys)); got != 12 {
		t.Errorf("%d stale messages in the other languages, want 12 (two in each of six)", got)
	}
	if n := len(strings.Split(string(out), "\n")) - len(strings.Split(en, "\n")); n != 2 {
		t.Errorf("stamping added %d lines, want 2 (ButtonMenu's hash, its text on a line of its own)", n)
	}

	for _, tt := range []struct{ name, id, translation, want string }{
		{"unknown id", "NoSuchMessage", en, "not in the French source"},
		{"untranslated", "ButtonMenu", "LanguagePrompt: \"x\"\n", "not translated"},
		{"flow mapping", "ButtonMenu", "ButtonMenu: {other: \"Menu\"}\n", "write it as a mapping or a plain text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := locales.Stamp(fr, []byte(tt.translation), "en.yaml", []string{tt.id})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Stamp() error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestStampKeepsTexts stamps texts of every shape YAML allows here and
// expects go-i18n to read the same texts back.
func TestStampKeepsTexts(t *testing.T) {
	fr := "A:\n  description: a\n  other: \"a\"\nB:\n  description: b\n  other: \"b\"\nC:\n  description: c\n  other: \"c\"\nD:\n  description: d\n  other: \"d\"\n"
	translation := "# header\n\nA: |-\n  line one\n\n  line three\nB: \"long text\n  that goes on\" # note\n\n# --- next part ---\nC: plain\n  text\nD:\n  one: \"one\"\n  other: \"many\"\n"
	out, err := locales.Stamp([]byte(fr), []byte(translation), "en.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, l := range locales.Languages {
		fsys[l.Code+".yaml"] = &fstest.MapFile{Data: out}
	}
	fsys["fr.yaml"] = &fstest.MapFile{Data: []byte(fr)}
	c, err := locales.LoadFS(fsys)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for id, want := range map[string]string{"A": "line one\n\nline three", "B": "long text that goes on", "C": "plain text", "D": "many"} {
		if got := c.Text("en", id, nil); got != want {
			t.Errorf("%s = %q, want %q\n%s", id, got, want, out)
		}
	}
	if got := staleReport(fsys); len(got) != 0 {
		t.Errorf("stale after stamping all: %q", got)
	}
	if !strings.Contains(string(out), "# --- next part ---\nC:\n") {
		t.Errorf("the comment before C moved:\n%s", out)
	}
}

func TestReview(t *testing.T) {
	fsys := messageFiles(t)
	fr, ar := fsys["fr.yaml"].Data, fsys["ar.yaml"].Data
	reviews, err := locales.Review(fr, ar, nil, "ar", nil)
	if err != nil {
		t.Fatal(err)
	}
	fsys[locales.ReviewsFile] = &fstest.MapFile{Data: reviews}
	st := locales.Statuses(fsys)[1]
	if st.Lang != "ar" || st.Reviewed != st.Messages {
		t.Errorf("after reviewing Arabic: %+v", st)
	}
	if got := staleReport(fsys); len(got) != 0 {
		t.Errorf("stale after the review: %q", got)
	}

	// A translator changes a reviewed text: it needs a new review.
	replace(t, fsys, "ar.yaml", `other: "اختر لغتك."`, `other: "اختر لغتك من فضلك."`)
	want := fmt.Sprintf("ar.yaml:%d: message LanguagePrompt changed since a native speaker reviewed it", lineOf(t, fsys, "ar.yaml", "LanguagePrompt"))
	if got := staleReport(fsys); !slices.Equal(got, []string{want}) {
		t.Errorf("after a change: %q, want %q", got, want)
	}
	if again, err := locales.Review(fr, fsys["ar.yaml"].Data, reviews, "ar", []string{"LanguagePrompt"}); err != nil {
		t.Error(err)
	} else if fsys[locales.ReviewsFile] = (&fstest.MapFile{Data: again}); len(staleReport(fsys)) != 0 {
		t.Errorf("after a new review: %q", staleReport(fsys))
	}

	// A stale translation cannot be approved before it is updated and stamped.
	replace(t, fsys, "fr.yaml", `other: "Choisissez votre langue."`, `other: "Choisissez une langue."`)
	if _, err := locales.Review(fsys["fr.yaml"].Data, fsys["ar.yaml"].Data, reviews, "ar", []string{"LanguagePrompt", "ButtonMenu"}); err == nil || !strings.Contains(err.Error(), ": LanguagePrompt") {
		t.Errorf("reviewing a stale message: %v", err)
	}
	if _, err := locales.Review(fr, fr, nil, "fr", nil); err == nil {
		t.Error("reviewing the French source: no error")
	}
}
