package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/problem"
)

// Autopay: a person's rule pays the new charges of a kind, of an agency or
// of one of their utility accounts with a linked card, up to a maximum per
// charge and per month. A charge found for the person (linked through
// their payer identifiers, not looked up by УИН) that matches an active
// rule gets its autopay in the transaction that links it, with a notice in
// place of the new-charge note: «будет оплачено завтра, можно отменить».
// There is at most one autopay per person and charge, ever (its key is
// the УИН), so a charge posted twice, or linked again, is paid once.
//
// The autopay function (a schedule) pays what is due, found through a
// sparse index by time (GSI2, spread over shards; no Scan): each autopay is
// claimed by a conditional write before anything is paid, so overlapping
// runs pay it once; the payment it makes is an ordinary payment with the
// saved card, whose id is chosen at the claim and is the provider's
// idempotence key, so a run that dies halfway is resumed by the next one
// without paying twice. The payment's own transaction counts the rule's
// month (a conditional sum, exact under concurrency) and the person's
// limits, and requires the rule and the card to be still active: a rule
// cancelled before it commits never pays. Its settlement writes the
// autopay's outcome (paid, or failed with the reason and a note).

// Statuses of an autopay rule.
const (
	RuleActive    = "active"
	RuleCancelled = "cancelled"
)

// Statuses of an autopay.
const (
	AutopayScheduled = "scheduled" // to be paid at PayAt unless cancelled
	AutopayPaying    = "paying"    // claimed by a run: its payment is made or being made
	AutopayPaid      = "paid"
	AutopayFailed    = "failed"
	AutopayCancelled = "cancelled"
)

var autopayStatusNames = map[string]string{AutopayScheduled: "будет оплачено", AutopayPaying: "оплачивается", AutopayPaid: "оплачено",
	AutopayFailed: "не выполнен", AutopayCancelled: "отменён"}

const (
	// MaxRules bounds a person's active autopay rules.
	MaxRules = 10
	// AutopayShards spread the due autopays over GSI2 partitions.
	AutopayShards = 4
	// autopayLease is how long a claim holds an autopay against another run.
	autopayLease = 2 * time.Minute
	// maxAutopayAttempts bounds the runs that try one autopay.
	maxAutopayAttempts = 5
	ruleEndedTTL       = 365 * 24 * time.Hour

	kindRule      = "autopay-rule"
	kindRuleUsage = "autopay-rule-usage"
	kindAutopay   = "autopay"
)

// AutopayRuleInput is a rule as the person makes it: exactly one of Kind,
// Agency and UtilityAccount.
type AutopayRuleInput struct {
	Kind   string `json:"kind,omitempty"`
	Agency string `json:"agency,omitempty"`
	// UtilityAccount is the id of one of the person's utility accounts.
	UtilityAccount string `json:"utilityAccount,omitempty"`
	// PaymentMethod is the id of one of the person's linked cards.
	PaymentMethod string `json:"paymentMethod"`
	// MaxPerCharge and MaxPerMonth are kopecks (integers; read as numbers
	// so that a fraction is named as the field it is in).
	MaxPerCharge json.Number `json:"maxPerCharge"`
	MaxPerMonth  json.Number `json:"maxPerMonth"`
}

// AutopayRule is a rule as its owner sees it.
type AutopayRule struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Kind        string `json:"kind,omitempty"`
	KindName    string `json:"kindName,omitempty"`
	Agency      string `json:"agency,omitempty"`
	AgencyTitle string `json:"agencyTitle,omitempty"`
	// UtilityAccount is the account's id, UtilityAccountMask its mask.
	UtilityAccount     string `json:"utilityAccount,omitempty"`
	UtilityAccountMask string `json:"utilityAccountMask,omitempty"`
	PaymentMethod      string `json:"paymentMethod"`
	Card               string `json:"card"`
	MaxPerCharge       int64  `json:"maxPerCharge"`
	MaxPerMonth        int64  `json:"maxPerMonth"`
	// UsedThisMonth is what the rule paid this month (Moscow time).
	UsedThisMonth int64     `json:"usedThisMonth"`
	CreatedAt     time.Time `json:"createdAt"`
	CancelledAt   time.Time `json:"cancelledAt,omitzero"`
	CancelReason  string    `json:"cancelReason,omitempty"`
}

type ruleItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	Kind           string `dynamodbav:"Kind"`
	ID             string `dynamodbav:"ID"`
	Status         string `dynamodbav:"Status"`
	ChargeKind     string `dynamodbav:"ChargeKind,omitempty"`
	Agency         string `dynamodbav:"Agency,omitempty"`
	UtilityAccount string `dynamodbav:"UtilityAccount,omitempty"`
	// UtilityHash is the account's blind-index hash, as a charge's payers
	// carry it; UtilityMask what the person reads.
	UtilityHash  string `dynamodbav:"UtilityHash,omitempty"`
	UtilityMask  string `dynamodbav:"UtilityMask,omitempty"`
	Method       string `dynamodbav:"Method"`
	Card         string `dynamodbav:"Card"`
	MaxPerCharge int64  `dynamodbav:"MaxPerCharge"`
	MaxPerMonth  int64  `dynamodbav:"MaxPerMonth"`
	CreatedAt    string `dynamodbav:"CreatedAt"`
	UpdatedAt    string `dynamodbav:"UpdatedAt"`
	CancelledAt  string `dynamodbav:"CancelledAt,omitempty"`
	CancelReason string `dynamodbav:"CancelReason,omitempty"`
	LastPaid     string `dynamodbav:"LastPaid,omitempty"`
	TTL          int64  `dynamodbav:"TTL,omitempty"`
	V            int64  `dynamodbav:"V"`
}

