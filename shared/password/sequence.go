package password

import (
	"sync"
	"unicode"
)

// sequenceLength is the shortest run that [Profile.ForbidSequences] rejects.
// The requirements' examples, "1234" and "abcd", have four characters.
const sequenceLength = 4

// runs are the orders in which a run counts as a sequence. Each is also
// checked backwards. Both Russian alphabets are listed because people write
// "абвгдежз" without "ё" as often as with it. The digit row of the keyboard
// adds "7890" to the digits.
var runs = []string{
	"0123456789",
	"1234567890",
	"abcdefghijklmnopqrstuvwxyz",
	"абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
	"абвгдежзийклмнопрстуфхцчшщъыьэюя",
	// QWERTY rows.
	"qwertyuiop",
	"asdfghjkl",
	"zxcvbnm",
	// ЙЦУКЕН rows.
	"йцукенгшщзхъ",
	"фывапролджэ",
	"ячсмитьбю",
}

type quad [sequenceLength]rune

// sequenceTables holds every forbidden window of sequenceLength runes and
// every pair of runes that are neighbours in some run.
type sequenceTables struct {
	quads     map[quad]struct{}
	neighbors map[[2]rune]struct{}
}

var tables = sync.OnceValue(func() sequenceTables {
	t := sequenceTables{quads: map[quad]struct{}{}, neighbors: map[[2]rune]struct{}{}}
	for _, s := range runs {
		fwd := []rune(s)
		for _, rs := range [][]rune{fwd, reversed(fwd)} {
			for i := 0; i+1 < len(rs); i++ {
				t.neighbors[[2]rune{rs[i], rs[i+1]}] = struct{}{}
			}
			for i := 0; i+sequenceLength <= len(rs); i++ {
				t.quads[quad(rs[i:i+sequenceLength])] = struct{}{}
			}
		}
	}
	return t
})

func reversed(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[len(rs)-1-i] = r
	}
	return out
}

// foldRunes returns the runes of s in lower case, one for one.
func foldRunes(s string) []rune {
	rs := []rune(s)
	for i, r := range rs {
		rs[i] = unicode.ToLower(r)
	}
	return rs
}

// hasSequence reports whether the lower-cased runes contain a run of
// sequenceLength consecutive characters of one of the runs. Every longer run
// contains such a window, so checking windows is enough.
func hasSequence(folded []rune) bool {
	q := tables().quads
	for i := 0; i+sequenceLength <= len(folded); i++ {
		if _, ok := q[quad(folded[i:i+sequenceLength])]; ok {
			return true
		}
	}
	return false
}

// longestRun returns the length of the longest run of one repeated rune.
func longestRun(folded []rune) int {
	best, cur := 0, 0
	for i, r := range folded {
		if i > 0 && r == folded[i-1] {
			cur++
		} else {
			cur = 1
		}
		best = max(best, cur)
	}
	return best
}

// isWalk reports whether the lower-cased runes, at least sequenceLength of
// them, are a walk along the runs: every neighbouring pair is either the same
// character or neighbours in some run ("123456789012345", "qwertrewq",
// "aabbccdd").
func isWalk(folded []rune) bool {
	if len(folded) < sequenceLength {
		return false
	}
	nb := tables().neighbors
	for i := 1; i < len(folded); i++ {
		if folded[i] == folded[i-1] {
			continue
		}
		if _, ok := nb[[2]rune{folded[i-1], folded[i]}]; !ok {
			return false
		}
	}
	return true
}
