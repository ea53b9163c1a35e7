// Package messages holds the Russian wording of every notification the
// portal sends: the inbox entry, the email (subject, plain text and HTML) and
// the SMS. Producers name an event type and pass its vars; Render checks the
// vars, formats money, dates and links the one house way and returns every
// channel's text. Which channels are used, and when, is decided elsewhere.
//
// Three rules shape the templates:
//   - An SMS carries only what the person needs to act: no address, no
//     person's name, no free text from an agency, no link (people are taught
//     that the portal never sends links by SMS). The SMS template cannot even
//     see such vars: they are marked private and withheld from it.
//   - Every var is escaped in the HTML email (as html/template would, see
//     escape.go), and a link is kept only when it is https:// or a path on
//     the portal.
//   - A missing var is an error naming it, so a producer's bug fails its
//     tests instead of reaching a person as "<no value>".
package messages

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Event types. The strings are stored with every notification and must not
// change.
const (
	// ApplicationStatus: an application changed status. Vars: Number,
	// Service, Status (human Russian status), Comment (optional), Link.
	ApplicationStatus = "application.status"
	// ApplicationDocument: the result of an application is ready. Vars:
	// Number, Service, Document, Link.
	ApplicationDocument = "application.document_ready"
	// ApplicationRequest: the agency asks for more documents. Vars: Number,
	// Service, Documents (a string or a list), Deadline (date), Link.
	ApplicationRequest = "application.documents_requested"
	// ChargeIssued: a new fine, tax, duty or utility bill. Vars: Kind
	// (штраф, налог, пошлина, ЖКУ), Amount (kopecks), DueDate (date), Payee,
	// Link.
	ChargeIssued = "charge.issued"
	// PaymentDone: a payment went through. Vars: Amount (kopecks), Purpose,
	// ReceiptLink.
	PaymentDone = "payment.done"
	// ChargeChanged: an agency changed what is to pay or by when. Vars: Kind,
	// Amount (kopecks, to pay now), DueDate (date), Link.
	ChargeChanged = "charge.changed"
	// ChargeCancelled: an agency cancelled a charge. Vars: Kind, Amount
	// (kopecks), Payee, Link.
	ChargeCancelled = "charge.cancelled"
	// RefundStarted: money not owed goes back to the payer. Vars: Amount
	// (kopecks), Reason, Link.
	RefundStarted = "refund.started"
	// RefundDone: a refund reached the payer's card. Vars: Amount, Link.
	RefundDone = "refund.done"
	// RefundCanceled: the provider did not make a refund. Vars: Amount,
	// Reason, Link.
	RefundCanceled = "refund.canceled"
	// AppointmentBooked: an appointment was booked. Vars: Place, Address, At
	// (the place's local time: a time with the place's offset), Specialist
	// (optional), Number (the ticket, optional), Bring (what to bring,
	// optional), Link.
	AppointmentBooked = "appointment.booked"
	// AppointmentReminder: an appointment is near. Vars: Place, Address, At
	// (the place's local time).
	AppointmentReminder = "appointment.reminder"
	// AppointmentMoved: the person moved an appointment. Vars: Place,
	// Address, At and Was (the new and the old time, the place's local
	// time), Specialist (optional), Number (the new ticket, optional), Link.
	AppointmentMoved = "appointment.moved"
	// AppointmentCancelled: the person cancelled an appointment. Vars:
	// Place, At (the place's local time), Link.
	AppointmentCancelled = "appointment.cancelled"
	// AppointmentCancelledByOrganisation: the organisation closed the day
	// (a doctor fell ill) and cancelled the appointment. Vars: Place, At
	// (the place's local time), Reason (optional), Alternatives (the nearest
	// free times, a list, optional), Link.
	AppointmentCancelledByOrganisation = "appointment.cancelled_by_organisation"
	// WaitlistOffer: a place the person waits for was freed and is held for
	// them a short while. Vars: Place, At and Until (the place's local
	// time: the appointment, the end of the hold), Specialist (optional),
	// Link.
	WaitlistOffer = "appointment.waitlist_offer"
	// ConsentRequested: an organisation asks the person's consent to
	// receive their personal data. Vars: Recipient, Purpose, Scope,
	// ExpiresAt (date, the term asked for), Link.
	ConsentRequested = "consent.requested"
	// ConsentChanged: a consent to process personal data was given, changed,
	// withdrawn, refused or ran out. Vars: Recipient, Action (выдано,
	// изменено, отозвано, отклонено, истекло), Scope.
	ConsentChanged = "consent.changed"
	// ConsentExpiring: a consent runs out soon. Vars: Recipient, ExpiresAt
	// (date).
	ConsentExpiring = "consent.expiring"
	// DocumentExpiring: a personal document runs out soon. Vars: Document,
	// ExpiresAt (date).
	DocumentExpiring = "document.expiring"
	// PassportReplace: the passport must be replaced at 20 or 45. Vars: Age
	// (20 or 45), By (date).
	PassportReplace = "document.passport_replace"
	// ChargeDue: a charge is still unpaid near its due date. Vars: Kind,
	// Amount (kopecks), DueDate (date), Link.
	ChargeDue = "reminder.charge_due"
	// ChargeDiscountEnds: the discount for paying a fine early ends soon.
	// Vars: Percent, Amount (kopecks, with the discount), Until (date), Link.
	ChargeDiscountEnds = "reminder.charge_discount"
	// PasswordExpiring: the password expires soon. Vars: ExpiresAt (date).
	PasswordExpiring = "reminder.password_expiring"
	// ApplicationDue: a deadline on an application is near. Vars: Number,
	// Service, DueDate (date).
	ApplicationDue = "reminder.application_due"
	// CalendarItem: an entry of the person's own calendar. Vars: Title, At
	// (date-time).
	CalendarItem = "reminder.calendar_item"
	// SecurityNewDevice: a sign-in from a device not seen before. Vars: At
	// (date-time), Device, IP.
	SecurityNewDevice = "security.new_device"
	// SecurityPassword: the password was changed. Vars: At (date-time).
	SecurityPassword = "security.password_changed"
	// SecurityContact: the email or the phone was changed. Vars: At
	// (date-time), Contact (email or телефон).
	SecurityContact = "security.contact_changed"
	// SecurityMFA: the second sign-in factor was changed. Vars: At
	// (date-time), Method (sms, totp, none or a human name).
	SecurityMFA = "security.mfa_changed"
	// SecurityRecoveryFiled: a request to recover access to the account
	// (passport data and a scan, decided by support) was filed. Vars:
	// Number, At (date-time).
	SecurityRecoveryFiled = "security.recovery_filed"
	// SecurityRecoveryDecided: support decided such a request. Vars:
	// Number, Outcome (what was done: «вход разблокирован», «номер
	// телефона заменён», «запрос отклонён»), At (date-time).
	SecurityRecoveryDecided = "security.recovery_decided"
	// ProfileChanged: the person changed profile data directly. Vars: At,
	// Fields (Russian names, comma-separated).
	ProfileChanged = "profile.changed"
	// ProfileChangeDecided: an officer decided a request to change profile
	// data. Vars: Field (the field's Russian name), Decision (одобрена or
	// отклонена), Reason (optional).
	ProfileChangeDecided = "profile.change_decided"
	// CardLinked: a bank card was linked to the account (confirmed by a
	// code). Vars: Card (its mask, "MasterCard •••• 4444"), At (date-time).
	CardLinked = "security.card_linked"
	// CardUnlinked: a linked card was unlinked. Vars: Card, At (date-time).
	CardUnlinked = "security.card_unlinked"
	// AutopayScheduled: a new charge matches an autopay rule and is to be
	// paid tomorrow unless cancelled. Vars: Kind, Purpose, Amount (kopecks),
	// Card, PayAt (date-time), Link.
	AutopayScheduled = "autopay.scheduled"
	// AutopayFailed: an autopay did not pay a charge. Vars: Kind, Amount
	// (kopecks), Reason, Link.
	AutopayFailed = "autopay.failed"
	// News: a portal announcement. Vars: Title, Text, Link (optional).
	News = "news"
	// SupportTicketOpened: a support ticket was opened (from the form or
	// from a chat nobody could take). Vars: Number, Topic, Due (date-time:
	// when an answer, or for an urgent one the solution, is due), Link.
	SupportTicketOpened = "support.ticket_opened"
	// SupportTicketAnswered: an operator answered a ticket. Vars: Number,
	// Topic, Link.
	SupportTicketAnswered = "support.ticket_answered"
	// SupportTicketWaiting: a ticket has waited for the person's answer
	// long, and will be solved without it at SolveAt. Vars: Number, Topic,
	// SolveAt (date-time), Link.
	SupportTicketWaiting = "support.ticket_waiting"
	// SupportTicketSolved: a ticket was solved (by an operator, or by
	// itself after SupportTicketWaiting). Vars: Number, Topic, Link.
	SupportTicketSolved = "support.ticket_solved"
)

