package stack

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/applications/journalpdf"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedpdf"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify/sesmail"
	"github.com/kabinet/kabinet/shared/notify/snsmsg"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/payments"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/settings"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

// DemoAccount is a seeded account a newcomer can sign in with. The passwords
// exist only in the local emulator.
type DemoAccount struct {
	Role     string
	Username string
	Password string
	Phone    string
	Email    string
	SNILS    string
	Group    string
	// Department is the officer's department (custom:department).
	Department string
	// Organisation is a staff member's organisation (custom:organisation).
	Organisation string
	Level        accounts.Level
	// TOTPSecret is set for the account with an authenticator app.
	TOTPSecret string
	// Passport is the series and number its identity data holds ("45 20
	// 100020") when a test or the README quotes them; else one is made
	// from its place in DemoAccounts.
	Passport string
	Note     string
	Sub      string
}

// DemoTOTPSecret is the authenticator secret of the demo TOTP account.
const DemoTOTPSecret = "KABINETDEMOTOTPSECRETKEYAAAAAAAA"

// DemoAccounts are the accounts every local start seeds; README lists them.
func DemoAccounts() []DemoAccount {
	return append([]DemoAccount{
		{Role: "citizen", Username: "citizen", Password: "Гражданин-Демо-7", Phone: "+79160000001", Email: "citizen@kabinet.local",
			SNILS: "123-456-789 64", Level: accounts.LevelConfirmed, Note: "no MFA"},
		{Role: "citizen", Username: "citizen-totp", Password: "Генератор-Кодов-5", Phone: "+79160000002", Email: "totp@kabinet.local",
			SNILS: "234-567-891 00", Level: accounts.LevelStandard, TOTPSecret: DemoTOTPSecret, Note: "TOTP MFA"},
		{Role: "officer", Username: "officer", Password: "Сотрудник-Мвд-3", Phone: "+79160000003", Email: "officer@kabinet.local",
			SNILS: "345-678-912 26", Group: "officers", Department: "mvd", Level: accounts.LevelConfirmed, Note: "officers, department mvd"},
		{Role: "officer", Username: "officer-fns", Password: "Налоговый-Инспектор-4", Phone: "+79160000005", Email: "officer-fns@kabinet.local",
			SNILS: "567-891-234 53", Group: "officers", Department: "fns", Level: accounts.LevelConfirmed, Note: "officers, department fns"},
		{Role: "registrar", Username: "registrar", Password: "Регистратор-Мфц-6", Phone: "+79160000006", Email: "registrar@kabinet.local",
			SNILS: "678-912-345 53", Group: "registrars", Level: accounts.LevelConfirmed, Note: "registrars (service centre)"},
		{Role: "support", Username: "support", Password: "Поддержка-Смена-9", Phone: "+79160000004", Email: "support@kabinet.local",
			SNILS: "456-789-123 44", Group: "support", Level: accounts.LevelConfirmed, Note: "support"},
		{Role: "citizen", Username: "citizen-locked", Password: "Забытый-Телефон-8", Phone: "+79160000010", Email: "locked@kabinet.local",
			SNILS: "135-792-468 94", Level: accounts.LevelStandard, Passport: "45 20 100020",
			Note: "sign-in locked at start (assisted recovery)"},
	}, appointmentAccounts()...)
}

var demoPeople = map[string]accounts.Registration{
	"citizen":      {Surname: "Петров", Name: "Пётр", Patronymic: "Петрович", BirthDate: "1985-03-14", Sex: "male", INN: "770123456703"},
	"citizen-totp": {Surname: "Смирнова", Name: "Ольга", Patronymic: "Игоревна", BirthDate: "1992-11-02", Sex: "female"},
	"officer":      {Surname: "Кузнецов", Name: "Иван", Patronymic: "Андреевич", BirthDate: "1979-07-21", Sex: "male"},
	"officer-fns":  {Surname: "Орлова", Name: "Анна", Patronymic: "Сергеевна", BirthDate: "1983-04-09", Sex: "female"},
	"registrar":    {Surname: "Волков", Name: "Дмитрий", Patronymic: "Олегович", BirthDate: "1988-09-12", Sex: "male"},
	"support":      {Surname: "Соколова", Name: "Мария", BirthDate: "1995-01-30", Sex: "female"},
	// citizen-locked lost their phone and email: the seeding locks their
	// sign-in, so that assisted recovery has someone to recover.
	"citizen-locked": {Surname: "Лебедев", Name: "Алексей", Patronymic: "Викторович", BirthDate: "1990-06-18", Sex: "male"},
}

