package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Limits bound what a person pays through the portal: per payment, per
// day and per month (Moscow time), in kopecks; 0 is no limit. The
// deployment sets them (Deps.Limits); a person may lower their own.
type Limits struct {
	PerPayment int64 `json:"perPayment"`
	PerDay     int64 `json:"perDay"`
	PerMonth   int64 `json:"perMonth"`
}

// lower is the tighter of two limits (0: none).
func lower(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0 || a < b:
		return a
	}
	return b
}

func (l Limits) within(system Limits) Limits {
	return Limits{PerPayment: lower(l.PerPayment, system.PerPayment), PerDay: lower(l.PerDay, system.PerDay),
		PerMonth: lower(l.PerMonth, system.PerMonth)}
}

// LimitsView is a person's limits with what they used and have left.
type LimitsView struct {
	// Limits are those in force: the person's own where they set them
	// lower, the portal's otherwise.
	Limits
	// Own are what the person set (0: the portal's).
	Own Limits `json:"own"`
	// Portal are the portal's.
	Portal Limits `json:"portal"`
	// UsedToday and UsedThisMonth count payments made or under way.
	UsedToday     int64 `json:"usedToday"`
	UsedThisMonth int64 `json:"usedThisMonth"`
}

type limitsItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Kind       string `dynamodbav:"Kind"`
	PerPayment int64  `dynamodbav:"PerPayment"`
	PerDay     int64  `dynamodbav:"PerDay"`
	PerMonth   int64  `dynamodbav:"PerMonth"`
	UpdatedAt  string `dynamodbav:"UpdatedAt"`
}

type usageItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Kind   string `dynamodbav:"Kind"`
	Amount int64  `dynamodbav:"Amount"`
	TTL    int64  `dynamodbav:"TTL"`
}

const (
	kindLimits = "payment-limits"
	kindUsage  = "payment-usage"
)

// periods are the day and the month a payment made at t counts in.
func periods(t time.Time) (day, month string) {
	m := t.In(moscow)
	return m.Format("2006-01-02"), m.Format("2006-01")
}

func (p *Payments) own(ctx context.Context, sub string) (Limits, error) {
	var it limitsItem
	err := p.d.DB.Get(ctx, dynamo.PaymentLimitsKey(sub), "лимиты", &it)
	if problem.Is(err, problem.KindNotFound) {
		return Limits{}, nil
	}
	return Limits{PerPayment: it.PerPayment, PerDay: it.PerDay, PerMonth: it.PerMonth}, err
}

func (p *Payments) used(ctx context.Context, k dynamo.Key) (int64, error) {
	var it usageItem
	err := p.d.DB.Get(ctx, k, "расход", &it)
	if problem.Is(err, problem.KindNotFound) {
		return 0, nil
	}
	return it.Amount, err
}

// GetLimits is the person's limits and what they used.
func (p *Payments) GetLimits(ctx context.Context, a actor.Actor) (LimitsView, error) {
	sub, err := person(a)
	if err != nil {
		return LimitsView{}, err
	}
	return p.limitsOf(ctx, sub, p.d.Clock.Now())
}

func (p *Payments) limitsOf(ctx context.Context, sub string, now time.Time) (LimitsView, error) {
	own, err := p.own(ctx, sub)
	if err != nil {
		return LimitsView{}, err
	}
	day, month := periods(now)
	v := LimitsView{Limits: own.within(p.d.Limits), Own: own, Portal: p.d.Limits}
	if v.UsedToday, err = p.used(ctx, dynamo.PaymentUsageKey(sub, day)); err != nil {
		return LimitsView{}, err
	}
	if v.UsedThisMonth, err = p.used(ctx, dynamo.PaymentUsageKey(sub, month)); err != nil {
		return LimitsView{}, err
	}
	return v, nil
}