func (r ruleItem) view(used int64) AutopayRule {
	return AutopayRule{ID: r.ID, Status: r.Status, Kind: r.ChargeKind, KindName: kindNames[r.ChargeKind], Agency: r.Agency,
		AgencyTitle: Agencies[r.Agency].Title, UtilityAccount: r.UtilityAccount, UtilityAccountMask: r.UtilityMask,
		PaymentMethod: r.Method, Card: r.Card, MaxPerCharge: r.MaxPerCharge, MaxPerMonth: r.MaxPerMonth, UsedThisMonth: used,
		CreatedAt: parseStamp(r.CreatedAt), CancelledAt: parseStamp(r.CancelledAt), CancelReason: r.CancelReason}
}

// sameScope reports whether two rules pay the same charges.
func (r ruleItem) sameScope(o ruleItem) bool {
	return r.ChargeKind == o.ChargeKind && r.Agency == o.Agency && r.UtilityAccount == o.UtilityAccount
}

// matches reports whether the rule pays ch, linked through via.
func (r ruleItem) matches(ch chargeItem, via []string) bool {
	switch {
	case r.ChargeKind != "":
		return ch.Type == r.ChargeKind
	case r.Agency != "":
		return ch.Agency == r.Agency
	case r.UtilityHash != "":
		return slices.Contains(via, IDUtility+"#"+r.UtilityHash)
	}
	return false
}

// every reads every page of a query of a person's own (bounded) items.
func every[T any](ctx context.Context, db *dynamo.Store, p dynamo.Page) ([]T, error) {
	var out []T
	for {
		var page []T
		next, err := db.Query(ctx, p, &page)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// rulesOf are sub's rules, oldest first.
func rulesOf(ctx context.Context, db *dynamo.Store, sub string) ([]ruleItem, error) {
	out, err := every[ruleItem](ctx, db, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.AutopayRulePrefix, Forward: true, Consistent: true})
	slices.SortFunc(out, func(a, b ruleItem) int { return strings.Compare(a.CreatedAt+a.ID, b.CreatedAt+b.ID) })
	return out, err
}

// cancelRuleTx cancels an active rule in tx (if it is still as read).
func cancelRuleTx(tx *dynamo.Tx, r ruleItem, reason string, now time.Time) {
	upd := expression.Set(expression.Name("Status"), expression.Value(RuleCancelled)).
		Set(expression.Name("CancelReason"), expression.Value(reason)).
		Set(expression.Name("CancelledAt"), expression.Value(stamp(now))).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name(dynamo.AttrTTL), expression.Value(now.Add(ruleEndedTTL).Unix())).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(r.V+1))
	cond := expression.Name(dynamo.AttrVersion).Equal(expression.Value(r.V))
	tx.Update(r.key(), upd, &cond)
}

func (r ruleItem) key() dynamo.Key {
	sub := strings.TrimPrefix(r.PK, "USER#")
	return dynamo.AutopayRuleKey(sub, r.ID)
}

// autopayItem is the autopay of one charge of a person.
type autopayItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	UIN        string `dynamodbav:"UIN"`
	Sub        string `dynamodbav:"Sub"`
	Rule       string `dynamodbav:"Rule"`
	Method     string `dynamodbav:"Method"`
	Card       string `dynamodbav:"Card"`
	ChargeKind string `dynamodbav:"ChargeKind"`
	Agency     string `dynamodbav:"Agency"`
	Purpose    string `dynamodbav:"Purpose"`
	// Amount is what was due when the charge came; the payment pays what
	// is due when it is made.
	Amount    int64  `dynamodbav:"Amount"`
	Status    string `dynamodbav:"Status"`
	PayAt     string `dynamodbav:"PayAt"`
	PaymentID string `dynamodbav:"PaymentID,omitempty"`
	Reason    string `dynamodbav:"Reason,omitempty"`
	Attempts  int    `dynamodbav:"Attempts"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	UpdatedAt string `dynamodbav:"UpdatedAt"`
	GSI1PK    string `dynamodbav:"GSI1PK"`
	GSI1SK    string `dynamodbav:"GSI1SK"`
	GSI2PK    string `dynamodbav:"GSI2PK,omitempty"`
	GSI2SK    string `dynamodbav:"GSI2SK,omitempty"`
	V         int64  `dynamodbav:"V"`
}

// Autopay is an autopay as its owner sees it: the charge, when it is (or
// was) paid and how it ended.
type Autopay struct {
	// ID is the charge's УИН: one autopay per charge.
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	KindName    string `json:"kindName"`
	Agency      string `json:"agency"`
	AgencyTitle string `json:"agencyTitle"`
	Purpose     string `json:"purpose"`
	Amount      int64  `json:"amount"`
	Status      string `json:"status"`
	StatusName  string `json:"statusName"`
	Rule        string `json:"rule"`
	Card        string `json:"card"`
	// PayAt is when it is (or was to be) paid.
	PayAt     time.Time `json:"payAt"`
	PaymentID string    `json:"paymentId,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func (it autopayItem) view() Autopay {
	return Autopay{ID: it.UIN, Kind: it.ChargeKind, KindName: kindNames[it.ChargeKind], Agency: it.Agency, AgencyTitle: Agencies[it.Agency].Title,
		Purpose: it.Purpose, Amount: it.Amount, Status: it.Status, StatusName: autopayStatusNames[it.Status], Rule: it.Rule, Card: it.Card,
		PayAt: parseStamp(it.PayAt), PaymentID: it.PaymentID, Reason: it.Reason, CreatedAt: parseStamp(it.CreatedAt), UpdatedAt: parseStamp(it.UpdatedAt)}
}

