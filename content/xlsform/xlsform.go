// Package xlsform converts an XLSForm (the KoboToolbox and ODK spreadsheet
// format, as an .xlsx or an Excel 97–2003 .xls file) to a survey file of the
// content package. The rules are in docs/surveys.md, section "XLSForm
// import": a row that cannot be expressed is an error, never approximated —
// or, with SkipUnsupported, left out with a warning saying what that
// changes.
package xlsform

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/territoires-integration/passerelle/content"
	"go.yaml.in/yaml/v3"
)

// Options are what an XLSForm does not say about a survey.
type Options struct {
	ID              string    // the survey id; "" takes it from the settings' form_id, or else from the file name
	Opens           time.Time // the first day (its calendar day where it is); zero means today in the local time zone
	Closes          time.Time // the last day; zero means 30 days after Opens
	Territories     []string  // territory ids; none means every territory ("all")
	DefaultLanguage string    // the language of the plain label column ("en", "English"…); "" reads the settings, else tells it from the texts
	SkipUnsupported bool      // leave out what the chat cannot ask, with a warning per row, instead of refusing the form
	Texts           Texts     // the words of the questions the import adds to write out a repeat; nil refuses repeats
	Blocks          []string  // the blocks of a KoboToolbox question library to convert, in this order; none converts them all
}

// surveyLangs are the bot's languages, in the order texts are written.
var surveyLangs = []string{"fr", "en", "ar", "fa", "ps", "uk", "ru", "ti"}

const (
	defaultSurveyDays = 30
	maxExprDepth      = 32  // nesting of parentheses and calls in an expression
	maxQuotedExpr     = 120 // runes of an expression repeated in a message
)

// xlsformLangAliases maps language codes other than ours to ours: Dari is
// written fa, and three-letter codes are accepted.
var xlsformLangAliases = map[string]string{
	"prs": "fa", "fas": "fa", "per": "fa", "fra": "fr", "fre": "fr", "eng": "en", "ara": "ar",
	"pus": "ps", "pbt": "ps", "ukr": "uk", "rus": "ru", "tir": "ti",
}

// xlsformLangNames maps the names KoboToolbox and ODK users give our
// languages (in English, French or the language itself, in the spellings
// seen in real forms) to their codes, for columns such as label::English
// without a code.
var xlsformLangNames = map[string]string{
	"french": "fr", "français": "fr", "francais": "fr",
	"english": "en", "anglais": "en",
	"arabic": "ar", "arabe": "ar", "العربية": "ar", "عربي": "ar",
	"dari": "fa", "persian": "fa", "farsi": "fa", "persan": "fa", "فارسی": "fa", "دری": "fa",
	"pashto": "ps", "pashtu": "ps", "pushto": "ps", "pachto": "ps", "پښتو": "ps",
	"ukrainian": "uk", "ukrainien": "uk", "українська": "uk",
	"russian": "ru", "russe": "ru", "русский": "ru",
	"tigrinya": "ti", "tigrigna": "ti", "tigirigna": "ti", "tigrina": "ti", "tigrigne": "ti", "tigrinia": "ti", "ትግርኛ": "ti",
}

// xlsformMetadata are the types KoboToolbox fills in by itself; they are
// dropped without a word, as pyxform's metadata: the bot records none of
// them (the export's started_at and submitted_at stand for start, end and
// today).
var xlsformMetadata = []string{"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit", "imei", "phone_number", "start-geopoint", "background-geopoint"}

// xlsformTypeAliases are the other spellings pyxform reads.
var xlsformTypeAliases = map[string]string{
	"int": "integer", "string": "text", "gps": "geopoint", "select1": "select_one",
	"select_all_that_apply": "select_multiple", "select_many": "select_multiple",
	"begin_survey": "begin_group", "end_survey": "end_group", "begin_loop": "begin_repeat", "end_loop": "end_repeat",
	"q_image": "image", "photo": "image", "q_audio": "audio", "q_video": "video", "q_geopoint": "geopoint",
	"trigger": "acknowledge", "add_note_prompt": "note", "add_date_prompt": "date", "add_text_prompt": "text",
	"add_integer_prompt": "integer", "add_decimal_prompt": "decimal",
}

// xlsformRefusedTypes explains why a type cannot be converted; other
// unknown types get a generic message.
var xlsformRefusedTypes = map[string]string{
	"begin_repeat":              "a repeat inside a repeat cannot be written out: the bot writes out the items of the outer one only",
	"calculate":                 "the bot computes nothing: compute it from the export instead",
	"hidden":                    "the bot computes nothing: compute it from the export instead",
	"geotrace":                  "the bot asks for one place (a geopoint), not a line",
	"geoshape":                  "the bot asks for one place (a geopoint), not a shape",
	"image":                     "the bot takes no files or recordings in surveys",
	"audio":                     "the bot takes no files or recordings in surveys",
	"video":                     "the bot takes no files or recordings in surveys",
	"file":                      "the bot takes no files or recordings in surveys",
	"background-audio":          "the bot takes no files or recordings in surveys",
	"rank":                      "the bot cannot rank choices",
	"datetime":                  "the bot asks for a date or a time of day, not both at once: split it into a date and a time question",
	"select_one_from_file":      "the choices must be in the choices sheet",
	"select_multiple_from_file": "the choices must be in the choices sheet",
	"select_one_external":       "the choices must be in the choices sheet",
	"select_multiple_external":  "the choices must be in the choices sheet",
	"xml-external":              "the bot reads no external data",
	"csv-external":              "the bot reads no external data",
}

// Survey sheet columns that are dropped, with the reason.
var xlsformDropped = map[string]string{
	"guidance_hint":      "guidance hints are for the people who design the form",
	"constraint_message": "the bot explains the limits in its own words",
	"required_message":   "the bot explains the limits in its own words",
	"appearance":         "the bot shows every question its own way",
	"default":            "answers start empty",
	"media":              "the bot sends no images or sounds with questions",
	"image":              "the bot sends no images or sounds with questions",
	"audio":              "the bot sends no images or sounds with questions",
	"video":              "the bot sends no images or sounds with questions",
	"big-image":          "the bot sends no images or sounds with questions",
	"tag":                "tags sort the questions of a library, people do not see them",
}

// Sheets of an XLSForm, as named in diagnostics.
const (
	surveySheet   = "survey"
	choicesSheet  = "choices"
	settingsSheet = "settings"
)

// xlsform is one conversion in progress.
type xlsform struct {
	name        string // the file, for diagnostics
	skip        bool   // SkipUnsupported
	diags       content.Diagnostics
	lang        string // the survey's language: its texts are required in it
	plainLang   string // the language of plain label and hint columns; "" when not one of ours
	formTitle   string
	formID      string
	settingsRow int
	surveyName  string                          // the name of the sheet of questions, for diagnostics
	library     bool                            // the questions are a KoboToolbox question library's
	blocks      []string                        // Options.Blocks
	texts       Texts                           // the import's own words: Options.Texts
	suffix      string                          // while writing out a repeat's item: _ and its number, added to its names
	quiet       bool                            // while writing out a repeat's second and later items: their rows were reported with the first
	overflow    struct{ rows, first, last int } // the rows left out past content.MaxQuestions
	hasChoices  bool
	lists       map[string]*choiceList
	questions   []*xlsQuestion
	byName      map[string]*xlsQuestion // by XLSForm name
	ids         map[string]bool         // question ids given
	names       map[string]bool         // every name of the survey sheet, so that an id made of one is none of the others
	leftOut     map[string]string       // XLSForm name → why it was left out ("row 12: calculate")
	acks        map[string]*xlsQuestion // XLSForm name → the note an acknowledge became
	asked       bool                    // a question row was read, converted, refused or of an unknown type
	intro       []map[string]string     // the texts of the notes before the first question
	notes       []pendingNote           // notes waiting for the next question
	thanks      []map[string]string     // the texts of the notes after the last question
}

// pendingNote is a note to show with the next question.
type pendingNote struct {
	row    int
	name   string
	showIf []content.Condition // its condition and its groups'
	texts  map[string]string
}

// choiceList is one list of the choices sheet.
type choiceList struct {
	choices []xlsChoice
	checked bool // its names and labels were validated
	usable  bool // a question may use it
}

type xlsChoice struct {
	row    int
	name   string // as in the XLSForm
	id     string // as in the survey file
	labels map[string]string
}

// xlsQuestion is a converted question.
type xlsQuestion struct {
	row      int
	id       string
	typ      content.QuestionType
	required bool
	min, max *float64
	decimal  bool
	showIf   []content.Condition
	notes    map[string]string
	texts    map[string]string
	hints    map[string]string
	choices  []xlsChoice
}

// options are the answers a condition may name (nil for typed answers).
func (q *xlsQuestion) options() []string {
	ids := make([]string, len(q.choices))
	for i, c := range q.choices {
		ids[i] = c.name
	}
	return content.AnswerOptions(q.typ, ids)
}

// answerID is the survey file's id of the answer named v.
func (q *xlsQuestion) answerID(v string) string {
	for _, c := range q.choices {
		if c.name == v {
			return c.id
		}
	}
	return v
}

