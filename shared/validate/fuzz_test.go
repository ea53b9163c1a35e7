package validate

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkFuzzErr fails unless err is nil or a *Error with one of the allowed
// codes and a non-empty message, and reports whether err is nil.
func checkFuzzErr(t *testing.T, in string, err error, codes ...string) bool {
	t.Helper()
	if err == nil {
		return true
	}
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("(%q): error %v is %T, want *Error", in, err, err)
	}
	if e.Message == "" || e.Error() != e.Message {
		t.Fatalf("(%q): bad message %q", in, e.Message)
	}
	for _, c := range codes {
		if e.Code == c {
			return false
		}
	}
	t.Fatalf("(%q): unexpected error code %q, want one of %q", in, e.Code, codes)
	return false
}

// refSNILSValid is an independent, deliberately naive restatement of the
// SNILS checksum rule used to cross-check the implementation.
func refSNILSValid(d string) bool {
	if d[:9] <= "001001998" {
		return true
	}
	sum := 0
	for i, w := 0, 9; i < 9; i, w = i+1, w-1 {
		sum += int(d[i]-'0') * w
	}
	var control int
	if sum < 100 {
		control = sum
	} else if sum == 100 || sum == 101 {
		control = 0
	} else {
		control = sum % 101
		if control == 100 {
			control = 0
		}
	}
	want := string([]byte{byte('0' + control/10), byte('0' + control%10)})
	return d[9:] == want
}

var (
	reSNILSFormatted = regexp.MustCompile(`^\d{3}-\d{3}-\d{3} \d{2}$`)
	reSNILSMask      = regexp.MustCompile(`^\*\*\*-\*\*\*-(\d{3} \d{2}|\*\*\* \*\*)$`)
	rePhone          = regexp.MustCompile(`^\+7[3489]\d{9}$`)
	rePhoneMask      = regexp.MustCompile(`^\+7 \*\*\* \*\*\*-\*\*-(\d\d|\*\*)$`)
)

func FuzzSNILS(f *testing.F) {
	for _, s := range []string{
		"112-233-445 95", "11223344595", "112 233 445 95", "112-233-445-95",
		"112-233-445 96", "001-001-998 00", "001-001-999 65", "996-000-006 00",
		"", " ", "1122-33445 95", "١١٢٢٣٣٤٤٥٩٥", "112-233-445 9\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := SNILS(s)
		mask := MaskSNILS(s)
		if !reSNILSMask.MatchString(mask) {
			t.Fatalf("MaskSNILS(%q) = %q: bad shape", s, mask)
		}
		_ = FormatSNILS(s)
		if !checkFuzzErr(t, s, err, CodeRequired, CodeSNILSFormat, CodeSNILSChecksum) {
			if codeOf(err) != CodeSNILSChecksum && mask != "***-***-*** **" {
				t.Fatalf("MaskSNILS(%q) = %q for an unparseable value", s, mask)
			}
			return
		}
		if len(norm) != 11 || !allDigits(norm) {
			t.Fatalf("SNILS(%q) = %q: not 11 digits", s, norm)
		}
		if !refSNILSValid(norm) {
			t.Fatalf("SNILS(%q) accepted %q, reference implementation rejects it", s, norm)
		}
		formatted := FormatSNILS(norm)
		if !reSNILSFormatted.MatchString(formatted) {
			t.Fatalf("FormatSNILS(%q) = %q: bad shape", norm, formatted)
		}
		for _, again := range []string{norm, formatted} {
			if n2, err := SNILS(again); err != nil || n2 != norm {
				t.Fatalf("SNILS(%q) = %q, %v; want %q (not idempotent)", again, n2, err, norm)
			}
		}
		if MaskSNILS(norm) != mask || MaskSNILS(formatted) != mask {
			t.Fatalf("MaskSNILS differs between %q, %q and %q", s, norm, formatted)
		}
		if want := "***-***-" + formatted[8:]; mask != want {
			t.Fatalf("MaskSNILS(%q) = %q, want %q", s, mask, want)
		}
		if strings.Contains(mask, norm) || strings.Contains(mask, formatted) || strings.Contains(mask, norm[:6]) {
			t.Fatalf("MaskSNILS(%q) = %q reveals the value", s, mask)
		}
	})
}

