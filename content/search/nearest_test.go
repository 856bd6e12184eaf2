package search

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/territoires-integration/passerelle/content"
)

var (
	geoDijon = content.Point{Lat: 47.3220, Lon: 5.0415}
	geoLyon  = content.Point{Lat: 45.7640, Lon: 4.8357}
	geoAutun = content.Point{Lat: 46.9510, Lon: 4.2986}
	geoParis = content.Point{Lat: 48.8566, Lon: 2.3522}
)

func nearbyIDs(ns []Nearby) []string {
	var ids []string
	for _, n := range ns {
		ids = append(ids, n.Service.ID)
	}
	return ids
}

func TestNearest(t *testing.T) {
	ix := searchFixtureIndex()
	centre := content.Point{Lat: 47.3225, Lon: 5.0410} // next to the Cimade's office
	tests := []struct {
		name, territory, theme string
		p                      content.Point
		n                      int
		want                   []string
	}{
		{"any theme", "dijon", "", centre, 3, []string{"dijon-cimade", "dijon-adoma", "dijon-centre-sante"}},
		{"all in Dijon, national last", "dijon", "", centre, 100, []string{"dijon-cimade", "dijon-adoma", "dijon-centre-sante", "dijon-fle", "dijon-restos", "dijon-pass-chu", "dijon-cuisine", "nat-ofii"}},
		{"health includes its sub-theme", "dijon", "sante", centre, 10, []string{"dijon-centre-sante", "dijon-pass-chu"}},
		{"sub-theme only", "dijon", "sante--acces-aux-soins", centre, 10, []string{"dijon-pass-chu"}},
		{"national with a location", "dijon", "lecture-ecriture-calcul--maitriser-le-francais", centre, 10, []string{"dijon-fle", "nat-ofii"}},
		{"limit", "dijon", "lecture-ecriture-calcul--maitriser-le-francais", centre, 1, []string{"dijon-fle"}},
		{"Lyon from Dijon", "lyon", "sante", centre, 10, []string{"lyon-mdm", "lyon-pass"}},
		{"national only", "", "", centre, 10, []string{"nat-ofii"}},
		{"unknown territory", "paris", "", geoParis, 10, []string{"nat-ofii"}},
		{"unknown theme", "dijon", "alimentation", centre, 10, nil},
		{"theme without a located service", "dijon", "logement-hebergement", centre, 10, []string{"dijon-adoma"}},
		{"national theme only", "", "acces-aux-droits", centre, 10, []string{"nat-ofii"}},
		{"n = 0", "dijon", "", centre, 0, nil},
		{"n < 0", "dijon", "", centre, -1, nil},
		{"invalid point", "dijon", "", content.Point{Lat: math.NaN(), Lon: 5}, 3, nil},
	}
	for _, tt := range tests {
		got := ix.Nearest(tt.territory, tt.theme, tt.p, tt.n)
		if ids := nearbyIDs(got); !slices.Equal(ids, tt.want) {
			t.Errorf("%s: Nearest(%q, %q, %v, %d) = %v, want %v", tt.name, tt.territory, tt.theme, tt.p, tt.n, ids, tt.want)
		}
		for i, nb := range got {
			if nb.Service.Location == nil {
				t.Errorf("%s: %s has no location", tt.name, nb.Service.ID)
				continue
			}
			if want := content.Distance(tt.p, *nb.Service.Location); nb.Meters != want {
				t.Errorf("%s: %s at %v m, want %v", tt.name, nb.Service.ID, nb.Meters, want)
			}
			if i > 0 && nb.Meters < got[i-1].Meters {
				t.Errorf("%s: not nearest first: %v", tt.name, got)
			}
		}
	}
	var nilIndex *Index
	if got := nilIndex.Nearest("dijon", "", centre, 3); got != nil {
		t.Errorf("nil index: %v", got)
	}
}

// TestNearestMatchesBruteForce checks Nearest against sorting every eligible service by haversine distance.
func TestNearestMatchesBruteForce(t *testing.T) {
	themes := searchFixtureThemes()
	services := searchSynthetic(3000, 7)
	ix := NewIndex(themes, services, nil)
	parent := map[string]string{}
	for _, th := range themes {
		parent[th.ID] = th.Parent
	}
	hasTheme := func(s *content.Service, theme string) bool {
		if theme == "" {
			return true
		}
		for _, id := range s.Themes {
			for ; id != ""; id = parent[id] {
				if id == theme {
					return true
				}
			}
		}
		return false
	}
	rng := rand.New(rand.NewPCG(1, 2))
	centres := []content.Point{geoDijon, geoLyon, geoAutun}
	territories := []string{"dijon", "lyon", "autun", "", "nowhere"}
	themeIDs := []string{"", "sante", "sante--acces-aux-soins", "logement-hebergement", "lecture-ecriture-calcul--maitriser-le-francais", "acces-aux-droits"}
	for i := range 300 {
		c := centres[rng.IntN(len(centres))]
		p := content.Point{Lat: c.Lat + rng.NormFloat64()*0.05, Lon: c.Lon + rng.NormFloat64()*0.05}
		territory := territories[rng.IntN(len(territories))]
		theme := themeIDs[rng.IntN(len(themeIDs))]
		n := 1 + rng.IntN(15)
		if i%50 == 0 {
			n = 5000
		}
		var want []Nearby
		for _, s := range services {
			if s.Location != nil && (s.Territory == "" || s.Territory == territory) && hasTheme(s, theme) {
				want = append(want, Nearby{s, content.Distance(p, *s.Location)})
			}
		}
		slices.SortFunc(want, func(a, b Nearby) int {
			return cmp.Or(cmp.Compare(a.Meters, b.Meters), cmp.Compare(a.Service.ID, b.Service.ID))
		})
		want = want[:min(n, len(want))]
		got := ix.Nearest(territory, theme, p, n)
		if len(got) != len(want) {
			t.Fatalf("Nearest(%q, %q, %v, %d): %d results, want %d", territory, theme, p, n, len(got), len(want))
		}
		for k := range got {
			if got[k].Meters != want[k].Meters {
				t.Fatalf("Nearest(%q, %q, %v, %d)[%d] = %s at %v m, want %s at %v m",
					territory, theme, p, n, k, got[k].Service.ID, got[k].Meters, want[k].Service.ID, want[k].Meters)
			}
		}
	}
}
