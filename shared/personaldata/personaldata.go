// Package personaldata names the categories of a person's data the portal
// speaks of in two places: what a consent lets an organisation receive
// (shared/consents), and what someone other than the person read
// (shared/accesslog). One vocabulary, so that a person reading their access
// log sees the same words as in the consents they gave.
package personaldata

import (
	"slices"
	"strings"
)

// Category is a kind of personal data.
type Category string

// The categories. Those an organisation may ask consent for are Consentable;
// of those the portal itself holds some (Held) and reports the others as
// unavailable, having no such records yet.
const (
	// Personal: surname, name, patronymic, sex, date and place of birth,
	// citizenship.
	Personal Category = "personal"
	// Passport: the internal passport's series, number, date, issuer and
	// division code.
	Passport Category = "passport"
	SNILS    Category = "snils"
	INN      Category = "inn"
	// Contacts: the phone and the email.
	Contacts Category = "contacts"
	// Address: the registration address and the actual address.
	Address Category = "address"
	// Income: income statements (the portal holds none yet).
	Income Category = "income"
	// Family: marital status and children (the portal holds none yet).
	Family Category = "family"
	// Documents: identity documents other than the passport (a driver
	// licence, an international passport).
	Documents Category = "documents"
	// Vehicles: a vehicle's plate and registration certificate.
	Vehicles Category = "vehicles"
	// Utility: accounts with utility providers and their meter readings.
	Utility Category = "utility"
	// Application: what a person wrote in an application or a change
	// request, and its scans.
	Application Category = "application"
)

type info struct {
	title       string
	consentable bool
	held        bool
}

var categories = map[Category]info{
	Personal:    {"ФИО, пол, дата и место рождения, гражданство", true, true},
	Passport:    {"Паспорт гражданина РФ", true, true},
	SNILS:       {"СНИЛС", true, true},
	INN:         {"ИНН", true, true},
	Contacts:    {"Телефон и электронная почта", true, true},
	Address:     {"Адрес регистрации и фактический адрес", true, true},
	Income:      {"Сведения о доходах", true, false},
	Family:      {"Семейное положение и дети", true, false},
	Documents:   {"Иные документы (водительское удостоверение и другие)", false, true},
	Vehicles:    {"Транспортные средства (госномер, СТС)", false, true},
	Utility:     {"Лицевые счета ЖКУ и показания счётчиков", false, true},
	Application: {"Сведения заявлений и приложенные документы", false, true},
}

// order is how lists of categories are sorted for people: as above.
var order = []Category{Personal, Passport, SNILS, INN, Contacts, Address, Income, Family, Documents, Vehicles, Utility, Application}

// Known reports whether c is a category.
func Known(c Category) bool {
	_, ok := categories[c]
	return ok
}

// Consentable reports whether an organisation may ask consent for c.
func Consentable(c Category) bool { return categories[c].consentable }

// Held reports whether the portal holds records of c to give.
func Held(c Category) bool { return categories[c].held }

// Title is c in Russian; an unknown category is shown as is.
func Title(c Category) string {
	if i, ok := categories[c]; ok {
		return i.title
	}
	return string(c)
}

// AllConsentable are the categories a consent may name, in order.
func AllConsentable() []Category {
	var out []Category
	for _, c := range order {
		if Consentable(c) {
			out = append(out, c)
		}
	}
	return out
}

// Sorted returns cs without repeats in the order people read them (unknown
// ones last, as given).
func Sorted(cs []Category) []Category {
	out := make([]Category, 0, len(cs))
	for _, c := range order {
		if slices.Contains(cs, c) {
			out = append(out, c)
		}
	}
	for _, c := range cs {
		if !Known(c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// Titles are cs in Russian, in order, as one phrase: "СНИЛС; ИНН".
func Titles(cs []Category) string {
	parts := make([]string, 0, len(cs))
	for _, c := range Sorted(cs) {
		parts = append(parts, Title(c))
	}
	return strings.Join(parts, "; ")
}

// Subset reports whether every category of a is in b.
func Subset(a, b []Category) bool {
	for _, c := range a {
		if !slices.Contains(b, c) {
			return false
		}
	}
	return true
}
