package main

import (
	"context"
	"io"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// fake stands in for documents.Service; it takes the subject, so the fake
// records the caller as a citizen with that subject.
type fake struct{ httpapitest.Recorder }

var _ documentService = (*fake)(nil)

func (f *fake) Declare(_ context.Context, sub string, d documents.Declaration) (documents.Declared, error) {
	return documents.Declared{}, f.Record("Declare", actor.Citizen(sub), d.Type)
}

func (f *fake) Complete(_ context.Context, sub, id string) (documents.Document, error) {
	return documents.Document{ID: id}, f.Record("Complete", actor.Citizen(sub), id)
}

func (f *fake) List(_ context.Context, sub, typ, cursor string, limit int32) ([]documents.Document, string, error) {
	return []documents.Document{}, "", f.Record("List", actor.Citizen(sub), typ)
}

func (f *fake) Get(_ context.Context, sub, id string) (documents.Download, error) {
	return documents.Download{}, f.Record("Get", actor.Citizen(sub), id)
}

func (f *fake) Delete(_ context.Context, sub, id string) error {
	return f.Record("Delete", actor.Citizen(sub), id)
}

func fakeRouter(f *fake) *httpapi.Router {
	return (&handler{svc: f}).router(httpapi.NewRouter("documents", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
}

func TestRoutesMatchTheTable(t *testing.T) {
	if m := fakeRouter(&fake{}).Mismatch(); len(m) > 0 {
		t.Errorf("router and shared/routes disagree: %v", m)
	}
}

// Every route reaches its service call as the caller the event's claims
// name, with the path's id.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	id := []string{"20261123090000-AbCdEfGh"}
	routes := []httpapitest.Route{
		{Event: "documents-declare.json", Method: "Declare", Status: 201},
		{Event: "documents-complete.json", Method: "Complete", Status: 200, Args: id},
		{Event: "documents-list.json", Method: "List", Status: 200},
		{Event: "documents-get.json", Method: "Get", Status: 200, Args: id},
		{Event: "documents-delete.json", Method: "Delete", Status: 204, Args: id},
	}
	httpapitest.CheckRoutes(t, routes, newFake, "Declare", "Complete", "List", "Get", "Delete")
}

func newFake() (*httpapi.Router, *httpapitest.Recorder) {
	f := &fake{}
	return fakeRouter(f), &f.Recorder
}

func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "documents-declare.json", Body: `{"fileName":`, Status: 400, Code: "malformed_json"},
		{Event: "documents-declare.json", Body: `{"fileName":"a.pdf","colour":"red"}`, Status: 400, Code: "malformed_json"},
		{Event: "documents-list.json", Query: map[string]string{"limit": "1000"}, Status: 422, Code: "validation_failed"},
	}, newFake)
}

func TestServiceErrorsMapToProblems(t *testing.T) {
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "documents-declare.json", Err: problem.Invalid(problem.Field{Field: "size", Code: "size.too_large"}), Status: 422},
		{Event: "documents-get.json", Err: problem.NotFound("документ"), Status: 404},
		{Event: "documents-delete.json", Err: problem.Conflict("in_use", "x"), Status: 409},
		{Event: "documents-complete.json", Err: io.ErrUnexpectedEOF, Status: 500},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}
