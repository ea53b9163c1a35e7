package payments

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/validate"
)

// Statuses of a charge.
const (
	StatusUnpaid    = "unpaid"
	StatusPending   = "pending" // paid, awaiting the provider's confirmation
	StatusPaid      = "paid"
	StatusCancelled = "cancelled"
	StatusPartly    = "partly_paid"
	// StatusInstallment is a charge spread into the parts of an
	// instalment plan: it is paid as they are, not by itself.
	StatusInstallment = "installment"
)

var statusNames = map[string]string{StatusUnpaid: "не оплачено", StatusPending: "оплачено, ожидает подтверждения",
	StatusPaid: "оплачено", StatusCancelled: "аннулировано", StatusPartly: "оплачено частично", StatusInstallment: "в рассрочке"}

// rank orders a person's charges: what is still to pay first.
func rank(status string) int {
	switch status {
	case StatusUnpaid, StatusPartly:
		return 0
	case StatusPending, StatusInstallment:
		return 1
	case StatusPaid:
		return 2
	}
	return 3
}

// payable is whether a charge in status can be paid now.
func payable(status string) bool { return status == StatusUnpaid || status == StatusPartly }

// Basis is the document a charge rests on.
type Basis struct {
	// Document is "resolution" (постановление), "notice" (налоговое
	// уведомление), "invoice" (платёжный документ ЖКУ), "writ"
	// (исполнительный документ) or "application" (заявление на услугу).
	Document string `json:"document" dynamodbav:"Document"`
	Number   string `json:"number" dynamodbav:"Number"`
	Date     string `json:"date" dynamodbav:"Date"`
	// Article is the offence of a fine, "12.9 ч.2" (КоАП РФ).
	Article string `json:"article,omitempty" dynamodbav:"Article,omitempty"`
	// Delivered is the day a resolution's copy was delivered to the person
	// (YYYY-MM-DD), when the agency knows it: the appeal window runs from
	// it (from the resolution's date without it).
	Delivered string `json:"deliveredDate,omitempty" dynamodbav:"Delivered,omitempty"`
}

var basisDocuments = map[string]string{"resolution": "постановление", "notice": "налоговое уведомление",
	"invoice": "платёжный документ", "writ": "исполнительный документ", "application": "заявление",
	"decision": "решение о рассрочке"}

// ChargeInput is a charge as an agency posts it.
type ChargeInput struct {
	Kind    string `json:"kind"`
	Purpose string `json:"purpose"`
	// Amount is in kopecks.
	Amount int64  `json:"amount"`
	Basis  Basis  `json:"basis"`
	Due    string `json:"dueDate"`
	Payer  Payer  `json:"payer"`
	// Payee overrides the agency's default recipient (its KBK and OKTMO
	// are usually the charge's own).
	Payee *Payee `json:"payee,omitempty"`
	// PaidAmount is what was paid outside the portal (kopecks); what is
	// paid through the portal the portal counts itself.
	PaidAmount int64 `json:"paidAmount,omitempty"`
	// PartialAllowed lets the payer pay the charge in parts.
	PartialAllowed bool `json:"partialAllowed,omitempty"`
}

// maxAmount bounds a charge: ten million roubles.
const maxAmount = 1_000_000_000

