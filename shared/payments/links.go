package payments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/calendar"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/messages"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/reminders"
)

// A charge reaches a person through a link: an item in their partition
// (listed through GSI1 in the order they pay in) that copies what the list
// shows, the charge's version it copies, and why it is theirs — payer
// identifiers they hold ("kind#hash"), a look-up by УИН (viaUIN) or the
// application whose duty it is (viaApplication). Whoever changes a charge
// brings its links up to date after the change commits (syncOwners); a
// link behind its charge shows stale list data at worst until then, never
// a wrong card or a wrong amount to pay, which always come from the charge.

// Sticky reasons for a link, which no change of payer identifiers removes.
const (
	viaUIN         = "uin"
	viaApplication = "application"
)

type linkItem struct {
	PK              string   `dynamodbav:"PK"`
	SK              string   `dynamodbav:"SK"`
	Kind            string   `dynamodbav:"Kind"`
	GSI1PK          string   `dynamodbav:"GSI1PK"`
	GSI1SK          string   `dynamodbav:"GSI1SK"`
	UIN             string   `dynamodbav:"UIN"`
	Agency          string   `dynamodbav:"Agency"`
	Type            string   `dynamodbav:"Type"`
	Purpose         string   `dynamodbav:"Purpose"`
	Amount          int64    `dynamodbav:"Amount"`
	PaidAmount      int64    `dynamodbav:"PaidAmount"`
	Due             string   `dynamodbav:"Due"`
	DiscountPercent int      `dynamodbav:"DiscountPercent,omitempty"`
	DiscountUntil   string   `dynamodbav:"DiscountUntil,omitempty"`
	Status          string   `dynamodbav:"Status"`
	PaymentID       string   `dynamodbav:"PaymentID,omitempty"`
	Via             []string `dynamodbav:"Via,stringset,omitempty"`
	ChargeV         int64    `dynamodbav:"ChargeV"`
	LinkedAt        string   `dynamodbav:"LinkedAt"`
	// RequestType marks a request about the charge being decided.
	RequestType string `dynamodbav:"RequestType,omitempty"`
}

func newLink(sub string, ch chargeItem, via []string, linkedAt string) linkItem {
	k := dynamo.ChargeLinkKey(sub, ch.UIN)
	it := linkItem{PK: k.PK, SK: k.SK, Kind: kindLink, GSI1PK: dynamo.ChargesPK(sub), GSI1SK: dynamo.ChargesSK(rank(ch.Status), ch.Due, ch.UIN),
		UIN: ch.UIN, Agency: ch.Agency, Type: ch.Type, Purpose: ch.Purpose, Amount: ch.Amount, PaidAmount: ch.paid(), Due: ch.Due,
		Status: ch.Status, PaymentID: ch.PaymentID, Via: via, ChargeV: ch.V, LinkedAt: linkedAt, RequestType: ch.RequestType}
	if ch.Discount != nil {
		it.DiscountPercent, it.DiscountUntil = ch.Discount.Percent, ch.Discount.Until
	}
	return it
}

// payerVia are the payer identifiers among a link's reasons.
func payerVia(via []string) []string {
	var out []string
	for _, v := range via {
		if strings.Contains(v, "#") {
			out = append(out, v)
		}
	}
	return out
}

