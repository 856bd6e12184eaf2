package directory

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// This file generates data·inclusion v1 exports for the tests and the
// benchmark. Everything in them is made up: the services, the
// organisations, the addresses; phone numbers are in the range 01 99 00 … that
// ARCEP keeps for fiction. Only the format is real (schema v1, release
// 1.0.8), and the opening hours are written the ways data·inclusion's
// pipeline writes them for its sources (France Travail, Soliguide, Réseau
// Alpha, DORA), plus some it cannot read.

// genCommune is a commune of Dijon Métropole (INSEE code, centre), or one
// outside it.
type genCommune struct {
	insee, postcode, name string
	lat, lon              float64
}

var genCommunes = []genCommune{
	{"21231", "21000", "Dijon", 47.3220, 5.0415},
	{"21166", "21300", "Chenôve", 47.2920, 5.0050},
	{"21617", "21240", "Talant", 47.3370, 5.0050},
	{"21515", "21800", "Quetigny", 47.3140, 5.1060},
	{"21355", "21600", "Longvic", 47.2870, 5.0640},
	{"21278", "21121", "Fontaine-lès-Dijon", 47.3420, 5.0200},
	{"21171", "21800", "Chevigny-Saint-Sauveur", 47.3010, 5.1340},
	{"21540", "21850", "Saint-Apollinaire", 47.3330, 5.0850},
	{"21390", "21160", "Marsannay-la-Côte", 47.2710, 4.9890},
	{"21054", "21200", "Beaune", 47.0260, 4.8400}, // outside
	{"69123", "69003", "Lyon", 45.7640, 4.8357},   // outside
}

// genTerritory is the territory of the generated exports.
const genTerritory = `# Dijon Métropole, for the import tests.
id: dijon
kind: CTAIR
name:
  fr: Dijon
import:
  communes: ["21231", "21166", "21617", "21515", "21355", "21278", "21171", "21540", "21390"]
`

var (
	genProducers = []string{"dora", "dora", "soliguide", "france-travail", "mediation-numerique", "emplois-de-linclusion", "action-logement"}
	genOrgs      = []string{"Croix-Rouge française", "Secours populaire français", "CCAS", "Centre social des Grésilles", "Restos du Cœur", "MJC Montchapet", "Maison France services", "Cesam", "Coallia", "Emmaüs", "La Cimade", "Mission locale"}
	genKinds     = []string{"Atelier", "Permanence", "Accueil", "Point", "Espace", "Cours", "Accompagnement", "Distribution"}
	genTopics    = []string{"numérique", "emploi", "santé", "logement", "de français", "familles", "accès aux droits", "mobilité", "alimentaire", "budget", "vestiaire", "CV"}
	genStreets   = []string{"rue de la Liberté", "avenue du Drapeau", "boulevard de Champagne", "place de la République", "rue d'Auxonne", "avenue Jean Jaurès", "rue des Grésilles", "allée du Parc"}
	genThemes    = []string{
		"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
		"difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
		"difficultes-financieres--ameliorer-sa-gestion-budgetaire",
		"equipement-et-alimentation--alimentation", "equipement-et-alimentation--habillement",
		"famille--garde-denfants", "famille--soutien-a-la-parentalite-et-a-leducation",
		"lecture-ecriture-calcul--maitriser-le-francais",
		"logement-hebergement--rechercher-une-solution-dhebergement-temporaire", "logement-hebergement--louer-un-logement",
		"mobilite--preparer-un-permis", "mobilite--etre-accompagne-dans-son-parcours-mobilite",
		"numerique--acceder-a-des-services-en-ligne", "numerique--maitriser-les-fondamentaux-du-numerique",
		"preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation",
		"remobilisation--lien-social", "remobilisation--activites-sportives-et-culturelles",
		"sante--acces-aux-soins", "sante--sante-mentale", "se-former--trouver-sa-formation",
		"trouver-un-emploi--repondre-a-des-offres-demploi",
	}
	genPublics = []string{"tous-publics", "personnes-exilees", "familles", "femmes", "jeunes", "seniors", "demandeurs-emploi", "personnes-en-situation-durgence"}
	// genHours are opening hours as the pipeline writes them; the last
	// four cannot be read without guessing.
	genHours = []string{
		"Mo-Fr 08:30-12:30; PH off",
		`Mo 08:00-18:00 open "Sans rendez-vous"; Tu 09:00-12:00 open "Sans rendez-vous"; PH off`,
		`Th 09:00-12:00,14:00-17:00 open "Sans rendez-vous"; PH off`,
		"Mo 08:30-17:00 open, Tu 08:30-17:00 open, We 08:30-17:00 open, Th 08:30-17:00 open, Fr 08:30-15:45 open, Sa closed, Su closed",
		"Mo,Th-Fr 19:30-21:00 open",
		"Mo 09:30-11:30 open; Th 09:30-12:30 open",
		"Tu-Sa 10:00-12:30,13:30-18:00",
		"Mo-Su 08:00-20:00",
		"Mo open",
		"Mo closed, Tu closed, We closed, Th closed, Fr closed, Sa closed, Su closed",
		"week 1-53/2 We 14:00-17:00",
		"Mo-Fr 09:00-12:00 || \"sur rendez-vous\"",
	}
	genSentences = []string{
		"Les bénévoles vous reçoivent dans un cadre confidentiel et bienveillant.",
		"Un interprète peut être présent sur demande, en arabe, en dari ou en ukrainien.",
		"Venez avec vos documents d'identité si vous en avez.",
		"Une orientation vers les partenaires du territoire est proposée si besoin.",
		"Accès en tramway ou en bus, arrêt à proximité.",
		"Inscription auprès de l'accueil ou par téléphone, du lundi au vendredi.",
		"Les enfants sont les bienvenus, un espace de jeux est prévu pendant les ateliers collectifs.",
	}
)