// checked validates the input for agency and returns its normalized payer
// identifiers, naming every bad field.
func (in *ChargeInput) checked(agency string, now time.Time) ([]identifier, error) {
	var f []problem.Field
	bad := func(field, code, msg string) { f = append(f, problem.Field{Field: field, Code: code, Message: msg}) }
	if !slices.Contains(agencyKinds[agency], in.Kind) {
		bad("kind", "charge.kind", "Вид начисления этого ведомства: "+strings.Join(agencyKinds[agency], ", "))
	}
	in.Purpose = strings.Join(strings.Fields(in.Purpose), " ")
	if n := utf8.RuneCountInString(in.Purpose); n < 3 || n > 210 {
		bad("purpose", "charge.purpose", "Назначение платежа — от 3 до 210 символов")
	}
	if in.Amount <= 0 || in.Amount > maxAmount {
		bad("amount", "charge.amount", "Сумма — целое число копеек больше нуля и не больше 1 000 000 000")
	}
	if in.Amount > 0 && (in.PaidAmount < 0 || in.PaidAmount > in.Amount) {
		bad("paidAmount", "charge.paid_amount", "Оплаченная сумма — от 0 до суммы начисления")
	}
	if _, ok := basisDocuments[in.Basis.Document]; !ok {
		bad("basis.document", "basis.document", "Основание: resolution, notice, invoice, writ, application или decision")
	}
	in.Basis.Number = strings.TrimSpace(in.Basis.Number)
	if n := utf8.RuneCountInString(in.Basis.Number); n < 1 || n > 40 || strings.ContainsAny(in.Basis.Number, "\n\r\t") {
		bad("basis.number", "basis.number", "Номер документа-основания — от 1 до 40 символов")
	}
	basisDate, err := time.Parse(dateLayout, in.Basis.Date)
	if err != nil {
		bad("basis.date", "date.format", "Дата документа-основания в формате ГГГГ-ММ-ДД")
	} else if in.Basis.Date > Today(now) {
		bad("basis.date", "date.future", "Дата документа-основания не может быть в будущем")
	}
	if in.Basis.Delivered != "" {
		switch d, err := time.Parse(dateLayout, in.Basis.Delivered); {
		case in.Basis.Document != "resolution":
			bad("basis.deliveredDate", "basis.delivered", "Дата вручения указывается только для постановления")
		case err != nil:
			bad("basis.deliveredDate", "date.format", "Дата вручения в формате ГГГГ-ММ-ДД")
		case in.Basis.Delivered > Today(now) || (!basisDate.IsZero() && d.Before(basisDate)):
			bad("basis.deliveredDate", "date.order", "Дата вручения — не раньше постановления и не в будущем")
		}
	}
	if in.Kind == KindFine && in.Basis.Document == "resolution" {
		if a, ok := NormalizeArticle(in.Basis.Article); ok {
			in.Basis.Article = a
		} else {
			bad("basis.article", "basis.article", "Статья КоАП РФ, например «12.9 ч.2»")
		}
	} else if in.Basis.Article != "" {
		bad("basis.article", "basis.article", "Статья указывается только для штрафа по постановлению")
	}
	if due, err := time.Parse(dateLayout, in.Due); err != nil {
		bad("dueDate", "date.format", "Срок оплаты в формате ГГГГ-ММ-ДД")
	} else if !basisDate.IsZero() && due.Before(basisDate) {
		bad("dueDate", "date.order", "Срок оплаты не может быть раньше даты документа-основания")
	}
	if in.Payee != nil {
		p := in.Payee
		if p.Name = strings.TrimSpace(p.Name); p.Name != "" && utf8.RuneCountInString(p.Name) > 160 {
			bad("payee.name", "payee.name", "Наименование получателя — не длиннее 160 символов")
		}
		if p.INN != "" {
			if _, err := validate.INN(p.INN); err != nil || len(p.INN) != 10 {
				bad("payee.inn", "payee.inn", "ИНН получателя — 10 цифр организации с верной контрольной цифрой")
			}
		}
		for _, d := range []struct {
			field, v string
			n        []int
		}{{"payee.kpp", p.KPP, []int{9}}, {"payee.kbk", p.KBK, []int{20}}, {"payee.oktmo", p.OKTMO, []int{8, 11}}} {
			if d.v != "" && (!slices.Contains(d.n, len(d.v)) || strings.Trim(d.v, "0123456789") != "") {
				bad(d.field, "payee.code", "Код из цифр неверной длины")
			}
		}
	}
	ids, err := in.Payer.identifiers("payer.")
	if pe, ok := problem.As(err); ok {
		f = append(f, pe.Fields...)
	}
	if len(f) > 0 {
		return nil, problem.Invalid(f...)
	}
	return ids, nil
}

// chargeItem is a charge as stored, under its УИН.
type chargeItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Kind    string `dynamodbav:"Kind"`
	UIN     string `dynamodbav:"UIN"`
	Agency  string `dynamodbav:"Agency"`
	Type    string `dynamodbav:"Type"`
	Purpose string `dynamodbav:"Purpose"`
	Amount  int64  `dynamodbav:"Amount"`
	Basis   Basis  `dynamodbav:"Basis"`
	Due     string `dynamodbav:"Due"`
	Payee   Payee  `dynamodbav:"Payee"`
	// Payers are the payer identifiers as "kind#hash" (blind index), Masks
	// what the card shows of them.
	Payers   []string  `dynamodbav:"Payers,stringset,omitempty"`
	Masks    []string  `dynamodbav:"Masks"`
	Discount *Discount `dynamodbav:"Discount,omitempty"`
	Status   string    `dynamodbav:"Status"`
	// PaidAmount was paid outside the portal (as its agency says),
	// PortalPaid through the portal's payments.
	PaidAmount int64 `dynamodbav:"PaidAmount"`
	PortalPaid int64 `dynamodbav:"PortalPaid,omitempty"`
	// PartialAllowed lets the payer pay in parts.
	PartialAllowed bool `dynamodbav:"PartialAllowed,omitempty"`
	// Portal are the portal's payments of the charge, oldest first: the
	// money each took and what it credited (PortalPaid is their sum);
	// Refunded is the money of them sent back to the payer as not owed.
	Portal   []portalPart `dynamodbav:"Portal,omitempty"`
	Refunded int64        `dynamodbav:"Refunded,omitempty"`
	// PaymentID is the portal payment holding or having paid the charge.
	PaymentID string `dynamodbav:"PaymentID,omitempty"`
	PaidAt    string `dynamodbav:"PaidAt,omitempty"`
	// Owners are the people the charge is linked to.
	Owners       []string `dynamodbav:"Owners,stringset,omitempty"`
	CancelReason string   `dynamodbav:"CancelReason,omitempty"`
	// Application is the application the portal issued the charge for: the
	// one whose state duty it is, or the instalment plan it is a part of.
	Application string `dynamodbav:"Application,omitempty"`
	PostedAt    string `dynamodbav:"PostedAt"`
	UpdatedAt   string `dynamodbav:"UpdatedAt"`
	V           int64  `dynamodbav:"V"`
	// requestState is what requests about the charge left on it
	// (requests.go).
	requestState
}

