package documents

import (
	"slices"
	"testing"

	"github.com/kabinet/kabinet/shared/problem"
)

func TestDeclarationValidate(t *testing.T) {
	ok := Declaration{Type: "passport", FileName: "паспорт.pdf", ContentType: "application/pdf", Size: 1024}
	cases := []struct {
		name   string
		mutate func(*Declaration)
		fields []string
	}{
		{"fine", func(*Declaration) {}, nil},
		{"unknown type", func(d *Declaration) { d.Type = "selfie" }, []string{"type"}},
		{"path in the name", func(d *Declaration) { d.FileName = "../../x.pdf" }, []string{"fileName"}},
		{"backslash", func(d *Declaration) { d.FileName = `C:\x.pdf` }, []string{"fileName"}},
		{"empty name", func(d *Declaration) { d.FileName = " " }, []string{"fileName"}},
		{"html", func(d *Declaration) { d.ContentType = "text/html" }, []string{"contentType"}},
		{"too large", func(d *Declaration) { d.Size = MaxSize + 1 }, []string{"size"}},
		{"empty", func(d *Declaration) { d.Size = 0 }, []string{"size"}},
		{"everything", func(d *Declaration) { *d = Declaration{} }, []string{"type", "fileName", "contentType", "size"}},
	}
	for _, c := range cases {
		d := ok
		c.mutate(&d)
		if got := problem.FieldNames(d.Validate()); !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
}