// demoServices are the account and application services the seeding uses,
// built on the stack's emulators from the same dependencies the functions
// get (the keys read from the index secret, as on Lambda).
type demoServices struct {
	reg     *accounts.Registrations
	creds   *accounts.Credentials
	signIn  *accounts.SignIn
	apps    *applications.Service
	charges *payments.Charges
	pays    *payments.Payments
	cards   *demoCards
	// profiles and deps serve the consents' seeding.
	profiles *accounts.Profiles
	deps     accounts.Deps
}

func (s *Stack) services(ctx context.Context) (*demoServices, error) {
	policy, err := password.ByName(s.param("PasswordProfile"))
	if err != nil {
		return nil, err
	}
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	keys := vault.NewKeyring(s.SecretsClient(), s.Resources["IndexKeySecret"])
	ses := sesmail.NewClient(s.cfg, s.SESURL)
	activity := &journal.Journal{DB: db, Key: keys, Clock: clock.System{}}
	d := accounts.Deps{DB: db, Users: cognito.New(s.Cognito(), s.Resources["UserPool"], s.Resources["UserPoolClient"]),
		Sealer: kmsseal.NewSealer(s.KMSClient(), s.Resources["FieldKey"]), Keys: keys, Policy: policy,
		SMS: snsmsg.NewMessenger(s.SNSClient(), "KABINET"), Mail: sesmail.NewMailer(ses, s.param("EmailFromAddress"), ""),
		Limiter:  &sendlimit.Limiter{DB: db, Keys: keys, Clock: clock.System{}, Limits: sendlimit.Defaults(0)},
		Sessions: sessions.NewStore(db), Inbox: &inbox.Store{DB: db}, Journal: activity, Clock: clock.System{}, Consents: consents.Registration{},
		Reads: &accesslog.Log{DB: db, Clock: clock.System{}}}
	var out demoServices
	if out.reg, err = accounts.NewRegistrations(d); err != nil {
		return nil, err
	}
	if out.creds, err = accounts.NewCredentials(d); err != nil {
		return nil, err
	}
	if out.signIn, err = accounts.NewSignIn(d); err != nil {
		return nil, err
	}
	profiles, err := accounts.NewProfiles(d)
	if err != nil {
		return nil, err
	}
	signatures, err := accounts.NewSignatures(d)
	if err != nil {
		return nil, err
	}
	out.profiles, out.deps = profiles, d
	if out.charges, out.pays, err = s.paymentServices(profiles, d); err != nil {
		return nil, err
	}
	if out.cards, err = s.cardServices(profiles, d); err != nil {
		return nil, err
	}
	out.apps = &applications.Service{Duties: out.charges, Requests: out.charges, DB: db, Sealer: d.Sealer, Profiles: profiles, Signatures: signatures, Inbox: d.Inbox,
		Journal: activity, Clock: clock.System{}, Printer: journalpdf.Printer{}, Issuer: &issued.Service{DB: db, Objects: s3blob.New(s.S3(), s.Resources["Bucket"]), Renderer: issuedpdf.Renderer{},
			Signer: &issued.KMSSigner{Client: s.KMSClient(), KeyID: s.Resources["SigningKey"]}, PortalURL: s.param("CorsAllowOrigin")},
		Reads: &accesslog.Log{DB: db, Clock: clock.System{}}}
	return &out, nil
}

