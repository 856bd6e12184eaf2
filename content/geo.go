package content

import (
	"math"
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
