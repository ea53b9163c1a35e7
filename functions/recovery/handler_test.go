package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/support/recovery"
)

// fake is a hand-written requests with the calls it saw.
type fake struct {
	requests
	key, id, ip string
	who         actor.Actor
	decision    recovery.DecisionInput
}

func (f *fake) Status(_ context.Context, id, key string) (recovery.Request, error) {
	f.id, f.key = id, key
	if key != "the-key" {
		return recovery.Request{}, problem.NotFound("запрос")
	}
	return recovery.Request{ID: id, Status: recovery.StatusDraft}, nil
}

func (f *fake) Open(_ context.Context, in recovery.OpenInput, meta accounts.Meta) (recovery.Opened, error) {
	f.ip = meta.IP
	return recovery.Opened{Request: recovery.Request{ID: "x", Status: recovery.StatusDraft}, Key: "k"}, nil
}

func (f *fake) Decide(_ context.Context, a actor.Actor, id string, in recovery.DecisionInput) (recovery.Request, error) {
	f.who, f.id, f.decision = a, id, in
	return recovery.Request{ID: id, Status: recovery.StatusContactReplaced}, nil
}

func router(f *fake) *httpapi.Router {
	return (&handler{svc: f}).router(httpapi.NewRouter("recovery", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func event(t *testing.T, name string) httpapi.Request {
	t.Helper()
	req, err := httpapi.ReadEvent("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := router(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// The key travels in X-Recovery-Key, never the URL; without it the answer
// is the service's NotFound.
func TestTheKeyIsReadFromItsHeader(t *testing.T) {
	f := &fake{}
	req := event(t, "recovery-status.json")
	res, _ := router(f).Serve(context.Background(), req)
	if res.StatusCode != 404 || f.key != req.Headers["x-recovery-key"] || f.id != "20261123090000123456a1b2c3d4" {
		t.Errorf("status = %d, key %q id %q", res.StatusCode, f.key, f.id)
	}
	req.Headers["x-recovery-key"] = "the-key"
	if res, _ := router(f).Serve(context.Background(), req); res.StatusCode != 200 {
		t.Errorf("with the key = %d %s", res.StatusCode, res.Body)
	}
}

func TestOpenPassesTheClientAddress(t *testing.T) {
	f := &fake{}
	res, _ := router(f).Serve(context.Background(), event(t, "recovery-open.json"))
	if res.StatusCode != 201 || f.ip != "198.51.100.7" || !strings.Contains(res.Body, `"key":"k"`) {
		t.Errorf("open = %d %s, ip %q", res.StatusCode, res.Body, f.ip)
	}
}

func TestDecisionActsAsTheCaller(t *testing.T) {
	f := &fake{}
	res, _ := router(f).Serve(context.Background(), event(t, "operator-recovery-decision.json"))
	if res.StatusCode != 200 || f.who.Sub != "b7e4c1d2-3f5a-4b6c-9d8e-0f1a2b3c4d5e" || !f.who.In(actor.GroupSupport) || f.decision.Decision != recovery.DecisionReplace {
		t.Errorf("decision = %d %s, by %+v, %+v", res.StatusCode, res.Body, f.who, f.decision)
	}
	req := event(t, "operator-recovery-decision.json")
	req.Body = `{"decision":"unlock","extra":1}`
	if res, _ := router(f).Serve(context.Background(), req); res.StatusCode != 400 {
		t.Errorf("an unknown field = %d, want 400", res.StatusCode)
	}
}
