package storage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/territoires-integration/passerelle/flows"
	"github.com/territoires-integration/passerelle/storage/redistest"
)

func TestScheduledNews(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now().Truncate(time.Millisecond)
	news := func(id, ter string, in time.Duration) flows.News {
		return flows.News{ID: id, Territory: ter, Texts: map[string]string{"fr": "Fête " + id}, At: now.Add(in), Owner: 21, OwnerLang: "fr", Created: now}
	}
	for _, n := range []flows.News{news("late", "dijon", 2*time.Hour), news("soon", "dijon", time.Minute), news("lyon", "lyon", time.Minute)} {
		if err := r.ScheduleNews(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.ScheduleNews(ctx, flows.News{ID: "x", Territory: "dijon"}); err == nil {
		t.Error("news without a time were scheduled")
	}
	ids := func(ns []flows.News) []string {
		var out []string
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	got, err := r.ScheduledNews(ctx, "dijon")
	if err != nil || !slices.Equal(ids(got), []string{"soon", "late"}) || got[0].Texts["fr"] != "Fête soon" || !got[0].At.Equal(now.Add(time.Minute)) {
		t.Fatalf("ScheduledNews(dijon) = %+v, %v", got, err)
	}
	due, err := r.DueNews(ctx, now.Add(time.Minute), 10)
	if err != nil || !slices.Equal(ids(due), []string{"soon", "lyon"}) && !slices.Equal(ids(due), []string{"lyon", "soon"}) {
		t.Fatalf("DueNews = %v, %v", ids(due), err)
	}
	if n, err := r.News(ctx, "late"); err != nil || n == nil || n.Territory != "dijon" {
		t.Errorf("News(late) = %+v, %v", n, err)
	}
	if err := r.DoneNews(ctx, "soon"); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.CancelNews(ctx, "late"); err != nil || !ok {
		t.Errorf("CancelNews(late) = %v, %v", ok, err)
	}
	if ok, err := r.CancelNews(ctx, "late"); err != nil || ok {
		t.Errorf("CancelNews(late) again = %v, %v, want false", ok, err)
	}
	if n, err := r.News(ctx, "late"); err != nil || n != nil {
		t.Errorf("News(late) after cancel = %+v, %v", n, err)
	}
	if got, err := r.ScheduledNews(ctx, "dijon"); err != nil || len(got) != 0 {
		t.Errorf("ScheduledNews(dijon) at the end = %v, %v", ids(got), err)
	}
}

func TestTerritoryJobs(t *testing.T) {
	ctx := context.Background()
	r, _ := open(t)
	now := redistest.Now()
	queue := func(id, kind, ter string) {
		t.Helper()
		job := flows.Job{ID: id, Kind: kind, Territory: ter, Owner: 21, Created: now}
		if _, err := r.Enqueue(ctx, job, []flows.Bulk{{Job: id, ChatID: 5, Text: "x"}, {Job: id, ChatID: 6, Text: "y"}}); err != nil {
			t.Fatal(err)
		}
	}
	queue("first", "broadcast", "dijon")
	queue("rem:event24h:m:5:x", "reminder", "dijon")
	queue("lyon", "broadcast", "lyon")
	queue("outcome", "outcome", "dijon")
	got, err := r.TerritoryJobs(ctx, "dijon", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, st := range got {
		ids = append(ids, st.ID)
		if st.Total != 2 || st.Territory != "dijon" {
			t.Errorf("job %s: %+v", st.ID, st)
		}
	}
	if !slices.Contains(ids, "first") || !slices.Contains(ids, "outcome") || len(ids) != 2 {
		t.Errorf("TerritoryJobs(dijon) = %v, want the broadcast and the outcome", ids)
	}
	if got, err := r.TerritoryJobs(ctx, "dijon", 1); err != nil || len(got) != 1 {
		t.Errorf("TerritoryJobs(dijon, 1) = %v, %v", got, err)
	}
}
