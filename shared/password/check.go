package password

import (
	"unicode"
	"unicode/utf8"
)

// Rule codes reported in [Violation.Rule]. They are part of the API contract
// with the frontend and must not change.
const (
	// RuleEncoding means the password is not valid UTF-8. It is reported
	// alone: the other rules are defined over characters.
	RuleEncoding = "password.encoding"
	// RuleTooShort means fewer than MinLength characters.
	RuleTooShort = "password.too_short"
	// RuleTooLong means more than MaxLength characters.
	RuleTooLong = "password.too_long"
	// RuleWhitespace means a space, tab, line break, control character or
	// invisible format character (such as U+200B) is present.
	RuleWhitespace = "password.whitespace"
	// RuleNoUpper means RequireUpper is set and no upper-case letter is present.
	RuleNoUpper = "password.no_upper"
	// RuleNoLower means RequireLower is set and no lower-case letter is present.
	RuleNoLower = "password.no_lower"
	// RuleNoDigit means RequireDigit is set and no digit is present.
	RuleNoDigit = "password.no_digit"
	// RuleNoSpecial means RequireSpecial is set and no special character is present.
	RuleNoSpecial = "password.no_special"
	// RuleSequence means ForbidSequences is set and the password contains 4
	// or more consecutive alphabet, digit or keyboard-row characters.
	RuleSequence = "password.sequence"
	// RuleRepeat means one character occurs more than MaxRepeat times in a row.
	RuleRepeat = "password.repeat"
	// RulePersonalInfo means the password contains the user's name, e-mail
	// local part or part of the phone number.
	RulePersonalInfo = "password.personal_info"
	// RuleCommon means the password is on the blocklist or is a trivial
	// pattern.
	RuleCommon = "password.common"
	// RuleReused means the password matches one of the last History passwords.
	RuleReused = "password.reused"
)

// MaxCheckedLength is the length, in characters, beyond which [Profile.Check]
// skips the pattern rules (sequence, repeat, personal information, blocklist,
// history). It is far above the MaxLength of both built-in profiles.
const MaxCheckedLength = 1024

// Context is what Check needs to know about the user besides the password.
// Empty fields are simply not checked.
type Context struct {
	// Names are the parts of the user's name: surname, given name,
	// patronymic. A part may itself contain spaces or hyphens.
	Names []string
	// Email is the user's e-mail address; only its local part is used.
	Email string
	// Phone is the user's phone number in any layout, e.g. "+7 916 123-45-67".
	Phone string
	// Previous are the hashes of the user's earlier passwords, newest first.
	Previous []Hash
}

// Violation is one broken rule.
type Violation struct {
	// Rule is a stable code such as [RuleTooShort].
	Rule string `json:"rule"`
	// Message is a Russian explanation that can be shown to the user as is.
	Message string `json:"message"`
}

// Error is the Russian message, so a Violation maps to a problem field with
// its rule as the code (problem.FieldOf).
func (v Violation) Error() string { return v.Message }

// FieldCode is the rule (problem.Coded).
func (v Violation) FieldCode() string { return v.Rule }

// Check returns every rule of p that pw breaks, in the order the Rule
// constants are declared, or nil if pw is acceptable. The whole string is
// checked; nothing is trimmed or truncated.
//
// Invalid UTF-8 yields a single [RuleEncoding] violation. A password longer
// than [MaxCheckedLength] characters is checked only for length, forbidden
// characters and composition: it is rejected anyway, and the pattern rules
// would let a megabyte-long request burn a second of CPU. Comparing with the
// history costs one Argon2id computation per hash (about 20 ms each), so
// Check with a Context holding hashes belongs on the password-change path,
// not on every keystroke. A password longer than MaxLength is not compared
// with the history: it could never have been set.
func (p Profile) Check(pw string, c Context) []Violation {
	if !utf8.ValidString(pw) {
		return []Violation{{Rule: RuleEncoding, Message: "Пароль содержит недопустимые символы: ожидается текст в кодировке UTF-8"}}
	}

	var (
		out                          []Violation
		n                            int
		upper, lower, digit, special bool
		forbidden                    bool
	)
	for _, r := range pw {
		n++
		switch {
		case isForbidden(r):
			forbidden = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case isSpecial(r):
			special = true
		}
	}
	add := func(rule, msg string) { out = append(out, Violation{Rule: rule, Message: msg}) }

	if p.MinLength > 0 && n < p.MinLength {
		add(RuleTooShort, "Пароль должен содержать не менее "+countGenitive(p.MinLength, "символа", "символов"))
	}
	tooLong := p.MaxLength > 0 && n > p.MaxLength
	if tooLong {
		add(RuleTooLong, "Пароль должен содержать не более "+countGenitive(p.MaxLength, "символа", "символов"))
	}
	if forbidden {
		add(RuleWhitespace, "Пароль не должен содержать пробелы, табуляцию, переводы строки, управляющие и невидимые символы")
	}
	if p.RequireUpper && !upper {
		add(RuleNoUpper, "Пароль должен содержать хотя бы одну заглавную букву")
	}
	if p.RequireLower && !lower {
		add(RuleNoLower, "Пароль должен содержать хотя бы одну строчную букву")
	}
	if p.RequireDigit && !digit {
		add(RuleNoDigit, "Пароль должен содержать хотя бы одну цифру")
	}
	if p.RequireSpecial && !special {
		add(RuleNoSpecial, "Пароль должен содержать хотя бы один специальный символ, например ! @ # $ % - _")
	}

	if n > MaxCheckedLength {
		return out
	}
	folded := foldRunes(pw)
	if p.ForbidSequences && hasSequence(folded) {
		add(RuleSequence, "Пароль не должен содержать 4 и более символов, идущих подряд по алфавиту или на клавиатуре, например 1234, abcd, qwerty, йцук")
	}
	if p.MaxRepeat > 0 && longestRun(folded) > p.MaxRepeat {
		add(RuleRepeat, "Пароль не должен содержать один и тот же символ более "+countGenitive(p.MaxRepeat, "раза", "раз")+" подряд")
	}
	if p.ForbidPersonalInfo && containsPersonalInfo(pw, c) {
		add(RulePersonalInfo, "Пароль не должен содержать фамилию, имя, отчество, адрес электронной почты или номер телефона")
	}
	if isCommon(pw) {
		add(RuleCommon, "Пароль слишком простой или широко распространён: его легко подобрать")
	}
	if p.History > 0 && !tooLong && reused(pw, c.Previous, p.History) {
		add(RuleReused, reusedMessage(p.History))
	}
	return out
}

// isForbidden reports whether r may not appear in any password: white
// space, C0/C1 controls and invisible format characters (zero-width space,
// bidirectional overrides, soft hyphen, BOM), which a user can neither see
// nor reliably type again.
func isForbidden(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// isSpecial reports whether r counts as a special character: anything
// printable that is not a letter, a digit or a combining mark — punctuation,
// symbols (including emoji) and other numerals such as "½" or "Ⅻ".
func isSpecial(r rune) bool {
	return !isForbidden(r) && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
}

// reused reports whether pw matches one of the first limit hashes.
func reused(pw string, previous []Hash, limit int) bool {
	if len(previous) > limit {
		previous = previous[:limit]
	}
	for _, h := range previous {
		if h.Matches(pw) {
			return true
		}
	}
	return false
}

func reusedMessage(history int) string {
	if history == 1 {
		return "Пароль совпадает с предыдущим: придумайте новый"
	}
	return "Пароль совпадает с одним из " + countGenitive(history, "последнего пароля", "последних паролей") + ": придумайте новый"
}
