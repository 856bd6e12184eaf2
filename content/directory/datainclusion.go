package directory

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/territoires-integration/passerelle/content"
)

// diService is a service of the data·inclusion schema v1 (the fields
// Passerelle uses; the others are ignored).
type diService struct {
	StructureID       string   `json:"structure_id"`
	ID                string   `json:"id"`
	Nom               string   `json:"nom"`
	Description       string   `json:"description"`
	Adresse           string   `json:"adresse"`
	ComplementAdresse string   `json:"complement_adresse"`
	CodePostal        string   `json:"code_postal"`
	Commune           string   `json:"commune"`
	CodeInsee         string   `json:"code_insee"`
	Latitude          *float64 `json:"latitude"`
	Longitude         *float64 `json:"longitude"`
	Telephone         string   `json:"telephone"`
	LienSource        string   `json:"lien_source"`
	LienMobilisation  string   `json:"lien_mobilisation"`
	HorairesAccueil   string   `json:"horaires_accueil"`
	Thematiques       []string `json:"thematiques"`
	Publics           []string `json:"publics"`
	PublicsPrecisions string   `json:"publics_precisions"`
	Frais             string   `json:"frais"`
	FraisPrecisions   string   `json:"frais_precisions"`
	ConditionsAcces   string   `json:"conditions_acces"`
	ModesAccueil      []string `json:"modes_accueil"`
	ModesMobilisation []string `json:"modes_mobilisation"`
	MobilisablePar    []string `json:"mobilisable_par"`
}

// diStructure is a structure of the data·inclusion schema v1.
type diStructure struct {
	ID                string   `json:"id"`
	Nom               string   `json:"nom"`
	Adresse           string   `json:"adresse"`
	ComplementAdresse string   `json:"complement_adresse"`
	CodePostal        string   `json:"code_postal"`
	Commune           string   `json:"commune"`
	CodeInsee         string   `json:"code_insee"`
	Latitude          *float64 `json:"latitude"`
	Longitude         *float64 `json:"longitude"`
	Telephone         string   `json:"telephone"`
	SiteWeb           string   `json:"site_web"`
	HorairesAccueil   string   `json:"horaires_accueil"`
}

// diPublics maps the v1 publics to the content format's; the others are
// said in the long description.
var diPublics = map[string][]string{
	"tous-publics":      {content.PublicEveryone},
	"familles":          {content.PublicFamilies},
	"femmes":            {content.PublicWomen},
	"jeunes":            {content.PublicUnder25},
	"personnes-exilees": {content.PublicRefugees, content.PublicAsylumSeekers},
}

// diPublicLabels are the French labels of the v1 publics that have no
// equivalent (referential publics.json of the schema, release 1.0.8).
var diPublicLabels = map[string]string{
	"actifs":                                      "actifs",
	"beneficiaires-des-minimas-sociaux":           "bénéficiaires des minimas sociaux",
	"demandeurs-emploi":                           "demandeurs d’emploi",
	"etudiants":                                   "étudiants",
	"personnes-en-situation-de-handicap":          "personnes en situation de handicap",
	"personnes-en-situation-durgence":             "personnes en situation d’urgence",
	"personnes-en-situation-juridique-specifique": "personnes en situation juridique spécifique",
	"residents-qpv-frr":                           "résidents en QPV ou FRR",
	"seniors":                                     "séniors",
}

// DataInclusionFiles is what ReadDataInclusion reads: services, and
// optionally structures (for the organisations' names, and the address,
// phone, website and hours a service does not give).
type DataInclusionFiles struct {
	Services   []NamedFile
	Structures []NamedFile
}

// NamedFile is the content of a file and its name, for messages.
type NamedFile struct {
	Name string
	Data []byte
}

// IsStructures reports whether a data·inclusion file holds structures
// rather than services: its records have no structure_id.
func IsStructures(f NamedFile) bool {
	data := bytes.TrimLeft(f.Data, "\ufeff \t\r\n")
	if len(data) > 0 && (data[0] == '[' || data[0] == '{') {
		i := bytes.Index(data, []byte(`"structure_id"`))
		return i < 0
	}
	header, _, _ := bytes.Cut(data, []byte("\n"))
	return !bytes.Contains(header, []byte("structure_id"))
}

// ReadDataInclusion reads data·inclusion v1 services (a JSON list, or CSV
// with the schema's field names as header) and maps them. A service that
// cannot be read is left out with a problem; a field that cannot be read
// is left empty with a problem.
func ReadDataInclusion(files DataInclusionFiles) ([]Entry, []Problem, error) {
	structures := map[string]diStructure{}
	var probs []Problem
	for _, f := range files.Structures {
		ps := &problems{file: f.Name}
		err := decodeRecords(f, ps, func(row int, s diStructure) {
			if s.ID == "" {
				ps.add(row, "", "structure without id: ignored")
				return
			}
			structures[s.ID] = s
		})
		if err != nil {
			return nil, nil, err
		}
		probs = append(probs, ps.list...)
	}
	var out []Entry
	for _, f := range files.Services {
		ps := &problems{file: f.Name}
		err := decodeRecords(f, ps, func(row int, s diService) {
			if s.ID == "" || cleanText(s.Nom) == "" {
				ps.add(row, s.ID, "service without id or nom: ignored")
				return
			}
			st, found := structures[s.StructureID]
			if !found && len(files.Structures) > 0 {
				ps.add(row, s.ID, "structure %q is not in the structures file: no organisation name", s.StructureID)
			}
			e := mapDataInclusion(s, st, ps, row)
			out = append(out, e)
		})
		if err != nil {
			return nil, nil, err
		}
		probs = append(probs, ps.list...)
	}
	return out, probs, nil
}

