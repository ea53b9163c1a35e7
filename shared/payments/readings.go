package payments

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Meter readings of a utility account: the person submits a value per
// meter, never lower than the last accepted one, within the provider's
// window of the month; the provider's system reads them through its agency
// route and posts the resulting charge.

// ReadingWindow is the days of a month (Moscow) a provider accepts
// readings in, both included.
type ReadingWindow struct{ From, To int }

// ReadingWindows are the providers' windows (the demonstration provider
// "eirc" takes them from the 15th to the 25th).
var ReadingWindows = map[string]ReadingWindow{"eirc": {From: 15, To: 25}}

// DefaultReadingWindow applies to a provider not listed.
var DefaultReadingWindow = ReadingWindow{From: 15, To: 25}

// MaxMeters bounds the meters of one submission.
const MaxMeters = 10

// Reading is one meter's value as the person reads it off the meter.
type Reading struct {
	Meter string `json:"meter"`
	// Value is up to three decimals; it is kept in thousandths of the
	// meter's unit (123.456 m³ is 123456), so no float rounding touches it.
	Value Decimal `json:"value"`
}

// Decimal is a non-negative decimal as sent: a JSON number or a string of
// one.
type Decimal string

// UnmarshalJSON keeps the digits sent.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	*d = Decimal(strings.Trim(string(b), `"`))
	return nil
}

