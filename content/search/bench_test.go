package search

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// searchSynthetic returns n services, the same for the same seed: realistic
// French names and descriptions (some translated), themes of the search
// fixture, in Dijon, Lyon and Autun plus a few national ones, located around
// their city, about 30 % without a location.
func searchSynthetic(n int, seed uint64) []*content.Service {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }

	type city struct {
		id     string
		centre content.Point
		areas  []string
	}
	cities := []city{
		{"dijon", geoDijon, []string{"Grésilles", "Fontaine d'Ouche", "Chenôve", "Quetigny", "Talant", "centre-ville", "Toison d'Or", "Université", "Longvic", "Montchapet"}},
		{"lyon", geoLyon, []string{"Guillotière", "Part-Dieu", "Croix-Rousse", "Vaulx-en-Velin", "Vénissieux", "Villeurbanne", "Gerland", "La Duchère", "Bron", "Perrache"}},
		{"autun", geoAutun, []string{"Saint-Pantaléon", "centre", "Saint-Jean", "La Croix-Verte", "Marchaux"}},
	}
	kinds := map[string][]string{
		"sante":                  {"Centre de santé", "Permanence médicale", "Maison médicale", "Pharmacie solidaire", "Centre de vaccination", "Point santé", "Écoute psychologique", "Centre dentaire"},
		"sante--acces-aux-soins": {"PASS", "Consultations sans rendez-vous", "Médecin généraliste", "Consultation infirmière"},
		"logement-hebergement":   {"Accueil de jour", "Hébergement d'urgence", "Résidence sociale", "Foyer", "Permanence logement", "Service d'aide au logement", "Halte de nuit"},
		"lecture-ecriture-calcul--maitriser-le-francais": {"Cours de français", "Atelier de conversation", "Alphabétisation", "Français langue étrangère", "Atelier sociolinguistique"},
		"acces-aux-droits": {"Permanence juridique", "Point d'accès au droit", "Aide aux démarches", "Accompagnement administratif", "Écrivain public", "Permanence asile"},
	}
	themeIDs := []string{"sante", "sante--acces-aux-soins", "logement-hebergement", "lecture-ecriture-calcul--maitriser-le-francais", "acces-aux-droits"}
	orgs := []string{"Croix-Rouge française", "Secours populaire", "Secours catholique", "CCAS", "Restos du Cœur", "La Cimade", "France Terre d'Asile", "Coallia", "Adoma", "Forum Réfugiés", "Emmaüs", "Médecins du Monde", "Ligue de l'enseignement", "Mutualité française", "Centre social", "MJC", "Habitat et Humanisme", "Armée du Salut", "Maison des solidarités", "Réseau Éducation Sans Frontières"}
	shorts := map[string][]string{
		"sante":                  {"Consultations gratuites avec ou sans couverture santé", "Soins, vaccins et orientation vers un médecin", "Accompagnement pour ouvrir ses droits à la santé (AME, CSS)", "Soutien psychologique avec interprète", "Médicaments délivrés sur ordonnance"},
		"sante--acces-aux-soins": {"Consultations médicales sans rendez-vous", "Médecins généralistes et infirmières", "Accès aux soins pour les personnes sans couverture"},
		"logement-hebergement":   {"Mise à l'abri et orientation vers un hébergement", "Aide à la recherche d'un logement", "Douches, laverie et petit-déjeuner", "Accompagnement vers le logement social", "Places d'hébergement pour familles"},
		"lecture-ecriture-calcul--maitriser-le-francais": {"Cours de français pour adultes, tous niveaux", "Ateliers de conversation en petits groupes", "Apprendre à lire et écrire le français", "Préparation au DELF", "Français à visée professionnelle"},
		"acces-aux-droits": {"Aide pour le titre de séjour et la demande d'asile", "Accompagnement dans les démarches CAF et CPAM", "Conseils juridiques gratuits", "Aide pour remplir les dossiers administratifs", "Domiciliation et accès aux droits"},
	}
	fragments := []string{
		"L'accueil se fait sans rendez-vous le matin.",
		"Un interprète peut être présent sur demande.",
		"Les bénévoles vous reçoivent dans un cadre confidentiel.",
		"Venez avec vos documents d'identité si vous en avez.",
		"Le service est gratuit et ouvert à toutes et à tous.",
		"Une orientation vers les partenaires est proposée si besoin.",
		"Les enfants sont les bienvenus.",
		"Accès en tramway ou en bus, arrêt à proximité.",
		"Les permanences ont lieu deux fois par semaine.",
		"Inscription auprès de l'accueil ou par téléphone.",
	}
	en := map[string]string{"sante": "Free health care and advice", "sante--acces-aux-soins": "See a doctor without an appointment", "logement-hebergement": "Help with housing and shelter", "lecture-ecriture-calcul--maitriser-le-francais": "French lessons for adults", "acces-aux-droits": "Help with papers and rights"}
	ar := map[string]string{"sante": "رعاية صحية مجانية", "sante--acces-aux-soins": "استشارة طبيب بدون موعد", "logement-hebergement": "مساعدة في السكن", "lecture-ecriture-calcul--maitriser-le-francais": "دروس اللغة الفرنسية", "acces-aux-droits": "مساعدة في الأوراق"}
	fa := map[string]string{"sante": "خدمات درمانی رایگان", "sante--acces-aux-soins": "دیدن دکتر بدون وقت قبلی", "logement-hebergement": "کمک برای پیدا کردن خانه", "lecture-ecriture-calcul--maitriser-le-francais": "کلاس زبان فرانسوی", "acces-aux-droits": "کمک برای مدارک"}
	ru := map[string]string{"sante": "Бесплатная медицинская помощь", "sante--acces-aux-soins": "Врач без записи", "logement-hebergement": "Помощь с жильём", "lecture-ecriture-calcul--maitriser-le-francais": "Курсы французского языка", "acces-aux-droits": "Помощь с документами"}

	services := make([]*content.Service, 0, n)
	for i := range n {
		var c *city
		territory := ""
		switch r := rng.IntN(100); {
		case r < 45:
			c = &cities[0]
		case r < 80:
			c = &cities[1]
		case r < 95:
			c = &cities[2]
		default:
			c = &cities[rng.IntN(len(cities))] // national, located near one of the cities when located
		}
		if rng.IntN(100) >= 5 {
			territory = c.id
		}
		main := pick(themeIDs)
		themes := []string{main}
		if rng.IntN(4) == 0 {
			if other := pick(themeIDs); other != main {
				themes = append(themes, other)
			}
		}
		org := pick(orgs)
		area := pick(c.areas)
		s := &content.Service{
			ID:           fmt.Sprintf("svc-%05d", i),
			Territory:    territory,
			Name:         fmt.Sprintf("%s %s", pick(kinds[main]), area),
			Organisation: org,
			Themes:       themes,
			Short:        map[string]string{"fr": pick(shorts[main])},
		}
		if rng.IntN(3) == 0 {
			s.Name = fmt.Sprintf("%s – %s %s", org, pick(kinds[main]), area)
		}
		if rng.IntN(2) == 0 {
			var b strings.Builder
			b.WriteString(pick(shorts[main]))
			b.WriteString(". ")
			for range 2 + rng.IntN(3) {
				b.WriteString(pick(fragments))
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "Quartier %s.", area)
			s.Long = map[string]string{"fr": b.String()}
		}
		if rng.IntN(100) < 30 {
			s.Short["en"] = en[main]
		}
		if rng.IntN(100) < 15 {
			s.Short["ar"] = ar[main]
		}
		if rng.IntN(100) < 10 {
			s.Short["fa"] = fa[main]
		}
		if rng.IntN(100) < 5 {
			s.Short["ru"] = ru[main]
		}
		if rng.IntN(100) >= 30 {
			s.Location = &content.Point{Lat: c.centre.Lat + rng.NormFloat64()*0.03, Lon: c.centre.Lon + rng.NormFloat64()*0.04}
		}
		services = append(services, s)
	}
	return services
}

