// Package stack is Kabinet's local stack: emulators for DynamoDB (minidyn),
// S3 (gofakes3), SNS (snsemu), Cognito (cognito-local), SES
// (aws-ses-v2-local) and the payment provider (yookassaemu, ЮKassa's API);
// the resources of template.yaml created in them; every function built and
// run as its real bootstrap binary through the Lambda Runtime API; a gateway
// that plays API Gateway with its JWT authorizer; and the template's
// schedules firing by themselves. `make run` and the end-to-end tests both
// start it.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kabinet/kabinet/infra/local/gateway"
	"github.com/kabinet/kabinet/infra/local/kmsemu"
	"github.com/kabinet/kabinet/infra/local/lambdart"
	"github.com/kabinet/kabinet/infra/local/oauthemu"
	"github.com/kabinet/kabinet/infra/local/secretsemu"
	"github.com/kabinet/kabinet/infra/local/snsemu"
	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/infra/local/yookassaemu"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/config"
)

// Region is the region the local stack pretends to be in.
const Region = "eu-central-1"

// Options configure a stack. Zero ports mean "any free port".
type Options struct {
	// Root is the repository root (holding template.yaml).
	Root string
	// APIAddr is the gateway's address, e.g. "127.0.0.1:3000".
	APIAddr                     string
	DynamoAddr, S3Addr, SNSAddr string
	CognitoPort, SESPort        int
	MaxInstances                int
	Version                     string
	Clock                       clock.Clock
	Log                         io.Writer

	// YooKassaAddr is the payment provider emulator's address (its API, the
	// payment page and the log).
	YooKassaAddr string
	// ChatAddr is the chat WebSocket API's address (and its @connections
	// management API); empty means any free port.
	ChatAddr string

	// Progress, when set, gets a line as each part of the stack starts
	// ("stack: starting <part>") and as it is ready ("stack: ready <part>
	// in <time>"), so that whoever waits for the stack can tell what is
	// still starting.
	Progress  io.Writer
	Seed      bool
	Schedules bool
	// BuildDir receives the function binaries (default <Root>/.build/local).
	BuildDir string
	// DocsAddr is the address of the API reference (docs/openapi.yaml in
	// Swagger UI); empty means any free port.
	DocsAddr string
	// TokenAddr is the address of the user pool domain's token endpoint
	// (client credentials, oauthemu); empty means any free port.
	TokenAddr string
	// LocalStack, when set (e.g. http://127.0.0.1:4566), serves DynamoDB, S3,
	// SNS and SES instead of the embedded emulators; Cognito stays on
	// cognito-local, which LocalStack's free edition lacks.
	LocalStack string
}

