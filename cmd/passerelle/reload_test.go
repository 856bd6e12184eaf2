package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/content"
)

// copyDir copies the embedded sample into a folder a test can edit.
func copySample(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, content.Sample()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReload: a good folder is served at once; a broken file keeps the
// previous content and the error names file and line.
func TestReload(t *testing.T) {
	dir := copySample(t)
	engine, err := openEngine(dir, time.UTC, true, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	app := &App{cfg: Config{ContentDir: dir, TZ: time.UTC}, engine: engine}
	path := filepath.Join(dir, "services", "dijon.yaml")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	renamed := strings.Replace(string(orig), "name: Cours de vélo", "name: Cours de vélo pour adultes", 1)
	if err := os.WriteFile(path, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := app.Reload(); err != nil {
		t.Fatalf("reload of a good folder: %v", err)
	}
	if s, ok := engine.Content().Service("dijon-cours-de-velo"); !ok || s.Name != "Cours de vélo pour adultes" {
		t.Fatalf("reload did not serve the new name: %+v", s)
	}

	broken := strings.Replace(renamed, "themes: [mobilite--mobilite-douce-partagee-collective]", "themes: [no-such-theme]", 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	err = app.Reload()
	if err == nil || !strings.Contains(err.Error(), "services/dijon.yaml:") || !strings.Contains(err.Error(), "no-such-theme") {
		t.Fatalf("reload of a broken file: err = %v, want file:line and the bad value", err)
	}
	if s, ok := engine.Content().Service("dijon-cours-de-velo"); !ok || s.Name != "Cours de vélo pour adultes" {
		t.Errorf("a failed reload changed the content served")
	}
}
