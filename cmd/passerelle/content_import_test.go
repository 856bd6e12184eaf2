package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
