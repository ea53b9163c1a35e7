// Package actor is who acts on a service call: a citizen, an officer of a
// department, a registrar who checks identities, a support operator, staff
// of an organisation that takes appointments (a clinic, an exam site), an
// agency's or a partner organisation's system calling as itself (machine to
// machine, DESIGN 11), or the portal itself (a schedule, a stream). Services
// take an Actor and enforce
// their own rules with it — who may call at all, on whose records, and how
// recently they must have signed in — so that a rule holds whichever handler,
// schedule or test calls the service. Handlers only build the Actor from the
// claims the JWT authorizer verified (httpapi.Identity.Actor for people,
// httpapi.Machine.Actor for systems).
package actor

import (
	"slices"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

// Cognito groups of the user pool (template.yaml declares each).
const (
	// GroupOfficers: officers of a department (custom:department), who
	// process that department's applications and decide change requests of
	// the fields it owns.
	GroupOfficers = "officers"
	// GroupRegistrars: staff of service centres, banks and post offices who
	// check a person's identity in person and raise the account's level;
	// they may also decide any change request of personal data.
	GroupRegistrars = "registrars"
	// GroupSupport: support operators.
	GroupSupport = "support"
	// GroupStaff: staff of an organisation people book appointments with
	// (a clinic's registry, a traffic-police exam site, a service centre, a
	// pension-fund office; the organisation is custom:organisation), who
	// see their organisation's day, mark visits and change its schedules.
	GroupStaff = "staff"
)

// Role is how a record names the kind of actor who did something.
type Role string

// The roles, as the activity journal, application logs and change requests
// record them.
const (
	RoleCitizen   Role = "citizen"
	RoleOfficer   Role = "officer"
	RoleRegistrar Role = "registrar"
	RoleSupport   Role = "support"
	// RoleStaff: staff of an organisation that takes appointments.
	RoleStaff  Role = "staff"
	RoleSystem Role = "system"
	// RoleAgency: an agency's information system (traffic police, tax
	// service, bailiffs, a utility, a department collecting state duties).
	RoleAgency Role = "agency"
	// RolePartner: a partner organisation's system (a bank, an insurer).
	RolePartner Role = "partner"
)

// StepUpAge is how recent a sign-in must be for sensitive changes (password,
// MFA, contacts, ending the other sessions).
const StepUpAge = 15 * time.Minute

// Actor is one acting identity.
type Actor struct {
	// Sub is the acting person's subject (empty for the system).
	Sub string
	// Groups are the person's Cognito groups.
	Groups []string
	// Department is an officer's department.
	Department string
	// Organisation is the organisation a member of GroupStaff works for.
	Organisation string
	// AuthTime is when the person last entered their password.
	AuthTime time.Time
	// SessionID is the session the call came in (empty for the system).
	SessionID string
	// IP and UserAgent describe where the call came from, when it came
	// from a client.
	IP, UserAgent string
	system        bool
	// A machine actor is an OAuth client of the user pool: its client id,
	// and the agency or the partner organisation it is. Only Agency and
	// Partner set them, so no person's actor can carry them.
	clientID, agency, partner string
}

// System is the portal itself acting: a schedule, a stream, the seeding.
func System() Actor { return Actor{system: true} }

// Citizen is a person acting on their own account (tests and seeding; a
// request builds its Actor from the verified claims).
func Citizen(sub string) Actor { return Actor{Sub: sub} }

// Agency is an agency's system acting as itself: code names the agency
// (the department's catalog code where it is one, e.g. "gibdd", "fns"),
// clientID its app client. A request builds it from the token's one agency
// scope (httpapi.Machine.Actor).
func Agency(code, clientID string) Actor { return Actor{agency: code, clientID: clientID} }

// Partner is a partner organisation's system acting as itself: org names
// the organisation, clientID its app client.
func Partner(org, clientID string) Actor { return Actor{partner: org, clientID: clientID} }

// Agency is the code of the agency whose system acts, "" for anyone else.
func (a Actor) Agency() string { return a.agency }

// Partner is the partner organisation whose system acts, "" for anyone else.
func (a Actor) Partner() string { return a.partner }

// ClientID is the app client of a machine actor, "" for people and the
// portal.
func (a Actor) ClientID() string { return a.clientID }

// IsMachine reports whether an agency's or a partner's system acts. It has
// no subject, groups or sign-in, so every gate for people refuses it.
func (a Actor) IsMachine() bool { return a.agency != "" || a.partner != "" }

// IsSystem reports whether the portal itself acts.
func (a Actor) IsSystem() bool { return a.system }

// In reports whether the actor belongs to a Cognito group.
func (a Actor) In(group string) bool { return slices.Contains(a.Groups, group) }

// IsRegistrar reports whether the actor checks identities.
func (a Actor) IsRegistrar() bool { return a.In(GroupRegistrars) }

// Role is the role a record names for this actor: the staff role the call
// was made in when there is one, citizen otherwise.
func (a Actor) Role() Role {
	switch {
	case a.system:
		return RoleSystem
	case a.agency != "":
		return RoleAgency
	case a.partner != "":
		return RolePartner
	case a.IsRegistrar():
		return RoleRegistrar
	case a.In(GroupOfficers):
		return RoleOfficer
	case a.In(GroupSupport):
		return RoleSupport
	case a.In(GroupStaff):
		return RoleStaff
	}
	return RoleCitizen
}

// RequireOfficer refuses anyone but an officer of a department.
func (a Actor) RequireOfficer() error {
	if !a.In(GroupOfficers) {
		return problem.New(problem.KindForbidden, "not_an_officer", "Раздел доступен только сотрудникам ведомств")
	}
	if a.Department == "" {
		return problem.New(problem.KindForbidden, "no_department", "Сотруднику не назначено ведомство")
	}
	return nil
}

// IsStaff reports whether the actor is staff of an organisation.
func (a Actor) IsStaff() bool { return a.In(GroupStaff) && a.Organisation != "" }

// RequireStaff refuses anyone but staff of an organisation; the service
// then acts on that organisation's records only (Organisation).
func (a Actor) RequireStaff() error {
	if !a.In(GroupStaff) {
		return problem.New(problem.KindForbidden, "not_staff_of_organisation", "Раздел доступен только сотрудникам организаций, ведущих запись на приём")
	}
	if a.Organisation == "" {
		return problem.New(problem.KindForbidden, "no_organisation", "Сотруднику не назначена организация")
	}
	return nil
}

// RequireRegistrar refuses anyone but a registrar.
func (a Actor) RequireRegistrar() error {
	if !a.IsRegistrar() {
		return problem.New(problem.KindForbidden, "not_a_registrar",
			"Подтверждать личность могут только сотрудники центров обслуживания (регистраторы)")
	}
	return nil
}

// RequireOfficerOrRegistrar refuses anyone but an officer of a department or
// a registrar.
func (a Actor) RequireOfficerOrRegistrar() error {
	if a.IsRegistrar() {
		return nil
	}
	if err := a.RequireOfficer(); err != nil {
		return problem.New(problem.KindForbidden, "not_staff", "Раздел доступен только сотрудникам ведомств и центров обслуживания")
	}
	return nil
}

// RequireSupport refuses anyone but a support operator.
func (a Actor) RequireSupport() error {
	if a.IsMachine() || !a.In(GroupSupport) {
		return problem.New(problem.KindForbidden, "not_support", "Раздел доступен только операторам службы поддержки")
	}
	return nil
}

// RequireSupportOrRegistrar refuses anyone but a support operator or a
// registrar (assisted recovery: either may check a person's identity).
func (a Actor) RequireSupportOrRegistrar() error {
	if a.IsMachine() || !(a.In(GroupSupport) || a.IsRegistrar()) {
		return problem.New(problem.KindForbidden, "not_support", "Раздел доступен только операторам службы поддержки и регистраторам")
	}
	return nil
}

// RequireAgency refuses anyone but the system of the agency code names.
func (a Actor) RequireAgency(code string) error {
	if err := a.RequireAnyAgency(); err != nil {
		return err
	}
	if code == "" || a.agency != code {
		return problem.New(problem.KindForbidden, "another_agency", "Действие доступно только системе другого ведомства")
	}
	return nil
}

// RequireAnyAgency refuses anyone but an agency's system; the service then
// acts on that agency's records only (Agency()).
func (a Actor) RequireAnyAgency() error {
	if a.agency == "" {
		return problem.New(problem.KindForbidden, "not_an_agency", "Раздел доступен только информационным системам ведомств")
	}
	return nil
}

// RequirePartner refuses anyone but the system of the partner organisation
// org names.
func (a Actor) RequirePartner(org string) error {
	if a.partner == "" {
		return problem.New(problem.KindForbidden, "not_a_partner", "Раздел доступен только системам организаций-партнёров")
	}
	if org == "" || a.partner != org {
		return problem.New(problem.KindForbidden, "another_partner", "Действие доступно только системе другой организации")
	}
	return nil
}

// NotSelf refuses staff acting on their own account or their own request:
// nobody confirms, approves or processes for themselves.
func (a Actor) NotSelf(sub string) error {
	if a.Sub != "" && a.Sub == sub {
		return problem.New(problem.KindForbidden, "self_action",
			"Нельзя рассматривать собственные заявления и подтверждать собственные данные: это делает другой сотрудник")
	}
	return nil
}

// OwnAccount is the account of a person acting on their own records (their
// settings, inbox, calendar): their subject. The portal and agencies' and
// partners' systems have no account of their own: Unauthenticated.
func (a Actor) OwnAccount() (string, error) {
	if a.Sub == "" {
		return "", problem.Unauthenticated("")
	}
	return a.Sub, nil
}

// RequirePerson is the subject of a person acting for themselves (paying,
// booking a visit): the portal and agencies' and partners' systems act for
// nobody and are refused (Forbidden not_a_person); a call without a subject
// is Unauthenticated.
func (a Actor) RequirePerson() (string, error) {
	if a.IsMachine() || a.IsSystem() {
		return "", problem.New(problem.KindForbidden, "not_a_person", "Раздел доступен только гражданам")
	}
	return a.OwnAccount()
}

// RequireOwner refuses a call on another person's account. Services use it
// where the caller names the account (a person acts on their own only).
func (a Actor) RequireOwner(sub string) error {
	if a.system || (a.Sub != "" && a.Sub == sub) {
		return nil
	}
	return problem.NotFound("учётная запись")
}

// RequireRecentSignIn refuses a sensitive change unless the person entered
// their password within StepUpAge of now (step-up).
func (a Actor) RequireRecentSignIn(now time.Time) error {
	if a.system {
		return nil
	}
	if a.AuthTime.IsZero() || now.Sub(a.AuthTime) > StepUpAge {
		return problem.New(problem.KindForbidden, "reauthentication_required",
			"Для этого действия войдите заново: последний вход был более 15 минут назад").With("maxAgeSeconds", int(StepUpAge.Seconds()))
	}
	return nil
}