// seed creates the demo accounts through the identity service and their
// settings in the table, and the sessions of the sample events' tokens.
func (s *Stack) seed(ctx context.Context) error {
	svc, err := s.services(ctx)
	if err != nil {
		return err
	}
	tokens, err := sampleTokens(filepath.Join(s.opts.Root, "events"))
	if err != nil {
		return err
	}
	subs, err := eventSubjects(tokens)
	if err != nil {
		return err
	}
	pool := cognito.New(s.Cognito(), s.Resources["UserPool"], s.Resources["UserPoolClient"])
	for i, d := range DemoAccounts() {
		r, ok := demoPeople[d.Username]
		if !ok {
			r = appointmentPeople[d.Username]
		}
		r.Citizenship, r.SNILS, r.Phone, r.Email, r.Password = "RUS", d.SNILS, d.Phone, d.Email, d.Password
		series, number := fmt.Sprintf("45 %02d", i+1), fmt.Sprintf("%06d", 100001+i)
		if d.Passport != "" {
			series, number = d.Passport[:5], d.Passport[6:]
		}
		r.Passport = accounts.Passport{Series: series, Number: number, IssueDate: "2015-04-10",
			Issuer: "ГУ МВД России по г. Москве", DivisionCode: "770-001"}
		extra := map[string]string{}
		if d.Department != "" {
			extra["custom:department"] = d.Department
		}
		if d.Organisation != "" {
			extra["custom:organisation"] = d.Organisation
		}
		// cognito-local keeps a given sub (Cognito would make its own):
		// the accounts the sample events name get the events' subjects.
		if sub, ok := subs[d.Username]; ok {
			extra["sub"] = sub
		}
		if d.Sub, err = svc.reg.Provision(ctx, d.Username, r, d.Level, extra); err != nil {
			return fmt.Errorf("demo account %s: %w", d.Username, err)
		}
		if d.Group != "" {
			if err := pool.AddToGroup(ctx, d.Username, d.Group); err != nil {
				return fmt.Errorf("group of %s: %w", d.Username, err)
			}
		}
		if d.TOTPSecret != "" {
			if err := svc.creds.EnableTOTPWithSecret(ctx, d.Sub, d.TOTPSecret); err != nil {
				return fmt.Errorf("TOTP of %s: %w", d.Username, err)
			}
			d.Note = "TOTP MFA, secret " + d.TOTPSecret
		}
		if err := s.seedSettings(ctx, d.Sub); err != nil {
			return err
		}
		if d.Username == "citizen-locked" {
			if d.Note, err = lockDemo(ctx, svc.signIn, d); err != nil {
				return err
			}
		}
		s.Demo = append(s.Demo, d)
	}
	s.eventTokens = tokens
	if err := s.RenewEventSessions(ctx); err != nil {
		return err
	}
	if err := s.seedApplications(ctx, svc.apps); err != nil {
		return err
	}
	if err := s.seedPayments(ctx, svc.charges, svc.pays, svc.cards); err != nil {
		return err
	}
	if err := s.seedRequests(ctx, svc.apps, svc.charges); err != nil {
		return err
	}
	if err := s.seedAppointments(ctx, svc.apps); err != nil {
		return err
	}
	if err := s.seedConsents(ctx, svc.deps, svc.profiles, svc.apps); err != nil {
		return err
	}
	return s.seedSupport(ctx)
}

// lockDemo locks a demo account's sign-in the way a person does, by
// failed passwords, and says its lock number.
func lockDemo(ctx context.Context, signIn *accounts.SignIn, d DemoAccount) (string, error) {
	meta := accounts.Meta{IP: "192.0.2.77", UserAgent: "kabinet-local seeding"}
	for range accounts.LockAfter + 1 {
		_, err := signIn.Login(ctx, d.Phone, "Не-Тот-Пароль-1", meta)
		if pe, ok := problem.As(err); ok && pe.Code == "account_locked" {
			number, _ := pe.Extensions["lockNumber"].(string)
			return fmt.Sprintf("sign-in locked for %s after start, lock number %s (assisted recovery)", accounts.LockFor, number), nil
		}
	}
	return "", fmt.Errorf("demo account %s did not lock", d.Username)
}

// seedApplications gives the demo citizen applications to look at: a
// draft, one waiting for the tax service, and one completed with its
// signed result among the citizen's documents (its verification code is in
// DemoResult).
func (s *Stack) seedApplications(ctx context.Context, apps *applications.Service) error {
	var citizen, officer DemoAccount
	for _, d := range s.Demo {
		switch d.Username {
		case "citizen":
			citizen = d
		case "officer-fns":
			officer = d
		}
	}
	if citizen.Sub == "" || officer.Sub == "" {
		return nil
	}
	const code = "egrul-extract" // no scans and no signature needed
	svc, _ := catalog.Get(code)
	// The demo officer of the tax service moves them, as an officer would.
	as := actor.Actor{Sub: officer.Sub, Groups: []string{actor.GroupOfficers}, Department: officer.Department}
	owner := actor.Citizen(citizen.Sub)
	var last applications.App
	for i, steps := range [][]string{nil, {}, {applications.Registered, applications.InProgress, applications.Approved, applications.Completed}} {
		a, err := apps.CreateDraft(ctx, owner, code)
		if err == nil {
			a, err = apps.SaveDraft(ctx, owner, a.ID, svc.Sample(), a.Version)
		}
		if err == nil && steps != nil {
			a, err = apps.Submit(ctx, owner, a.ID, []string{}, "", a.Version)
		}
		for _, to := range steps {
			if err == nil {
				a, err = apps.OfficerTransition(ctx, as, a.ID, applications.Move{To: to, Comment: "Демонстрационные данные"})
			}
		}
		if err != nil {
			return fmt.Errorf("demo application %d: %w", i+1, err)
		}
		last = a
	}
	if last.Result != nil {
		s.DemoResult = last.Result.VerificationCode
	}
	return nil
}

// seedSettings gives a demo user the settings item the me function serves.
func (s *Stack) seedSettings(ctx context.Context, sub string) error {
	st := settings.Defaults()
	st.Version, st.UpdatedAt = 1, time.Now()
	item, err := attributevalue.MarshalMap(settings.Seed(sub, st))
	if err != nil {
		return err
	}
	_, err = s.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Resources["Table"]), Item: item})
	return err
}
