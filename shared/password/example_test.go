package password_test

import (
	"fmt"

	"github.com/kabinet/kabinet/shared/password"
)

func ExampleProfile_Check() {
	p, err := password.ByName("seeds")
	if err != nil {
		panic(err)
	}
	user := password.Context{Names: []string{"Иванов", "Пётр"}, Email: "petr.ivanov@mail.ru", Phone: "+7 916 123-45-67"}
	for _, pw := range []string{"Ёлка-Зелёная-7", "Ivanov1234!"} {
		fmt.Println(pw, len(p.Check(pw, user)))
		for _, v := range p.Check(pw, user) {
			fmt.Println("  ", v.Rule)
		}
	}
	// Output:
	// Ёлка-Зелёная-7 0
	// Ivanov1234! 3
	//    password.sequence
	//    password.personal_info
	//    password.common
}
