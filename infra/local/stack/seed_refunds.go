package stack

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/payments"
)

// seedRefund gives the demo citizen a refunded payment: a state duty for
// registering a car, paid through the emulator's page, which the traffic
// police then cancelled (the registration never took place). The portal
// refunds it at once, through the emulator: the charge ends cancelled and
// refunded, the payment shows its refund (GET /payments/{id}/refunds), and
// the «Чек возврата» is among the documents, verifiable like a receipt
// (DemoRefundReceipt is its verification code).
func (s *Stack) seedRefund(ctx context.Context, charges *payments.Charges, pays *payments.Payments, me actor.Actor, snils string,
	day func(int) string, seq int64) error {
	uin := payments.NewUIN("18810177", seq+2)
	gibdd := actor.Agency("gibdd", "demo-seed")
	if _, _, err := charges.Post(ctx, gibdd, uin, payments.ChargeInput{Kind: payments.KindDuty,
		Purpose: "Госпошлина за регистрацию транспортного средства с выдачей государственных регистрационных знаков", Amount: 285000,
		Basis: payments.Basis{Document: "application", Number: "Заявление на регистрацию ТС", Date: day(-3)},
		Due:   day(11), Payer: payments.Payer{SNILS: snils}}); err != nil {
		return fmt.Errorf("demo duty to refund: %w", err)
	}
	paid, err := s.payOnPage(ctx, pays, me, uin)
	if err != nil {
		return err
	}
	if _, err := charges.Cancel(ctx, gibdd, uin, "Регистрационное действие не проводилось: заявление отозвано"); err != nil {
		return fmt.Errorf("demo duty cancelled after payment: %w", err)
	}
	refunded, err := pays.Get(ctx, me, paid.ID)
	if err != nil {
		return err
	}
	if len(refunded.Refunds) != 1 || refunded.Refunds[0].Receipt == nil {
		return fmt.Errorf("demo refund of %s: %+v", paid.ID, refunded.Refunds)
	}
	s.DemoRefundReceipt = refunded.Refunds[0].Receipt.VerificationCode
	return nil
}