// Import converts the XLSForm in data (an .xlsx or .xls file named name, at
// most MaxSize bytes) to a survey file in the content YAML format. It returns no
// YAML when any row cannot be expressed, and diagnostics naming the sheet
// and row of each problem (errors and warnings, sorted).
func Import(data []byte, name string, opt Options) ([]byte, content.Diagnostics) {
	c := &xlsform{name: name, skip: opt.SkipUnsupported, texts: opt.Texts, blocks: opt.Blocks, lists: map[string]*choiceList{},
		byName: map[string]*xlsQuestion{}, ids: map[string]bool{}, leftOut: map[string]string{}, acks: map[string]*xlsQuestion{}}
	out := c.convert(data, opt)
	c.diags.Sort()
	if c.diags.Errors() > 0 {
		return nil, c.diags
	}
	return out, c.diags
}

func (c *xlsform) report(sheetName string, row int, sev content.Severity, format string, args ...any) {
	if c.quiet {
		return
	}
	file := c.name
	if sheetName != "" {
		file += " (" + sheetName + " sheet)"
	}
	c.diags = append(c.diags, content.Diagnostic{File: file, Line: row, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

func (c *xlsform) errorf(sheetName string, row int, format string, args ...any) {
	c.report(sheetName, row, content.Error, format, args...)
}

func (c *xlsform) warnf(sheetName string, row int, format string, args ...any) {
	c.report(sheetName, row, content.Warning, format, args...)
}

// unsupported reports what the chat cannot ask: an error, or with
// SkipUnsupported a warning that it is left out, followed by what that
// changes. It returns whether the conversion goes on without it.
func (c *xlsform) unsupported(sheetName string, row int, change, format string, args ...any) bool {
	msg := fmt.Sprintf(format, args...)
	if !c.skip {
		c.errorf(sheetName, row, "%s", msg)
		return false
	}
	if change != "" {
		msg += "; " + change
	}
	c.warnf(sheetName, row, "left out: %s", msg)
	return true
}

// leaveOut records that the question or calculation named name was not
// converted, for the rows that refer to it.
func (c *xlsform) leaveOut(name string, row int, why string) {
	if name != "" {
		if _, ok := c.leftOut[name]; !ok {
			c.leftOut[name] = fmt.Sprintf("row %d: %s", row, why)
		}
	}
}

// book is a workbook read: .xlsx or .xls.
type book interface {
	names() []string
	sheet(name string) (*sheet, error) // the error wraps errNoSheet when there is none
}

func (c *xlsform) convert(data []byte, opt Options) []byte {
	var wb book
	var err error
	if bytes.HasPrefix(data, oleMagic) {
		wb, err = openXLS(data)
		if err != nil {
			err = fmt.Errorf("%w; or open it in Excel or LibreOffice and save it as .xlsx (soffice --headless --convert-to xlsx %s)", err, filepath.Base(c.name))
		}
	} else {
		wb, err = openXLSX(data)
	}
	if err != nil {
		c.errorf("", 0, "%v", err)
		return nil
	}
	sheets := map[string]*sheet{}
	survey, err := c.surveySheet(wb)
	if err != nil {
		c.errorf("", 0, "%v", err)
		return nil
	}
	sheets[surveySheet] = survey
	for _, name := range []string{settingsSheet, choicesSheet} {
		s, err := wb.sheet(name)
		switch {
		case errors.Is(err, errNoSheet):
		case err != nil:
			c.errorf("", 0, "%s sheet: %v", name, err)
			return nil
		default:
			sheets[name] = s
		}
	}
	c.settings(sheets[settingsSheet], opt.DefaultLanguage)
	if c.plainLang == "?" {
		c.detectPlainLanguage(sheets[surveySheet], sheets[choicesSheet])
	}
	c.surveyLanguage(sheets[surveySheet])
	c.choices(sheets[choicesSheet])
	c.survey(sheets[surveySheet])
	if c.formTitle == "" {
		base := filepath.Base(c.name)
		c.formTitle = strings.Join(strings.FieldsFunc(strings.TrimSuffix(base, filepath.Ext(base)), func(r rune) bool { return r == '_' || unicode.IsSpace(r) }), " ")
		c.warnf(settingsSheet, c.settingsRow, "no form_title: the title is the file name, %s; write a better one in the survey file", content.Quote(c.formTitle))
	}
	id := c.surveyID(opt.ID)
	opens, closes := c.dates(opt)
	if c.diags.Errors() > 0 {
		return nil
	}
	return c.yaml(id, opens, closes, opt.Territories)
}

// librarySheet is the sheet of a KoboToolbox question library export (a
// "collection"): the rows of a survey sheet, with a block column.
const librarySheet = "library"

// surveySheet finds the sheet of questions: the one named survey; else the
// library sheet of a KoboToolbox question library export; else the one
// sheet, other than choices and settings, whose first row names a type and
// a name column (a survey sheet saved under another name), said in a
// warning. It sets c.surveyName to the sheet's name.
func (c *xlsform) surveySheet(wb book) (*sheet, error) {
	s, err := wb.sheet(surveySheet)
	if !errors.Is(err, errNoSheet) {
		c.surveyName = surveySheet
		if err != nil {
			return nil, fmt.Errorf("%s sheet: %w", surveySheet, err)
		}
		return s, nil
	}
	notForm := fmt.Errorf("not an XLSForm: %w", err)
	var found []string
	var only *sheet
	for _, name := range wb.names() {
		if strings.EqualFold(name, choicesSheet) || strings.EqualFold(name, settingsSheet) {
			continue
		}
		s, err := wb.sheet(name)
		if err != nil {
			return nil, fmt.Errorf("%s sheet: %w", name, err)
		}
		if len(s.rows) == 0 {
			continue
		}
		cols := map[string]bool{}
		for _, cell := range s.rows[0].cells {
			base, _, _ := headerName(cell.text)
			cols[base] = true
		}
		if !cols["type"] || !cols["name"] {
			continue
		}
		if strings.EqualFold(name, librarySheet) {
			c.surveyName, c.library = name, true
			return s, nil
		}
		found = append(found, name)
		only = s
	}
	if len(found) != 1 {
		return nil, notForm
	}
	c.surveyName = found[0]
	c.warnf("", 0, "the workbook has no sheet named %q: its one sheet of questions, %q, is read as the survey sheet (KoboToolbox and ODK need it named %q)", surveySheet, found[0], surveySheet)
	return only, nil
}

// headerName splits a header cell into its key (lower case, spaces made _)
// and its language: "label::English (en)", "label:English" and "LABEL::EN"
// are all label columns.
func headerName(text string) (base, lang string, translated bool) {
	base, lang, translated = strings.Cut(text, "::")
	if !translated {
		base, lang, translated = strings.Cut(text, ":")
	}
	base = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(base)), " ", "_")
	return base, strings.TrimSpace(lang), translated
}

// textColumns are a sheet's label and hint columns by language.
type textColumns struct{ labels, hints []langCol }

// header reads a sheet's first row: the columns of the keys wanted, and the
// label and hint columns by language. Other columns are reported when they
// hold something: dropped ones with their reason, unknown ones as not
// converted; with dropped nil, other columns are ignored without a word.
func (c *xlsform) header(sheetName string, s *sheet, wanted []string, dropped map[string]string) (cols map[string]int, text textColumns, rows []sheetRow) {
	cols = map[string]int{}
	if len(s.rows) == 0 {
		return cols, text, nil
	}
	head, rows := s.rows[0], s.rows[1:]
	filled := map[int]bool{} // the columns with a value below the header
	for _, r := range rows {
		for _, cell := range r.cells {
			filled[cell.col] = true
		}
	}
	used := func(col int) bool { return filled[col] }
	langs := map[string]bool{}
	plain := map[string]*langCol{}
	warned := map[string]bool{} // dropped columns, said once per name
	for _, cell := range head.cells {
		base, lang, translated := headerName(cell.text)
		textCol := base == "label" || base == "hint" && sheetName == c.surveyName
		switch {
		case textCol && !translated:
			switch {
			case plain[base] != nil:
				c.warnf(sheetName, head.num, "column %q is dropped: an earlier column has the same name", cell.text)
			case c.plainLang == "":
				if used(cell.col) {
					c.warnf(sheetName, head.num, "column %q is dropped: the default_language of the settings sheet is not one of the bot's languages (%s)", cell.text, strings.Join(surveyLangs, " "))
				}
			default:
				plain[base] = &langCol{cell.col, c.plainLang}
			}
		case textCol:
			code, ok := xlsformLang(lang)
			switch {
			case !ok:
				if used(cell.col) {
					c.warnf(sheetName, head.num, "column %q is dropped: %s is not one of the bot's languages (%s)", cell.text, content.Quote(lang), strings.Join(surveyLangs, " "))
				}
			case langs[base+code]:
				c.warnf(sheetName, head.num, "column %q is dropped: an earlier column has the %s %ss", cell.text, code, base)
			default:
				langs[base+code] = true
				if base == "label" {
					text.labels = append(text.labels, langCol{cell.col, code})
				} else {
					text.hints = append(text.hints, langCol{cell.col, code})
				}
			}
		case slices.Contains(wanted, base) && !translated:
			if _, dup := cols[base]; dup {
				c.warnf(sheetName, head.num, "column %q is dropped: an earlier column has the same name", cell.text)
				break
			}
			cols[base] = cell.col
		case dropped[base] != "":
			if used(cell.col) && !warned[base] {
				warned[base] = true // a library's hundred tag:… columns are said once
				c.warnf(sheetName, head.num, "column %q is dropped: %s", cell.text, dropped[base])
			}
		case dropped != nil:
			if used(cell.col) {
				c.warnf(sheetName, head.num, "column %q is not converted: dropped", cell.text)
			}
		}
	}
	// An explicit column in the default language wins over a plain label,
	// cell by cell: texts reads the columns in order.
	if p := plain["label"]; p != nil {
		text.labels = append([]langCol{*p}, text.labels...)
	}
	if p := plain["hint"]; p != nil {
		text.hints = append([]langCol{*p}, text.hints...)
	}
	return cols, text, rows
}

// headRow is the number of a sheet's first row, its header.
func headRow(s *sheet) int {
	if len(s.rows) == 0 {
		return 1
	}
	return s.rows[0].num
}

// langCol is a label column and its language.
type langCol struct {
	col  int
	lang string
}

// texts reads a row's label (or hint) columns, as plain text; a later
// column in a language wins over an earlier one.
func texts(r sheetRow, cols []langCol) map[string]string {
	m := map[string]string{}
	for _, l := range cols {
		if s := plainText(r.get(l.col)); s != "" {
			m[l.lang] = s
		}
	}
	return m
}

// xlsformLang returns our code for an XLSForm language such as
// "English (en)", "Dari (prs)", "Arabic (ar)", "Tigirigna", "English" or "en".
func xlsformLang(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	name := s
	if open := strings.LastIndexByte(s, '('); open >= 0 && strings.HasSuffix(s, ")") {
		name = strings.TrimSpace(s[:open])
		s = strings.TrimSpace(s[open+1 : len(s)-1])
		if i := strings.IndexAny(s, "-_"); i >= 0 {
			s = s[:i] // ar-SY is ar
		}
	}
	if code, ok := xlsformLangAliases[s]; ok {
		return code, true
	}
	if slices.Contains(surveyLangs, s) {
		return s, true
	}
	code, ok := xlsformLangNames[name]
	return code, ok
}

// settings reads form_title, form_id and default_language; language, when
// given, says the language of the plain label column instead.
func (c *xlsform) settings(s *sheet, language string) {
	c.plainLang = "?"
	if language != "" {
		code, ok := xlsformLang(language)
		if !ok {
			c.errorf("", 0, "--default-language %s is not one of the bot's languages (%s)", content.Quote(language), strings.Join(surveyLangs, " "))
		}
		c.plainLang = code
	}
	if s == nil {
		return
	}
	cols, _, rows := c.header(settingsSheet, s, []string{"form_title", "form_id", "default_language"}, nil)
	if len(rows) == 0 {
		return
	}
	r := rows[0]
	c.settingsRow = r.num
	get := func(key string) string {
		if col, ok := cols[key]; ok {
			return r.get(col)
		}
		return ""
	}
	c.formTitle, c.formID = plainText(get("form_title")), get("form_id")
	if lang := get("default_language"); lang != "" && language == "" {
		code, ok := xlsformLang(lang)
		if !ok {
			c.warnf(settingsSheet, r.num, "default_language %s is not one of the bot's languages (%s): the plain label column is dropped, and form_title is taken as written in the survey's language: check it", content.Quote(lang), strings.Join(surveyLangs, " "))
		}
		c.plainLang = code
	}
}

// detectPlainLanguage tells the language of the plain label columns from
// their texts, when neither the settings nor --default-language say it.
func (c *xlsform) detectPlainLanguage(sheets ...*sheet) {
	var all []string
	for _, s := range sheets {
		if s == nil || len(s.rows) == 0 {
			continue
		}
		for _, cell := range s.rows[0].cells {
			if base, _, translated := headerName(cell.text); base == "label" && !translated {
				for _, r := range s.rows[1:] {
					if t := r.get(cell.col); t != "" {
						all = append(all, t)
					}
				}
			}
		}
	}
	c.plainLang = ""
	if len(all) == 0 {
		return
	}
	c.plainLang = detectLanguage(all)
	if c.plainLang == "" {
		c.errorf(settingsSheet, c.settingsRow, "the language of the label column cannot be told from its texts: say it with passerelle survey import --default-language (fr en ar fa ps uk ru ti), or in the settings sheet's default_language")
		return
	}
	c.warnf(settingsSheet, c.settingsRow, "no default_language: the label column reads as %s (%s); if it is not, say so with --default-language", content.LanguageName(c.plainLang), c.plainLang)
}

// surveyLanguage picks the language the survey is written in: the plain
// label column's, else French when a column has it, else the first label
// column in one of the bot's languages.
func (c *xlsform) surveyLanguage(s *sheet) {
	c.lang = c.plainLang
	if c.lang != "" && c.lang != "?" {
		return
	}
	c.lang = ""
	if s == nil || len(s.rows) == 0 {
		return
	}
	for _, cell := range s.rows[0].cells {
		if base, lang, translated := headerName(cell.text); base == "label" && translated {
			if code, ok := xlsformLang(lang); ok && (c.lang == "" || code == content.SourceLanguage) {
				c.lang = code
			}
		}
	}
	if c.lang == "" {
		c.errorf(c.surveyName, headRow(s), "no label column in one of the bot's languages (%s): the questions have no text people can read", strings.Join(surveyLangs, " "))
	}
}

// choices reads the choices sheet into lists; names and labels are checked
// when a question uses the list.
func (c *xlsform) choices(s *sheet) {
	if s == nil {
		return
	}
	c.hasChoices = true
	if len(s.rows) == 0 {
		return
	}
	cols, text, rows := c.header(choicesSheet, s, []string{"list_name", "name"}, xlsformDropped)
	listCol, ok := cols["list_name"]
	nameCol, ok2 := cols["name"]
	if !ok || !ok2 {
		c.errorf(choicesSheet, headRow(s), "the choices sheet needs a list_name and a name column in its first row")
		return
	}
	for _, r := range rows {
		list, name := r.get(listCol), r.get(nameCol)
		labels := texts(r, text.labels)
		switch {
		case list == "" && name == "" && len(labels) == 0:
			// an empty or comment row
		case list == "" && name == "":
			c.errorf(choicesSheet, r.num, "no list_name and no name")
		case list == "":
			c.errorf(choicesSheet, r.num, "choice %s has no list_name", content.Quote(name))
		default:
			l := c.lists[list]
			if l == nil {
				l = &choiceList{}
				c.lists[list] = l
			}
			l.choices = append(l.choices, xlsChoice{row: r.num, name: name, labels: labels})
		}
	}
}

// useList returns the list named by a select question at row, checked.
func (c *xlsform) useList(name string, row int) (*choiceList, bool) {
	l := c.lists[name]
	if l == nil {
		if !c.hasChoices {
			c.errorf(c.surveyName, row, "list %s: the workbook has no choices sheet", content.Quote(name))
		} else {
			c.errorf(c.surveyName, row, "list %s is not in the choices sheet", content.Quote(name))
		}
		return nil, false
	}
	if l.checked {
		return l, l.usable
	}
	l.checked = true
	if len(l.choices) > content.MaxChoices {
		c.unsupported(choicesSheet, l.choices[content.MaxChoices].row, "", "list %s has %d choices, the limit is %d", content.Quote(name), len(l.choices), content.MaxChoices)
		return nil, false
	}
	ok := true
	seen := map[string]int{}
	names := map[string]bool{} // every name of the list, so that an id made of one is none of the others
	for _, ch := range l.choices {
		names[ch.name] = true
	}
	ids := map[string]bool{}
	kept := l.choices[:0:0]
	for _, ch := range l.choices {
		switch {
		case ch.name == "":
			ok = c.unsupported(choicesSheet, ch.row, "", "list %s: a choice has no name", content.Quote(name)) && ok
			continue
		case seen[ch.name] > 0:
			ok = c.unsupported(choicesSheet, ch.row, "", "list %s: duplicate choice %s (first at row %d)", content.Quote(name), content.Quote(ch.name), seen[ch.name]) && ok
			continue
		case !c.checkTexts(choicesSheet, ch.row, "choice "+content.Quote(ch.name), ch.labels):
			ok = ok && c.skip // reported: an error, or a choice left out
			continue
		}
		seen[ch.name] = ch.row
		ch.id = ch.name
		if !content.ValidName(ch.id, false) {
			ch.id = idFrom(ch.name, false)
			if ch.id == "" {
				ch.id = "c" + strconv.Itoa(len(kept)+1)
			}
			ch.id = uniqueID(ch.id, func(s string) bool { return ids[s] || names[s] })
			c.warnf(choicesSheet, ch.row, "list %s: choice name %s becomes %s (ids are up to %d letters, digits, _, - and .): the export shows %s", content.Quote(name), content.Quote(ch.name), content.Quote(ch.id), content.MaxNameLen, content.Quote(ch.id))
		}
		ids[ch.id] = true
		kept = append(kept, ch)
	}
	l.choices = kept
	l.usable = ok
	return l, ok
}

// checkTexts reports a text missing in the survey's language, and
// references to answers; it returns whether the texts can be used.
func (c *xlsform) checkTexts(sheetName string, row int, what string, m map[string]string) bool {
	if c.lang == "" {
		return false
	}
	if m[c.lang] == "" {
		also := ""
		if c.plainLang == c.lang {
			also = " or label"
		}
		c.unsupported(sheetName, row, "", "%s has no %s text: fill label::%s (%s)%s", what, content.LanguageName(c.lang), content.LanguageName(c.lang), c.lang, also)
		return false
	}
	for _, lang := range surveyLangs {
		if strings.Contains(m[lang], "${") {
			c.unsupported(sheetName, row, "", "%s: the %s text refers to an answer (${…}): the bot cannot put answers into texts", what, lang)
			return false
		}
	}
	return true
}

// group is an open begin_group or begin_repeat.
type group struct {
	row    int
	name   string
	repeat bool
	showIf []content.Condition // the conditions of relevant, put on every question inside
}

// libraryBlocks returns the rows of the blocks chosen (Options.Blocks) of a
// KoboToolbox question library, or all its rows when none is chosen, and
// says which blocks it has. It returns nil after an error.
func (c *xlsform) libraryBlocks(sr *surveyRows, rows []sheetRow) []sheetRow {
	var order []string
	byBlock := map[string][]sheetRow{}
	for _, r := range rows {
		b := strings.TrimSpace(sr.get(r, "block"))
		if _, seen := byBlock[b]; !seen && b != "" {
			order = append(order, b)
		}
		byBlock[b] = append(byBlock[b], r)
	}
	var list []string
	for _, b := range order {
		list = append(list, fmt.Sprintf("%q (%d)", b, questionRows(byBlock[b], sr.typeCol)))
	}
	blocks := strings.Join(list, ", ")
	if len(c.blocks) == 0 {
		c.warnf("", 0, "a KoboToolbox question library (sheet %q): all its questions are converted as one survey; choose its blocks with --block (questions of each): %s", c.surveyName, blocks)
		return rows
	}
	var kept []sheetRow
	for _, b := range c.blocks {
		if byBlock[b] == nil || b == "" {
			c.errorf(c.surveyName, 0, "--block %q: the library has no such block; its blocks (questions of each): %s", b, blocks)
			return nil
		}
		kept = append(kept, byBlock[b]...)
	}
	c.warnf("", 0, "a KoboToolbox question library (sheet %q): the %d block(s) chosen are converted as one survey, in the order given", c.surveyName, len(c.blocks))
	return kept
}

// surveyRows is where the survey sheet's columns are.
type surveyRows struct {
	typeCol int
	cols    map[string]int
	text    textColumns
}

// get returns r's cell in the column named key ("" when there is none).
func (sr *surveyRows) get(r sheetRow, key string) string {
	if col, ok := sr.cols[key]; ok {
		return r.get(col)
	}
	return ""
}

// survey converts the survey sheet's rows.
func (c *xlsform) survey(s *sheet) {
	wanted := []string{"type", "name", "required", "relevant", "constraint", "choice_filter", "calculation", "repeat_count", "parameters"}
	if c.library {
		wanted = append(wanted, "block")
	}
	cols, text, rows := c.header(c.surveyName, s, wanted, xlsformDropped)
	typeCol, ok := cols["type"]
	if !ok {
		c.errorf(c.surveyName, headRow(s), "the survey sheet needs a type column in its first row")
		return
	}
	sr := &surveyRows{typeCol: typeCol, cols: cols, text: text}
	switch {
	case c.library:
		if rows = c.libraryBlocks(sr, rows); rows == nil {
			return
		}
	case len(c.blocks) > 0:
		c.errorf(c.surveyName, 0, "--block chooses blocks of a KoboToolbox question library; this form is not one (it has a survey sheet)")
		return
	}
	c.names = map[string]bool{}
	for _, r := range rows {
		c.names[sr.get(r, "name")] = true
	}
	for _, g := range c.rows(sr, rows, nil) {
		c.errorf(c.surveyName, g.row, "this begin has no end")
	}
	for _, n := range c.notes {
		if len(n.showIf) > 0 {
			c.addNote(n) // shown on its own, on its condition
			continue
		}
		c.thanks = append(c.thanks, n.texts)
	}
	if o := c.overflow; o.rows > 0 {
		c.unsupported(c.surveyName, o.first, "", "%d questions and notes, from this row to row %d: a survey has at most %d questions and notes, people stop long before", o.rows, o.last, content.MaxQuestions)
	}
	if !slices.ContainsFunc(c.questions, func(q *xlsQuestion) bool { return q.typ != content.NoteType }) && c.diags.Errors() == 0 {
		c.errorf(c.surveyName, 0, "no question to convert")
	}
}

// rows converts rows inside the groups open, and returns the groups still
// open after them.
func (c *xlsform) rows(sr *surveyRows, rows []sheetRow, open []group) []group {
	inRepeat := func() string {
		for _, g := range open {
			if g.repeat {
				return g.name
			}
		}
		return ""
	}
	for i := 0; i < len(rows); i++ {
		r := rows[i]
		typ := r.get(sr.typeCol)
		name, relevant := sr.get(r, "name"), sr.get(r, "relevant")
		kind, args := xlsformType(typ)
		if kind == "" {
			if name != "" || len(texts(r, sr.text.labels)) > 0 {
				c.unsupported(c.surveyName, r.num, "", "the row has no type")
			}
			continue // an empty or comment row
		}
		if rep := inRepeat(); rep != "" && kind != "end_repeat" && kind != "end_group" && kind != "begin_group" && kind != "begin_repeat" {
			c.leaveOut(name, r.num, "inside the repeat "+rep)
			if kind != "note" && !slices.Contains(xlsformMetadata, kind) {
				c.asked = true
			}
			continue // reported once, on the begin_repeat row
		}
		if f := sr.get(r, "choice_filter"); f != "" {
			c.asked = true
			c.leaveOut(name, r.num, "choice_filter")
			c.unsupported(c.surveyName, r.num, "", "%s %s: choice_filter %s cannot be converted: the bot offers every choice of a list", kind, content.Quote(name), quoteExpr(f))
			continue
		}
		if len(c.questions) == content.MaxQuestions && !strings.HasPrefix(kind, "begin_") && !strings.HasPrefix(kind, "end_") && !slices.Contains(xlsformMetadata, kind) {
			c.asked = true
			c.past(name, r.num)
			continue
		}
		switch kind {
		case "begin_group":
			g := group{row: r.num, name: name}
			if relevant != "" {
				conds, err := c.relevant(relevant)
				if err != nil {
					c.unsupported(c.surveyName, r.num, "its questions are asked whatever the answers", "group %s: relevant %s cannot be converted: %v", content.Quote(name), quoteExpr(relevant), err)
				}
				g.showIf = conds
			}
			open = append(open, g)
			if len(texts(r, sr.text.labels)) > 0 {
				c.warnf(c.surveyName, r.num, "group %s is flattened: its questions are asked one by one, and its label is not shown", content.Quote(name))
			}
		case "begin_repeat":
			end := repeatEnd(rows, i, sr.typeCol)
			if c.suffix == "" && inRepeat() == "" && end > 0 {
				c.asked = true
				c.repeat(sr, r, rows[i+1:end], open, questionRows(rows[end+1:], sr.typeCol))
				i = end
				continue
			}
			outermost := inRepeat() == ""
			open = append(open, group{row: r.num, name: name, repeat: true})
			if outermost {
				c.asked = true
				c.leaveOut(name, r.num, "a repeat")
				c.unsupported(c.surveyName, r.num, "its questions are not asked", "repeat %s: %s", content.Quote(name), xlsformRefusedTypes[kind])
			}
		case "end_group", "end_repeat":
			if len(open) == 0 || open[len(open)-1].repeat != (kind == "end_repeat") {
				c.errorf(c.surveyName, r.num, "%s without a matching begin", kind)
				continue
			}
			open = open[:len(open)-1]
		case "note":
			c.note(r, name, sr.text, open, relevant)
		case "acknowledge":
			c.asked = true
			c.acknowledge(r, name, sr.text, open, relevant)
		case "select_one", "select_multiple", "integer", "decimal", "range", "text", "date", "time", "geopoint", "barcode":
			c.asked = true
			q := c.question(r, kind, args, name, sr.text, sr.get, open)
			if q == nil {
				continue
			}
			q.notes = c.takeNotes(q)
			if c.add(q, name) {
				c.byName[name] = q
			}
		default:
			switch reason, refused := xlsformRefusedTypes[kind]; {
			case slices.Contains(xlsformMetadata, kind):
			case refused:
				c.asked = true
				c.leaveOut(name, r.num, kind)
				c.unsupported(c.surveyName, r.num, "", "%s %s: type %q cannot be converted: %s", kind, content.Quote(name), kind, reason)
			default:
				c.asked = true
				c.leaveOut(name, r.num, "type "+typ)
				c.unsupported(c.surveyName, r.num, "", "%s: type %s cannot be converted: the bot has no such question", content.Quote(name), content.Quote(typ))
			}
		}
	}
	return open
}

// repeatEnd returns the index of the end_repeat closing the begin_repeat
// at rows[begin], or 0 when there is none.
func repeatEnd(rows []sheetRow, begin, typeCol int) int {
	depth := 0
	for i := begin; i < len(rows); i++ {
		switch kind, _ := xlsformType(rows[i].get(typeCol)); kind {
		case "begin_repeat":
			depth++
		case "end_repeat":
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return 0
}

// questionRows counts the rows that may become a question or a note.
func questionRows(rows []sheetRow, typeCol int) int {
	n := 0
	for _, r := range rows {
		kind, _ := xlsformType(r.get(typeCol))
		if kind != "" && !strings.HasPrefix(kind, "begin_") && !strings.HasPrefix(kind, "end_") && !slices.Contains(xlsformMetadata, kind) {
			n++
		}
	}
	return n
}

// Repeats: how many items of a repeat a survey asks.
const (
	defaultRepeatItems = 3  // when the form does not say how many
	maxRepeatItems     = 10 // at most, whatever the form says
)

// Texts gives the import's own words in a language (the questions it adds
// to write out a repeat). The bot's message catalog (locales.Catalog) is one.
type Texts interface {
	Text(lang, id string, data map[string]any) string
}

// repeat writes out a repeat, since a survey asks each question once: its
// rows are converted once per item, item k's names ending in _k, after a
// note naming the item. With a repeat_count naming an earlier whole-number
// question, item k is asked when that answer is at least k; with a number,
// that many items are asked; otherwise the person is asked "add another?"
// before each item after the first. after is how many rows may become
// questions after the repeat: the items asked leave room for them.
func (c *xlsform) repeat(sr *surveyRows, begin sheetRow, body []sheetRow, open []group, after int) {
	name := sr.get(begin, "name")
	what := "repeat " + content.Quote(name)
	leaveOut := func(change, format string, args ...any) {
		c.leaveOut(name, begin.num, "a repeat")
		for _, r := range body {
			c.leaveOut(sr.get(r, "name"), r.num, "inside the repeat "+name)
		}
		c.unsupported(c.surveyName, begin.num, change, format, args...)
	}
	if c.texts == nil {
		leaveOut("its questions are not asked", "%s: the import was given no texts for the questions it adds", what)
		return
	}
	var own []content.Condition
	if rel := sr.get(begin, "relevant"); rel != "" {
		conds, err := c.relevant(rel)
		if err != nil && !c.unsupported(c.surveyName, begin.num, "its items are asked whatever the answers", "%s: relevant %s cannot be converted: %v", what, quoteExpr(rel), err) {
			return
		}
		own = conds
	}
	items, fixed := defaultRepeatItems, false
	var counted *xlsQuestion // the number question saying how many items
	how := "the person is asked whether to add another item before each item after the first"
	switch count := strings.TrimSpace(sr.get(begin, "repeat_count")); {
	case count == "":
	case strings.HasPrefix(count, "${") && strings.HasSuffix(count, "}"):
		q, err := c.earlier(count[2 : len(count)-1])
		if err == nil && (q.typ != content.Number || q.decimal) {
			err = fmt.Errorf("%s is not a whole-number question", q.id)
		}
		if err != nil {
			if !c.unsupported(c.surveyName, begin.num, how+" instead", "%s: repeat_count %s cannot be converted: %v", what, quoteExpr(count), err) {
				return
			}
			break
		}
		counted, items = q, maxRepeatItems
		if q.max != nil && *q.max >= 1 && *q.max < maxRepeatItems {
			items = int(*q.max)
		}
		how = fmt.Sprintf("item k is asked when the answer to %s is at least k", q.id)
	default:
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			if !c.unsupported(c.surveyName, begin.num, how+" instead", "%s: repeat_count %s cannot be converted: write a number or ${a whole-number question}", what, quoteExpr(count)) {
				return
			}
			break
		}
		items, fixed, how = n, true, fmt.Sprintf("%d items are asked", n)
		if n > maxRepeatItems {
			how = fmt.Sprintf("the first %d of its %d items are asked", maxRepeatItems, n)
		}
	}
	wanted := min(items, maxRepeatItems)
	per := questionRows(body, sr.typeCol) + 1 // its questions and notes, and "add another?"
	items = max(min(wanted, (content.MaxQuestions-len(c.questions)-after)/per), 1)
	if items < wanted {
		how += fmt.Sprintf("; only %d of %d items fit in the %d questions and notes a survey may have", items, wanted, content.MaxQuestions)
	}
	labels := texts(begin, sr.text.labels)
	say := func(id string, data map[string]any) map[string]string {
		m := map[string]string{}
		for _, l := range sr.text.labels {
			label := labels[l.lang]
			if label == "" {
				label = cmp.Or(labels[c.lang], name)
			}
			data["Label"] = label
			m[l.lang] = c.texts.Text(l.lang, id, data)
		}
		return m
	}
	var parent []content.Condition
	for _, g := range open {
		parent = append(parent, g.showIf...)
	}
	var more *xlsQuestion // the last "add another?"
	var names []string    // the names of the rows inside
	for _, r := range body {
		if n := sr.get(r, "name"); n != "" {
			names = append(names, n)
		}
	}
	for k := 1; k <= items; k++ {
		c.suffix, c.quiet = "_"+strconv.Itoa(k), k > 1
		conds := slices.Clone(own)
		switch {
		case counted != nil:
			conds = append(conds, content.Condition{Question: counted.id, Min: new(float64(k))})
		case !fixed && k > 1:
			ask := slices.Concat(parent, own)
			if more != nil {
				ask = append(ask, content.Condition{Question: more.id, Is: []string{content.AnswerYes}})
			}
			more = &xlsQuestion{row: begin.num, id: c.newID(name+"_more"+c.suffix, begin.num, "more"), typ: content.YesNo, required: true,
				showIf: ask, texts: say("SurveyRepeatAnother", map[string]any{})}
			more.notes = c.takeNotes(more)
			if !c.add(more, "") {
				break
			}
			conds = append(conds, content.Condition{Question: more.id, Is: []string{content.AnswerYes}})
		}
		c.notes = append(c.notes, pendingNote{row: begin.num, showIf: slices.Concat(parent, conds), texts: say("SurveyRepeatItem", map[string]any{"N": k})})
		for _, n := range names {
			delete(c.byName, n)
			delete(c.leftOut, n)
			delete(c.acks, n)
		}
		c.rows(sr, body, append(open, group{row: begin.num, name: name, showIf: conds}))
	}
	c.suffix, c.quiet = "", false
	for _, n := range names {
		if _, converted := c.byName[n]; converted {
			// Left out rows keep their own reason.
			c.leftOut[n] = fmt.Sprintf("row %d: a question of the repeat %s, written out as %s_1 to %s_%d", begin.num, name, n, n, items)
		}
		delete(c.byName, n)
		delete(c.acks, n)
	}
	named := fmt.Sprintf("_1 to _%d", items)
	if items == 1 {
		named = "_1"
	}
	c.warnf(c.surveyName, begin.num, "%s is written out for %d item(s): its questions are named with %s, one export column per item; %s", what, items, named, how)
}

// xlsformType reads a type cell: its kind in pyxform's main spelling, and
// the words after it (a list name). "select one from x", "Select_One x",
// "select all that apply x" and "int" are all read.
func xlsformType(typ string) (kind string, args []string) {
	words := strings.Fields(typ)
	if len(words) == 0 {
		return "", nil
	}
	if n := len(words); n > 3 && strings.EqualFold(strings.Join(words[n-3:], " "), "or specify other") {
		words = append(words[:n-3], "or_other")
	}
	lower := strings.ToLower(strings.Join(words, " "))
	for _, long := range []struct{ prefix, kind string }{
		{"select all that apply from ", "select_multiple"}, {"select all that apply ", "select_multiple"},
		{"select multiple from ", "select_multiple"}, {"select one from ", "select_one"},
		{"select_one from ", "select_one"}, {"select_multiple from ", "select_multiple"},
		{"phone number", "phonenumber"}, {"device id", "deviceid"}, {"subscriber id", "subscriberid"}, {"sim serial", "simserial"},
	} {
		if strings.HasPrefix(lower, long.prefix) {
			return long.kind, words[len(strings.Fields(long.prefix)):]
		}
	}
	kind = strings.ToLower(words[0])
	if len(words) > 1 && (kind == "begin" || kind == "end" || kind == "select") {
		kind += "_" + strings.ToLower(words[1]) // "begin group", "select one"
		words = words[1:]
	}
	if alias, ok := xlsformTypeAliases[kind]; ok {
		kind = alias
	}
	return kind, words[1:]
}

// note keeps a note's text: as the survey's introduction when it comes
// before the first question and is shown to everyone, otherwise for the
// next question (takeNotes). open and relevant are its groups and its own
// relevant.
func (c *xlsform) note(r sheetRow, name string, text textColumns, open []group, relevant string) {
	m := texts(r, text.labels)
	if len(m) == 0 {
		return // a note without text shows nothing
	}
	if !c.checkTexts(c.surveyName, r.num, "note "+content.Quote(name), m) {
		return
	}
	n := pendingNote{row: r.num, name: c.itemName(name), texts: m}
	for _, g := range open {
		n.showIf = append(n.showIf, g.showIf...)
	}
	if relevant != "" {
		conds, err := c.relevant(relevant)
		if err != nil {
			// A note shown when it should not be misleads (notes often say
			// "you answered … go back"): it is left out, not shown to all.
			c.unsupported(c.surveyName, r.num, "", "note %s: relevant %s cannot be converted: %v", content.Quote(name), quoteExpr(relevant), err)
			return
		}
		n.showIf = append(n.showIf, conds...)
	}
	if !c.asked && len(n.showIf) == 0 {
		c.intro = append(c.intro, m)
		return
	}
	c.notes = append(c.notes, n)
}

// acknowledge converts an acknowledge row to a note of its own: its text
// with the bot's Continue button, the one button an acknowledge has;
// nothing is stored. The notes waiting are shown with it.
func (c *xlsform) acknowledge(r sheetRow, name string, text textColumns, open []group, relevant string) {
	what := "acknowledge " + content.Quote(name)
	q := &xlsQuestion{row: r.num, typ: content.NoteType, texts: texts(r, text.labels)}
	if !c.checkTexts(c.surveyName, r.num, what, q.texts) {
		c.leaveOut(name, r.num, "no text to show")
		return
	}
	for _, g := range open {
		q.showIf = append(q.showIf, g.showIf...)
	}
	if relevant != "" {
		conds, err := c.relevant(relevant)
		if err != nil {
			c.leaveOut(name, r.num, "relevant")
			c.unsupported(c.surveyName, r.num, "", "%s: relevant %s cannot be converted: %v", what, quoteExpr(relevant), err)
			return
		}
		q.showIf = append(q.showIf, conds...)
	}
	q.id = c.newID(c.itemName(name), r.num, "note")
	q.notes = c.takeNotes(q)
	if c.add(q, name) && name != "" {
		c.acks[name] = q
		c.warnf(c.surveyName, r.num, "%s becomes a note: its text with a Continue button; nothing is stored", what)
	}
}

// takeNotes returns the texts of the notes waiting for q, to be shown
// above it: those shown on the same conditions. The others become notes of
// their own, shown before it.
func (c *xlsform) takeNotes(q *xlsQuestion) map[string]string {
	var kept []map[string]string
	for _, n := range c.notes {
		if len(n.showIf) != len(q.showIf) || len(n.showIf) > 0 && !reflect.DeepEqual(n.showIf, q.showIf) {
			c.addNote(n)
			continue
		}
		kept = append(kept, n.texts)
	}
	c.notes = nil
	return joinTexts(kept)
}

// addNote adds a note shown on its own.
func (c *xlsform) addNote(n pendingNote) {
	c.add(&xlsQuestion{row: n.row, id: c.newID(n.name, n.row, "note"), typ: content.NoteType, showIf: n.showIf, texts: n.texts}, "")
}

// add appends q to the survey's questions, unless it has as many as a
// survey may; name is its XLSForm name ("" for a note). It reports whether q was added.
func (c *xlsform) add(q *xlsQuestion, name string) bool {
	if len(c.questions) == content.MaxQuestions {
		c.past(name, q.row)
		return false
	}
	c.ids[q.id] = true
	c.questions = append(c.questions, q)
	return true
}

// past leaves out the row named name, which comes once the survey has as
// many questions and notes as it may: survey reports them all in one line.
func (c *xlsform) past(name string, row int) {
	c.leaveOut(name, row, fmt.Sprintf("past the %d questions a survey may have", content.MaxQuestions))
	if c.overflow.rows == 0 {
		c.overflow.first = row
	}
	c.overflow.rows++
	c.overflow.last = max(c.overflow.last, row)
}

// newID is the id of the question or note named name at row: its name
// when it is a valid id, else one made of it (saying so), else prefix and
// the row number.
func (c *xlsform) newID(name string, row int, prefix string) string {
	if content.ValidName(name, true) && !c.ids[name] {
		return name
	}
	id := idFrom(name, true)
	if base, ok := strings.CutSuffix(name, c.suffix); ok && c.suffix != "" {
		// A repeat's item keeps its number: the name is cut, not the suffix.
		if b := idFrom(base, true); b != "" {
			id = strings.TrimRight(b[:min(len(b), content.MaxNameLen-len(c.suffix))], "_-.") + c.suffix
		}
	}
	if id == "" {
		id = prefix + strconv.Itoa(row)
	}
	id = uniqueID(id, func(s string) bool { return c.ids[s] || c.names[s] })
	if name != "" {
		quiet := c.quiet
		c.quiet = false // said for every item of a repeat: each is an export column of its own
		c.warnf(c.surveyName, row, "name %s becomes %s (ids are up to %d letters, digits, _, - and ., starting with a letter): the export shows %s", content.Quote(name), content.Quote(id), content.MaxNameLen, content.Quote(id))
		c.quiet = quiet
	}
	return id
}

// question converts one question row; it returns nil after reporting why
// it cannot.
func (c *xlsform) question(r sheetRow, kind string, args []string, name string, text textColumns, get func(sheetRow, string) string, open []group) *xlsQuestion {
	q := &xlsQuestion{row: r.num, id: name, texts: texts(r, text.labels), hints: texts(r, text.hints)}
	refuse := func(why string, format string, a ...any) *xlsQuestion {
		c.leaveOut(name, r.num, why)
		c.unsupported(c.surveyName, r.num, "", format, a...)
		return nil
	}
	switch {
	case name == "":
		return refuse("no name", "the question has no name")
	case c.byName[name] != nil:
		return refuse("duplicate name", "duplicate name %s (first at row %d)", content.Quote(name), c.byName[name].row)
	default:
		q.id = c.newID(c.itemName(name), r.num, "q")
	}
	what := "question " + content.Quote(name)
	if !c.checkTexts(c.surveyName, r.num, what, q.texts) {
		c.leaveOut(name, r.num, "no text to show")
		return nil
	}
	if len(q.hints) > 0 && !c.checkHints(r.num, what, q.hints) {
		q.hints = nil
	}
	switch required := get(r, "required"); strings.ToLower(required) {
	case "yes", "true", "true()", "1":
		q.required = true
	case "", "no", "false", "false()", "0":
	default:
		if !c.unsupported(c.surveyName, r.num, "the question may be skipped", "%s: required %s cannot be converted: write yes or no", what, quoteExpr(required)) {
			c.leaveOut(name, r.num, "required")
			return nil
		}
	}
	switch kind {
	case "select_one", "select_multiple":
		switch {
		case len(args) == 2 && args[1] == "or_other":
			if !c.unsupported(c.surveyName, r.num, "the question is asked without the \"other\" choice", "%s: or_other cannot be converted: add an \"other\" choice to the list and a text question shown when it is chosen", what) {
				c.leaveOut(name, r.num, "or_other")
				return nil
			}
		case len(args) != 1:
			return refuse("type", "type %s: expected the name of one list after %s", content.Quote(strings.Join(append([]string{kind}, args...), " ")), kind)
		}
		q.typ = content.Single
		if kind == "select_multiple" {
			q.typ = content.Multiple
		}
		if l := c.lists[args[0]]; l != nil && kind == "select_one" {
			switch names := choiceNames(l); {
			case sameSet(names, []string{content.AnswerYes, content.AnswerNo}):
				q.typ = content.YesNo
			case sameSet(names, []string{"1", "2", "3", "4", "5"}):
				q.typ = content.Scale
				c.warnf(c.surveyName, r.num, "%s: the list %s (1 to 5) becomes a scale, shown with faces: its labels are not used", what, content.Quote(args[0]))
			}
		}
		if q.typ == content.Single || q.typ == content.Multiple {
			l, listOK := c.useList(args[0], r.num)
			if !listOK {
				c.leaveOut(name, r.num, "its list "+content.Quote(args[0]))
				if c.skip && l == nil {
					c.warnf(c.surveyName, r.num, "left out: %s, whose list cannot be converted", what)
				}
				return nil
			}
			q.choices = l.choices
			switch {
			case q.typ == content.Single && len(q.choices) < 2:
				return refuse("fewer than 2 choices", "%s: the list %s needs at least 2 choices", what, content.Quote(args[0]))
			case len(q.choices) == 0:
				return refuse("no choices", "%s: the list %s has no choice to offer", what, content.Quote(args[0]))
			}
		}
	case "integer", "decimal":
		q.typ, q.decimal = content.Number, kind == "decimal"
	case "range":
		q.typ = content.Number
		lo, hi, decimal, err := rangeBounds(get(r, "parameters"))
		if err != nil {
			return refuse("range", "%s: range parameters %s cannot be converted: %v", what, quoteExpr(get(r, "parameters")), err)
		}
		q.min, q.max, q.decimal = &lo, &hi, decimal
	case "text":
		q.typ = content.Text
	case "date":
		q.typ = content.DateType
	case "time":
		q.typ = content.TimeType
	case "geopoint":
		q.typ = content.Location
		c.warnf(c.surveyName, r.num, "%s: geopoint becomes a location question: the person shares their location with a button, kept rounded to 2 decimals (about 1 km), or types a place name", what)
	case "barcode":
		q.typ = content.Text
		c.warnf(c.surveyName, r.num, "%s: barcode becomes a text question: the person types the code", what)
	}
	if expr := get(r, "constraint"); expr != "" && !c.constraint(q, expr) {
		c.leaveOut(name, r.num, "constraint")
		return nil
	}
	for _, g := range open {
		q.showIf = append(q.showIf, g.showIf...)
	}
	if expr := get(r, "relevant"); expr != "" {
		conds, err := c.relevant(expr)
		if err != nil {
			if !c.unsupported(c.surveyName, r.num, "the question is asked whatever the answers", "%s: relevant %s cannot be converted: %v", what, quoteExpr(expr), err) {
				c.leaveOut(name, r.num, "relevant")
				return nil
			}
		}
		q.showIf = append(q.showIf, conds...)
	}
	return q
}

// rangeBounds reads a range's parameters ("start=0 end=10 step=1", each
// optional: 1, 10 and 1 by default, as pyxform has them): the lowest and
// highest answers, and whether they may have decimals.
func rangeBounds(params string) (lo, hi float64, decimal bool, err error) {
	values := map[string]float64{"start": 1, "end": 10, "step": 1}
	for _, kv := range strings.FieldsFunc(params, func(r rune) bool { return unicode.IsSpace(r) || r == ';' || r == ',' }) {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if _, known := values[k]; !ok || !known {
			return 0, 0, false, fmt.Errorf("expected start=, end= and step=, found %s", content.Quote(kv))
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, 0, false, fmt.Errorf("%s is not a number", content.Quote(v))
		}
		values[k] = f
	}
	lo, hi = math.Min(values["start"], values["end"]), math.Max(values["start"], values["end"])
	whole := func(f float64) bool { return f == math.Trunc(f) }
	return lo, hi, !whole(lo) || !whole(hi) || !whole(values["step"]), nil
}

// checkHints reports hints missing in the survey's language or that refer
// to answers; the question is kept without them.
func (c *xlsform) checkHints(row int, what string, m map[string]string) bool {
	switch {
	case m[c.lang] == "":
		c.warnf(c.surveyName, row, "%s: the hint is dropped: it has no %s text", what, content.LanguageName(c.lang))
		return false
	case slices.ContainsFunc(surveyLangs, func(l string) bool { return strings.Contains(m[l], "${") }):
		c.warnf(c.surveyName, row, "%s: the hint is dropped: it refers to an answer (${…}), which the bot cannot put into texts", what)
		return false
	}
	return true
}

func choiceNames(l *choiceList) []string {
	names := make([]string, len(l.choices))
	for i, ch := range l.choices {
		names[i] = ch.name
	}
	return names
}

// sameSet reports whether a and b hold the same strings, each once.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			return false
		}
	}
	return true
}

