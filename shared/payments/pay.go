package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// A payment pays up to MaxCharges of a person's charges at the amounts the
// server computes. It is made once per Idempotency-Key: the key is claimed
// first (a duplicate in flight is 409, the same key with another body 422,
// the same request again gets the first answer for 24 hours), then the
// payment and the hold on its charges are written in one transaction, and
// only then is the provider asked, with the payment's id as its idempotence
// key — so asking again, by a retry or by reconciliation, can never make a
// second payment at the provider.

// MaxCharges is the most charges one payment pays.
const MaxCharges = 5

// Statuses of a payment.
const (
	PaymentCreated   = "created" // recorded, the provider not yet answered
	PaymentPending   = "pending" // waiting for the payer on the provider's page
	PaymentSucceeded = "succeeded"
	PaymentCanceled  = "canceled"
	PaymentFailed    = "failed" // the provider refused to start it
)

var paymentStatusNames = map[string]string{PaymentCreated: "создан", PaymentPending: "ожидает оплаты",
	PaymentSucceeded: "оплачен", PaymentCanceled: "отменён", PaymentFailed: "не выполнен"}

func paymentFinal(s string) bool {
	return s == PaymentSucceeded || s == PaymentCanceled || s == PaymentFailed
}

// Payments are a person's payments: paying charges, the provider's
// notifications, reconciliation, receipts and the history.
type Payments struct {
	d       Deps
	charges *Charges
	methods *Methods
	refunds *Refunds
}

// NewPayments needs Keys, People, Inbox, Journal, Provider, Receipts and
// PortalURL, and Signatures when ConfirmAbove is set.
func NewPayments(d Deps) (*Payments, error) {
	names := []string{"Keys", "People", "Inbox", "Journal", "Provider", "Receipts", "PortalURL"}
	if d.ConfirmAbove > 0 {
		names = append(names, "Signatures")
	}
	if err := d.need("Payments", names...); err != nil {
		return nil, err
	}
	return &Payments{d: d, charges: &Charges{d}, methods: &Methods{d}, refunds: &Refunds{d}}, nil
}

// PayRequest is what the person asks to pay.
type PayRequest struct {
	// Charges are the УИН of the charges to pay (1 to MaxCharges).
	Charges []string `json:"charges"`
	// Code confirms a payment above the threshold (a one-time code).
	Code string `json:"code,omitempty"`
	// Amounts pay part of a charge (kopecks, by УИН): where its agency
	// allows paying in parts, or where what is due is above the provider's
	// single-payment maximum. Absent: the whole amount due.
	Amounts map[string]int64 `json:"amounts,omitempty"`
	// PaymentMethod pays with one of the person's linked cards (its
	// Kabinet id), without the provider's page.
	PaymentMethod string `json:"paymentMethod,omitempty"`

	// auto is the rule when an autopay pays (autopay.go): no code, the
	// rule's maxima.
	auto *ruleItem
}

// check validates the request and returns its УИН sorted.
func (r PayRequest) check() ([]string, error) {
	var f []problem.Field
	if len(r.Charges) == 0 || len(r.Charges) > MaxCharges {
		f = append(f, problem.Field{Field: "charges", Code: "payment.charges", Message: fmt.Sprintf("Выберите от 1 до %d начислений", MaxCharges)})
	}
	seen := map[string]bool{}
	for i, u := range r.Charges {
		field := fmt.Sprintf("charges[%d]", i)
		if _, err := ValidUIN(field, u); err != nil {
			pe, _ := problem.As(err)
			f = append(f, pe.Fields...)
		} else if seen[u] {
			f = append(f, problem.Field{Field: field, Code: "payment.duplicate", Message: "Начисление указано дважды"})
		}
		seen[u] = true
	}
	for uin, a := range r.Amounts {
		if !seen[uin] {
			f = append(f, problem.Field{Field: "amounts." + uin, Code: "payment.amount_unknown_charge", Message: "Сумма указана для начисления, которого нет в платеже"})
		} else if a <= 0 {
			f = append(f, problem.Field{Field: "amounts." + uin, Code: "payment.amount", Message: "Сумма — целое число копеек больше нуля"})
		}
	}
	if r.PaymentMethod != "" && !ValidMethodID(r.PaymentMethod) {
		f = append(f, problem.Field{Field: "paymentMethod", Code: "payment_method.unknown", Message: "Такой привязанной карты нет"})
	}
	if r.Code != "" && (len(r.Code) != 6 || strings.Trim(r.Code, "0123456789") != "") {
		f = append(f, problem.Field{Field: "code", Code: "code.format", Message: "Код подтверждения — 6 цифр"})
	}
	if len(f) > 0 {
		return nil, problem.Invalid(f...)
	}
	uins := slices.Clone(r.Charges)
	slices.Sort(uins)
	return uins, nil
}

