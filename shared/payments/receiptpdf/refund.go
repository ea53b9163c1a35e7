package receiptpdf

import (
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/pdfdoc"
)

// refund renders a refund's receipt («Чек возврата»): to whom, of which
// payment and receipt, for which charges, how much, why and when, the
// provider's operations, and the verification code with its QR.
func refund(rr payments.RefundReceipt, number, code, verifyURL string) ([]byte, error) {
	msk := clock.Moscow()
	d := pdfdoc.New(payments.RefundReceiptTitle+" "+number, "Кабинет: портал государственных услуг",
		"Электронный чек возврата, сформирован в личном кабинете. Код проверки: "+code, rr.RefundedAt)
	d.Heading(payments.RefundReceiptTitle, 15)
	d.Field("Номер чека", number)
	d.Field("Дата и время возврата", rr.RefundedAt.In(msk).Format("02.01.2006 15:04:05")+" (МСК)")
	d.Field("Получатель возврата", rr.Payer)
	d.Field("Сумма возврата", rub(rr.Total))
	d.Field("Причина возврата", rr.Reason)
	d.Field("Возврат в портале", rr.RefundID)
	d.Field("Операция возврата платёжной системы", rr.ProviderID)
	d.Field("Статус", "Исполнен")
	d.Gap(3)
	d.Heading("Возвращённый платёж", 11.5)
	d.Field("Платёж в портале", rr.PaymentID)
	if rr.PaymentReceipt != "" {
		d.Field("Квитанция об оплате", rr.PaymentReceipt)
	}
	if !rr.PaidAt.IsZero() {
		d.Field("Дата и время оплаты", rr.PaidAt.In(msk).Format("02.01.2006 15:04:05")+" (МСК)")
	}
	d.Field("Операция платёжной системы", rr.ProviderPaymentID)
	charges(d, rr.Lines, "Сумма возврата")
	d.Gap(4)
	d.Text("Деньги возвращены на карту или счёт, с которых был оплачен платёж; срок их зачисления зависит от банка. " +
		"Чек хранится в разделе «Документы» личного кабинета.")
	d.Gap(4)
	if err := d.QR(verifyURL, 30,
		"Проверить подлинность чека:",
		verifyURL,
		"Код проверки: "+code,
		"Чек подписан электронной подписью портала.",
	); err != nil {
		return nil, err
	}
	return d.Bytes()
}
