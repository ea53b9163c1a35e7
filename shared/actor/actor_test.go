package actor

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/problem"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestRoles(t *testing.T) {
	officer := Actor{Sub: "s-1", Groups: []string{GroupOfficers}, Department: "mvd"}
	tests := []struct {
		name        string
		a           Actor
		role        Role
		machine     bool
		agency      string
		partner     string
		clientID    string
		wantIsSys   bool
		wantOfficer bool
	}{
		{"citizen", Citizen("s-1"), RoleCitizen, false, "", "", "", false, false},
		{"officer", officer, RoleOfficer, false, "", "", "", false, true},
		{"staff", Actor{Sub: "s-2", Groups: []string{GroupStaff}, Organisation: "gp-12"}, RoleStaff, false, "", "", "", false, false},
		{"system", System(), RoleSystem, false, "", "", "", true, false},
		{"agency", Agency("gibdd", "client-1"), RoleAgency, true, "gibdd", "", "client-1", false, false},
		{"partner", Partner("sberbank", "client-2"), RolePartner, true, "", "sberbank", "client-2", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.a
			if got := a.Role(); got != tt.role {
				t.Errorf("Role() = %q, want %q", got, tt.role)
			}
			if a.IsMachine() != tt.machine || a.Agency() != tt.agency || a.Partner() != tt.partner || a.ClientID() != tt.clientID {
				t.Errorf("IsMachine, Agency, Partner, ClientID = %v %q %q %q; want %v %q %q %q",
					a.IsMachine(), a.Agency(), a.Partner(), a.ClientID(), tt.machine, tt.agency, tt.partner, tt.clientID)
			}
			if officer := a.RequireOfficer() == nil; a.IsSystem() != tt.wantIsSys || officer != tt.wantOfficer {
				t.Errorf("IsSystem, RequireOfficer passes = %v %v; want %v %v", a.IsSystem(), officer, tt.wantIsSys, tt.wantOfficer)
			}
		})
	}
}

func TestAgencyGates(t *testing.T) {
	gibdd := Agency("gibdd", "client-1")
	tests := []struct {
		name     string
		err      error
		wantCode string // "" for allowed
	}{
		{"the agency itself", gibdd.RequireAgency("gibdd"), ""},
		{"any agency", gibdd.RequireAnyAgency(), ""},
		{"another agency's records", gibdd.RequireAgency("fns"), "another_agency"},
		{"no agency named", gibdd.RequireAgency(""), "another_agency"},
		{"an agency without a code", Agency("", "client-1").RequireAnyAgency(), "not_an_agency"},
		{"a citizen", Citizen("s-1").RequireAgency("gibdd"), "not_an_agency"},
		{"a citizen for any agency", Citizen("s-1").RequireAnyAgency(), "not_an_agency"},
		{"an officer of the same department", Actor{Sub: "s", Groups: []string{GroupOfficers}, Department: "gibdd"}.RequireAgency("gibdd"), "not_an_agency"},
		{"the system", System().RequireAnyAgency(), "not_an_agency"},
		{"a partner", Partner("sberbank", "c").RequireAnyAgency(), "not_an_agency"},
		{"the partner itself", Partner("sberbank", "c").RequirePartner("sberbank"), ""},
		{"another partner", Partner("sberbank", "c").RequirePartner("vtb"), "another_partner"},
		{"an agency as a partner", gibdd.RequirePartner("gibdd"), "not_a_partner"},
		{"a citizen as a partner", Citizen("s-1").RequirePartner("sberbank"), "not_a_partner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGate(t, tt.err, tt.wantCode)
		})
	}
}

// Staff act for the organisation of their claim; nobody else passes.
func TestStaffGate(t *testing.T) {
	tests := []struct {
		name     string
		a        Actor
		wantCode string
	}{
		{"staff of an organisation", Actor{Sub: "s", Groups: []string{GroupStaff}, Organisation: "gp-12"}, ""},
		{"staff without an organisation", Actor{Sub: "s", Groups: []string{GroupStaff}}, "no_organisation"},
		{"an organisation claim without the group", Actor{Sub: "s", Organisation: "gp-12"}, "not_staff_of_organisation"},
		{"an officer", Actor{Sub: "s", Groups: []string{GroupOfficers}, Department: "gibdd"}, "not_staff_of_organisation"},
		{"a registrar", Actor{Sub: "s", Groups: []string{GroupRegistrars}}, "not_staff_of_organisation"},
		{"a citizen", Citizen("s"), "not_staff_of_organisation"},
		{"an agency", Agency("gibdd", "c"), "not_staff_of_organisation"},
		{"the system", System(), "not_staff_of_organisation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGate(t, tt.a.RequireStaff(), tt.wantCode)
			if got := tt.a.IsStaff(); got != (tt.wantCode == "") {
				t.Errorf("IsStaff() = %v", got)
			}
		})
	}
}

// A machine actor has no subject, groups or sign-in: every gate for people
// refuses it, and it owns no account.
func TestPeopleGatesRefuseMachines(t *testing.T) {
	for _, m := range []Actor{Agency("gibdd", "client-1"), Partner("sberbank", "client-2")} {
		t.Run(string(m.Role()), func(t *testing.T) {
			tests := []struct {
				name     string
				err      error
				wantCode string
			}{
				{"officer", m.RequireOfficer(), "not_an_officer"},
				{"registrar", m.RequireRegistrar(), "not_a_registrar"},
				{"officer or registrar", m.RequireOfficerOrRegistrar(), "not_staff"},
				{"recent sign-in", m.RequireRecentSignIn(now), "reauthentication_required"},
				{"owner of the client id's account", m.RequireOwner(m.ClientID()), "not_found"},
				{"owner of no account", m.RequireOwner(""), "not_found"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					checkGate(t, tt.err, tt.wantCode)
				})
			}
		})
	}
}

func checkGate(t *testing.T, err error, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	p, ok := problem.As(err)
	if !ok || p.Code != wantCode {
		t.Fatalf("err = %v, want problem %s", err, wantCode)
	}
	if wantCode != "not_found" && p.Kind != problem.KindForbidden {
		t.Errorf("kind = %v, want forbidden", p.Kind)
	}
}

// A person's own records are their subject's; nobody without an account
// has any.
func TestOwnAccount(t *testing.T) {
	tests := []struct {
		name, want string
		a          Actor
	}{
		{"a citizen", "s-1", Citizen("s-1")},
		{"an officer", "s-2", Actor{Sub: "s-2", Groups: []string{GroupOfficers}, Department: "mvd"}},
		{"the portal", "", System()},
		{"an agency's system", "", Agency("gibdd", "client-1")},
		{"a partner's system", "", Partner("sberbank", "client-2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.OwnAccount()
			if got != tt.want || (tt.want == "") != problem.Is(err, problem.KindUnauthenticated) {
				t.Errorf("OwnAccount() = %q, %v; want %q (401 when empty)", got, err, tt.want)
			}
		})
	}
}