// PaymentLine is one charge a payment pays.
type PaymentLine struct {
	UIN         string `json:"uin" dynamodbav:"UIN"`
	Kind        string `json:"kind" dynamodbav:"Kind"`
	Agency      string `json:"agency" dynamodbav:"Agency"`
	AgencyTitle string `json:"agencyTitle" dynamodbav:"-"`
	Purpose     string `json:"purpose" dynamodbav:"Purpose"`
	Amount      int64  `json:"amount" dynamodbav:"Amount"`
	// Full says the line pays all that was due (with a discount, if any);
	// otherwise it is a part.
	Full  bool  `json:"full" dynamodbav:"Full"`
	Payee Payee `json:"-" dynamodbav:"Payee"`
}

// ReceiptRef names a payment's receipt among the person's documents.
type ReceiptRef struct {
	DocumentID       string `json:"documentId"`
	Number           string `json:"number"`
	VerificationCode string `json:"verificationCode"`
}

// PaymentView is a payment as its payer sees it.
type PaymentView struct {
	ID         string        `json:"id"`
	Status     string        `json:"status"`
	StatusName string        `json:"statusName"`
	Amount     int64         `json:"amount"`
	Charges    []PaymentLine `json:"charges"`
	// ConfirmationURL is the provider's page, while the payment waits.
	ConfirmationURL string      `json:"confirmationUrl,omitempty"`
	CreatedAt       time.Time   `json:"createdAt"`
	PaidAt          time.Time   `json:"paidAt,omitzero"`
	Receipt         *ReceiptRef `json:"receipt,omitempty"`
	CancelReason    string      `json:"cancelReason,omitempty"`

	// Card is the linked card it was paid with (masked); Autopay says an
	// autopay rule paid it.
	Card    string `json:"card,omitempty"`
	Autopay bool   `json:"autopay,omitempty"`
	// RefundedAmount is what refunds returned to the payer (kopecks);
	// RefundableAmount what the payer may still ask back (money that
	// never should have been taken and is not being returned).
	RefundedAmount   int64 `json:"refundedAmount,omitempty"`
	RefundableAmount int64 `json:"refundableAmount,omitempty"`
	// Refunds are the payment's first refunds, oldest first (GET
	// /payments/{id} only; GET /payments/{id}/refunds lists them all).
	Refunds []RefundView `json:"refunds,omitempty"`
}

