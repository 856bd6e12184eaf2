package content

import (
	"math"
	"testing"
)

var (
	geoDijon = Point{Lat: 47.3220, Lon: 5.0415}
	geoLyon  = Point{Lat: 45.7640, Lon: 4.8357}
	geoParis = Point{Lat: 48.8566, Lon: 2.3522}
)

func TestDistance(t *testing.T) {
	tests := []struct {
		name      string
		a, b      Point
		want, tol float64 // meters
	}{
		{"Dijon-Lyon", geoDijon, geoLyon, 175_000, 2_000},
		{"Dijon-Paris", geoDijon, geoParis, 263_000, 3_000},
		{"same point", geoDijon, geoDijon, 0, 0},
		{"antipodes", Point{0, 0}, Point{0, 180}, 20_015_087, 1_000},
		{"poles", Point{90, 0}, Point{-90, 0}, 20_015_087, 1_000},
		{"antipodes of Dijon", geoDijon, Point{-geoDijon.Lat, geoDijon.Lon - 180}, 20_015_087, 1_000},
		{"one degree of latitude", Point{0, 0}, Point{1, 0}, 111_195, 1},
		{"across the antimeridian", Point{0, 179.5}, Point{0, -179.5}, 111_195, 1},
	}
	for _, tt := range tests {
		got := Distance(tt.a, tt.b)
		if math.IsNaN(got) || math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: Distance = %.1f m, want %.0f ± %.0f", tt.name, got, tt.want, tt.tol)
		}
		if back := Distance(tt.b, tt.a); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: Distance is not symmetric: %.6f and %.6f", tt.name, got, back)
		}
	}
	if d := Distance(geoLyon, geoLyon); d != 0 {
		t.Errorf("Distance(p, p) = %v, want 0", d)
	}
}

func TestFormatDistance(t *testing.T) {
	tests := []struct {
		m    float64
		want string
	}{
		{0, "0 m"},
		{3, "0 m"},
		{7, "10 m"},
		{42, "40 m"},
		{349.9, "350 m"},
		{350, "350 m"},
		{994, "990 m"},
		{995, "1 km"},
		{1000, "1 km"},
		{1049, "1 km"},
		{1050, "1.1 km"},
		{1234, "1.2 km"},
		{2000, "2 km"},
		{9940, "9.9 km"},
		{9950, "10 km"},
		{12_345, "12 km"},
		{12_500, "13 km"},
		{174_000, "174 km"},
		{20_015_087, "20015 km"},
		{-5, "0 m"},
		{math.NaN(), ""},
		{math.Inf(1), ""},
	}
	for _, tt := range tests {
		if got := FormatDistance(tt.m); got != tt.want {
			t.Errorf("FormatDistance(%v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}
