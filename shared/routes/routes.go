// Package routes is the table of every HTTP route Kabinet serves: which
// function serves it and whether it is public. template.yaml declares the same
// routes (a test holds them equal), each function's router registers exactly
// its own (a test per function), and the fallback function uses the table to
// tell an unknown path (404) from a wrong method (405).
package routes

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Route is one HTTP route.
type Route struct {
	Function string
	Method   string
	// Path uses API Gateway syntax: /documents/{id}, /files/{proxy+}.
	Path string
	// Public routes skip the JWT authorizer.
	Public bool
	// Machine routes are called by agency or partner systems as themselves
	// (client credentials): their authorizer is AgencyJwt or PartnerJwt,
	// not the API's default, and their handlers are registered with
	// httpapi.Router.HandleMachine.
	Machine bool
}

// Key is the API Gateway route key, e.g. "GET /health", or "$default".
func (r Route) Key() string {
	if r.Path == Default {
		return Default
	}
	return r.Method + " " + r.Path
}

// Default is API Gateway's catch-all route.
const Default = "$default"

// All lists every route. Later features add theirs here and in template.yaml.
var All = []Route{
	{Function: "fallback", Method: "ANY", Path: Default, Public: true},
	{Function: "health", Method: "GET", Path: "/health", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/register", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/register/confirm", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/register/resend", Public: true},
	{Function: "auth", Method: "GET", Path: "/auth/register/consent", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/login", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/login/mfa", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/login/new-password", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/refresh", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/password/forgot", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/password/reset", Public: true},
	{Function: "auth", Method: "POST", Path: "/auth/logout"},
	{Function: "auth", Method: "GET", Path: "/auth/account"},
	{Function: "auth", Method: "GET", Path: "/auth/sessions"},
	{Function: "auth", Method: "DELETE", Path: "/auth/sessions/{id}"},
	{Function: "auth", Method: "POST", Path: "/auth/sessions/end-others"},
	{Function: "auth", Method: "GET", Path: "/auth/history"},
	{Function: "auth", Method: "POST", Path: "/auth/password/change"},
	{Function: "auth", Method: "POST", Path: "/auth/mfa/totp"},
	{Function: "auth", Method: "POST", Path: "/auth/mfa/totp/confirm"},
	{Function: "auth", Method: "PUT", Path: "/auth/mfa"},
	{Function: "auth", Method: "POST", Path: "/registrar/accounts/{sub}/level"},
	{Function: "notifications", Method: "GET", Path: "/notifications"},
	{Function: "notifications", Method: "GET", Path: "/notifications/unread-count"},
	{Function: "notifications", Method: "POST", Path: "/notifications/{id}/read"},
	{Function: "notifications", Method: "POST", Path: "/notifications/read-all"},
	{Function: "notifications", Method: "GET", Path: "/notifications/preferences"},
	{Function: "notifications", Method: "PUT", Path: "/notifications/preferences"},
	{Function: "notifications", Method: "GET", Path: "/notifications/devices"},
	{Function: "notifications", Method: "POST", Path: "/notifications/devices"},
	{Function: "notifications", Method: "DELETE", Path: "/notifications/devices/{id}"},
	{Function: "calendar", Method: "GET", Path: "/calendar"},
	{Function: "calendar", Method: "GET", Path: "/calendar.ics"},
	{Function: "calendar", Method: "POST", Path: "/calendar/items"},
	{Function: "calendar", Method: "DELETE", Path: "/calendar/items/{id}"},
	{Function: "calendar", Method: "POST", Path: "/calendar/feeds"},
	{Function: "calendar", Method: "GET", Path: "/calendar/feeds"},
	{Function: "calendar", Method: "DELETE", Path: "/calendar/feeds/{id}"},
	{Function: "calendar", Method: "GET", Path: "/calendar/feed/{token}", Public: true},
	{Function: "documents", Method: "POST", Path: "/documents"},
	{Function: "documents", Method: "POST", Path: "/documents/{id}/complete"},
	{Function: "documents", Method: "GET", Path: "/documents"},
	{Function: "documents", Method: "GET", Path: "/documents/{id}"},
	{Function: "documents", Method: "DELETE", Path: "/documents/{id}"},
	{Function: "profile", Method: "GET", Path: "/profile"},
	{Function: "profile", Method: "PATCH", Path: "/profile"},
	{Function: "profile", Method: "GET", Path: "/profile/history"},
	{Function: "profile", Method: "POST", Path: "/profile/phone"},
	{Function: "profile", Method: "POST", Path: "/profile/phone/confirm"},
	{Function: "profile", Method: "POST", Path: "/profile/email"},
	{Function: "profile", Method: "POST", Path: "/profile/email/confirm"},
	{Function: "profile", Method: "POST", Path: "/profile/change-requests"},
	{Function: "profile", Method: "GET", Path: "/profile/change-requests"},
	{Function: "profile", Method: "GET", Path: "/profile/change-requests/{id}"},
	{Function: "profile", Method: "GET", Path: "/identity-documents"},
	{Function: "profile", Method: "POST", Path: "/identity-documents"},
	{Function: "profile", Method: "PUT", Path: "/identity-documents/{id}"},
	{Function: "profile", Method: "DELETE", Path: "/identity-documents/{id}"},
	{Function: "profile", Method: "POST", Path: "/profile/export"},
	{Function: "profile", Method: "GET", Path: "/profile/exports/{id}"},
	{Function: "profile", Method: "GET", Path: "/activity"},
	{Function: "profile", Method: "GET", Path: "/activity.csv"},
	{Function: "profile", Method: "GET", Path: "/activity/verify"},
	{Function: "profile", Method: "GET", Path: "/officer/change-requests"},
	{Function: "profile", Method: "POST", Path: "/officer/change-requests/{sub}/{id}/decision"},
	{Function: "consents", Method: "GET", Path: "/consents"},
	{Function: "consents", Method: "GET", Path: "/consents.csv"},
	{Function: "consents", Method: "POST", Path: "/consents/references"},
	{Function: "consents", Method: "GET", Path: "/consents/{id}"},
	{Function: "consents", Method: "PATCH", Path: "/consents/{id}"},
	{Function: "consents", Method: "POST", Path: "/consents/{id}/confirmation"},
	{Function: "consents", Method: "POST", Path: "/consents/{id}/grant"},
	{Function: "consents", Method: "POST", Path: "/consents/{id}/refuse"},
	{Function: "consents", Method: "POST", Path: "/consents/{id}/withdraw"},
	{Function: "consents", Method: "GET", Path: "/profile/access-log"},
	{Function: "consents", Method: "GET", Path: "/profile/access-log.csv"},
	{Function: "consents", Method: "GET", Path: "/profile/access-log/verify"},
	{Function: "consents", Method: "POST", Path: "/profile/access-log/{seq}/flag"},
	{Function: "consents", Method: "GET", Path: "/support/access-flags"},
	{Function: "partner", Method: "POST", Path: "/partner/consents", Machine: true},
	{Function: "partner", Method: "GET", Path: "/partner/consents", Machine: true},
	{Function: "partner", Method: "GET", Path: "/partner/consents/{id}", Machine: true},
	{Function: "partner", Method: "GET", Path: "/partner/persons/{ref}/data", Machine: true},
	{Function: "applications", Method: "GET", Path: "/services", Public: true},
	{Function: "applications", Method: "GET", Path: "/services/{code}", Public: true},
	{Function: "applications", Method: "POST", Path: "/applications"},
	{Function: "applications", Method: "GET", Path: "/applications"},
	{Function: "applications", Method: "GET", Path: "/applications/{id}"},
	{Function: "applications", Method: "PUT", Path: "/applications/{id}"},
	{Function: "applications", Method: "DELETE", Path: "/applications/{id}"},
	{Function: "applications", Method: "POST", Path: "/applications/{id}/signature"},
	{Function: "applications", Method: "POST", Path: "/applications/{id}/submit"},
	{Function: "applications", Method: "POST", Path: "/applications/{id}/cancel"},
	{Function: "applications", Method: "POST", Path: "/applications/{id}/resubmit"},
	{Function: "applications", Method: "POST", Path: "/applications/{id}/template"},
	{Function: "applications", Method: "GET", Path: "/templates"},
	{Function: "applications", Method: "DELETE", Path: "/templates/{id}"},
	{Function: "applications", Method: "POST", Path: "/applications/{id}/documents"},
	{Function: "applications", Method: "GET", Path: "/officer/applications"},
	{Function: "applications", Method: "GET", Path: "/officer/applications/{id}"},
	{Function: "applications", Method: "POST", Path: "/officer/applications/{id}/transition"},
	{Function: "applications", Method: "GET", Path: "/applications/{id}/journal.pdf"},
	{Function: "applications", Method: "GET", Path: "/verify/{code}", Public: true},
	{Function: "applications", Method: "POST", Path: "/verify/{code}", Public: true},
	{Function: "me", Method: "GET", Path: "/me"},
	{Function: "me", Method: "GET", Path: "/me/settings"},
	{Function: "me", Method: "PUT", Path: "/me/settings"},
	{Function: "me", Method: "GET", Path: "/agency/whoami", Machine: true},
	{Function: "applications", Method: "GET", Path: "/agency/refunds", Machine: true},
	{Function: "applications", Method: "POST", Path: "/agency/refunds/{id}/payout", Machine: true},
	{Function: "payments", Method: "PUT", Path: "/agency/charges/{uin}", Machine: true},
	{Function: "payments", Method: "GET", Path: "/agency/charges/{uin}", Machine: true},
	{Function: "payments", Method: "POST", Path: "/agency/charges/{uin}/cancel", Machine: true},
	{Function: "payments", Method: "GET", Path: "/charges"},
	{Function: "payments", Method: "GET", Path: "/charges/{id}"},
	{Function: "payments", Method: "POST", Path: "/charges/lookup"},
	{Function: "payments", Method: "GET", Path: "/vehicles"},
	{Function: "payments", Method: "POST", Path: "/vehicles"},
	{Function: "payments", Method: "DELETE", Path: "/vehicles/{id}"},
	{Function: "payments", Method: "GET", Path: "/utility-accounts"},
	{Function: "payments", Method: "POST", Path: "/utility-accounts"},
	{Function: "payments", Method: "DELETE", Path: "/utility-accounts/{id}"},
	{Function: "payments", Method: "POST", Path: "/utility-accounts/{id}/readings"},
	{Function: "payments", Method: "GET", Path: "/utility-accounts/{id}/readings"},
	{Function: "payments", Method: "GET", Path: "/agency/readings", Machine: true},
	{Function: "payments", Method: "POST", Path: "/payments"},
	{Function: "payments", Method: "POST", Path: "/payments/confirmation"},
	{Function: "payments", Method: "GET", Path: "/payments"},
	{Function: "payments", Method: "GET", Path: "/payments/limits"},
	{Function: "payments", Method: "PUT", Path: "/payments/limits"},
	{Function: "payments", Method: "GET", Path: "/payments/export.csv"},
	{Function: "payments", Method: "GET", Path: "/payments/statement.pdf"},
	{Function: "payments", Method: "GET", Path: "/payments/{id}"},
	{Function: "payments", Method: "GET", Path: "/payments/{id}/receipt.pdf"},
	{Function: "payments", Method: "POST", Path: "/payments/{id}/refunds"},
	{Function: "payments", Method: "GET", Path: "/payments/{id}/refunds"},
	{Function: "payments", Method: "POST", Path: "/payments/notifications", Public: true},
	{Function: "payments", Method: "GET", Path: "/support/payments/flagged"},
	{Function: "support", Method: "POST", Path: "/support/tickets"},
	{Function: "support", Method: "GET", Path: "/support/tickets"},
	{Function: "support", Method: "GET", Path: "/support/tickets/{id}"},
	{Function: "support", Method: "POST", Path: "/support/tickets/{id}/messages"},
	{Function: "support", Method: "GET", Path: "/operator/tickets"},
	{Function: "support", Method: "GET", Path: "/operator/tickets/{id}"},
	{Function: "support", Method: "POST", Path: "/operator/tickets/{id}/claim"},
	{Function: "support", Method: "POST", Path: "/operator/tickets/{id}/answer"},
	{Function: "support", Method: "POST", Path: "/operator/tickets/{id}/notes"},
	{Function: "support", Method: "POST", Path: "/operator/tickets/{id}/handover"},
	{Function: "support", Method: "POST", Path: "/operator/tickets/{id}/solve"},
	{Function: "support", Method: "POST", Path: "/chat/connection-ticket"},
	{Function: "support", Method: "POST", Path: "/chat/conversations"},
	{Function: "support", Method: "GET", Path: "/chat/conversations"},
	{Function: "support", Method: "GET", Path: "/chat/conversations/{id}/messages"},
	{Function: "support", Method: "POST", Path: "/chat/conversations/{id}/close"},
	{Function: "support", Method: "GET", Path: "/faq", Public: true},
	{Function: "support", Method: "GET", Path: "/faq/{id}", Public: true},
	{Function: "support", Method: "POST", Path: "/faq/{id}/feedback", Public: true},
	{Function: "recovery", Method: "POST", Path: "/support/recovery", Public: true},
	{Function: "recovery", Method: "GET", Path: "/support/recovery/{id}", Public: true},
	{Function: "recovery", Method: "POST", Path: "/support/recovery/{id}/contact", Public: true},
	{Function: "recovery", Method: "POST", Path: "/support/recovery/{id}/submit", Public: true},
	{Function: "recovery", Method: "GET", Path: "/operator/recovery"},
	{Function: "recovery", Method: "GET", Path: "/operator/recovery/{id}"},
	{Function: "recovery", Method: "POST", Path: "/operator/recovery/{id}/claim"},
	{Function: "recovery", Method: "POST", Path: "/operator/recovery/{id}/decision"},
	{Function: "payments", Method: "POST", Path: "/payment-methods"},
	{Function: "payments", Method: "GET", Path: "/payment-methods"},
	{Function: "payments", Method: "GET", Path: "/payment-methods/{id}"},
	{Function: "payments", Method: "DELETE", Path: "/payment-methods/{id}"},
	{Function: "payments", Method: "POST", Path: "/payment-methods/{id}/confirmation"},
	{Function: "payments", Method: "POST", Path: "/payment-methods/{id}/confirm"},
	{Function: "payments", Method: "POST", Path: "/autopay-rules"},
	{Function: "payments", Method: "GET", Path: "/autopay-rules"},
	{Function: "payments", Method: "POST", Path: "/autopay-rules/{id}/cancel"},
	{Function: "payments", Method: "GET", Path: "/autopays"},
	{Function: "payments", Method: "POST", Path: "/autopays/{id}/cancel"},
	{Function: "appointments", Method: "GET", Path: "/appointments/catalog"},
	{Function: "appointments", Method: "GET", Path: "/appointments/organisations"},
	{Function: "appointments", Method: "GET", Path: "/appointments/organisations/{id}"},
	{Function: "appointments", Method: "GET", Path: "/appointments/slots"},
	{Function: "appointments", Method: "GET", Path: "/appointments/slots/earliest"},
	{Function: "appointments", Method: "POST", Path: "/appointments"},
	{Function: "appointments", Method: "GET", Path: "/appointments"},
	{Function: "appointments", Method: "GET", Path: "/appointments/{id}"},
	{Function: "appointments", Method: "GET", Path: "/appointments/{id}/event.ics"},
	{Function: "appointments", Method: "POST", Path: "/appointments/{id}/cancel"},
	{Function: "appointments", Method: "POST", Path: "/appointments/{id}/reschedule"},
	{Function: "appointments", Method: "POST", Path: "/waitlist"},
	{Function: "appointments", Method: "GET", Path: "/waitlist"},
	{Function: "appointments", Method: "GET", Path: "/waitlist/{id}"},
	{Function: "appointments", Method: "DELETE", Path: "/waitlist/{id}"},
	{Function: "appointments", Method: "POST", Path: "/waitlist/{id}/accept"},
	{Function: "appointments", Method: "POST", Path: "/waitlist/{id}/decline"},
	{Function: "appointments", Method: "GET", Path: "/staff/organisation"},
	{Function: "appointments", Method: "PUT", Path: "/staff/resources/{id}/schedule"},
	{Function: "appointments", Method: "POST", Path: "/staff/resources/{id}/days/{date}/close"},
	{Function: "appointments", Method: "GET", Path: "/staff/day"},
	{Function: "appointments", Method: "POST", Path: "/staff/visits/{id}/arrived"},
	{Function: "appointments", Method: "POST", Path: "/staff/visits/{id}/no-show"},
}

// ForFunction returns the routes a function serves.
func ForFunction(fn string) []Route {
	var out []Route
	for _, r := range All {
		if r.Function == fn {
			out = append(out, r)
		}
	}
	return out
}

var paramRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^}/]+\}`) })

// Pattern compiles an API Gateway path into a regexp; the greedy {name+}
// matches the rest of the path.
func Pattern(path string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range paramRe().FindAllStringIndex(path, -1) {
		b.WriteString(regexp.QuoteMeta(path[last:m[0]]))
		if strings.HasSuffix(path[m[0]:m[1]], "+}") {
			b.WriteString(".+")
		} else {
			b.WriteString("[^/]+")
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(path[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// AllowedMethods returns the methods the table serves for a concrete path, so
// that an unmatched request can be answered 405 with Allow rather than 404.
func AllowedMethods(path string) []string {
	seen := map[string]bool{}
	for _, r := range patterns() {
		if r.re.MatchString(path) {
			seen[r.method] = true
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// patterns are the table's paths compiled, once, by the first AllowedMethods
// (not on every call, nor at package init).
var patterns = sync.OnceValue(func() []methodPattern {
	var out []methodPattern
	for _, r := range All {
		if r.Path != Default {
			out = append(out, methodPattern{method: r.Method, re: Pattern(r.Path)})
		}
	}
	return out
})

type methodPattern struct {
	method string
	re     *regexp.Regexp
}