// dueKeys are the GSI2 keys that make an autopay due at at.
func autopayDueKeys(sub, uin string, at time.Time) (string, string) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(sub))
	return dynamo.AutopayDuePK(int(h.Sum32() % AutopayShards)), sortStamp(at) + "#" + sub + "#" + uin
}

// autopayAt is when an autopay noticed now is paid: tomorrow at 10:00,
// Moscow time.
func autopayAt(now time.Time) time.Time { return at10(now.In(moscow).AddDate(0, 0, 1)) }

const autopaysLink = "/autopays"

// autopayFor gives a charge newly linked to sub through payer identifiers
// (via) its autopay, when an active rule of sub's matches it: the autopay
// and its notice go into tx, with the link. It reports whether it did (the
// notice then replaces the new-charge note; one transaction carries one
// note). A charge that had an autopay once gets none again.
func (c *Charges) autopayFor(ctx context.Context, tx *dynamo.Tx, sub string, ch chargeItem, via []string, now time.Time) (bool, error) {
	rules, err := rulesOf(ctx, c.d.DB, sub)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(rules, func(r ruleItem) bool { return r.Status == RuleActive && r.matches(ch, via) })
	if i < 0 {
		return false, nil
	}
	rule := rules[i]
	var had autopayItem
	switch err := c.d.DB.Get(ctx, dynamo.AutopayKey(sub, ch.UIN), "автоплатёж", &had); {
	case err == nil:
		return false, nil
	case !problem.Is(err, problem.KindNotFound):
		return false, err
	}
	due := ch.dueNow(now)
	k := dynamo.AutopayKey(sub, ch.UIN)
	it := autopayItem{PK: k.PK, SK: k.SK, Kind: kindAutopay, UIN: ch.UIN, Sub: sub, Rule: rule.ID, Method: rule.Method, Card: rule.Card,
		ChargeKind: ch.Type, Agency: ch.Agency, Purpose: ch.Purpose, Amount: due, Status: AutopayScheduled, PayAt: stamp(autopayAt(now)),
		CreatedAt: stamp(now), UpdatedAt: stamp(now), GSI1PK: dynamo.AutopaysPK(sub), GSI1SK: sortStamp(now) + "#" + ch.UIN, V: 1}
	reason := ""
	if _, err := (&Methods{c.d}).usable(ctx, sub, rule.Method, "paymentMethod", now); err != nil {
		pe, ok := problem.As(err)
		if !ok || len(pe.Fields) == 0 {
			return false, err
		}
		reason = pe.Fields[0].Message
	} else if due > rule.MaxPerCharge {
		reason = "сумма " + rub(due) + " больше предела правила автоплатежа " + rub(rule.MaxPerCharge)
	}
	if reason != "" {
		it.Status, it.Reason = AutopayFailed, reason
		tx.Create(it)
		_, err := c.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.AutopayFailed, Vars: messages.Vars{"Kind": kindNames[ch.Type], "Amount": due,
			"Reason": reason, "Link": autopaysLink}}, now)
		return err == nil, err
	}
	it.GSI2PK, it.GSI2SK = autopayDueKeys(sub, ch.UIN, autopayAt(now))
	tx.Create(it)
	_, err = c.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.AutopayScheduled, Vars: messages.Vars{"Kind": kindNames[ch.Type],
		"Purpose": ch.Purpose, "Amount": due, "Card": rule.Card, "PayAt": autopayAt(now), "Link": autopaysLink}}, now)
	return err == nil, err
}

