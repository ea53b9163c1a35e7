package applications

import "testing"

func TestStatusMachine(t *testing.T) {
	cases := []struct {
		from, to, role string
		ok             bool
	}{
		{Draft, Submitted, RoleCitizen, true},
		{Draft, Submitted, RoleOfficer, false},
		{Submitted, Registered, RoleOfficer, true},
		{Submitted, Approved, RoleOfficer, false},
		{Registered, InProgress, RoleOfficer, true},
		{InProgress, AwaitingDocuments, RoleOfficer, true},
		{AwaitingDocuments, InProgress, RoleCitizen, true},
		{InProgress, Approved, RoleOfficer, true},
		{InProgress, Approved, RoleCitizen, false},
		{Approved, Completed, RoleOfficer, true},
		{Approved, Cancelled, RoleCitizen, false},
		{Completed, InProgress, RoleOfficer, false},
		{Rejected, InProgress, RoleOfficer, false},
		{InProgress, Cancelled, RoleCitizen, true},
		{Cancelled, Submitted, RoleCitizen, false},
	}
	for _, c := range cases {
		if got := Allowed(c.from, c.to, c.role); got != c.ok {
			t.Errorf("Allowed(%s -> %s by %s) = %v, want %v", c.from, c.to, c.role, got, c.ok)
		}
	}
	for s := range transitions {
		if StatusNames[s] == "" {
			t.Errorf("status %s has no name", s)
		}
	}
}

func TestFinalStatusesAreRejectedCompletedCancelled(t *testing.T) {
	for status := range StatusNames {
		want := status == Rejected || status == Completed || status == Cancelled
		if Final(status) != want {
			t.Errorf("Final(%s) = %v, want %v", status, Final(status), want)
		}
	}
}