// Stack is a running local stack.
type Stack struct {
	opts Options

	APIURL, DynamoURL, S3URL, SNSURL, CognitoURL, SESURL string
	// DocsURL serves the API reference: the page at /, the document at
	// /openapi.yaml.
	DocsURL string

	Dynamo *DynamoGuard
	SNS    *snsemu.Server
	KMS    *kmsemu.Server
	// SESFaults injects SES failures in front of the SES emulator.
	SESFaults          *Faults
	Secrets            *secretsemu.Server
	KMSURL, SecretsURL string
	Template           *template.Template
	Gateway            *gateway.Gateway
	Pools              map[string]*lambdart.Pool

	// ChatURL is the chat's WebSocket API (ws://), ChatManageURL its
	// @connections management endpoint; WebSocket serves both.
	ChatURL, ChatManageURL string
	WebSocket              *gateway.WebSocket
	wsAPI                  *template.WebSocketAPI
	wsLn                   net.Listener

	// YooKassa is the payment provider (ЮKassa's API, the payer's page, the
	// faults); YooKassaURL its root (the API is under /v3).
	YooKassa    *yookassaemu.Server
	YooKassaURL string

	// Resources maps a logical id to its local physical id (table name,
	// bucket name, pool id, client id, topic ARN, ...).
	Resources map[string]string
	// Issuer is the token issuer the authorizer accepts.
	Issuer string
	// TokenURL is the token endpoint of the user pool's domain, where
	// machine clients get access tokens; OAuth serves it.
	TokenURL string
	OAuth    *oauthemu.Server
	// Machines are the agency systems' app clients with this run's secrets.
	Machines []MachineClient
	// Demo holds the seeded demo accounts.
	Demo []DemoAccount
	// DemoResult is the verification code of the demo citizen's issued
	// document (GET /verify/{code}).
	DemoResult string
	// DemoReceipt is the verification code of the demo citizen's receipt.
	DemoReceipt string
	// DemoCard and DemoAutopayRule are the demo citizen's linked card and
	// autopay rule (seed_autopay.go).
	DemoCard, DemoAutopayRule string
	// DemoRefundReceipt is the verification code of the receipt of the
	// demo citizen's refund.
	DemoRefundReceipt string
	// DemoConsents are the demo bank's consent of the demo citizen.
	DemoConsents demoConsents
	// eventTokens are the access tokens of events/, which the seeding
	// gives live sessions.
	eventTokens []eventToken

	cfg       aws.Config
	sesAPIURL string
	// clientSecrets are the app clients' secrets by logical id.
	clientSecrets map[string]string
	mu            sync.Mutex
	closers       []func()
	log           *slog.Logger
	// yookassaSecret is the secret holding the emulated shop's key.
	yookassaSecret string
	// apiLn is the gateway's listener, open before the functions start.
	apiLn net.Listener
	// progressMu keeps the progress lines of parts starting at once whole.
	progressMu sync.Mutex
}

// starting reports that a part of the stack starts; the caller calls the
// function it returns once that part is ready.
func (s *Stack) starting(part string) (ready func()) {
	if s.opts.Progress == nil {
		return func() {}
	}
	began := time.Now()
	s.progress("starting " + part)
	return func() { s.progress(fmt.Sprintf("ready %s in %s", part, time.Since(began).Round(time.Millisecond))) }
}

func (s *Stack) progress(line string) {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	fmt.Fprintln(s.opts.Progress, "stack: "+line)
}

// step runs one part of the start and reports it.
func (s *Stack) step(part string, f func() error) error {
	ready := s.starting(part)
	if err := f(); err != nil {
		return err
	}
	ready()
	return nil
}

func (s *Stack) onClose(f func()) {
	s.mu.Lock()
	s.closers = append(s.closers, f)
	s.mu.Unlock()
}

// Close stops everything the stack started, newest first.
func (s *Stack) Close() {
	s.mu.Lock()
	cl := s.closers
	s.closers = nil
	s.mu.Unlock()
	for i := len(cl) - 1; i >= 0; i-- {
		cl[i]()
	}
}

// Root is the repository root the stack runs from.
func (s *Stack) Root() string { return s.opts.Root }

// AWSConfig is an SDK configuration with the stack's region and credentials;
// clients built from it need the stack's endpoint as BaseEndpoint.
func (s *Stack) AWSConfig() aws.Config { return s.cfg }

