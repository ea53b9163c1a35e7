package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/problem"
)

// notes is what the handler needs of the inbox (inbox.Store).
type notes interface {
	List(ctx context.Context, sub string, unreadOnly bool, cursor string, limit int32) ([]inbox.Record, string, error)
	Unread(ctx context.Context, sub string) (int, error)
	MarkRead(ctx context.Context, sub, id string) error
	MarkAllRead(ctx context.Context, sub string) (int, error)
}

// preferences is what the handler needs of inbox.PreferenceService.
type preferences interface {
	Get(ctx context.Context, a actor.Actor) (inbox.Preferences, error)
	Update(ctx context.Context, a actor.Actor, c inbox.Change, ifVersion int64) (inbox.Preferences, error)
}

// devices is what the handler needs of inbox.DeviceService.
type devices interface {
	List(ctx context.Context, a actor.Actor) ([]inbox.Device, error)
	Add(ctx context.Context, a actor.Actor, platform, token string) (inbox.Device, error)
	Remove(ctx context.Context, a actor.Actor, id string) error
}

var (
	_ notes       = (*inbox.Store)(nil)
	_ preferences = (*inbox.PreferenceService)(nil)
	_ devices     = (*inbox.DeviceService)(nil)
)

type handler struct {
	notes   notes
	prefs   preferences
	devices devices
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.HandleAuthed("GET /notifications", h.list)
	r.HandleAuthed("GET /notifications/unread-count", h.unread)
	r.HandleAuthed("POST /notifications/{id}/read", h.markRead)
	r.HandleAuthed("POST /notifications/read-all", h.markAll)
	r.HandleAuthed("GET /notifications/preferences", h.getPrefs)
	r.HandleAuthed("PUT /notifications/preferences", h.putPrefs)
	r.HandleAuthed("GET /notifications/devices", h.listDevices)
	r.HandleAuthed("POST /notifications/devices", h.addDevice)
	r.HandleAuthed("DELETE /notifications/devices/{id}", h.deleteDevice)
	return r
}

type page struct {
	Items      []inbox.Record `json:"items"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

func (h *handler) list(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	q := req.QueryStringParameters
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	unread := false
	switch q["unread"] {
	case "", "false":
	case "true":
		unread = true
	default:
		return httpapi.Response{}, problem.Invalid(problem.Field{Field: "unread", Code: "boolean", Message: "unread — true или false"})
	}
	items, next, err := h.notes.List(ctx, id.Subject, unread, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page{Items: items, NextCursor: next})
}

func (h *handler) unread(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	n, err := h.notes.Unread(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]int{"unread": n})
}

func (h *handler) markRead(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	nid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.notes.MarkRead(ctx, id.Subject, nid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) markAll(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	n, err := h.notes.MarkAllRead(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]int{"marked": n})
}

func (h *handler) getPrefs(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	p, err := h.prefs.Get(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, p)
	return httpapi.WithETag(res, p.Version), err
}

// prefsInput changes only what it names: categories and caps merge into the
// current preferences; quietHours absent keeps them, null clears them.
type prefsInput struct {
	Channels   map[string]map[string]bool `json:"channels"`
	QuietHours json.RawMessage            `json:"quietHours"`
	DailyCap   map[string]int             `json:"dailyCap"`
}

func (h *handler) putPrefs(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in prefsInput
	if err := httpapi.DecodeJSON(req, 8<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	version, err := httpapi.IfMatch(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	c := inbox.Change{Channels: in.Channels, DailyCap: in.DailyCap}
	switch q := strings.TrimSpace(string(in.QuietHours)); q {
	case "":
	case "null":
		c.ClearQuietHours = true
	default:
		var qh inbox.QuietHours
		if err := json.Unmarshal(in.QuietHours, &qh); err != nil {
			return httpapi.Response{}, problem.BadRequest("malformed_json", "quietHours: ожидается объект {start, end} или null")
		}
		c.QuietHours = &qh
	}
	p, err := h.prefs.Update(ctx, id.Actor(req), c, version)
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, p)
	return httpapi.WithETag(res, p.Version), err
}

func (h *handler) listDevices(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	ds, err := h.devices.List(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string][]inbox.Device{"items": ds})
}

type deviceInput struct {
	Platform string `json:"platform"`
	Token    string `json:"token"`
}

func (h *handler) addDevice(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in deviceInput
	if err := httpapi.DecodeJSON(req, 4<<10, &in); err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.devices.Add(ctx, id.Actor(req), in.Platform, in.Token)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, d)
}

func (h *handler) deleteDevice(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	did, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.devices.Remove(ctx, id.Actor(req), did); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}
