package content

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"
)

// Generate returns synthetic content for benchmarks and load tests: the
// sample's territories and n services spread over them (about one in twenty
// national), with pseudo-random names, themes of the embedded taxonomy,
// coordinates around the three cities, opening hours, exceptions and
// closures. The same n and seed always give the same files. Services are
// split into files of at most 200, under services/<territory>/.
//
// Everything in it is made up: phone numbers are in a range reserved for
// fiction and websites are on example.org. It is not meant to be shown to
// anyone.
func Generate(n int, seed int64) fs.FS {
	fsys := fstest.MapFS{}
	sample := Sample()
	if files, err := fs.Glob(sample, territoriesDir+"/*.yaml"); err == nil {
		for _, name := range files {
			if data, err := fs.ReadFile(sample, name); err == nil {
				fsys[name] = &fstest.MapFile{Data: data}
			}
		}
	}
	tax, _ := embeddedThemes()
	g := &generator{rng: rand.New(rand.NewPCG(uint64(seed), 0x5e5a_1e11)), themes: tax.ids}
	const perFile = 200
	counts := map[string]int{} // services written per territory
	bufs := map[string]*strings.Builder{}
	flush := func(terr string) {
		name := path.Join(servicesDir, terr, fmt.Sprintf("%04d.yaml", (counts[terr]-1)/perFile))
		fsys[name] = &fstest.MapFile{Data: []byte(bufs[terr].String())}
		delete(bufs, terr)
	}
	for i := range n {
		c := g.city()
		b := bufs[c.id]
		if b == nil {
			b = &strings.Builder{}
			bufs[c.id] = b
			fmt.Fprintf(b, "# Synthetic services, generated for load tests.\nterritory: %s\nservices:\n", c.id)
		}
		g.service(b, c, i)
		if counts[c.id]++; counts[c.id]%perFile == 0 {
			flush(c.id)
		}
	}
	for terr := range bufs {
		flush(terr)
	}
	return fsys
}

type genCity struct {
	id       string
	name     string
	postcode string
	lat, lon float64
	weight   int // out of 100
}

// genCities are the three sample territories (with the coordinates of their
// centres, to scatter synthetic services around) and the national services.
var genCities = []genCity{
	{"dijon", "Dijon", "21000", 47.322, 5.041, 40},
	{"lyon", "Lyon", "69003", 45.760, 4.850, 45},
	{"autun", "Autun", "71400", 46.951, 4.299, 10},
	{nationalTerritory, "", "", 0, 0, 5},
}

type generator struct {
	rng    *rand.Rand
	themes []string
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) city() genCity {
	r := g.rng.IntN(100)
	for _, c := range genCities {
		if r < c.weight {
			return c
		}
		r -= c.weight
	}
	return genCities[0]
}

var (
	genKinds   = []string{"Accueil", "Permanence", "Atelier", "Point", "Espace", "Centre", "Maison", "Bureau", "Antenne", "Guichet"}
	genTopics  = []string{"numérique", "emploi", "santé", "logement", "français", "famille", "droits", "mobilité", "alimentation", "jeunesse", "vélo", "culture"}
	genPlaces  = []string{"Centre-ville", "Gare", "Quartier Nord", "Quartier Sud", "Les Grésilles", "Fontaine d'Ouche", "La Duchère", "Les Minguettes", "Saint-Pantaléon", "Bellevue", "Les Pentes", "Port"}
	genOrgs    = []string{"Association Exemple", "Collectif Exemple", "Centre social Exemple", "Maison Exemple", "Fédération Exemple"}
	genStreets = []string{"rue de l'Exemple", "avenue du Test", "place Fictive", "boulevard de la Démo", "impasse Imaginaire"}
	genLangs   = []string{"fr", "en", "ar", "fa", "ps", "uk", "ru", "ti", "es", "prs"}
	genHours   = [][]string{
		{"mo", "09:00-12:00, 14:00-17:00", "tu", "09:00-12:00, 14:00-17:00", "we", "09:00-12:00", "th", "09:00-12:00, 14:00-17:00", "fr", "09:00-12:00, 14:00-16:00"},
		{"mo", "09:30-12:30", "we", "09:30-12:30", "fr", "13:30-17:30"},
		{"tu", "10:00-18:00", "we", "10:00-18:00", "th", "10:00-18:00", "fr", "10:00-18:00", "sa", "10:00-13:00"},
		{"mo", "24h", "tu", "24h", "we", "24h", "th", "24h", "fr", "24h", "sa", "24h", "su", "24h"},
		{"th", "18:00-23:00", "fr", "22:00-02:00", "sa", "20:00-04:00"},
		nil,
	}
)

