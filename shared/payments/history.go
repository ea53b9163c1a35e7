package payments

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Rub formats kopecks as "1 234,56 ₽".
func Rub(k int64) string { return rub(k) }

// PaymentFilter narrows the history. Zero fields do not filter; From and
// To bound the creation time (From <= t < To).
type PaymentFilter struct {
	From, To             time.Time
	Kind, Status         string
	MinAmount, MaxAmount int64
}

// MaxPeriod is the longest period of a CSV or a statement.
const MaxPeriod = 366 * 24 * time.Hour

func (f PaymentFilter) check() error {
	var fields []problem.Field
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		fields = append(fields, problem.Field{Field: "to", Code: "period.order", Message: "Конец периода должен быть позже начала"})
	}
	if f.Kind != "" && kindNames[f.Kind] == "" {
		fields = append(fields, problem.Field{Field: "kind", Code: "charge.kind", Message: "Вид: fine, tax, duty, utility или enforcement"})
	}
	if f.Status != "" && paymentStatusNames[f.Status] == "" {
		fields = append(fields, problem.Field{Field: "status", Code: "payment.status",
			Message: "Статус: created, pending, succeeded, canceled или failed"})
	}
	if f.MinAmount < 0 || f.MaxAmount < 0 || (f.MaxAmount > 0 && f.MaxAmount < f.MinAmount) {
		fields = append(fields, problem.Field{Field: "maxAmount", Code: "amount.range", Message: "Сумма «до» — не меньше суммы «от», обе в копейках"})
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

func (f PaymentFilter) keeps(it paymentItem) bool {
	if f.Status != "" && it.Status != f.Status {
		return false
	}
	if it.Amount < f.MinAmount || (f.MaxAmount > 0 && it.Amount > f.MaxAmount) {
		return false
	}
	return f.Kind == "" || slices.ContainsFunc(it.Lines, func(l PaymentLine) bool { return l.Kind == f.Kind })
}

// page is the person's payments in the period, newest first.
func (f PaymentFilter) page(sub, cursor string) dynamo.Page {
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.PaymentsPK(sub), Cursor: cursor}
	if !f.From.IsZero() || !f.To.IsZero() {
		p.From, p.To = "0", "9"
		if !f.From.IsZero() {
			p.From = sortStamp(f.From)
		}
		if !f.To.IsZero() {
			p.To = sortStamp(f.To.Add(-time.Nanosecond)) + "#~"
		}
	}
	return p
}

// List is a page of the person's payments, newest first.
func (p *Payments) List(ctx context.Context, a actor.Actor, f PaymentFilter, cursor string, limit int32) ([]PaymentView, string, error) {
	sub, err := person(a)
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	items, next, err := dynamo.Collect(ctx, p.d.DB, f.page(sub, cursor), int(limit), f.keeps)
	if err != nil {
		return nil, "", err
	}
	out := make([]PaymentView, 0, len(items))
	for _, it := range items {
		out = append(out, it.view())
	}
	return out, next, nil
}

// MaxStatement is the most payments a CSV or a statement holds.
const MaxStatement = 1000

// all is every payment of the period (bounded), newest first.
func (p *Payments) all(ctx context.Context, sub string, f PaymentFilter) ([]PaymentView, error) {
	if f.From.IsZero() || f.To.IsZero() || f.To.Sub(f.From) > MaxPeriod {
		return nil, problem.Invalid(problem.Field{Field: "from", Code: "period.required", Message: "Укажите период не длиннее года: from и to"})
	}
	var out []PaymentView
	cursor := ""
	for {
		items, next, err := dynamo.Collect(ctx, p.d.DB, f.page(sub, cursor), dynamo.MaxPageSize, f.keeps)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out = append(out, it.view())
		}
		if len(out) > MaxStatement {
			return nil, problem.New(problem.KindTooLarge, "period_too_large", "За этот период слишком много платежей: выберите период короче")
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// CSV is the person's payments of a period as a CSV file that Excel opens
// as it is: UTF-8 with a BOM, semicolons, Russian headers.
func (p *Payments) CSV(ctx context.Context, a actor.Actor, f PaymentFilter) ([]byte, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	list, err := p.all(ctx, sub, f)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	_ = w.Write([]string{"Дата", "Платёж", "Статус", "УИН", "Вид", "Получатель", "Назначение", "Сумма, ₽", "Квитанция"})
	msk := clock.Moscow()
	for _, pay := range list {
		at := pay.CreatedAt
		if !pay.PaidAt.IsZero() {
			at = pay.PaidAt
		}
		receipt := ""
		if pay.Receipt != nil {
			receipt = pay.Receipt.Number
		}
		for _, l := range pay.Charges {
			_ = w.Write([]string{at.In(msk).Format("02.01.2006 15:04"), pay.ID, pay.StatusName, l.UIN, kindNames[l.Kind],
				Agencies[l.Agency].Title, csvSafe(l.Purpose), fmt.Sprintf("%d,%02d", l.Amount/100, l.Amount%100), receipt})
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Statement is what a statement of payments prints.
type Statement struct {
	Payer    string
	From, To time.Time
	At       time.Time
	Payments []PaymentView
	// Total is the sum of the succeeded payments, Refunded what refunds
	// returned of the period's payments.
	Total, Refunded int64
}

// Printer prints statements (receiptpdf renders them).
type Printer interface {
	Statement(s Statement) ([]byte, error)
}

// StatementPDF is the person's payments of a period as a PDF statement.
func (p *Payments) StatementPDF(ctx context.Context, a actor.Actor, printer Printer, f PaymentFilter) ([]byte, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	list, err := p.all(ctx, sub, f)
	if err != nil {
		return nil, err
	}
	name, err := p.d.People.FullName(ctx, sub)
	if err != nil {
		return nil, err
	}
	s := Statement{Payer: strings.Join(strings.Fields(name.Surname+" "+name.Name+" "+name.Patronymic), " "), From: f.From, To: f.To,
		At: p.d.Clock.Now(), Payments: list}
	for _, pay := range list {
		if pay.Status == PaymentSucceeded {
			s.Total += pay.Amount
		}
		s.Refunded += pay.RefundedAmount
	}
	return printer.Statement(s)
}

// History reads a person's payments for the personal-data export, without
// the rest of the payments' dependencies.
type History struct{ DB *dynamo.Store }

// All is every payment of the person, newest first, each with its
// refunds.
func (h History) All(ctx context.Context, sub string) ([]PaymentView, error) {
	var out []PaymentView
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.PaymentsPK(sub)}
	for {
		var items []paymentItem
		next, err := h.DB.Query(ctx, p, &items)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			v := it.view()
			if it.Refundable != nil {
				page := dynamo.Page{Partition: dynamo.PaymentPK(it.ID), Prefix: dynamo.RefundPrefix, Forward: true}
				if err := eachItem(ctx, h.DB, page, func(rf refundItem) { v.Refunds = append(v.Refunds, rf.view()) }); err != nil {
					return nil, err
				}
			}
			out = append(out, v)
		}
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}