// Notification categories, the unit in which a person turns channels on and
// off.
const (
	CategoryApplications = "applications"
	CategoryDocuments    = "documents"
	CategoryPayments     = "payments"
	CategoryAppointments = "appointments"
	CategoryReminders    = "reminders"
	CategoryConsents     = "consents"
	CategoryNews         = "news"
	CategorySupport      = "support"
	CategorySecurity     = "security"
)

// Vars are the values a producer passes for one event. Times may be
// time.Time or RFC 3339 strings (dates also "2006-01-02"), amounts are
// integer kopecks, links are strings.
type Vars map[string]any

// Rendered is one notification in every channel.
type Rendered struct {
	// Title and Body are the inbox entry: plain text, paragraphs separated
	// by a blank line, no link (the inbox shows Link as a button).
	Title string
	Body  string
	// EmailSubject, EmailText and EmailHTML are the email. They carry the
	// link only when it is absolute (https://): a mail client cannot resolve
	// a portal path.
	EmailSubject string
	EmailText    string
	EmailHTML    string
	// SMS is the short text, without links and without private vars.
	SMS string
	// Link is the event's link after the safety check (https:// or a path
	// starting with "/"), or "" when there was none or it was dropped.
	Link string
}

// ErrUnknownType is returned for an event type this package does not know.
var ErrUnknownType = errors.New("unknown notification type")

