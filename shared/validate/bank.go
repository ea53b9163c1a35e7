package validate

import "strings"

// Error codes of bank details.
const (
	// CodeBIKFormat means the BIK is not 9 digits starting with 04.
	CodeBIKFormat = "bik.format"
	// CodeAccountFormat means the account number is not 20 digits.
	CodeAccountFormat = "account.format"
	// CodeAccountChecksum means the account's control key does not match
	// the bank's BIK.
	CodeAccountChecksum = "account.checksum"
	// CodeCorrAccountFormat means a correspondent account is not 20 digits
	// starting with 30101 and ending with the BIK's last three digits.
	CodeCorrAccountFormat = "corr_account.format"
)

// BIK checks a bank identification code of a Russian credit institution: 9
// digits, the first two the country's code 04 (spaces are dropped).
func BIK(s string) (string, error) {
	d, err := spaceless(s)
	if err != nil {
		return "", err
	}
	if len(d) != 9 || !allDigits(d) || !strings.HasPrefix(d, "04") {
		return "", newError(CodeBIKFormat, "БИК банка — 9 цифр, начинается с 04")
	}
	return d, nil
}

// BankAccount checks a 20-digit account number against the BIK of the bank
// that keeps it, by the control key of the Bank of Russia's account
// numbering: the account is valid when the conditional number of the bank
// (the BIK's last three digits; "0" and its fifth and sixth digits for an
// account at the Bank of Russia, whose BIK ends in 000) followed by the 20
// digits, weighted 7, 1, 3, 7, 1, 3, ..., sums to a multiple of ten. bik
// must be valid (BIK).
func BankAccount(bik, account string) (string, error) {
	d, err := spaceless(account)
	if err != nil {
		return "", err
	}
	if len(d) != 20 || !allDigits(d) {
		return "", newError(CodeAccountFormat, "Номер счёта — 20 цифр")
	}
	b, err := BIK(bik)
	if err != nil {
		return "", err
	}
	cond := b[6:]
	if cond == "000" {
		cond = "0" + b[4:6]
	}
	if !accountKeyOK(cond, d) {
		return "", newError(CodeAccountChecksum, "Номер счёта не сходится с БИК банка: проверьте счёт и БИК")
	}
	return d, nil
}

// CorrespondentAccount checks a bank's correspondent account at the Bank of
// Russia against the bank's BIK: 20 digits, the balance account 30101, the
// last three digits the BIK's, and the control key computed with the
// conditional number of the Bank of Russia's division that keeps it ("0"
// and the BIK's fifth and sixth digits). bik must be valid (BIK).
func CorrespondentAccount(bik, account string) (string, error) {
	d, err := spaceless(account)
	if err != nil {
		return "", err
	}
	b, err := BIK(bik)
	if err != nil {
		return "", err
	}
	if len(d) != 20 || !allDigits(d) || !strings.HasPrefix(d, "30101") || d[17:] != b[6:] {
		return "", newError(CodeCorrAccountFormat, "Корреспондентский счёт — 20 цифр, начинается с 30101 и кончается тремя последними цифрами БИК")
	}
	if !accountKeyOK("0"+b[4:6], d) {
		return "", newError(CodeAccountChecksum, "Корреспондентский счёт не сходится с БИК банка: проверьте счёт и БИК")
	}
	return d, nil
}

// accountKeyOK reports whether the conditional number of the bank followed
// by the 20 digits of an account, weighted 7, 1, 3, 7, 1, 3, ..., sums to
// a multiple of ten.
func accountKeyOK(cond, account string) bool {
	sum := 0
	for i, c := range []byte(cond + account) {
		sum += int(c-'0') * [3]int{7, 1, 3}[i%3]
	}
	return sum%10 == 0
}

// spaceless is a bank code with its spaces dropped; Required when nothing
// is left.
func spaceless(s string) (string, error) {
	d := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if d == "" {
		return "", errRequired()
	}
	return d, nil
}
