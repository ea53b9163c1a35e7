// Package issuedpdf renders issued documents as PDFs (issued.Renderer).
package issuedpdf

import (
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/pdfdoc"
)

var moscow = time.FixedZone("MSK", 3*60*60)

// Renderer renders issued documents.
type Renderer struct{}

var _ issued.Renderer = Renderer{}

// Render implements issued.Renderer: the result of a service in Russian,
// with the applicant, the decision and a QR code of the verification
// address.
func (Renderer) Render(r issued.Request, number, code, verifyURL string) ([]byte, error) {
	issued := r.IssuedAt.In(moscow)
	d := pdfdoc.New(r.ServiceTitle+" — "+number, r.DepartmentTitle,
		"Электронный документ, выдан через личный кабинет. Код проверки: "+code, r.IssuedAt)
	d.Text(r.DepartmentTitle)
	d.Gap(4)
	d.Heading("Результат предоставления государственной услуги", 15)
	d.Heading("«"+r.ServiceTitle+"»", 12)
	d.Gap(2)
	d.Field("Номер документа", number)
	d.Field("Дата выдачи", issued.Format("02.01.2006 15:04")+" (МСК)")
	d.Field("Заявление", "№ "+r.ApplicationNumber+" от "+r.SubmittedAt.In(moscow).Format("02.01.2006"))
	d.Gap(3)
	d.Heading("Заявитель", 12)
	d.Field("Фамилия, имя, отчество", r.Applicant.FullName())
	if t, err := time.Parse("2006-01-02", r.Applicant.BirthDate); err == nil {
		d.Field("Дата рождения", t.Format("02.01.2006"))
	}
	if r.Applicant.SNILS != "" {
		d.Field("СНИЛС", r.Applicant.SNILS)
	}
	d.Gap(3)
	d.Heading("Решение", 12)
	text := "Услуга оказана. Заявление рассмотрено, решение принято в пользу заявителя."
	if c := strings.TrimSpace(r.Decision); c != "" {
		text += "\n" + c
	}
	d.Text(text)
	d.Gap(6)
	if err := d.QR(verifyURL, 32,
		"Проверить подлинность документа:",
		verifyURL,
		"Код проверки: "+code,
		"Документ подписан электронной подписью "+r.DepartmentTitle+".",
	); err != nil {
		return nil, err
	}
	return d.Bytes()
}
