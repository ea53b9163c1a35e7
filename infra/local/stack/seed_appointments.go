package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/applications"
	"github.com/kabinet/kabinet/shared/appointments"
	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/blob/s3blob"
	"github.com/kabinet/kabinet/shared/catalog"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

// The demo appointments: three clinics in Moscow and Yekaterinburg with
// doctors of several specialties, a traffic-police exam site, a service
// centre and a pension-fund office, their slots made for the weeks ahead by
// the same run the nightly schedule fires, some of them taken by the demo
// people; the demo citizen's past visits (one attended, one missed), an
// upcoming visit to a doctor and a theory exam booked on the exam
// application the demo traffic-police officer accepted. The staff accounts
// work at the first clinic and at the exam site.

// Demo organisations the staff accounts and the sample events name.
const (
	DemoClinic   = "gp-12-msk"
	DemoExamSite = "gai-msk-1"
)

// appointmentAccounts are the demo accounts of appointments: staff of two
// organisations and the traffic-police officer who admits people to the
// exams. DemoAccounts lists them with the rest.
func appointmentAccounts() []DemoAccount {
	return []DemoAccount{
		{Role: "staff", Username: "staff-clinic", Password: "Регистратура-Приём-8", Phone: "+79160000007", Email: "staff-clinic@kabinet.local",
			SNILS: "789-123-456 44", Group: actor.GroupStaff, Organisation: DemoClinic, Level: accounts.LevelConfirmed,
			Note: "staff of " + DemoClinic + " (clinic)"},
		{Role: "staff", Username: "staff-exam", Password: "Экзамен-Площадка-2", Phone: "+79160000008", Email: "staff-exam@kabinet.local",
			SNILS: "891-234-567 26", Group: actor.GroupStaff, Organisation: DemoExamSite, Level: accounts.LevelConfirmed,
			Note: "staff of " + DemoExamSite + " (exam site)"},
		{Role: "officer", Username: "officer-gibdd", Password: "Дорожный-Инспектор-5", Phone: "+79160000009", Email: "officer-gibdd@kabinet.local",
			SNILS: "912-345-678 00", Group: "officers", Department: "gibdd", Level: accounts.LevelConfirmed, Note: "officers, department gibdd"},
	}
}

var appointmentPeople = map[string]accounts.Registration{
	"staff-clinic":  {Surname: "Григорьева", Name: "Елена", Patronymic: "Викторовна", BirthDate: "1981-06-05", Sex: "female"},
	"staff-exam":    {Surname: "Тарасов", Name: "Алексей", Patronymic: "Николаевич", BirthDate: "1976-02-18", Sex: "male"},
	"officer-gibdd": {Surname: "Морозов", Name: "Павел", Patronymic: "Игоревич", BirthDate: "1984-10-27", Sex: "male"},
}

// week is the same hours on the days named.
func week(days []string, hours ...appointments.Interval) appointments.Week {
	w := appointments.Week{}
	for _, d := range days {
		w[d] = hours
	}
	return w
}

var (
	monFri = []string{"mon", "tue", "wed", "thu", "fri"}
	monSat = []string{"mon", "tue", "wed", "thu", "fri", "sat"}
)

func hours(from, to string) appointments.Interval { return appointments.Interval{From: from, To: to} }

func doctor(id, service, name, room string, minutes int, days []string, from, to string) appointments.Resource {
	return appointments.Resource{ID: id, Service: service, Name: name, Room: room,
		Schedule: appointments.Schedule{SlotMinutes: minutes, Capacity: 1, Week: week(days, hours(from, to))}}
}

// DemoOrganisation is a demo organisation taking appointments with its
// resources, as an operator puts it (appointments.Directory.Put).
type DemoOrganisation struct {
	Org       appointments.Organisation
	Resources []appointments.Resource
}