type paymentItem struct {
	PK              string        `dynamodbav:"PK"`
	SK              string        `dynamodbav:"SK"`
	Kind            string        `dynamodbav:"Kind"`
	ID              string        `dynamodbav:"ID"`
	Sub             string        `dynamodbav:"Sub"`
	Status          string        `dynamodbav:"Status"`
	Amount          int64         `dynamodbav:"Amount"`
	Lines           []PaymentLine `dynamodbav:"Lines"`
	ProviderID      string        `dynamodbav:"ProviderID,omitempty"`
	ConfirmationURL string        `dynamodbav:"ConfirmationURL,omitempty"`
	CreatedAt       string        `dynamodbav:"CreatedAt"` // RFC 3339, seconds
	UpdatedAt       string        `dynamodbav:"UpdatedAt"`
	PaidAt          string        `dynamodbav:"PaidAt,omitempty"`
	CancelReason    string        `dynamodbav:"CancelReason,omitempty"`
	ReceiptID       string        `dynamodbav:"ReceiptID,omitempty"`
	ReceiptNumber   string        `dynamodbav:"ReceiptNumber,omitempty"`
	ReceiptCode     string        `dynamodbav:"ReceiptCode,omitempty"`
	Flag            string        `dynamodbav:"Flag,omitempty"`
	GSI1PK          string        `dynamodbav:"GSI1PK"`
	GSI1SK          string        `dynamodbav:"GSI1SK"`
	GSI2PK          string        `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK          string        `dynamodbav:"GSI2SK,omitempty"`

	// Method is the linked card paid with (Kabinet's id), Card its mask.
	Method string `dynamodbav:"Method,omitempty"`
	Card   string `dynamodbav:"Card,omitempty"`
	// Autopay is the rule that paid, AutopayMonth the month it counts in.
	Autopay      string `dynamodbav:"Autopay,omitempty"`
	AutopayMonth string `dynamodbav:"AutopayMonth,omitempty"`
	// Refundable is, by УИН, the money of the payment's lines found not
	// owed; RefundLeft what of it no refund holds yet; Refunded what
	// refunds returned (refunds.go writes them).
	Refundable map[string]int64 `dynamodbav:"Refundable,omitempty"`
	RefundLeft map[string]int64 `dynamodbav:"RefundLeft,omitempty"`
	Refunded   int64            `dynamodbav:"Refunded,omitempty"`
}

const kindPayment = "payment"

func (it paymentItem) view() PaymentView {
	v := PaymentView{ID: it.ID, Status: it.Status, StatusName: paymentStatusNames[it.Status], Amount: it.Amount, Charges: it.Lines,
		CreatedAt: parseStamp(it.CreatedAt), PaidAt: parseStamp(it.PaidAt), CancelReason: it.CancelReason, Card: it.Card, Autopay: it.Autopay != "",
		RefundedAmount: it.Refunded, RefundableAmount: it.refundLeft()}
	for i := range v.Charges {
		v.Charges[i].AgencyTitle = Agencies[v.Charges[i].Agency].Title
	}
	if it.Status == PaymentPending {
		v.ConfirmationURL = it.ConfirmationURL
	}
	if it.ReceiptID != "" {
		v.Receipt = &ReceiptRef{DocumentID: it.ReceiptID, Number: it.ReceiptNumber, VerificationCode: it.ReceiptCode}
	}
	return v
}

// sortStamp orders payments: nanoseconds and a fixed width, so that two
// made within a second keep their order and stamps compare as times.
func sortStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// newPaymentID is sortable by time and 64 characters at most (the
// provider's idempotence key).
func newPaymentID(now time.Time) string {
	return now.UTC().Format("20060102T150405") + "-" + newID()
}

// Answer is what paying answered, kept with the key for a repeat.
type Answer struct {
	Status  int         `json:"status"`
	Payment PaymentView `json:"payment"`
}

// Idempotency of POST /payments.

// IdempotencyTTL is how long a key's first answer is kept.
const IdempotencyTTL = 24 * time.Hour

// lease is how long a claim holds a key against a duplicate in flight.
const lease = 45 * time.Second

type claimItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	BodyHash   string `dynamodbav:"BodyHash"`
	State      string `dynamodbav:"State"` // in_flight or done
	PaymentID  string `dynamodbav:"PaymentID"`
	LeaseUntil string `dynamodbav:"LeaseUntil"`
	Answer     string `dynamodbav:"Answer,omitempty"`
	TTL        int64  `dynamodbav:"TTL"`
}

const (
	kindClaim     = "idempotency"
	claimInFlight = "in_flight"
	claimDone     = "done"
)

// CheckKey checks an Idempotency-Key: 1 to 255 printable ASCII characters.
func CheckKey(key string) error {
	if len(key) == 0 || len(key) > 255 {
		return problem.BadRequest("idempotency_key_required", "Укажите заголовок Idempotency-Key: от 1 до 255 символов, новый для каждого платежа")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return problem.BadRequest("idempotency_key_invalid", "Idempotency-Key — печатные символы ASCII без пробелов")
		}
	}
	return nil
}

func bodyHash(uins []string, code string, amounts map[string]int64, method string) string {
	parts := make([]string, len(uins))
	for i, u := range uins {
		parts[i] = fmt.Sprintf("%s=%d", u, amounts[u])
	}
	if method != "" {
		code += "|card=" + method
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, ",") + "|" + code))
	return hex.EncodeToString(sum[:])
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// claimWords are how a claim's refusals name what the key is for.
type claimWords struct{ reused, inFlight string }

var paymentClaim = claimWords{
	reused:   "Этот Idempotency-Key уже использован для другого платежа: для нового платежа нужен новый ключ",
	inFlight: "Этот платёж уже обрабатывается: дождитесь ответа на первый запрос",
}

// claim takes the key for this request. It returns the claim to go on
// with (its PaymentID names what the request makes: a payment, or a
// refund), or the first answer (JSON) when the request was already
// answered.
func claim(ctx context.Context, db *dynamo.Store, k dynamo.Key, body string, now time.Time, w claimWords) (claimItem, string, error) {
	for attempt := 0; attempt < 3; attempt++ {
		var cur claimItem
		err := db.Get(ctx, k, "ключ", &cur)
		switch {
		case problem.Is(err, problem.KindNotFound) || (err == nil && cur.TTL <= now.Unix()):
			c := claimItem{PK: k.PK, SK: k.SK, Kind: kindClaim, BodyHash: body, State: claimInFlight, PaymentID: newPaymentID(now),
				LeaseUntil: stamp(now.Add(lease)), TTL: now.Add(IdempotencyTTL).Unix()}
			cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
			if err == nil {
				cond = expression.Name(dynamo.AttrTTL).Equal(expression.Value(cur.TTL))
			}
			werr := db.Transact(ctx, "", (&dynamo.Tx{}).PutIf(c, cond))
			if werr == nil {
				return c, "", nil
			}
			if !problem.Is(werr, problem.KindConflict) {
				return claimItem{}, "", werr
			}
			continue // another request took it: see what it holds
		case err != nil:
			return claimItem{}, "", err
		}
		if cur.BodyHash != body {
			return claimItem{}, "", problem.New(problem.KindInvalid, "idempotency_key_reused", w.reused)
		}
		if cur.State == claimDone {
			return cur, cur.Answer, nil
		}
		if cur.LeaseUntil > stamp(now) {
			return claimItem{}, "", problem.Conflict("idempotency_in_flight", w.inFlight)
		}
		// The first request gave up (or failed halfway): take over its
		// payment.
		upd := expression.Set(expression.Name("LeaseUntil"), expression.Value(stamp(now.Add(lease))))
		cond := expression.Name("LeaseUntil").Equal(expression.Value(cur.LeaseUntil)).And(expression.Name("State").Equal(expression.Value(claimInFlight)))
		if werr := db.Update(ctx, k, upd, &cond); werr != nil {
			if problem.Is(werr, problem.KindConflict) {
				continue
			}
			return claimItem{}, "", werr
		}
		cur.LeaseUntil = stamp(now.Add(lease))
		return cur, "", nil
	}
	return claimItem{}, "", problem.Conflict("idempotency_in_flight", w.inFlight)
}

// releaseClaim ends a claim whose request failed: kept (what it made
// exists, its outcome unknown), the key stays with it, free for the
// client's repeat at once; otherwise the key is free for anything.
func releaseClaim(ctx context.Context, db *dynamo.Store, k dynamo.Key, keep bool, now time.Time) {
	if keep {
		upd := expression.Set(expression.Name("LeaseUntil"), expression.Value(stamp(now)))
		if err := db.Update(ctx, k, upd, nil); err != nil {
			logging.From(ctx).Error("idempotency lease not released", "err", err)
		}
	} else if err := db.Delete(ctx, k); err != nil {
		logging.From(ctx).Error("idempotency claim not released", "err", err)
	}
}

// answerClaim keeps a request's answer with its key, for a repeat.
func answerClaim(ctx context.Context, db *dynamo.Store, k dynamo.Key, answer any) {
	raw, _ := json.Marshal(answer)
	upd := expression.Set(expression.Name("State"), expression.Value(claimDone)).Set(expression.Name("Answer"), expression.Value(string(raw)))
	if err := db.Update(ctx, k, upd, nil); err != nil {
		// What the request made stands; a repeat finds it through the claim.
		logging.From(ctx).Error("idempotency answer not kept", "err", err)
	}
}

// Pay pays charges of the person once per key. Errors: BadRequest (the
// key), Invalid (the charges, a reused key), NotFound (a charge not the
// person's), Conflict (a charge paid, being paid or cancelled; the key in
// flight), PreconditionRequired (a code needed above the threshold),
// Unavailable (the provider did not answer: repeat with the same key).
func (p *Payments) Pay(ctx context.Context, a actor.Actor, key string, in PayRequest) (Answer, error) {
	sub, err := person(a)
	if err != nil {
		return Answer{}, err
	}
	if err := CheckKey(key); err != nil {
		return Answer{}, err
	}
	uins, err := in.check()
	if err != nil {
		return Answer{}, err
	}
	now := p.d.Clock.Now()
	k := dynamo.IdempotencyKey(sub, keyHash(key))
	c, first, err := claim(ctx, p.d.DB, k, bodyHash(uins, in.Code, in.Amounts, in.PaymentMethod), now, paymentClaim)
	if err != nil {
		return Answer{}, err
	}
	if first != "" {
		var a Answer
		if err := json.Unmarshal([]byte(first), &a); err != nil {
			return Answer{}, fmt.Errorf("payments: stored answer: %w", err)
		}
		return a, nil
	}
	ans, keep, err := p.run(ctx, sub, c.PaymentID, uins, in, now)
	if err != nil {
		// keep: a payment exists whose outcome is unknown.
		releaseClaim(ctx, p.d.DB, k, keep, now)
		return Answer{}, err
	}
	answerClaim(ctx, p.d.DB, k, ans)
	return ans, nil
}

// run makes (or resumes) payment id: records it with its charges held,
// then asks the provider. keep says whether the payment exists, so the key
// must stay with it.
func (p *Payments) run(ctx context.Context, sub, id string, uins []string, in PayRequest, now time.Time) (Answer, bool, error) {
	pay, exists, err := p.payment(ctx, id)
	if err != nil {
		return Answer{}, true, err
	}
	if exists && pay.Sub != sub {
		return Answer{}, false, problem.Internal(fmt.Errorf("payments: claim of %s names another person's payment", sub))
	}
	if !exists {
		if pay, err = p.open(ctx, sub, id, uins, in, now); err != nil {
			return Answer{}, false, err
		}
	}
	if pay.Status == PaymentCreated {
		np, err := p.providerPayment(ctx, pay)
		var pp ProviderPayment
		if err == nil {
			pp, err = p.d.Provider.Create(ctx, np)
		}
		switch {
		case problem.Is(err, problem.KindUnavailable):
			out := problem.Wrap(err, problem.KindUnavailable, "payment_provider_unavailable",
				"Платёжная система не ответила. Повторите запрос с тем же Idempotency-Key: повторная оплата не произойдёт")
			if pe, ok := problem.As(err); ok {
				out.RetryAfter = pe.RetryAfter
			}
			return Answer{}, true, out
		case err != nil && !problem.Is(err, problem.KindInvalid) && !problem.Is(err, problem.KindConflict):
			// The shop's credentials refused, an answer not understood: the
			// payment may exist at the provider. It stays, for a repeat or
			// the reconciliation (and, failing that, an operator).
			return Answer{}, true, err
		case err != nil:
			logging.From(ctx).Error("provider refused a payment", "payment", id, "err", err)
			if ferr := p.release(ctx, pay, PaymentFailed, "Платёжная система отклонила платёж"); ferr != nil {
				return Answer{}, true, ferr
			}
			return Answer{}, false, problem.Wrap(err, problem.KindInvalid, "payment_refused", "Платёжная система отклонила платёж, попробуйте позже")
		}
		if pay, err = p.apply(ctx, pay, pp); err != nil {
			return Answer{}, true, err
		}
	}
	return Answer{Status: 201, Payment: pay.view()}, true, nil
}

func (p *Payments) newPayment(pay paymentItem) NewPayment {
	return NewPayment{IdempotenceKey: pay.ID, Amount: pay.Amount, Description: fmt.Sprintf("Оплата начислений на портале: %d шт.", len(pay.Lines)),
		ReturnURL: strings.TrimRight(p.d.PortalURL, "/") + "/payments/" + pay.ID, Metadata: map[string]string{"payment": pay.ID}}
}

func (p *Payments) payment(ctx context.Context, id string) (paymentItem, bool, error) {
	var it paymentItem
	err := p.d.DB.Get(ctx, dynamo.PaymentKey(id), "платёж", &it)
	if problem.Is(err, problem.KindNotFound) {
		return paymentItem{}, false, nil
	}
	return it, err == nil, err
}

// held reads the person's charges to pay, each as it is now.
func (p *Payments) held(ctx context.Context, sub string, uins []string) ([]chargeItem, []linkItem, error) {
	chs := make([]chargeItem, 0, len(uins))
	links := make([]linkItem, 0, len(uins))
	for _, uin := range uins {
		var l linkItem
		if err := p.d.DB.Get(ctx, dynamo.ChargeLinkKey(sub, uin), "начисление", &l); err != nil {
			return nil, nil, err
		}
		ch, exists, err := p.charges.charge(ctx, uin)
		if err != nil {
			return nil, nil, err
		}
		if !exists {
			return nil, nil, notFound()
		}
		chs, links = append(chs, ch), append(links, l)
	}
	return chs, links, nil
}

func notPayable(ch chargeItem) error {
	switch ch.Status {
	case StatusPending:
		return problem.Conflict("charge_being_paid", "Начисление "+ch.UIN+" уже оплачивается: дождитесь результата платежа").With("uin", ch.UIN)
	case StatusPaid:
		return problem.Conflict("charge_paid", "Начисление "+ch.UIN+" уже оплачено").With("uin", ch.UIN)
	case StatusInstallment:
		return problem.Conflict("charge_in_installment", "Начисление "+ch.UIN+" в рассрочке: оплачивайте его части по графику").With("uin", ch.UIN)
	}
	return problem.Conflict("charge_cancelled", "Начисление "+ch.UIN+" аннулировано ведомством: оплачивать его не нужно").With("uin", ch.UIN)
}

// confirmDoc and confirmContent bind a confirmation code to the charges
// and the total it confirms.
func confirmDoc(uins []string) string {
	sum := sha256.Sum256([]byte(strings.Join(uins, ",")))
	return "payment-" + hex.EncodeToString(sum[:8])
}

func confirmContent(uins []string, total int64) string {
	return fmt.Sprintf("%s:%d", strings.Join(uins, ","), total)
}

// confirmationError words a refused code for a payment: the signing codes
// speak of an application and name the field signatureCode; here it is the
// request's code.
func confirmationError(err error) error {
	pe, ok := problem.As(err)
	if !ok {
		return err
	}
	for i := range pe.Fields {
		if pe.Fields[i].Field == "signatureCode" {
			pe.Fields[i].Field = "code"
		}
		if pe.Fields[i].Code == "signature.required" {
			pe.Fields[i].Message = "Подтвердите платёж: запросите код и введите его"
		}
	}
	if pe.Code == "signature_stale" {
		return problem.Conflict("confirmation_stale", "Сумма или состав платежа изменились после запроса кода. Запросите новый код")
	}
	return err
}

// open records the payment and holds its charges, in one transaction.
func (p *Payments) open(ctx context.Context, sub, id string, uins []string, in PayRequest, now time.Time) (paymentItem, error) {
	code := in.Code
	for attempt := 0; ; attempt++ {
		var card methodItem
		if in.PaymentMethod != "" {
			var err error
			if card, err = p.methods.usable(ctx, sub, in.PaymentMethod, "paymentMethod", now); err != nil {
				return paymentItem{}, err
			}
		}
		chs, links, err := p.held(ctx, sub, uins)
		if err != nil {
			return paymentItem{}, err
		}
		var total int64
		lines := make([]PaymentLine, 0, len(chs))
		for _, ch := range chs {
			if !payable(ch.Status) {
				return paymentItem{}, notPayable(ch)
			}
			line, err := p.lineOf(ch, in.Amounts, now)
			if err != nil {
				return paymentItem{}, err
			}
			total += line.Amount
			lines = append(lines, line)
		}
		if p.d.ProviderMax > 0 && total > p.d.ProviderMax {
			return paymentItem{}, problem.New(problem.KindInvalid, "payment_over_provider_max",
				"Сумма платежа больше "+rub(p.d.ProviderMax)+", предельной для одного платежа: оплатите начисление частями").
				With("providerMax", p.d.ProviderMax).With("amount", total)
		}
		limits, err := p.checkLimits(ctx, sub, total, now)
		if err != nil {
			return paymentItem{}, err
		}
		if in.auto != nil {
			if err := p.autopayChecks(ctx, sub, in.auto, total, now); err != nil {
				return paymentItem{}, err
			}
		}
		tx := &dynamo.Tx{}
		if p.d.ConfirmAbove > 0 && total > p.d.ConfirmAbove && in.auto == nil {
			if code == "" {
				return paymentItem{}, problem.New(problem.KindPreconditionRequired, "confirmation_required",
					"Платёж больше "+rub(p.d.ConfirmAbove)+" подтвердите кодом: запросите его и повторите платёж с кодом").
					With("confirmAbove", p.d.ConfirmAbove).With("amount", total)
			}
			use, err := p.d.Signatures.CheckSignature(ctx, sub, confirmDoc(uins), 1, confirmContent(uins, total), code)
			if err != nil {
				return paymentItem{}, confirmationError(err)
			}
			use(tx)
		}
		k := dynamo.PaymentKey(id)
		at, order := stamp(now), sortStamp(now)+"#"+id
		pay := paymentItem{PK: k.PK, SK: k.SK, Kind: kindPayment, ID: id, Sub: sub, Status: PaymentCreated, Amount: total, Lines: lines,
			CreatedAt: at, UpdatedAt: at, GSI1PK: dynamo.PaymentsPK(sub), GSI1SK: order, GSI2PK: dynamo.OpenPaymentsPK, GSI2SK: order}
		if card.ID != "" {
			pay.Method, pay.Card = card.ID, card.mask()
			touchMethodTx(tx, card, now)
		}
		if in.auto != nil {
			_, pay.AutopayMonth = periods(now)
			pay.Autopay = in.auto.ID
			autopayOpenTx(tx, sub, in.auto, total, now)
		}
		tx.Create(pay)
		countUsage(tx, sub, limits, total, now)
		for i, ch := range chs {
			held := ch
			held.Status, held.PaymentID, held.UpdatedAt, held.V = StatusPending, id, at, ch.V+1
			putCharge(tx, held, ch.V)
			p.putLink(tx, sub, held, links[i])
		}
		err = p.d.DB.Transact(ctx, "", tx)
		if err == nil {
			p.syncOthers(ctx, sub, uins)
			return pay, nil
		}
		if !retryable(err) || attempt == maxAttempts-1 {
			return paymentItem{}, err
		}
		// A concurrent payment may have used up the limit meanwhile.
		if _, lerr := p.checkLimits(ctx, sub, total, now); lerr != nil {
			return paymentItem{}, lerr
		}
	}
}

// lineOf is what the payment pays of ch: all that is due, or the part the
// request names where the charge may be paid in parts (its agency allows
// it, or what is due is above the provider's single-payment maximum; not
// while a fine's discount lasts, which only a whole payment keeps).
func (p *Payments) lineOf(ch chargeItem, amounts map[string]int64, now time.Time) (PaymentLine, error) {
	due := ch.dueNow(now)
	line := PaymentLine{UIN: ch.UIN, Kind: ch.Type, Agency: ch.Agency, Purpose: ch.Purpose, Amount: due, Full: true, Payee: ch.Payee}
	part, ok := amounts[ch.UIN]
	if !ok || part == due {
		return line, nil
	}
	field := "amounts." + ch.UIN
	switch {
	case part > due:
		return PaymentLine{}, problem.Invalid(problem.Field{Field: field, Code: "payment.amount_above_due",
			Message: "Сумма больше оставшейся к оплате: " + rub(due)})
	case ch.discountActive(now):
		return PaymentLine{}, problem.Invalid(problem.Field{Field: field, Code: "payment.partial_discount",
			Message: "Пока действует скидка, штраф оплачивается целиком: " + rub(due)})
	case !ch.PartialAllowed && !(p.d.ProviderMax > 0 && due > p.d.ProviderMax):
		return PaymentLine{}, problem.Invalid(problem.Field{Field: field, Code: "payment.partial_not_allowed",
			Message: "Это начисление оплачивается только целиком"})
	}
	line.Amount, line.Full = part, false
	return line, nil
}

// putLink writes sub's link of ch as ch now is, if the link is still old.
func (p *Payments) putLink(tx *dynamo.Tx, sub string, ch chargeItem, old linkItem) {
	l := newLink(sub, ch, old.Via, old.LinkedAt)
	tx.PutIf(l, expression.Name("ChargeV").Equal(expression.Value(old.ChargeV)))
}

// syncOthers brings the other holders' links of the charges up to date,
// after the payer's changed with them; a failure waits for the next sync.
func (p *Payments) syncOthers(ctx context.Context, sub string, uins []string) {
	for _, uin := range uins {
		ch, exists, err := p.charges.charge(ctx, uin)
		if err == nil && exists && ch.PlanOf != "" {
			// The charge a part is of changed with it.
			p.charges.SyncCharge(ctx, ch.PlanOf)
		}
		if err != nil || !exists || len(ch.Owners) < 2 {
			continue
		}
		if _, err := p.charges.syncOwners(ctx, ch); err != nil {
			logging.From(ctx).Warn("co-owners' links left for later", "uin", uin, "err", err)
		}
	}
}

// StartConfirmation sends (or, with an authenticator, announces) the code
// that confirms paying charges above the threshold; it answers what Pay
// will ask and the total it confirms.
func (p *Payments) StartConfirmation(ctx context.Context, a actor.Actor, in PayRequest) (accounts.SignaturePending, int64, error) {
	sub, err := person(a)
	if err != nil {
		return accounts.SignaturePending{}, 0, err
	}
	in.Code = ""
	uins, err := in.check()
	if err != nil {
		return accounts.SignaturePending{}, 0, err
	}
	chs, _, err := p.held(ctx, sub, uins)
	if err != nil {
		return accounts.SignaturePending{}, 0, err
	}
	now := p.d.Clock.Now()
	var total int64
	for _, ch := range chs {
		if !payable(ch.Status) {
			return accounts.SignaturePending{}, 0, notPayable(ch)
		}
		line, err := p.lineOf(ch, in.Amounts, now)
		if err != nil {
			return accounts.SignaturePending{}, 0, err
		}
		total += line.Amount
	}
	if p.d.ConfirmAbove <= 0 || total <= p.d.ConfirmAbove {
		return accounts.SignaturePending{}, 0, problem.Conflict("confirmation_not_needed", "Платёж до "+rub(p.d.ConfirmAbove)+" подтверждать кодом не нужно")
	}
	sp, err := p.d.Signatures.StartSignature(ctx, sub, confirmDoc(uins), 1, confirmContent(uins, total))
	return sp, total, err
}
