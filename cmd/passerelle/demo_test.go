package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Without REDIS_URL, /readyz says that the bot is a demo, whether Redis
// answers or not; the other paths are left as they are.
func TestDemoReadyz(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("down") {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	h := demoReadyz(mux)
	for _, tc := range []struct {
		target   string
		wantCode int
		wantBody string
	}{
		{"/readyz", http.StatusOK, "ready\ndemo: " + demoNotice + "\n"},
		{"/readyz?down", http.StatusServiceUnavailable, "not ready\ndemo: " + demoNotice + "\n"},
		{"/healthz", http.StatusOK, "ok\n"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.target, nil))
			if rec.Code != tc.wantCode || rec.Body.String() != tc.wantBody {
				t.Errorf("GET %s = %d %q, want %d %q", tc.target, rec.Code, rec.Body, tc.wantCode, tc.wantBody)
			}
		})
	}
}
