package settings

import (
	"slices"
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
			if got := problem.FieldNames(err); !slices.Equal(got, c.wantFields) {
				t.Fatalf("Validate() fields = %v, want %v", got, c.wantFields)
			}
			if pe, _ := problem.As(err); pe != nil && pe.Kind != problem.KindInvalid {
				t.Errorf("kind = %v, want Invalid", pe.Kind)
			}
		})
	}
}