// SetLimits sets the person's own limits: each at most the portal's (0
// returns to the portal's). Errors: Invalid naming each bad limit.
func (p *Payments) SetLimits(ctx context.Context, a actor.Actor, l Limits) (LimitsView, error) {
	sub, err := person(a)
	if err != nil {
		return LimitsView{}, err
	}
	var fields []problem.Field
	for _, c := range []struct {
		field     string
		v, system int64
	}{{"perPayment", l.PerPayment, p.d.Limits.PerPayment}, {"perDay", l.PerDay, p.d.Limits.PerDay}, {"perMonth", l.PerMonth, p.d.Limits.PerMonth}} {
		switch {
		case c.v < 0:
			fields = append(fields, problem.Field{Field: c.field, Code: "limit.negative", Message: "Лимит — целое число копеек, не меньше нуля"})
		case c.system > 0 && c.v > c.system:
			fields = append(fields, problem.Field{Field: c.field, Code: "limit.above_portal",
				Message: "Лимит не может быть выше установленного порталом: " + rub(c.system)})
		}
	}
	if len(fields) > 0 {
		return LimitsView{}, problem.Invalid(fields...)
	}
	k := dynamo.PaymentLimitsKey(sub)
	now := p.d.Clock.Now()
	if err := p.d.DB.Put(ctx, limitsItem{PK: k.PK, SK: k.SK, Kind: kindLimits, PerPayment: l.PerPayment, PerDay: l.PerDay,
		PerMonth: l.PerMonth, UpdatedAt: stamp(now)}); err != nil {
		return LimitsView{}, err
	}
	return p.limitsOf(ctx, sub, now)
}

// overLimit is the refusal of a payment over a limit, with the limit and
// what is left of it.
func overLimit(period string, limit, left int64) error {
	names := map[string]string{"payment": "на один платёж", "day": "в день", "month": "в месяц"}
	if left < 0 {
		left = 0
	}
	return problem.New(problem.KindInvalid, "payment_limit_exceeded",
		fmt.Sprintf("Платёж превышает лимит %s: %s, доступно %s", names[period], rub(limit), rub(left))).
		With("period", period).With("limit", limit).With("left", left)
}

// checkLimits refuses a payment of total over the person's limits, as they
// stand now (the transaction's conditions hold them under concurrency).
func (p *Payments) checkLimits(ctx context.Context, sub string, total int64, now time.Time) (Limits, error) {
	v, err := p.limitsOf(ctx, sub, now)
	if err != nil {
		return Limits{}, err
	}
	switch {
	case v.PerPayment > 0 && total > v.PerPayment:
		return v.Limits, overLimit("payment", v.PerPayment, v.PerPayment)
	case v.PerDay > 0 && v.UsedToday+total > v.PerDay:
		return v.Limits, overLimit("day", v.PerDay, v.PerDay-v.UsedToday)
	case v.PerMonth > 0 && v.UsedThisMonth+total > v.PerMonth:
		return v.Limits, overLimit("month", v.PerMonth, v.PerMonth-v.UsedThisMonth)
	}
	return v.Limits, nil
}

// countUsage adds a payment to its day's and month's usage in tx, under
// the condition that neither goes over its limit.
func countUsage(tx *dynamo.Tx, sub string, l Limits, total int64, at time.Time) {
	day, month := periods(at)
	for _, u := range []struct {
		period string
		limit  int64
		ttl    time.Duration
	}{{day, l.PerDay, 48 * time.Hour}, {month, l.PerMonth, 62 * 24 * time.Hour}} {
		upd := expression.Add(expression.Name("Amount"), expression.Value(total)).
			Set(expression.Name(dynamo.AttrKind), expression.Value(kindUsage)).
			Set(expression.Name(dynamo.AttrTTL), expression.Value(at.Add(u.ttl).Unix()))
		var cond *expression.ConditionBuilder
		if u.limit > 0 {
			c := expression.AttributeNotExists(expression.Name("Amount")).Or(expression.Name("Amount").LessThanEqual(expression.Value(u.limit - total)))
			cond = &c
		}
		tx.Update(dynamo.PaymentUsageKey(sub, u.period), upd, cond)
	}
}

// uncountUsage gives a payment that did not go through back to its day and
// month, in tx.
func uncountUsage(tx *dynamo.Tx, sub string, total int64, at time.Time) {
	day, month := periods(at)
	for _, period := range []string{day, month} {
		tx.Update(dynamo.PaymentUsageKey(sub, period), expression.Add(expression.Name("Amount"), expression.Value(-total)), nil)
	}
}
