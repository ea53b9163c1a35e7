package payments

// Agency is an administrator of charges: an agency system posting them
// (its OAuth scope is agency.<Code>) or a department whose services carry a
// state duty.
type Agency struct {
	Code  string
	Title string
	// Payee is who receives the money by default (a charge may name its own).
	Payee Payee
	// UINPrefix is the 8 digits the portal starts the УИН of this agency's
	// state duties with ("" when it issues none through the portal).
	UINPrefix string
}

// Payee is the recipient of a payment, as a receipt prints it.
type Payee struct {
	Name string `json:"name" dynamodbav:"Name"`
	INN  string `json:"inn" dynamodbav:"INN"`
	KPP  string `json:"kpp" dynamodbav:"KPP"`
	// KBK is the budget classification code, OKTMO the municipality's.
	KBK   string `json:"kbk,omitempty" dynamodbav:"KBK,omitempty"`
	OKTMO string `json:"oktmo,omitempty" dynamodbav:"OKTMO,omitempty"`
}

// Agencies are the administrators the portal knows. The payee details are
// the demonstration deployment's: a real one takes them from ГИС ГМП.
var Agencies = map[string]Agency{
	"gibdd": {Code: "gibdd", Title: "Госавтоинспекция МВД России",
		Payee: Payee{Name: "УФК по г. Москве (ГУ МВД России по г. Москве)", INN: "7707089101", KPP: "770731005"}, UINPrefix: "18810000"},
	"fns": {Code: "fns", Title: "ФНС России",
		Payee: Payee{Name: "Казначейство России (ФНС России)", INN: "7727406020", KPP: "770801001"}, UINPrefix: "18200000"},
	"fssp": {Code: "fssp", Title: "ФССП России",
		Payee: Payee{Name: "УФК по г. Москве (ГУФССП России по г. Москве)", INN: "7709576929", KPP: "770901001"}},
	"utility": {Code: "utility", Title: "Единый расчётный центр ЖКУ",
		Payee: Payee{Name: "ООО «Единый расчётный центр»", INN: "7707083893", KPP: "770701001"}},
	"mvd": {Code: "mvd", Title: "МВД России",
		Payee: Payee{Name: "УФК по г. Москве (ГУ МВД России по г. Москве)", INN: "7707089101", KPP: "770731005"}, UINPrefix: "18800000"},
	"rosreestr": {Code: "rosreestr", Title: "Росреестр",
		Payee: Payee{Name: "УФК по г. Москве (Управление Росреестра по Москве)", INN: "7726639745", KPP: "772601001"}, UINPrefix: "32100000"},
	"zags": {Code: "zags", Title: "Управление ЗАГС",
		Payee: Payee{Name: "УФК по г. Москве (Управление ЗАГС Москвы)", INN: "7710474791", KPP: "771001001"}, UINPrefix: "05300000"},
}

// Kinds of charges.
const (
	KindFine        = "fine"
	KindTax         = "tax"
	KindDuty        = "duty"
	KindUtility     = "utility"
	KindEnforcement = "enforcement"
)

// kindNames are the kinds as a person reads them (inbox notes use them).
var kindNames = map[string]string{KindFine: "штраф", KindTax: "налог", KindDuty: "госпошлина", KindUtility: "ЖКУ",
	KindEnforcement: "задолженность по исполнительному производству"}

// agencyKinds are the kinds each agency may post.
var agencyKinds = map[string][]string{
	"gibdd": {KindFine, KindDuty}, "fns": {KindTax, KindFine}, "fssp": {KindEnforcement},
	"utility": {KindUtility}, "mvd": {KindDuty, KindFine}, "rosreestr": {KindDuty}, "zags": {KindDuty},
}
