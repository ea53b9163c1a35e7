package stack

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/vault"
)

// The demo citizen's consents and access log: the demo bank asked for a
// consent by SNILS and got the limited level, and read the data twice; the
// demo insurer's request, made with a reference the citizen gave, waits
// for an answer; the employer's was refused, the school's given and
// withdrawn, and an older one of the insurer's ran out. The tax officer
// opened the citizen's submitted application. Each goes through the same
// services as the functions', as the organisations' systems and the
// citizen would; the one-time codes the grants need are read back from
// what the signing service sent. The registration consent comes with the
// account itself, and the agencies' charges add their matches.

// Demo consents: the demo bank's consent of the demo citizen and how the
// bank knows them (GET /partner/persons/{DemoPersonRef}/data).
type demoConsents struct {
	BankConsent, BankPersonRef string
}

// codeSMS keeps the codes the signing service sends, instead of sending
// them: the seeding confirms the demo grants with them.
type codeSMS struct {
	mu   sync.Mutex
	last string
}

var seedCodeRe = regexp.MustCompile(`\b(\d{6})\b`)

func (c *codeSMS) SMS(_ context.Context, _, text string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := seedCodeRe.FindStringSubmatch(text); m != nil {
		c.last = m[1]
	}
	return "seed", nil
}

// noLimit admits every send: the seeding's codes are never sent.
type noLimit struct{}

func (noLimit) Allow(context.Context, sendlimit.Send) error { return nil }

func (c *codeSMS) code() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// consentServices are the consents services over the stack, with clock c.
func (s *Stack) consentServices(d accounts.Deps, profiles *accounts.Profiles, c clock.Clock) (*consents.Consents, *consents.Partners, *codeSMS, error) {
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	keys := vault.NewKeyring(s.SecretsClient(), s.Resources["IndexKeySecret"])
	// The codes go nowhere, so they count against no send limit (the
	// demo citizen's own codes stay for the newcomer).
	sms := &codeSMS{}
	d.SMS, d.Clock, d.Limiter = sms, c, noLimit{}
	signatures, err := accounts.NewSignatures(d)
	if err != nil {
		return nil, nil, nil, err
	}
	activity := &journal.Journal{DB: db, Key: keys, Clock: c}
	cd := consents.Deps{DB: db, Keys: keys, People: profiles, Signatures: signatures, Inbox: &inbox.Store{DB: db}, Journal: activity,
		Reads: &accesslog.Log{DB: db, Key: keys, Names: profiles, Journal: activity, Clock: c}, Clock: c}
	cons, err := consents.NewConsents(cd)
	if err != nil {
		return nil, nil, nil, err
	}
	partners, err := consents.NewPartners(cd)
	return cons, partners, sms, err
}

func (s *Stack) partnerActor(logicalID string) actor.Actor {
	m, _ := s.Machine(logicalID)
	org := map[string]string{"PartnerDemobankClient": "demobank", "PartnerDemoinsurerClient": "demoinsurer",
		"PartnerDemoemployerClient": "demoemployer", "PartnerDemoschoolClient": "demoschool"}[logicalID]
	return actor.Partner(org, m.ClientID)
}

