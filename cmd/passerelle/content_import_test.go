package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/locales"
)

const directoryTestdata = "../../content/directory/testdata"

// importDir is a copy of the sample content with the fictional town of the
// data·inclusion schema's examples.
func importDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../content/sample")); err != nil {
		t.Fatal(err)
	}
	terr := "id: robinboeuf\nkind: PTAI\nname: { fr: Robinboeuf }\nimport:\n  communes: [\"09890\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "territories", "robinboeuf.yaml"), []byte(terr), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runContent(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = contentCommand(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestContentImport(t *testing.T) {
	dir := importDir(t)
	services := filepath.Join(directoryTestdata, "data-inclusion", "services.json")
	structures := filepath.Join(directoryTestdata, "data-inclusion", "structures.json")
	written := filepath.Join(dir, "services", "robinboeuf-data-inclusion.yaml")

	// A dry run says what would change and writes nothing.
	code, out, errOut := runContent(t, "import", "data-inclusion", services, structures, "--territory", "robinboeuf", "--into", dir, "--dry-run")
	if code != 0 || !strings.Contains(out, "services/robinboeuf-data-inclusion.yaml: added robinboeuf-aidants-connect: data-inclusion dora--AidantsConnect:2024-47BXY\n") || !strings.Contains(errOut, "3 services read, 0 outside robinboeuf, 0 without a commune code or a location: 3 added") || !strings.Contains(errOut, "dry run: nothing written") {
		t.Errorf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(written); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote %s", written)
	}

	// Flags first, structures before services: the same.
	code, _, errOut = runContent(t, "import", "--territory=robinboeuf", "--into", dir, "data-inclusion", structures, services)
	if code != 0 || !strings.Contains(errOut, "written in "+dir+": services/.robinboeuf-data-inclusion.import.json, services/robinboeuf-data-inclusion.yaml") {
		t.Errorf("import: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(written); err != nil {
		t.Error(err)
	}

	// Soliguide: one place is a service already there, one is in Lyon.
	code, out, errOut = runContent(t, "import", "soliguide", filepath.Join(directoryTestdata, "soliguide", "places.json"), "--territory", "robinboeuf", "--into", dir)
	for _, want := range []string{"merged robinboeuf-atelier-insertion-et-posture: also soliguide 33", "added robinboeuf-epicerie-solidaire-du-tournesol: soliguide 34"} {
		if !strings.Contains(out, want) {
			t.Errorf("soliguide: stdout lacks %q:\n%s", want, out)
		}
	}
	if code != 0 || !strings.Contains(errOut, "places.json:3: warning: 35: status PERMANENTLY_CLOSED: left out") || !strings.Contains(errOut, "4 services read, 1 outside robinboeuf, 0 without") {
		t.Errorf("soliguide: exit %d\n%s", code, errOut)
	}
}

func TestContentImportUsage(t *testing.T) {
	dir := importDir(t)
	services := filepath.Join(directoryTestdata, "data-inclusion", "services.json")
	saved := environ
	t.Cleanup(func() { environ = saved })
	environ = func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "usage: passerelle content import"},
		{[]string{"import", "dora", services, "--territory", "robinboeuf", "--into", dir}, 2, "usage:"},
		{[]string{"import", "data-inclusion", services, "--into", dir}, 2, "usage:"},
		{[]string{"import", "data-inclusion", services, "--territory", "robinboeuf"}, 2, "give the content folder with --into DIR or PASSERELLE_CONTENT_DIR"},
		{[]string{"import", "data-inclusion", services, "--territory", "paris", "--into", dir}, 1, `no territory "paris"`},
		{[]string{"import", "data-inclusion", services, "--territory", "dijon", "--into", dir}, 1, "the territory file says no area to import"},
		{[]string{"import", "data-inclusion", filepath.Join(directoryTestdata, "data-inclusion", "structures.json"), "--territory", "robinboeuf", "--into", dir}, 1, "no services file among the files"},
		{[]string{"import", "data-inclusion", "missing.json", "--territory", "robinboeuf", "--into", dir}, 1, "missing.json"},
	} {
		code, _, errOut := runContent(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, errOut)
		}
	}
}

// Imported services show in the guide with their hours and a map, in
// French and in Arabic. The imports carry data·inclusion v1 thématiques: the
// test runs once the embedded taxonomy knows them.
func TestContentImportShowsInGuide(t *testing.T) {
	dir := importDir(t)
	di := filepath.Join(directoryTestdata, "data-inclusion")
	for _, args := range [][]string{
		{"import", "data-inclusion", filepath.Join(di, "services.json"), filepath.Join(di, "structures.json"), "--territory", "robinboeuf", "--into", dir},
		{"import", "soliguide", filepath.Join(directoryTestdata, "soliguide", "places.json"), "--territory", "robinboeuf", "--into", dir},
	} {
		if code, _, errOut := runContent(t, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errOut)
		}
	}
	sample, _ := content.Load(content.Sample(), locales.Codes())
	if _, v1 := sample.Theme("difficultes-financieres"); !v1 {
		t.Skip("the theme taxonomy does not know the data·inclusion v1 thématiques yet: this test runs once it does")
	}
	if code, out, _ := runCmd(t, "", "check", dir); code != 0 {
		t.Fatalf("check: exit %d\n%s", code, out)
	}
	saved := environ
	t.Cleanup(func() { environ = saved })
	environ = func(k string) string {
		if k == "PASSERELLE_CONTENT_DIR" {
			return dir
		}
		return ""
	}
	for _, lang := range []string{"fr", "ar"} {
		// No consent, continue; search; open the place.
		c := startChat(t, "chat", "--lang", lang, "--territory", "robinboeuf")
		c.say("3")
		c.say("Aidants Connect")
		out := c.press("Aidants Connect")
		c.say("/quit")
		for _, want := range []string{"🏢 Aidants Connect", "📍 RUE DE LECLERCQ", "🕒", "08:30–12:30", "📞 01 23 45 67 89", "🗺"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the card lacks %q:\n%s", lang, want, out)
			}
		}
	}
}

// chatSession drives passerelle chat line by line.
type chatSession struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Reader
	last string // the output since the last line sent
	done chan int
}

func startChat(t *testing.T, args ...string) *chatSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &chatSession{t: t, in: inW, out: bufio.NewReader(outR), done: make(chan int, 1)}
	go func() {
		code := run(context.Background(), args, inR, outW, io.Discard)
		outW.Close()
		c.done <- code
	}()
	c.read()
	return c
}

// read reads the output up to the next prompt.
func (c *chatSession) read() {
	c.t.Helper()
	var b strings.Builder
	for {
		s, err := c.out.ReadString(' ')
		b.WriteString(s)
		if err != nil || strings.HasSuffix(b.String(), "\n> ") {
			break
		}
	}
	c.last = b.String()
}

// say sends a line and returns the answer.
func (c *chatSession) say(line string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
	if line == "/quit" {
		io.Copy(io.Discard, c.out)
		<-c.done
		return ""
	}
	c.read()
	return c.last
}

// press presses the button with this label in the last answer.
func (c *chatSession) press(label string) string {
	c.t.Helper()
	m := regexp.MustCompile(`\[(\d+)\] ` + regexp.QuoteMeta(label) + `(\s|$)`).FindStringSubmatch(c.last)
	if m == nil {
		c.t.Fatalf("no button %q in:\n%s", label, c.last)
	}
	return c.say(m[1])
}
