package support

import (
	"context"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Kinds of what a ticket may link to.
const (
	LinkApplication = "application"
	LinkPayment     = "payment"
	LinkAppointment = "appointment"
)

// Links checks what a ticket links to: it must be the person's own.
type Links interface {
	// Title is a short Russian title of the person's record kind/id;
	// Invalid naming link.kind or link.id when it is no such record of
	// theirs.
	Title(ctx context.Context, sub, kind, id string) (string, error)
}

// TableLinks finds the linked record in the table. It reads the few
// attributes it names of the applications' and payments' items (their
// owner and number) and nothing else of them.
type TableLinks struct{ DB *dynamo.Store }

var _ Links = TableLinks{}

func badLink(field, code, msg string) error {
	return problem.Invalid(problem.Field{Field: field, Code: code, Message: msg})
}

// Title implements Links.
func (l TableLinks) Title(ctx context.Context, sub, kind, id string) (string, error) {
	if id == "" || len(id) > 64 {
		return "", badLink("link.id", "link.unknown", "Укажите, о каком заявлении, платеже или записи речь")
	}
	unknown := func(err error) (string, error) {
		if problem.Is(err, problem.KindNotFound) {
			return "", badLink("link.id", "link.unknown", "Такой записи нет среди ваших")
		}
		return "", err
	}
	switch kind {
	case LinkApplication:
		var it struct {
			Sub, Number string
		}
		if err := l.DB.Get(ctx, dynamo.ApplicationKey(sub, id), "заявление", &it); err != nil {
			return unknown(err)
		}
		if it.Number == "" {
			return "Черновик заявления", nil
		}
		return "Заявление № " + it.Number, nil
	case LinkPayment:
		var it struct {
			Sub string
		}
		if err := l.DB.Get(ctx, dynamo.PaymentKey(id), "платёж", &it); err != nil {
			return unknown(err)
		}
		if it.Sub != sub {
			return unknown(problem.NotFound("платёж"))
		}
		return "Платёж " + id, nil
	case LinkAppointment:
		// Appointments are another issue's: until their records land there
		// is nothing of the person's to find.
		return unknown(problem.NotFound("запись на приём"))
	}
	return "", badLink("link.kind", "link.kind", "Ссылка — на заявление (application), платёж (payment) или запись на приём (appointment)")
}
