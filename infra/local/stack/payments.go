package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/infra/local/yookassaemu"
)

// The payment provider is not an AWS service, so it is emulated in process
// on every path, LocalStack's too: ЮKassa's API (yookassaemu) for one test
// shop whose secret key is new each start.

// YooKassaShopID is the emulated shop.
const YooKassaShopID = "700001"

// yookassaSecretName is the Secrets Manager secret holding the shop's key.
const yookassaSecretName = "kabinet-local-yookassa-secret-key"

// PaymentNotificationsPath is the portal's public route ЮKassa notifies.
const PaymentNotificationsPath = "/payments/notifications"

func (s *Stack) startYooKassa() error {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	ln, err := listen(s.opts.YooKassaAddr)
	if err != nil {
		return fmt.Errorf("yookassa emulator: %w", err)
	}
	s.YooKassa = yookassaemu.New(YooKassaShopID, "test_"+base64.RawURLEncoding.EncodeToString(raw))
	// Closed after its listener (closers run newest first): no request
	// starts a delivery once the deliveries are stopped.
	s.onClose(s.YooKassa.Close)
	s.YooKassaURL = s.serve(ln, s.YooKassa)
	return nil
}

// provisionYooKassa keeps the shop's secret key in Secrets Manager, where
// the functions read it as they would on AWS.
func (s *Stack) provisionYooKassa(ctx context.Context) error {
	if s.Secrets != nil {
		s.yookassaSecret = s.Secrets.Put(yookassaSecretName, s.YooKassa.SecretKey)
		return nil
	}
	out, err := s.SecretsClient().CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(yookassaSecretName),
		SecretString: aws.String(s.YooKassa.SecretKey)})
	if err != nil {
		return fmt.Errorf("yookassa secret: %w", err)
	}
	s.yookassaSecret = aws.ToString(out.ARN)
	return nil
}

// YooKassaSecretID is the secret (its ARN) holding the emulated shop's key.
func (s *Stack) YooKassaSecretID() string { return s.yookassaSecret }
