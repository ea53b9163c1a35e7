package reminders

import (
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/messages"
)

// The portal's reminder plans: what each dated thing is reminded of, and
// when. Features call these in the transaction that creates or moves the
// thing, and Cancel* when it goes away.

// ChargeDue reminds of a charge 3 days and 1 day before it is due (at
// the hour of due), skipping a day already past.
func ChargeDue(tx *dynamo.Tx, sub, chargeID string, due, now time.Time, vars messages.Vars) error {
	return beforeDays(tx, sub, "charge-"+chargeID, messages.ChargeDue, due, now, vars)
}

// CancelChargeDue removes a paid or cancelled charge's reminders.
func CancelChargeDue(tx *dynamo.Tx, sub, chargeID string) {
	cancelDays(tx, sub, "charge-"+chargeID)
}

// ChargeDiscount reminds 3 days and 1 day before a fine's discount ends
// (until is its last day, at the hour of reminding).
func ChargeDiscount(tx *dynamo.Tx, sub, chargeID string, until, now time.Time, vars messages.Vars) error {
	return beforeDays(tx, sub, "discount-"+chargeID, messages.ChargeDiscountEnds, until, now, vars)
}

// CancelChargeDiscount removes the reminders of a discount no longer there.
func CancelChargeDiscount(tx *dynamo.Tx, sub, chargeID string) {
	cancelDays(tx, sub, "discount-"+chargeID)
}

// chargeDays are how many days before a date a charge is reminded of.
var chargeDays = []int{3, 1}

func beforeDays(tx *dynamo.Tx, sub, prefix, typ string, at, now time.Time, vars messages.Vars) error {
	for _, before := range chargeDays {
		id := fmt.Sprintf("%s-%dd", prefix, before)
		when := at.AddDate(0, 0, -before)
		if !when.After(now) {
			Cancel(tx, sub, id)
			continue
		}
		if err := Schedule(tx, Reminder{Sub: sub, ID: id, At: when, Type: typ, Vars: vars}); err != nil {
			return err
		}
	}
	return nil
}

func cancelDays(tx *dynamo.Tx, sub, prefix string) {
	for _, before := range chargeDays {
		Cancel(tx, sub, fmt.Sprintf("%s-%dd", prefix, before))
	}
}

// Appointment reminds of an appointment 24 hours before it.
func Appointment(tx *dynamo.Tx, sub, appointmentID string, at time.Time, vars messages.Vars) error {
	return Schedule(tx, Reminder{Sub: sub, ID: "appointment-" + appointmentID, At: at.Add(-24 * time.Hour),
		Type: messages.AppointmentReminder, Vars: vars})
}

// DocumentExpiry reminds 30 days before an identity document expires.
func DocumentExpiry(tx *dynamo.Tx, sub, documentID, document string, expires time.Time) error {
	return Schedule(tx, Reminder{Sub: sub, ID: "document-" + documentID, At: expires.AddDate(0, 0, -30),
		Type: messages.DocumentExpiring, Vars: messages.Vars{"Document": document, "ExpiresAt": expires}})
}

// PassportReplacement reminds that an internal passport must be replaced at
// 20 and at 45: a month before each birthday, with the deadline 90 days
// after it (the passport is valid until then). Birthdays already passed are
// skipped.
func PassportReplacement(tx *dynamo.Tx, sub string, birth, now time.Time) error {
	for _, age := range []int{20, 45} {
		birthday := birth.AddDate(age, 0, 0)
		by := birthday.AddDate(0, 0, 90)
		if by.Before(now) {
			continue
		}
		if err := Schedule(tx, Reminder{Sub: sub, ID: fmt.Sprintf("passport-%d", age), At: birthday.AddDate(0, -1, 0),
			Type: messages.PassportReplace, Vars: messages.Vars{"Age": age, "By": by}}); err != nil {
			return err
		}
	}
	return nil
}

// ConsentExpiry reminds 14 days before a consent to share data expires.
func ConsentExpiry(tx *dynamo.Tx, sub, consentID, recipient string, expires time.Time) error {
	return Schedule(tx, Reminder{Sub: sub, ID: "consent-" + consentID, At: expires.AddDate(0, 0, -14),
		Type: messages.ConsentExpiring, Vars: messages.Vars{"Recipient": recipient, "ExpiresAt": expires}})
}

// ApplicationDue reminds 3 days before an application's deadline (a
// requested document, a payment, a visit). A deadline nearer than that
// gets no reminder: the note that set it is fresh.
func ApplicationDue(tx *dynamo.Tx, sub, applicationID, number, service string, due, now time.Time) error {
	at := due.AddDate(0, 0, -3)
	if !at.After(now) {
		return nil
	}
	return Schedule(tx, Reminder{Sub: sub, ID: ApplicationReminderID(applicationID), At: at,
		Type: messages.ApplicationDue, Vars: messages.Vars{"Number": number, "Service": service, "DueDate": due}})
}

// ApplicationReminderID is the id of an application's deadline reminder,
// to Cancel it when the deadline no longer holds.
func ApplicationReminderID(applicationID string) string { return "application-" + applicationID }
