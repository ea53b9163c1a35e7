package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

func TestRoutesMatchTheTable(t *testing.T) {
	r := (&handler{}).router(httpapi.NewRouter("profile", logging.New(io.Discard, "error")))
	if m := r.Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{profiles: f, contacts: f, changes: f, docs: fakeDocs{f}, journal: fakeJournal{f}, exports: fakeExports{f}}
	return h.router(httpapi.NewRouter("profile", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

// Every route reaches its service call as the caller the sample event's
// claims describe, with the path's ids; staff routes carry the staff
// person's groups, and the service (not the handler) decides.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	routes := []httpapitest.Route{
		{Event: "profile-get.json", Method: "Profile", Status: 200},
		{Event: "profile-patch.json", Method: "PatchProfile", Status: 200},
		{Event: "profile-history.json", Method: "ProfileHistory", Status: 200},
		{Event: "profile-phone.json", Method: "Start", Status: 202, Args: []string{"phone"}},
		{Event: "profile-phone-confirm.json", Method: "Confirm", Status: 204, Args: []string{"phone"}},
		{Event: "profile-email.json", Method: "Start", Status: 202, Args: []string{"email"}},
		{Event: "profile-email-confirm.json", Method: "Confirm", Status: 204, Args: []string{"email"}},
		{Event: "profile-change-request.json", Method: "File", Status: 201},
		{Event: "profile-change-requests.json", Method: "List", Status: 200},
		{Event: "profile-change-request-get.json", Method: "Get", Status: 200},
		{Event: "officer-change-requests.json", Method: "Pending", Status: 200},
		{Event: "officer-change-decision.json", Method: "Decide", Status: 204},
		{Event: "identity-documents-list.json", Method: "IdentityDocs.List", Status: 200},
		{Event: "identity-documents-add.json", Method: "IdentityDocs.Save", Status: 201, Args: []string{""}},
		{Event: "identity-documents-put.json", Method: "IdentityDocs.Save", Status: 200},
		{Event: "identity-documents-delete.json", Method: "IdentityDocs.Delete", Status: 204},
		{Event: "activity-list.json", Method: "Journal.List", Status: 200},
		{Event: "activity-csv.json", Method: "Journal.All", Status: 200},
		{Event: "activity-verify.json", Method: "Journal.Verify", Status: 200},
		{Event: "profile-export.json", Method: "Build", Status: 201},
		{Event: "profile-export-get.json", Method: "Export.Get", Status: 200},
	}
	httpapitest.CheckRoutes(t, routes, func() (*httpapi.Router, *httpapitest.Recorder) {
		f := &fake{}
		return fakeRouter(f), &f.Recorder
	}, "Journal.List", "Journal.All", "Journal.Verify", "Export.Get")
}

// A decision names approve or reject; anything else is a 422 before the
// service is asked.
func TestBadDecisionIsRefusedBeforeTheService(t *testing.T) {
	req, err := httpapi.ReadEvent("../../events/officer-change-decision.json")
	if err != nil {
		t.Fatal(err)
	}
	req.Body = `{"decision":"maybe"}`
	f := &fake{}
	res, _ := fakeRouter(f).Serve(context.Background(), req)
	if res.StatusCode != 422 || len(f.Calls()) != 0 || !strings.Contains(res.Body, "decision.invalid") {
		t.Errorf("got %d %s and calls %+v, want 422 decision.invalid and no call", res.StatusCode, res.Body, f.Calls())
	}
	f = &fake{httpapitest.Recorder{Err: problem.New(problem.KindForbidden, "self_action", "x")}}
	req.Body = `{"decision":"approve"}`
	if res, _ := fakeRouter(f).Serve(context.Background(), req); res.StatusCode != 403 || !strings.Contains(res.Body, "self_action") {
		t.Errorf("a refusal of the service = %d %s, want its 403", res.StatusCode, res.Body)
	}
}
