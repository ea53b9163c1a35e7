package consents

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// Filter narrows a person's list. Zero fields do not filter.
type Filter struct {
	// Status is one status, or "current" (requested and active) or "past"
	// (expired, withdrawn, refused).
	Status string
	// Organisation keeps one organisation's consents (its code).
	Organisation string
}

// Filter statuses beyond the statuses themselves.
const (
	FilterCurrent = "current"
	FilterPast    = "past"
)

func (f Filter) check() error {
	var fields []problem.Field
	if _, ok := statusNames[Status(f.Status)]; f.Status != "" && f.Status != FilterCurrent && f.Status != FilterPast && !ok {
		fields = append(fields, problem.Field{Field: "status", Code: "status.unknown",
			Message: "Статус: requested, active, expired, withdrawn, refused, current или past"})
	}
	if _, ok := Organisations[f.Organisation]; f.Organisation != "" && !ok {
		fields = append(fields, problem.Field{Field: "organisation", Code: "organisation.unknown", Message: "Неизвестная организация"})
	}
	if len(fields) > 0 {
		return problem.Invalid(fields...)
	}
	return nil
}

func (f Filter) keeps(it consentItem, now time.Time) bool {
	if f.Organisation != "" && it.Org != f.Organisation {
		return false
	}
	s := it.status(now)
	switch f.Status {
	case "":
		return true
	case FilterCurrent:
		return s == StatusRequested || s == StatusActive
	case FilterPast:
		return s == StatusExpired || s == StatusWithdrawn || s == StatusRefused
	}
	return string(s) == f.Status
}

// List returns a page of the person's consents, newest first. Errors:
// Unauthenticated for anyone without an account of their own; Invalid for
// a bad filter; BadRequest for a bad cursor.
func (s *Consents) List(ctx context.Context, a actor.Actor, f Filter, cursor string, limit int32) ([]Consent, string, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return nil, "", err
	}
	if err := f.check(); err != nil {
		return nil, "", err
	}
	now := s.d.now()
	items, next, err := dynamo.Collect(ctx, s.d.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ConsentPrefix, Cursor: cursor, Consistent: true},
		int(limit), func(it consentItem) bool { return f.keeps(it, now) })
	if err != nil {
		return nil, "", fmt.Errorf("list consents: %w", err)
	}
	out := make([]Consent, 0, len(items))
	for _, it := range items {
		out = append(out, it.view(now))
	}
	return out, next, nil
}

// Get returns one of the person's consents with its history. Errors:
// Unauthenticated; NotFound (another person's consent as none).
func (s *Consents) Get(ctx context.Context, a actor.Actor, id string) (Consent, error) {
	sub, it, err := s.own(ctx, a, id)
	if err != nil {
		return Consent{}, err
	}
	c := it.view(s.d.now())
	if c.History, err = s.d.history(ctx, sub, id); err != nil {
		return Consent{}, err
	}
	return c, nil
}

// all reads every consent of a person, oldest first.
func (d Deps) all(ctx context.Context, sub string) ([]consentItem, error) {
	var out []consentItem
	cursor := ""
	for {
		var page []consentItem
		next, err := d.DB.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.ConsentPrefix, Forward: true, Cursor: cursor, Consistent: true}, &page)
		if err != nil {
			return nil, fmt.Errorf("read consents: %w", err)
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// History reads a person's consents for the personal-data export: all it
// needs is the table.
type History struct {
	DB    *dynamo.Store
	Clock clock.Clock
}

// All is every consent of a person with its history, oldest first.
func (h History) All(ctx context.Context, sub string) ([]Consent, error) {
	d := Deps{DB: h.DB, Clock: h.Clock}
	items, err := d.all(ctx, sub)
	if err != nil {
		return nil, err
	}
	now := d.now()
	out := make([]Consent, 0, len(items))
	for _, it := range items {
		c := it.view(now)
		if c.History, err = d.history(ctx, sub, it.ID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

var actorNames = map[string]string{string(actor.RoleCitizen): "Вы", string(actor.RolePartner): "Организация", string(actor.RoleSystem): "Портал"}

// CSV is the journal of the person's consents for a spreadsheet: one row
// per change of each consent that passes f, oldest first — when, to whom,
// what for, what happened, the level, the data, the term and who made the
// change — as UTF-8 with a byte-order mark, semicolons and Moscow times.
// Errors: as List.
func (s *Consents) CSV(ctx context.Context, a actor.Actor, f Filter) ([]byte, error) {
	sub, err := a.OwnAccount()
	if err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	items, err := s.d.all(ctx, sub)
	if err != nil {
		return nil, err
	}
	now := s.d.now()
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	_ = w.Write([]string{"Дата и время (МСК)", "Организация", "Цель", "Действие", "Уровень доступа", "Данные", "Срок", "Кто", "Согласие"})
	msk := clock.Moscow()
	for _, it := range items {
		if !f.keeps(it, now) {
			continue
		}
		events, err := s.d.history(ctx, sub, it.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			_ = w.Write([]string{e.At.In(msk).Format("02.01.2006 15:04:05"), journal.Cell(it.OrgName), journal.Cell(it.Purpose), e.ActionName,
				levelNames[e.Level], journal.Cell(personaldata.Titles(e.Categories)), termText(e.ExpiresAt), actorNames[e.Actor], it.ID})
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
