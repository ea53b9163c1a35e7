package httpapi

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/problem"
)

// machineClaims are the claims of a Cognito client-credentials access token
// as API Gateway passes them: the client is the subject, no username.
func machineClaims(scope string) map[string]string {
	return map[string]string{
		"sub": "5kek0i61pgkokoob4fsm9fo9it", "client_id": "5kek0i61pgkokoob4fsm9fo9it", "token_use": "access",
		"scope": scope, "auth_time": "1795424100", "iat": "1795424100", "exp": "1795427700", "version": "2",
		"jti": "afa8fe33-607e-4fdb-99ac-81c27d1ddc73",
		"iss": "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Example1",
	}
}

// personClaims are those of a citizen's access token.
func personClaims() map[string]string {
	return map[string]string{"sub": "3f1c2a9e-1111-4a3b-8c4d-5e6f7a8b9c0d", "client_id": "7auofl1wb3mvvv64dgi2s5ds2",
		"token_use": "access", "username": "citizen", "scope": "aws.cognito.signin.user.admin", "jti": "j"}
}

func with(c map[string]string, changes map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func TestReadMachine(t *testing.T) {
	tests := []struct {
		name    string
		claims  map[string]string
		agency  string
		partner string
	}{
		{"agency", machineClaims("kabinet/agency.gibdd"), "gibdd", ""},
		{"partner", machineClaims("kabinet/partner.sberbank"), "", "sberbank"},
		{"with a scope of another resource server", machineClaims("other/read kabinet/agency.fns"), "fns", ""},
		{"code with a hyphen and digits", machineClaims("kabinet/agency.vodokanal-77"), "vodokanal-77", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadMachine(withClaims(tt.claims))
			if err != nil {
				t.Fatalf("ReadMachine() error = %v", err)
			}
			want := Machine{ClientID: "5kek0i61pgkokoob4fsm9fo9it", Scopes: strings.Fields(tt.claims["scope"]),
				TokenID: "afa8fe33-607e-4fdb-99ac-81c27d1ddc73", Agency: tt.agency, Partner: tt.partner}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("ReadMachine() =\n%+v\nwant\n%+v", m, want)
			}
		})
	}
}

func TestReadMachineScopesFromTheAuthorizer(t *testing.T) {
	// The scope claim is what the token says; the authorizer's list is used
	// when the claim is missing.
	req := withClaims(with(machineClaims(""), map[string]string{"scope": ""}))
	req.RequestContext.Authorizer.JWT.Scopes = []string{"kabinet/agency.fssp"}
	m, err := ReadMachine(req)
	if err != nil || m.Agency != "fssp" {
		t.Fatalf("ReadMachine() = %+v, %v; want agency fssp", m, err)
	}
}

