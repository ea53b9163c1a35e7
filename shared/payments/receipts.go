package payments

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/problem"
)

// Receipt is what a payment's receipt prints (issued.Request.Content):
// receiptpdf renders it.
type Receipt struct {
	PaymentID string
	// ProviderID is the provider's transaction id.
	ProviderID string
	PaidAt     time.Time
	Payer      string
	Total      int64
	Lines      []ReceiptLine
}

// ReceiptLine is one charge paid.
type ReceiptLine struct {
	UIN, Kind, Purpose, Agency string
	Payee                      Payee
	Amount                     int64
}

// ReceiptTitle is what a receipt is called among the person's documents.
const ReceiptTitle = "Квитанция об оплате"

func (p *Payments) receiptRequest(pay paymentItem, pp ProviderPayment, name accounts.FullName, paidAt time.Time) issued.Request {
	r := Receipt{PaymentID: pay.ID, ProviderID: pp.ID, PaidAt: paidAt, Total: pay.Amount,
		Payer: strings.Join(strings.Fields(name.Surname+" "+name.Name+" "+name.Patronymic), " ")}
	var payees []string
	for _, l := range pay.Lines {
		title := Agencies[l.Agency].Title
		r.Lines = append(r.Lines, ReceiptLine{UIN: l.UIN, Kind: kindNames[l.Kind], Purpose: l.Purpose, Agency: title, Payee: l.Payee, Amount: l.Amount})
		if !slices.Contains(payees, title) {
			payees = append(payees, title)
		}
	}
	number := receiptNumber(pay)
	return issued.Request{Sub: pay.Sub, Number: number, FileName: "Квитанция " + number + ".pdf", ServiceTitle: ReceiptTitle,
		DepartmentTitle: strings.Join(payees, ", "), IssuedAt: paidAt, Content: r,
		Applicant: issued.Applicant{Surname: name.Surname, Name: name.Name, Patronymic: name.Patronymic}}
}

// Files give short-lived addresses of stored files (files never pass
// through a function).
type Files interface {
	PresignDownload(ctx context.Context, key, fileName string, ttl time.Duration, now time.Time) (blob.PresignedRequest, error)
}

// ReceiptTTL is how long a receipt's download address lasts.
const ReceiptTTL = 5 * time.Minute

// ReceiptFile is a short-lived address of the PDF receipt of one of the
// person's payments. Another person's payment, or one not paid, is
// NotFound.
func (p *Payments) ReceiptFile(ctx context.Context, a actor.Actor, files Files, id string) (blob.PresignedRequest, error) {
	sub, err := person(a)
	if err != nil {
		return blob.PresignedRequest{}, err
	}
	pay, exists, err := p.payment(ctx, id)
	if err != nil {
		return blob.PresignedRequest{}, err
	}
	if !exists || pay.Sub != sub {
		return blob.PresignedRequest{}, problem.NotFound("платёж")
	}
	if pay.ReceiptID == "" {
		return blob.PresignedRequest{}, problem.NotFound("квитанция")
	}
	key, err := blob.UserKey(sub, "documents", pay.ReceiptID)
	if err != nil {
		return blob.PresignedRequest{}, err
	}
	return files.PresignDownload(ctx, key, "Квитанция "+pay.ReceiptNumber+".pdf", ReceiptTTL, p.d.Clock.Now())
}

// Get is one of the person's payments. Another person's is NotFound.
func (p *Payments) Get(ctx context.Context, a actor.Actor, id string) (PaymentView, error) {
	sub, err := person(a)
	if err != nil {
		return PaymentView{}, err
	}
	pay, exists, err := p.payment(ctx, id)
	if err != nil {
		return PaymentView{}, err
	}
	if !exists || pay.Sub != sub {
		return PaymentView{}, problem.NotFound("платёж")
	}
	v := pay.view()
	if v.Refunds, _, err = p.refunds.list(ctx, pay.ID, "", MaxRefundsShown); err != nil {
		return PaymentView{}, err
	}
	return v, nil
}

// MaxRefundsShown is how many refunds a payment's view carries.
const MaxRefundsShown = 20
