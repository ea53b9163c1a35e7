package catalog

import "testing"

// BenchmarkSearch measures one catalog search (CPU and allocations; the
// catalog is in memory, no I/O).
func BenchmarkSearch(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if items, _, err := Search(Query{Text: "выписка из реестра", Limit: 20}); err != nil || len(items) == 0 {
			b.Fatalf("search: %d items, %v", len(items), err)
		}
	}
}

// BenchmarkValidate measures checking a filled form.
func BenchmarkValidate(b *testing.B) {
	svc, _ := Get("no-criminal-record")
	values := map[string]any{}
	for _, f := range svc.Form {
		if f.Required && f.Type == "checkbox" {
			values[f.Name] = true
		}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = svc.Validate(values)
	}
}
