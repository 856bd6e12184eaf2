package content

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// geoEarthRadius is the mean Earth radius in meters (IUGG).
const geoEarthRadius = 6371008.8

// Distance is the great-circle distance in meters between a and b (haversine formula, R = 6371008.8 m).
func Distance(a, b Point) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := a.Lat*rad, b.Lat*rad
	sinΔφ := math.Sin((φ2 - φ1) / 2)
	sinΔλ := math.Sin((b.Lon - a.Lon) * rad / 2)
	h := sinΔφ*sinΔφ + math.Cos(φ1)*math.Cos(φ2)*sinΔλ*sinΔλ
	h = min(max(h, 0), 1) // rounding can leave [0, 1] near antipodes
	return 2 * geoEarthRadius * math.Asin(math.Sqrt(h))
}

// Nearby is a service and how far it is.
type Nearby struct {
	Service *Service
	Meters  float64
}

// geoLocated is a service with a location, as a unit vector: the straight-line
// (chord) distance between unit vectors grows with the great-circle distance,
// so ranking by squared chord ranks exactly as haversine does, with three
// multiplications and no trigonometry.
type geoLocated struct {
	x, y, z float64
	svc     int32
}

func geoUnitVector(p Point) (x, y, z float64) {
	const rad = math.Pi / 180
	sinφ, cosφ := math.Sincos(p.Lat * rad)
	sinλ, cosλ := math.Sincos(p.Lon * rad)
	return cosφ * cosλ, cosφ * sinλ, sinφ
}

// buildNearest lists, per territory and per theme (a theme covering its
// sub-themes; "" for any theme), the services that have a location.
// closure holds each service's themes and their ancestors.
func (ix *Index) buildNearest(closure [][]string) {
	ix.near = make([]map[string][]geoLocated, len(ix.terrIdx))
	for t := range ix.near {
		ix.near[t] = make(map[string][]geoLocated)
	}
	for d, s := range ix.services {
		p := s.Location
		if p == nil || !geoFinite(*p) {
			continue
		}
		x, y, z := geoUnitVector(*p)
		l := geoLocated{x, y, z, int32(d)}
		m := ix.near[ix.svcTerr[d]]
		m[""] = append(m[""], l)
		for _, id := range closure[d] {
			if id != "" {
				m[id] = append(m[id], l)
			}
		}
	}
}

func geoFinite(p Point) bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lon) && !math.IsInf(p.Lat, 0) && !math.IsInf(p.Lon, 0)
}

// Nearest returns the n services nearest to p, nearest first, among the
// services of territory and the national ones (Territory ""; with territory ""
// only national ones) whose themes include theme or one of its sub-themes
// (theme "" for any theme). Services without a Location are skipped.
func (ix *Index) Nearest(territory, theme string, p Point, n int) []Nearby {
	if ix == nil || n <= 0 || !geoFinite(p) {
		return nil
	}
	terr := ix.territory(territory)
	lists := [2][]geoLocated{ix.near[0][theme]}
	if terr > 0 {
		lists[1] = ix.near[terr][theme]
	}
	if len(lists[0])+len(lists[1]) == 0 {
		return nil
	}

	type cand struct {
		d2  float64 // squared chord
		svc int32
	}
	order := func(a, b cand) int { return cmp.Or(cmp.Compare(a.d2, b.d2), cmp.Compare(a.svc, b.svc)) }
	h := ixHeap[cand]{items: make([]cand, 0, min(n, len(lists[0])+len(lists[1]))), cmp: order}
	px, py, pz := geoUnitVector(p)
	for _, list := range lists {
		for i := range list {
			l := &list[i]
			dx, dy, dz := l.x-px, l.y-py, l.z-pz
			d2 := dx*dx + dy*dy + dz*dz
			if len(h.items) == n && d2 > h.items[0].d2 {
				continue // farther than the farthest kept: the common case, without a call
			}
			h.push(cand{d2, l.svc}, n)
		}
	}

	out := make([]Nearby, len(h.items))
	for i, c := range h.items {
		s := ix.services[c.svc]
		out[i] = Nearby{Service: s, Meters: Distance(p, *s.Location)}
	}
	slices.SortStableFunc(out, func(a, b Nearby) int {
		return cmp.Or(cmp.Compare(a.Meters, b.Meters), strings.Compare(a.Service.ID, b.Service.ID))
	})
	return out
}

// FormatDistance writes a distance for people: "0 m" to "990 m" in steps of
// 10 m, "1 km" to "9.9 km" with one decimal (".0" left out), then whole
// kilometres ("12 km"). ASCII digits, a dot for decimals and the international
// unit symbols whatever the language. Negative distances read "0 m"; NaN and
// infinities give "".
func FormatDistance(meters float64) string {
	switch {
	case math.IsNaN(meters) || math.IsInf(meters, 0):
		return ""
	case meters < 0:
		meters = 0
	}
	if m := math.Round(meters/10) * 10; m < 1000 {
		return strconv.Itoa(int(m)) + " m"
	}
	if km := math.Round(meters/100) / 10; km < 10 {
		return strings.TrimSuffix(strconv.FormatFloat(km, 'f', 1, 64), ".0") + " km"
	}
	return strconv.FormatFloat(math.Round(meters/1000), 'f', 0, 64) + " km"
}