func (s *Stack) seedConsents(ctx context.Context, d accounts.Deps, profiles *accounts.Profiles, apps *applications.Service) error {
	var citizen, officer DemoAccount
	for _, a := range s.Demo {
		switch a.Username {
		case "citizen":
			citizen = a
		case "officer-fns":
			officer = a
		}
	}
	if citizen.Sub == "" {
		return nil
	}
	me := actor.Citizen(citizen.Sub)
	levels := map[consents.Level][]personaldata.Category{
		consents.LevelFull: {personaldata.Personal, personaldata.Passport, personaldata.SNILS, personaldata.INN, personaldata.Contacts,
			personaldata.Address, personaldata.Income},
		consents.LevelPartial: {personaldata.Personal, personaldata.Passport, personaldata.Contacts, personaldata.Income},
		consents.LevelLimited: {personaldata.Personal, personaldata.Contacts},
	}
	year := time.Now().In(clock.Moscow()).AddDate(1, 0, 0).Format(time.DateOnly)
	ask := func(p *consents.Partners, who actor.Actor, id, purpose string, person consents.PersonInput, until string) (consents.Consent, error) {
		c, _, err := p.Request(ctx, who, consents.RequestInput{RequestID: id, Person: person, Purpose: purpose, Levels: levels,
			Level: consents.LevelFull, ExpiresAt: until})
		return c, err
	}
	grant := func(cons *consents.Consents, sms *codeSMS, id string, terms consents.Terms) error {
		if _, err := cons.StartConfirmation(ctx, me, id, terms); err != nil {
			return err
		}
		_, err := cons.Grant(ctx, me, id, terms, sms.code())
		return err
	}

	// An insurer's consent of a year ago, for two months: run out.
	past := clock.Offset{Base: clock.System{}, Shift: -400 * 24 * time.Hour}
	oldCons, oldPartners, oldSMS, err := s.consentServices(d, profiles, past)
	if err != nil {
		return err
	}
	old, err := ask(oldPartners, s.partnerActor("PartnerDemoinsurerClient"), "DEMO-KASKO-2025", "Оформление полиса КАСКО",
		consents.PersonInput{SNILS: citizen.SNILS}, past.Now().AddDate(0, 2, 0).Format(time.DateOnly))
	if err == nil {
		err = grant(oldCons, oldSMS, old.ID, consents.Terms{Level: consents.LevelPartial})
	}
	if err != nil {
		return fmt.Errorf("demo expired consent: %w", err)
	}

	cons, partners, sms, err := s.consentServices(d, profiles, clock.System{})
	if err != nil {
		return err
	}
	bank := s.partnerActor("PartnerDemobankClient")
	loan, err := ask(partners, bank, "DEMO-LOAN-1", "Рассмотрение заявки на потребительский кредит", consents.PersonInput{SNILS: citizen.SNILS}, year)
	if err == nil {
		err = grant(cons, sms, loan.ID, consents.Terms{Level: consents.LevelLimited})
	}
	for i := 0; err == nil && i < 2; i++ {
		_, err = partners.Data(ctx, bank, loan.PersonRef, consents.DataRequest{Operator: "Иванова А. П., кредитный специалист"})
	}
	if err != nil {
		return fmt.Errorf("demo bank consent: %w", err)
	}
	s.DemoConsents = demoConsents{BankConsent: loan.ID, BankPersonRef: loan.PersonRef}

	ref, err := cons.CreateReference(ctx, me)
	if err == nil {
		_, err = ask(partners, s.partnerActor("PartnerDemoinsurerClient"), "DEMO-OSAGO-1", "Оформление полиса ОСАГО",
			consents.PersonInput{Reference: ref.Reference}, year)
	}
	if err != nil {
		return fmt.Errorf("demo insurer request: %w", err)
	}
	job, err := ask(partners, s.partnerActor("PartnerDemoemployerClient"), "DEMO-HR-1", "Оформление трудового договора",
		consents.PersonInput{SNILS: citizen.SNILS}, year)
	if err == nil {
		_, err = cons.Refuse(ctx, me, job.ID)
	}
	if err != nil {
		return fmt.Errorf("demo employer request: %w", err)
	}
	school, err := ask(partners, s.partnerActor("PartnerDemoschoolClient"), "DEMO-SCHOOL-1", "Зачисление ребёнка в первый класс",
		consents.PersonInput{SNILS: citizen.SNILS}, year)
	if err == nil {
		err = grant(cons, sms, school.ID, consents.Terms{})
	}
	if err == nil {
		_, err = cons.Withdraw(ctx, me, school.ID)
	}
	if err != nil {
		return fmt.Errorf("demo school consent: %w", err)
	}

	// The tax officer opens the citizen's application waiting for them.
	if officer.Sub != "" && apps != nil {
		as := actor.Actor{Sub: officer.Sub, Groups: []string{actor.GroupOfficers}, Department: officer.Department}
		queue, _, err := apps.Queue(ctx, as, applications.Submitted, "", 10)
		if err != nil {
			return fmt.Errorf("demo officer's queue: %w", err)
		}
		for _, a := range queue {
			if a.Owner == citizen.Sub {
				if _, err := apps.OfficerCard(ctx, as, a.ID); err != nil {
					return fmt.Errorf("demo officer's read: %w", err)
				}
				break
			}
		}
	}
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	log := &accesslog.Log{DB: db, Key: vault.NewKeyring(s.SecretsClient(), s.Resources["IndexKeySecret"]), Names: profiles, Clock: clock.System{}}
	_, err = log.Settle(ctx, citizen.Sub)
	return err
}
