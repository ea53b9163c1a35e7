package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
)

// fake records every service call on the shared Recorder.
type fake struct{ httpapitest.Recorder }

func (f *fake) Post(_ context.Context, a actor.Actor, uin string, in payments.ChargeInput) (payments.AgencyCharge, bool, error) {
	return payments.AgencyCharge{UIN: uin}, true, f.Record("Post", a, uin, in.Kind, a.Agency())
}
func (f *fake) Cancel(_ context.Context, a actor.Actor, uin, reason string) (payments.AgencyCharge, error) {
	return payments.AgencyCharge{UIN: uin}, f.Record("Cancel", a, uin, reason)
}
func (f *fake) AgencyGet(_ context.Context, a actor.Actor, uin string) (payments.AgencyCharge, error) {
	return payments.AgencyCharge{UIN: uin}, f.Record("AgencyGet", a, uin, a.Agency())
}
func (f *fake) List(_ context.Context, a actor.Actor, fl payments.ChargeFilter, _ string, _ int32) ([]payments.ChargeView, string, error) {
	return nil, "", f.Record("Charges.List", a, fl.Status)
}
func (f *fake) Card(_ context.Context, a actor.Actor, uin string) (payments.ChargeView, error) {
	return payments.ChargeView{ID: uin}, f.Record("Card", a, uin)
}
func (f *fake) Lookup(_ context.Context, a actor.Actor, uin string) (payments.ChargeView, error) {
	return payments.ChargeView{ID: uin}, f.Record("Lookup", a, uin)
}
func (f *fake) AddVehicle(_ context.Context, a actor.Actor, in payments.VehicleInput) (payments.Vehicle, error) {
	return payments.Vehicle{}, f.Record("AddVehicle", a, in.Plate, in.Certificate)
}
func (f *fake) Vehicles(_ context.Context, a actor.Actor) ([]payments.Vehicle, error) {
	return nil, f.Record("Vehicles", a)
}
func (f *fake) RemoveVehicle(_ context.Context, a actor.Actor, id string) error {
	return f.Record("RemoveVehicle", a, id)
}
func (f *fake) AddUtilityAccount(_ context.Context, a actor.Actor, in payments.UtilityAccountInput) (payments.UtilityAccountView, error) {
	return payments.UtilityAccountView{}, f.Record("AddUtilityAccount", a, in.Provider, in.Account)
}
func (f *fake) UtilityAccounts(_ context.Context, a actor.Actor) ([]payments.UtilityAccountView, error) {
	return nil, f.Record("UtilityAccounts", a)
}
func (f *fake) RemoveUtilityAccount(_ context.Context, a actor.Actor, id string) error {
	return f.Record("RemoveUtilityAccount", a, id)
}

func (f *fake) SubmitReadings(_ context.Context, a actor.Actor, id string, in []payments.Reading) ([]payments.ReadingView, error) {
	return nil, f.Record("SubmitReadings", a, id, in[0].Meter, string(in[0].Value))
}
func (f *fake) Readings(_ context.Context, a actor.Actor, id string) ([]payments.ReadingView, error) {
	return nil, f.Record("Readings", a, id)
}
func (f *fake) ProviderReadings(_ context.Context, a actor.Actor, provider string, since time.Time, _ string, _ int32) ([]payments.ProviderReading, string, error) {
	return nil, "", f.Record("ProviderReadings", a, provider, since.Format(time.RFC3339), a.Agency())
}

// fakePayments is the payments half of the fake.
type fakePayments struct{ *fake }