// cancelScheduled cancels the scheduled autopays of the rules named (just
// cancelled). A failure is logged: the run finds the rule cancelled and
// ends them the same way.
func cancelScheduled(ctx context.Context, db *dynamo.Store, sub string, rules []string, reason string, now time.Time) {
	if len(rules) == 0 {
		return
	}
	items, err := every[autopayItem](ctx, db, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.AutopayPrefix, Forward: true, Consistent: true})
	if err != nil {
		logging.From(ctx).Warn("scheduled autopays of a cancelled rule left to the run", "err", err)
		return
	}
	for _, it := range items {
		if it.Status != AutopayScheduled || !slices.Contains(rules, it.Rule) {
			continue
		}
		tx := (&dynamo.Tx{}).Update(dynamo.AutopayKey(sub, it.UIN), endAutopay(AutopayCancelled, reason, it.V, now), versionIs(it.V, AutopayScheduled))
		if err := db.Transact(ctx, "", tx); err != nil && !problem.Is(err, problem.KindConflict) {
			logging.From(ctx).Warn("scheduled autopay of a cancelled rule left to the run", "err", err)
		}
	}
}

// endAutopay is the update that ends an autopay at version v: it leaves
// the due index.
func endAutopay(status, reason string, v int64, now time.Time) expression.UpdateBuilder {
	upd := expression.Set(expression.Name("Status"), expression.Value(status)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(v+1)).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
	if reason != "" {
		upd = upd.Set(expression.Name("Reason"), expression.Value(reason))
	}
	return upd
}

func versionIs(v int64, status string) *expression.ConditionBuilder {
	c := expression.Name(dynamo.AttrVersion).Equal(expression.Value(v)).And(expression.Name("Status").Equal(expression.Value(status)))
	return &c
}

// Autopays are a person's autopay rules and autopays, and the schedule's
// run that pays what is due.
type Autopays struct {
	d        Deps
	payments *Payments
	methods  *Methods
}

// NewAutopays needs what NewPayments needs, and Sealer.
func NewAutopays(d Deps) (*Autopays, error) {
	p, err := NewPayments(d)
	if err != nil {
		return nil, err
	}
	if err := d.need("Autopays", "Sealer"); err != nil {
		return nil, err
	}
	return &Autopays{d: d, payments: p, methods: &Methods{d}}, nil
}

// amountOf reads an amount field: an integer number of kopecks above 0.
func amountOf(field string, n json.Number, f *[]problem.Field) int64 {
	v, err := strconv.ParseInt(string(n), 10, 64)
	switch {
	case n == "":
		*f = append(*f, problem.Field{Field: field, Code: "autopay.amount_required", Message: "Укажите сумму в копейках"})
	case err != nil || v <= 0 || v > maxAmount:
		*f = append(*f, problem.Field{Field: field, Code: "autopay.amount", Message: "Сумма — целое число копеек больше нуля и не больше 1 000 000 000"})
	default:
		return v
	}
	return 0
}

// CreateRule makes an autopay rule: exactly one of a kind, an agency or
// one of the person's utility accounts, one of their linked cards, a
// maximum per charge (not above the amount that needs a code) and a
// larger or equal one per month. Errors: Invalid naming each bad field
// (an unknown kind or agency, another person's utility account or card),
// Conflict (a rule for the same charges, more than MaxRules).
func (a *Autopays) CreateRule(ctx context.Context, ac actor.Actor, in AutopayRuleInput) (AutopayRule, error) {
	sub, err := person(ac)
	if err != nil {
		return AutopayRule{}, err
	}
	now := a.d.Clock.Now()
	var f []problem.Field
	scopes := 0
	for _, s := range []string{in.Kind, in.Agency, in.UtilityAccount} {
		if s != "" {
			scopes++
		}
	}
	if scopes != 1 {
		f = append(f, problem.Field{Field: "kind", Code: "autopay.scope",
			Message: "Укажите одно из трёх: вид начислений (kind), ведомство (agency) или лицевой счёт (utilityAccount)"})
	}
	if in.Kind != "" && kindNames[in.Kind] == "" {
		f = append(f, problem.Field{Field: "kind", Code: "autopay.kind", Message: "Вид: fine, tax, duty, utility или enforcement"})
	}
	if _, ok := Agencies[in.Agency]; in.Agency != "" && !ok {
		f = append(f, problem.Field{Field: "agency", Code: "autopay.agency", Message: "Неизвестное ведомство"})
	}
	r := ruleItem{Kind: kindRule, ID: newID(), Status: RuleActive, ChargeKind: in.Kind, Agency: in.Agency, CreatedAt: stamp(now), UpdatedAt: stamp(now), V: 1}
	if in.UtilityAccount != "" {
		var u utilityItem
		var err error = problem.NotFound("лицевой счёт")
		if ValidMethodID(in.UtilityAccount) {
			err = a.d.DB.Get(ctx, dynamo.UtilityAccountKey(sub, in.UtilityAccount), "лицевой счёт", &u)
		}
		switch {
		case problem.Is(err, problem.KindNotFound):
			f = append(f, problem.Field{Field: "utilityAccount", Code: "autopay.utility_account", Message: "Такого лицевого счёта нет среди ваших"})
		case err != nil:
			return AutopayRule{}, err
		default:
			r.UtilityAccount, r.UtilityHash, r.UtilityMask = u.ID, u.Hash, u.Mask
		}
	}
	r.MaxPerCharge, r.MaxPerMonth = amountOf("maxPerCharge", in.MaxPerCharge, &f), amountOf("maxPerMonth", in.MaxPerMonth, &f)
	if a.d.ConfirmAbove > 0 && r.MaxPerCharge > a.d.ConfirmAbove {
		f = append(f, problem.Field{Field: "maxPerCharge", Code: "autopay.above_confirmation",
			Message: "Не больше " + rub(a.d.ConfirmAbove) + ": платёж больше подтверждается кодом, а автоплатёж не может его ввести"})
	}
	if r.MaxPerCharge > 0 && r.MaxPerMonth > 0 && r.MaxPerMonth < r.MaxPerCharge {
		f = append(f, problem.Field{Field: "maxPerMonth", Code: "autopay.month_below_charge", Message: "Предел за месяц не может быть меньше предела за один платёж"})
	}
	if in.PaymentMethod == "" {
		f = append(f, problem.Field{Field: "paymentMethod", Code: "payment_method.required", Message: "Выберите привязанную карту"})
	} else if m, err := a.methods.usable(ctx, sub, in.PaymentMethod, "paymentMethod", now); err != nil {
		pe, ok := problem.As(err)
		if !ok {
			return AutopayRule{}, err
		}
		f = append(f, pe.Fields...)
	} else {
		r.Method, r.Card = m.ID, m.mask()
	}
	if len(f) > 0 {
		return AutopayRule{}, problem.Invalid(f...)
	}
	have, err := rulesOf(ctx, a.d.DB, sub)
	if err != nil {
		return AutopayRule{}, err
	}
	active := 0
	for _, o := range have {
		if o.Status != RuleActive {
			continue
		}
		active++
		if o.sameScope(r) {
			return AutopayRule{}, problem.Conflict("autopay_rule_exists", "Правило автоплатежа для этих начислений уже есть: отмените его, чтобы создать новое")
		}
	}
	if active >= MaxRules {
		return AutopayRule{}, problem.Conflict("too_many_autopay_rules", fmt.Sprintf("Можно завести не больше %d правил автоплатежа", MaxRules))
	}
	k := dynamo.AutopayRuleKey(sub, r.ID)
	r.PK, r.SK = k.PK, k.SK
	tx := (&dynamo.Tx{}).Create(r)
	if err := a.journal(ctx, tx, sub, "Автоплатёж: "+r.what()+" до "+rub(r.MaxPerCharge)+" за начисление и "+rub(r.MaxPerMonth)+
		" в месяц, карта "+r.Card, journal.ActorCitizen); err != nil {
		return AutopayRule{}, err
	}
	if err := a.d.DB.Transact(ctx, "", tx); err != nil {
		return AutopayRule{}, err
	}
	return r.view(0), nil
}

