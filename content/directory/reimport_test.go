package directory

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// editFile replaces text in a written service file, as a coordinator would.
func editFile(t *testing.T, dir, file string, pairs ...string) {
	t.Helper()
	path := filepath.Join(dir, "services", file)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%s has no %q", file, pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func changeStrings(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.String())
	}
	return out
}

const (
	diFile   = "robinboeuf-data-inclusion.yaml"
	atelier  = "robinboeuf-atelier-insertion-et-posture"
	mobilite = "robinboeuf-aide-a-la-mobilite"
	aidants  = "robinboeuf-aidants-connect"
)

func TestReimportKeepsHandEdits(t *testing.T) {
	dir := contentDir(t, robinboeuf)
	importInto(t, dir, "robinboeuf", DataInclusion, dataInclusionExamples(t))

	// A coordinator rewrites the short line of the workshop, translates
	// it, says which languages are spoken and that it was checked; fixes
	// the phone of the mobility help; deletes the website of Aidants Connect.
	editFile(t, dir, diFile,
		"      fr: Cet atelier-conseil vous permet d’identifier les compétences à développer pour atteindre vos objectifs d’évolution professionnelle et à découvrir les…\n",
		"      fr: Un atelier pour préparer sa recherche d'emploi.\n      en: A workshop to prepare your job search.\n",
		"    publics: [femmes]\n", "    languages: [fr, ar]\n    publics: [femmes]\n    verified: 2026-11-30\n",
		`    phone: "01 02 03 04 05"`, `    phone: "01 02 03 04 99"`,
	)
	editFile(t, dir, diFile, "    website: https://www.asso-gonzalez.net/\n    hours:\n      mo: \"08:30-12:30\"\n      tu: \"08:30-12:30\"\n      we: \"08:30-12:30\"\n      th: \"08:30-12:30\"\n      fr: \"08:30-12:30\"\n    exceptions:\n      - {date: 2026-12-25, closed: true}\n      - {date: 2027-01-01, closed: true}\n      - {date: 2027-03-29, closed: true}\n      - {date: 2027-05-06, closed: true}\n      - {date: 2027-05-17, closed: true}\n      - {date: 2027-07-14, closed: true}\n      - {date: 2027-11-01, closed: true}\n      - {date: 2027-11-11, closed: true}\n    publics: [tous-publics]",
		"    hours:\n      mo: \"08:30-12:30\"\n      tu: \"08:30-12:30\"\n      we: \"08:30-12:30\"\n      th: \"08:30-12:30\"\n      fr: \"08:30-12:30\"\n    exceptions:\n      - {date: 2026-12-25, closed: true}\n      - {date: 2027-01-01, closed: true}\n      - {date: 2027-03-29, closed: true}\n      - {date: 2027-05-06, closed: true}\n      - {date: 2027-05-17, closed: true}\n      - {date: 2027-07-14, closed: true}\n      - {date: 2027-11-01, closed: true}\n      - {date: 2027-11-11, closed: true}\n    publics: [tous-publics]")

	// Upstream, the workshop's description and hours change, the mobility
	// help's phone changes, and Aidants Connect is gone.
	entries := dataInclusionExamples(t)
	entries[0].Short = "Un nouvel atelier-conseil."
	entries[0].Long = ""
	w, err := ParseOpeningHours("Mo-Th 09:00-12:00; PH off")
	if err != nil {
		t.Fatal(err)
	}
	entries[0].Week = &w
	entries[1].Phone, _ = ParsePhone("01 02 03 04 00")
	entries = entries[:2]

	// The dry run says what would change, and writes nothing.
	before, _ := os.ReadFile(filepath.Join(dir, "services", diFile))
	plan, err := Import{Dir: dir, Territory: territory(t, dir, "robinboeuf"), Directory: DataInclusion, Today: testToday.AddDays(7)}.Plan(entries)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"services/" + diFile + ": updated " + atelier + ": long.fr, hours, exceptions",
		"services/" + diFile + ": kept " + atelier + ": your edits of short.fr are kept; data-inclusion changed them too",
		"services/" + diFile + ": kept " + mobilite + ": your edits of phone are kept; data-inclusion changed them too",
		"services/" + diFile + ": removed " + aidants + ": data-inclusion no longer lists dora--AidantsConnect:2024-47BXY: flagged with removed: 2026-12-08, not deleted",
	}
	if got := changeStrings(plan); !slices.Equal(got, want) {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	after, _ := os.ReadFile(filepath.Join(dir, "services", diFile))
	if string(before) != string(after) {
		t.Error("the dry run changed the file")
	}

	if err := plan.Write(dir); err != nil {
		t.Fatal(err)
	}
	n := serviceNode(t, dir, diFile, atelier)
	for key, want := range map[string]string{
		"short.fr":  "Un atelier pour préparer sa recherche d'emploi.",
		"short.en":  "A workshop to prepare your job search.",
		"languages": `["fr","ar"]`,
		"verified":  "2026-11-30",
		"hours":     `{"mo":"09:00-12:00","tu":"09:00-12:00","we":"09:00-12:00","th":"09:00-12:00"}`,
	} {
		if got := getField(n, key); got == nil || got.Value != want && canonical(got) != want {
			t.Errorf("%s: %s = %s, want %s", atelier, key, canonical(got), want)
		}
	}
	if long := getField(n, "long.fr"); long != nil {
		t.Errorf("%s: the long text the directory dropped is still there: %s", atelier, long.Value)
	}
	if p := get(serviceNode(t, dir, diFile, mobilite), "phone"); p == nil || p.Value != "01 02 03 04 99" {
		t.Errorf("the hand-fixed phone is lost: %v", canonical(p))
	}
	gone := serviceNode(t, dir, diFile, aidants)
	if get(gone, "website") != nil {
		t.Error("the website deleted by hand came back")
	}
	src := get(gone, "source").Content[0]
	if r := get(src, "removed"); r == nil || r.Value != "2026-12-08" {
		t.Errorf("removed service not flagged: %s", canonical(src))
	}
	checkContent(t, dir)

	// Listed again: the flag goes.
	plan = importInto(t, dir, "robinboeuf", DataInclusion, dataInclusionExamples(t))
	if !slices.Contains(changeStrings(plan), "services/"+diFile+": restored "+aidants+": data-inclusion dora--AidantsConnect:2024-47BXY lists it again") {
		t.Errorf("changes: %v", changeStrings(plan))
	}
	if get(get(serviceNode(t, dir, diFile, aidants), "source").Content[0], "removed") != nil {
		t.Error("removed: stays after the service is listed again")
	}
}