// mapDataInclusion maps a service, completed by its structure.
func mapDataInclusion(s diService, st diStructure, ps *problems, row int) Entry {
	e := Entry{Directory: DataInclusion, ID: s.ID, Name: cleanText(s.Nom), Organisation: cleanText(st.Nom)}
	var extra []string
	e.Short, e.Long = splitDescription(s.Description)
	if e.Short == "" {
		e.Short = e.Name
		ps.add(row, s.ID, "no description: the name is used as the short line")
	}

	addr, postcode, commune, insee, lat, lon := s.Adresse, s.CodePostal, s.Commune, s.CodeInsee, s.Latitude, s.Longitude
	complement := s.ComplementAdresse
	if addr == "" && commune == "" && lat == nil {
		addr, postcode, commune, insee, lat, lon = st.Adresse, st.CodePostal, st.Commune, st.CodeInsee, st.Latitude, st.Longitude
		complement = st.ComplementAdresse
	}
	e.Address = formatAddress(addr, complement, postcode, commune)
	e.Commune = strings.TrimSpace(insee)
	if lat != nil && lon != nil {
		if p, ok := point(*lat, *lon); ok {
			e.Location = p
		} else {
			ps.add(row, s.ID, "latitude %g, longitude %g out of range: location left out", *lat, *lon)
		}
	}

	for _, tel := range []string{s.Telephone, st.Telephone} {
		if strings.TrimSpace(tel) == "" {
			continue
		}
		if p, err := ParsePhone(tel); err == nil {
			e.Phone = p
		} else {
			ps.add(row, s.ID, "%v: phone left out", err)
		}
		break
	}
	for _, w := range []string{st.SiteWeb, s.LienMobilisation, s.LienSource} {
		if validURL(w) {
			e.Website = strings.TrimSpace(w)
			break
		}
	}

	hours := s.HorairesAccueil
	if strings.TrimSpace(hours) == "" {
		hours = st.HorairesAccueil
	}
	if strings.TrimSpace(hours) != "" {
		if w, err := ParseOpeningHours(hours); err == nil {
			e.Week = &w
		} else {
			e.RawHours = hours
			ps.add(row, s.ID, "horaires_accueil %q: %v: hours: call", hours, err)
		}
	}

	for _, t := range s.Thematiques {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(e.Themes, t) {
			e.Themes = append(e.Themes, t)
		}
	}
	var others []string
	for _, p := range s.Publics {
		if mapped, ok := diPublics[p]; ok {
			for _, m := range mapped {
				if !slices.Contains(e.Publics, m) {
					e.Publics = append(e.Publics, m)
				}
			}
		} else if label, ok := diPublicLabels[p]; ok {
			others = append(others, label)
		} else {
			ps.add(row, s.ID, "public %q is not in the v1 referential: ignored", p)
		}
	}
	if len(others) > 0 {
		if len(e.Publics) == 0 {
			extra = append(extra, "Pour : "+strings.Join(others, ", ")+".")
		} else {
			extra = append(extra, "Aussi pour : "+strings.Join(others, ", ")+".")
		}
	}
	if text := cleanText(s.PublicsPrecisions); text != "" {
		extra = append(extra, "Public : "+sentence(text))
	}
	switch s.Frais {
	case content.FeeFree, content.FeePaid:
		e.Fee = s.Frais
	case "":
	default:
		ps.add(row, s.ID, "frais %q is not in the v1 referential: fee left out", s.Frais)
	}
	if text := cleanText(s.FraisPrecisions); text != "" {
		extra = append(extra, "Frais : "+sentence(text))
	}
	if text := cleanText(s.ConditionsAcces); text != "" {
		extra = append(extra, "Conditions d’accès : "+sentence(text))
	}
	professionalsOnly := len(s.MobilisablePar) > 0 && !slices.Contains(s.MobilisablePar, "usagers")
	switch {
	case professionalsOnly:
		e.Access = []string{content.AccessReferral}
	case slices.Contains(s.ModesMobilisation, "se-presenter"):
		e.Access = []string{content.AccessWalkIn}
	}
	if len(s.ModesAccueil) == 1 && s.ModesAccueil[0] == "a-distance" {
		extra = append(extra, "Service à distance uniquement.")
	}
	if len(extra) > 0 {
		if e.Long == "" {
			e.Long = e.Short
		}
		e.Long += " " + strings.Join(extra, " ")
	}
	return e
}

