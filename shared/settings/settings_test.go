package settings

import (
	"testing"

	"github.com/kabinet/kabinet/shared/problem"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name       string
		in         Settings
		wantFields []string
	}{
		{"defaults", Defaults(), nil},
		{"english in Vladivostok", Settings{TimeZone: "Asia/Vladivostok", Locale: "en"}, nil},
		{"empty", Settings{}, []string{"timeZone", "locale"}},
		{"unknown zone", Settings{TimeZone: "Mars/Olympus", Locale: "ru"}, []string{"timeZone"}},
		{"Local is not a zone", Settings{TimeZone: "Local", Locale: "ru"}, []string{"timeZone"}},
		{"path tricks", Settings{TimeZone: "../../etc/passwd", Locale: "ru"}, []string{"timeZone"}},
		{"unsupported locale", Settings{TimeZone: "UTC", Locale: "de"}, []string{"locale"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Validate()
			pe, _ := problem.As(err)
			var got []string
			if pe != nil {
				for _, f := range pe.Fields {
					got = append(got, f.Field)
				}
			}
			if len(got) != len(c.wantFields) {
				t.Fatalf("Validate() fields = %v, want %v", got, c.wantFields)
			}
			for i := range got {
				if got[i] != c.wantFields[i] {
					t.Errorf("field %d = %s, want %s", i, got[i], c.wantFields[i])
				}
			}
			if pe != nil && pe.Kind != problem.KindInvalid {
				t.Errorf("kind = %v, want Invalid", pe.Kind)
			}
		})
	}
}
