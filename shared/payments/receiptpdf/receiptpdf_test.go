package receiptpdf

import (
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/pdfdoc/pdfdoctest"
)

var paidAt = time.Date(2026, 11, 25, 9, 5, 7, 0, time.UTC)

func receipt() payments.Receipt {
	return payments.Receipt{PaymentID: "20261125T090000-AbCdEfGhIjKl", ProviderID: "2f4c1a3e-000f-5000-9000-1b2c3d4e5f60", PaidAt: paidAt,
		Payer: "Петров Пётр Петрович", Total: 175050, Lines: []payments.ReceiptLine{
			{UIN: "18810177200000123453", Kind: "штраф", Purpose: "Штраф по постановлению 18810177200000123453", Agency: "Госавтоинспекция МВД России",
				Payee:  payments.Payee{Name: "УФК по г. Москве (ГУ МВД России по г. Москве)", INN: "7707089101", KPP: "770731005", KBK: "18811601123010001140", OKTMO: "45000000"},
				Amount: 25000},
			{UIN: "18206010000000000011", Kind: "налог", Purpose: "Налог на имущество", Agency: "ФНС России",
				Payee: payments.Payee{Name: "Казначейство России (ФНС России)", INN: "7727406020", KPP: "770801001"}, Amount: 150050},
		}}
}

// A receipt says who paid whom, for what, how much and when (Moscow time),
// the provider's operation, and how to verify it.
func TestReceiptSaysWhatWasPaid(t *testing.T) {
	pdf, err := Renderer{}.Render(issued.Request{Content: receipt(), IssuedAt: paidAt}, "КВ-20261125T090000-AbCdEfGhIjKl",
		"ABCD-EFGH-JKMN-PQRS", "https://kabinet.example.ru/verify/ABCD-EFGH-JKMN-PQRS")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfdoctest.Text(t, pdf, false)
	for _, want := range []string{"Квитанция об оплате", "КВ-20261125T090000-AbCdEfGhIjKl", "25.11.2026 12:05:07 (МСК)", "Петров Пётр Петрович",
		"1 750,50 ₽", "18810177200000123453", "250,00 ₽", "18206010000000000011", "1 500,50 ₽", "7707089101 / 770731005",
		"18811601123010001140", "45000000", "2f4c1a3e-000f-5000-9000-1b2c3d4e5f60", "ABCD-EFGH-JKMN-PQRS", "Начисление 2 из 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, text)
		}
	}
}

func TestReceiptRefusesOtherContent(t *testing.T) {
	if _, err := (Renderer{}).Render(issued.Request{Content: "not a receipt"}, "n", "c", "u"); err == nil {
		t.Fatal("rendered a receipt of nothing")
	}
}

func TestStatementListsThePeriod(t *testing.T) {
	from := time.Date(2026, 10, 31, 21, 0, 0, 0, time.UTC) // 1 November, Moscow
	to := time.Date(2026, 11, 30, 21, 0, 0, 0, time.UTC)   // 1 December, Moscow: the period ends before it
	s := payments.Statement{Payer: "Петров Пётр Петрович", From: from, To: to, At: paidAt, Total: 25000,
		Payments: []payments.PaymentView{{ID: "p1", Status: payments.PaymentSucceeded, StatusName: "оплачен", Amount: 25000, PaidAt: paidAt,
			Charges: []payments.PaymentLine{{UIN: "18810177200000123453", Purpose: "Штраф", Amount: 25000}}}}}
	pdf, err := Renderer{}.Statement(s)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfdoctest.Text(t, pdf, false)
	for _, want := range []string{"Выписка по платежам", "01.11.2026 — 30.11.2026", "18810177200000123453", "250,00 ₽", "оплачен"} {
		if !strings.Contains(text, want) {
			t.Errorf("the statement lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Возвращено") {
		t.Errorf("a statement without refunds names them:\n%s", text)
	}
	s.Refunded = 10000
	pdf, _ = Renderer{}.Statement(s)
	if text := pdfdoctest.Text(t, pdf, false); !strings.Contains(text, "Возвращено") || !strings.Contains(text, "100,00 ₽") {
		t.Errorf("the statement lacks what was refunded:\n%s", text)
	}
	s.Payments, s.Total, s.Refunded = nil, 0, 0
	pdf, _ = Renderer{}.Statement(s)
	if text := pdfdoctest.Text(t, pdf, false); !strings.Contains(text, "За этот период платежей нет") {
		t.Errorf("an empty statement:\n%s", text)
	}
}

// A refund's receipt says who gets how much back, of which payment and
// receipt, for which charge, why and when (Moscow time), the provider's
// operations, and how to verify it.
func TestRefundReceiptSaysWhatWasReturned(t *testing.T) {
	rr := payments.RefundReceipt{RefundID: "20261126T100000-QwErTyUiOpAs", PaymentID: "20261125T090000-AbCdEfGhIjKl",
		PaymentReceipt: "КВ-20261125T090000-ABCDEFGHIJKL", ProviderID: "2f4c1a3e-0016-50be-9000-1b2c3d4e5f60",
		ProviderPaymentID: "2f4c1a3e-000f-5000-9000-1b2c3d4e5f60", RefundedAt: paidAt.Add(25 * time.Hour), PaidAt: paidAt,
		Payer: "Петров Пётр Петрович", Reason: "ведомство аннулировало оплаченное начисление", Total: 25000,
		Lines: receipt().Lines[:1]}
	pdf, err := Renderer{}.Render(issued.Request{Content: rr, IssuedAt: rr.RefundedAt}, "ВЗ-20261126T100000-QWERTYUIOPAS",
		"ABCD-EFGH-JKMN-PQRS", "https://kabinet.example.ru/verify/ABCD-EFGH-JKMN-PQRS")
	if err != nil {
		t.Fatal(err)
	}
	text := pdfdoctest.Text(t, pdf, false)
	for _, want := range []string{"Чек возврата", "ВЗ-20261126T100000-QWERTYUIOPAS", "26.11.2026 13:05:07 (МСК)", "25.11.2026 12:05:07 (МСК)",
		"Петров Пётр Петрович", "250,00 ₽", "ведомство аннулировало оплаченное начисление", "КВ-20261125T090000-ABCDEFGHIJKL",
		"18810177200000123453", "2f4c1a3e-0016-50be-9000-1b2c3d4e5f60", "2f4c1a3e-000f-5000-9000-1b2c3d4e5f60", "ABCD-EFGH-JKMN-PQRS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the refund receipt lacks %q:\n%s", want, text)
		}
	}
}