func TestReadMachineRefuses(t *testing.T) {
	tests := []struct {
		name     string
		req      *Request
		wantCode string
		status   int
	}{
		{"no authorizer", &Request{}, "unauthenticated", 401},
		{"no claims", withClaims(nil), "unauthenticated", 401},
		{"a citizen's access token", withClaims(personClaims()), "machine_token_required", 401},
		{"a person's token for an agency client", withClaims(with(machineClaims("kabinet/agency.gibdd"), map[string]string{"username": "citizen"})), "machine_token_required", 401},
		{"a person's token named by cognito:username", withClaims(with(machineClaims("kabinet/agency.gibdd"), map[string]string{"cognito:username": "citizen"})), "machine_token_required", 401},
		{"subject other than the client", withClaims(with(machineClaims("kabinet/agency.gibdd"), map[string]string{"sub": "someone"})), "machine_token_required", 401},
		{"an id token", withClaims(with(machineClaims("kabinet/agency.gibdd"), map[string]string{"token_use": "id"})), "machine_token_required", 401},
		{"no client id", withClaims(with(machineClaims("kabinet/agency.gibdd"), map[string]string{"client_id": "", "sub": ""})), "machine_token_required", 401},
		{"no organisation scope", withClaims(machineClaims("other/read")), "organisation_scope", 403},
		{"no scope at all", withClaims(with(machineClaims(""), map[string]string{"scope": ""})), "organisation_scope", 403},
		{"two agency scopes", withClaims(machineClaims("kabinet/agency.gibdd kabinet/agency.fns")), "organisation_scope", 403},
		{"the same agency scope twice", withClaims(machineClaims("kabinet/agency.gibdd kabinet/agency.gibdd")), "organisation_scope", 403},
		{"an agency and a partner scope", withClaims(machineClaims("kabinet/agency.gibdd kabinet/partner.sberbank")), "organisation_scope", 403},
		{"an empty agency code", withClaims(machineClaims("kabinet/agency.")), "organisation_scope", 403},
		{"an agency code with a dot", withClaims(machineClaims("kabinet/agency.gibdd.fines")), "organisation_scope", 403},
		{"an upper-case agency code", withClaims(machineClaims("kabinet/agency.GIBDD")), "organisation_scope", 403},
		{"another resource server's agency scope", withClaims(machineClaims("kabinet2/agency.gibdd")), "organisation_scope", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ReadMachine(tt.req)
			p, ok := problem.As(err)
			if !ok || p.Code != tt.wantCode || StatusOf(err) != tt.status {
				t.Fatalf("ReadMachine() = %+v, %v; want %d %s", m, err, tt.status, tt.wantCode)
			}
		})
	}
}

func TestReadIdentityRefusesMachineTokens(t *testing.T) {
	_, err := ReadIdentity(withClaims(machineClaims("kabinet/agency.gibdd")))
	if p, ok := problem.As(err); !ok || p.Code != "machine_token" || StatusOf(err) != 401 {
		t.Fatalf("ReadIdentity(a system's token) error = %v, want 401 machine_token", err)
	}
	if _, err := ReadIdentity(withClaims(personClaims())); err != nil {
		t.Fatalf("ReadIdentity(a citizen's token) error = %v", err)
	}
}