// constraint sets q's min and max from its constraint.
func (c *xlsform) constraint(q *xlsQuestion, expr string) bool {
	fail := func(format string, args ...any) bool {
		return c.unsupported(c.surveyName, q.row, "any answer is taken", "question %s: constraint %s cannot be converted: %s", content.Quote(q.id), quoteExpr(expr), fmt.Sprintf(format, args...))
	}
	if q.typ != content.Number && q.typ != content.Multiple {
		return fail("the bot checks constraints only on integer, decimal and select_multiple questions")
	}
	e, err := parseXPath(expr)
	if err != nil {
		return fail("%v", err)
	}
	lo, hi, err := constraintBounds(e, q)
	if err != nil {
		return fail("%v", err)
	}
	switch {
	case lo != nil && hi != nil && *lo > *hi:
		return fail("no answer can be at least %s and at most %s", formatFloat(*lo), formatFloat(*hi))
	case q.typ == content.Multiple && hi != nil && int(*hi) > len(q.choices):
		return fail("at most %s of %d choices", formatFloat(*hi), len(q.choices))
	case q.typ == content.Multiple && lo != nil && int(*lo) > len(q.choices):
		return fail("at least %s of %d choices", formatFloat(*lo), len(q.choices))
	}
	q.min, q.max = lo, hi
	return true
}

