package directory

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
	"github.com/territoires-integration/passerelle/content/search"
)

func readGenerated(t testing.TB, n int) []Entry {
	t.Helper()
	services, structures := generateExport(n, 7)
	entries, _, err := ReadDataInclusion(DataInclusionFiles{
		Services:   []NamedFile{{Name: "services.json", Data: services}},
		Structures: []NamedFile{{Name: "structures.json", Data: structures}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestImportGeneratedExport(t *testing.T) {
	const n = 300
	services, structures := generateExport(n, 7)
	entries, probs, err := ReadDataInclusion(DataInclusionFiles{
		Services:   []NamedFile{{Name: "services.json", Data: services}},
		Structures: []NamedFile{{Name: "structures.json", Data: structures}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("%d services read, want %d", len(entries), n)
	}
	unreadable, badPhones := 0, 0
	for _, p := range probs {
		switch {
		case strings.Contains(p.Text, "hours: call"):
			unreadable++
		case strings.Contains(p.Text, "phone left out"):
			badPhones++
		default:
			t.Errorf("unexpected problem: %s", p)
		}
	}
	if unreadable == 0 || badPhones == 0 {
		t.Errorf("%d unreadable hours, %d bad phones: the export should have some of each", unreadable, badPhones)
	}

	dir := contentDir(t, genTerritory)
	plan := importInto(t, dir, "dijon", DataInclusion, entries)
	added, merged := plan.Count(Added), plan.Count(Merged)
	if added+merged+plan.Outside+plan.Unlocated != n || merged == 0 || plan.Outside == 0 || added < 200 {
		t.Errorf("%d added, %d merged, %d outside, %d without a place, for %d services", added, merged, plan.Outside, plan.Unlocated, n)
	}
	calls := 0
	for _, name := range plan.Files() {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		calls += strings.Count(string(data), "hours: call # data-inclusion: ")
	}
	if calls == 0 || calls > unreadable {
		t.Errorf("%d services with hours: call, for %d unreadable hours", calls, unreadable)
	}

	// A second import of the same export changes nothing.
	again := importInto(t, dir, "dijon", DataInclusion, entries)
	if len(again.Changes) != 0 {
		t.Errorf("a second import changes: %v", changeStrings(again)[:min(5, len(again.Changes))])
	}

	c := checkContent(t, dir)
	if c == nil {
		t.Skip("the theme taxonomy does not know the data·inclusion v1 thématiques yet: the rest runs once it does")
	}
	withHours, located := 0, 0
	for _, s := range c.Services("dijon", "") {
		if s.Hours.Known {
			withHours++
		}
		if s.Location != nil {
			located++
		}
	}
	if got := len(c.Services("dijon", "")); got != added || withHours < added/2 || located < added/2 {
		t.Errorf("%d services loaded (%d added), %d with hours, %d located", got, added, withHours, located)
	}
}

// BenchmarkImport imports a generated export of 10,000 data·inclusion
// services into an empty content folder — reading the JSON, mapping,
// finding duplicates, writing the YAML files — and reports the time and the
// peak heap of one import; then the search over the imported services.
func BenchmarkImport(b *testing.B) {
	const n = 10_000
	services, structures := generateExport(n, 7)
	files := DataInclusionFiles{
		Services:   []NamedFile{{Name: "services.json", Data: services}},
		Structures: []NamedFile{{Name: "structures.json", Data: structures}},
	}
	root := contentDir(b, genTerritory)
	terr := territory(b, root, "dijon")
	var peak atomic.Uint64
	stop := sampleHeap(&peak)
	runs := 0
	for b.Loop() {
		dir := filepath.Join(root, fmt.Sprint(runs))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		entries, _, err := ReadDataInclusion(files)
		if err != nil {
			b.Fatal(err)
		}
		plan, err := Import{Dir: dir, Territory: terr, Directory: DataInclusion, Today: testToday}.Plan(entries)
		if err != nil {
			b.Fatal(err)
		}
		if err := plan.Write(dir); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	stop()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(runs), "ms/import")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")

}

// BenchmarkSearchImported searches the services of a generated export of
// 10,000 (those in Dijon Métropole), as the bot searches its services, and
// reports the median and 99th percentile of a query.
func BenchmarkSearchImported(b *testing.B) {
	dir := contentDir(b, genTerritory)
	terr := territory(b, dir, "dijon")
	var svcs []*content.Service
	for i, e := range readGenerated(b, 10_000) {
		if terr.Area.Contains(e.Commune, e.Location) {
			svcs = append(svcs, &content.Service{ID: fmt.Sprintf("s%d", i), Territory: "dijon", Name: e.Name, Organisation: e.Organisation, Themes: e.Themes, Short: map[string]string{"fr": e.Short}, Long: map[string]string{"fr": e.Long}, Location: e.Location})
		}
	}
	sample, _ := content.Load(content.Sample(), langs)
	ix := search.NewIndex(sample.AllThemes(), svcs, sample.EmergencyNumbers())
	queries := []string{"atelier numérique", "cours de français", "alimentaire", "logement", "CV", "permanence accès aux droits", "mobilité", "Croix-Rouge", "restos du coeur", "médecin", "budget", "emploi Chenôve", "vestiaire", "zzzz", "aide", "طبيب", "курсы"}
	var durations []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		ix.Search(queries[i%len(queries)], "dijon", 10)
		durations = append(durations, time.Since(start))
		i++
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(len(svcs)), "services")
}

// sampleHeap records the largest heap in use into peak until stop is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