// owners finds who a charge is for now: the holders of its payer
// identifiers, each with the identifiers they hold. A SNILS or an INN
// counts only for an account of standard level or above, whose identity
// was checked; the rest are held by whoever registered them.
func (c *Charges) owners(ctx context.Context, ch chargeItem) (map[string][]string, error) {
	out := map[string][]string{}
	for _, p := range ch.Payers {
		kind, hash, _ := strings.Cut(p, "#")
		switch kind {
		case IDSNILS, IDINN:
			sub, level, err := c.d.People.HolderOf(ctx, kind, hash)
			if problem.Is(err, problem.KindNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if level.AtLeast(accounts.LevelStandard) {
				out[sub] = append(out[sub], p)
			}
		default:
			subs, err := c.holders(ctx, kind, hash)
			if err != nil {
				return nil, err
			}
			for _, sub := range subs {
				out[sub] = append(out[sub], p)
			}
		}
	}
	return out, nil
}

// syncOwners brings every link of a charge up to date with it: new holders
// get a link (and a note), holders who no longer match lose an unpaid
// link, the rest follow the change. It returns the charge as it then is.
// A failure leaves the charge committed and is Unavailable: repeating the
// call that changed it finishes the job.
func (c *Charges) syncOwners(ctx context.Context, ch chargeItem) (chargeItem, error) {
	want, err := c.owners(ctx, ch)
	if err != nil {
		return ch, err
	}
	for _, sub := range ch.Owners {
		if _, ok := want[sub]; !ok {
			want[sub] = nil
		}
	}
	var failed []error
	for sub, via := range want {
		next, err := c.syncLink(ctx, ch, sub, via, "", false)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		ch = next
	}
	if len(failed) > 0 {
		logging.From(ctx).Error("charge links not all updated", "uin", ch.UIN, "failed", len(failed), "err", errors.Join(failed...))
		return ch, problem.Wrap(errors.Join(failed...), problem.KindUnavailable, "charge_links_pending",
			"Начисление сохранено, но не все получатели пока его видят: повторите запрос")
	}
	return ch, nil
}

// syncLink brings sub's link of ch up to date: payerVia are the payer
// identifiers of ch sub holds now (nil: none), sticky adds a reason no
// identifier change removes (viaUIN, viaApplication). quiet links without
// a note (the person is looking at the charge as it is linked). It retries
// a race with another writer of the link or the charge, and returns the
// charge as last read.
func (c *Charges) syncLink(ctx context.Context, ch chargeItem, sub string, payerIDs []string, sticky string, quiet bool) (chargeItem, error) {
	for attempt := 0; ; attempt++ {
		var old *linkItem
		var it linkItem
		switch err := c.d.DB.Get(ctx, dynamo.ChargeLinkKey(sub, ch.UIN), "начисление", &it); {
		case err == nil:
			old = &it
		case !problem.Is(err, problem.KindNotFound):
			return ch, err
		}
		tx, err := c.linkTx(ctx, ch, old, sub, payerIDs, sticky, quiet)
		if err != nil || tx == nil {
			return ch, err
		}
		err = c.d.DB.Transact(ctx, "", tx.Tx)
		if err == nil {
			switch {
			case old == nil:
				ch.Owners = append(ch.Owners, sub)
				ch.V++
			case !tx.owner:
				ch.Owners = slices.DeleteFunc(ch.Owners, func(s string) bool { return s == sub })
				ch.V++
			}
			return ch, nil
		}
		if !retryable(err) || attempt == maxAttempts-1 {
			return ch, err
		}
		cur, exists, rerr := c.charge(ctx, ch.UIN)
		if rerr != nil {
			return ch, rerr
		}
		if !exists {
			return ch, notFound()
		}
		ch = cur
	}
}

// linkWrite is a transaction of a link's change, and whether sub is an
// owner of the charge after it.
type linkWrite struct {
	*dynamo.Tx
	owner bool
}

// linkTx builds the change of sub's link (nil when there is none to make).
// The charge's version is a condition of the transaction: a charge changed
// meanwhile makes it fail, and the caller reads the charge again.
func (c *Charges) linkTx(ctx context.Context, ch chargeItem, old *linkItem, sub string, payerIDs []string, sticky string, quiet bool) (*linkWrite, error) {
	now := c.d.Clock.Now()
	var via []string
	if old != nil {
		for _, v := range old.Via {
			if !strings.Contains(v, "#") {
				via = append(via, v)
			}
		}
	}
	if sticky != "" && !slices.Contains(via, sticky) {
		via = append(via, sticky)
	}
	via = append(via, payerIDs...)
	slices.Sort(via)
	w := &linkWrite{Tx: &dynamo.Tx{}, owner: true}
	chargeVersion := expression.Name(dynamo.AttrVersion).Equal(expression.Value(ch.V))
	switch {
	case old == nil && len(via) == 0:
		return nil, nil
	case old == nil:
		// Adding an owner moves the charge's version, so that a concurrent
		// post of the whole charge cannot write its owners back without it.
		link := newLink(sub, ch, via, stamp(now))
		link.ChargeV = ch.V + 1
		w.Create(link)
		w.Update(dynamo.ChargeKey(ch.UIN), expression.Add(expression.Name("Owners"), expression.Value(stringSet{sub})).
			Set(expression.Name(dynamo.AttrVersion), expression.Value(ch.V+1)), &chargeVersion)
		if err := c.plan(w.Tx, sub, ch, nil, now); err != nil {
			return nil, err
		}
		if !quiet { // a person looking the charge up is no agency's match
			if err := c.recordMatch(w.Tx, ch, sub, payerIDs); err != nil {
				return nil, err
			}
		}
		auto := false
		if payable(ch.Status) && !quiet && len(payerIDs) > 0 {
			// Found for the person by what they hold: an autopay rule of
			// theirs may pay it, and its notice is the note.
			var err error
			if auto, err = c.autopayFor(ctx, w.Tx, sub, ch, via, now); err != nil {
				return nil, err
			}
		}
		if payable(ch.Status) && !quiet && !auto {
			if _, err := c.d.Inbox.Add(w.Tx, inbox.Note{Sub: sub, Type: messages.ChargeIssued, Vars: messages.Vars{"Kind": kindNames[ch.Type], "Amount": ch.dueNow(now), "DueDate": ch.Due,
				"Payee": payeeTitle(ch), "Link": chargeLink(ch.UIN)}}, now); err != nil {
				return nil, err
			}
		}
		return w, nil
	case len(via) == 0 && (payable(ch.Status) || ch.Status == StatusCancelled):
		// The person no longer holds what the charge was found by, and has
		// not paid it: it is not theirs.
		w.owner = false
		w.DeleteIf(dynamo.ChargeLinkKey(sub, ch.UIN), expression.Name("ChargeV").Equal(expression.Value(old.ChargeV)))
		// The whole set is written under the version condition (DELETE of
		// a set member is avoided: the local DynamoDB gets it wrong).
		rest := slices.DeleteFunc(slices.Clone(ch.Owners), func(s string) bool { return s == sub })
		upd := expression.Set(expression.Name(dynamo.AttrVersion), expression.Value(ch.V+1))
		if len(rest) == 0 {
			upd = upd.Remove(expression.Name("Owners"))
		} else {
			upd = upd.Set(expression.Name("Owners"), expression.Value(stringSet(rest)))
		}
		w.Update(dynamo.ChargeKey(ch.UIN), upd, &chargeVersion)
		gone := ch
		gone.Status = StatusCancelled
		if err := c.plan(w.Tx, sub, gone, old, now); err != nil {
			return nil, err
		}
		return w, nil
	case old.ChargeV == ch.V && slices.Equal(old.Via, via):
		return nil, nil
	}
	link := newLink(sub, ch, via, old.LinkedAt)
	w.PutIf(link, expression.Name("ChargeV").Equal(expression.Value(old.ChargeV)))
	w.Update(dynamo.ChargeKey(ch.UIN), expression.Set(expression.Name(dynamo.AttrVersion), expression.Value(ch.V)), &chargeVersion)
	if err := c.plan(w.Tx, sub, ch, old, now); err != nil {
		return nil, err
	}
	var note *inbox.Note
	switch {
	case ch.Status == StatusCancelled && old.Status != StatusCancelled:
		note = &inbox.Note{Sub: sub, Type: messages.ChargeCancelled,
			Vars: messages.Vars{"Kind": kindNames[ch.Type], "Amount": ch.Amount, "Payee": payeeTitle(ch), "Link": chargeLink(ch.UIN)}}
	case payable(ch.Status) && (old.Amount != ch.Amount || old.Due != ch.Due || old.PaidAmount != ch.paid()):
		note = &inbox.Note{Sub: sub, Type: messages.ChargeChanged,
			Vars: messages.Vars{"Kind": kindNames[ch.Type], "Amount": ch.dueNow(now), "DueDate": ch.Due, "Link": chargeLink(ch.UIN)}}
	}
	if note != nil && !quiet {
		if _, err := c.d.Inbox.Add(w.Tx, *note, now); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// stringSet is a value of a DynamoDB string set (not empty), for ADD and SET.
type stringSet []string

// MarshalDynamoDBAttributeValue makes it a set, not a list.
func (s stringSet) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberSS{Value: s}, nil
}

// plan sets sub's reminders and calendar entries of ch as it now is (old:
// the link as it was, whose entries may have to move): a payable charge is
// reminded of before its due date and before its discount ends, and sits
// in the calendar on both days; anything else has neither.
func (c *Charges) plan(tx *dynamo.Tx, sub string, ch chargeItem, old *linkItem, now time.Time) error {
	dueEntry := dueEntryOf(ch)
	var discountEntry calendar.Entry
	discount := payable(ch.Status) && ch.discountActive(now)
	if discount {
		until, _ := time.Parse(dateLayout, ch.Discount.Until)
		discountEntry = calendar.Entry{ID: "charge-" + ch.UIN + "-discount", Kind: calendar.KindPayment, AllDay: true, Start: until,
			Title: fmt.Sprintf("Последний день скидки %d %%: %s, %s", ch.Discount.Percent, kindNames[ch.Type], rub(ch.dueNow(now))),
			Link:  chargeLink(ch.UIN)}
	}
	// The entries as they were, if they were there.
	var oldDue, oldDiscount time.Time
	if old != nil && payable(old.Status) {
		oldDue, _ = time.Parse(dateLayout, old.Due)
		if old.DiscountUntil != "" {
			oldDiscount, _ = time.Parse(dateLayout, old.DiscountUntil)
		}
	}
	place := func(e calendar.Entry, keep bool, was time.Time) {
		if !was.IsZero() && (!keep || !was.Equal(e.Start)) {
			tx.Delete(calendar.Key(sub, calendar.Entry{ID: e.ID, Start: was}), false)
		}
		if keep {
			calendar.Add(tx, sub, e)
		}
	}
	place(dueEntry, payable(ch.Status), oldDue)
	if discountEntry.ID == "" {
		discountEntry.ID = "charge-" + ch.UIN + "-discount"
	}
	place(discountEntry, discount, oldDiscount)

	if !payable(ch.Status) {
		reminders.CancelChargeDue(tx, sub, ch.UIN)
		reminders.CancelChargeDiscount(tx, sub, ch.UIN)
		return nil
	}
	if err := remindDue(tx, sub, ch, now); err != nil {
		return err
	}
	if !discount {
		reminders.CancelChargeDiscount(tx, sub, ch.UIN)
		return nil
	}
	until, _ := time.Parse(dateLayout, ch.Discount.Until)
	return reminders.ChargeDiscount(tx, sub, ch.UIN, at10(until), now,
		messages.Vars{"Percent": ch.Discount.Percent, "Amount": ch.dueNow(now), "Until": ch.Discount.Until, "Link": chargeLink(ch.UIN)})
}

// dueEntryOf is the calendar entry of a charge's due date, with what is
// left to pay.
func dueEntryOf(ch chargeItem) calendar.Entry {
	due, _ := time.Parse(dateLayout, ch.Due)
	return calendar.Entry{ID: "charge-" + ch.UIN, Kind: calendar.KindPayment, AllDay: true, Start: due,
		Title: "Срок оплаты: " + kindNames[ch.Type] + ", " + rub(ch.Amount-ch.paid()), Link: chargeLink(ch.UIN)}
}

// remindDue plans the reminders of a charge's due date, of what is left
// to pay.
func remindDue(tx *dynamo.Tx, sub string, ch chargeItem, now time.Time) error {
	due, _ := time.Parse(dateLayout, ch.Due)
	return reminders.ChargeDue(tx, sub, ch.UIN, at10(due), now,
		messages.Vars{"Kind": kindNames[ch.Type], "Amount": ch.Amount - ch.paid(), "DueDate": ch.Due, "Link": chargeLink(ch.UIN)})
}

// at10 is 10:00 in Moscow on a date: when reminders of it go out.
func at10(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, moscow)
}

func chargeLink(uin string) string { return "/charges/" + uin }

func payeeTitle(ch chargeItem) string {
	if a, ok := Agencies[ch.Agency]; ok {
		return a.Title
	}
	return ch.Payee.Name
}

// rub formats kopecks as "1 234,56 ₽".
func rub(k int64) string { return messages.Money(k) }

// payerCategories are the access log's categories of payer identifiers.
var payerCategories = map[string]personaldata.Category{IDSNILS: personaldata.SNILS, IDINN: personaldata.INN,
	IDDriverLicence: personaldata.Documents, IDVehicleCert: personaldata.Vehicles, IDUtility: personaldata.Utility}

// recordMatch records in the person's access log, with their new link,
// that the agency's charge was matched to them by the payer identifiers
// they hold (a link by УИН or by an application is theirs, not a match).
func (c *Charges) recordMatch(tx *dynamo.Tx, ch chargeItem, sub string, payerIDs []string) error {
	if c.d.Reads == nil || len(payerIDs) == 0 {
		return nil
	}
	var cats []personaldata.Category
	for _, p := range payerIDs {
		kind, _, _ := strings.Cut(p, "#")
		if cat, ok := payerCategories[kind]; ok && !slices.Contains(cats, cat) {
			cats = append(cats, cat)
		}
	}
	org := Agencies[ch.Agency].Title
	if org == "" {
		org = ch.Agency
	}
	// The charge does not keep which of the agency's clients posted it.
	return c.d.Reads.RecordTx(tx, accesslog.Read{Owner: sub, By: actor.Agency(ch.Agency, "charges"), Organisation: org,
		Categories: cats, Reason: accesslog.ForCharge(ch.UIN)})
}