// ErrMissingVar is matched (errors.Is) by a *VarError for a var that is
// absent or empty.
var ErrMissingVar = errors.New("missing var")

// ErrInvalidVar is matched (errors.Is) by a *VarError for a var whose value
// cannot be used (a string where kopecks are due, an age other than 20 or 45).
var ErrInvalidVar = errors.New("invalid var")

// VarError names the var a producer got wrong.
type VarError struct {
	Type string // the event type
	Var  string // the var's name, e.g. "Number"
	Err  error  // ErrMissingVar or ErrInvalidVar, possibly wrapped with detail
}

// Error says which var of which type is wrong and why.
func (e *VarError) Error() string {
	return fmt.Sprintf("render %s: var %s: %v", e.Type, e.Var, e.Err)
}

// Unwrap returns ErrMissingVar or ErrInvalidVar (with detail).
func (e *VarError) Unwrap() error { return e.Err }

// Category returns the category of an event type, false for an unknown type.
func Category(eventType string) (string, bool) {
	s, ok := catalog()[eventType]
	if !ok {
		return "", false
	}
	return s.category, true
}

// Urgent reports whether notices of this type are sent even in quiet hours:
// only security notices are, because a delay there helps whoever took over
// the account. An appointment reminder is scheduled ahead and need not be.
func Urgent(eventType string) bool {
	c, _ := Category(eventType)
	return c == CategorySecurity
}

// Types returns every event type, sorted.
func Types() []string {
	types := make([]string, 0, len(catalog()))
	for t := range catalog() {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}

// moscow is used when no location is given: the portal's default time zone.
// Moscow has kept UTC+3 all year since 2014, so a fixed zone needs no tzdata.
var moscow = time.FixedZone("MSK", 3*60*60)

// Render returns the notification of eventType in every channel, with dates
// and times shown in loc, the person's time zone (Moscow when loc is nil).
// It fails with ErrUnknownType for an unknown type and with one *VarError
// for each missing or unusable var (joined).
func Render(eventType string, v Vars, loc *time.Location) (Rendered, error) {
	s, ok := catalog()[eventType]
	if !ok {
		return Rendered{}, fmt.Errorf("render %q: %w", eventType, ErrUnknownType)
	}
	if loc == nil {
		loc = moscow
	}
	return s.render(eventType, v, loc)
}
