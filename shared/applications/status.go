// Package applications is the heart of the portal: a citizen's application
// for a service goes from a draft through submission (with a unique number)
// and the department's work to a result. Every status change is one
// conditional transaction with its journal entry and the citizen's inbox
// note, so of two officers acting at once one wins and the other gets 409.
package applications

// Statuses.
const (
	Draft             = "draft"
	Submitted         = "submitted"
	Registered        = "registered"
	InProgress        = "in_progress"
	AwaitingDocuments = "awaiting_documents"
	Approved          = "approved"
	Rejected          = "rejected"
	Completed         = "completed"
	Cancelled         = "cancelled"
)

// Roles that move applications.
const (
	RoleCitizen = "citizen"
	RoleOfficer = "officer"
	// RoleAgency is the department's system: it completes a refund it
	// paid out (POST /agency/refunds/{id}/payout).
	RoleAgency = "agency"
)

// transitions lists, for each status, the statuses each role may move it to.
var transitions = map[string]map[string][]string{
	Draft:             {RoleCitizen: {Submitted, Cancelled}},
	Submitted:         {RoleOfficer: {Registered}, RoleCitizen: {Cancelled}},
	Registered:        {RoleOfficer: {InProgress}, RoleCitizen: {Cancelled}},
	InProgress:        {RoleOfficer: {AwaitingDocuments, Approved, Rejected}, RoleCitizen: {Cancelled}},
	AwaitingDocuments: {RoleOfficer: {InProgress, Rejected}, RoleCitizen: {InProgress, Cancelled}},
	Approved:          {RoleOfficer: {Completed}, RoleAgency: {Completed}},
	Rejected:          {},
	Completed:         {},
	Cancelled:         {},
}

// Allowed reports whether role may move an application from one status to another.
func Allowed(from, to, role string) bool {
	for _, s := range transitions[from][role] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether nothing can follow status (rejected, completed,
// cancelled).
func Final(status string) bool { return len(transitions[status]) == 0 }

// Next lists the statuses role may move an application to from status.
func Next(status, role string) []string {
	out := append([]string(nil), transitions[status][role]...)
	if out == nil {
		out = []string{}
	}
	return out
}

// StatusNames are the statuses as a citizen reads them.
var StatusNames = map[string]string{
	Draft: "Черновик", Submitted: "Отправлено", Registered: "Зарегистрировано", InProgress: "В работе",
	AwaitingDocuments: "Требуются документы", Approved: "Услуга оказана", Rejected: "Отказано",
	Completed: "Результат выдан", Cancelled: "Отменено",
}
