// Package receiptpdf renders payment and refund receipts
// (issued.Renderer) and statements of payments for a period as PDFs, so
// that a function that only lists payments does not link the PDF library.
package receiptpdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/pdfdoc"
)

// Renderer renders receipts.
type Renderer struct{}

var (
	_ issued.Renderer  = Renderer{}
	_ payments.Printer = Renderer{}
)

// rub formats kopecks as "1 234,56 ₽".
func rub(k int64) string { return payments.Rub(k) }

// Render implements issued.Renderer for a receipt (r.Content is a
// payments.Receipt): who paid, to whom, for what, how much and when, the
// provider's transaction, and the verification code with its QR.
func (Renderer) Render(r issued.Request, number, code, verifyURL string) ([]byte, error) {
	rc, ok := r.Content.(payments.Receipt)
	if !ok {
		if rr, ok := r.Content.(payments.RefundReceipt); ok {
			return refund(rr, number, code, verifyURL)
		}
		return nil, fmt.Errorf("receiptpdf: the content of %s is not a receipt", number)
	}
	paid := rc.PaidAt.In(clock.Moscow())
	d := pdfdoc.New(payments.ReceiptTitle+" "+number, "Кабинет: портал государственных услуг",
		"Электронная квитанция, сформирована в личном кабинете. Код проверки: "+code, rc.PaidAt)
	d.Heading(payments.ReceiptTitle, 15)
	d.Field("Номер квитанции", number)
	d.Field("Дата и время оплаты", paid.Format("02.01.2006 15:04:05")+" (МСК)")
	d.Field("Плательщик", rc.Payer)
	d.Field("Сумма платежа", rub(rc.Total))
	d.Field("Платёж в портале", rc.PaymentID)
	d.Field("Операция платёжной системы", rc.ProviderID)
	d.Field("Статус", "Исполнен")
	charges(d, rc.Lines, "Сумма")
	d.Gap(4)
	d.Text("Сведения о платеже переданы в Государственную информационную систему о государственных и муниципальных платежах (ГИС ГМП). " +
		"Квитанция хранится в разделе «Документы» личного кабинета.")
	d.Gap(4)
	if err := d.QR(verifyURL, 30,
		"Проверить подлинность квитанции:",
		verifyURL,
		"Код проверки: "+code,
		"Квитанция подписана электронной подписью портала.",
	); err != nil {
		return nil, err
	}
	return d.Bytes()
}

// charges prints the charges of a receipt, each with its amount (named
// amount).
func charges(d *pdfdoc.Doc, lines []payments.ReceiptLine, amount string) {
	for i, l := range lines {
		d.Gap(3)
		if len(lines) > 1 {
			d.Heading(fmt.Sprintf("Начисление %d из %d", i+1, len(lines)), 11.5)
		} else {
			d.Heading("Начисление", 11.5)
		}
		d.Field("УИН", l.UIN)
		d.Field("Вид", l.Kind)
		d.Field("Назначение платежа", l.Purpose)
		d.Field("Администратор начисления", l.Agency)
		d.Field("Получатель", l.Payee.Name)
		d.Field("ИНН / КПП получателя", l.Payee.INN+" / "+l.Payee.KPP)
		if l.Payee.KBK != "" {
			d.Field("КБК", l.Payee.KBK)
		}
		if l.Payee.OKTMO != "" {
			d.Field("ОКТМО", l.Payee.OKTMO)
		}
		d.Field(amount, rub(l.Amount))
	}
}

// Statement implements payments.Printer: the person's payments of a
// period, with the total.
func (Renderer) Statement(s payments.Statement) ([]byte, error) {
	msk := clock.Moscow()
	d := pdfdoc.New("Выписка по платежам", "Кабинет: портал государственных услуг",
		"Выписка сформирована в личном кабинете "+s.At.In(msk).Format("02.01.2006 15:04")+" (МСК)", s.At)
	d.Heading("Выписка по платежам", 15)
	d.Field("Плательщик", s.Payer)
	d.Field("Период", s.From.In(msk).Format("02.01.2006")+" — "+s.To.Add(-time.Nanosecond).In(msk).Format("02.01.2006"))
	d.Field("Платежей", fmt.Sprint(len(s.Payments)))
	d.Field("Итого оплачено", rub(s.Total))
	if s.Refunded > 0 {
		d.Field("Возвращено", rub(s.Refunded))
	}
	d.Gap(3)
	rows := make([][]string, 0, len(s.Payments))
	for _, p := range s.Payments {
		var uins, purposes []string
		for _, l := range p.Charges {
			uins = append(uins, l.UIN)
			purposes = append(purposes, l.Purpose)
		}
		at := p.CreatedAt
		if !p.PaidAt.IsZero() {
			at = p.PaidAt
		}
		rows = append(rows, []string{at.In(msk).Format("02.01.2006 15:04"), strings.Join(purposes, "; "), strings.Join(uins, "\n"),
			rub(p.Amount), p.StatusName})
	}
	if len(rows) == 0 {
		d.Text("За этот период платежей нет.")
	} else {
		d.Table([]string{"Дата", "Назначение", "УИН", "Сумма", "Статус"}, []float64{0.15, 0.37, 0.24, 0.12, 0.12}, rows)
	}
	return d.Bytes()
}
