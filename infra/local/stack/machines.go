package stack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kabinet/kabinet/infra/local/oauthemu"
)

// Machine clients (DESIGN 11): the template's app clients with a secret and
// the client-credentials grant are agency and partner systems. Their
// secrets are made by cognito-local at each start, so they exist only in
// this run and are printed by `make run`; the local token endpoint
// (oauthemu, on a port of its own as the pool's domain is a host of its own
// on AWS) issues their tokens.

// MachineClient is an app client a system calls the API with.
type MachineClient struct {
	// LogicalID and Name are the template's (AgencyGibddClient, agency-gibdd).
	LogicalID, Name string
	ClientID        string
	// Secret is this run's local secret.
	Secret string
	Scopes []string
}

// machineClients returns the template's app clients for the token
// endpoint, and those that are systems' (client credentials). A client
// allowed a scope no resource server declares is an error, as Cognito
// refuses to create it.
func (s *Stack) machineClients() ([]oauthemu.Client, []MachineClient, error) {
	declared := s.Template.ResourceScopes()
	var all []oauthemu.Client
	var machines []MachineClient
	for _, ac := range s.Template.AppClients() {
		for _, sc := range ac.OAuthScopes {
			if !slices.Contains(declared, sc) {
				return nil, nil, fmt.Errorf("app client %s: scope %s is declared by no resource server", ac.LogicalID, sc)
			}
		}
		c := oauthemu.Client{ID: s.Resources[ac.LogicalID], Secret: s.clientSecrets[ac.LogicalID], Flows: ac.OAuthFlows,
			Scopes: ac.OAuthScopes, Validity: ac.AccessTokenValidity}
		all = append(all, c)
		if c.Secret != "" && slices.Contains(c.Flows, "client_credentials") {
			machines = append(machines, MachineClient{LogicalID: ac.LogicalID, Name: ac.Name, ClientID: c.ID, Secret: c.Secret, Scopes: c.Scopes})
		}
	}
	return all, machines, nil
}

// startTokenEndpoint serves the user pool domain's token endpoint.
func (s *Stack) startTokenEndpoint() error {
	clients, machines, err := s.machineClients()
	if err != nil {
		return err
	}
	if s.OAuth, err = oauthemu.New(s.Issuer, clients, s.opts.Clock); err != nil {
		return fmt.Errorf("token endpoint: %w", err)
	}
	ln, err := listen(s.opts.TokenAddr)
	if err != nil {
		return fmt.Errorf("token endpoint: %w", err)
	}
	s.TokenURL = s.serve(ln, s.OAuth) + "/oauth2/token"
	s.Machines = machines
	return nil
}

// Machine returns the machine client of a template logical id.
func (s *Stack) Machine(logicalID string) (MachineClient, bool) {
	for _, m := range s.Machines {
		if m.LogicalID == logicalID {
			return m, true
		}
	}
	return MachineClient{}, false
}

// machineSummary is the part of `make run`'s summary about machine clients:
// the token endpoint, every client with its local secret, and how to call
// the API as the first.
func (s *Stack) machineSummary() string {
	if len(s.Machines) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n  Agency and partner systems (client credentials; secrets made for this run only):\n")
	fmt.Fprintf(&b, "    token endpoint %s\n", s.TokenURL)
	for _, m := range s.Machines {
		fmt.Fprintf(&b, "    %-17s client %s  secret %s  scope %s\n", m.Name, m.ClientID, m.Secret, strings.Join(m.Scopes, " "))
	}
	m := s.Machines[0]
	fmt.Fprintf(&b, "\n  Call the API as %s:\n", m.Name)
	fmt.Fprintf(&b, "    TOKEN=$(curl -s -u %s:%s -d grant_type=client_credentials %s | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')\n",
		m.ClientID, m.Secret, s.TokenURL)
	fmt.Fprintf(&b, "    curl -H \"Authorization: Bearer $TOKEN\" %s/agency/whoami\n", s.APIURL)
	return b.String()
}
