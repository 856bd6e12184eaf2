package directory

import (
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestReadDataInclusionBadInput(t *testing.T) {
	// A record of the wrong shape is left out with a warning at its row;
	// the others are imported.
	services := NamedFile{Name: "services.json", Data: []byte(`[
 {"id": "dora--1", "structure_id": "dora--s", "nom": "Atelier", "description": "Un atelier.", "latitude": "47,3"},
 {"id": "dora--2", "structure_id": "dora--s", "nom": "Permanence", "description": "Une permanence.", "telephone": "03 80 00 00", "frais": "peut-être", "publics": ["martiens"]},
 {"id": "dora--3", "structure_id": "dora--s", "nom": "", "description": "Sans nom."}
]`)}
	entries, probs, err := ReadDataInclusion(DataInclusionFiles{Services: []NamedFile{services}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		`services.json:1: warning: field "latitude": expected a number, found a JSON string: record ignored`,
		`services.json:2: warning: dora--2: phone "03 80 00 00": not a French number of 10 digits: phone left out`,
		`services.json:2: warning: dora--2: public "martiens" is not in the v1 referential: ignored`,
		`services.json:2: warning: dora--2: frais "peut-être" is not in the v1 referential: fee left out`,
		`services.json:3: warning: dora--3: service without id or nom: ignored`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(entries) != 1 || entries[0].ID != "dora--2" {
		t.Errorf("entries: %+v", entries)
	}

	// A file that cannot be read at all is an error naming it and the line.
	for _, tc := range []struct{ data, want string }{
		{"[\n {\"id\": \"dora--1\",\n  \"nom\": }\n]", "broken.json: record 1: line 3: invalid character '}'"},
		{`{"places": 3}`, "broken.json: neither a JSON list nor a CSV file"},
		{"id,nom\n\"dora--1,Atelier\n", "broken.json: parse error on line 2"},
	} {
		_, _, err := ReadDataInclusion(DataInclusionFiles{Services: []NamedFile{{Name: "broken.json", Data: []byte(tc.data)}}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.data, err, tc.want)
		}
	}
}

func TestReadCSVBadNumber(t *testing.T) {
	csv := "id;structure_id;nom;description;latitude;longitude;thematiques\n" +
		"dora--1;dora--s;Atelier;Un atelier.;47,32;5,04;famille--garde-denfants|remobilisation--lien-social\n" +
		"dora--2;dora--s;Permanence;Une permanence.;nord;5.04;{sante--acces-aux-soins}\n"
	entries, probs, err := ReadDataInclusion(DataInclusionFiles{Services: []NamedFile{{Name: "s.csv", Data: []byte(csv)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].String() != `s.csv:3: warning: column latitude: "nord" is not a number: left out` {
		t.Errorf("problems: %v", probs)
	}
	if len(entries) != 2 || entries[0].Location == nil || entries[0].Location.Lat != 47.32 || len(entries[0].Themes) != 2 || entries[1].Location != nil || entries[1].Themes[0] != "sante--acces-aux-soins" {
		t.Errorf("entries: %+v", entries)
	}
}

func FuzzParseOpeningHours(f *testing.F) {
	for _, s := range []string{"Mo-Fr 08:30-12:30; PH off", `Th 09:00-12:00,14:00-17:00 open "Sans rendez-vous"; PH off`, "Mo,Th-Fr 19:30-21:00 open", "Fr 22:00-02:00", "24/7", "Sa 20:00-28:00, Su 10:00-12:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseOpeningHours(s)
		if err != nil {
			return
		}
		for d, spans := range w.Days {
			for i, sp := range spans {
				if sp.Open < 0 || sp.Open >= 24*60 || sp.Close <= 0 || sp.Close > 24*60 || sp.Open == sp.Close {
					t.Fatalf("%q: day %d: bad span %v", s, d, sp)
				}
				if i > 0 && sp.Open <= spans[i-1].Close && spans[i-1].Close > spans[i-1].Open {
					t.Fatalf("%q: day %d: spans not joined: %v", s, d, spans)
				}
			}
		}
	})
}

var e164 = regexp.MustCompile(`^\+(33|262|590|594|596)[1-9][0-9]{8}$`)

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"03 80 00 00 00", "+33 (0)3 80 00 00 00", "0033380000000", "3646", "+262 692 12 34 56"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			return
		}
		if p.E164 != "" && !e164.MatchString(p.E164) {
			t.Fatalf("%q: E.164 %q", s, p.E164)
		}
		again, err := ParsePhone(p.National)
		if err != nil || again != p {
			t.Fatalf("%q: the national form %q reads as %+v, %v", s, p.National, again, err)
		}
	})
}

func FuzzReadDirectories(f *testing.F) {
	f.Add([]byte(`[{"id":"dora--1","structure_id":"s","nom":"A","description":"B.","horaires_accueil":"Mo 09:00-12:00","telephone":"0380000000"}]`))
	f.Add([]byte(`{"places":[{"lieu_id":3,"name":"A","newhours":{"monday":{"open":true,"timeslot":[{"start":930,"end":1200}]}},"position":{"location":{"coordinates":[5,47]}}}]}`))
	f.Add([]byte("id,structure_id,nom,description\ndora--1,s,A,B.\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := NamedFile{Name: "f", Data: data}
		for _, read := range []func() ([]Entry, []Problem, error){
			func() ([]Entry, []Problem, error) {
				return ReadDataInclusion(DataInclusionFiles{Services: []NamedFile{file}, Structures: []NamedFile{file}})
			},
			func() ([]Entry, []Problem, error) { return ReadSoliguide(file, testToday) },
		} {
			entries, _, err := read()
			if err != nil {
				continue
			}
			for _, e := range entries {
				if e.ID == "" || e.Name == "" || e.Short == "" {
					t.Fatalf("entry without id, name or short line: %+v", e)
				}
				n := mapping(false, str("id"), str("x"))
				for _, fl := range e.fields(testToday) {
					if fl.node != nil {
						setField(n, fl.key, fl.node)
					}
				}
				data, err := encodeItem(n)
				if err != nil {
					t.Fatal(err)
				}
				var back []map[string]any
				if err := yaml.Unmarshal(data, &back); err != nil || len(back) != 1 {
					t.Fatalf("the service is not written as YAML (%v):\n%s", err, data)
				}
			}
		}
	})
}
