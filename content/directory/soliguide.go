package directory

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// sgPlace is a place of Soliguide's public format (ApiPlace in the
// solinumasso/soliguide repository), the fields Passerelle uses.
type sgPlace struct {
	LieuID      json.Number `json:"lieu_id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Status      string      `json:"status"`
	Visibility  string      `json:"visibility"`
	PlaceType   string      `json:"placeType"`
	Entity      struct {
		Website string    `json:"website"`
		Phones  []sgPhone `json:"phones"`
	} `json:"entity"`
	Position struct {
		Address               string `json:"address"`
		AdditionalInformation string `json:"additionalInformation"`
		PostalCode            string `json:"postalCode"`
		City                  string `json:"city"`
		CityCode              string `json:"cityCode"`
		Location              struct {
			Coordinates []float64 `json:"coordinates"` // longitude, latitude
		} `json:"location"`
	} `json:"position"`
	NewHours   *sgHours    `json:"newhours"`
	Languages  []string    `json:"languages"`
	Modalities sgModal     `json:"modalities"`
	Publics    sgPublics   `json:"publics"`
	Services   []sgService `json:"services_all"`
	TempInfos  struct {
		Closure sgTempInfo `json:"closure"`
		Hours   sgTempInfo `json:"hours"`
	} `json:"tempInfos"`
	Organizations []struct {
		Name string `json:"name"`
	} `json:"organizations"`
}

type sgPhone struct {
	Label                string `json:"label"`
	PhoneNumber          string `json:"phoneNumber"`
	CountryCode          string `json:"countryCode"`
	IsSpecialPhoneNumber bool   `json:"isSpecialPhoneNumber"`
}

// sgHours are the weekly hours; times are numbers (930 for 09:30) or
// strings ("09:30").
type sgHours struct {
	Monday         sgDay  `json:"monday"`
	Tuesday        sgDay  `json:"tuesday"`
	Wednesday      sgDay  `json:"wednesday"`
	Thursday       sgDay  `json:"thursday"`
	Friday         sgDay  `json:"friday"`
	Saturday       sgDay  `json:"saturday"`
	Sunday         sgDay  `json:"sunday"`
	ClosedHolidays string `json:"closedHolidays"`
}

type sgDay struct {
	Open     bool `json:"open"`
	Timeslot []struct {
		Start json.RawMessage `json:"start"`
		End   json.RawMessage `json:"end"`
	} `json:"timeslot"`
}

type sgCheck struct {
	Checked *bool `json:"checked"`
}

type sgModal struct {
	Inconditionnel *bool   `json:"inconditionnel"`
	Appointment    sgCheck `json:"appointment"`
	Orientation    sgCheck `json:"orientation"`
	Price          sgCheck `json:"price"`
}

type sgPublics struct {
	Accueil        *int     `json:"accueil"` // 0 everyone, 1 preferably, 2 only
	Administrative []string `json:"administrative"`
	Familialle     []string `json:"familialle"`
	Gender         []string `json:"gender"`
	Age            *struct {
		Min, Max int
	} `json:"age"`
}

type sgService struct {
	Category string `json:"category"`
}

type sgTempInfo struct {
	Actif     bool     `json:"actif"`
	Name      string   `json:"name"`
	DateDebut string   `json:"dateDebut"`
	DateFin   string   `json:"dateFin"`
	Hours     *sgHours `json:"hours"`
}

// soliguideThemes maps Soliguide's categories (Categories in
// packages/common of the solinumasso/soliguide repository) to data·inclusion
// v1 thématiques. Categories without a v1 equivalent (shower, toilets,
// luggage storage, vet care, language courses other than French…) are not
// listed: the service keeps its other themes.
var soliguideThemes = map[string]string{}

func init() {
	for theme, categories := range map[string][]string{
		"sante--acces-aux-soins":                                                                   {"health", "health_access", "health_coverage", "find_healthcare", "physical_health", "general_practitioner", "health_assessment", "child_care", "dental_care", "optical_care", "hearing_care", "infirmary", "vaccination", "std_testing", "chronic_diseases", "nutrition", "medical_accommodation", "health_specialists", "allergology", "cardiology", "dermatology", "endocrinology", "gastroenterology", "kinesitherapy", "otorhinolaryngology", "speech_therapy", "osteopathy", "pedicure", "phlebology", "pneumology", "radiology", "rheumatology", "stomatology", "urology", "neurology", "vascular_surgery"},
		"sante--sante-mentale":                                                                     {"mental_health", "psychological_support", "psychiatry", "support_groups", "mental_health_education", "therapeutic_activities"},
		"sante--addictions":                                                                        {"addictions", "addiction_care", "addiction_prevention_and_material"},
		"sante--sante-sexuelle":                                                                    {"sexual_health", "emergency_contraception", "abortion", "contraception", "gynecology", "sti_prevention_testing", "hiv_prevention", "sexual_health_vaccination", "sexual_health_education", "affective_life"},
		"sante--constituer-un-dossier-mdph-invalidite":                                             {"disability_advice"},
		"famille--surmonter-conflits-separation-violence":                                          {"sexual_violence_support"},
		"famille--soutien-a-la-parentalite-et-a-leducation":                                        {"parenthood", "pregnancy_care", "parent_assistance", "family_area", "tutoring"},
		"famille--garde-denfants":                                                                  {"babysitting"},
		"mobilite--etre-accompagne-dans-son-parcours-mobilite":                                     {"mobility", "mobility_support"},
		"mobilite--mobilite-douce-partagee-collective":                                             {"transportation_mobility"},
		"mobilite--acceder-a-un-vehicule":                                                          {"personal_vehicle_access"},
		"mobilite--entretenir-reparer-son-vehicule":                                                {"vehicle_maintenance"},
		"mobilite--preparer-un-permis":                                                             {"driving_license"},
		"mobilite--financer-ma-mobilite":                                                           {"mobility_financing"},
		"se-former--trouver-sa-formation":                                                          {"training_and_jobs"},
		"preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi":                    {"job_coaching"},
		"trouver-un-emploi--repondre-a-des-offres-demploi":                                         {"integration_through_economic_activity"},
		"numerique--maitriser-les-fondamentaux-du-numerique":                                       {"digital_tools_training"},
		"numerique--acceder-a-des-services-en-ligne":                                               {"technology", "computers_at_your_disposal", "digital_safe"},
		"numerique--acceder-a-une-connexion-internet":                                              {"wifi"},
		"lecture-ecriture-calcul--maitriser-le-francais":                                           {"french_course"},
		"difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits":         {"counseling", "legal_advice", "information_point"},
		"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives":  {"domiciliation", "social_accompaniment", "public_writer", "administrative_assistance", "regularization"},
		"difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte": {"legal_protection"},
		"difficultes-financieres--ameliorer-sa-gestion-budgetaire":                                 {"budget_advice"},
		"equipement-et-alimentation--alimentation":                                                 {"food", "food_distribution", "food_packages", "social_grocery_stores", "fountain", "solidarity_fridge", "shared_kitchen", "cooking_workshop", "baby_parcel", "food_voucher", "community_garden"},
		"equipement-et-alimentation--habillement":                                                  {"clothing", "solidarity_store"},
		"remobilisation--lien-social":                                                              {"welcome", "day_hosting", "rest_area"},
		"remobilisation--activites-sportives-et-culturelles":                                       {"activities", "sport_activities", "museums", "libraries", "other_activities"},
		"remobilisation--bien-etre-confiance-en-soi":                                               {"wellness", "hairdresser"},
		"logement-hebergement--rechercher-une-solution-dhebergement-temporaire":                    {"overnight_stop", "emergency_accommodation", "citizen_housing", "long_term_accomodation"},
		"logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement":             {"accomodation_and_housing", "access_to_housing"},
	} {
		for _, c := range categories {
			soliguideThemes[c] = theme
		}
	}
}

// frenchCountries are the country codes of Soliguide's phones that are
// French numbers: France and the overseas départements.
var frenchCountries = map[string]bool{"fr": true, "re": true, "yt": true, "gp": true, "gf": true, "mq": true}

// ReadSoliguide reads Soliguide places (a JSON list, or a search answer
// {"nbResults": …, "places": […]}). Places that are not online, or visible
// to professionals only, are left out; so are mobile routes, which have no
// single address.
func ReadSoliguide(f NamedFile, today content.Date) ([]Entry, []Problem, error) {
	ps := &problems{file: f.Name}
	var out []Entry
	err := decodeRecords(f, ps, func(row int, p sgPlace) {
		id := placeID(p)
		switch {
		case id == "" || cleanText(p.Name) == "":
			ps.add(row, id, "place without lieu_id or name: ignored")
		case p.Status != "" && p.Status != "ONLINE":
			ps.add(row, id, "status %s: left out", p.Status)
		case p.Visibility == "PRO":
			ps.add(row, id, "visible to professionals only: left out")
		case p.PlaceType == "PARCOURS_MOBILE":
			ps.add(row, id, "a mobile route, without one address: left out")
		default:
			e := mapSoliguide(p, id, ps, row, today)
			out = append(out, e)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return out, ps.list, nil
}

// mapSoliguide maps one place.
func mapSoliguide(p sgPlace, id string, ps *problems, row int, today content.Date) Entry {
	e := Entry{Directory: Soliguide, ID: id, Name: cleanText(p.Name)}
	if len(p.Organizations) > 0 {
		e.Organisation = cleanText(p.Organizations[0].Name)
	}
	e.Short, e.Long = splitDescription(p.Description)
	if e.Short == "" {
		e.Short = e.Name
		ps.add(row, id, "no description: the name is used as the short line")
	}
	pos := p.Position
	e.Address = cleanText(pos.Address)
	if extra := cleanText(pos.AdditionalInformation); extra != "" {
		e.Address += ", " + extra
	}
	if e.Address != "" && pos.PostalCode != "" && !strings.Contains(e.Address, pos.PostalCode) {
		e.Address = formatAddress(e.Address, "", pos.PostalCode, pos.City)
	}
	e.Commune = strings.TrimSpace(pos.CityCode)
	if c := pos.Location.Coordinates; len(c) == 2 {
		if pt, ok := point(c[1], c[0]); ok {
			e.Location = pt
		} else {
			ps.add(row, id, "coordinates %v out of range: location left out", c)
		}
	}
	for _, ph := range p.Entity.Phones {
		if strings.TrimSpace(ph.PhoneNumber) == "" {
			continue
		}
		if cc := strings.ToLower(ph.CountryCode); cc != "" && !frenchCountries[cc] && !ph.IsSpecialPhoneNumber {
			ps.add(row, id, "phone of country %q: left out", ph.CountryCode)
			continue
		}
		parsed, err := ParsePhone(ph.PhoneNumber)
		if err != nil {
			ps.add(row, id, "%v: phone left out", err)
			continue
		}
		e.Phone = parsed
		break
	}
	if validURL(p.Entity.Website) {
		e.Website = strings.TrimSpace(p.Entity.Website)
	}
	if p.NewHours != nil {
		if w, err := p.NewHours.week(); err == nil {
			e.Week = &w
		} else {
			e.RawHours = strings.TrimPrefix(err.Error(), errHours.Error()+": ")
			ps.add(row, id, "hours: %v: hours: call", err)
		}
	}
	mapSoliguideTemp(&e, p, ps, row, today)
	for _, l := range p.Languages {
		if l = strings.ToLower(strings.TrimSpace(l)); isLanguageCode(l) && !slices.Contains(e.Languages, l) {
			e.Languages = append(e.Languages, l)
		}
	}
	var unmapped []string
	for _, s := range p.Services {
		theme, ok := soliguideThemes[s.Category]
		switch {
		case ok && !slices.Contains(e.Themes, theme):
			e.Themes = append(e.Themes, theme)
		case !ok && s.Category != "" && !slices.Contains(unmapped, s.Category):
			unmapped = append(unmapped, s.Category)
		}
	}
	if len(unmapped) > 0 {
		ps.add(row, id, "categories without a data·inclusion thématique: %s", strings.Join(unmapped, ", "))
	}
	e.Publics = p.Publics.mapped()
	m := p.Modalities
	if m.Inconditionnel != nil && *m.Inconditionnel {
		e.Access = append(e.Access, content.AccessWalkIn)
	}
	if m.Appointment.Checked != nil && *m.Appointment.Checked {
		e.Access = append(e.Access, content.AccessAppointment)
	}
	if m.Orientation.Checked != nil && *m.Orientation.Checked {
		e.Access = append(e.Access, content.AccessReferral)
	}
	if m.Price.Checked != nil {
		e.Fee = content.FeeFree
		if *m.Price.Checked {
			e.Fee = content.FeePaid
		}
	}
	return e
}

// mapSoliguideTemp maps a temporary closure and temporary hours.
func mapSoliguideTemp(e *Entry, p sgPlace, ps *problems, row int, today content.Date) {
	if c := p.TempInfos.Closure; c.Actif || c.DateDebut != "" {
		from, okFrom := isoDate(c.DateDebut)
		to, okTo := isoDate(c.DateFin)
		switch {
		case !okFrom:
		case !okTo:
			e.Week, e.RawHours = nil, "temporarily closed from "+from.String()+", no end date"
			ps.add(row, placeID(p), "closed from %s with no end date: hours: call", from)
		case to.Compare(today) >= 0:
			cl := content.Closure{From: from, To: to}
			if c.Name != "" {
				cl.Reason = map[string]string{"fr": cleanText(c.Name)}
			}
			e.Closures = append(e.Closures, cl)
		}
	}
	t := p.TempInfos.Hours
	from, okFrom := isoDate(t.DateDebut)
	to, okTo := isoDate(t.DateFin)
	if t.Hours == nil || !okFrom || !okTo || to.Compare(today) < 0 {
		return
	}
	w, err := t.Hours.week()
	if err != nil {
		ps.add(row, placeID(p), "temporary hours: %v: left out", err)
		return
	}
	if from.Compare(today) < 0 {
		from = today
	}
	const maxDays = 92 // a longer period is written as its first three months
	for d, n := from, 0; d.Compare(to) <= 0 && n < maxDays; d, n = d.AddDays(1), n+1 {
		spans := w.Days[d.Weekday()]
		e.Exceptions = append(e.Exceptions, content.Exception{Date: d, Closed: len(spans) == 0, Spans: spans})
	}
}

// isLanguageCode reports whether l is 2 or 3 letters a-z (ISO 639).
func isLanguageCode(l string) bool {
	if len(l) < 2 || len(l) > 3 {
		return false
	}
	for i := 0; i < len(l); i++ {
		if l[i] < 'a' || l[i] > 'z' {
			return false
		}
	}
	return true
}

func placeID(p sgPlace) string { return p.LieuID.String() }

// isoDate reads the day of an ISO 8601 date ("2021-07-14T00:00:00.000Z").
func isoDate(s string) (content.Date, bool) {
	if len(s) < 10 {
		return content.Date{}, false
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return content.Date{}, false
	}
	y, m, d := t.Date()
	return content.Date{Year: y, Month: m, Day: d}, true
}

// week converts Soliguide's weekly hours. Closed on every day is refused:
// Soliguide writes it for hours nobody filled in.
func (h *sgHours) week() (Week, error) {
	var w Week
	for wd, day := range [7]sgDay{h.Sunday, h.Monday, h.Tuesday, h.Wednesday, h.Thursday, h.Friday, h.Saturday} {
		if !day.Open {
			continue
		}
		for _, ts := range day.Timeslot {
			open, ok1 := sgTime(ts.Start)
			closing, ok2 := sgTime(ts.End)
			if !ok1 || !ok2 || open == closing || open >= 24*60 {
				return w, fmt.Errorf("%w: %s: time slot %s-%s", errHours, time.Weekday(wd), ts.Start, ts.End)
			}
			if closing == 0 {
				closing = 24 * 60 // until midnight
			}
			w.Days[wd] = append(w.Days[wd], content.Span{Open: open, Close: closing})
		}
	}
	open := false
	for d := range w.Days {
		var err error
		if w.Days[d], err = union(w.Days[d]); err != nil {
			return w, err
		}
		open = open || len(w.Days[d]) > 0
	}
	if !open {
		return w, fmt.Errorf("%w: closed every day", errHours)
	}
	if err := checkOvernight(w.Days); err != nil {
		return w, err
	}
	w.HolidaysClosed = h.ClosedHolidays == "CLOSED"
	return w, nil
}

// sgTime reads a Soliguide time: 930 or "930" for 09:30, or "09:30".
func sgTime(raw json.RawMessage) (int, bool) {
	s := strings.Trim(string(raw), `"`)
	s = strings.NewReplacer(":", "", "h", "").Replace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n%100 > 59 || n > 2400 {
		return 0, false
	}
	return n/100*60 + n%100, true
}

// mapped returns the content publics a place is only (or preferably) for:
// none when it welcomes everyone.
func (p sgPublics) mapped() []string {
	if p.Accueil == nil || *p.Accueil == 0 {
		return nil
	}
	var out []string
	only := func(list []string, want ...string) bool {
		if len(list) == 0 || slices.Contains(list, "all") {
			return false
		}
		for _, v := range list {
			if !slices.Contains(want, v) {
				return false
			}
		}
		return true
	}
	if only(p.Administrative, "asylum", "refugee") {
		if slices.Contains(p.Administrative, "refugee") {
			out = append(out, content.PublicRefugees)
		}
		if slices.Contains(p.Administrative, "asylum") {
			out = append(out, content.PublicAsylumSeekers)
		}
	}
	if only(p.Gender, "women") {
		out = append(out, content.PublicWomen)
	}
	if only(p.Familialle, "family", "pregnant") {
		out = append(out, content.PublicFamilies)
	}
	if p.Age != nil && p.Age.Min >= 15 && p.Age.Max <= 26 {
		out = append(out, content.PublicUnder25)
	}
	return out
}