func (f fakePayments) Pay(_ context.Context, a actor.Actor, key string, in payments.PayRequest) (payments.Answer, error) {
	return payments.Answer{Status: 201}, f.Record("Pay", a, key, strings.Join(in.Charges, ","))
}
func (f fakePayments) StartConfirmation(_ context.Context, a actor.Actor, in payments.PayRequest) (accounts.SignaturePending, int64, error) {
	return accounts.SignaturePending{Method: "sms"}, 1, f.Record("StartConfirmation", a, strings.Join(in.Charges, ","))
}
func (f fakePayments) Notify(_ context.Context, body []byte) error {
	return f.Record("Notify", actor.Actor{}, string(body[:10]))
}
func (f fakePayments) Get(_ context.Context, a actor.Actor, id string) (payments.PaymentView, error) {
	return payments.PaymentView{ID: id}, f.Record("Get", a, id)
}
func (f fakePayments) List(_ context.Context, a actor.Actor, fl payments.PaymentFilter, _ string, _ int32) ([]payments.PaymentView, string, error) {
	return nil, "", f.Record("Payments.List", a, fl.Status, fl.From.Format(time.DateOnly), fl.To.Format(time.DateOnly))
}
func (f fakePayments) CSV(_ context.Context, a actor.Actor, fl payments.PaymentFilter) ([]byte, error) {
	return []byte("\ufeff"), f.Record("CSV", a)
}
func (f fakePayments) StatementPDF(_ context.Context, a actor.Actor, _ payments.Printer, fl payments.PaymentFilter) ([]byte, error) {
	return []byte("%PDF-"), f.Record("StatementPDF", a)
}
func (f fakePayments) ReceiptFile(_ context.Context, a actor.Actor, _ payments.Files, id string) (blob.PresignedRequest, error) {
	return blob.PresignedRequest{URL: "https://bucket.example/receipt.pdf"}, f.Record("ReceiptFile", a, id)
}

func (f fakePayments) Flagged(_ context.Context, a actor.Actor, _ string, _ int32) ([]payments.FlaggedPayment, string, error) {
	return nil, "", f.Record("Flagged", a)
}

func (f fakePayments) GetLimits(_ context.Context, a actor.Actor) (payments.LimitsView, error) {
	return payments.LimitsView{}, f.Record("GetLimits", a)
}
func (f fakePayments) SetLimits(_ context.Context, a actor.Actor, l payments.Limits) (payments.LimitsView, error) {
	return payments.LimitsView{}, f.Record("SetLimits", a, fmt.Sprint(l.PerPayment, l.PerDay, l.PerMonth))
}

// fakeMethods and fakeAutopays are the linked cards' and autopay's halves.
type fakeMethods struct{ *fake }

func (f fakeMethods) Link(_ context.Context, a actor.Actor) (payments.MethodView, error) {
	return payments.MethodView{}, f.Record("Link", a)
}
func (f fakeMethods) List(_ context.Context, a actor.Actor) ([]payments.MethodView, error) {
	return nil, f.Record("Methods.List", a)
}
func (f fakeMethods) Get(_ context.Context, a actor.Actor, id string) (payments.MethodView, error) {
	return payments.MethodView{ID: id}, f.Record("Methods.Get", a, id)
}
func (f fakeMethods) StartConfirmation(_ context.Context, a actor.Actor, id string) (accounts.SignaturePending, error) {
	return accounts.SignaturePending{Method: "sms"}, f.Record("Methods.StartConfirmation", a, id)
}
func (f fakeMethods) Confirm(_ context.Context, a actor.Actor, id, code string) (payments.MethodView, error) {
	return payments.MethodView{ID: id}, f.Record("Methods.Confirm", a, id, code)
}
func (f fakeMethods) Unlink(_ context.Context, a actor.Actor, id string) error {
	return f.Record("Methods.Unlink", a, id)
}

type fakeAutopays struct{ *fake }

