package password

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestByName(t *testing.T) {
	tests := []struct {
		name    string
		want    string
		wantErr bool
	}{
		{name: "seeds", want: ProfileSeeds},
		{name: "nist", want: ProfileNIST},
		{name: " NIST ", want: ProfileNIST},
		{name: "Seeds", want: ProfileSeeds},
		{name: "", wantErr: true},
		{name: "owasp", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ByName(tc.name)
			if tc.wantErr {
				if !errors.Is(err, ErrUnknownProfile) {
					t.Errorf("ByName(%q) error = %v, want ErrUnknownProfile", tc.name, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ByName(%q) error = %v", tc.name, err)
			}
			if p.Name != tc.want {
				t.Errorf("ByName(%q).Name = %q, want %q", tc.name, p.Name, tc.want)
			}
		})
	}
	if p, _ := ByName("seeds"); p != Seeds() {
		t.Errorf("ByName(seeds) = %+v, want %+v", p, Seeds())
	}
	if p, _ := ByName("nist"); p != NIST() {
		t.Errorf("ByName(nist) = %+v, want %+v", p, NIST())
	}
}

func TestProfiles(t *testing.T) {
	s, n := Seeds(), NIST()
	if s.MinLength != 8 || s.MaxLength != 128 || s.History != 5 || s.MaxAge != 90*24*time.Hour || s.MaxRepeat != 2 {
		t.Errorf("Seeds() = %+v", s)
	}
	if !s.RequireUpper || !s.RequireLower || !s.RequireDigit || !s.RequireSpecial || !s.ForbidSequences || !s.ForbidPersonalInfo {
		t.Errorf("Seeds() = %+v, want every rule on", s)
	}
	want := Profile{Name: ProfileNIST, MinLength: 15, MaxLength: 128, ForbidPersonalInfo: true}
	if n != want {
		t.Errorf("NIST() = %+v, want %+v", n, want)
	}
}

func TestExpired(t *testing.T) {
	changed := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    Profile
		now  time.Time
		want bool
	}{
		{name: "seeds same day", p: Seeds(), now: changed, want: false},
		{name: "seeds day 89", p: Seeds(), now: changed.AddDate(0, 0, 89), want: false},
		{name: "seeds just before 90 days", p: Seeds(), now: changed.Add(90*24*time.Hour - time.Nanosecond), want: false},
		{name: "seeds at 90 days", p: Seeds(), now: changed.Add(90 * 24 * time.Hour), want: true},
		{name: "seeds a year later", p: Seeds(), now: changed.AddDate(1, 0, 0), want: true},
		{name: "nist never", p: NIST(), now: changed.AddDate(10, 0, 0), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Expired(changed, tc.now); got != tc.want {
				t.Errorf("Expired(%v, %v) = %v, want %v", changed, tc.now, got, tc.want)
			}
		})
	}
}

func TestExpiresAt(t *testing.T) {
	changed := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	at, ok := Seeds().ExpiresAt(changed)
	if want := time.Date(2025, 4, 10, 12, 0, 0, 0, time.UTC); !ok || !at.Equal(want) {
		t.Errorf("Seeds().ExpiresAt = %v, %v, want %v, true", at, ok, want)
	}
	if at, ok := NIST().ExpiresAt(changed); ok || !at.IsZero() {
		t.Errorf("NIST().ExpiresAt = %v, %v, want zero, false", at, ok)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name    string
		p       Profile
		want    []string // substrings that must appear in some line
		notWant []string
	}{
		{name: "seeds", p: Seeds(),
			want:    []string{"от 8 до 128 символов", "заглавная", "строчная", "цифра", "специальный", "подряд по алфавиту", "не более 2 раз", "фамилии", "распространённых", "5 последних паролей", "90 дней"},
			notWant: []string{"не ограничен"}},
		{name: "nist", p: NIST(),
			want:    []string{"от 15 до 128 символов", "фамилии", "распространённых", "не ограничен"},
			notWant: []string{"заглавная", "цифра", "подряд по алфавиту", "последних паролей", "дней"}},
		{name: "odd numbers", p: Profile{MinLength: 21, History: 1, MaxRepeat: 1, MaxAge: 36 * time.Hour},
			want: []string{"не менее 21 символа", "с предыдущим паролем", "не более 1 раза", "36 часов"}},
		{name: "a month", p: Profile{MaxAge: 31 * 24 * time.Hour, History: 3}, want: []string{"31 день", "3 последних паролей"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := Describe(tc.p)
			all := strings.Join(lines, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("Describe = %q, want a line containing %q", lines, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(all, w) {
					t.Errorf("Describe = %q, want no line containing %q", lines, w)
				}
			}
			if slices.Contains(lines, "") {
				t.Errorf("Describe = %q has an empty line", lines)
			}
		})
	}
}