// DemoOrganisations are the organisations taking appointments every local
// start seeds; README lists them.
func DemoOrganisations() []DemoOrganisation {
	clinicRules := appointments.Rules{CancelBeforeMinutes: 120, BookAheadDays: 14, MaxActivePerService: 1}
	return []DemoOrganisation{
		{appointments.Organisation{ID: DemoClinic, Kind: appointments.KindClinic, Name: "Городская поликлиника № 12", Code: "GP12",
			Address: "г. Москва, ул. Тверская, д. 12, стр. 1", Region: "77", Phone: "+7 495 123-45-12",
			Hours: week(monSat, hours("08:00", "20:00")), Rules: clinicRules},
			[]appointments.Resource{
				doctor("ivanova", "therapist", "Иванова Мария Петровна", "каб. 101", 30, monFri, "08:00", "12:00"),
				doctor("sokolov", "therapist", "Соколов Андрей Ильич", "каб. 102", 30, monFri, "14:00", "18:00"),
				doctor("lebedeva", "cardiologist", "Лебедева Ольга Сергеевна", "каб. 210", 30, []string{"mon", "wed", "fri"}, "09:00", "13:00"),
				doctor("kim", "ophthalmologist", "Ким Виктор Алексеевич", "каб. 305", 30, []string{"tue", "thu", "sat"}, "10:00", "14:00"),
			}},
		{appointments.Organisation{ID: "gp-3-msk", Kind: appointments.KindClinic, Name: "Городская поликлиника № 3", Code: "GP3",
			Address: "г. Москва, Новослободская ул., д. 3", Region: "77", Phone: "+7 495 123-45-03",
			Hours: week(monSat, hours("08:00", "20:00")), Rules: appointments.Rules{CancelBeforeMinutes: 60, BookAheadDays: 14, MaxActivePerService: 2}},
			[]appointments.Resource{
				doctor("orlov", "therapist", "Орлов Дмитрий Павлович", "каб. 12", 20, monSat, "09:00", "13:00"),
				doctor("belova", "neurologist", "Белова Наталья Юрьевна", "каб. 24", 20, []string{"tue", "thu"}, "15:00", "19:00"),
				doctor("zaitsev", "surgeon", "Зайцев Игорь Олегович", "каб. 31", 20, []string{"mon", "wed", "fri"}, "10:00", "12:00"),
			}},
		{appointments.Organisation{ID: "gp-45-ekb", Kind: appointments.KindClinic, Name: "Городская поликлиника № 45", Code: "GP45",
			Address: "г. Екатеринбург, ул. Малышева, д. 45", Region: "66", Phone: "+7 343 222-45-45",
			Hours: week(monFri, hours("08:00", "19:00")), Rules: clinicRules},
			[]appointments.Resource{
				doctor("nikitina", "therapist", "Никитина Светлана Андреевна", "каб. 5", 20, monFri, "08:00", "12:00"),
				doctor("frolov", "pediatrician", "Фролов Роман Евгеньевич", "каб. 9", 20, monFri, "13:00", "17:00"),
				doctor("egorova", "dentist", "Егорова Анна Викторовна", "каб. 14", 20, []string{"mon", "wed"}, "09:00", "13:00"),
			}},
		{appointments.Organisation{ID: DemoExamSite, Kind: appointments.KindExam, Name: "Экзаменационное подразделение МРЭО Госавтоинспекции № 1",
			Code: "GAI1", Address: "г. Москва, ул. Народного Ополчения, д. 40", Region: "77", Phone: "+7 495 600-00-01", Department: "gibdd",
			Hours: week(monFri, hours("09:00", "18:00")), Rules: appointments.Rules{CancelBeforeMinutes: 24 * 60, BookAheadDays: 21, MaxActivePerService: 1}},
			[]appointments.Resource{
				{ID: "theory", Service: "exam-theory", Name: "Теоретический экзамен, класс 1", Room: "ауд. 2",
					Schedule: appointments.Schedule{SlotMinutes: 60, Capacity: 10, Week: week(monFri, hours("09:00", "10:00"), hours("11:00", "12:00"), hours("14:00", "15:00"))}},
				{ID: "practice", Service: "exam-practice", Name: "Практический экзамен, автодром и город",
					Schedule: appointments.Schedule{SlotMinutes: 30, Capacity: 1, Week: week([]string{"tue", "wed", "thu"}, hours("10:00", "13:00"))}},
			}},
		{appointments.Organisation{ID: "mfc-tverskoy", Kind: appointments.KindMFC, Name: "МФЦ района Тверской", Code: "MFCT",
			Address: "г. Москва, ул. Каретный Ряд, д. 2/1", Region: "77", Phone: "+7 495 587-88-88",
			Hours: week(monSat, hours("09:00", "20:00")), Rules: appointments.Rules{CancelBeforeMinutes: 30, BookAheadDays: 14, MaxActivePerService: 1}},
			[]appointments.Resource{
				{ID: "window-1", Service: "mfc-passport", Name: "Окно 1", Schedule: appointments.Schedule{SlotMinutes: 15, Capacity: 1,
					Week: week(monFri, hours("10:00", "14:00"))}},
				{ID: "window-2", Service: "mfc-registration", Name: "Окно 2", Schedule: appointments.Schedule{SlotMinutes: 15, Capacity: 1,
					Week: week(monSat, hours("12:00", "16:00"))}},
				{ID: "window-3", Service: "mfc-consultation", Name: "Окно 3", Schedule: appointments.Schedule{SlotMinutes: 15, Capacity: 2,
					Week: week(monFri, hours("16:00", "19:00"))}},
			}},
		{appointments.Organisation{ID: "sfr-ekb-1", Kind: appointments.KindPension, Name: "Клиентская служба СФР в Кировском районе", Code: "SFR1",
			Address: "г. Екатеринбург, ул. Первомайская, д. 104", Region: "66", Phone: "+7 800 100-00-01", Department: "sfr",
			Hours: week(monFri, hours("09:00", "18:00")), Rules: appointments.Rules{CancelBeforeMinutes: 60, BookAheadDays: 14, MaxActivePerService: 1}},
			[]appointments.Resource{
				{ID: "specialist-1", Service: "pension-consultation", Name: "Специалист клиентской службы", Room: "окно 4",
					Schedule: appointments.Schedule{SlotMinutes: 30, Capacity: 1, Week: week(monFri, hours("09:00", "13:00"))}},
				{ID: "specialist-2", Service: "pension-capital", Name: "Специалист по материнскому капиталу", Room: "окно 5",
					Schedule: appointments.Schedule{SlotMinutes: 30, Capacity: 1, Week: week([]string{"tue", "thu"}, hours("14:00", "17:00"))}},
			}},
	}
}