// constraintBounds reads a conjunction of comparisons of the answer (".",
// or count-selected(.) for select_multiple) with numbers.
func constraintBounds(e *xpath, q *xlsQuestion) (lo, hi *float64, err error) {
	switch e.op {
	case "and":
		lo1, hi1, err := constraintBounds(e.args[0], q)
		if err != nil {
			return nil, nil, err
		}
		lo2, hi2, err := constraintBounds(e.args[1], q)
		if err != nil {
			return nil, nil, err
		}
		return tighter(lo1, lo2, math.Max), tighter(hi1, hi2, math.Min), nil
	case "cmp":
		subject, value, op := e.args[0], e.args[1], e.text
		if subject.op == "num" {
			subject, value, op = value, subject, flip(op)
		}
		if q.typ == content.Multiple {
			if subject.op != "call" || subject.text != "count-selected" || len(subject.args) != 1 || subject.args[0].op != "self" {
				return nil, nil, errors.New("on a select_multiple, compare count-selected(.) with a number")
			}
		} else if subject.op != "self" {
			return nil, nil, errors.New("compare the answer (.) with a number")
		}
		if value.op != "num" {
			return nil, nil, fmt.Errorf("%s is not a number", value)
		}
		x, _ := strconv.ParseFloat(value.text, 64)
		return bounds(op, x, q.typ == content.Multiple || !q.decimal)
	case "or":
		return nil, nil, errors.New(`"or" cannot be expressed: only a lowest and a highest value (. >= a and . <= b)`)
	}
	return nil, nil, fmt.Errorf("%s cannot be expressed: only comparisons of the answer with numbers, joined by \"and\"", e)
}