func TestReimportWithoutRecordFillsOnly(t *testing.T) {
	dir := contentDir(t, robinboeuf)
	importInto(t, dir, "robinboeuf", DataInclusion, dataInclusionExamples(t))
	if err := os.Remove(filepath.Join(dir, "services", ".robinboeuf-data-inclusion.import.json")); err != nil {
		t.Fatal(err)
	}
	editFile(t, dir, diFile, `    phone: "01 02 03 04 05"`+"\n", "")
	entries := dataInclusionExamples(t)
	entries[0].Name = "Atelier renommé"
	plan := importInto(t, dir, "robinboeuf", DataInclusion, entries)
	want := []string{"services/" + diFile + ": updated " + mobilite + ": filled in phone"}
	if got := changeStrings(plan); !slices.Equal(got, want) {
		t.Errorf("changes:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if name := get(serviceNode(t, dir, diFile, atelier), "name").Value; name != "Atelier insertion et posture professionnelle" {
		t.Errorf("without the record of the last import, the name was overwritten: %q", name)
	}
}

func TestImportRefuses(t *testing.T) {
	dir := contentDir(t, "id: ville\nkind: CTAI\nname: { fr: Ville }\n", robinboeuf)
	lyon := Entry{Directory: Soliguide, ID: "38", Name: "Accueil", Short: "Accueil.", Commune: "69387"}
	for _, tc := range []struct {
		territory string
		entries   []Entry
		want      string
	}{
		{"ville", []Entry{lyon}, "the territory file says no area to import: add import:"},
		{"robinboeuf", nil, "the files list no service"},
		// A file for another territory would flag every service as removed.
		{"robinboeuf", []Entry{lyon, {Directory: Soliguide, ID: "39", Name: "Sans lieu", Short: "Sans lieu."}}, "none of the 2 services is in the area of robinboeuf"},
	} {
		_, err := Import{Dir: dir, Territory: territory(t, dir, tc.territory), Directory: Soliguide, Today: testToday}.Plan(tc.entries)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.territory, err, tc.want)
		}
	}
}
