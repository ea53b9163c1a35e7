package main

import (
	"context"
	"net/http"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/settings"
)

// settingsService is what the handler needs of settings.Service.
type settingsService interface {
	Get(ctx context.Context, a actor.Actor) (settings.Settings, error)
	Update(ctx context.Context, a actor.Actor, next settings.Settings, ifVersion int64) (settings.Settings, error)
}

var _ settingsService = (*settings.Service)(nil)

type handler struct {
	settings settingsService
	base     *app.Base
}

func (h *handler) router() *httpapi.Router {
	r := httpapi.NewRouter("me", h.base.Log)
	r.HandleAuthed("GET /me", h.me)
	r.HandleAuthed("GET /me/settings", h.getSettings)
	r.HandleAuthed("PUT /me/settings", h.putSettings)
	r.HandleMachine("GET /agency/whoami", h.agencyWhoami)
	return r
}

// Me is the caller as the token describes them.
type Me struct {
	Subject    string   `json:"sub"`
	Username   string   `json:"username"`
	Groups     []string `json:"groups"`
	Department string   `json:"department,omitempty"`
	// Organisation is a staff member's organisation (group staff).
	Organisation string    `json:"organisation,omitempty"`
	Level        string    `json:"level,omitempty"`
	ClientID     string    `json:"clientId"`
	AuthTime     time.Time `json:"authTime"`
}

func (h *handler) me(_ context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	groups := id.Groups
	if groups == nil {
		groups = []string{}
	}
	return httpapi.JSON(http.StatusOK, Me{Subject: id.Subject, Username: id.Username, Groups: groups,
		Department: id.Department, Organisation: id.Organisation, Level: id.Level, ClientID: id.ClientID, AuthTime: id.AuthTime})
}

func (h *handler) getSettings(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	s, err := h.settings.Get(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, s)
	return httpapi.WithETag(res, s.Version), err
}

type settingsInput struct {
	TimeZone string `json:"timeZone"`
	Locale   string `json:"locale"`
}

// putSettings replaces the settings. It needs If-Match with the ETag the
// client read (428 without it); a stale one is refused with 409.
func (h *handler) putSettings(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in settingsInput
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	version, err := httpapi.IfMatch(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	s, err := h.settings.Update(ctx, id.Actor(req), settings.Settings{TimeZone: in.TimeZone, Locale: in.Locale}, version)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, s)
	return httpapi.WithETag(res, s.Version), err
}

// AgencyWhoami is the calling agency system as its token describes it.
type AgencyWhoami struct {
	Agency   string   `json:"agency"`
	ClientID string   `json:"clientId"`
	Scopes   []string `json:"scopes"`
}

// agencyWhoami answers which agency system calls: what a system's
// developers check first when they connect (DESIGN 11). A partner's token
// is refused here (403 not_an_agency).
func (h *handler) agencyWhoami(_ context.Context, req *httpapi.Request, m httpapi.Machine) (httpapi.Response, error) {
	a := m.Actor(req)
	if err := a.RequireAnyAgency(); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, AgencyWhoami{Agency: a.Agency(), ClientID: a.ClientID(), Scopes: m.Scopes})
}
