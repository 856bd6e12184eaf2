package dashboard

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// realForms is the folder of the public XLSForms the importer is tested on.
var realForms = filepath.Join("..", "content", "xlsform", "testdata", "real")

// csrfOf is the CSRF token of a signed-in page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in:\n%s", page)
	}
	return m[1]
}

// upload posts an XLSForm named name to the territory's import page, with
// the other fields.
func (f *fixture) upload(territory, cookie, name string, data []byte, fields map[string]string) *httptest.ResponseRecorder {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if name != "" {
		fw, err := mw.CreateFormFile("form", name)
		if err != nil {
			f.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/t/"+territory+"/xlsform", &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	w := httptest.NewRecorder()
	f.d.ServeHTTP(w, r)
	return w
}

func readForm(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realForms, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestXLSFormUpload(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	csrf := csrfOf(t, f.do("GET", "/t/dijon/xlsform", nil, cookie).Body.String())
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)
	tests := []struct {
		name     string
		who      int64
		file     string
		data     []byte
		fields   map[string]string
		code     int
		want     []string
		dontWant []string
	}{
		{"a real form", dijonCo, "kobodocs-sample_xlsform.xlsx", readForm(t, "kobodocs-sample_xlsform.xlsx"), map[string]string{"csrf": csrf}, http.StatusOK,
			[]string{"Converti : « kobodocs-sample xlsform » (kobodocs-sample-xlsform)", `lang="fr"`, `lang="en"`, "How old are you?",
				"2/3 · How old are you?", "no form_title", "kobodocs-sample-xlsform.yaml", "territories: [dijon]"},
			[]string{`class="preview" lang="ar"`, "n&#39;est pas converti"}},
		{"refused without leaving out", dijonCo, "odk-socio.xlsx", readForm(t, "odk-socio-economic-survey-v20240515.xlsx"), map[string]string{"csrf": csrf}, http.StatusOK,
			[]string{"odk-socio.xlsx n&#39;est pas converti", `choice_filter &#34;region=${region}&#34; cannot be converted`, `class="error"`},
			[]string{"Installer l&#39;enquête"}},
		{"converted leaving out", dijonCo, "odk-socio.xlsx", readForm(t, "odk-socio-economic-survey-v20240515.xlsx"), map[string]string{"csrf": csrf, "skip": "1", "opens": "2027-01-04", "closes": "2027-02-28", "id": "socio-eco", "lang": "en"}, http.StatusOK,
			[]string{"Converti", "(socio-eco)", "left out: ", `lang="fr"`, `lang="en"`, "opens: 2027-01-04", "closes: 2027-02-28"}, nil},
		{"blocks of a question library", dijonCo, "lib.xlsx", readForm(t, "kobodocs-collection_import_sample.xlsx"), map[string]string{"csrf": csrf, "blocks": "Camp Management\r\n\r\nChild labor in the home\r\n"}, http.StatusOK,
			[]string{"Converti", "the 2 block(s) chosen", "Is there lighting in the camp?"}, []string{"Is the school in a safe location?"}},
		{"an .xls file", dijonCo, "old.xls", ole, map[string]string{"csrf": csrf}, http.StatusOK,
			[]string{"soffice --headless --convert-to xlsx old.xls"}, nil},
		{"no file", dijonCo, "", nil, map[string]string{"csrf": csrf}, http.StatusBadRequest, []string{"Choisissez un fichier .xlsx."}, nil},
		{"a bad date", dijonCo, "f.xlsx", readForm(t, "kobodocs-sample_xlsform.xlsx"), map[string]string{"csrf": csrf, "opens": "demain"}, http.StatusBadRequest, []string{"« demain » n&#39;est pas une date"}, nil},
		{"too large", dijonCo, "big.xlsx", make([]byte, maxUpload+formMemory), map[string]string{"csrf": csrf}, http.StatusRequestEntityTooLarge, []string{"trop grand"}, nil},
		{"just over the limit", dijonCo, "big.xlsx", make([]byte, maxUpload+1), map[string]string{"csrf": csrf}, http.StatusRequestEntityTooLarge, []string{"trop grand"}, nil},
		{"no CSRF token", dijonCo, "f.xlsx", readForm(t, "kobodocs-sample_xlsform.xlsx"), nil, http.StatusForbidden, nil, nil},
		{"a partner", dijonPart, "f.xlsx", readForm(t, "kobodocs-sample_xlsform.xlsx"), nil, http.StatusForbidden, nil, nil},
		{"Lyon's coordinator", lyonCo, "f.xlsx", readForm(t, "kobodocs-sample_xlsform.xlsx"), nil, http.StatusForbidden, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cookie
			if tc.who != dijonCo {
				c = f.signIn(tc.who)
				tc.fields = map[string]string{"csrf": csrfOf(t, f.do("GET", "/t/lyon/overview", nil, c).Body.String()+f.do("GET", "/", nil, c).Body.String())}
			}
			w := f.upload("dijon", c, tc.file, tc.data, tc.fields)
			page := w.Body.String()
			if w.Code != tc.code {
				t.Fatalf("%d, want %d:\n%s", w.Code, tc.code, page)
			}
			for _, s := range tc.want {
				if !strings.Contains(page, s) {
					t.Errorf("no %q in:\n%s", s, page)
				}
			}
			for _, s := range tc.dontWant {
				if strings.Contains(page, s) {
					t.Errorf("%q in:\n%s", s, page)
				}
			}
		})
	}
	if got := f.audited(); !containsAll(got, "web:xlsform", "denied:web:xlsform") {
		t.Errorf("audit log: %v", got)
	}
}

// containsAll reports whether list has every one of want.
func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestXLSFormDownload(t *testing.T) {
	f := newFixture(t)
	cookie := f.signIn(dijonCo)
	page := f.upload("dijon", cookie, "kobodocs-sample_xlsform.xlsx", readForm(t, "kobodocs-sample_xlsform.xlsx"), map[string]string{"csrf": csrfOf(t, f.do("GET", "/t/dijon/xlsform", nil, cookie).Body.String())}).Body.String()
	m := regexp.MustCompile(`name="yaml" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no survey file to download in:\n%s", page)
	}
	yaml := html.UnescapeString(m[1])
	csrf := csrfOf(t, page)
	tests := []struct {
		name, yaml string
		code       int
	}{
		{"the converted file", yaml, http.StatusOK},
		{"an altered file", strings.Replace(yaml, "type: number", "type: rocket", 1), http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do("POST", "/t/dijon/xlsform/survey.yaml", url.Values{"csrf": {csrf}, "yaml": {tc.yaml}}, cookie)
			if w.Code != tc.code {
				t.Fatalf("%d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.code == http.StatusOK && (w.Body.String() != tc.yaml || w.Header().Get("Content-Disposition") != `attachment; filename="kobodocs-sample-xlsform.yaml"`) {
				t.Errorf("download: %q\n%s", w.Header().Get("Content-Disposition"), w.Body)
			}
		})
	}
	partner := f.signIn(dijonPart)
	if w := f.do("POST", "/t/dijon/xlsform/survey.yaml", url.Values{"csrf": {csrfOf(t, f.do("GET", "/t/dijon/requests", nil, partner).Body.String())}, "yaml": {yaml}}, partner); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "pas ouverte") {
		t.Errorf("a partner downloads: %d %s", w.Code, w.Body)
	}
}
