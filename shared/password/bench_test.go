package password

import "testing"

func BenchmarkCheck(b *testing.B) {
	p := Seeds()
	for _, bc := range []struct{ name, pw string }{
		{"valid", valid},
		{"common", "Password123!"},
		{"128 runes", longPassword(128)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				p.Check(bc.pw, user)
			}
		})
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword(valid); err != nil {
			b.Fatal(err)
		}
	}
}