// appointmentServices are the appointments services on a clock of their
// own (the demo citizen's past visits are booked as they were then).
type appointmentServices struct {
	dir       *appointments.Directory
	slots     *appointments.Slots
	bookings  *appointments.Bookings
	reception *appointments.Reception
}

func (s *Stack) appointmentServices(apps *applications.Service, c clock.Clock) (*appointmentServices, error) {
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	keys := vault.NewKeyring(s.SecretsClient(), s.Resources["IndexKeySecret"])
	people, err := accounts.NewProfiles(accounts.Deps{DB: db, Sealer: kmsseal.NewSealer(s.KMSClient(), s.Resources["FieldKey"]), Clock: clock.System{}})
	if err != nil {
		return nil, err
	}
	// The journal keeps its own clock: its entries are in the order they
	// are written.
	d := appointments.Deps{DB: db, Clock: c, People: people, Inbox: &inbox.Store{DB: db}, Applications: apps,
		Journal: &journal.Journal{DB: db, Key: keys, Clock: clock.System{}}}
	var out appointmentServices
	if out.dir, err = appointments.NewDirectory(d); err != nil {
		return nil, err
	}
	if out.slots, err = appointments.NewSlots(d); err != nil {
		return nil, err
	}
	if out.bookings, err = appointments.NewBookings(d); err != nil {
		return nil, err
	}
	if out.reception, err = appointments.NewReception(d); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Stack) demoAccount(username string) DemoAccount {
	for _, d := range s.Demo {
		if d.Username == username {
			return d
		}
	}
	return DemoAccount{}
}

func staffActor(d DemoAccount) actor.Actor {
	return actor.Actor{Sub: d.Sub, Groups: []string{actor.GroupStaff}, Organisation: d.Organisation}
}

