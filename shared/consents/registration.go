package consents

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/personaldata"
	"github.com/kabinet/kabinet/shared/problem"
)

// The consent to process personal data a person gives when they register
// is a document of its own, apart from any other text (152-FZ, art. 9
// part 4.1, as amended in force from 1 September 2025): the registration
// form shows this text and sends back its Version; the account's first
// consent records which edition was agreed to, when and from where, with
// the text's digest.

// RegistrationVersion is the edition of the registration consent in force.
const RegistrationVersion = "2025-09-01"

const registrationTitle = "Согласие на обработку персональных данных"

const registrationPurpose = "Регистрация и ведение учётной записи, предоставление государственных и муниципальных услуг через личный кабинет"

var registrationText = strings.Join([]string{
	"Я, регистрируясь в личном кабинете «Кабинет», свободно, своей волей и в своём интересе даю согласие оператору портала «Кабинет» на обработку моих персональных данных.",
	"Цель обработки: регистрация и ведение моей учётной записи, подтверждение моей личности, подача заявлений и получение государственных и муниципальных услуг, оплата начислений, направление мне уведомлений.",
	"Перечень персональных данных: фамилия, имя, отчество; пол; дата и место рождения; гражданство; паспортные данные; СНИЛС; ИНН (если указан); номер телефона и адрес электронной почты; адреса регистрации и проживания; сведения, которые я сообщаю в заявлениях и обращениях.",
	"Действия с персональными данными: сбор, запись, систематизация, накопление, хранение, уточнение, извлечение, использование, передача органам и организациям, предоставляющим выбранные мной услуги, обезличивание, блокирование, удаление, уничтожение — с использованием средств автоматизации и без них. Передача моих данных иным организациям (банкам, страховщикам, работодателям, образовательным организациям) возможна только по моему отдельному согласию, которое я даю в разделе «Согласия».",
	"Согласие действует до удаления моей учётной записи. Я могу отозвать его, обратившись в службу поддержки; после отзыва оператор прекращает обработку, кроме случаев, когда закон позволяет продолжить её без согласия.",
}, "\n\n")

var registrationDigest = func() string {
	sum := sha256.Sum256([]byte(registrationText))
	return hex.EncodeToString(sum[:])
}()

// registrationCategories are what the registration consent covers: all
// the portal itself holds.
var registrationCategories = []personaldata.Category{personaldata.Personal, personaldata.Passport, personaldata.SNILS,
	personaldata.INN, personaldata.Contacts, personaldata.Address}

func registrationDocument(version string) *Document {
	d := &Document{Version: version, Title: registrationTitle}
	if version == RegistrationVersion {
		d.Text, d.SHA256 = registrationText, registrationDigest
	}
	return d
}

// RegistrationText is the document the registration form shows.
func RegistrationText() Document { return *registrationDocument(RegistrationVersion) }

// Registration records the consent given at registration, in the
// transaction that opens the account (accounts.ConsentRecorder).
type Registration struct{}

var _ accounts.ConsentRecorder = Registration{}

// CurrentVersion is the edition a registration must agree to.
func (Registration) CurrentVersion() string { return RegistrationVersion }

// RegistrationConsentTx adds the account's registration consent and its
// first event to tx.
func (Registration) RegistrationConsentTx(tx *dynamo.Tx, sub string, c accounts.RegistrationConsent) error {
	if c.Version == "" {
		return problem.Invalid(problem.Field{Field: "personalDataConsent", Code: "consent.version",
			Message: "Примите действующую редакцию согласия на обработку персональных данных"})
	}
	at := c.At.UTC()
	id := at.Format("20060102150405") + "-registration"
	k := dynamo.ConsentKey(sub, id)
	cats := strs(registrationCategories)
	org := Organisations[OperatorCode]
	it := consentItem{PK: k.PK, SK: k.SK, Kind: kindConsent, V: 1, ID: id, Sub: sub, Org: org.Code, OrgName: org.Name, OrgKind: org.Sector,
		Purpose: registrationPurpose, Levels: map[string][]string{string(LevelFull): cats}, Level: string(LevelFull), Categories: cats,
		Status: string(StatusActive), AskedLevel: string(LevelFull), RequestedAt: stamp(at), GrantedAt: stamp(at), Via: "registration",
		DocVersion: c.Version, DocSHA256: registrationDigest, DocFrom: c.IP, Events: 1}
	tx.Create(it)
	addEvent(tx, it, ActionRegistered, string(actor.RoleCitizen), at)
	return nil
}

// isRegistration reports whether a consent is the registration consent,
// which is withdrawn only with the account.
func (it consentItem) isRegistration() bool { return it.Via == "registration" }

func registrationLocked() error {
	return problem.Conflict("registration_consent",
		"Согласие оператору портала действует, пока существует учётная запись. Чтобы отозвать его, обратитесь в службу поддержки")
}