// bounds turns "answer op x" into a lowest and a highest value; strict
// comparisons are only possible on whole numbers.
func bounds(op string, x float64, whole bool) (lo, hi *float64, err error) {
	if !whole && (op == "<" || op == ">") {
		return nil, nil, fmt.Errorf("%q on a decimal number cannot be expressed: use >= or <=", op)
	}
	at := func(f float64) *float64 { return &f }
	switch op {
	case "=":
		if whole && x != math.Trunc(x) {
			return nil, nil, fmt.Errorf("%s is not a whole number", formatFloat(x))
		}
		return at(x), at(x), nil
	case ">":
		return at(math.Floor(x) + 1), nil, nil
	case ">=":
		if whole {
			x = math.Ceil(x)
		}
		return at(x), nil, nil
	case "<":
		return nil, at(math.Ceil(x) - 1), nil
	case "<=":
		if whole {
			x = math.Floor(x)
		}
		return nil, at(x), nil
	}
	return nil, nil, fmt.Errorf("%q cannot be expressed: only =, <, <=, > and >=", op)
}

// tighter combines two optional bounds with pick (math.Max for lowest values).
func tighter(a, b *float64, pick func(float64, float64) float64) *float64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	x := pick(*a, *b)
	return &x
}

// flip mirrors a comparison: 3 < x is x > 3.
func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// relevant converts a relevant expression to show_if conditions on the
// questions converted so far.
func (c *xlsform) relevant(expr string) ([]content.Condition, error) {
	e, err := parseXPath(expr)
	if err != nil {
		return nil, err
	}
	return c.conditions(e)
}

