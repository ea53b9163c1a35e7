package stack

import (
	"context"
	"fmt"

	"github.com/kabinet/kabinet/shared/accesslog"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/support"
	"github.com/kabinet/kabinet/shared/vault"
)

// seedSupport gives the demo citizen support tickets in several states,
// worked by the demo operator through the same service the support
// function runs: a new urgent one in the operators' queue, one answered
// and waiting for the person (with an internal note the person never
// sees), and one solved.
func (s *Stack) seedSupport(ctx context.Context) error {
	var citizen, operator DemoAccount
	for _, d := range s.Demo {
		switch d.Username {
		case "citizen":
			citizen = d
		case "support":
			operator = d
		}
	}
	if citizen.Sub == "" || operator.Sub == "" {
		return fmt.Errorf("support demo: no demo citizen or operator")
	}
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	j := &journal.Journal{DB: db, Key: vault.NewKeyring(s.SecretsClient(), s.Resources["IndexKeySecret"]), Clock: clock.System{}}
	tickets, err := support.NewTickets(support.Deps{DB: db, Clock: clock.System{}, Inbox: &inbox.Store{DB: db}, Journal: j,
		Access: support.LogAccess{Log: &accesslog.Log{DB: db, Clock: clock.System{}}}, Links: support.TableLinks{DB: db}, Policy: support.DefaultPolicy()})
	if err != nil {
		return err
	}
	person := actor.Citizen(citizen.Sub)
	op := actor.Actor{Sub: operator.Sub, Groups: []string{actor.GroupSupport}}
	open := func(in support.OpenInput) (support.Ticket, error) { return tickets.Open(ctx, person, in) }
	if _, err := open(support.OpenInput{Category: "payments", Topic: "Штраф оплачен, но всё ещё числится", Urgent: true,
		Text: "Оплатил штраф ГИБДД три дня назад, а в кабинете он по-прежнему не оплачен. Квитанция есть."}); err != nil {
		return fmt.Errorf("support demo: %w", err)
	}
	waiting, err := open(support.OpenInput{Category: "account", Topic: "Не приходит код подтверждения почты",
		Text: "Указал новую почту, но письмо с кодом не приходит уже час."})
	if err != nil {
		return fmt.Errorf("support demo: %w", err)
	}
	solved, err := open(support.OpenInput{Category: "appointments", Topic: "Как перенести запись к врачу",
		Text: "Записался на приём, но в этот день не смогу. Как перенести?"})
	if err != nil {
		return fmt.Errorf("support demo: %w", err)
	}
	steps := []func() error{
		func() error { _, err := tickets.Claim(ctx, op, waiting.ID); return err },
		func() error {
			_, err := tickets.Note(ctx, op, waiting.ID, support.NoteInput{Text: "Почтовый сервис отвечал с задержкой в это время; проверить доставку."})
			return err
		},
		func() error {
			_, err := tickets.Answer(ctx, op, waiting.ID, support.AnswerInput{Text: "Проверьте, пожалуйста, папку «Спам» и напишите, пришло ли письмо."})
			return err
		},
		func() error { _, err := tickets.Claim(ctx, op, solved.ID); return err },
		func() error {
			_, err := tickets.Answer(ctx, op, solved.ID, support.AnswerInput{Solve: true,
				Text: "Откройте «Записи на приём», выберите запись и нажмите «Перенести»: будут показаны свободные слоты."})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("support demo: %w", err)
		}
	}
	return nil
}