func TestMachineActor(t *testing.T) {
	req := withClaims(nil)
	req.RequestContext.HTTP.SourceIP, req.RequestContext.HTTP.UserAgent = "203.0.113.9", "gibdd-gis/2.1"
	tests := []struct {
		name string
		m    Machine
		want actor.Actor
	}{
		{"agency", Machine{ClientID: "c1", Agency: "gibdd"}, actor.Agency("gibdd", "c1")},
		{"partner", Machine{ClientID: "c2", Partner: "sberbank"}, actor.Partner("sberbank", "c2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.IP, tt.want.UserAgent = "203.0.113.9", "gibdd-gis/2.1"
			if got := tt.m.Actor(req); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Actor() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRouterHandleMachine(t *testing.T) {
	// No session guard: systems have no session, and the route works without one.
	r := NewRouter("me", discardLogger())
	var got []Machine
	r.HandleMachine("GET /me", func(_ context.Context, _ *Request, m Machine) (Response, error) {
		got = append(got, m)
		return NoContent(), nil
	})
	tests := []struct {
		name   string
		claims map[string]string
		status int
	}{
		{"a system's token", machineClaims("kabinet/agency.gibdd"), 204},
		{"no token", nil, 401},
		{"a citizen's token", personClaims(), 401},
		{"a system's token without its organisation", machineClaims("kabinet/agency.gibdd kabinet/agency.fns"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			req := routed("GET /me")
			if tt.claims != nil {
				req.RequestContext.Authorizer = withClaims(tt.claims).RequestContext.Authorizer
			}
			res, _ := r.Serve(context.Background(), req)
			if res.StatusCode != tt.status {
				t.Fatalf("StatusCode = %d %s, want %d", res.StatusCode, res.Body, tt.status)
			}
			if calls := len(got); (tt.status == 204) != (calls == 1) {
				t.Errorf("handler called %d times", calls)
			}
		})
	}
}

func TestRouterHandleAuthedRefusesMachineTokens(t *testing.T) {
	r := NewRouter("me", discardLogger()).Guard(guardFunc(func(_ context.Context, id Identity) (Identity, error) {
		t.Error("the session guard was asked about a system's token")
		return id, nil
	}))
	r.HandleAuthed("GET /me", func(context.Context, *Request, Identity) (Response, error) {
		t.Error("a person's handler ran for a system's token")
		return NoContent(), nil
	})
	req := routed("GET /me")
	req.RequestContext.Authorizer = withClaims(machineClaims("kabinet/agency.gibdd")).RequestContext.Authorizer
	if res, _ := r.Serve(context.Background(), req); res.StatusCode != 401 || !strings.Contains(res.Body, "machine_token") {
		t.Errorf("GET /me with a system's token = %d %s, want 401 machine_token", res.StatusCode, res.Body)
	}
}

func TestRouterMismatchOfHandlerKinds(t *testing.T) {
	person := func(context.Context, *Request, Identity) (Response, error) { return NoContent(), nil }
	system := func(context.Context, *Request, Machine) (Response, error) { return NoContent(), nil }
	r := NewRouter("me", discardLogger())
	r.HandleMachine("GET /me", system)
	r.HandleAuthed("GET /me/settings", person)
	r.HandleAuthed("PUT /me/settings", person)
	r.HandleAuthed("GET /agency/whoami", person)
	want := []string{"GET /agency/whoami is a machine route but not registered with HandleMachine",
		"GET /me is registered with HandleMachine but is no machine route"}
	if got := r.Mismatch(); !reflect.DeepEqual(got, want) {
		t.Errorf("Mismatch() = %q, want %q", got, want)
	}
	// Registering each again as what it is makes them agree.
	r.HandleAuthed("GET /me", person)
	r.HandleMachine("GET /agency/whoami", system)
	if got := r.Mismatch(); len(got) != 0 {
		t.Errorf("Mismatch() = %q after re-registering, want none", got)
	}
}

func FuzzReadMachine(f *testing.F) {
	f.Add("c1", "c1", "access", "", "kabinet/agency.gibdd", true)
	f.Add("c1", "c1", "access", "", "kabinet/agency.gibdd kabinet/partner.x", true)
	f.Add("s", "c1", "access", "ivan", "kabinet/agency.", true)
	f.Add("", "", "id", "", "kabinet/partner.\x00", false)
	f.Add("c", "c", "access", "", "  kabinet/agency.a\tkabinet/agency.b  ", true)
	f.Fuzz(func(t *testing.T, sub, clientID, tokenUse, username, scope string, withAuthorizer bool) {
		req := &Request{}
		if withAuthorizer {
			req = withClaims(map[string]string{"sub": sub, "client_id": clientID, "token_use": tokenUse, "username": username, "scope": scope})
		}
		m, err := ReadMachine(req)
		if err != nil {
			if k := problem.KindOf(err); k != problem.KindUnauthenticated && k != problem.KindForbidden {
				t.Fatalf("ReadMachine() error = %v, want 401 or 403", err)
			}
			return
		}
		if m.ClientID == "" || m.ClientID != sub || username != "" || tokenUse != "access" {
			t.Fatalf("ReadMachine() admitted %+v from sub %q client %q use %q username %q", m, sub, clientID, tokenUse, username)
		}
		if (m.Agency == "") == (m.Partner == "") || !orgCode().MatchString(m.Agency+m.Partner) {
			t.Fatalf("ReadMachine() = %+v: want exactly one valid organisation", m)
		}
		named := AgencyScope(m.Agency)
		if m.Partner != "" {
			named = PartnerScopePrefix + m.Partner
		}
		if !slices.Contains(strings.Fields(scope), named) {
			t.Fatalf("ReadMachine() = %+v, which the scopes %q do not name", m, scope)
		}
		if _, err := ReadIdentity(req); !problem.Is(err, problem.KindUnauthenticated) {
			t.Fatalf("ReadIdentity() of a system's token = %v, want 401", err)
		}
	})
}