func (c *xlsform) conditions(e *xpath) ([]content.Condition, error) {
	switch e.op {
	case "and":
		a, err := c.conditions(e.args[0])
		if err != nil {
			return nil, err
		}
		b, err := c.conditions(e.args[1])
		if err != nil {
			return nil, err
		}
		return append(a, b...), nil
	case "or":
		var out content.Condition
		for _, alt := range e.alternatives() {
			conds, err := c.conditions(alt)
			if err != nil {
				return nil, err
			}
			if len(conds) != 1 || conds[0].Is == nil {
				return nil, errors.New(`"or" can only join answers to the same question (${q} = 'a' or ${q} = 'b')`)
			}
			switch cond := conds[0]; {
			case out.Question == "":
				out = cond
			case cond.Question != out.Question:
				return nil, fmt.Errorf(`"or" between two questions (%s, %s) cannot be expressed: split the question in two, one shown for each`, out.Question, cond.Question)
			default:
				for _, v := range cond.Is {
					if !slices.Contains(out.Is, v) {
						out.Is = append(out.Is, v)
					}
				}
			}
		}
		return []content.Condition{out}, nil
	case "call":
		switch e.text {
		case "selected":
			if len(e.args) != 2 || e.args[0].op != "ref" || e.args[1].op != "str" && e.args[1].op != "num" {
				return nil, errors.New("expected selected(${question}, 'choice')")
			}
			q, err := c.earlier(e.args[0].text)
			if err != nil {
				return nil, err
			}
			if err := isOption(q, e.args[1].text); err != nil {
				return nil, err
			}
			return []content.Condition{{Question: q.id, Is: []string{q.answerID(e.args[1].text)}}}, nil
		case "not":
			if len(e.args) != 1 {
				return nil, errors.New("not() takes one condition")
			}
			conds, err := c.conditions(e.args[0])
			if err != nil {
				return nil, err
			}
			if len(conds) != 1 || conds[0].Is == nil {
				return nil, errors.New("not() can only wrap selected() or = on one question")
			}
			return []content.Condition{{Question: conds[0].Question, Not: conds[0].Is}}, nil
		}
		return nil, fmt.Errorf("the function %s() cannot be expressed", e.text)
	case "cmp":
		return c.comparison(e)
	}
	return nil, fmt.Errorf("%s is not a condition", e)
}

