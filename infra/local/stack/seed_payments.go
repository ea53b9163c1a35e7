package stack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/payments/receiptpdf"
	"github.com/kabinet/kabinet/shared/payments/yookassa"
	"github.com/kabinet/kabinet/shared/vault"
)

// The demo citizen's payments: a car with a traffic fine inside its
// discount window, a property tax notice, a utility bill for an account
// they added, a duty paid through the emulator's page with its receipt
// (DemoReceipt is its verification code), and a refunded payment
// (seed_refunds.go). Agencies post as their systems
// would; the payment goes through the same services as the functions'.

// Demo payer identifiers of the demo citizen.
const (
	DemoPlate       = "А001АА77"
	DemoCertificate = "77ХА123456"
	DemoUtility     = "4001234567"
)

// paymentDeps are the payments services' dependencies, as the functions
// build them.
func (s *Stack) paymentDeps(profiles *accounts.Profiles, d accounts.Deps) (payments.Deps, error) {
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	keys := vault.NewKeyring(s.SecretsClient(), s.Resources["IndexKeySecret"])
	provider, err := yookassa.New(yookassa.Config{BaseURL: s.YooKassaURL + "/v3", ShopID: YooKassaShopID,
		Secret: yookassa.StaticSecretKey(s.YooKassa.SecretKey)})
	if err != nil {
		return payments.Deps{}, err
	}
	portal := s.param("PortalUrl")
	return payments.Deps{DB: db, Keys: keys, Clock: clock.System{}, People: profiles, Inbox: &inbox.Store{DB: db}, Reads: &accesslog.Log{DB: db, Clock: clock.System{}},
		Journal: &journal.Journal{DB: db, Key: keys, Clock: clock.System{}}, Provider: provider, Sealer: d.Sealer, Refunder: provider,
		Receipts: &issued.Service{DB: db, Objects: s3blob.New(s.S3(), s.Resources["Bucket"]), Renderer: receiptpdf.Renderer{},
			Signer: &issued.KMSSigner{Client: s.KMSClient(), KeyID: s.Resources["SigningKey"]}, PortalURL: portal},
		PortalURL: portal, TestPayments: true}, nil
}

func (s *Stack) paymentServices(profiles *accounts.Profiles, d accounts.Deps) (*payments.Charges, *payments.Payments, error) {
	pd, err := s.paymentDeps(profiles, d)
	if err != nil {
		return nil, nil, err
	}
	charges, err := payments.NewCharges(pd)
	if err != nil {
		return nil, nil, err
	}
	pays, err := payments.NewPayments(pd)
	return charges, pays, err
}

