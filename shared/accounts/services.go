package accounts

// The account services. Each is built from Deps by its constructor, which
// refuses at cold start when a dependency it uses is missing, so a function
// links and starts only the clients of the services it serves.

// Registrations opens accounts: registration with identity data, confirmed
// by a code to the phone (and the email); demo and operator provisioning.
type Registrations struct{ core }

// NewRegistrations needs Users, Sealer, Keys, Policy, SMS, Mail, Limiter and
// Consents.
func NewRegistrations(d Deps) (*Registrations, error) {
	return with(&Registrations{core{d}}, d.need("Registrations", "Users", "Sealer", "Keys", "Policy", "SMS", "Mail", "Limiter", "Consents"))
}

// SignIn is signing in and the sessions it opens: a password (with the
// lockout), the second factor, an expired password's replacement, refresh,
// ending sessions, the sign-in history and new-device alerts.
type SignIn struct{ core }

// NewSignIn needs Users, Sealer, Keys, Policy (an expired password's
// replacement), SMS, Limiter and Sessions.
func NewSignIn(d Deps) (*SignIn, error) {
	return with(&SignIn{core{d}}, d.need("SignIn", "Users", "Sealer", "Keys", "Policy", "SMS", "Limiter", "Sessions"))
}

// Credentials are the account's password and second factor: changing them
// (with a recent sign-in), recovery by a code, the account's summary.
type Credentials struct{ core }

// NewCredentials needs Users, Sealer, Keys, Policy, SMS, Mail, Limiter and
// Sessions.
func NewCredentials(d Deps) (*Credentials, error) {
	return with(&Credentials{core{d}}, d.need("Credentials", "Users", "Sealer", "Keys", "Policy", "SMS", "Mail", "Limiter", "Sessions"))
}

// Levels are how far the portal trusts an account's identity; registrars
// raise them after checking the person.
type Levels struct{ core }

// NewLevels needs Users (the level is also a user attribute), Journal and
// Reads (an identity check reads the person's identity data).
func NewLevels(d Deps) (*Levels, error) {
	return with(&Levels{core{d}}, d.need("Levels", "Users", "Journal", "Reads"))
}

// Profiles are a person's personal data: reading it (for the person and
// for the forms it autofills), direct edits of editable fields and their
// history.
type Profiles struct{ core }

// NewProfiles needs Sealer.
func NewProfiles(d Deps) (*Profiles, error) {
	return with(&Profiles{core{d}}, d.need("Profiles", "Sealer"))
}

// Contacts change the primary phone and the email, confirmed by a code sent
// to the new one.
type Contacts struct{ core }

// NewContacts needs Users, Sealer, Keys, SMS, Mail and Limiter.
func NewContacts(d Deps) (*Contacts, error) {
	return with(&Contacts{core{d}}, d.need("Contacts", "Users", "Sealer", "Keys", "SMS", "Mail", "Limiter"))
}

// ChangeRequests change review-only fields (name, passport, address, …):
// the person files a request with a scan, the department that owns the
// field or a registrar decides it.
type ChangeRequests struct{ core }

// NewChangeRequests needs Sealer, Inbox, Journal and Reads (the staff's
// queue shows the requested values).
func NewChangeRequests(d Deps) (*ChangeRequests, error) {
	return with(&ChangeRequests{core{d}}, d.need("ChangeRequests", "Sealer", "Inbox", "Journal", "Reads"))
}

// IdentityDocs are the records of a person's documents (international
// passport, driver licence, …) with their expiry reminders.
type IdentityDocs struct{ core }

// NewIdentityDocs needs Sealer.
func NewIdentityDocs(d Deps) (*IdentityDocs, error) {
	return with(&IdentityDocs{core{d}}, d.need("IdentityDocs", "Sealer"))
}

// Signatures sign a document (an application) with a one-time code: the
// authenticator's, or one sent by SMS.
type Signatures struct{ core }

// NewSignatures needs Sealer, Keys, SMS and Limiter.
func NewSignatures(d Deps) (*Signatures, error) {
	return with(&Signatures{core{d}}, d.need("Signatures", "Sealer", "Keys", "SMS", "Limiter"))
}

// with returns the service, or nil and the error of a missing dependency.
func with[S any](svc *S, err error) (*S, error) {
	if err != nil {
		return nil, err
	}
	return svc, nil
}