func (f fakeAutopays) CreateRule(_ context.Context, a actor.Actor, in payments.AutopayRuleInput) (payments.AutopayRule, error) {
	return payments.AutopayRule{}, f.Record("CreateRule", a, in.UtilityAccount, in.PaymentMethod, string(in.MaxPerCharge), string(in.MaxPerMonth))
}
func (f fakeAutopays) Rules(_ context.Context, a actor.Actor) ([]payments.AutopayRule, error) {
	return nil, f.Record("Rules", a)
}
func (f fakeAutopays) CancelRule(_ context.Context, a actor.Actor, id string) (payments.AutopayRule, error) {
	return payments.AutopayRule{ID: id}, f.Record("CancelRule", a, id)
}
func (f fakeAutopays) List(_ context.Context, a actor.Actor, _ string, limit int32) ([]payments.Autopay, string, error) {
	return nil, "", f.Record("Autopays.List", a, fmt.Sprint(limit))
}
func (f fakeAutopays) Cancel(_ context.Context, a actor.Actor, uin string) (payments.Autopay, error) {
	return payments.Autopay{ID: uin}, f.Record("Autopays.Cancel", a, uin)
}

// fakeRefunds is the refunds part of the fake.
type fakeRefunds struct{ *fake }

func (f fakeRefunds) Request(_ context.Context, a actor.Actor, id, key string, in payments.RefundRequest) (payments.RefundView, error) {
	return payments.RefundView{ID: "r1", PaymentID: id}, f.Record("Refunds.Request", a, id, key, string(in.Amount), in.UIN)
}
func (f fakeRefunds) List(_ context.Context, a actor.Actor, id, cursor string, limit int32) ([]payments.RefundView, string, error) {
	return nil, "", f.Record("Refunds.List", a, id, cursor, fmt.Sprint(limit))
}