func (s *Stack) seedPayments(ctx context.Context, charges *payments.Charges, pays *payments.Payments, cards *demoCards) error {
	var citizen DemoAccount
	for _, d := range s.Demo {
		if d.Username == "citizen" {
			citizen = d
		}
	}
	if citizen.Sub == "" {
		return nil
	}
	me := actor.Citizen(citizen.Sub)
	if _, err := charges.AddVehicle(ctx, me, payments.VehicleInput{Plate: DemoPlate, Certificate: DemoCertificate, Name: "Семейный автомобиль"}); err != nil {
		return fmt.Errorf("demo vehicle: %w", err)
	}
	flat, err := charges.AddUtilityAccount(ctx, me, payments.UtilityAccountInput{
		UtilityAccount: payments.UtilityAccount{Provider: "eirc", Account: DemoUtility}, Name: "Квартира"})
	if err != nil {
		return fmt.Errorf("demo utility account: %w", err)
	}
	// A linked card and an autopay rule for the flat: its bill, posted
	// below, is scheduled to be paid tomorrow.
	if err := s.seedCard(ctx, cards, me, flat.ID); err != nil {
		return err
	}
	now := time.Now().In(clock.Moscow())
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	seq := now.Unix() % 100_000_000
	posts := []struct {
		agency, uin string
		in          payments.ChargeInput
	}{
		{"gibdd", payments.NewUIN("18810177", seq), payments.ChargeInput{Kind: payments.KindFine,
			Purpose: "Штраф за превышение скорости на 20–40 км/ч (камера, Ленинградский проспект)", Amount: 75000,
			Basis: payments.Basis{Document: "resolution", Number: "18810177" + now.Format("060102") + "000001", Date: day(-5), Article: "12.9 ч.2"},
			Due:   day(65), Payer: payments.Payer{VehicleCert: DemoCertificate}}},
		{"fns", payments.NewUIN("18206010", seq), payments.ChargeInput{Kind: payments.KindTax,
			Purpose: "Налог на имущество физических лиц за 2025 год (квартира)", Amount: 487000,
			Basis: payments.Basis{Document: "notice", Number: "№ 12345678 от " + now.AddDate(0, -2, 0).Format("02.01.2006"), Date: day(-60)},
			Due:   day(10), Payer: payments.Payer{INN: "770123456703"}}},
		{"utility", payments.NewUIN("00000000", seq), payments.ChargeInput{Kind: payments.KindUtility,
			Purpose: "Жилищно-коммунальные услуги за " + monthName(now.AddDate(0, -1, 0)), Amount: 543210,
			Basis: payments.Basis{Document: "invoice", Number: "ЕПД " + now.AddDate(0, -1, 0).Format("01.2006"), Date: day(-2)},
			Due:   day(12), Payer: payments.Payer{Utility: &payments.UtilityAccount{Provider: "eirc", Account: DemoUtility}}}},
		{"gibdd", payments.NewUIN("18810177", seq+1), payments.ChargeInput{Kind: payments.KindDuty,
			Purpose: "Госпошлина за выдачу водительского удостоверения", Amount: 200000,
			Basis: payments.Basis{Document: "application", Number: "Заявление в МРЭО", Date: day(-1)},
			Due:   day(14), Payer: payments.Payer{SNILS: citizen.SNILS}}},
	}
	for _, p := range posts {
		if _, _, err := charges.Post(ctx, actor.Agency(p.agency, "demo-seed"), p.uin, p.in); err != nil {
			return fmt.Errorf("demo charge %s: %w", p.in.Kind, err)
		}
	}
	// The duty is paid: through the payment page, as the citizen would.
	paid, err := s.payOnPage(ctx, pays, me, posts[len(posts)-1].uin)
	if err != nil {
		return err
	}
	if paid.Receipt != nil {
		s.DemoReceipt = paid.Receipt.VerificationCode
	}
	return s.seedRefund(ctx, charges, pays, me, citizen.SNILS, day, seq)
}

// payOnPage pays a charge of the person through the emulator's payment
// page, as the person would, and returns the payment once settled.
func (s *Stack) payOnPage(ctx context.Context, pays *payments.Payments, me actor.Actor, uin string) (payments.PaymentView, error) {
	ans, err := pays.Pay(ctx, me, "demo-seed-"+uin, payments.PayRequest{Charges: []string{uin}})
	if err != nil {
		return payments.PaymentView{}, fmt.Errorf("demo payment: %w", err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(ans.Payment.ConfirmationURL, url.Values{"action": {"pay"}})
	if err != nil {
		return payments.PaymentView{}, fmt.Errorf("demo payment page: %w", err)
	}
	res.Body.Close()
	// The emulator notifies the gateway too; settling here does not wait
	// for it, and whichever comes first settles the payment once.
	for _, p := range s.YooKassa.Payments() {
		if p.Metadata["payment"] == ans.Payment.ID {
			body := fmt.Sprintf(`{"type":"notification","event":"payment.succeeded","object":{"id":%q}}`, p.ID)
			if err := pays.Notify(ctx, []byte(body)); err != nil {
				return payments.PaymentView{}, fmt.Errorf("demo payment settlement: %w", err)
			}
		}
	}
	return pays.Get(ctx, me, ans.Payment.ID)
}

var demoMonths = []string{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"}

func monthName(t time.Time) string { return fmt.Sprintf("%s %d", demoMonths[t.Month()-1], t.Year()) }