// Start brings the stack up; on error everything started so far is stopped.
func Start(ctx context.Context, opts Options) (st *Stack, err error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.MaxInstances <= 0 {
		opts.MaxInstances = 8
	}
	if opts.BuildDir == "" {
		opts.BuildDir = filepath.Join(opts.Root, ".build", "local")
	}
	if opts.Version == "" {
		opts.Version = "local"
	}
	s := &Stack{opts: opts, Pools: map[string]*lambdart.Pool{}, Resources: map[string]string{}, clientSecrets: map[string]string{},
		log: slog.New(slog.NewTextHandler(opts.Log, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.cfg = aws.Config{Region: Region, Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 2}
	if s.Template, err = template.Load(filepath.Join(opts.Root, "template.yaml")); err != nil {
		return nil, err
	}

	// Build while the emulators start.
	built := make(chan error, 1)
	go func() { built <- s.step("function build", func() error { return s.build(ctx) }) }()

	if err := s.startEmulators(ctx); err != nil {
		return nil, err
	}
	s.log.Info("emulators up; creating resources from template.yaml")
	if err := s.step("resources from template.yaml", func() error { return s.provision(ctx) }); err != nil {
		return nil, fmt.Errorf("create resources from template.yaml: %w", err)
	}
	if err := s.step("token endpoint", s.startTokenEndpoint); err != nil {
		return nil, err
	}
	if err := s.provisionYooKassa(ctx); err != nil {
		return nil, err
	}
	s.log.Info("resources created; waiting for the function build")
	if err := <-built; err != nil {
		return nil, err
	}
	// The gateway's address is known before the functions start: their
	// environment names it (where a payer returns from the payment page).
	if s.apiLn, err = listen(s.opts.APIAddr); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	s.onClose(func() { _ = s.apiLn.Close() })
	if err := s.listenWebSocket(); err != nil {
		return nil, err
	}
	if err := s.step("functions", s.startFunctions); err != nil {
		return nil, err
	}
	if err := s.step("gateway", s.startGateway); err != nil {
		return nil, err
	}
	s.YooKassa.SetNotificationURL(s.APIURL + PaymentNotificationsPath)
	if err := s.startDocs(); err != nil {
		return nil, err
	}
	if opts.Seed {
		s.log.Info("seeding demo data")
		if err := s.step("demo data", func() error { return s.seed(ctx) }); err != nil {
			return nil, fmt.Errorf("seed demo data: %w", err)
		}
	}
	if opts.Schedules {
		_ = s.step("schedules", func() error { s.startSchedules(); return nil })
	}
	return s, nil
}

func (s *Stack) startEmulators(ctx context.Context) error {
	if err := s.step("payment provider emulator (ЮKassa)", s.startYooKassa); err != nil {
		return err
	}
	if s.opts.LocalStack != "" {
		s.DynamoURL, s.S3URL, s.SNSURL, s.SESURL = s.opts.LocalStack, s.opts.LocalStack, s.opts.LocalStack, s.opts.LocalStack
		s.KMSURL, s.SecretsURL = s.opts.LocalStack, s.opts.LocalStack
		return s.step("cognito-local", func() error { return s.startCognito(ctx) })
	}
	if err := s.step("in-process emulators (DynamoDB, S3, SNS, KMS, Secrets Manager)", s.startInProcess); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		errs[0] = s.step("cognito-local", func() error { return s.startCognito(ctx) })
	}()
	go func() { defer wg.Done(); errs[1] = s.step("SES emulator", func() error { return s.startSES(ctx) }) }()
	wg.Wait()
	return errors.Join(errs...)
}

// startInProcess serves the emulators that run inside this process.
func (s *Stack) startInProcess() error {
	// KMS and Secrets Manager: small in-process endpoints (loopback, any port).
	ln, err := listen("")
	if err != nil {
		return fmt.Errorf("kms endpoint: %w", err)
	}
	s.KMS = kmsemu.New()
	s.KMSURL = s.serve(ln, s.KMS)
	if ln, err = listen(""); err != nil {
		return fmt.Errorf("secrets endpoint: %w", err)
	}
	s.Secrets = secretsemu.New()
	s.SecretsURL = s.serve(ln, s.Secrets)

	if ln, err = listen(s.opts.DynamoAddr); err != nil {
		return fmt.Errorf("dynamodb emulator: %w", err)
	}
	s.Dynamo = newDynamoGuard()
	s.DynamoURL = s.serve(ln, s.Dynamo)

	if ln, err = listen(s.opts.S3Addr); err != nil {
		return fmt.Errorf("s3 emulator: %w", err)
	}
	faker := gofakes3.New(s3mem.New(), gofakes3.WithTimeSkewLimit(0), gofakes3.WithInsecureCORS())
	s.S3URL = s.serve(ln, faker.Server())

	if ln, err = listen(s.opts.SNSAddr); err != nil {
		return fmt.Errorf("sns endpoint: %w", err)
	}
	s.SNS = snsemu.New(Region)
	s.SNSURL = s.serve(ln, s.SNS)
	return nil
}

func (s *Stack) startCognito(ctx context.Context) error {
	bin, err := s.nodeModule("cognito-local/lib/bin/start.js")
	if err != nil {
		return err
	}
	port, err := freePort(s.opts.CognitoPort)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "kabinet-cognito-")
	if err != nil {
		return err
	}
	s.onClose(func() { _ = os.RemoveAll(dir) })
	s.CognitoURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := os.MkdirAll(filepath.Join(dir, ".cognito", "db"), 0o755); err != nil {
		return err
	}
	// Plain usernames (not email-as-username) and an issuer on this address.
	conf := fmt.Sprintf(`{"UserPoolDefaults":{"UsernameAttributes":[]},"TokenConfig":{"IssuerDomain":%q}}`, s.CognitoURL)
	if err := os.WriteFile(filepath.Join(dir, ".cognito", "config.json"), []byte(conf), 0o600); err != nil {
		return err
	}
	return s.startNode(ctx, "cognito", dir, []string{"HOST=127.0.0.1", fmt.Sprintf("PORT=%d", port)},
		s.CognitoURL+"/health", bin)
}

// sesAccount makes the SES emulator answer GetAccount, which /health uses.
const sesAccount = `{"DedicatedIpAutoWarmupEnabled":false,"Details":{"AdditionalContactEmailAddresses":[],"ContactLanguage":"EN","MailType":"TRANSACTIONAL","ReviewDetails":{"CaseId":"local","Status":"GRANTED"},"UseCaseDescription":"local","WebsiteURL":"http://localhost"},"EnforcementStatus":"HEALTHY","ProductionAccessEnabled":true,"SendingEnabled":true,"SendQuota":{"Max24HourSend":50000,"MaxSendRate":14,"SentLast24Hours":0},"SuppressionAttributes":{"SuppressedReasons":[]}}`

func (s *Stack) startSES(ctx context.Context) error {
	bin, err := s.nodeModule("aws-ses-v2-local/dist/cli.js")
	if err != nil {
		return err
	}
	port, err := freePort(s.opts.SESPort)
	if err != nil {
		return err
	}
	s.SESURL = fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := s.startNode(ctx, "ses", s.opts.Root, []string{"AWS_SES_ACCOUNT=" + sesAccount},
		s.SESURL+"/health-check", bin, "--host", "127.0.0.1", "--port", fmt.Sprint(port)); err != nil {
		return err
	}
	// Functions reach SES through a proxy that can inject failures; people
	// keep the emulator's own address for its mail viewer.
	faults, err := newFaults(s.SESURL)
	if err != nil {
		return err
	}
	ln, err := listen("")
	if err != nil {
		return err
	}
	s.SESFaults = faults
	s.sesAPIURL = s.serve(ln, faults)
	return nil
}

// build compiles every function of the template into BuildDir/<name>, with
// the flags the Lambda build uses (but for this machine's architecture), so
// that what runs here, and what the cold-start benchmark times, is the
// bootstrap Lambda runs.
func (s *Stack) build(ctx context.Context) error {
	if err := os.MkdirAll(s.opts.BuildDir, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", s.opts.BuildDir + string(os.PathSeparator)}
	for _, fn := range s.Template.Functions {
		args = append(args, "./"+fn.CodeURI)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = s.opts.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build functions: %v\n%s", err, out)
	}
	return nil
}

func (s *Stack) sesEndpoint() string {
	if s.sesAPIURL != "" {
		return s.sesAPIURL
	}
	return s.SESURL
}

// FunctionEnv is the environment a function's processes get: the template's
// variables resolved against the local resources, plus the SDK settings that
// point every client at the emulators.
func (s *Stack) FunctionEnv(fn template.Function) (map[string]string, error) {
	env, err := s.Template.Environment(fn, s.resolver())
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{
		"AWS_REGION": Region, "AWS_DEFAULT_REGION": Region,
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB":                  s.DynamoURL,
		"AWS_ENDPOINT_URL_S3":                        s.S3URL,
		"AWS_ENDPOINT_URL_SNS":                       s.SNSURL,
		"AWS_ENDPOINT_URL_SESV2":                     s.sesEndpoint(),
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": s.CognitoURL,
		"AWS_ENDPOINT_URL_KMS":                       s.KMSURL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           s.SecretsURL,
		// The chat WebSocket API's @connections endpoint (the local gateway).
		"AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": s.ChatManageURL,
		// The payment provider: the emulator's shop, its key in Secrets Manager.
		string(config.YooKassaAPIURL):          s.YooKassaURL + "/v3",
		string(config.YooKassaShopID):          YooKassaShopID,
		string(config.YooKassaSecretKeySecret): s.yookassaSecret,
		// Any other service fails fast on loopback instead of reaching out.
		"AWS_ENDPOINT_URL":          "http://127.0.0.1:1",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		env[k] = v
	}
	return env, nil
}

func (s *Stack) startFunctions() error {
	for _, fn := range s.Template.Functions {
		env, err := s.FunctionEnv(fn)
		if err != nil {
			return err
		}
		timeout := fn.Timeout
		if timeout == 0 {
			timeout = s.Template.Globals.Timeout
		}
		pool := &lambdart.Pool{
			Name: fn.LogicalID, Binary: filepath.Join(s.opts.BuildDir, fn.Name), Env: lambdart.Environ(env),
			Max: s.opts.MaxInstances, Timeout: time.Duration(timeout) * time.Second,
			Log: &prefixWriter{prefix: "[" + fn.Name + "] ", w: s.opts.Log},
		}
		s.Pools[fn.Name] = pool
		s.onClose(pool.Close)
	}
	return nil
}

// startGateway serves the template's routes behind their authorizers, as
// API Gateway deploys them.
func (s *Stack) startGateway() error {
	fns := map[string]gateway.Invoker{}
	for name, p := range s.Pools {
		fns[name] = p
	}
	rs, auths, err := gateway.FromTemplate(s.Template, fns, s.resolver(), s.localIssuer, s.jwks(), s.opts.Clock)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if s.Gateway, err = gateway.New(rs, auths, s.opts.Clock, s.log); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	s.APIURL = s.serve(s.apiLn, s.Gateway)
	return s.startWebSocket(fns)
}

// localIssuer is the issuer that tokens carry here for the one the template
// names: the user pool's issuer on AWS is cognito-local's pool address.
func (s *Stack) localIssuer(templateIssuer string) (string, error) {
	for _, id := range s.Template.OfType("AWS::Cognito::UserPool") {
		if templateIssuer == "https://cognito-idp."+Region+".amazonaws.com/"+s.Resources[id] {
			return s.Issuer, nil
		}
	}
	return "", fmt.Errorf("%s is not the user pool's issuer; the local stack issues tokens only for its user pool", templateIssuer)
}

// jwks are where the user pool's signing keys are published: cognito-local
// signs people's tokens, the token endpoint the systems'.
func (s *Stack) jwks() []string {
	return []string{s.Issuer + "/.well-known/jwks.json", strings.TrimSuffix(s.TokenURL, "/oauth2/token") + "/.well-known/jwks.json"}
}

// SetFunctionClock runs a function's future instances with their clock
// shifted by offset (KABINET_CLOCK_OFFSET), for tests of time-dependent rules.
func (s *Stack) SetFunctionClock(function string, offset time.Duration) error {
	for _, fn := range s.Template.Functions {
		if fn.Name != function {
			continue
		}
		env, err := s.FunctionEnv(fn)
		if err != nil {
			return err
		}
		if offset != 0 {
			env["KABINET_CLOCK_OFFSET"] = offset.String()
		}
		s.Pools[function].Reconfigure(lambdart.Environ(env))
		return nil
	}
	return fmt.Errorf("no function %s", function)
}

// Routes lists the gateway's route keys, sorted.
func (s *Stack) Routes() []string {
	var out []string
	for _, fn := range s.Template.Functions {
		for _, r := range fn.Routes {
			out = append(out, template.Route{Method: r.Method, Path: r.Path}.Key())
		}
	}
	sort.Strings(out)
	return out
}

// Summary is what `make run` prints.
func (s *Stack) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nKabinet local stack is up.\n\n")
	fmt.Fprintf(&b, "  API (HTTP API, payload 2.0)   %s   e.g. %s/health\n", s.APIURL, s.APIURL)
	if s.ChatURL != "" {
		fmt.Fprintf(&b, "  Chat (WebSocket API)          %s   (@connections: %s/@connections/<id>)\n", s.ChatURL, s.ChatManageURL)
	}
	fmt.Fprintf(&b, "  API reference (Swagger UI)    %s   (OpenAPI: %s/openapi.yaml)\n", s.DocsURL, s.DocsURL)
	if s.opts.LocalStack != "" {
		fmt.Fprintf(&b, "  LocalStack (DynamoDB, S3, SNS, SES) %s   mail: %s/_aws/ses, SMS: %s/_aws/sns/sms-messages\n", s.opts.LocalStack, s.opts.LocalStack, s.opts.LocalStack)
	} else {
		fmt.Fprintf(&b, "  Mail viewer (SES)             %s\n", s.SESURL)
		fmt.Fprintf(&b, "  SMS and push log (SNS)        %s   (JSON: %s/messages)\n", s.SNSURL, s.SNSURL)
	}
	fmt.Fprintf(&b, "  Cognito (cognito-local)       %s   user pool %s, app client %s\n", s.CognitoURL, s.Resources["UserPool"], s.Resources["UserPoolClient"])
	fmt.Fprintf(&b, "  DynamoDB (minidyn)            %s   table %s\n", s.DynamoURL, s.Resources["Table"])
	fmt.Fprintf(&b, "  S3 (gofakes3)                 %s   bucket %s\n", s.S3URL, s.Resources["Bucket"])
	fmt.Fprintf(&b, "  Payments (ЮKassa emulator)    %s   shop %s, key %s (JSON: %s/_emulator/payments)\n",
		s.YooKassaURL, YooKassaShopID, s.YooKassa.SecretKey, s.YooKassaURL)
	if len(s.Demo) > 0 {
		fmt.Fprintf(&b, "\n  Demo accounts (POST /auth/login with the phone, email or SNILS and the password):\n")
		for _, d := range s.Demo {
			fmt.Fprintf(&b, "    %-8s %-13s %-22s SNILS %s  password %-18s %s\n", d.Role, d.Phone, d.Email, d.SNILS, d.Password, d.Note)
		}
	}
	b.WriteString(s.machineSummary())
	if s.DemoResult != "" {
		fmt.Fprintf(&b, "\n  The demo citizen has a draft, a submitted and a completed application; check the issued result:\n")
		fmt.Fprintf(&b, "    %s/verify/%s\n", s.APIURL, s.DemoResult)
	}
	if s.DemoReceipt != "" {
		fmt.Fprintf(&b, "\n  The demo citizen owes a traffic fine (car %s, СТС %s, with its 50%% discount), a property tax and a utility bill,\n", DemoPlate, DemoCertificate)
		fmt.Fprintf(&b, "  and paid a duty (GET /charges, GET /payments); its receipt: %s/verify/%s\n", s.APIURL, s.DemoReceipt)
	}
	if s.DemoCard != "" {
		fmt.Fprintf(&b, "  A Mir card is linked (GET /payment-methods, id %s) and an autopay rule pays the flat's bills with it:\n", s.DemoCard)
		fmt.Fprintf(&b, "  the utility bill is scheduled for tomorrow 10:00 (GET /autopays; POST /autopays/{uin}/cancel cancels it)\n")
	}
	if s.DemoRefundReceipt != "" {
		fmt.Fprintf(&b, "  A paid duty the traffic police cancelled was refunded (GET /payments/{id}/refunds); its «Чек возврата»: %s/verify/%s\n",
			s.APIURL, s.DemoRefundReceipt)
	}
	if c := s.DemoConsents; c.BankConsent != "" {
		fmt.Fprintf(&b, "\n  The demo citizen gave the demo bank (partner-demobank) a consent at the limited level (GET /consents, GET /profile/access-log);\n")
		fmt.Fprintf(&b, "  the bank reads it with its token: curl -H \"Authorization: Bearer $TOKEN\" %s/partner/persons/%s/data\n", s.APIURL, c.BankPersonRef)
	}
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop everything.\n")
	return b.String()
}