// refINNValid is an independent restatement of the FNS INN checksum rule.
func refINNValid(d string) bool {
	ctl := func(n int, w ...int) bool {
		sum := 0
		for i := range w {
			sum += int(d[i]-'0') * w[i]
		}
		return int(d[n]-'0') == sum%11%10
	}
	switch len(d) {
	case 10:
		return ctl(9, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	case 12:
		return ctl(10, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8) && ctl(11, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	}
	return false
}

func FuzzINN(f *testing.F) {
	for _, s := range []string{
		"7707083893", "7736050003", "500100732259", "7707083894",
		"500100732258", "", "12345", " 7707083893 ", "77070838ab",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := INN(s)
		pnorm, perr := PersonalINN(s)
		personalOK := checkFuzzErr(t, s, perr, CodeRequired, CodeINNFormat, CodeINNLength, CodeINNChecksum)
		if !checkFuzzErr(t, s, err, CodeRequired, CodeINNFormat, CodeINNLength, CodeINNChecksum) {
			if personalOK {
				t.Fatalf("PersonalINN(%q) accepted what INN rejects", s)
			}
			if codeOf(err) != codeOf(perr) && codeOf(perr) != CodeINNLength {
				t.Fatalf("INN(%q) code %q, PersonalINN code %q", s, codeOf(err), codeOf(perr))
			}
			return
		}
		if (len(norm) != 10 && len(norm) != 12) || !allDigits(norm) {
			t.Fatalf("INN(%q) = %q: bad shape", s, norm)
		}
		if !refINNValid(norm) {
			t.Fatalf("INN(%q) accepted %q, reference implementation rejects it", s, norm)
		}
		if n2, err := INN(norm); err != nil || n2 != norm {
			t.Fatalf("INN(%q) = %q, %v; not idempotent", norm, n2, err)
		}
		if personalOK != (len(norm) == 12) {
			t.Fatalf("PersonalINN(%q) ok = %v for %d-digit INN", s, personalOK, len(norm))
		}
		if personalOK && pnorm != norm {
			t.Fatalf("PersonalINN(%q) = %q, INN = %q", s, pnorm, norm)
		}
	})
}

func FuzzPassport(f *testing.F) {
	for _, c := range [][3]string{
		{"4508", "123456", "123-456"},
		{"45 08", "000001", "123456"},
		{"", "", ""},
		{"45  08", "12345", "12-3456"},
		{"45АБ", "12345O", "123 456"},
	} {
		f.Add(c[0], c[1], c[2])
	}
	f.Fuzz(func(t *testing.T, series, number, division string) {
		in := series + "|" + number
		ser, num, err := Passport(series, number)
		if !checkFuzzErr(t, in, err, CodeRequired, CodePassportSeries, CodePassportNumber) {
			if ser != "" || num != "" {
				t.Fatalf("Passport(%q, %q) = %q, %q with error", series, number, ser, num)
			}
		} else {
			if len(ser) != 4 || !allDigits(ser) || len(num) != 6 || !allDigits(num) {
				t.Fatalf("Passport(%q, %q) = %q, %q: bad shape", series, number, ser, num)
			}
			if s2, n2, err := Passport(ser, num); err != nil || s2 != ser || n2 != num {
				t.Fatalf("Passport(%q, %q) = %q, %q, %v; not idempotent", ser, num, s2, n2, err)
			}
			if s2, _, err := Passport(ser[:2]+" "+ser[2:], num); err != nil || s2 != ser {
				t.Fatalf("Passport with spaced series %q: %q, %v", ser, s2, err)
			}
		}
		// The single-part validators agree with Passport.
		s1, err1 := PassportSeries(series)
		n1, err2 := PassportNumber(number)
		if err == nil && (err1 != nil || err2 != nil || s1 != ser || n1 != num) {
			t.Fatalf("parts disagree with Passport(%q, %q): %q %v, %q %v", series, number, s1, err1, n1, err2)
		}
		if err != nil && err1 == nil && err2 == nil {
			t.Fatalf("Passport(%q, %q) failed but both parts passed", series, number)
		}

		code, err := DivisionCode(division)
		if !checkFuzzErr(t, division, err, CodeRequired, CodePassportDivision) {
			return
		}
		if len(code) != 7 || code[3] != '-' || !allDigits(code[:3]) || !allDigits(code[4:]) {
			t.Fatalf("DivisionCode(%q) = %q: bad shape", division, code)
		}
		for _, again := range []string{code, code[:3] + code[4:]} {
			if c2, err := DivisionCode(again); err != nil || c2 != code {
				t.Fatalf("DivisionCode(%q) = %q, %v; want %q", again, c2, err, code)
			}
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{
		"+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "+79123456789",
		"9123456789", "+380501234567", "+7 701 123-45-67", "+7 (912 345-67-89",
		"", "+", "8+9123456789", "+7 912 345-67-89 доб. 12",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := Phone(s)
		mask := MaskPhone(s)
		if !rePhoneMask.MatchString(mask) {
			t.Fatalf("MaskPhone(%q) = %q: bad shape", s, mask)
		}
		if !checkFuzzErr(t, s, err, CodeRequired, CodePhoneFormat, CodePhoneCountry) {
			if mask != "+7 *** ***-**-**" {
				t.Fatalf("MaskPhone(%q) = %q for an invalid number", s, mask)
			}
			return
		}
		if !rePhone.MatchString(norm) {
			t.Fatalf("Phone(%q) = %q: bad shape", s, norm)
		}
		national := norm[2:]
		for _, again := range []string{
			norm, "8" + national, national,
			"+7 (" + national[:3] + ") " + national[3:6] + "-" + national[6:8] + "-" + national[8:],
		} {
			if n2, err := Phone(again); err != nil || n2 != norm {
				t.Fatalf("Phone(%q) = %q, %v; want %q", again, n2, err, norm)
			}
		}
		if want := "+7 *** ***-**-" + norm[len(norm)-2:]; mask != want {
			t.Fatalf("MaskPhone(%q) = %q, want %q", s, mask, want)
		}
		if strings.Contains(mask, norm) || strings.Contains(mask, national) || strings.Contains(mask, national[:8]) {
			t.Fatalf("MaskPhone(%q) = %q reveals the number", s, mask)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{
		"ivan.petrov@mail.ru", "Ivan.Petrov@Mail.RU", "ivan@почта.рф", "ivan@ПОЧТА.РФ",
		"a@b.c", "ab@x.ru", "Ivan <ivan@mail.ru>", `"q"@mail.ru`, "ivan..p@mail.ru",
		"ivan@-mail.ru", "ivan@mail.123", "", "@", "a@b@c.ru", "ivan@İSTANBUL.tr",
		"ivan@\u212Aelvin.com", "*@0.A", "***@x.ru", "0*@ϙ.A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := Email(s)
		mask := MaskEmail(s)
		if !checkFuzzErr(t, s, err, CodeRequired, CodeEmailFormat, CodeEmailLength) {
			if mask != "***" {
				t.Fatalf("MaskEmail(%q) = %q for an invalid address", s, mask)
			}
			return
		}
		if n2, err := Email(norm); err != nil || n2 != norm {
			t.Fatalf("Email(%q) = %q, %v; not idempotent", norm, n2, err)
		}
		if strings.TrimSpace(norm) != norm || !utf8.ValidString(norm) {
			t.Fatalf("Email(%q) = %q: untrimmed or invalid UTF-8", s, norm)
		}
		if strings.Count(norm, "@") != 1 {
			t.Fatalf("Email(%q) = %q: want exactly one @", s, norm)
		}
		at := strings.IndexByte(norm, '@')
		local, domain := norm[:at], norm[at+1:]
		if local == "" || len(local) > 64 || utf8.RuneCountInString(norm) > 254 {
			t.Fatalf("Email(%q) = %q: length limits violated", s, norm)
		}
		for i := 0; i < len(local); i++ {
			if local[i] >= utf8.RuneSelf || local[i] <= ' ' {
				t.Fatalf("Email(%q) = %q: bad byte in local part", s, norm)
			}
		}
		if strings.ToLower(domain) != domain || !strings.Contains(domain, ".") {
			t.Fatalf("Email(%q) = %q: bad domain", s, norm)
		}
		if !strings.HasSuffix(mask, "@"+domain) || !strings.Contains(mask, "***") {
			t.Fatalf("MaskEmail(%q) = %q: bad shape", s, mask)
		}
		var want string
		switch len(local) {
		case 1:
			want = "***"
		case 2:
			want = local[:1] + "***"
		default:
			want = local[:1] + "***" + local[len(local)-1:]
		}
		if want += "@" + domain; mask != want {
			t.Fatalf("MaskEmail(%q) = %q, want %q", s, mask, want)
		}
		// A local part containing '*' (a valid atext character) can
		// coincidentally appear inside its own mask, e.g. "0*" in "0***";
		// the exact shape check above already proves that at most the
		// first and last characters are revealed, so the substring check
		// is meaningful only for local parts without '*'.
		if !strings.Contains(local, "*") {
			maskLocal := strings.TrimSuffix(mask, "@"+domain)
			if strings.Contains(mask, norm) || (len(local) > 1 && strings.Contains(maskLocal, local)) {
				t.Fatalf("MaskEmail(%q) = %q reveals the address", s, mask)
			}
		}
	})
}

func FuzzName(f *testing.F) {
	for _, s := range []string{
		"Иванов", "Фёдор", "Римский-Корсаков", "Оглы Мамед", "  Анна - Мария ",
		"Анна\t\u00a0Мария", "Ivanov", "Иван--ов", "-Иван", "Иван-", "Иван\xff",
		"", " ", strings.Repeat("я", 101),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := Name(s)
		if !checkFuzzErr(t, s, err, CodeRequired, CodeNameChars, CodeNameLength) {
			return
		}
		if n2, err := Name(norm); err != nil || n2 != norm {
			t.Fatalf("Name(%q) = %q, %v; not idempotent", norm, n2, err)
		}
		if n := utf8.RuneCountInString(norm); n < 1 || n > 100 {
			t.Fatalf("Name(%q) = %q: %d characters", s, norm, n)
		}
		first, _ := utf8.DecodeRuneInString(norm)
		last, _ := utf8.DecodeLastRuneInString(norm)
		if !isRussianLetter(first) || !isRussianLetter(last) {
			t.Fatalf("Name(%q) = %q: must start and end with a letter", s, norm)
		}
		prevSep := false
		for _, r := range norm {
			sep := r == ' ' || r == '-'
			if !sep && !isRussianLetter(r) {
				t.Fatalf("Name(%q) = %q: forbidden character %q", s, norm, r)
			}
			if sep && prevSep {
				t.Fatalf("Name(%q) = %q: adjacent separators", s, norm)
			}
			prevSep = sep
		}
	})
}
