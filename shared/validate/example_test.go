package validate_test

import (
	"fmt"

	"github.com/kabinet/kabinet/shared/validate"
)

func ExampleSNILS() {
	s, err := validate.SNILS("112-233-445 95")
	fmt.Println(s, err)
	fmt.Println(validate.FormatSNILS(s), validate.MaskSNILS(s))

	_, err = validate.SNILS("112-233-445 96")
	if e, ok := validate.AsError(err); ok {
		fmt.Println(e.Code, e.Message)
	}
	// Output:
	// 11223344595 <nil>
	// 112-233-445 95 ***-***-445 95
	// snils.checksum Неверная контрольная сумма СНИЛС
}

func ExamplePhone() {
	p, _ := validate.Phone("8 (912) 345-67-89")
	fmt.Println(p, validate.MaskPhone(p))
	_, err := validate.Phone("+7 701 123-45-67")
	e, _ := validate.AsError(err)
	fmt.Println(e.Code)
	// Output:
	// +79123456789 +7 *** ***-**-89
	// phone.country
}

func ExampleEmail() {
	e, _ := validate.Email(" Ivan.Petrov@Mail.RU ")
	fmt.Println(e, validate.MaskEmail(e))
	e, _ = validate.Email("ivan@ПОЧТА.РФ")
	fmt.Println(e)
	// Output:
	// Ivan.Petrov@mail.ru I***v@mail.ru
	// ivan@почта.рф
}

func ExampleFields() {
	var f validate.Fields
	_, err := validate.SNILS("112-233-445 95")
	f.Check("snils", err)
	_, err = validate.INN("7707083894")
	f.Check("inn", err)
	_, err = validate.Name("Ivanov")
	f.Check("surname", err)

	fmt.Println(f.OK())
	for _, fe := range f.Errors() {
		fmt.Printf("%s: %s (%s)\n", fe.Field, fe.Code, fe.Message)
	}
	// Output:
	// false
	// inn: inn.checksum (Неверная контрольная сумма ИНН)
	// surname: name.chars (Допускаются только русские буквы, дефис и пробел)
}
