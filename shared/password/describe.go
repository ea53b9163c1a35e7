package password

import (
	"strconv"
	"time"
)

// Describe returns the requirements of p in Russian, one sentence each, in
// the order Check reports them, for a hint beside the password field.
func Describe(p Profile) []string {
	var out []string
	switch {
	case p.MinLength > 0 && p.MaxLength > 0:
		out = append(out, "Длина — от "+strconv.Itoa(p.MinLength)+" до "+countGenitive(p.MaxLength, "символа", "символов")+".")
	case p.MinLength > 0:
		out = append(out, "Длина — не менее "+countGenitive(p.MinLength, "символа", "символов")+".")
	case p.MaxLength > 0:
		out = append(out, "Длина — не более "+countGenitive(p.MaxLength, "символа", "символов")+".")
	}
	out = append(out, "Без пробелов, табуляции, управляющих и невидимых символов.")
	if p.RequireUpper {
		out = append(out, "Хотя бы одна заглавная буква, латинская или русская.")
	}
	if p.RequireLower {
		out = append(out, "Хотя бы одна строчная буква, латинская или русская.")
	}
	if p.RequireDigit {
		out = append(out, "Хотя бы одна цифра.")
	}
	if p.RequireSpecial {
		out = append(out, "Хотя бы один специальный символ, например ! @ # $ % - _.")
	}
	if p.ForbidSequences {
		out = append(out, "Без 4 и более символов, идущих подряд по алфавиту или на клавиатуре, например 1234, abcd, qwerty, йцук.")
	}
	if p.MaxRepeat > 0 {
		out = append(out, "Один и тот же символ — не более "+countGenitive(p.MaxRepeat, "раза", "раз")+" подряд.")
	}
	if p.ForbidPersonalInfo {
		out = append(out, "Без фамилии, имени, отчества (в том числе латиницей), адреса электронной почты и номера телефона.")
	}
	out = append(out, "Не из списка распространённых паролей и не простой шаблон вроде aaaaaaaa или 123123123.")
	if p.History > 0 {
		if p.History == 1 {
			out = append(out, "Не совпадает с предыдущим паролем.")
		} else {
			out = append(out, "Не совпадает ни с одним из "+countGenitive(p.History, "последнего пароля", "последних паролей")+".")
		}
	}
	if p.MaxAge > 0 {
		out = append(out, "Пароль действует "+formatAge(p.MaxAge)+", затем его нужно сменить.")
	} else {
		out = append(out, "Срок действия пароля не ограничен.")
	}
	return out
}

// countGenitive writes n with a noun in the genitive case, as after "не
// менее", "не более", "из": "1 символа", "2 символов", "21 символа".
func countGenitive(n int, one, many string) string {
	if n%10 == 1 && n%100 != 11 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// countNominative writes n with a noun after a bare number: "1 день",
// "3 дня", "90 дней".
func countNominative(n int, one, few, many string) string {
	s := strconv.Itoa(n) + " "
	switch {
	case n%10 == 1 && n%100 != 11:
		return s + one
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return s + few
	}
	return s + many
}

// formatAge writes a duration in whole days, or in hours when it is not a
// whole number of days.
func formatAge(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return countNominative(int(d/day), "день", "дня", "дней")
	}
	hours := int((d + time.Hour - 1) / time.Hour)
	return countNominative(hours, "час", "часа", "часов")
}