// what names what a rule pays, in Russian.
func (r ruleItem) what() string {
	switch {
	case r.ChargeKind != "":
		return "начисления вида «" + kindNames[r.ChargeKind] + "»"
	case r.Agency != "":
		return "начисления ведомства «" + Agencies[r.Agency].Title + "»"
	}
	return "счета ЖКУ, " + r.UtilityMask
}

func (a *Autopays) journal(ctx context.Context, tx *dynamo.Tx, sub, summary, role string) error {
	return journalTx(ctx, a.d.Journal, tx, sub, summary, role)
}

// journalTx puts a payments entry of sub's journal in tx.
func journalTx(ctx context.Context, j *journal.Journal, tx *dynamo.Tx, sub, summary, role string) error {
	head, err := j.Head(ctx, sub)
	if err != nil {
		return err
	}
	_, err = j.AppendTx(ctx, tx, head, sub, journal.Entry{Type: journal.TypePayment, Summary: summary, Actor: role})
	return err
}

func (a *Autopays) used(ctx context.Context, sub, rule string, now time.Time) (int64, error) {
	_, month := periods(now)
	return a.payments.used(ctx, dynamo.AutopayRuleUsageKey(sub, rule, month))
}

// Rules are the person's autopay rules, oldest first, with what each paid
// this month.
func (a *Autopays) Rules(ctx context.Context, ac actor.Actor) ([]AutopayRule, error) {
	sub, err := person(ac)
	if err != nil {
		return nil, err
	}
	rules, err := rulesOf(ctx, a.d.DB, sub)
	if err != nil {
		return nil, err
	}
	now := a.d.Clock.Now()
	out := make([]AutopayRule, 0, len(rules))
	for _, r := range rules {
		var used int64
		if r.Status == RuleActive {
			if used, err = a.used(ctx, sub, r.ID, now); err != nil {
				return nil, err
			}
		}
		out = append(out, r.view(used))
	}
	return out, nil
}

