package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

type fake struct{ httpapitest.Recorder }

func (f *fake) Request(_ context.Context, a actor.Actor, in consents.RequestInput) (consents.Consent, bool, error) {
	return consents.Consent{}, true, f.Record("Request", a, a.Partner(), in.RequestID, string(in.Level))
}
func (f *fake) List(_ context.Context, a actor.Actor, fl consents.PartnerFilter, _ string, _ int32) ([]consents.Consent, string, error) {
	return nil, "", f.Record("List", a, a.Partner(), string(fl.Status))
}
func (f *fake) Get(_ context.Context, a actor.Actor, id string) (consents.Consent, error) {
	return consents.Consent{ID: id}, f.Record("Get", a, a.Partner(), id)
}
func (f *fake) Data(_ context.Context, a actor.Actor, ref string, q consents.DataRequest) (consents.PersonData, error) {
	cats := make([]string, 0, len(q.Categories))
	for _, c := range q.Categories {
		cats = append(cats, string(c))
	}
	return consents.PersonData{}, f.Record("Data", a, a.Partner(), ref, strings.Join(cats, ","), q.Operator)
}

func fakeRouter(f *fake) *httpapi.Router {
	return (&handler{partners: f}).router(httpapi.NewRouter("partner", logging.New(io.Discard, "error")))
}

func newFake() (*httpapi.Router, *httpapitest.Recorder) {
	f := &fake{}
	return fakeRouter(f), &f.Recorder
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := fakeRouter(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// Every route reaches its service call as the organisation the token's one
// partner scope names.
func TestEachRouteCallsItsServiceAsTheOrganisation(t *testing.T) {
	httpapitest.CheckRoutes(t, []httpapitest.Route{
		{Event: "partner-consents-request.json", Method: "Request", Status: 201, Args: []string{"demobank", "Z-2026-000123", "partial"}},
		{Event: "partner-consents-list.json", Method: "List", Status: 200, Args: []string{"demobank", "active"}},
		{Event: "partner-consents-get.json", Method: "Get", Status: 200, Args: []string{"demobank", "20261123090000-AbCdEfGhIjKl"}},
		{Event: "partner-persons-data.json", Method: "Data", Status: 200,
			Args: []string{"demobank", "Zk3vR9xTz1AaBbCcDdEeFfGg", "personal,contacts", "Иванова А. П."}},
	}, newFake)
}

func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "partner-consents-request.json", Body: `{"requestId":"1","person":"snils"}`, Status: 400, Code: "malformed_json"},
		{Event: "partner-consents-request.json", Body: `{"requestId":"1","secret":true}`, Status: 400, Code: "malformed_json"},
		{Event: "partner-consents-request.json", Headers: map[string]string{"content-type": "text/plain"}, Status: 415, Code: "unsupported_media_type"},
		{Event: "partner-persons-data.json", Headers: map[string]string{"x-operator": "%zz"}, Status: 422, Code: "validation_failed"},
		{Event: "partner-consents-list.json", Query: map[string]string{"limit": "500"}, Status: 422, Code: "validation_failed"},
	}, newFake)
}

func TestServiceErrorsMapToProblems(t *testing.T) {
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "partner-persons-data.json", Err: problem.New(problem.KindForbidden, "consent_not_active", "x"), Status: 403},
		{Event: "partner-persons-data.json", Err: problem.New(problem.KindUnavailable, "access_not_recorded", "x"), Status: 503},
		{Event: "partner-consents-request.json", Err: problem.Conflict("request_id_reused", "x"), Status: 409},
		{Event: "partner-consents-get.json", Err: problem.NotFound("согласие"), Status: 404},
		{Event: "partner-consents-list.json", Err: io.ErrUnexpectedEOF, Status: 500},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}
