package appointments

import (
	"slices"
	"sync"
	"time"
)

// Kinds of organisations.
const (
	KindClinic = "clinic"
	// KindExam is an exam site of the traffic police (Госавтоинспекция).
	KindExam = "exam"
	// KindMFC is a service centre «Мои документы».
	KindMFC = "mfc"
	// KindPension is a client office of the Social Fund (СФР).
	KindPension = "pension"
)

// KindNames name the kinds in Russian.
var KindNames = map[string]string{
	KindClinic:  "Поликлиника",
	KindExam:    "Экзаменационное подразделение Госавтоинспекции",
	KindMFC:     "МФЦ «Мои документы»",
	KindPension: "Клиентская служба Социального фонда",
}

// Service is what one books: a doctor's specialty, an exam, a service of a
// service centre or of the pension fund.
type Service struct {
	Code string `json:"code"`
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Bring is what to take along, unless the resource says otherwise.
	Bring string `json:"bring"`
	// Exam says the traffic police admit only people whose exam
	// application (catalog service ExamApplication) they accepted.
	Exam bool `json:"exam,omitempty"`
}

// ExamApplication is the catalog service whose application admits a person
// to the traffic-police exams.
const ExamApplication = "driving-exam"

// ExamAdmitted are the statuses of the exam application in which the
// traffic police examine the person: registered (accepted for processing),
// in progress (documents being checked) and approved (admitted). A draft or
// an application just sent is not yet accepted, one waiting for documents
// lacks them, and a rejected, cancelled or completed one admits nobody.
var ExamAdmitted = []string{"registered", "in_progress", "approved"}

const bringClinic = "паспорт, полис ОМС, СНИЛС"

// Services is every service that can be booked.
var Services = []Service{
	{Code: "therapist", Kind: KindClinic, Name: "Терапевт", Bring: bringClinic},
	{Code: "pediatrician", Kind: KindClinic, Name: "Педиатр", Bring: "свидетельство о рождении или паспорт ребёнка, полис ОМС ребёнка, паспорт родителя"},
	{Code: "cardiologist", Kind: KindClinic, Name: "Кардиолог", Bring: bringClinic + ", направление терапевта, результаты ЭКГ"},
	{Code: "ophthalmologist", Kind: KindClinic, Name: "Офтальмолог", Bring: bringClinic + ", очки или контактные линзы, если носите"},
	{Code: "neurologist", Kind: KindClinic, Name: "Невролог", Bring: bringClinic + ", направление терапевта"},
	{Code: "dentist", Kind: KindClinic, Name: "Стоматолог", Bring: bringClinic},
	{Code: "surgeon", Kind: KindClinic, Name: "Хирург", Bring: bringClinic + ", направление терапевта"},
	{Code: "exam-theory", Kind: KindExam, Name: "Теоретический экзамен", Exam: true,
		Bring: "паспорт, медицинское заключение, свидетельство об окончании автошколы"},
	{Code: "exam-practice", Kind: KindExam, Name: "Практический экзамен (вождение)", Exam: true,
		Bring: "паспорт, медицинское заключение, свидетельство об окончании автошколы; приходите за 15 минут до начала"},
	{Code: "mfc-passport", Kind: KindMFC, Name: "Паспорт гражданина РФ", Bring: "паспорт, 2 фотографии 35×45 мм, квитанция об уплате госпошлины"},
	{Code: "mfc-registration", Kind: KindMFC, Name: "Регистрация по месту жительства", Bring: "паспорт, документ-основание для вселения"},
	{Code: "mfc-property", Kind: KindMFC, Name: "Регистрация прав на недвижимость", Bring: "паспорт, правоустанавливающие документы"},
	{Code: "mfc-consultation", Kind: KindMFC, Name: "Консультация", Bring: "паспорт"},
	{Code: "pension-assignment", Kind: KindPension, Name: "Назначение пенсии", Bring: "паспорт, СНИЛС, трудовая книжка"},
	{Code: "pension-capital", Kind: KindPension, Name: "Материнский капитал", Bring: "паспорт, СНИЛС, свидетельства о рождении детей"},
	{Code: "pension-consultation", Kind: KindPension, Name: "Консультация по пенсионным вопросам", Bring: "паспорт, СНИЛС"},
}

// ServiceOf finds a service by its code.
func ServiceOf(code string) (Service, bool) {
	i := slices.IndexFunc(Services, func(s Service) bool { return s.Code == code })
	if i < 0 {
		return Service{}, false
	}
	return Services[i], true
}

// Visit types of a clinic (тип обращения).
const (
	VisitFirst      = "first"
	VisitRepeat     = "repeat"
	VisitPreventive = "preventive"
)

// VisitTypeNames name them in Russian.
var VisitTypeNames = map[string]string{VisitFirst: "первичный приём", VisitRepeat: "повторный приём", VisitPreventive: "профилактический осмотр"}

// Region is a subject of the Federation organisations are in.
type Region struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Zone is its time zone: dates of a search by region are its dates.
	Zone string `json:"timeZone"`
}

// Regions are the regions with organisations taking appointments, by code.
var Regions = map[string]Region{
	"77": {"77", "г. Москва", "Europe/Moscow"},
	"78": {"78", "г. Санкт-Петербург", "Europe/Moscow"},
	"50": {"50", "Московская область", "Europe/Moscow"},
	"16": {"16", "Республика Татарстан", "Europe/Moscow"},
	"66": {"66", "Свердловская область", "Asia/Yekaterinburg"},
	"54": {"54", "Новосибирская область", "Asia/Novosibirsk"},
}

// zoneOffsets are Russia's time zones; none has kept summer time since
// 2014, so a fixed offset stands in where the system has no zone database.
var zoneOffsets = map[string]int{
	"Europe/Kaliningrad": 2, "Europe/Moscow": 3, "Europe/Samara": 4, "Asia/Yekaterinburg": 5, "Asia/Omsk": 6,
	"Asia/Novosibirsk": 7, "Asia/Krasnoyarsk": 7, "Asia/Irkutsk": 8, "Asia/Yakutsk": 9, "Asia/Vladivostok": 10,
	"Asia/Magadan": 11, "Asia/Kamchatka": 12,
}

var zones sync.Map

// Zone is a Russian time zone by its name; ok is false for any other.
func Zone(name string) (*time.Location, bool) {
	offset, ok := zoneOffsets[name]
	if !ok {
		return nil, false
	}
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), true
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.FixedZone(name, offset*3600)
	}
	zones.Store(name, l)
	return l, true
}

// mustZone is a zone validated when it was stored.
func mustZone(name string) *time.Location {
	if l, ok := Zone(name); ok {
		return l
	}
	l, _ := Zone("Europe/Moscow")
	return l
}