const (
	kindCharge     = "charge"
	kindPayerIndex = "charge-payer"
	kindLink       = "charge-link"
)

// sameContent is whether a repeated post changes nothing.
func (c chargeItem) sameContent(o chargeItem) bool {
	return c.Type == o.Type && c.Purpose == o.Purpose && c.Amount == o.Amount && c.Basis == o.Basis && c.Due == o.Due &&
		c.Payee == o.Payee && slices.Equal(sorted(c.Payers), sorted(o.Payers)) && c.PaidAmount == o.PaidAmount &&
		c.PartialAllowed == o.PartialAllowed
}

// paid is what was paid of the charge, outside the portal and through it.
func (c chargeItem) paid() int64 { return c.PaidAmount + c.PortalPaid }

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// statusFor is the status of an unpaid-or-partly charge with paid already
// paid of amount.
func statusFor(paid, amount int64) string {
	switch {
	case paid >= amount:
		return StatusPaid
	case paid > 0:
		return StatusPartly
	}
	return StatusUnpaid
}

// due is what is to pay on the charge today (kopecks): the discounted
// amount while the discount lasts and nothing was paid, else the rest.
func (c chargeItem) dueNow(now time.Time) int64 {
	if !payable(c.Status) {
		return 0
	}
	if c.discountActive(now) {
		return Discounted(c.Amount, c.Discount.Percent)
	}
	return c.Amount - c.paid()
}

func (c chargeItem) discountActive(now time.Time) bool {
	return c.Discount != nil && c.paid() == 0 && Today(now) <= c.Discount.Until
}

func newChargeItem(uin, agency string, in ChargeInput, ids []identifier, hashes []string, now time.Time) chargeItem {
	k := dynamo.ChargeKey(uin)
	it := chargeItem{PK: k.PK, SK: k.SK, Kind: kindCharge, UIN: uin, Agency: agency, Type: in.Kind, Purpose: in.Purpose,
		Amount: in.Amount, Basis: in.Basis, Due: in.Due, Payee: Agencies[agency].Payee, PaidAmount: in.PaidAmount,
		PartialAllowed: in.PartialAllowed, Status: statusFor(in.PaidAmount, in.Amount), PostedAt: stamp(now), UpdatedAt: stamp(now)}
	if p := in.Payee; p != nil {
		if p.Name != "" {
			it.Payee.Name = p.Name
		}
		if p.INN != "" {
			it.Payee.INN, it.Payee.KPP = p.INN, p.KPP
		}
		it.Payee.KBK, it.Payee.OKTMO = p.KBK, p.OKTMO
	}
	for i, id := range ids {
		it.Payers = append(it.Payers, id.kind+"#"+hashes[i])
		it.Masks = append(it.Masks, mask(id.kind, id.value))
	}
	if in.Kind == KindFine && in.Basis.Document == "resolution" {
		date, _ := time.Parse(dateLayout, in.Basis.Date)
		if d, ok := FineDiscount(FineDiscounts, in.Basis.Article, date); ok {
			it.Discount = &d
		}
	}
	return it
}

const stampLayout = time.RFC3339

func stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
}

// Consequences are what missing a charge's due date means, by kind.
var Consequences = map[string]string{
	KindFine: "Штраф нужно оплатить не позднее 60 дней со дня вступления постановления в законную силу (КоАП РФ, ст. 32.2, ч. 1). " +
		"Если не оплатить вовремя, постановление передадут судебным приставам, а за неуплату грозит штраф в двойном размере, " +
		"но не менее 1\u00a0000\u00a0₽, административный арест до 15 суток или обязательные работы до 50 часов (КоАП РФ, ст. 20.25, ч. 1).",
	KindTax: "После срока уплаты за каждый день просрочки начисляются пени, а налоговая служба может взыскать долг " +
		"за счёт денег на счетах и имущества (НК РФ, ст. 48, 75).",
	KindEnforcement: "Если не погасить долг в срок для добровольного исполнения, взыскивается исполнительский сбор — 7\u00a0% суммы, " +
		"но не менее 1\u00a0000\u00a0₽, и могут ограничить выезд за границу (Федеральный закон № 229-ФЗ, ст. 67, 112).",
	KindUtility: "За просрочку начисляются пени (ЖК РФ, ст. 155, ч. 14), а при долге больше чем за два месяца поставщик " +
		"может ограничить предоставление коммунальной услуги.",
	KindDuty: "Пока госпошлина не оплачена, ведомство может не рассматривать заявление.",
}
