package content

import (
	"io/fs"
	"runtime"
	"slices"
	"testing"
	"testing/fstest"
)

// GenerateServices is Generate as a MapFS, for tests that add or change files.
func GenerateServices(n int, seed int64) fstest.MapFS {
	return Generate(n, seed).(fstest.MapFS)
}

func TestGenerate(t *testing.T) {
	const n = 2000
	fsys := GenerateServices(n, 42)
	if err := fstest.TestFS(fsys, "territories/dijon.yaml", "services/dijon/0000.yaml", "services/national/0000.yaml"); err != nil {
		t.Fatal(err)
	}
	for name, f := range fsys {
		if len(f.Data) > maxFileSize {
			t.Errorf("%s: %d bytes", name, len(f.Data))
		}
	}
	c, ds := load(fsys, allLangs, testToday)
	if c == nil {
		t.Fatalf("generated content does not load: %v", ds[:min(len(ds), 10)])
	}
	if got := len(c.AllServices()); got != n {
		t.Errorf("%d services, want %d", got, n)
	}
	counts := map[string]int{}
	for _, s := range c.AllServices() {
		counts[s.Territory]++
	}
	for _, terr := range []string{"dijon", "lyon", "autun", ""} {
		if counts[terr] == 0 {
			t.Errorf("no service in %q", terr)
		}
	}
	t.Logf("per territory: %v; %d warnings", counts, ds.Warnings())

	// Deterministic for a seed, different for another.
	again := GenerateServices(n, 42)
	other := GenerateServices(n, 43)
	same, differ := true, false
	for name, f := range fsys {
		same = same && again[name] != nil && string(again[name].Data) == string(f.Data)
		differ = differ || other[name] == nil || string(other[name].Data) != string(f.Data)
	}
	if !same || len(again) != len(fsys) || !differ {
		t.Errorf("same seed same files: %v; other seed other files: %v", same, differ)
	}
	if names, _ := fs.Glob(GenerateServices(0, 1), "services/*/*.yaml"); len(names) != 0 {
		t.Errorf("Generate(0) has service files %v", names)
	}
	if c, _ := load(GenerateServices(0, 1), allLangs, testToday); c == nil || len(c.AllServices()) != 0 || !slices.Equal(ids(c.AllServices()), nil) {
		t.Error("Generate(0) does not load")
	}
}

func BenchmarkLoad10000(b *testing.B) {
	fsys := Generate(10000, 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if c, ds := load(fsys, allLangs, testToday); c == nil {
			b.Fatal(ds[:min(len(ds), 10)])
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/load")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MiB-alloc/load")

	// What the bot keeps in memory of the content (its search index is
	// measured by content/search's BenchmarkNewIndex).
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, _ := load(fsys, allLangs, testToday)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-retained")
	runtime.KeepAlive(c)
}