// seedAppointments puts the demo organisations and makes their slots, and
// books the demo people's appointments.
func (s *Stack) seedAppointments(ctx context.Context, apps *applications.Service) error {
	citizen, staff := s.demoAccount("citizen"), s.demoAccount("staff-clinic")
	if citizen.Sub == "" || staff.Sub == "" {
		return nil
	}
	me := actor.Citizen(citizen.Sub)
	orgs := DemoOrganisations()

	// The citizen's history: the first clinic as it was nine days ago,
	// two visits booked then and marked by its staff on their days.
	then := clock.NewManual(time.Now().AddDate(0, 0, -9))
	past, err := s.appointmentServices(apps, then)
	if err != nil {
		return err
	}
	if err := past.dir.Put(ctx, actor.System(), orgs[0].Org, orgs[0].Resources); err != nil {
		return fmt.Errorf("demo organisation %s: %w", orgs[0].Org.ID, err)
	}
	if _, err := past.slots.Materialise(ctx, actor.System()); err != nil {
		return fmt.Errorf("demo slots then: %w", err)
	}
	for _, v := range []struct {
		service string
		after   int
		status  string
	}{{"therapist", 1, appointments.StatusArrived}, {"cardiologist", 4, appointments.StatusNoShow}} {
		then.Set(time.Now().AddDate(0, 0, -9))
		slot, err := demoSlot(ctx, past.slots, then, me, DemoClinic, v.service, v.after, 0)
		if err != nil {
			return err
		}
		b, err := past.bookings.Book(ctx, me, appointments.BookRequest{SlotID: slot, VisitType: appointments.VisitFirst})
		if err != nil {
			return fmt.Errorf("demo past appointment: %w", err)
		}
		then.Set(b.Start.Add(10 * time.Minute))
		day, err := past.reception.Day(ctx, staffActor(staff), b.Start.Format(time.DateOnly), b.Resource.ID)
		if err != nil {
			return err
		}
		for _, visit := range day.Visits {
			if visit.Number == b.Number {
				if _, err := past.reception.Mark(ctx, staffActor(staff), visit.ID, v.status); err != nil {
					return fmt.Errorf("demo visit mark: %w", err)
				}
			}
		}
	}

	// Today: every organisation, the slots of the weeks ahead.
	now, err := s.appointmentServices(apps, clock.System{})
	if err != nil {
		return err
	}
	for _, o := range orgs[1:] {
		if err := now.dir.Put(ctx, actor.System(), o.Org, o.Resources); err != nil {
			return fmt.Errorf("demo organisation %s: %w", o.Org.ID, err)
		}
	}
	if _, err := now.slots.Materialise(ctx, actor.System()); err != nil {
		return fmt.Errorf("demo slots: %w", err)
	}
	// Some places taken: the demo people's own appointments.
	for _, b := range []struct {
		username, org, service string
		day, nth               int
	}{
		{"citizen", DemoClinic, "therapist", 2, 1},
		{"citizen", "mfc-tverskoy", "mfc-passport", 3, 2},
		{"citizen-totp", DemoClinic, "therapist", 2, 0},
		{"citizen-totp", DemoClinic, "cardiologist", 1, 0},
		{"citizen-totp", "gp-45-ekb", "dentist", 1, 0},
		{"officer", DemoClinic, "ophthalmologist", 1, 0},
		{"officer", "mfc-tverskoy", "mfc-registration", 1, 0},
		{"support", DemoClinic, "cardiologist", 1, 0},
		{"registrar", "gp-3-msk", "therapist", 1, 0},
		{"officer-fns", "sfr-ekb-1", "pension-consultation", 2, 0},
	} {
		who := actor.Citizen(s.demoAccount(b.username).Sub)
		slot, err := demoSlot(ctx, now.slots, clock.System{}, who, b.org, b.service, b.day, b.nth)
		if err != nil {
			return err
		}
		req := appointments.BookRequest{SlotID: slot}
		if svc, _ := appointments.ServiceOf(b.service); svc.Kind == appointments.KindClinic {
			req.VisitType = appointments.VisitFirst
		}
		if _, err := now.bookings.Book(ctx, who, req); err != nil {
			return fmt.Errorf("demo appointment of %s: %w", b.username, err)
		}
	}
	// The traffic police examine the citizen on their exam application.
	if err := s.seedExamApplication(ctx, apps, citizen); err != nil {
		return err
	}
	slot, err := demoSlot(ctx, now.slots, clock.System{}, me, DemoExamSite, "exam-theory", 2, 0)
	if err != nil {
		return err
	}
	if _, err := now.bookings.Book(ctx, me, appointments.BookRequest{SlotID: slot}); err != nil {
		return fmt.Errorf("demo exam appointment: %w", err)
	}
	return nil
}