// CancelRule cancels a rule at once: it pays nothing more (a payment it
// was about to make is refused by its own transaction), and its scheduled
// autopays are cancelled. Cancelling again changes nothing. NotFound for
// another person's rule.
func (a *Autopays) CancelRule(ctx context.Context, ac actor.Actor, id string) (AutopayRule, error) {
	sub, err := person(ac)
	if err != nil {
		return AutopayRule{}, err
	}
	var r ruleItem
	if !ValidMethodID(id) {
		return AutopayRule{}, problem.NotFound("правило автоплатежа")
	}
	if err := a.d.DB.Get(ctx, dynamo.AutopayRuleKey(sub, id), "правило автоплатежа", &r); err != nil {
		return AutopayRule{}, err
	}
	now := a.d.Clock.Now()
	if r.Status == RuleActive {
		tx := &dynamo.Tx{}
		cancelRuleTx(tx, r, "Отменено вами", now)
		if err := a.journal(ctx, tx, sub, "Отменён автоплатёж: "+r.what(), journal.ActorCitizen); err != nil {
			return AutopayRule{}, err
		}
		if err := a.d.DB.Transact(ctx, "", tx); err != nil {
			if problem.Is(err, problem.KindConflict) {
				return AutopayRule{}, problem.Conflict("autopay_rule_changed", "Правило изменилось: повторите запрос")
			}
			return AutopayRule{}, err
		}
		r.Status, r.CancelReason, r.CancelledAt = RuleCancelled, "Отменено вами", stamp(now)
	}
	cancelScheduled(ctx, a.d.DB, sub, []string{r.ID}, "Правило автоплатежа отменено", now)
	return r.view(0), nil
}

// List is a page of the person's autopays, newest first.
func (a *Autopays) List(ctx context.Context, ac actor.Actor, cursor string, limit int32) ([]Autopay, string, error) {
	sub, err := person(ac)
	if err != nil {
		return nil, "", err
	}
	items, next, err := dynamo.Collect(ctx, a.d.DB, dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.AutopaysPK(sub), Cursor: cursor},
		int(limit), func(autopayItem) bool { return true })
	if err != nil {
		return nil, "", err
	}
	out := make([]Autopay, 0, len(items))
	for _, it := range items {
		out = append(out, it.view())
	}
	return out, next, nil
}

// Cancel cancels one scheduled autopay (the charge stays to pay by hand).
// Cancelling again changes nothing. Errors: NotFound, Conflict (being
// paid, paid, failed).
func (a *Autopays) Cancel(ctx context.Context, ac actor.Actor, uin string) (Autopay, error) {
	sub, err := person(ac)
	if err != nil {
		return Autopay{}, err
	}
	if _, err := ValidUIN("id", uin); err != nil {
		return Autopay{}, problem.NotFound("автоплатёж")
	}
	var it autopayItem
	if err := a.d.DB.Get(ctx, dynamo.AutopayKey(sub, uin), "автоплатёж", &it); err != nil {
		return Autopay{}, err
	}
	switch it.Status {
	case AutopayCancelled:
		return it.view(), nil
	case AutopayPaying:
		return Autopay{}, problem.Conflict("autopay_in_progress", "Автоплатёж уже выполняется: отменить его нельзя")
	case AutopayPaid:
		return Autopay{}, problem.Conflict("autopay_paid", "Начисление уже оплачено автоплатежом")
	case AutopayFailed:
		return Autopay{}, problem.Conflict("autopay_failed", "Автоплатёж уже завершился неудачей: отменять нечего")
	}
	now := a.d.Clock.Now()
	tx := (&dynamo.Tx{}).Update(dynamo.AutopayKey(sub, uin), endAutopay(AutopayCancelled, "Отменён вами", it.V, now), versionIs(it.V, AutopayScheduled))
	if err := a.journal(ctx, tx, sub, "Отменён автоплатёж: "+kindNames[it.ChargeKind]+", "+rub(it.Amount)+", "+it.UIN, journal.ActorCitizen); err != nil {
		return Autopay{}, err
	}
	if err := a.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return Autopay{}, problem.Conflict("autopay_in_progress", "Автоплатёж уже выполняется: отменить его нельзя")
		}
		return Autopay{}, err
	}
	it.Status, it.Reason, it.UpdatedAt = AutopayCancelled, "Отменён вами", stamp(now)
	return it.view(), nil
}

// The run.

// AutopayStats is what a run did.
type AutopayStats struct {
	Due, Paid, Failed, Cancelled, Waiting, Skipped int
}