// service writes one synthetic service as a list item.
func (g *generator) service(b *strings.Builder, c genCity, i int) {
	id := fmt.Sprintf("gen-%s-%06d", c.id, i)
	kind, topic := g.pick(genKinds), g.pick(genTopics)
	place := g.pick(genPlaces)
	fmt.Fprintf(b, "  - id: %s\n", id)
	fmt.Fprintf(b, "    name: %s\n", strconv.Quote(fmt.Sprintf("%s %s — %s %d", kind, topic, place, i)))
	fmt.Fprintf(b, "    organisation: %s\n", strconv.Quote(fmt.Sprintf("%s %d", g.pick(genOrgs), g.rng.IntN(500))))
	if len(g.themes) > 0 {
		var ts []string
		for range 1 + g.rng.IntN(3) {
			ts = append(ts, g.pick(g.themes))
		}
		fmt.Fprintf(b, "    themes: [%s]\n", strings.Join(ts, ", "))
	}
	b.WriteString("    short:\n")
	fmt.Fprintf(b, "      fr: %s\n", strconv.Quote(fmt.Sprintf("%s %s pour les personnes nouvellement arrivées, %s.", kind, topic, place)))
	fmt.Fprintf(b, "      en: %s\n", strconv.Quote(fmt.Sprintf("Help with %s for newcomers, %s.", topic, place)))
	fmt.Fprintf(b, "      ar: %s\n", strconv.Quote(fmt.Sprintf("مساعدة للوافدين الجدد، %s.", place)))
	if g.rng.IntN(2) == 0 {
		for _, lang := range []string{"fa", "ps", "uk", "ru", "ti"} {
			fmt.Fprintf(b, "      %s: %s\n", lang, strconv.Quote(fmt.Sprintf("%s (%s) %d", topic, lang, i)))
		}
	}
	if g.rng.IntN(4) == 0 {
		fmt.Fprintf(b, "    long:\n      fr: %s\n", strconv.Quote(strings.Repeat(fmt.Sprintf("%s %s, %s. ", kind, topic, place), 4)))
	}
	if c.id != nationalTerritory {
		if g.rng.IntN(10) > 0 {
			fmt.Fprintf(b, "    address: %s\n", strconv.Quote(fmt.Sprintf("%d %s, %s %s", 1+g.rng.IntN(120), g.pick(genStreets), c.postcode, c.name)))
		}
		if g.rng.IntN(10) > 0 {
			lat := c.lat + (g.rng.Float64()-0.5)*0.12
			lon := c.lon + (g.rng.Float64()-0.5)*0.16
			fmt.Fprintf(b, "    location: { lat: %.5f, lon: %.5f }\n", lat, lon)
		}
	}
	if g.rng.IntN(5) > 0 {
		fmt.Fprintf(b, "    phone: \"01 99 00 %02d %02d\"\n", g.rng.IntN(100), g.rng.IntN(100))
	}
	if g.rng.IntN(3) > 0 {
		fmt.Fprintf(b, "    website: https://example.org/%s\n", id)
	}
	if h := genHours[g.rng.IntN(len(genHours))]; h != nil {
		b.WriteString("    hours:\n")
		for j := 0; j < len(h); j += 2 {
			fmt.Fprintf(b, "      %s: %q\n", h[j], h[j+1])
		}
		if g.rng.IntN(3) == 0 {
			b.WriteString("    exceptions:\n      - { date: 2026-12-24, hours: \"09:00-12:00\" }\n      - { date: 2026-12-25, closed: true }\n")
		}
		if g.rng.IntN(5) == 0 {
			day := 1 + g.rng.IntN(10)
			fmt.Fprintf(b, "    closures:\n      - { from: 2026-08-%02d, to: 2026-08-%02d, reason: { fr: \"Fermeture d'été\", en: Summer closure } }\n", day, day+10)
		}
	}
	var langs []string
	for range 1 + g.rng.IntN(4) {
		if l := g.pick(genLangs); !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	fmt.Fprintf(b, "    languages: [%s]\n", strings.Join(langs, ", "))
	if g.rng.IntN(2) == 0 {
		fmt.Fprintf(b, "    publics: [%s]\n", g.pick(publicValues))
	}
	fmt.Fprintf(b, "    fee: %s\n", g.pick(feeValues))
	fmt.Fprintf(b, "    access: [%s]\n", g.pick(accessValues))
	if g.rng.IntN(4) > 0 {
		fmt.Fprintf(b, "    verified: 2025-%02d-%02d\n", 1+g.rng.IntN(12), 1+g.rng.IntN(28))
	}
}
