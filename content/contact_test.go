package content

import (
	"strings"
	"testing"
)

func TestDataContactSample(t *testing.T) {
	c, ds := load(Sample(), allLangs, testToday)
	if c == nil {
		t.Fatalf("sample: %v", ds)
	}
	for _, d := range ds {
		if d.File == contactFile {
			t.Errorf("sample: %s", d)
		}
	}
	d, ok := c.DataContact()
	if !ok || d.Contact == "" {
		t.Fatalf("DataContact() = %+v, %v", d, ok)
	}
	for _, lang := range allLangs {
		if d.Controller[lang] == "" {
			t.Errorf("controller: no name in %q", lang)
		}
	}
}

func TestDeploymentDiagnostics(t *testing.T) {
	c, ds := load(withTerritories(nil), twoLangs, testToday)
	if c == nil {
		t.Fatalf("load: %v", ds)
	}
	got := c.DeploymentDiagnostics()
	if len(got) != 1 || !strings.HasPrefix(got[0].String(), contactFile+": warning: missing: the privacy notice cannot say who is responsible") {
		t.Errorf("without %s: %v", contactFile, got)
	}
	sample, _ := load(Sample(), allLangs, testToday)
	if got := sample.DeploymentDiagnostics(); len(got) != 0 {
		t.Errorf("sample: %v", got)
	}
}

func TestDataContactDiagnostics(t *testing.T) {
	const f = contactFile
	tests := []struct {
		name    string
		data    string // "" for no file
		contact string // what DataContact gives, "" for nothing
		want    []string
	}{
		{"email", "controller: { fr: Ville de Dijon, en: City of Dijon }\ncontact: dpo@dijon.fr\n", "dpo@dijon.fr", nil},
		{"web address", "controller: { fr: Ville, en: City }\ncontact: https://www.dijon.fr/donnees\n", "https://www.dijon.fr/donnees", nil},
		{"phone", "controller: { fr: Ville, en: City }\ncontact: \"+33 3 80 74 51 51\"\n", "+33 3 80 74 51 51", nil},
		{"missing translation", "controller: { fr: Ville }\ncontact: dpo@dijon.fr\n", "dpo@dijon.fr",
			[]string{f + `:1: warning: controller: no translation in "en"`}},
		{"no file", "", "", []string{f + `: warning: missing: the privacy notice cannot say who is responsible`}},
		{"missing French", "controller: { en: City }\ncontact: dpo@dijon.fr\n", "",
			[]string{f + `:1: error: controller: missing the French ("fr") text`}},
		{"missing controller", "contact: dpo@dijon.fr\n", "", []string{f + `:1: error: missing required key "controller"`}},
		{"missing contact", "controller: { fr: Ville, en: City }\n", "", []string{f + `:1: error: missing required key "contact"`}},
		{"http address", "controller: { fr: Ville, en: City }\ncontact: http://dijon.fr\n", "",
			[]string{f + `:2: error: contact: "http://dijon.fr" is neither an email address`}},
		{"a name, not an address", "controller: { fr: Ville, en: City }\ncontact: le service juridique\n", "",
			[]string{f + `:2: error: contact: "le service juridique" is neither`}},
		{"unknown key", "controller: { fr: Ville, en: City }\ncontact: dpo@dijon.fr\nphone: \"03\"\n", "",
			[]string{f + `:3: error: unknown key "phone"`}},
		{"not a mapping", "- dpo@dijon.fr\n", "", []string{f + `:1: error: expected who is responsible for the data`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			if tt.data != "" {
				files[f] = tt.data
			}
			c, ds := load(withTerritories(files), twoLangs, testToday)
			if c != nil {
				ds = append(ds, c.DeploymentDiagnostics()...)
			}
			wantDiagnostics(t, c, ds, inFile(f), tt.want)
			if c == nil {
				return
			}
			d, found := c.DataContact()
			if found != (tt.contact != "") || found && d.Contact != tt.contact {
				t.Errorf("DataContact() = %+v, %v; want contact %q", d, found, tt.contact)
			}
		})
	}
}