// Run pays the autopays due: each claimed once, whatever other run
// overlaps. One that cannot be settled now (the provider did not answer)
// waits for its claim to lapse and is tried by a later run.
func (a *Autopays) Run(ctx context.Context) (AutopayStats, error) {
	now := a.d.Clock.Now()
	var st AutopayStats
	for shard := 0; shard < AutopayShards; shard++ {
		page := dynamo.Page{Index: dynamo.IndexGSI2, Partition: dynamo.AutopayDuePK(shard), From: "0", To: sortStamp(now), Forward: true}
		for {
			var items []autopayItem
			next, err := a.d.DB.Query(ctx, page, &items)
			if err != nil {
				return st, err
			}
			for _, it := range items {
				st.Due++
				out, err := a.process(ctx, it.Sub, it.UIN, now)
				if err != nil {
					logging.From(ctx).Error("autopay not run", "uin", it.UIN, "err", err)
				}
				switch out {
				case AutopayPaid:
					st.Paid++
				case AutopayFailed:
					st.Failed++
				case AutopayCancelled:
					st.Cancelled++
				case AutopayPaying:
					st.Waiting++
				default:
					st.Skipped++
				}
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	return st, nil
}

// process runs one autopay and answers its status after (or "" when
// another run has it).
func (a *Autopays) process(ctx context.Context, sub, uin string, now time.Time) (string, error) {
	var cur autopayItem
	if err := a.d.DB.Get(ctx, dynamo.AutopayKey(sub, uin), "автоплатёж", &cur); err != nil {
		return "", err
	}
	switch {
	case cur.Status == AutopayScheduled && cur.PayAt <= stamp(now):
		cur.PaymentID = newPaymentID(now)
	case cur.Status == AutopayPaying && cur.GSI2SK != "" && cur.GSI2SK <= sortStamp(now):
		// A run that claimed it stopped: take over its payment.
	default:
		return "", nil
	}
	// The claim: only one run changes this version.
	cur.Attempts++
	gpk, gsk := autopayDueKeys(sub, uin, now.Add(autopayLease))
	upd := expression.Set(expression.Name("Status"), expression.Value(AutopayPaying)).
		Set(expression.Name("PaymentID"), expression.Value(cur.PaymentID)).
		Set(expression.Name("Attempts"), expression.Value(cur.Attempts)).
		Set(expression.Name(dynamo.AttrGSI2PK), expression.Value(gpk)).Set(expression.Name(dynamo.AttrGSI2SK), expression.Value(gsk)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Set(expression.Name(dynamo.AttrVersion), expression.Value(cur.V+1))
	if err := a.d.DB.Update(ctx, cur.key(), upd, versionIs(cur.V, cur.Status)); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return "", nil // another run claimed it, or the person cancelled it
		}
		return "", err
	}
	cur.V, cur.Status, cur.GSI2SK = cur.V+1, AutopayPaying, gsk
	_, exists, err := a.payments.payment(ctx, cur.PaymentID)
	if err != nil {
		return AutopayPaying, err
	}
	in := PayRequest{Charges: []string{uin}, PaymentMethod: cur.Method}
	if !exists {
		if cur.Attempts > maxAutopayAttempts {
			return a.finish(ctx, cur, AutopayFailed, "не удалось выполнить платёж: попробуйте оплатить вручную", now)
		}
		var r ruleItem
		err := a.d.DB.Get(ctx, dynamo.AutopayRuleKey(sub, cur.Rule), "правило автоплатежа", &r)
		switch {
		case problem.Is(err, problem.KindNotFound) || (err == nil && r.Status != RuleActive):
			return a.finish(ctx, cur, AutopayCancelled, "Правило автоплатежа отменено", now)
		case err != nil:
			return AutopayPaying, err
		}
		in.auto = &r
	} else if cur.Attempts > maxAutopayAttempts {
		// The payment is with the provider and the reconciliation: its
		// settlement ends the autopay.
		upd := expression.Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
		return AutopayPaying, a.d.DB.Update(ctx, cur.key(), upd, versionIs(cur.V, AutopayPaying))
	}
	_, _, err = a.payments.run(ctx, sub, cur.PaymentID, in.Charges, in, now)
	if err == nil || exists {
		return a.status(ctx, cur, err)
	}
	if _, made, rerr := a.payments.payment(ctx, cur.PaymentID); rerr != nil || made {
		// The payment was made: its settlement writes the outcome.
		return a.status(ctx, cur, err)
	}
	pe, ok := problem.As(err)
	switch {
	case !ok || pe.Kind == problem.KindUnavailable || pe.Kind == problem.KindInternal:
		return AutopayPaying, err // tried again once the claim lapses
	case pe.Code == "charge_paid" || pe.Code == "charge_being_paid" || pe.Code == "charge_cancelled":
		return a.finish(ctx, cur, AutopayCancelled, pe.Detail, now)
	case pe.Kind == problem.KindNotFound:
		return a.finish(ctx, cur, AutopayCancelled, "Начисления больше нет среди ваших", now)
	case pe.Kind == problem.KindConflict:
		return AutopayPaying, err
	}
	reason := pe.Detail
	if len(pe.Fields) > 0 {
		reason = pe.Fields[0].Message
	}
	return a.finish(ctx, cur, AutopayFailed, reason, now)
}

func (it autopayItem) key() dynamo.Key { return dynamo.AutopayKey(it.Sub, it.UIN) }

// status is the autopay's status as its payment left it.
func (a *Autopays) status(ctx context.Context, cur autopayItem, runErr error) (string, error) {
	var now autopayItem
	if err := a.d.DB.Get(ctx, cur.key(), "автоплатёж", &now); err != nil {
		return AutopayPaying, err
	}
	if now.Status == AutopayPaying {
		return AutopayPaying, runErr
	}
	return now.Status, nil
}

// finish ends a claimed autopay without a payment: a failure with its
// note and journal entry, in one transaction.
func (a *Autopays) finish(ctx context.Context, cur autopayItem, status, reason string, now time.Time) (string, error) {
	tx := (&dynamo.Tx{}).Update(cur.key(), endAutopay(status, reason, cur.V, now), versionIs(cur.V, AutopayPaying))
	if status == AutopayFailed {
		if err := a.payments.autopayFailedTx(ctx, tx, cur.Sub, cur.ChargeKind, cur.UIN, cur.Amount, reason, now); err != nil {
			return AutopayPaying, err
		}
	}
	if err := a.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return "", nil
		}
		return AutopayPaying, err
	}
	return status, nil
}