// comparison converts ${q} op value (or value op ${q}).
func (c *xlsform) comparison(e *xpath) ([]content.Condition, error) {
	ref, value, op := e.args[0], e.args[1], e.text
	if ref.op != "ref" {
		ref, value, op = value, ref, flip(op)
	}
	if ref.op != "ref" || value.op != "str" && value.op != "num" {
		return nil, fmt.Errorf("%s cannot be expressed: compare a question (${q}) with a value", e)
	}
	if ack, ok := c.acks[ref.text]; ok {
		// Nobody goes past the note without its Continue button: the
		// acknowledge is OK exactly when its note was shown.
		if op != "=" || value.text != "OK" {
			return nil, fmt.Errorf("%s: an acknowledge can only be tested with = 'OK'", e)
		}
		return slices.Clone(ack.showIf), nil
	}
	q, err := c.earlier(ref.text)
	if err != nil {
		return nil, err
	}
	cond := content.Condition{Question: q.id}
	equality := op == "=" || op == "!="
	switch {
	case q.options() == nil && q.typ != content.Number:
		return nil, fmt.Errorf("%s is a %s question: conditions can only test choices, yes/no, scales and numbers", q.id, q.typ)
	case equality && q.typ == content.Multiple:
		return nil, fmt.Errorf("%s compares the whole answer of the select_multiple %s: use selected(${%s}, 'x') or not(selected(${%s}, 'x'))", e, q.id, q.id, q.id)
	case op == "!=" && q.typ == content.Number:
		return nil, fmt.Errorf("!= on the number question %s cannot be expressed", q.id)
	case op == "=" && q.typ == content.Number:
		if value.op != "num" {
			return nil, fmt.Errorf("%s is a number question: compare it with a number, not %s", q.id, value)
		}
		lo, hi, err := bounds(op, parseNum(value.text), !q.decimal)
		if err != nil {
			return nil, err
		}
		cond.Min, cond.Max = lo, hi
	case equality:
		if err := isOption(q, value.text); err != nil {
			return nil, err
		}
		if op == "=" {
			cond.Is = []string{q.answerID(value.text)}
		} else {
			cond.Not = []string{q.answerID(value.text)}
		}
	default: // < <= > >=
		if q.typ != content.Number && q.typ != content.Scale {
			return nil, fmt.Errorf("%s compares %s, a %s question: only numbers and scales have an order", e, q.id, q.typ)
		}
		if value.op != "num" {
			return nil, fmt.Errorf("%s: compare %s with a number, not %s", e, q.id, value)
		}
		lo, hi, err := bounds(op, parseNum(value.text), q.typ == content.Scale || !q.decimal)
		if err != nil {
			return nil, err
		}
		cond.Min, cond.Max = lo, hi
	}
	return []content.Condition{cond}, nil
}