// demoSlot is the nth free slot of a service at an organisation from the
// day after days ahead of the services' clock on.
func demoSlot(ctx context.Context, slots *appointments.Slots, c clock.Clock, who actor.Actor, org, service string, after, nth int) (string, error) {
	items, _, err := slots.Search(ctx, who, appointments.SlotQuery{Organisation: org, Service: service}, "", 100)
	if err != nil {
		return "", fmt.Errorf("demo slots of %s at %s: %w", service, org, err)
	}
	for _, sl := range items {
		if sl.Start.Format(time.DateOnly) < c.Now().AddDate(0, 0, after).In(sl.Start.Location()).Format(time.DateOnly) {
			continue
		}
		if nth == 0 {
			return sl.ID, nil
		}
		nth--
	}
	return "", fmt.Errorf("demo slots of %s at %s: none free %d days ahead", service, org, after)
}

// seedExamApplication gives the citizen the exam application the traffic
// police accepted (registered): the form, a passport scan and a driving
// school's certificate, and the demo officer of the traffic police's move.
func (s *Stack) seedExamApplication(ctx context.Context, apps *applications.Service, citizen DemoAccount) error {
	officer := s.demoAccount("officer-gibdd")
	if officer.Sub == "" {
		return nil
	}
	db := dynamo.New(s.DynamoDB(), s.Resources["Table"])
	objects := s3blob.New(s.S3(), s.Resources["Bucket"])
	docs := &documents.Service{DB: db, Objects: objects, Clock: clock.System{}}
	var scans []string
	for _, typ := range []string{"passport", "other"} {
		d, err := docs.Declare(ctx, citizen.Sub, documents.Declaration{Type: typ, FileName: "скан.pdf", ContentType: blob.TypePDF, Size: int64(len(demoPDF))})
		if err != nil {
			return fmt.Errorf("demo scan: %w", err)
		}
		key, err := blob.IncomingKey(citizen.Sub, d.Document.ID)
		if err == nil {
			err = objects.Put(ctx, key, blob.TypePDF, demoPDF)
		}
		if err == nil {
			_, err = docs.Complete(ctx, citizen.Sub, d.Document.ID)
		}
		if err != nil {
			return fmt.Errorf("demo scan: %w", err)
		}
		scans = append(scans, d.Document.ID)
	}
	svc, _ := catalog.Get(appointments.ExamApplication)
	values := svc.Sample()
	values["preferredDate"] = time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	owner := actor.Citizen(citizen.Sub)
	a, err := apps.CreateDraft(ctx, owner, svc.Code)
	if err == nil {
		a, err = apps.SaveDraft(ctx, owner, a.ID, values, a.Version)
	}
	if err == nil {
		a, err = apps.Submit(ctx, owner, a.ID, scans, "", a.Version)
	}
	if err == nil {
		as := actor.Actor{Sub: officer.Sub, Groups: []string{actor.GroupOfficers}, Department: officer.Department}
		_, err = apps.OfficerTransition(ctx, as, a.ID, applications.Move{To: applications.Registered, Comment: "Заявление принято, запишитесь на экзамен"})
	}
	if err != nil {
		return fmt.Errorf("demo exam application: %w", err)
	}
	return nil
}

// demoPDF is a one-page PDF, the demo scans' content.
var demoPDF = []byte("%PDF-1.4\n" +
	"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
	"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
	"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n" +
	"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n" +
	"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n")
