package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// checkResult compares a validator result with the expected normalized value
// or error code (exactly one of want and wantCode is meaningful: wantCode ""
// means success is expected).
func checkResult(t *testing.T, in, got string, err error, want, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("(%q) error = %v (code %q), want %q", in, err, codeOf(err), want)
		}
		if got != want {
			t.Fatalf("(%q) = %q, want %q", in, got, want)
		}
		return
	}
	if err == nil {
		t.Fatalf("(%q) = %q, nil error; want error code %q", in, got, wantCode)
	}
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("(%q) error %v is %T, want *Error", in, err, err)
	}
	if e.Code != wantCode {
		t.Fatalf("(%q) error code = %q (%s), want %q", in, e.Code, e.Message, wantCode)
	}
	if e.Message == "" || e.Error() != e.Message {
		t.Fatalf("(%q) error message = %q, Error() = %q; want equal and non-empty", in, e.Message, e.Error())
	}
	if got != "" {
		t.Fatalf("(%q) returned %q together with an error, want empty", in, got)
	}
}

func codeOf(err error) string {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return ""
}

func TestError(t *testing.T) {
	_, err := SNILS("112-233-445 96")
	if got, want := err.Error(), "Неверная контрольная сумма СНИЛС"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("register: %w", err)
	e, ok := AsError(wrapped)
	if !ok || e.Code != CodeSNILSChecksum {
		t.Errorf("AsError(wrapped) = %v, %v; want code %q", e, ok, CodeSNILSChecksum)
	}
	if e, ok := AsError(errors.New("boom")); ok || e != nil {
		t.Errorf("AsError(plain error) = %v, %v; want nil, false", e, ok)
	}
	if e, ok := AsError(nil); ok || e != nil {
		t.Errorf("AsError(nil) = %v, %v; want nil, false", e, ok)
	}
	// Each call must return a fresh value: mutating one must not leak.
	_, err1 := SNILS("")
	e1, _ := AsError(err1)
	e1.Message = "changed"
	_, err2 := SNILS("")
	if e2, _ := AsError(err2); e2.Message == "changed" {
		t.Error("errors share state between calls")
	}
}

