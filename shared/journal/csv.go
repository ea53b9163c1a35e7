package journal

import (
	"bytes"
	"encoding/csv"
	"strings"

	"github.com/kabinet/kabinet/shared/clock"
)

// csvTime is how exported times read: day first, as Russians write dates.
const csvTime = "02.01.2006 15:04:05"

var csvHeader = []string{"Дата и время (МСК)", "Тип", "Описание", "IP", "Кто"}

var typeLabels = map[string]string{
	TypeLogin:             "Вход в систему",
	TypeSecurity:          "Безопасность",
	TypeSession:           "Сеанс",
	TypeLevel:             "Подтверждение личности",
	TypeSettings:          "Изменение настроек",
	TypeProfileChange:     "Изменение профиля",
	TypeDocumentUpload:    "Загрузка документа",
	TypeApplicationSubmit: "Подача заявления",
	TypeApplicationStatus: "Изменение статуса заявления",
	TypePayment:           "Оплата",
	TypeConsent:           "Согласие",
	TypeAppointment:       "Запись на приём",
	TypeAccessFlag:        "Журнал доступа к данным",
}

var actorLabels = map[string]string{
	ActorCitizen:   "Гражданин",
	ActorOfficer:   "Сотрудник ведомства",
	ActorRegistrar: "Сотрудник центра обслуживания",
	ActorSupport:   "Оператор поддержки",
	ActorStaff:     "Сотрудник организации",
	ActorSystem:    "Система",
	ActorAgency:    "Информационная система ведомства",
	ActorPartner:   "Информационная система организации-партнёра",
}

// TypeLabel names an entry type in Russian; an unknown type is shown as is.
func TypeLabel(t string) string {
	if l, ok := typeLabels[t]; ok {
		return l
	}
	return t
}

// ActorLabel names an actor in Russian; an unknown actor is shown as is.
func ActorLabel(a string) string {
	if l, ok := actorLabels[a]; ok {
		return l
	}
	return a
}

// who is the "Кто" of an entry: the role, and the organisation of a system.
func who(e Entry) string {
	if e.Organisation != "" {
		return ActorLabel(e.Actor) + " (" + e.Organisation + ")"
	}
	return ActorLabel(e.Actor)
}

// CSV renders entries for a spreadsheet: RFC 4180 (CRLF, quoted where
// needed), UTF-8 with a byte-order mark so that Excel reads the Cyrillic
// right, a Russian header and Moscow times. A cell that a spreadsheet would
// take for a formula (starting with = + - @, a tab or a line break) gets a
// leading apostrophe, so that opening the file never runs anything a
// summary carried in.
func CSV(entries []Entry) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	// Writes to a bytes.Buffer do not fail.
	_ = w.Write(csvHeader)
	for _, e := range entries {
		_ = w.Write([]string{
			e.At.In(clock.Moscow()).Format(csvTime),
			Cell(TypeLabel(e.Type)),
			Cell(e.Summary),
			Cell(e.IP),
			Cell(who(e)),
		})
	}
	w.Flush()
	return buf.Bytes()
}

// Cell makes text safe for a spreadsheet cell: valid UTF-8, and never read
// as a formula. Every CSV a person downloads uses it.
func Cell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}