// formatFloat writes f as the survey file does: no exponent, no trailing zero.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// dateOf returns t's calendar day in t's location.
func dateOf(t time.Time) content.Date {
	y, m, d := t.Date()
	return content.Date{Year: y, Month: m, Day: d}
}

func parseNum(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// earlier returns the converted question named name.
func (c *xlsform) earlier(name string) (*xlsQuestion, error) {
	if q, ok := c.byName[name]; ok {
		return q, nil
	}
	if why, ok := c.leftOut[name]; ok {
		return nil, fmt.Errorf("${%s} was not converted (%s)", name, why)
	}
	return nil, fmt.Errorf("${%s} is not an earlier question: a condition can only name a question asked before", name)
}

// isOption reports an error when v is not an answer q can have.
func isOption(q *xlsQuestion, v string) error {
	opts := q.options()
	if opts == nil {
		return fmt.Errorf("%s is a %s question, without choices", q.id, q.typ)
	}
	if !slices.Contains(opts, v) {
		return fmt.Errorf("%s is not an answer of %s (%s)", content.Quote(v), q.id, strings.Join(opts, ", "))
	}
	return nil
}

// quoteExpr quotes an expression for a message, shortened past maxQuotedExpr runes.
func quoteExpr(s string) string {
	if utf8.RuneCountInString(s) > maxQuotedExpr {
		s = string([]rune(s)[:maxQuotedExpr]) + "…"
	}
	return strconv.Quote(s)
}

// surveyID is the survey id: given, else from form_id, else from the file name.
func (c *xlsform) surveyID(given string) string {
	if given != "" {
		if !content.ValidSurveyID(given) {
			c.errorf("", 0, "id %s is not a valid survey id: use %d to %d characters among a-z, 0-9 and -", content.Quote(given), content.MinSurveyID, content.MaxSurveyID)
		}
		return given
	}
	from, sheetName, row := c.formID, settingsSheet, c.settingsRow
	if from == "" {
		base := filepath.Base(c.name)
		from, sheetName, row = strings.TrimSuffix(base, filepath.Ext(base)), "", 0
	}
	id := slug(from)
	if !content.ValidSurveyID(id) {
		c.errorf(sheetName, row, "%s does not make a survey id: give one (passerelle survey import --id)", content.Quote(from))
	}
	return id
}

// slug lowercases s and replaces every run of characters other than a-z
// and 0-9 by a dash: "Academie_2026" is "academie-2026".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	id := b.String()
	if len(id) > content.MaxSurveyID {
		id = strings.TrimRight(id[:content.MaxSurveyID], "-")
	}
	return id
}

// dates are the survey's first and last days.
func (c *xlsform) dates(opt Options) (opens, closes content.Date) {
	opens = dateOf(time.Now())
	if !opt.Opens.IsZero() {
		opens = dateOf(opt.Opens)
	}
	closes = opens.AddDays(defaultSurveyDays)
	if !opt.Closes.IsZero() {
		closes = dateOf(opt.Closes)
	}
	if closes.Compare(opens) < 0 {
		c.errorf("", 0, "the survey closes (%s) before it opens (%s)", closes, opens)
	}
	return opens, closes
}

// yaml writes the survey file.
func (c *xlsform) yaml(id string, opens, closes content.Date, territories []string) []byte {
	doc := ymap("id", ystr(id))
	if c.lang != content.SourceLanguage {
		doc.Content = append(doc.Content, ystr("language"), ystr(c.lang))
	}
	doc.Content = append(doc.Content, ystr("title"), ytexts(map[string]string{c.lang: c.formTitle}))
	if intro := joinTexts(c.intro); len(intro) > 0 {
		doc.Content = append(doc.Content, ystr("intro"), ytexts(intro))
	}
	terr := yscalar("!!str", content.AllTerritories)
	if len(territories) > 0 {
		terr = yflow()
		for _, t := range territories {
			terr.Content = append(terr.Content, ystr(t))
		}
	}
	questions := &yaml.Node{Kind: yaml.SequenceNode}
	for _, q := range c.questions {
		questions.Content = append(questions.Content, q.node())
	}
	doc.Content = append(doc.Content,
		ystr("territories"), terr,
		ystr("opens"), yscalar("!!timestamp", opens.String()),
		ystr("closes"), yscalar("!!timestamp", closes.String()),
		ystr("questions"), questions)
	if thanks := joinTexts(c.thanks); len(thanks) > 0 {
		doc.Content = append(doc.Content, ystr("thanks"), ytexts(thanks))
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Imported from %s; check the dates and the translations.\n", filepath.Base(c.name))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		c.errorf("", 0, "writing the survey: %v", err)
		return nil
	}
	if err := enc.Close(); err != nil {
		c.errorf("", 0, "writing the survey: %v", err)
		return nil
	}
	return buf.Bytes()
}

// joinTexts joins notes, in the languages every note has.
func joinTexts(notes []map[string]string) map[string]string {
	if len(notes) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, lang := range surveyLangs {
		var parts []string
		for _, m := range notes {
			if m[lang] == "" {
				parts = nil
				break
			}
			parts = append(parts, m[lang])
		}
		if parts != nil {
			out[lang] = strings.Join(parts, "\n\n")
		}
	}
	return out
}

func (q *xlsQuestion) node() *yaml.Node {
	n := ymap("id", ystr(q.id), "type", ystr(string(q.typ)))
	add := func(key string, v *yaml.Node) { n.Content = append(n.Content, ystr(key), v) }
	if q.required {
		add("required", yscalar("!!bool", "true"))
	}
	if q.min != nil {
		add("min", ynum(*q.min))
	}
	if q.max != nil {
		add("max", ynum(*q.max))
	}
	if q.decimal {
		add("decimal", yscalar("!!bool", "true"))
	}
	switch len(q.showIf) {
	case 0:
	case 1:
		add("show_if", conditionNode(q.showIf[0]))
	default:
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, cond := range q.showIf {
			list.Content = append(list.Content, conditionNode(cond))
		}
		add("show_if", list)
	}
	if len(q.notes) > 0 {
		add("note", ytexts(q.notes))
	}
	add("text", ytexts(q.texts))
	if len(q.hints) > 0 {
		add("hint", ytexts(q.hints))
	}
	if len(q.choices) > 0 {
		list := &yaml.Node{Kind: yaml.SequenceNode}
		for _, ch := range q.choices {
			list.Content = append(list.Content, ymap("id", yvalue(ch.id), "label", ytexts(ch.labels)))
		}
		add("choices", list)
	}
	return n
}

func conditionNode(cond content.Condition) *yaml.Node {
	n := ymap("question", ystr(cond.Question))
	for _, kv := range []struct {
		key  string
		list []string
	}{{"is", cond.Is}, {"not", cond.Not}} {
		if kv.list != nil {
			seq := yflow()
			for _, v := range kv.list {
				seq.Content = append(seq.Content, yvalue(v))
			}
			n.Content = append(n.Content, ystr(kv.key), seq)
		}
	}
	if cond.Min != nil {
		n.Content = append(n.Content, ystr("min"), ynum(*cond.Min))
	}
	if cond.Max != nil {
		n.Content = append(n.Content, ystr("max"), ynum(*cond.Max))
	}
	return n
}

// ymap builds a mapping from keys and values, alternately a string and a node.
func ymap(kv ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, ystr(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return n
}

func yscalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// ystr is a string, quoted by the encoder whenever YAML would read it as
// something else, and also when YAML 1.1 readers would take it for a
// boolean (is: ["yes"]).
func ystr(s string) *yaml.Node {
	n := yscalar("!!str", s)
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off", "true", "false":
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

func yflow() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle} }

// yvalue writes a choice id: whole numbers plain (is: [1, 2]), the rest as
// strings (is: ["yes"]).
func yvalue(s string) *yaml.Node {
	if s == "0" || s != "" && s[0] != '0' && strings.Trim(s, "0123456789") == "" {
		return yscalar("!!int", s)
	}
	return ystr(s)
}

func ynum(f float64) *yaml.Node {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return yscalar("!!int", strconv.FormatInt(int64(f), 10))
	}
	return yscalar("!!float", formatFloat(f))
}

// ytexts writes a text in every language it has, in the bot's order.
func ytexts(m map[string]string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, lang := range surveyLangs {
		if s := m[lang]; s != "" {
			n.Content = append(n.Content, ystr(lang), ystr(s))
		}
	}
	return n
}

// itemName is name as written out for the repeat item being converted
// (name itself outside repeats, and "" for no name).
func (c *xlsform) itemName(name string) string {
	if name == "" {
		return ""
	}
	return name + c.suffix
}