// generateExport returns n data·inclusion v1 services and their
// structures as JSON, the same for the same seed. About one service in
// eight is outside Dijon Métropole, one in twenty-five repeats an earlier
// one under another producer (the same place, found twice), and one in
// eight has hours that cannot be read.
func generateExport(n int, seed uint64) (services, structures []byte) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	type structure map[string]any
	var svcs []map[string]any
	var sts []structure
	var current structure
	var commune genCommune
	for i := range n {
		if i > 0 && i%25 == 0 {
			// The same place, published by another producer.
			dup := map[string]any{}
			for k, v := range svcs[rng.IntN(len(svcs))] {
				dup[k] = v
			}
			producer := "soliguide"
			if strings.HasPrefix(dup["id"].(string), "soliguide--") {
				producer = "dora"
			}
			dup["source"], dup["id"] = producer, fmt.Sprintf("%s--dup-%d", producer, i)
			dup["nom"] = dup["nom"].(string) + " (" + commune.name + ")"
			svcs = append(svcs, dup)
			continue
		}
		if current == nil || rng.IntN(3) == 0 {
			commune = genCommunes[rng.IntN(len(genCommunes))]
			if rng.IntN(8) > 0 {
				commune = genCommunes[rng.IntN(9)] // mostly inside
			}
			current = structure{
				"source": "dora", "id": fmt.Sprintf("dora--s%d", len(sts)), "nom": fmt.Sprintf("%s %s", pick(genOrgs), commune.name),
				"date_maj": "2026-10-01", "adresse": fmt.Sprintf("%d %s", 1+rng.IntN(90), pick(genStreets)),
				"code_postal": commune.postcode, "commune": commune.name, "code_insee": commune.insee,
				"latitude": commune.lat + (rng.Float64()-0.5)*0.02, "longitude": commune.lon + (rng.Float64()-0.5)*0.03,
				"telephone": fmt.Sprintf("01 99 00 %02d %02d", rng.IntN(100), rng.IntN(100)),
				"site_web":  fmt.Sprintf("https://example.org/structure-%d", len(sts)),
			}
			sts = append(sts, current)
		}
		producer := pick(genProducers)
		kind, topic := pick(genKinds), pick(genTopics)
		var desc strings.Builder
		fmt.Fprintf(&desc, "%s %s pour les personnes nouvellement arrivées.", kind, topic)
		for range rng.IntN(4) {
			desc.WriteString(" " + pick(genSentences))
		}
		s := map[string]any{
			"source": producer, "structure_id": current["id"], "id": fmt.Sprintf("%s--%d", producer, i),
			"nom": fmt.Sprintf("%s %s", kind, topic), "description": desc.String(), "date_maj": "2026-11-15",
			"thematiques": []string{pick(genThemes)}, "publics": []string{pick(genPublics)},
			"frais":         []string{"gratuit", "payant"}[rng.IntN(2)],
			"modes_accueil": []string{"en-presentiel"}, "mobilisable_par": []string{"usagers", "professionnels"},
			"modes_mobilisation": []string{"se-presenter", "telephoner"},
		}
		if rng.IntN(3) == 0 {
			s["thematiques"] = append(s["thematiques"].([]string), pick(genThemes))
		}
		if rng.IntN(4) > 0 { // its own address, or the structure's
			s["adresse"], s["code_postal"], s["commune"] = fmt.Sprintf("%d %s", 1+rng.IntN(90), pick(genStreets)), commune.postcode, commune.name
			if rng.IntN(10) > 0 {
				s["code_insee"] = commune.insee
			}
			if rng.IntN(10) > 0 {
				s["latitude"], s["longitude"] = commune.lat+(rng.Float64()-0.5)*0.02, commune.lon+(rng.Float64()-0.5)*0.03
			}
		}
		switch r := rng.IntN(10); {
		case r < 5:
			s["telephone"] = []string{"019900%04d", "01.99.00.%02d.%02d", "+33 1 99 00 %02d %02d", "+3319900%04d"}[rng.IntN(4)]
			s["telephone"] = genPhone(rng, s["telephone"].(string))
		case r < 6:
			s["telephone"] = "01 99 00" // too short: left out
		}
		if rng.IntN(7) > 0 {
			s["horaires_accueil"] = pick(genHours)
		}
		svcs = append(svcs, s)
	}
	services, _ = json.MarshalIndent(svcs, "", " ")
	structures, _ = json.MarshalIndent(sts, "", " ")
	return services, structures
}

// genPhone fills a phone format with digits of the fiction range.
func genPhone(rng *rand.Rand, format string) string {
	switch strings.Count(format, "%") {
	case 1:
		return fmt.Sprintf(format, rng.IntN(10000))
	default:
		return fmt.Sprintf(format, rng.IntN(100), rng.IntN(100))
	}
}
