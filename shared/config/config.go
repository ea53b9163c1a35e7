// Package config reads a function's settings from its environment. It is the
// only package that reads environment variables; every name is a Var constant
// below, so a test can check that template.yaml sets each one a function uses.
//
// AWS endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_<SERVICE>), which point the same binary at AWS, LocalStack
// or the embedded local stack. The SDK's clients read them themselves; the
// one client of Kabinet's own (SES v2, notify/sesmail) reads its setting
// here, through Endpoint.
package config

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Var is the name of an environment variable Kabinet reads.
type Var string

// The variables. Those a function reads must be set by template.yaml.
const (
	Stage             Var = "STAGE"
	AppVersion        Var = "APP_VERSION"
	LogLevel          Var = "LOG_LEVEL"
	TableName         Var = "TABLE_NAME"
	BucketName        Var = "BUCKET_NAME"
	UserPoolID        Var = "USER_POOL_ID"
	UserPoolClientID  Var = "USER_POOL_CLIENT_ID"
	EmailFrom         Var = "EMAIL_FROM"
	SESConfigSet      Var = "SES_CONFIGURATION_SET"
	SMSSenderID       Var = "SMS_SENDER_ID"
	NotificationTopic Var = "NOTIFICATION_TOPIC_ARN"
	MaxBodyBytes      Var = "MAX_BODY_BYTES"
	// FieldKeyID is the KMS key that seals passport, SNILS and INN.
	FieldKeyID Var = "FIELD_KEY_ID"
	// IndexKeySecret names the secret holding the blind-index key.
	IndexKeySecret Var = "INDEX_KEY_SECRET_ID"
	// FCMPlatformARN and APNSPlatformARN are the SNS platform applications
	// push devices register with (empty: that platform is not offered).
	FCMPlatformARN  Var = "FCM_PLATFORM_ARN"
	APNSPlatformARN Var = "APNS_PLATFORM_ARN"
	// SigningKeyID is the KMS key (ECC_NIST_P256, SIGN_VERIFY) that signs
	// the documents departments issue.
	SigningKeyID Var = "SIGNING_KEY_ID"
	// PortalURL is the public origin of the web client; the QR code on an
	// issued document points to <PortalURL>/verify/<code>.
	PortalURL Var = "PORTAL_URL"
	// PasswordProfile picks the password policy: seeds (default) or nist.
	PasswordProfile Var = "PASSWORD_PROFILE"
	// SessionIdle is how long a session may go without a request before it
	// ends (a Go duration; every function's session guard reads it).
	SessionIdle Var = "SESSION_IDLE_TIMEOUT"
	// SMSDailyLimit is the day's SMS volume past which anonymous flows
	// (registration, recovery) stop sending (0: no guard).
	SMSDailyLimit Var = "SMS_DAILY_LIMIT"
	// SendsPerAddressHour and SendsPerAddressDay bound the codes anonymous
	// flows send at the request of one client address in an hour and in a
	// day (shared/sendlimit).
	SendsPerAddressHour Var = "SENDS_PER_ADDRESS_HOUR"
	SendsPerAddressDay  Var = "SENDS_PER_ADDRESS_DAY"
	// YooKassaAPIURL is the root of the payment provider's API (ЮKassa v3;
	// https://api.yookassa.ru/v3 when unset). The local stack points it at
	// its emulator, as AWS_ENDPOINT_URL_* point the SDK at the others.
	YooKassaAPIURL Var = "YOOKASSA_API_URL"
	// YooKassaShopID is the shop's id at ЮKassa (the user of Basic auth).
	YooKassaShopID Var = "YOOKASSA_SHOP_ID"
	// YooKassaSecretKeySecret names the Secrets Manager secret whose string
	// is the shop's secret key; it is read on first use, never at cold start.
	YooKassaSecretKeySecret Var = "YOOKASSA_SECRET_KEY_SECRET_ID"
	// PaymentConfirmAbove is the payment total (kopecks) above which a
	// one-time code confirms it (0: never).
	PaymentConfirmAbove Var = "PAYMENT_CONFIRM_ABOVE"
	// PaymentLimitPerPayment, PaymentLimitPerDay and PaymentLimitPerMonth
	// bound what a person pays (kopecks; 0: none).
	PaymentLimitPerPayment Var = "PAYMENT_LIMIT_PER_PAYMENT"
	PaymentLimitPerDay     Var = "PAYMENT_LIMIT_PER_DAY"
	PaymentLimitPerMonth   Var = "PAYMENT_LIMIT_PER_MONTH"
	// ProviderMaxPayment is the most one payment may be at the provider
	// (kopecks); a larger charge is paid in parts.
	ProviderMaxPayment Var = "PROVIDER_MAX_PAYMENT"
	// AcceptTestPayments ("true") credits payments the provider marks as a
	// test shop's; otherwise they are flagged for an operator.
	AcceptTestPayments Var = "PAYMENTS_ACCEPT_TEST"
	// ReconcileAfter is how long a payment stays open before the
	// reconciliation asks the provider (a Go duration).
	ReconcileAfter Var = "RECONCILE_AFTER"
	// ClockOffset shifts the process clock (a Go duration such as "26h"). Only
	// the local stack sets it, so that tests can run a function in the future.
	ClockOffset Var = "KABINET_CLOCK_OFFSET"
	// SESEndpoint is the SDK's service-specific endpoint setting for SES v2,
	// read here because notify/sesmail's client is not the SDK's. Like every
	// AWS_ENDPOINT_URL_<SERVICE> it is unset on AWS and set by the local
	// stack (or for sam local and LocalStack), never by template.yaml.
	SESEndpoint Var = "AWS_ENDPOINT_URL_SESV2"
	// ConnectionsEndpoint is the SDK's setting for API Gateway's
	// management API (@connections), read here because the client needs its
	// endpoint explicitly: unset on AWS, where ChatConnectionsURL names it.
	ConnectionsEndpoint Var = "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"
	// ChatConnectionsURL is the chat WebSocket API's management address
	// (https://<api>.execute-api.<region>.amazonaws.com/<stage>).
	ChatConnectionsURL Var = "CHAT_CONNECTIONS_URL"
	// The support SLA and timers (Go durations): a first answer, an urgent
	// ticket's solution, the wait before the notice, the wait after it, and
	// the time a solved ticket stays open.
	SupportFirstAnswer Var = "SUPPORT_FIRST_ANSWER"
	SupportUrgentSolve Var = "SUPPORT_URGENT_SOLVE"
	SupportWaitNotice  Var = "SUPPORT_WAIT_NOTICE"
	SupportWaitSolve   Var = "SUPPORT_WAIT_SOLVE"
	SupportCloseAfter  Var = "SUPPORT_CLOSE_AFTER"
	// SupportRecoveryAnswer is how soon an assisted recovery request must
	// be decided (a Go duration; the seeds: 24 hours).
	SupportRecoveryAnswer Var = "SUPPORT_RECOVERY_ANSWER"
)

