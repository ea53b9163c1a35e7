// Package journalpdf prints an application's status journal as a PDF in
// Russian, times in Moscow time (applications.Printer).
package journalpdf

import (
	"strings"
	"time"

	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/pdfdoc"
)

var moscow = time.FixedZone("MSK", 3*60*60)

// roleNames say who made a change, as the citizen reads it.
var roleNames = map[string]string{applications.RoleCitizen: "Заявитель", applications.RoleOfficer: "Ведомство"}

// Printer prints journals.
type Printer struct{}

var _ applications.Printer = Printer{}

// Journal implements applications.Printer.
func (Printer) Journal(a applications.App, now time.Time) (string, []byte, error) {
	svc, _ := catalog.Get(a.Service)
	label := a.Number
	if label == "" {
		label = "черновик"
	}
	d := pdfdoc.New("Журнал заявления № "+label, svc.DepartmentTitle,
		"Выписка из журнала заявления сформирована "+now.In(moscow).Format("02.01.2006 15:04")+" (МСК)", now)
	d.Heading("Журнал заявления № "+label, 15)
	d.Field("Услуга", svc.Title)
	d.Field("Ведомство", svc.DepartmentTitle)
	d.Field("Текущий статус", a.StatusName)
	if !a.SubmittedAt.IsZero() {
		d.Field("Подано", a.SubmittedAt.In(moscow).Format("02.01.2006 15:04")+" (МСК)")
	}
	if due, err := time.Parse("2006-01-02", a.DueDate); err == nil {
		d.Field("Срок рассмотрения", "до "+due.Format("02.01.2006"))
	}
	if a.Result != nil {
		d.Field("Результат", a.Result.Number+", код проверки "+a.Result.VerificationCode)
	}
	d.Gap(3)
	rows := make([][]string, 0, len(a.Journal))
	for _, e := range a.Journal {
		comment := e.Comment
		if len(e.Documents) > 0 {
			comment = strings.TrimSpace(comment + "\nЗапрошены документы: " + strings.Join(e.Documents, ", "))
		}
		rows = append(rows, []string{e.At.In(moscow).Format("02.01.2006 15:04:05"),
			applications.StatusNames[e.From] + " → " + applications.StatusNames[e.To], roleNames[e.Role], comment})
	}
	if len(rows) == 0 {
		d.Text("Записей в журнале пока нет.")
	} else {
		d.Table([]string{"Дата и время (МСК)", "Изменение статуса", "Кто", "Комментарий"}, []float64{0.2, 0.3, 0.14, 0.36}, rows)
	}
	pdf, err := d.Bytes()
	if err != nil {
		return "", nil, err
	}
	return "Журнал заявления " + label + ".pdf", pdf, nil
}