const searchBenchServices = 10_000

// searchBenchIndex holds the synthetic services and the sample's emergency
// numbers, whose words every query is also compared with.
var searchBenchIndex = sync.OnceValue(func() *Index {
	sample, ds := content.Load(content.Sample(), langs)
	if sample == nil {
		panic(fmt.Sprintf("sample content: %v", ds))
	}
	return NewIndex(searchFixtureThemes(), searchSynthetic(searchBenchServices, 42), sample.EmergencyNumbers())
})

var searchBenchQueries = []string{
	"médecin", "medecin", "DOCTOR", "طبيب", "پزشک", "دکتر", "ډاکټر", "лікар", "врач", "ሓኪም",
	"cours de français", "CAF", "logement", "hébergement d'urgence", "titre de séjour", "carte vitale",
	"je cherche un médecin à Dijon", "medcin", "log", "aide", "croix rouge", "restos du coeur",
	"permanence juridique", "I need a place to sleep", "french lessons", "pharmacie", "zzzz",
	"consultation sans rendez-vous", "اجاره خانه", "квартира", "accompagnement administratif",
	"écrivain public Grésilles", "dentiste", "cours", "accueil de jour", "interprète",
	"urgence", "115", "violences conjugales", "طوارئ", "خشونت", "суицид",
}