// Env reads variables from a lookup function and collects what is missing or
// malformed, so that a cold start reports every problem at once.
type Env struct {
	lookup func(string) (string, bool)
	errs   []string
}

// FromOS reads the process environment.
func FromOS() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads a fixed map; for tests.
func FromMap(m map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// String returns a required, non-empty variable.
func (e *Env) String(v Var) string {
	s, ok := e.lookup(string(v))
	s = strings.TrimSpace(s)
	if !ok || s == "" {
		e.errs = append(e.errs, string(v)+" is not set")
	}
	return s
}

// Optional returns a variable or def when it is unset or empty.
func (e *Env) Optional(v Var, def string) string {
	if s, ok := e.lookup(string(v)); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	return def
}

// Int returns an optional integer variable.
func (e *Env) Int(v Var, def int) int { return parse(e, v, def, "an integer", strconv.Atoi) }

// Positive returns an optional integer variable that must be at least 1.
func (e *Env) Positive(v Var, def int) int {
	return parse(e, v, def, "a positive integer", func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err == nil && n < 1 {
			err = strconv.ErrRange
		}
		return n, err
	})
}

// Duration returns an optional duration variable.
func (e *Env) Duration(v Var, def time.Duration) time.Duration {
	return parse(e, v, def, "a duration", time.ParseDuration)
}

// parse reads an optional variable with a parser, recording a malformed value.
func parse[T any](e *Env, v Var, def T, what string, p func(string) (T, error)) T {
	s := e.Optional(v, "")
	if s == "" {
		return def
	}
	x, err := p(s)
	if err != nil {
		e.errs = append(e.errs, fmt.Sprintf("%s: not %s", v, what))
		return def
	}
	return x
}

// Endpoint returns the service-specific endpoint setting v
// (AWS_ENDPOINT_URL_<SERVICE>), or "" when it is unset or when cfg says to
// ignore configured endpoints (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), as the
// SDK's clients do. The global AWS_ENDPOINT_URL is cfg.BaseEndpoint already.
func (e *Env) Endpoint(cfg aws.Config, v Var) string {
	if ignore, found, err := awsconfig.GetIgnoreConfiguredEndpoints(context.Background(), cfg.ConfigSources); err == nil && found && ignore {
		return ""
	}
	return e.Optional(v, "")
}

// Err reports every missing or malformed variable read so far.
func (e *Env) Err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %s", strings.Join(e.errs, "; "))
}

// Common holds the settings every function has.
type Common struct {
	Stage    string
	Version  string
	LogLevel string
	// ClockOffset is zero outside the local stack.
	ClockOffset time.Duration
	// SessionIdle ends sessions unused for longer (15 minutes by default).
	SessionIdle time.Duration
}

// ReadCommon reads the settings every function has.
func (e *Env) ReadCommon() Common {
	return Common{
		Stage:       e.Optional(Stage, "local"),
		Version:     e.Optional(AppVersion, "dev"),
		LogLevel:    e.Optional(LogLevel, "info"),
		ClockOffset: e.Duration(ClockOffset, 0),
		SessionIdle: e.Duration(SessionIdle, 15*time.Minute),
	}
}

// AWS loads the SDK configuration once per cold start: region, credentials and
// endpoint overrides all come from the SDK's standard environment settings.
func AWS(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}