var decimalPattern = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,3})?$`)

// milli is the value in thousandths; ok is false for anything but a
// non-negative decimal of up to 9 digits and 3 places.
func (d Decimal) milli() (int64, bool) {
	s := string(d)
	if !decimalPattern.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "000")[:3]
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*1000 + f, true
}

var meterPattern = regexp.MustCompile(`^[0-9A-Za-zА-Яа-яЁё -]{1,20}$`)

// ReadingView is an accepted reading.
type ReadingView struct {
	Meter       string    `json:"meter"`
	Value       string    `json:"value"`
	Previous    string    `json:"previous,omitempty"`
	SubmittedAt time.Time `json:"submittedAt"`
}

func formatMilli(v int64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%03d", v/1000, v%1000), "0"), ".")
}

type meterItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Kind  string `dynamodbav:"Kind"`
	Meter string `dynamodbav:"Meter"`
	Value int64  `dynamodbav:"Value"`
	At    string `dynamodbav:"At"`
}

type readingItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Kind     string `dynamodbav:"Kind"`
	Provider string `dynamodbav:"Provider"`
	// Account is the provider's own account number, for its system.
	Account  string `dynamodbav:"Account"`
	Meter    string `dynamodbav:"Meter"`
	Value    int64  `dynamodbav:"Value"`
	Previous int64  `dynamodbav:"Previous"`
	At       string `dynamodbav:"At"`
	GSI1PK   string `dynamodbav:"GSI1PK"`
	GSI1SK   string `dynamodbav:"GSI1SK"`
}

const (
	kindMeter   = "meter"
	kindReading = "meter-reading"
)

// SubmitReadings accepts readings of one of the person's utility accounts:
// every meter's value at least its last accepted one, within the
// provider's window. Two submissions at once for one meter: one wins, the
// other is refused as stale. Errors: Invalid naming each bad reading (or
// the window), NotFound for another person's account, Conflict.
func (c *Charges) SubmitReadings(ctx context.Context, a actor.Actor, accountID string, in []Reading) ([]ReadingView, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	var acc utilityItem
	if err := c.d.DB.Get(ctx, dynamo.UtilityAccountKey(sub, accountID), "лицевой счёт", &acc); err != nil {
		return nil, err
	}
	now := c.d.Clock.Now()
	w, ok := ReadingWindows[acc.Provider]
	if !ok {
		w = DefaultReadingWindow
	}
	if d := now.In(moscow).Day(); d < w.From || d > w.To {
		return nil, problem.Invalid(problem.Field{Field: "readings", Code: "readings.window",
			Message: fmt.Sprintf("Показания принимаются с %d по %d число месяца", w.From, w.To)})
	}
	var fields []problem.Field
	values := make([]int64, len(in))
	seen := map[string]bool{}
	if len(in) == 0 || len(in) > MaxMeters {
		fields = append(fields, problem.Field{Field: "readings", Code: "readings.count", Message: fmt.Sprintf("Передайте от 1 до %d показаний", MaxMeters)})
	}
	for i, r := range in {
		field := fmt.Sprintf("readings[%d]", i)
		r.Meter = strings.TrimSpace(r.Meter)
		in[i].Meter = r.Meter
		if !meterPattern.MatchString(r.Meter) {
			fields = append(fields, problem.Field{Field: field + ".meter", Code: "meter.name", Message: "Счётчик — до 20 букв, цифр, пробелов или дефисов"})
		} else if seen[r.Meter] {
			fields = append(fields, problem.Field{Field: field + ".meter", Code: "meter.duplicate", Message: "Счётчик указан дважды"})
		}
		seen[r.Meter] = true
		v, ok := r.Value.milli()
		if !ok {
			fields = append(fields, problem.Field{Field: field + ".value", Code: "reading.value",
				Message: "Показание — неотрицательное число, не больше трёх знаков после точки"})
		}
		values[i] = v
	}
	if len(fields) > 0 {
		return nil, problem.Invalid(fields...)
	}
	last := make([]meterItem, len(in))
	for i, r := range in {
		err := c.d.DB.Get(ctx, dynamo.MeterKey(sub, accountID, r.Meter), "счётчик", &last[i])
		switch {
		case problem.Is(err, problem.KindNotFound):
			last[i] = meterItem{Value: -1}
		case err != nil:
			return nil, err
		case values[i] < last[i].Value:
			fields = append(fields, problem.Field{Field: fmt.Sprintf("readings[%d].value", i), Code: "reading.lower",
				Message: "Показание не может быть меньше предыдущего: " + formatMilli(last[i].Value)})
		}
	}
	if len(fields) > 0 {
		return nil, problem.Invalid(fields...)
	}
	at := stamp(now)
	tx := &dynamo.Tx{}
	out := make([]ReadingView, len(in))
	for i, r := range in {
		mk := dynamo.MeterKey(sub, accountID, r.Meter)
		cond := expression.AttributeNotExists(expression.Name(dynamo.AttrPK))
		if last[i].Value >= 0 {
			cond = expression.Name("Value").Equal(expression.Value(last[i].Value))
		}
		tx.PutIf(meterItem{PK: mk.PK, SK: mk.SK, Kind: kindMeter, Meter: r.Meter, Value: values[i], At: at}, cond)
		rk := dynamo.ReadingKey(sub, accountID, r.Meter, sortStamp(now))
		prev := int64(math.Max(float64(last[i].Value), 0))
		tx.Create(readingItem{PK: rk.PK, SK: rk.SK, Kind: kindReading, Provider: acc.Provider, Account: acc.Account, Meter: r.Meter,
			Value: values[i], Previous: prev, At: at, GSI1PK: dynamo.ProviderReadingsPK(acc.Provider), GSI1SK: sortStamp(now) + "#" + rk.SK})
		out[i] = ReadingView{Meter: r.Meter, Value: formatMilli(values[i]), SubmittedAt: now}
		if last[i].Value >= 0 {
			out[i].Previous = formatMilli(last[i].Value)
		}
	}
	if err := c.d.DB.Transact(ctx, "", tx); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return nil, problem.Conflict("readings_stale", "Показания этого счётчика только что переданы: обновите страницу и проверьте их")
		}
		return nil, err
	}
	return out, nil
}

// ProviderReading is a reading as the provider's system reads it.
type ProviderReading struct {
	Account     string    `json:"account"`
	Meter       string    `json:"meter"`
	Value       string    `json:"value"`
	Previous    string    `json:"previous"`
	SubmittedAt time.Time `json:"submittedAt"`
}

// ProviderReadings is a page of the readings submitted for the calling
// utility provider's accounts, oldest first from since. Only the utility
// agency's system may read them; each provider sees its own (the
// demonstration deployment has one, "eirc").
func (c *Charges) ProviderReadings(ctx context.Context, a actor.Actor, provider string, since time.Time, cursor string, limit int32) ([]ProviderReading, string, error) {
	if err := a.RequireAgency("utility"); err != nil {
		return nil, "", err
	}
	if _, ok := ReadingWindows[provider]; !ok {
		return nil, "", problem.Invalid(problem.Field{Field: "provider", Code: "utility.provider", Message: "Неизвестный поставщик услуг"})
	}
	p := dynamo.Page{Index: dynamo.IndexGSI1, Partition: dynamo.ProviderReadingsPK(provider), Forward: true, Cursor: cursor}
	if !since.IsZero() {
		p.From, p.To = sortStamp(since), "9"
	}
	items, next, err := dynamo.Collect(ctx, c.d.DB, p, int(limit), func(readingItem) bool { return true })
	if err != nil {
		return nil, "", err
	}
	out := make([]ProviderReading, 0, len(items))
	for _, it := range items {
		out = append(out, ProviderReading{Account: it.Account, Meter: it.Meter, Value: formatMilli(it.Value), Previous: formatMilli(it.Previous),
			SubmittedAt: parseStamp(it.At)})
	}
	return out, next, nil
}

// Readings are the accepted readings of one of the person's utility
// accounts, newest first.
func (c *Charges) Readings(ctx context.Context, a actor.Actor, accountID string) ([]ReadingView, error) {
	sub, err := person(a)
	if err != nil {
		return nil, err
	}
	var acc utilityItem
	if err := c.d.DB.Get(ctx, dynamo.UtilityAccountKey(sub, accountID), "лицевой счёт", &acc); err != nil {
		return nil, err
	}
	items, _, err := dynamo.Collect(ctx, c.d.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ReadingPrefix(accountID)},
		dynamo.MaxPageSize, func(readingItem) bool { return true })
	if err != nil {
		return nil, err
	}
	out := make([]ReadingView, 0, len(items))
	for _, it := range items {
		out = append(out, ReadingView{Meter: it.Meter, Value: formatMilli(it.Value), Previous: formatMilli(it.Previous), SubmittedAt: parseStamp(it.At)})
	}
	return out, nil
}