// reportPercentiles reports the median and 99th percentile of durations, in µs.
func reportPercentiles(b *testing.B, durations []time.Duration) {
	if len(durations) == 0 {
		return
	}
	slices.Sort(durations)
	at := func(q float64) float64 {
		return float64(durations[min(len(durations)-1, int(q*float64(len(durations))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

func BenchmarkSearch(b *testing.B) {
	ix := searchBenchIndex()
	territories := []string{"dijon", "lyon", "autun"}
	var durations []time.Duration
	i := 0
	for b.Loop() {
		q, territory := searchBenchQueries[i%len(searchBenchQueries)], territories[i%len(territories)]
		start := time.Now()
		res := ix.Search(q, territory, 10)
		durations = append(durations, time.Since(start))
		if len(res.Services) > 10 {
			b.Fatal("limit ignored")
		}
		i++
	}
	reportPercentiles(b, durations)
}

func BenchmarkNearest(b *testing.B) {
	ix := searchBenchIndex()
	rng := rand.New(rand.NewPCG(3, 4))
	type query struct {
		territory, theme string
		p                content.Point
	}
	centres := map[string]content.Point{"dijon": geoDijon, "lyon": geoLyon, "autun": geoAutun}
	themes := []string{"", "sante", "sante--acces-aux-soins", "logement-hebergement", "lecture-ecriture-calcul--maitriser-le-francais", "acces-aux-droits"}
	queries := make([]query, 1000)
	for k := range queries {
		territory := []string{"dijon", "lyon", "autun"}[rng.IntN(3)]
		c := centres[territory]
		queries[k] = query{territory, themes[rng.IntN(len(themes))], content.Point{Lat: c.Lat + rng.NormFloat64()*0.03, Lon: c.Lon + rng.NormFloat64()*0.04}}
	}
	var durations []time.Duration
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		start := time.Now()
		res := ix.Nearest(q.territory, q.theme, q.p, 5)
		durations = append(durations, time.Since(start))
		if len(res) > 5 {
			b.Fatal("limit ignored")
		}
		i++
	}
	reportPercentiles(b, durations)
}

func BenchmarkNewIndex(b *testing.B) {
	themes := searchFixtureThemes()
	services := searchSynthetic(searchBenchServices, 42)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := NewIndex(themes, services, nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ix)
	heap := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)

	for b.Loop() {
		ix = NewIndex(themes, services, nil)
	}
	runtime.KeepAlive(ix)
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "build-ms")
	b.ReportMetric(heap, "index-MB")
}
