package search

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/territoires-integration/passerelle/content"
)

// Nearby is a service and how far it is.
type Nearby struct {
	Service *content.Service
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

func geoUnitVector(p content.Point) (x, y, z float64) {
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

func geoFinite(p content.Point) bool {
	return !math.IsNaN(p.Lat) && !math.IsNaN(p.Lon) && !math.IsInf(p.Lat, 0) && !math.IsInf(p.Lon, 0)
}

// Nearest returns the n services nearest to p, nearest first, among the
// services of territory and the national ones (Territory ""; with territory ""
// only national ones) whose themes include theme or one of its sub-themes
// (theme "" for any theme). Services without a Location are skipped.
func (ix *Index) Nearest(territory, theme string, p content.Point, n int) []Nearby {
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
		out[i] = Nearby{Service: s, Meters: content.Distance(p, *s.Location)}
	}
	slices.SortStableFunc(out, func(a, b Nearby) int {
		return cmp.Or(cmp.Compare(a.Meters, b.Meters), strings.Compare(a.Service.ID, b.Service.ID))
	})
	return out
}