func fakeRouter(f *fake) *httpapi.Router {
	h := &handler{charges: f, payments: fakePayments{f}, refunds: fakeRefunds{f}, methods: fakeMethods{f}, autopay: fakeAutopays{f}}
	return h.router(httpapi.NewRouter("payments", logging.New(io.Discard, "error"))).Guard(httpapitest.AdmitAll{})
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

const uin = "18810177200000123453"

// Every route reaches its service call as the caller the sample event
// describes: an agency system as its agency, a person as themselves.
func TestEachRouteCallsItsServiceAsTheCaller(t *testing.T) {
	routes := []httpapitest.Route{
		{Event: "agency-charges-put.json", Method: "Post", Status: 201, Args: []string{uin, "fine", "gibdd"}},
		{Event: "agency-charges-get.json", Method: "AgencyGet", Status: 200, Args: []string{uin, "gibdd"}},
		{Event: "agency-charges-cancel.json", Method: "Cancel", Status: 200, Args: []string{uin, "Постановление отменено решением суда"}},
		{Event: "charges-list.json", Method: "Charges.List", Status: 200, Args: []string{"unpaid"}},
		{Event: "charges-get.json", Method: "Card", Status: 200, Args: []string{uin}},
		{Event: "charges-lookup.json", Method: "Lookup", Status: 200, Args: []string{uin}},
		{Event: "vehicles-list.json", Method: "Vehicles", Status: 200},
		{Event: "vehicles-add.json", Method: "AddVehicle", Status: 201, Args: []string{"А123ВС77", "77УЕ123456"}},
		{Event: "vehicles-delete.json", Method: "RemoveVehicle", Status: 204, Args: []string{"Qk3vR9xTz1Aa"}},
		{Event: "utility-accounts-list.json", Method: "UtilityAccounts", Status: 200},
		{Event: "utility-accounts-add.json", Method: "AddUtilityAccount", Status: 201, Args: []string{"eirc", "1234567890"}},
		{Event: "utility-accounts-delete.json", Method: "RemoveUtilityAccount", Status: 204, Args: []string{"Qk3vR9xTz1Ab"}},
		{Event: "payments-create.json", Method: "Pay", Status: 201, Args: []string{"5f0c3a4e-2b7d-4e1a-9c3f-8d2e1b0a7c6d", uin}},
		{Event: "payments-confirmation.json", Method: "StartConfirmation", Status: 200, Args: []string{uin}},
		{Event: "payments-list.json", Method: "Payments.List", Status: 200, Args: []string{"succeeded", "2026-01-01", "2027-01-01"}},
		{Event: "payments-csv.json", Method: "CSV", Status: 200},
		{Event: "payments-statement.json", Method: "StatementPDF", Status: 200},
		{Event: "payments-get.json", Method: "Get", Status: 200, Args: []string{"20261125T090000-AbCdEfGhIjKl"}},
		{Event: "payments-receipt.json", Method: "ReceiptFile", Status: 303, Args: []string{"20261125T090000-AbCdEfGhIjKl"}},
		{Event: "payments-notification.json", Method: "Notify", Status: 200},
		{Event: "support-payments-flagged.json", Method: "Flagged", Status: 200},
		{Event: "payments-limits-get.json", Method: "GetLimits", Status: 200},
		{Event: "utility-readings-submit.json", Method: "SubmitReadings", Status: 201, Args: []string{"Qk3vR9xTz1Ab", "ХВС кухня", "123.456"}},
		{Event: "utility-readings-list.json", Method: "Readings", Status: 200, Args: []string{"Qk3vR9xTz1Ab"}},
		{Event: "agency-readings.json", Method: "ProviderReadings", Status: 200, Args: []string{"eirc", "2026-11-15T00:00:00Z", "utility"}},
		{Event: "payments-limits-put.json", Method: "SetLimits", Status: 200, Args: []string{"5000000 10000000 0"}},
		{Event: "payment-methods-link.json", Method: "Link", Status: 201},
		{Event: "payment-methods-list.json", Method: "Methods.List", Status: 200},
		{Event: "payment-methods-get.json", Method: "Methods.Get", Status: 200, Args: []string{"Qk3vR9xTz1Ac"}},
		{Event: "payment-methods-unlink.json", Method: "Methods.Unlink", Status: 204, Args: []string{"Qk3vR9xTz1Ac"}},
		{Event: "payment-methods-confirmation.json", Method: "Methods.StartConfirmation", Status: 200, Args: []string{"Qk3vR9xTz1Ac"}},
		{Event: "payment-methods-confirm.json", Method: "Methods.Confirm", Status: 200, Args: []string{"Qk3vR9xTz1Ac", "123456"}},
		{Event: "autopay-rules-create.json", Method: "CreateRule", Status: 201, Args: []string{"Qk3vR9xTz1Ab", "Qk3vR9xTz1Ac", "1000000", "2000000"}},
		{Event: "autopay-rules-list.json", Method: "Rules", Status: 200},
		{Event: "autopay-rules-cancel.json", Method: "CancelRule", Status: 200, Args: []string{"Qk3vR9xTz1Ad"}},
		{Event: "autopays-list.json", Method: "Autopays.List", Status: 200, Args: []string{"20"}},
		{Event: "autopays-cancel.json", Method: "Autopays.Cancel", Status: 200, Args: []string{"00000000000000000019"}},
		{Event: "payments-refunds-create.json", Method: "Refunds.Request", Status: 201,
			Args: []string{"20261125T090000-AbCdEfGhIjKl", "3b6f0d2e-9c1a-4f7e-8a2b-5d4c3e2f1a0b", "25000", uin}},
		{Event: "payments-refunds-list.json", Method: "Refunds.List", Status: 200, Args: []string{"20261125T090000-AbCdEfGhIjKl", "", "20"}},
	}
	httpapitest.CheckRoutes(t, routes, newFake, "Notify")
}

// Malformed input is refused before the service is asked.
func TestBadInputIsRefusedBeforeTheService(t *testing.T) {
	httpapitest.CheckRefusals(t, []httpapitest.Refusal{
		{Event: "agency-charges-put.json", Body: `{"amount":"500"}`, Status: 400, Code: "malformed_json"},
		{Event: "agency-charges-put.json", Body: `{"kind":"fine","extra":1}`, Status: 400, Code: "malformed_json"},
		{Event: "payments-create.json", Body: `{"charges":"x"}`, Status: 400, Code: "malformed_json"},
		{Event: "payments-list.json", Query: map[string]string{"from": "yesterday"}, Status: 422, Code: "validation_failed"},
		{Event: "payments-list.json", Query: map[string]string{"minAmount": "1.5"}, Status: 422, Code: "validation_failed"},
		{Event: "charges-list.json", Query: map[string]string{"limit": "1000"}, Status: 422, Code: "validation_failed"},
		{Event: "vehicles-add.json", Body: `[]`, Status: 400, Code: "malformed_json"},
		{Event: "autopay-rules-create.json", Body: `{"maxPerCharge":"x"}`, Status: 400, Code: "malformed_json"},
		{Event: "autopay-rules-create.json", Body: `{"kind":"fine","card":"1"}`, Status: 400, Code: "malformed_json"},
		{Event: "payment-methods-confirm.json", Body: `{"code":123456}`, Status: 400, Code: "malformed_json"},
		{Event: "autopays-list.json", Query: map[string]string{"limit": "0"}, Status: 422, Code: "validation_failed"},
		{Event: "payments-refunds-create.json", Body: `{"amount":1,"reason":"x"}`, Status: 400, Code: "malformed_json"},
		{Event: "payments-refunds-create.json", Body: `[1]`, Status: 400, Code: "malformed_json"},
		{Event: "payments-refunds-list.json", Query: map[string]string{"limit": "0"}, Status: 422, Code: "validation_failed"},
	}, newFake)
}

// The services' errors become problem+json with their status.
func TestServiceErrorsMapToProblems(t *testing.T) {
	httpapitest.CheckFailures(t, []httpapitest.Failure{
		{Event: "agency-charges-put.json", Err: problem.Invalid(problem.Field{Field: "uin", Code: "uin.checksum"}), Status: 422},
		{Event: "agency-charges-put.json", Err: problem.NotFound("начисление"), Status: 404},
		{Event: "agency-charges-cancel.json", Err: problem.Conflict("charge_paid", "x"), Status: 409},
		{Event: "payments-create.json", Err: problem.Conflict("idempotency_in_flight", "x"), Status: 409},
		{Event: "payments-create.json", Err: problem.New(problem.KindPreconditionRequired, "confirmation_required", "x"), Status: 428},
		{Event: "payments-create.json", Err: problem.New(problem.KindUnavailable, "payment_provider_unavailable", "x"), Status: 503},
		{Event: "payments-notification.json", Err: problem.BadRequest("payment_notification_malformed", "x"), Status: 400},
		{Event: "payments-notification.json", Err: io.ErrUnexpectedEOF, Status: 500},
		{Event: "payments-receipt.json", Err: problem.NotFound("платёж"), Status: 404},
		{Event: "payment-methods-link.json", Err: problem.Conflict("too_many_payment_methods", "x"), Status: 409},
		{Event: "payment-methods-confirm.json", Err: problem.Invalid(problem.Field{Field: "code", Code: "code.wrong"}), Status: 422},
		{Event: "autopay-rules-create.json", Err: problem.Invalid(problem.Field{Field: "paymentMethod", Code: "payment_method.unknown"}), Status: 422},
		{Event: "autopays-cancel.json", Err: problem.Conflict("autopay_in_progress", "x"), Status: 409},
		{Event: "payments-refunds-create.json", Err: problem.Invalid(problem.Field{Field: "amount", Code: "refund.amount_above_refundable"}), Status: 422},
		{Event: "payments-refunds-create.json", Err: problem.Conflict("nothing_to_refund", "x"), Status: 409},
		{Event: "payments-refunds-create.json", Err: problem.BadRequest("idempotency_key_required", "x"), Status: 400},
		{Event: "payments-refunds-list.json", Err: problem.NotFound("платёж"), Status: 404},
	}, func(err error) *httpapi.Router { return fakeRouter(&fake{httpapitest.Recorder{Err: err}}) })
}
