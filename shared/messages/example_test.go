package messages_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/messages"
)

func ExampleRender() {
	vladivostok := time.FixedZone("VLAT", 10*60*60)
	r, err := messages.Render(messages.ChargeIssued, messages.Vars{
		"Kind":    "штраф",
		"Amount":  int64(150000), // kopecks
		"DueDate": "2025-04-01",
		"Payee":   "УФК по г. Москве (ГУ МВД России по г. Москве)",
		"Link":    "https://kabinet.example.ru/payments/charges/188101772500001",
	}, vladivostok)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The wording keeps no-break spaces; they are shown here as plain ones.
	plain := strings.NewReplacer("\u00a0", " ")
	fmt.Println(plain.Replace(r.Title))
	fmt.Println(plain.Replace(r.SMS))
	fmt.Println(r.Link)

	_, err = messages.Render(messages.SecurityPassword, messages.Vars{}, nil)
	fmt.Println(err)
	// Output:
	// Новое начисление: штраф, 1 500,00 ₽
	// Новое начисление: штраф, 1 500,00 ₽. Оплатите до 01.04.2025 — это можно сделать в личном кабинете.
	// https://kabinet.example.ru/payments/charges/188101772500001
	// render security.password_changed: var At: missing var
}