// autopayFailedTx puts the note and the journal entry of a failed autopay in tx.
func (p *Payments) autopayFailedTx(ctx context.Context, tx *dynamo.Tx, sub, kind, uin string, amount int64, reason string, now time.Time) error {
	if _, err := p.d.Inbox.Add(tx, inbox.Note{Sub: sub, Type: messages.AutopayFailed, Vars: messages.Vars{"Kind": kindNames[kind], "Amount": amount,
		"Reason": reason, "Link": autopaysLink}}, now); err != nil {
		return err
	}
	return journalTx(ctx, p.d.Journal, tx, sub, "Автоплатёж не выполнен: "+kindNames[kind]+", "+rub(amount)+", "+uin+": "+reason, journal.ActorSystem)
}

// What a payment of an autopay adds to its own transactions.

// autopayChecks refuses an autopay's payment of total beyond its rule:
// the maximum per charge and what is left of the month's.
func (p *Payments) autopayChecks(ctx context.Context, sub string, r *ruleItem, total int64, now time.Time) error {
	if total > r.MaxPerCharge {
		return problem.New(problem.KindInvalid, "autopay_over_charge_max",
			"Сумма "+rub(total)+" больше предела правила автоплатежа "+rub(r.MaxPerCharge))
	}
	_, month := periods(now)
	used, err := p.used(ctx, dynamo.AutopayRuleUsageKey(sub, r.ID, month))
	if err != nil {
		return err
	}
	if used+total > r.MaxPerMonth {
		left := max(r.MaxPerMonth-used, 0)
		return problem.New(problem.KindInvalid, "autopay_over_month_max",
			"Превышен предел автоплатежа в месяц "+rub(r.MaxPerMonth)+": доступно "+rub(left)).With("limit", r.MaxPerMonth).With("left", left)
	}
	return nil
}

// autopayOpenTx adds to a payment's opening the rule's conditions: still
// active, and the month's sum within its maximum (both checked by the
// transaction itself, so concurrent payments never go over).
func autopayOpenTx(tx *dynamo.Tx, sub string, r *ruleItem, total int64, now time.Time) {
	active := expression.Name("Status").Equal(expression.Value(RuleActive))
	tx.Update(dynamo.AutopayRuleKey(sub, r.ID), expression.Set(expression.Name("LastPaid"), expression.Value(stamp(now))), &active)
	_, month := periods(now)
	within := expression.AttributeNotExists(expression.Name("Amount")).Or(expression.Name("Amount").LessThanEqual(expression.Value(r.MaxPerMonth - total)))
	tx.Update(dynamo.AutopayRuleUsageKey(sub, r.ID, month), expression.Add(expression.Name("Amount"), expression.Value(total)).
		Set(expression.Name(dynamo.AttrKind), expression.Value(kindRuleUsage)).
		Set(expression.Name(dynamo.AttrTTL), expression.Value(now.Add(62*24*time.Hour).Unix())), &within)
}

// autopaySettledTx records, in a succeeded payment's settlement, that its
// autopay is paid.
func autopaySettledTx(tx *dynamo.Tx, pay paymentItem, now time.Time) {
	if pay.Autopay == "" || len(pay.Lines) == 0 {
		return
	}
	cond := expression.Name("PaymentID").Equal(expression.Value(pay.ID))
	upd := expression.Set(expression.Name("Status"), expression.Value(AutopayPaid)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Add(expression.Name(dynamo.AttrVersion), expression.Value(1)).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
	tx.Update(dynamo.AutopayKey(pay.Sub, pay.Lines[0].UIN), upd, &cond)
}

// autopayReleasedTx records, in the release of a payment that did not go
// through, that its autopay failed: the reason, the rule's month given
// back, a note and a journal entry.
func (p *Payments) autopayReleasedTx(ctx context.Context, tx *dynamo.Tx, pay paymentItem, reason string) error {
	if pay.Autopay == "" || len(pay.Lines) == 0 {
		return nil
	}
	now := p.d.Clock.Now()
	line := pay.Lines[0]
	cond := expression.Name("PaymentID").Equal(expression.Value(pay.ID))
	upd := expression.Set(expression.Name("Status"), expression.Value(AutopayFailed)).
		Set(expression.Name("Reason"), expression.Value(reason)).
		Set(expression.Name("UpdatedAt"), expression.Value(stamp(now))).
		Add(expression.Name(dynamo.AttrVersion), expression.Value(1)).
		Remove(expression.Name(dynamo.AttrGSI2PK)).Remove(expression.Name(dynamo.AttrGSI2SK))
	tx.Update(dynamo.AutopayKey(pay.Sub, line.UIN), upd, &cond)
	tx.Update(dynamo.AutopayRuleUsageKey(pay.Sub, pay.Autopay, pay.AutopayMonth), expression.Add(expression.Name("Amount"), expression.Value(-pay.Amount)), nil)
	return p.autopayFailedTx(ctx, tx, pay.Sub, line.Kind, line.UIN, pay.Amount, reason, now)
}
