package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/problem"
)

// devicePush is what the handler needs of snsmsg.Messenger.
type devicePush interface {
	RegisterDevice(ctx context.Context, platformARN, token, userData string) (string, error)
	UnregisterDevice(ctx context.Context, endpointARN string) error
}

type handler struct {
	store     *inbox.Store
	push      devicePush
	platforms map[string]string
	base      *app.Base
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
	items, next, err := h.store.List(ctx, id.Subject, unread, cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, page{Items: items, NextCursor: next})
}

func (h *handler) unread(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	n, err := h.store.Unread(ctx, id.Subject)
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
	if err := h.store.MarkRead(ctx, id.Subject, nid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) markAll(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	n, err := h.store.MarkAllRead(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]int{"marked": n})
}

func (h *handler) getPrefs(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	p, err := h.store.Preferences(ctx, id.Subject)
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
	cur, err := h.store.Preferences(ctx, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	next := cur
	for cat, chans := range in.Channels {
		if chans == nil {
			return httpapi.Response{}, problem.Invalid(problem.Field{Field: "channels." + cat, Code: "category.null",
				Message: "Укажите каналы категории объектом, например {\"email\": true}"})
		}
		merged := map[string]bool{}
		for ch, on := range next.Channels[cat] {
			merged[ch] = on
		}
		for ch, on := range chans {
			merged[ch] = on
		}
		next.Channels[cat] = merged
	}
	for ch, n := range in.DailyCap {
		next.DailyCap[ch] = n
	}
	switch q := strings.TrimSpace(string(in.QuietHours)); q {
	case "":
	case "null":
		next.QuietHours = nil
	default:
		var qh inbox.QuietHours
		if err := json.Unmarshal(in.QuietHours, &qh); err != nil {
			return httpapi.Response{}, problem.BadRequest("malformed_json", "quietHours: ожидается объект {start, end} или null")
		}
		next.QuietHours = &qh
	}
	p, err := h.store.SetPreferences(ctx, id.Subject, next, version, h.base.Clock.Now())
	if err != nil {
		return httpapi.Response{}, err
	}
	res, err := httpapi.JSON(http.StatusOK, p)
	return httpapi.WithETag(res, p.Version), err
}

func (h *handler) listDevices(ctx context.Context, _ *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	ds, err := h.store.Devices(ctx, id.Subject)
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
	var fields []problem.Field
	arn, ok := h.platforms[in.Platform]
	if !ok || arn == "" {
		fields = append(fields, problem.Field{Field: "platform", Code: "platform.unsupported", Message: "Платформа: fcm или apns"})
	}
	if len(in.Token) < 8 || len(in.Token) > 4096 || strings.ContainsAny(in.Token, " \t\n") {
		fields = append(fields, problem.Field{Field: "token", Code: "token.invalid", Message: "Некорректный токен устройства"})
	}
	if len(fields) > 0 {
		return httpapi.Response{}, problem.Invalid(fields...)
	}
	endpoint, err := h.push.RegisterDevice(ctx, arn, in.Token, id.Subject)
	if err != nil {
		return httpapi.Response{}, err
	}
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	d := inbox.Device{ID: base64.RawURLEncoding.EncodeToString(b), Platform: in.Platform, EndpointARN: endpoint, CreatedAt: h.base.Clock.Now()}
	if err := h.store.SaveDevice(ctx, id.Subject, d); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, d)
}

func (h *handler) deleteDevice(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	did, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	d, err := h.store.Device(ctx, id.Subject, did)
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.push.UnregisterDevice(ctx, d.EndpointARN); err != nil && !errors.Is(err, notify.ErrEndpointGone) {
		return httpapi.Response{}, err
	}
	if err := h.store.DeleteDevice(ctx, id.Subject, did); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}
