package payments

import (
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// Kinds of payer identifiers a charge names its payer by.
const (
	IDSNILS         = "snils"
	IDINN           = "inn"
	IDDriverLicence = "dl"      // водительское удостоверение
	IDVehicleCert   = "sts"     // свидетельство о регистрации ТС
	IDUtility       = "utility" // лицевой счёт у поставщика услуг ЖКХ
)

// Payer is who a charge is for, by the identifiers an agency knows.
type Payer struct {
	SNILS         string          `json:"snils,omitempty"`
	INN           string          `json:"inn,omitempty"`
	DriverLicence string          `json:"driverLicence,omitempty"`
	VehicleCert   string          `json:"vehicleCertificate,omitempty"`
	Utility       *UtilityAccount `json:"utilityAccount,omitempty"`
}

// UtilityAccount is an account with a utility provider.
type UtilityAccount struct {
	Provider string `json:"provider"`
	Account  string `json:"account"`
}

// identifier is one normalized payer identifier.
type identifier struct {
	kind, value string
}

// identifiers checks every identifier of a payer (at least one), naming
// each bad one under prefix, and returns them normalized.
func (p Payer) identifiers(prefix string) ([]identifier, error) {
	var out []identifier
	var fields []problem.Field
	add := func(field, kind, raw string, norm func(string) (string, error)) {
		if strings.TrimSpace(raw) == "" {
			return
		}
		v, err := norm(raw)
		if err != nil {
			fields = append(fields, problem.FieldOf(prefix+field, err))
			return
		}
		out = append(out, identifier{kind, v})
	}
	add("snils", IDSNILS, p.SNILS, validate.SNILS)
	add("inn", IDINN, p.INN, validate.PersonalINN)
	add("driverLicence", IDDriverLicence, p.DriverLicence, NormalizeDocumentNumber)
	add("vehicleCertificate", IDVehicleCert, p.VehicleCert, NormalizeDocumentNumber)
	if p.Utility != nil {
		v, err := p.Utility.normalized()
		if err != nil {
			fields = append(fields, problem.FieldOf(prefix+"utilityAccount", err))
		} else {
			out = append(out, identifier{IDUtility, v})
		}
	}
	if len(fields) > 0 {
		return nil, problem.Invalid(fields...)
	}
	if len(out) == 0 {
		return nil, problem.Invalid(problem.Field{Field: strings.TrimSuffix(prefix, "."), Code: "payer.required",
			Message: "Укажите хотя бы один идентификатор плательщика: СНИЛС, ИНН, водительское удостоверение, СТС или лицевой счёт"})
	}
	return out, nil
}

// latinToCyrillic are the Latin letters that look like the Cyrillic ones
// used in Russian document series and plates.
var latinToCyrillic = map[rune]rune{'A': 'А', 'B': 'В', 'E': 'Е', 'K': 'К', 'M': 'М', 'H': 'Н', 'O': 'О', 'P': 'Р',
	'C': 'С', 'T': 'Т', 'Y': 'У', 'X': 'Х'}

// NormalizeDocumentNumber normalizes the number of a driver licence or a
// vehicle registration certificate: two digits, two digits or Cyrillic
// letters, six digits (spaces dropped, Latin look-alikes made Cyrillic).
func NormalizeDocumentNumber(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == ' ' || r == '-' {
			continue
		}
		if c, ok := latinToCyrillic[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	v := []rune(b.String())
	bad := &validate.Error{Code: "document.number", Message: "Номер документа — 10 знаков: 2 цифры, 2 цифры или буквы, 6 цифр"}
	if len(v) != 10 {
		return "", bad
	}
	for i, r := range v {
		digit := r >= '0' && r <= '9'
		letter := r >= 'А' && r <= 'Я' || r == 'Ё'
		if (i < 2 || i >= 4) && !digit || (i == 2 || i == 3) && !digit && !letter {
			return "", bad
		}
	}
	return string(v), nil
}

// normalized is the account as one identifier: "<provider>:<account>".
func (u UtilityAccount) normalized() (string, error) {
	provider := strings.ToLower(strings.TrimSpace(u.Provider))
	account := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(u.Account), " ", ""))
	if n := len(provider); n < 2 || n > 32 || strings.Trim(provider, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return "", &validate.Error{Code: "utility.provider", Message: "Код поставщика — латинские буквы, цифры и дефис, 2–32 знака"}
	}
	if n := utf8.RuneCountInString(account); n < 4 || n > 30 || strings.Trim(account, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-/") != "" {
		return "", &validate.Error{Code: "utility.account", Message: "Лицевой счёт — 4–30 цифр, латинских букв, дефисов или косых черт"}
	}
	return provider + ":" + account, nil
}

// mask shows the end of an identifier only, as a card shows who it is for.
func mask(kind, v string) string {
	r := []rune(v)
	keep := 4
	if len(r) <= keep {
		return v
	}
	label := map[string]string{IDSNILS: "СНИЛС", IDINN: "ИНН", IDDriverLicence: "ВУ", IDVehicleCert: "СТС", IDUtility: "Лицевой счёт"}[kind]
	return label + " …" + string(r[len(r)-keep:])
}
