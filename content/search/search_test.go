package search

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

func TestWithinOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"medecin", "medecin", true},
		{"medcin", "medecin", true},
		{"medecin", "medecni", true},
		{"medecin", "medecim", true},
		{"medecin", "mdeecin", true},
		{"medecin", "medecins", true},
		{"medecin", "mdcin", false},
		{"medecin", "medicament", false},
		{"лікар", "лікарі", true},
		{"پزشک", "پزشکی", true},
		{"abc", "cab", false},
	}
	for _, tt := range tests {
		if got := ixWithinOneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("ixWithinOneEdit(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := ixWithinOneEdit(tt.b, tt.a); got != tt.want {
			t.Errorf("ixWithinOneEdit(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

// searchFixtureThemes are five themes, one of them a sub-theme, with labels and synonyms in several languages.
func searchFixtureThemes() []*content.Theme {
	return []*content.Theme{
		{
			ID: "sante", Emoji: "🩺",
			Labels: map[string]string{"fr": "Santé", "en": "Health", "ar": "الصحة", "fa": "سلامت و درمان", "ps": "روغتیا", "uk": "Здоров'я", "ru": "Здоровье", "ti": "ጥዕና"},
			Synonyms: map[string][]string{
				"fr": {"médecin", "docteur", "hôpital", "pharmacie", "carte vitale"},
				"en": {"doctor", "hospital", "pharmacy"},
				"ar": {"طبيب", "دكتور", "مستشفى"},
				"fa": {"دکتر", "پزشک", "بیمارستان"},
				"ps": {"ډاکټر", "روغتون"},
				"uk": {"лікар", "лікарня"},
				"ru": {"врач", "больница"},
				"ti": {"ሓኪም", "ሆስፒታል"},
			},
		},
		{
			ID: "sante--acces-aux-soins", Parent: "sante",
			Labels:   map[string]string{"fr": "Se faire soigner", "en": "Get medical care"},
			Synonyms: map[string][]string{"fr": {"consultation", "généraliste", "centre de santé"}, "en": {"GP", "health centre"}},
		},
		{
			ID: "logement-hebergement", Emoji: "🏠",
			Labels: map[string]string{"fr": "Logement et hébergement", "en": "Housing and shelter", "ar": "السكن والإيواء", "fa": "مسکن و سرپناه", "uk": "Житло і притулок", "ru": "Жильё и приют", "ti": "መንበሪ ገዛን መዕቆቢን"},
			Synonyms: map[string][]string{
				"fr": {"logement", "hébergement", "appartement", "loyer", "115"},
				"en": {"housing", "shelter", "room"},
				"ar": {"سكن", "بيت"},
				"fa": {"خانه", "اجاره"},
				"uk": {"житло", "квартира"},
				"ru": {"жильё", "квартира"},
			},
		},
		{
			ID: "lecture-ecriture-calcul--maitriser-le-francais", Emoji: "🗣️",
			Labels:   map[string]string{"fr": "Apprendre le français", "en": "Learn French", "ar": "تعلم الفرنسية", "fa": "یادگیری زبان فرانسوی"},
			Synonyms: map[string][]string{"fr": {"cours de français", "FLE", "alphabétisation"}, "en": {"French lessons", "French class"}, "fa": {"کلاس فرانسوی"}},
		},
		{
			ID: "acces-aux-droits", Emoji: "📄",
			Labels:   map[string]string{"fr": "Papiers et droits", "en": "Papers and rights", "fa": "مدارک و حقوق"},
			Synonyms: map[string][]string{"fr": {"titre de séjour", "préfecture", "CAF", "RSA", "avocat", "asile"}, "en": {"residence permit", "lawyer", "asylum"}},
		},
	}
}

func searchFixturePoint(lat, lon float64) *content.Point { return &content.Point{Lat: lat, Lon: lon} }

// searchFixtureServices are 20 services in Dijon, Lyon and national ones.
func searchFixtureServices() []*content.Service {
	fr := func(s string) map[string]string { return map[string]string{"fr": s} }
	return []*content.Service{
		{ID: "dijon-pass-chu", Territory: "dijon", Name: "PASS du CHU Dijon Bourgogne", Organisation: "CHU Dijon Bourgogne", Themes: []string{"sante--acces-aux-soins"}, Short: fr("Consultations sans couverture santé"), Location: searchFixturePoint(47.3239, 5.0735)},
		{ID: "dijon-centre-sante", Territory: "dijon", Name: "Centre de santé des Grésilles", Organisation: "Ville de Dijon", Themes: []string{"sante"}, Short: map[string]string{"fr": "Généralistes et infirmiers", "ar": "مركز صحي", "fa": "مرکز بهداشت"}, Location: searchFixturePoint(47.3310, 5.0560)},
		{ID: "dijon-psy", Territory: "dijon", Name: "Écoute psychologique", Organisation: "Mutualité française", Themes: []string{"sante"}, Short: fr("Entretiens avec une psychologue, avec interprète")},
		{ID: "dijon-adoma", Territory: "dijon", Name: "Accueil Adoma", Organisation: "Adoma", Themes: []string{"logement-hebergement"}, Short: fr("Résidences sociales"), Location: searchFixturePoint(47.3180, 5.0290)},
		{ID: "dijon-115", Territory: "dijon", Name: "Hébergement d'urgence", Organisation: "SIAO 21", Themes: []string{"logement-hebergement"}, Short: fr("Mise à l'abri, appeler le 115")},
		{ID: "dijon-fle", Territory: "dijon", Name: "Cours de français pour adultes", Organisation: "MJC Grésilles", Themes: []string{"lecture-ecriture-calcul--maitriser-le-francais"}, Short: fr("Ateliers de langue deux fois par semaine"), Location: searchFixturePoint(47.3300, 5.0600)},
		{ID: "dijon-cuisine", Territory: "dijon", Name: "Cours de cuisine du monde", Organisation: "Centre social Fontaine d'Ouche", Short: fr("Atelier collectif le jeudi"), Location: searchFixturePoint(47.3150, 5.0010)},
		{ID: "dijon-cimade", Territory: "dijon", Name: "Permanence juridique", Organisation: "La Cimade", Themes: []string{"acces-aux-droits"}, Short: fr("Aide pour le titre de séjour et l'asile"), Location: searchFixturePoint(47.3225, 5.0410)},
		{ID: "dijon-restos", Territory: "dijon", Name: "Restos du Cœur Dijon", Organisation: "Les Restaurants du Cœur", Short: fr("Distribution de repas"), Location: searchFixturePoint(47.3400, 5.0500)},
		{ID: "lyon-pass", Territory: "lyon", Name: "PASS de l'hôpital Édouard-Herriot", Organisation: "Hospices civils de Lyon", Themes: []string{"sante--acces-aux-soins"}, Short: fr("Consultations de médecine générale"), Location: searchFixturePoint(45.7420, 4.8800)},
		{ID: "lyon-mdm", Territory: "lyon", Name: "Centre d'accueil, de soins et d'orientation", Organisation: "Médecins du Monde", Themes: []string{"sante"}, Short: fr("Médecins bénévoles, sans rendez-vous"), Location: searchFixturePoint(45.7600, 4.8500)},
		{ID: "lyon-mvs", Territory: "lyon", Name: "Maison de la veille sociale", Organisation: "MVS Rhône", Themes: []string{"logement-hebergement"}, Short: fr("Demandes d'hébergement"), Location: searchFixturePoint(45.7500, 4.8600)},
		{ID: "lyon-fle", Territory: "lyon", Name: "Cours de français Lyon", Organisation: "Association Bonjour", Themes: []string{"lecture-ecriture-calcul--maitriser-le-francais"}, Short: fr("Français langue étrangère"), Location: searchFixturePoint(45.7700, 4.8300)},
		{ID: "lyon-forum", Territory: "lyon", Name: "Forum Réfugiés permanence", Organisation: "Forum Réfugiés", Themes: []string{"acces-aux-droits"}, Short: fr("Demande d'asile et titre de séjour"), Location: searchFixturePoint(45.7550, 4.8450)},
		{ID: "lyon-pharma", Territory: "lyon", Name: "Pharmacie humanitaire", Organisation: "Pharmaciens sans frontières", Themes: []string{"sante"}, Short: fr("Médicaments gratuits sur ordonnance")},
		{ID: "nat-ameli", Name: "Assurance Maladie", Organisation: "CPAM", Themes: []string{"sante"}, Short: fr("Carte Vitale, AME, remboursements")},
		{ID: "nat-115", Name: "Le 115, Samu social", Organisation: "SIAO", Themes: []string{"logement-hebergement"}, Short: fr("Numéro d'urgence pour un hébergement")},
		{ID: "nat-caf", Name: "CAF", Organisation: "Caisse d'allocations familiales", Themes: []string{"acces-aux-droits"}, Short: fr("Allocations, RSA, aide au logement")},
		{ID: "nat-ofii", Name: "OFII Direction territoriale", Organisation: "OFII", Themes: []string{"acces-aux-droits", "lecture-ecriture-calcul--maitriser-le-francais"}, Short: fr("Contrat d'intégration républicaine"), Location: searchFixturePoint(48.8566, 2.3522)},
		{ID: "nat-watizat", Name: "Guide Watizat", Organisation: "Watizat", Themes: []string{"logement-hebergement", "sante"}, Short: map[string]string{"fr": "Guide d'information", "en": "Information guide"}},
	}
}

func searchFixtureIndex() *Index {
	return NewIndex(searchFixtureThemes(), searchFixtureServices(), nil)
}

func themeIDs(ts []*content.Theme) []string {
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

func serviceIDs(ss []*content.Service) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestSearchThemeInEveryLanguage(t *testing.T) {
	ix := searchFixtureIndex()
	tests := []struct{ query, want string }{
		{"medecin", "sante"},
		{"Médecin", "sante"},
		{"DOCTOR", "sante"},
		{"je cherche un médecin", "sante"},
		{"I need a doctor", "sante"},
		{"طبيب", "sante"},
		{"طَبِيب", "sante"},
		{"الطبيب", "sante"},
		{"أريد طبيب", "sante"},
		{"پزشک", "sante"},
		{"پزشك", "sante"}, // Arabic kaf
		{"دکتر", "sante"},
		{"دكتر", "sante"}, // Arabic kaf
		{"ډاکټر", "sante"},
		{"лікар", "sante"},
		{"ЛІКАР", "sante"},
		{"врач", "sante"},
		{"ሓኪም", "sante"},
		{"santé", "sante"},
		{"carte vitale", "sante"},
		{"logement", "logement-hebergement"},
		{"خانه", "logement-hebergement"},
		{"квартира", "logement-hebergement"},
		{"жилье", "logement-hebergement"},
		{"115", "logement-hebergement"},
		{"cours de français", "lecture-ecriture-calcul--maitriser-le-francais"},
		{"French class", "lecture-ecriture-calcul--maitriser-le-francais"},
		{"titre de séjour", "acces-aux-droits"},
		{"titre sejour", "acces-aux-droits"},
		{"CAF", "acces-aux-droits"},
		{"caf", "acces-aux-droits"},
		{"généraliste", "sante--acces-aux-soins"},
		{"consultation", "sante--acces-aux-soins"},
		// prefixes
		{"log", "logement-hebergement"},
		{"heberg", "logement-hebergement"},
		{"pharma", "sante"},
		{"лікар", "sante"},
		// typos
		{"medcin", "sante"},
		{"mdecin", "sante"},
		{"medecni", "sante"},
		{"logemnt", "logement-hebergement"},
		{"loggement", "logement-hebergement"},
		{"hopitla", "sante"},
	}
	for _, tt := range tests {
		res := ix.Search(tt.query, "dijon", 5)
		if len(res.Themes) == 0 || res.Themes[0].ID != tt.want {
			t.Errorf("Search(%q) themes = %v, want %s first", tt.query, themeIDs(res.Themes), tt.want)
		}
	}
}

func TestSearchNothing(t *testing.T) {
	ix := searchFixtureIndex()
	for _, q := range []string{"", "   ", "zzzz", "zzzzzz", "!!!", "je cherche", "de la", "the", "x", "ab", "🩺"} {
		res := ix.Search(q, "dijon", 5)
		if len(res.Themes) != 0 || len(res.Services) != 0 {
			t.Errorf("Search(%q) = themes %v, services %v, want nothing", q, themeIDs(res.Themes), serviceIDs(res.Services))
		}
	}
	if res := ix.Search("medecin", "dijon", 0); len(res.Themes)+len(res.Services) != 0 {
		t.Errorf("Search with limit 0 returned %v %v", themeIDs(res.Themes), serviceIDs(res.Services))
	}
	var nilIndex *Index
	if res := nilIndex.Search("medecin", "dijon", 5); len(res.Themes)+len(res.Services) != 0 {
		t.Errorf("nil index found something")
	}
	empty := NewIndex(nil, nil, nil)
	if res := empty.Search("medecin", "dijon", 5); len(res.Themes)+len(res.Services) != 0 {
		t.Errorf("empty index found something")
	}
}

func TestSearchServiceByName(t *testing.T) {
	ix := searchFixtureIndex()
	tests := []struct{ query, territory, want string }{
		{"Restos du coeur", "dijon", "dijon-restos"},
		{"restos du cœur", "dijon", "dijon-restos"},
		{"cimade", "dijon", "dijon-cimade"},
		{"Forum Réfugiés", "lyon", "lyon-forum"},
		{"forum refugies", "lyon", "lyon-forum"},
		{"adoma", "dijon", "dijon-adoma"},
		{"CAF", "dijon", "nat-caf"},
		{"CAF", "lyon", "nat-caf"},
		{"OFII", "", "nat-ofii"},
		{"watizat", "lyon", "nat-watizat"},
		{"médecins du monde", "lyon", "lyon-mdm"},
		{"carte vitale", "dijon", "nat-ameli"},
		{"cours de français", "dijon", "dijon-fle"},
		{"cours de français", "lyon", "lyon-fle"},
		{"psychologue", "dijon", "dijon-psy"},
		{"مرکز بهداشت", "dijon", "dijon-centre-sante"},
	}
	for _, tt := range tests {
		res := ix.Search(tt.query, tt.territory, 5)
		if len(res.Services) == 0 || res.Services[0].ID != tt.want {
			t.Errorf("Search(%q, %q) services = %v, want %s first", tt.query, tt.territory, serviceIDs(res.Services), tt.want)
		}
	}
}

func TestSearchAllWordsFirst(t *testing.T) {
	ix := searchFixtureIndex()
	got := serviceIDs(ix.Search("cours de français", "dijon", 10).Services)
	fle, cuisine := slices.Index(got, "dijon-fle"), slices.Index(got, "dijon-cuisine")
	if fle != 0 || cuisine < 0 {
		t.Errorf("Search(cours de français) = %v, want dijon-fle first and dijon-cuisine (one word) after", got)
	}
}

func TestSearchThemeLiftsServices(t *testing.T) {
	ix := searchFixtureIndex()
	for _, q := range []string{"doctor", "طبيب", "лікар", "ሓኪም", "santé"} {
		got := serviceIDs(ix.Search(q, "dijon", 20).Services)
		// Health services of Dijon, the sub-theme's included, and national ones; nothing else.
		want := []string{"dijon-centre-sante", "dijon-pass-chu", "dijon-psy", "nat-ameli", "nat-watizat"}
		sorted := slices.Sorted(slices.Values(got))
		if !slices.Equal(sorted, want) {
			t.Errorf("Search(%q, dijon) services = %v, want %v", q, got, want)
		}
		res := ix.Search(q, "dijon", 20)
		if len(res.Themes) == 0 || res.Themes[0].ID != "sante" {
			t.Errorf("Search(%q, dijon) themes = %v, want sante first", q, themeIDs(res.Themes))
		}
	}
	// A sub-theme lifts only its own services.
	got := serviceIDs(ix.Search("généraliste", "lyon", 20).Services)
	if len(got) == 0 || got[0] != "lyon-pass" || slices.Contains(got, "lyon-pharma") {
		t.Errorf("Search(généraliste, lyon) = %v, want lyon-pass first and no lyon-pharma", got)
	}
	// A service mentioning the word outranks one lifted by its theme alone.
	got = serviceIDs(ix.Search("médecins", "lyon", 20).Services)
	if len(got) < 2 || got[0] != "lyon-mdm" {
		t.Errorf("Search(médecins, lyon) = %v, want lyon-mdm first", got)
	}
}

func TestSearchTerritory(t *testing.T) {
	ix := searchFixtureIndex()
	queries := []string{"doctor", "logement", "cours de français", "titre de séjour", "PASS", "consultation", "hébergement", "médecin", "asile", "caf", "pharmacie"}
	for _, q := range queries {
		for _, tc := range []struct{ territory, foreign string }{{"dijon", "lyon-"}, {"lyon", "dijon-"}, {"", "-"}, {"paris", "-"}} {
			res := ix.Search(q, tc.territory, 50)
			for _, s := range res.Services {
				if s.Territory != "" && s.Territory != tc.territory {
					t.Errorf("Search(%q, %q) returned %s of %s", q, tc.territory, s.ID, s.Territory)
				}
				if tc.foreign == "-" && s.Territory != "" {
					t.Errorf("Search(%q, %q) returned local service %s", q, tc.territory, s.ID)
				}
			}
		}
	}
	// National services are always eligible.
	for _, territory := range []string{"dijon", "lyon", "", "paris"} {
		got := serviceIDs(ix.Search("logement", territory, 50).Services)
		for _, id := range []string{"nat-115", "nat-watizat", "nat-caf"} {
			if !slices.Contains(got, id) {
				t.Errorf("Search(logement, %q) = %v, missing national %s", territory, got, id)
			}
		}
	}
	if got := serviceIDs(ix.Search("logement", "lyon", 50).Services); !slices.Contains(got, "lyon-mvs") || slices.Contains(got, "dijon-adoma") {
		t.Errorf("Search(logement, lyon) = %v", got)
	}
}

func TestSearchLimitAndOrder(t *testing.T) {
	ix := searchFixtureIndex()
	all := ix.Search("sante", "dijon", 100)
	for limit := 1; limit <= len(all.Services); limit++ {
		res := ix.Search("sante", "dijon", limit)
		if len(res.Services) != limit || len(res.Themes) > limit {
			t.Fatalf("limit %d: %d themes, %d services", limit, len(res.Themes), len(res.Services))
		}
		if !slices.Equal(res.Services, all.Services[:limit]) {
			t.Errorf("limit %d: %v, want the first of %v", limit, serviceIDs(res.Services), serviceIDs(all.Services))
		}
	}
	// Deterministic.
	for range 5 {
		again := ix.Search("sante", "dijon", 100)
		if !slices.Equal(again.Services, all.Services) || !slices.Equal(again.Themes, all.Themes) {
			t.Fatalf("Search is not deterministic")
		}
	}
}

func TestSearchLongQuery(t *testing.T) {
	ix := searchFixtureIndex()
	q := strings.Repeat("bonjour je cherche un médecin s'il vous plaît ", 200)
	res := ix.Search(q, "dijon", 5)
	if len(res.Themes) == 0 || res.Themes[0].ID != "sante" {
		t.Errorf("long query: themes %v", themeIDs(res.Themes))
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := searchFixtureIndex()
	queries := []string{"medecin", "logement", "cours de français", "طبيب", "лікар", "caf", "zzzz", "medcin", "log"}
	want := make([]Result, len(queries))
	for i, q := range queries {
		want[i] = ix.Search(q, "dijon", 10)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := (g + i) % len(queries)
				got := ix.Search(queries[k], "dijon", 10)
				if !slices.Equal(got.Themes, want[k].Themes) || !slices.Equal(got.Services, want[k].Services) {
					select {
					case errs <- fmt.Sprintf("concurrent Search(%q) differs", queries[k]):
					default:
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// langs are the languages of the sample content.
var langs = []string{"fr", "en", "ar", "fa", "ps", "uk", "ru", "ti"}

// loadContent loads fsys as of a fixed day, so that dated content reads the same on any date.
func loadContent(tb testing.TB, fsys fs.FS) (*content.Content, content.Diagnostics) {
	tb.Helper()
	return content.Load(fsys, langs, content.Today(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)))
}

// sampleIndex indexes the sample content, its emergency numbers included.
func sampleIndex(t *testing.T) (*content.Content, *Index) {
	t.Helper()
	c, ds := loadContent(t, content.Sample())
	if c == nil {
		t.Fatalf("sample: %v", ds)
	}
	return c, NewIndex(c.AllThemes(), c.AllServices(), c.EmergencyNumbers())
}

// FuzzSearchEmergency searches the sample content with a fuzzed emergency
// file, with the file's own text as the query: whatever numbers and words
// load, indexing them and searching must not fail.
func FuzzSearchEmergency(f *testing.F) {
	const file = "emergency.yaml"
	base := fstest.MapFS{}
	err := fs.WalkDir(content.Sample(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.Sample(), path)
		base[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	if base[file] == nil {
		f.Fatalf("the sample content has no %s", file)
	}
	f.Add(base[file].Data)
	f.Add([]byte("danger: \"12\"\nnumbers: [{number: \"12\", label: {fr: x}, words: {fr: [urgence, a b c]}}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := maps.Clone(base)
		fsys[file] = &fstest.MapFile{Data: data}
		c, _ := loadContent(t, fsys)
		if c == nil {
			return
		}
		ix := NewIndex(c.AllThemes(), c.AllServices(), c.EmergencyNumbers())
		for _, q := range []string{string(data), "urgence", "115"} {
			if res := ix.Search(q, "dijon", 5); len(res.Services) > 5 {
				t.Fatalf("Search(%q): %d services, limit 5", q, len(res.Services))
			}
		}
	})
}

func TestSearchEmergency(t *testing.T) {
	c, ix := sampleIndex(t)
	all := len(c.EmergencyNumbers())
	// want: the numbers the query must point to; "all" for an emergency in general.
	tests := []struct {
		lang, query string
		want        []string
	}{
		{"fr", "urgence", []string{"all"}},
		{"fr", "URGENCES", []string{"all"}},
		{"fr", "urgance", []string{"all"}}, // misspelt
		{"fr", "urjence", []string{"all"}},
		{"fr", "c'est urgent", []string{"all"}},
		{"fr", "danger", []string{"all"}},
		{"fr", "je suis en danger", []string{"all"}},
		{"fr", "dangé", []string{"all"}},
		{"fr", "au secours", []string{"all"}},
		{"fr", "SOS", []string{"all"}},
		{"fr", "115", []string{"115"}},
		{"fr", "appeler le 115", []string{"115"}},
		{"fr", "15", []string{"15"}},
		{"fr", "3919", []string{"3919"}},
		{"fr", "0800 05 95 95", []string{"0800 05 95 95"}},
		{"fr", "0800059595", []string{"0800 05 95 95"}},
		{"fr", "violence", []string{"3919", "17"}},
		{"fr", "violences conjugales", []string{"3919"}},
		{"fr", "il me frappe", []string{"3919"}},
		{"fr", "viol", []string{"0800 05 95 95"}},
		{"fr", "agression sexuelle", []string{"0800 05 95 95"}},
		{"fr", "suicide", []string{"3114"}},
		{"fr", "sucide", []string{"3114"}},
		{"fr", "envie de mourir", []string{"3114"}},
		{"fr", "je dors dehors", []string{"115"}},
		{"fr", "à la rue", []string{"115"}},
		{"fr", "maltraitance", []string{"119"}},
		{"fr", "pompiers", []string{"18"}},
		{"fr", "sourd", []string{"114"}},
		{"en", "emergency", []string{"all"}},
		{"en", "emergancy", []string{"all"}},
		{"en", "I am in danger", []string{"all"}},
		{"en", "domestic violence", []string{"3919"}},
		{"en", "rape", []string{"0800 05 95 95"}},
		{"en", "suicide", []string{"3114"}},
		{"en", "I want to die", []string{"3114"}},
		{"en", "homeless", []string{"115"}},
		{"ar", "طوارئ", []string{"all"}},
		{"ar", "طوارىء", []string{"all"}}, // hamza on a dotless yeh
		{"ar", "الطوارئ", []string{"all"}},
		{"ar", "طَوَارِئ", []string{"all"}}, // with vowel marks
		{"ar", "خطر", []string{"all"}},
		{"ar", "أنا في خطر", []string{"all"}},
		{"ar", "عاجل", []string{"all"}},
		{"ar", "١١٥", []string{"115"}}, // Arabic-Indic digits
		{"ar", "عنف", []string{"3919"}},
		{"ar", "عنف أسري", []string{"3919"}},
		{"ar", "اغتصاب", []string{"0800 05 95 95"}},
		{"ar", "انتحار", []string{"3114"}},
		{"ar", "مشرد", []string{"115"}},
		{"fa", "اورژانس", []string{"all"}},
		{"fa", "اضطراری", []string{"all"}},
		{"fa", "در خطر", []string{"all"}},
		{"fa", "۱۱۵", []string{"115"}}, // Persian digits
		{"fa", "خشونت", []string{"3919"}},
		{"fa", "خشونت خانگی", []string{"3919"}},
		{"fa", "خودکشی", []string{"3114"}},
		{"fa", "خودكشي", []string{"3114"}}, // Arabic kaf and yeh
		{"fa", "تجاوز", []string{"0800 05 95 95"}},
		{"ps", "بیړنی", []string{"all"}},
		{"ps", "بيړني", []string{"all"}}, // Arabic yeh
		{"ps", "خطر", []string{"all"}},
		{"ps", "تاوتریخوالی", []string{"3919"}},
		{"ps", "ځان وژنه", []string{"3114"}},
		{"uk", "екстрена допомога", []string{"all"}},
		{"uk", "небезпека", []string{"all"}},
		{"uk", "рятуйте", []string{"all"}},
		{"uk", "насильство", []string{"3919"}},
		{"uk", "самогубство", []string{"3114"}},
		{"uk", "ночую на вулиці", []string{"115"}},
		{"ru", "срочно", []string{"all"}},
		{"ru", "опасность", []string{"all"}},
		{"ru", "я в опасности", []string{"all"}},
		{"ru", "насилие", []string{"3919"}},
		{"ru", "домашнее насилие", []string{"3919"}},
		{"ru", "изнасилование", []string{"0800 05 95 95"}},
		{"ru", "суицид", []string{"3114"}},
		{"ru", "самоубийство", []string{"3114"}},
		{"ru", "самоубиство", []string{"3114"}}, // misspelt
		{"ti", "ህጹጽ", []string{"all"}},
		{"ti", "ሓደጋ", []string{"all"}},
		{"ti", "ዓመጽ", []string{"3919"}},
		{"ti", "ርእሰ-ቅትለት", []string{"3114"}},
	}
	for _, tt := range tests {
		res := ix.Search(tt.query, "dijon", 5)
		var got []string
		for _, n := range res.Numbers {
			got = append(got, n.Number)
		}
		if tt.want[0] == "all" {
			if len(got) != all {
				t.Errorf("%s: Search(%q) numbers = %v, want all %d", tt.lang, tt.query, got, all)
			}
			continue
		}
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: Search(%q) numbers = %v, want %s among them", tt.lang, tt.query, got, w)
			}
		}
	}
}

func TestSearchNoEmergency(t *testing.T) {
	_, ix := sampleIndex(t)
	for _, q := range []string{
		"médecin", "logement", "cours de français", "طبيب", "خانه", "лікар",
		"18 ans", "j'ai 15 ans", // an age, not a number to call
		"manger", "ranger", "voile", "violet", "cours de violon", "recours", // one letter from an emergency word
		"", "je cherche",
	} {
		if res := ix.Search(q, "dijon", 5); len(res.Numbers) > 0 {
			t.Errorf("Search(%q) points to %d emergency numbers, want none", q, len(res.Numbers))
		}
	}
}

func TestSearchEmergencyNumbersInOrder(t *testing.T) {
	c, ix := sampleIndex(t)
	res := ix.Search("violence", "dijon", 5)
	order := c.EmergencyNumbers()
	last := -1
	for _, n := range res.Numbers {
		i := slices.Index(order, n)
		if i <= last {
			t.Fatalf("numbers not in the file's order: %v", res.Numbers)
		}
		last = i
	}
	if len(res.Themes) == 0 || res.Themes[0].ID != "famille--surmonter-conflits-separation-violence" {
		t.Errorf("themes = %v: the numbers come on top of the results, not instead", themeIDs(res.Themes))
	}
}