// Control numbers below were computed by hand (weights 9..1 over the first
// nine digits):
//
//	112-233-445: 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95        → 95
//	987-654-321: 81+64+49+36+25+16+9+4+1 = 285; 285 mod 101 = 83 → 83
//	920-000-003: 9·9+2·8+3·1 = 100                               → 00
//	920-000-004: 9·9+2·8+4·1 = 101                               → 00
//	903-000-000: 9·9+3·7 = 102; 102 mod 101 = 1                  → 01
//	996-000-006: 81+72+42+6 = 201; 201 mod 101 = 100             → 00
//	990-000-009: 81+72+9 = 162; 162 mod 101 = 61                 → 61
//	001-001-999: 1·7+1·4+9·3+9·2+9·1 = 65                        → 65
func TestSNILS(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"canonical layout", "112-233-445 95", "11223344595", ""},
		{"digits only", "11223344595", "11223344595", ""},
		{"spaces", "112 233 445 95", "11223344595", ""},
		{"all hyphens", "112-233-445-95", "11223344595", ""},
		{"mixed partial separators", "112233-445 95", "11223344595", ""},
		{"surrounding whitespace", "  112-233-445 95\t\n", "11223344595", ""},
		{"sum over 101", "987-654-321 83", "98765432183", ""},
		{"sum exactly 100", "920-000-003 00", "92000000300", ""},
		{"sum exactly 101", "920-000-004 00", "92000000400", ""},
		{"sum 102", "903-000-000 01", "90300000001", ""},
		{"sum mod 101 is 100", "996-000-006 00", "99600000600", ""},
		{"sum 162", "990-000-009 61", "99000000961", ""},
		{"first checked number", "001-001-999 65", "00100199965", ""},
		{"threshold not checked", "001-001-998 42", "00100199842", ""},
		{"below threshold not checked", "000-000-001 99", "00000000199", ""},

		{"empty", "", "", CodeRequired},
		{"whitespace only", "  \t ", "", CodeRequired},
		{"wrong checksum", "112-233-445 96", "", CodeSNILSChecksum},
		{"wrong checksum digits only", "11223344594", "", CodeSNILSChecksum},
		{"sum 100 control must be 00", "920-000-003 100", "", CodeSNILSFormat},
		{"sum 100 wrong control", "920-000-003 01", "", CodeSNILSChecksum},
		{"mod 101 is 100 not 100", "996-000-006 99", "", CodeSNILSChecksum},
		{"first checked number wrong", "001-001-999 00", "", CodeSNILSChecksum},
		{"too short", "112-233-445 9", "", CodeSNILSFormat},
		{"too long", "112233445950", "", CodeSNILSFormat},
		{"letters", "112-233-44a 95", "", CodeSNILSFormat},
		{"separator off position", "1122-33445 95", "", CodeSNILSFormat},
		{"double separator", "112--233-445 95", "", CodeSNILSFormat},
		{"leading separator", "-112-233-445 95", "", CodeSNILSFormat},
		{"slash separator", "112/233/445/95", "", CodeSNILSFormat},
		{"fullwidth digits", "１１２２３３４４５９５", "", CodeSNILSFormat},
		{"arabic-indic digits", "١١٢٢٣٣٤٤٥٩٥", "", CodeSNILSFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SNILS(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestFormatAndMaskSNILS(t *testing.T) {
	tests := []struct {
		name, in, format, mask string
	}{
		{"normalized", "11223344595", "112-233-445 95", "***-***-445 95"},
		{"formatted input", "112-233-445 95", "112-233-445 95", "***-***-445 95"},
		{"bad checksum still masked", "11223344596", "112-233-445 96", "***-***-445 96"},
		{"garbage", "hello", "hello", "***-***-*** **"},
		{"too short", "1122334459", "1122334459", "***-***-*** **"},
		{"empty", "", "", "***-***-*** **"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatSNILS(tt.in); got != tt.format {
				t.Errorf("FormatSNILS(%q) = %q, want %q", tt.in, got, tt.format)
			}
			if got := MaskSNILS(tt.in); got != tt.mask {
				t.Errorf("MaskSNILS(%q) = %q, want %q", tt.in, got, tt.mask)
			}
		})
	}
}

// Known-valid INNs, verified by hand:
//
// 7707083893 (Sberbank), weights 2 4 10 3 5 9 4 6 8:
//
//	7·2+7·4+0·10+7·3+0·5+8·9+3·4+8·6+9·8 = 14+28+0+21+0+72+12+48+72 = 267
//	267 mod 11 = 3, 3 mod 10 = 3 = 10th digit ✓
//
// 7736050003 (Gazprom):
//
//	7·2+7·4+3·10+6·3+0·5+5·9+0·4+0·6+0·8 = 14+28+30+18+45 = 135
//	135 mod 11 = 3 = 10th digit ✓
//
// 7736207543 (Yandex):
//
//	14+28+30+18+2·5+0·9+7·4+5·6+4·8 = 90+10+28+30+32 = 190
//	190 mod 11 = 3 = 10th digit ✓
//
// 500100732259 (individual):
//
//	n11, weights 7 2 4 10 3 5 9 4 6 8 over 5001007322:
//	5·7+0+0+1·10+0+0+7·9+3·4+2·6+2·8 = 35+10+63+12+12+16 = 148
//	148 mod 11 = 5 = 11th digit ✓
//	n12, weights 3 7 2 4 10 3 5 9 4 6 8 over 50010073225:
//	5·3+0+0+1·4+0+0+7·5+3·9+2·4+2·6+5·8 = 15+4+35+27+8+12+40 = 141
//	141 mod 11 = 9 = 12th digit ✓
func TestINN(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"legal entity Sberbank", "7707083893", "7707083893", ""},
		{"legal entity Gazprom", "7736050003", "7736050003", ""},
		{"legal entity Yandex", "7736207543", "7736207543", ""},
		{"individual", "500100732259", "500100732259", ""},
		{"surrounding whitespace", " 7707083893 ", "7707083893", ""},

		{"empty", "", "", CodeRequired},
		{"10 digits wrong control", "7707083894", "", CodeINNChecksum},
		{"10 digits transposed", "7707083983", "", CodeINNChecksum},
		{"12 digits wrong n11", "500100732249", "", CodeINNChecksum},
		{"12 digits wrong n12", "500100732258", "", CodeINNChecksum},
		{"11 digits", "50010073225", "", CodeINNLength},
		{"9 digits", "770708389", "", CodeINNLength},
		{"13 digits", "5001007322590", "", CodeINNLength},
		{"letters", "77070838ab", "", CodeINNFormat},
		{"inner space", "7707 083893", "", CodeINNFormat},
		{"sign", "+7707083893", "", CodeINNFormat},
		{"fullwidth digits", "７７０７０８３８９３", "", CodeINNFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := INN(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestPersonalINN(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"individual", "500100732259", "500100732259", ""},
		{"legal entity rejected", "7707083893", "", CodeINNLength},
		{"wrong checksum", "500100732258", "", CodeINNChecksum},
		{"empty", " ", "", CodeRequired},
		{"letters", "50010073225x", "", CodeINNFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PersonalINN(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

// TestINNSingleDigitErrors checks that changing any single digit of a valid
// INN is detected (the control digits are computed mod 11 then mod 10, so a
// few substitutions can collide; we only require that most are caught and
// that the original stays valid).
func TestINNSingleDigitErrors(t *testing.T) {
	for _, valid := range []string{"7707083893", "7736050003", "500100732259"} {
		caught, total := 0, 0
		for i := 0; i < len(valid); i++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == valid[i] {
					continue
				}
				b := []byte(valid)
				b[i] = d
				total++
				if _, err := INN(string(b)); err != nil {
					caught++
				}
			}
		}
		if caught*10 < total*9 {
			t.Errorf("%s: only %d of %d single-digit substitutions detected", valid, caught, total)
		}
	}
}

func TestPassport(t *testing.T) {
	tests := []struct {
		name, series, number, wantSeries, wantNumber, code string
	}{
		{"plain", "4508", "123456", "4508", "123456", ""},
		{"series with space", "45 08", "123456", "4508", "123456", ""},
		{"whitespace around", " 45 08 ", "\t123456 ", "4508", "123456", ""},
		{"leading zeros", "0001", "000001", "0001", "000001", ""},

		{"both empty", "", " ", "", "", CodeRequired},
		{"series empty", "", "123456", "", "", CodePassportSeries},
		{"number empty", "4508", "", "", "", CodePassportNumber},
		{"series short", "450", "123456", "", "", CodePassportSeries},
		{"series long", "45081", "123456", "", "", CodePassportSeries},
		{"series space off position", "450 8", "123456", "", "", CodePassportSeries},
		{"series double space", "45  08", "123456", "", "", CodePassportSeries},
		{"series hyphen", "45-08", "123456", "", "", CodePassportSeries},
		{"series letters", "45АБ", "123456", "", "", CodePassportSeries},
		{"number short", "4508", "12345", "", "", CodePassportNumber},
		{"number long", "4508", "1234567", "", "", CodePassportNumber},
		{"number with space", "4508", "123 456", "", "", CodePassportNumber},
		{"number letters", "4508", "12345O", "", "", CodePassportNumber},
		{"both invalid reports series", "x", "y", "", "", CodePassportSeries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n, err := Passport(tt.series, tt.number)
			in := tt.series + "|" + tt.number
			if tt.code == "" {
				checkResult(t, in, s+"|"+n, err, tt.wantSeries+"|"+tt.wantNumber, "")
				return
			}
			if s != "" || n != "" {
				t.Fatalf("Passport(%q, %q) = %q, %q with error", tt.series, tt.number, s, n)
			}
			checkResult(t, in, "", err, "", tt.code)
		})
	}
}

func TestPassportParts(t *testing.T) {
	got, err := PassportSeries("45 08")
	checkResult(t, "45 08", got, err, "4508", "")
	got, err = PassportSeries("")
	checkResult(t, "", got, err, "", CodeRequired)
	got, err = PassportSeries("4")
	checkResult(t, "4", got, err, "", CodePassportSeries)
	got, err = PassportNumber(" 123456 ")
	checkResult(t, " 123456 ", got, err, "123456", "")
	got, err = PassportNumber("")
	checkResult(t, "", got, err, "", CodeRequired)
	got, err = PassportNumber("12-3456")
	checkResult(t, "12-3456", got, err, "", CodePassportNumber)
}

func TestDivisionCode(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"canonical", "123-456", "123-456", ""},
		{"digits only", "123456", "123-456", ""},
		{"whitespace", " 770-001 ", "770-001", ""},

		{"empty", "", "", CodeRequired},
		{"space separator", "123 456", "", CodePassportDivision},
		{"hyphen off position", "12-3456", "", CodePassportDivision},
		{"short", "123-45", "", CodePassportDivision},
		{"long", "1234567", "", CodePassportDivision},
		{"letters", "12a-456", "", CodePassportDivision},
		{"double hyphen", "123--456", "", CodePassportDivision},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DivisionCode(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"international formatted", "+7 (912) 345-67-89", "+79123456789", ""},
		{"trunk prefix spaced", "8 912 345 67 89", "+79123456789", ""},
		{"trunk prefix compact", "89123456789", "+79123456789", ""},
		{"E.164", "+79123456789", "+79123456789", ""},
		{"country code without plus", "79123456789", "+79123456789", ""},
		{"national ten digits", "9123456789", "+79123456789", ""},
		{"parentheses after trunk prefix", "8 (912) 345-67-89", "+79123456789", ""},
		{"Moscow landline", "+7 495 123-45-67", "+74951234567", ""},
		{"St Petersburg landline", "8 (812) 123-45-67", "+78121234567", ""},
		{"Krasnodar landline", "8-861-123-45-67", "+78611234567", ""},
		{"toll-free", "8 800 555-35-35", "+78005553535", ""},
		{"Volgograd 3xx", "+7 (344) 123-45-67", "+73441234567", ""},
		{"surrounding whitespace", "  +79123456789 ", "+79123456789", ""},

		{"empty", "", "", CodeRequired},
		{"Ukraine", "+380 50 123 4567", "", CodePhoneCountry},
		{"Belarus", "+375291234567", "", CodePhoneCountry},
		{"USA", "+1 212 555-12-34", "", CodePhoneCountry},
		{"Kazakhstan 7xx", "+7 701 123-45-67", "", CodePhoneCountry},
		{"Kazakhstan 6xx", "+7 (600) 123-45-67", "", CodePhoneCountry},
		{"Kazakhstan via trunk prefix", "8 701 123 45 67", "", CodePhoneCountry},
		{"eleven digits foreign", "12125551234", "", CodePhoneCountry},
		{"unassigned 5xx", "+7 512 345-67-89", "", CodePhoneFormat},
		{"unassigned 0xx", "+7 012 345-67-89", "", CodePhoneFormat},
		{"too few digits", "+7 912 345-67-8", "", CodePhoneFormat},
		{"too many digits", "+7 912 345-67-890", "", CodePhoneFormat},
		{"nine digits", "912345678", "", CodePhoneFormat},
		{"twelve digits without plus", "891234567890", "", CodePhoneFormat},
		{"letters", "+7 912 CALL-NOW", "", CodePhoneFormat},
		{"cyrillic letters", "8 912 345 67 8д", "", CodePhoneFormat},
		{"extension", "+7 912 345-67-89 доб. 12", "", CodePhoneFormat},
		{"plus only", "+", "", CodePhoneFormat},
		{"plus in the middle", "8+9123456789", "", CodePhoneFormat},
		{"double plus", "++79123456789", "", CodePhoneFormat},
		{"unbalanced parenthesis", "+7 (912 345-67-89", "", CodePhoneFormat},
		{"reversed parentheses", "+7 )912( 345-67-89", "", CodePhoneFormat},
		{"two pairs of parentheses", "+7 (912) (345) 67-89", "", CodePhoneFormat},
		{"fullwidth digits", "+７９１２３４５６７８９", "", CodePhoneFormat},
		{"very long", "+7 912 345 67 89" + strings.Repeat(" ", 40), "+79123456789", ""},
		{"very long inside", "+7 912" + strings.Repeat(" ", 40) + "345 67 89", "", CodePhoneFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Phone(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+79123456789", "+7 *** ***-**-89"},
		{"8 (912) 345-67-01", "+7 *** ***-**-01"},
		{"+380501234567", "+7 *** ***-**-**"},
		{"garbage", "+7 *** ***-**-**"},
		{"", "+7 *** ***-**-**"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmail(t *testing.T) {
	local64 := strings.Repeat("a", 64)
	label63 := strings.Repeat("b", 63)
	// 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 characters.
	max254 := local64 + "@" + label63 + "." + label63 + "." + strings.Repeat("c", 61)

	tests := []struct {
		name, in, want, code string
	}{
		{"simple", "ivan.petrov@mail.ru", "ivan.petrov@mail.ru", ""},
		{"domain lower-cased", "Ivan.Petrov@Mail.RU", "Ivan.Petrov@mail.ru", ""},
		{"trimmed", "  ivan@mail.ru\n", "ivan@mail.ru", ""},
		{"subdomains", "a@b.c.example.com", "a@b.c.example.com", ""},
		{"plus tag", "ivan+portal@gmail.com", "ivan+portal@gmail.com", ""},
		{"all atext specials", "!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com", ""},
		{"hyphen inside label", "a@my-mail.example.ru", "a@my-mail.example.ru", ""},
		{"digits in labels", "a@123.example1.ru", "a@123.example1.ru", ""},
		{"Cyrillic domain", "ivan@почта.рф", "ivan@почта.рф", ""},
		{"Cyrillic domain lower-cased", "ivan@ПОЧТА.РФ", "ivan@почта.рф", ""},
		{"Cyrillic domain with ё", "ivan@ёлка.рф", "ivan@ёлка.рф", ""},
		{"punycode domain", "ivan@xn--80a1acny.xn--p1ai", "ivan@xn--80a1acny.xn--p1ai", ""},
		{"maximum lengths", max254, max254, ""},

		{"empty", "", "", CodeRequired},
		{"no at", "ivan.mail.ru", "", CodeEmailFormat},
		{"two ats", "ivan@petrov@mail.ru", "", CodeEmailFormat},
		{"empty local", "@mail.ru", "", CodeEmailFormat},
		{"empty domain", "ivan@", "", CodeEmailFormat},
		{"no dot in domain", "ivan@localhost", "", CodeEmailFormat},
		{"display name", "Ivan <ivan@mail.ru>", "", CodeEmailFormat},
		{"quoted local", `"ivan petrov"@mail.ru`, "", CodeEmailFormat},
		{"leading dot local", ".ivan@mail.ru", "", CodeEmailFormat},
		{"trailing dot local", "ivan.@mail.ru", "", CodeEmailFormat},
		{"consecutive dots local", "ivan..petrov@mail.ru", "", CodeEmailFormat},
		{"space in local", "ivan petrov@mail.ru", "", CodeEmailFormat},
		{"Cyrillic local", "иван@mail.ru", "", CodeEmailFormat},
		{"comma", "ivan,petrov@mail.ru", "", CodeEmailFormat},
		{"leading dot domain", "ivan@.mail.ru", "", CodeEmailFormat},
		{"trailing dot domain", "ivan@mail.ru.", "", CodeEmailFormat},
		{"consecutive dots domain", "ivan@mail..ru", "", CodeEmailFormat},
		{"label starts with hyphen", "ivan@-mail.ru", "", CodeEmailFormat},
		{"label ends with hyphen", "ivan@mail-.ru", "", CodeEmailFormat},
		{"underscore in domain", "ivan@my_mail.ru", "", CodeEmailFormat},
		{"IP literal", "ivan@[127.0.0.1]", "", CodeEmailFormat},
		{"IP address", "ivan@127.0.0.1", "", CodeEmailFormat},
		{"numeric TLD", "ivan@mail.123", "", CodeEmailFormat},
		{"space in domain", "ivan@mail .ru", "", CodeEmailFormat},
		{"combining mark in domain", "ivan@и\u0306ога.рф", "", CodeEmailFormat},
		{"emoji domain", "ivan@😀.ru", "", CodeEmailFormat},
		{"local too long", local64 + "a@mail.ru", "", CodeEmailLength},
		{"label too long", "ivan@" + label63 + "b.ru", "", CodeEmailLength},
		{"total too long", max254 + "c", "", CodeEmailLength},
		{"long invalid local", strings.Repeat("и", 65) + "@mail.ru", "", CodeEmailFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Email(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestMaskEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ivan.petrov@mail.ru", "i***v@mail.ru"},
		{"Ivan@MAIL.RU", "I***n@mail.ru"},
		{"abc@mail.ru", "a***c@mail.ru"},
		{"ab@mail.ru", "a***@mail.ru"},
		{"a@mail.ru", "***@mail.ru"},
		{"ivan@почта.рф", "i***n@почта.рф"},
		{"not an email", "***"},
		{"", "***"},
	}
	for _, tt := range tests {
		if got := MaskEmail(tt.in); got != tt.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestName(t *testing.T) {
	long100 := strings.Repeat("я", 100)
	tests := []struct {
		name, in, want, code string
	}{
		{"simple", "Иванов", "Иванов", ""},
		{"with ё", "Фёдор", "Фёдор", ""},
		{"capital Ё", "Ёлкин", "Ёлкин", ""},
		{"all alphabet edges", "АЯаяЁёЙйЪъ", "АЯаяЁёЙйЪъ", ""},
		{"double surname", "Римский-Корсаков", "Римский-Корсаков", ""},
		{"space inside", "Оглы Мамед", "Оглы Мамед", ""},
		{"single letter", "Я", "Я", ""},
		{"case preserved", "иВАНОВ", "иВАНОВ", ""},
		{"trimmed", "  Иван \t", "Иван", ""},
		{"spaces collapsed", "Анна   Мария", "Анна Мария", ""},
		{"tab and nbsp collapsed", "Анна\t\u00a0Мария", "Анна Мария", ""},
		{"spaces around hyphen dropped", "Анна - Мария", "Анна-Мария", ""},
		{"space before hyphen dropped", "Анна -Мария", "Анна-Мария", ""},
		{"space after hyphen dropped", "Анна- Мария", "Анна-Мария", ""},
		{"100 letters", long100, long100, ""},

		{"empty", "", "", CodeRequired},
		{"spaces only", " \u00a0 ", "", CodeRequired},
		{"Latin", "Ivanov", "", CodeNameChars},
		{"Latin look-alike", "Иванoв", "", CodeNameChars}, // Latin 'o'
		{"digit", "Иван2", "", CodeNameChars},
		{"apostrophe", "Д'Артаньян", "", CodeNameChars},
		{"Ukrainian і", "Олексій", "", CodeNameChars},
		{"double hyphen", "Римский--Корсаков", "", CodeNameChars},
		{"hyphen space hyphen", "Анна- -Мария", "", CodeNameChars},
		{"leading hyphen", "-Иван", "", CodeNameChars},
		{"trailing hyphen", "Иван-", "", CodeNameChars},
		{"hyphen only", "-", "", CodeNameChars},
		{"dot", "Иван.", "", CodeNameChars},
		{"en dash", "Анна–Мария", "", CodeNameChars},
		{"combining breve", "И\u0306ван", "", CodeNameChars},
		{"invalid UTF-8", "Иван\xff", "", CodeNameChars},
		{"101 letters", long100 + "я", "", CodeNameLength},
		{"101 with space", strings.Repeat("я", 50) + " " + strings.Repeat("я", 50), "", CodeNameLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Name(tt.in)
			checkResult(t, tt.in, got, err, tt.want, tt.code)
		})
	}
}

func TestFields(t *testing.T) {
	var f Fields
	if !f.OK() || f.Errors() != nil {
		t.Fatalf("zero Fields: OK() = %v, Errors() = %v; want true, nil", f.OK(), f.Errors())
	}

	_, err := SNILS("112-233-445 95")
	f.Check("snils", err)
	_, err = INN("7707083894")
	f.Check("inn", err)
	_, err = Phone("")
	f.Check("phone", fmt.Errorf("wrapped: %w", err))
	f.Check("birthDate", errors.New("parsing time \"x\": internal detail"))

	if f.OK() {
		t.Fatal("OK() = true after errors")
	}
	want := []FieldError{
		{Field: "inn", Code: CodeINNChecksum, Message: "Неверная контрольная сумма ИНН"},
		{Field: "phone", Code: CodeRequired, Message: "Поле обязательно для заполнения"},
		{Field: "birthDate", Code: CodeInvalid, Message: "Недопустимое значение"},
	}
	got := f.Errors()
	if len(got) != len(want) {
		t.Fatalf("Errors() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Errors()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	got[0].Field = "mutated"
	if f.Errors()[0].Field != "inn" {
		t.Error("Errors() returned an alias of internal state")
	}
}

// TestSNILSExactlyOneControl checks, for a spread of bodies above the
// threshold, that exactly one of the 100 possible control numbers is
// accepted and that it is the one FormatSNILS/SNILS round-trip.
func TestSNILSExactlyOneControl(t *testing.T) {
	for body := 1001999; body <= 999999999; body += 7919 * 13 {
		b := fmt.Sprintf("%09d", body)
		valid := 0
		for c := 0; c < 100; c++ {
			s := fmt.Sprintf("%s%02d", b, c)
			if _, err := SNILS(s); err == nil {
				valid++
				if got, err := SNILS(FormatSNILS(s)); err != nil || got != s {
					t.Fatalf("SNILS(FormatSNILS(%q)) = %q, %v", s, got, err)
				}
			} else if codeOf(err) != CodeSNILSChecksum {
				t.Fatalf("SNILS(%q) code = %q, want %q", s, codeOf(err), CodeSNILSChecksum)
			}
		}
		if valid != 1 {
			t.Fatalf("body %s: %d valid control numbers, want 1", b, valid)
		}
	}
}

// TestINNExactlyOneControl checks that for 10-digit bodies exactly one
// control digit is accepted, and for 12-digit bodies exactly one pair.
func TestINNExactlyOneControl(t *testing.T) {
	for body := 100000000; body <= 999999999; body += 7919 * 101 {
		valid := 0
		for c := 0; c < 10; c++ {
			if _, err := INN(fmt.Sprintf("%09d%d", body, c)); err == nil {
				valid++
			}
		}
		if valid != 1 {
			t.Fatalf("10-digit body %09d: %d valid controls, want 1", body, valid)
		}
		b10 := fmt.Sprintf("%09d7", body)
		valid = 0
		for c := 0; c < 100; c++ {
			if _, err := PersonalINN(fmt.Sprintf("%s%02d", b10, c)); err == nil {
				valid++
			}
		}
		if valid != 1 {
			t.Fatalf("12-digit body %s: %d valid controls, want 1", b10, valid)
		}
	}
}