// sentence ends text with a full stop.
func sentence(text string) string {
	if strings.HasSuffix(text, ".") || strings.HasSuffix(text, "!") || strings.HasSuffix(text, "?") {
		return text
	}
	return text + "."
}

// formatAddress writes an address on one line: "1 rue X, Bâtiment B, 21000 Dijon".
func formatAddress(street, complement, postcode, commune string) string {
	var parts []string
	for _, p := range []string{street, complement} {
		if p = cleanText(p); p != "" {
			parts = append(parts, p)
		}
	}
	if city := strings.TrimSpace(strings.TrimSpace(postcode) + " " + cleanText(commune)); city != "" {
		parts = append(parts, city)
	}
	return strings.Join(parts, ", ")
}

// point returns the location when it is a valid latitude and longitude.
func point(lat, lon float64) (*content.Point, bool) {
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 || lat == 0 && lon == 0 {
		return nil, false
	}
	return &content.Point{Lat: lat, Lon: lon}, true
}

// validURL reports whether s is an absolute http(s) address.
func validURL(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// decodeRecords calls fn with each record of a JSON list or a CSV file, and
// its row: its position in the list, or its line in the CSV file. A JSON
// record of the wrong shape is a problem, not an error; a file that is not
// a list is an error.
func decodeRecords[T any](f NamedFile, ps *problems, fn func(row int, rec T)) error {
	data := bytes.TrimPrefix(f.Data, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		// An API answer: {"items": [...]} or {"places": [...]}.
		var wrapper map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &wrapper); err != nil {
			return fmt.Errorf("%s: %w", f.Name, jsonError(err, trimmed))
		}
		for _, key := range []string{"items", "places", "data", "results"} {
			if list, ok := wrapper[key]; ok {
				trimmed = list
				break
			}
		}
	}
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return decodeJSONList(f.Name, trimmed, ps, fn)
	}
	return decodeCSV(f.Name, data, ps, fn)
}

func decodeJSONList[T any](name string, data []byte, ps *problems, fn func(row int, rec T)) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for row := 1; dec.More(); row++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: record %d: %w", name, row, jsonError(err, data))
		}
		var rec T
		if err := json.Unmarshal(raw, &rec); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				ps.add(row, "", "field %q: expected %s, found a JSON %s: record ignored", te.Field, kindName(te.Type), te.Value)
			} else {
				ps.add(row, "", "%v: record ignored", err)
			}
			continue
		}
		fn(row, rec)
	}
	return nil
}

// kindName names a type for a message: "a number", "a list", "text".
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float64, reflect.Int:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.String:
		return "text"
	}
	return t.String()
}

// jsonError adds the line of a syntax error.
func jsonError(err error, data []byte) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= int64(len(data)) {
		return fmt.Errorf("line %d: %w", bytes.Count(data[:se.Offset], []byte("\n"))+1, err)
	}
	return err
}

// decodeCSV reads a CSV file whose header names the fields, by turning each
// row into the JSON record it stands for. Lists are written as JSON
// (["a","b"]), as {a,b}, or separated by commas or "|".
func decodeCSV[T any](name string, data []byte, ps *problems, fn func(row int, rec T)) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	if bytes.Count(firstLine(data), []byte(";")) > bytes.Count(firstLine(data), []byte(",")) {
		r.Comma = ';'
	}
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: neither a JSON list nor a CSV file with a header: %w", name, err)
	}
	kinds := fieldKinds[T]()
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		obj := map[string]any{}
		for i, col := range header {
			if i >= len(rec) {
				break
			}
			col = strings.TrimSpace(col)
			v := strings.TrimSpace(rec[i])
			if v == "" {
				continue
			}
			switch kinds[col] {
			case "list":
				obj[col] = csvList(v)
			case "number":
				f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
				if err != nil {
					ps.add(line, "", "column %s: %q is not a number: left out", col, v)
					continue
				}
				obj[col] = f
			case "string":
				obj[col] = v
			}
		}
		raw, _ := json.Marshal(obj)
		var out T
		if err := json.Unmarshal(raw, &out); err != nil {
			ps.add(line, "", "%v: row ignored", err)
			continue
		}
		fn(line, out)
	}
}

func firstLine(data []byte) []byte {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return line
}

// csvList reads a list written in a CSV cell.
func csvList(v string) []string {
	if strings.HasPrefix(v, "[") {
		var list []string
		if json.Unmarshal([]byte(v), &list) == nil {
			return list
		}
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "{"), "}")
	sep := ","
	if strings.Contains(v, "|") {
		sep = "|"
	}
	var out []string
	for item := range strings.SplitSeq(v, sep) {
		if item = strings.Trim(strings.TrimSpace(item), `"`); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// fieldKinds returns, for each JSON field of the struct T, "list",
// "number" or "string".
func fieldKinds[T any]() map[string]string {
	kinds := map[string]string{}
	t := reflect.TypeFor[T]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.Slice:
			kinds[name] = "list"
		case reflect.Float64, reflect.Int:
			kinds[name] = "number"
		case reflect.String:
			kinds[name] = "string"
		}
	}
	return kinds
}
