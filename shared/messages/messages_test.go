package messages

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Values the tests look for: none of them may reach an SMS.
const (
	testAddress  = "г. Москва, ул. Тверская, д. 7, каб. 12"
	testFullName = "Петрова Анна Сергеевна"
	testIP       = "203.0.113.42"
	testDevice   = "iPhone 15, Safari 18"
	testPayee    = "УФК по г. Москве (ГУ МВД России по г. Москве)"
	testPurpose  = "Штраф по постановлению 18810177250000123456"
)

var (
	appointment = time.Date(2025, 3, 14, 7, 30, 0, 0, time.UTC) // 10:30 in Moscow
	// yekaterinburg is a place's own zone (UTC+5): an appointment there is
	// shown at its clock.
	yekaterinburg = time.FixedZone("Asia/Yekaterinburg", 5*3600)
	signIn        = time.Date(2025, 3, 10, 18, 5, 0, 0, time.UTC)
)

// fixtures holds realistic vars of every type, as producers send them.
func fixtures() map[string]Vars {
	return map[string]Vars{
		ApplicationStatus: {
			"Number": "3456789012", "Service": "Замена паспорта гражданина РФ по достижении 45 лет",
			"Status": "Услуга оказана", "Comment": "Паспорт готов. Получите его в отделении по вопросам миграции.",
			"Link": "https://kabinet.example.ru/applications/3456789012",
		},
		ApplicationDocument: {
			"Number": "3456789012", "Service": "Выписка из ЕГРН об объекте недвижимости",
			"Document": "Выписка из ЕГРН", "Link": "https://kabinet.example.ru/applications/3456789012/result",
		},
		ApplicationRequest: {
			"Number": "3456789012", "Service": "Регистрация по месту жительства",
			"Documents": []string{"скан договора найма", "согласие собственника"},
			"Deadline":  "2025-03-20", "Link": "https://kabinet.example.ru/applications/3456789012",
		},
		ChargeIssued: {
			"Kind": "штраф", "Amount": int64(150000), "DueDate": "2025-04-01", "Payee": testPayee,
			"Link": "https://kabinet.example.ru/payments/charges/188101772500001",
		},
		ChargeChanged: {
			"Kind": "штраф", "Amount": int64(75000), "DueDate": "2025-04-10",
			"Link": "https://kabinet.example.ru/charges/18810177200000123453",
		},
		ChargeCancelled: {
			"Kind": "штраф", "Amount": int64(150000), "Payee": testPayee,
			"Link": "https://kabinet.example.ru/charges/18810177200000123453",
		},
		ChargeDiscountEnds: {
			"Percent": 50, "Amount": int64(25000), "Until": "2025-03-21",
			"Link": "/charges/18810177200000123453",
		},
		PaymentDone: {
			"Amount": int64(75000), "Purpose": testPurpose,
			"ReceiptLink": "https://kabinet.example.ru/payments/receipts/9f2c",
		},
		RefundStarted: {
			"Amount": int64(75000), "Reason": "ведомство аннулировало оплаченное начисление",
			"Link": "https://kabinet.example.ru/payments/20261125T090000-AbCdEfGhIjKl",
		},
		RefundDone: {"Amount": int64(75000), "Link": "https://kabinet.example.ru/payments/20261125T090000-AbCdEfGhIjKl"},
		RefundCanceled: {
			"Amount": int64(75000), "Reason": "Банк отклонил возврат",
			"Link": "https://kabinet.example.ru/payments/20261125T090000-AbCdEfGhIjKl",
		},
		AppointmentBooked: {
			"Place": "МФЦ «Мои документы» района Тверской", "Address": testAddress, "At": appointment,
			"Specialist": testFullName, "Number": "MFC3-1403-017", "Bring": "паспорт, " + testFullName,
			"Link": "https://kabinet.example.ru/appointments/77",
		},
		AppointmentReminder: {
			"Place": "МФЦ «Мои документы» района Тверской", "Address": testAddress,
			"At": appointment.Format(time.RFC3339),
		},
		AppointmentMoved: {
			"Place": "Городская поликлиника № 12", "Address": testAddress, "At": appointment.Add(48 * time.Hour).In(yekaterinburg),
			"Was": appointment.In(yekaterinburg), "Specialist": testFullName, "Number": "GP12-1603-004",
			"Link": "https://kabinet.example.ru/appointments/77",
		},
		AppointmentCancelled: {
			"Place": "Городская поликлиника № 12", "At": appointment, "Link": "/appointments/77",
		},
		AppointmentCancelledByOrganisation: {
			"Place": "Городская поликлиника № 12", "At": appointment, "Reason": "Врач заболел",
			"Alternatives": []string{"15.03.2025 в 09:00 (" + testFullName + ")", "15.03.2025 в 09:20 (" + testFullName + ")"},
			"Link":         "/appointments?service=therapist",
		},
		WaitlistOffer: {
			"Place": "Экзаменационный отдел Госавтоинспекции", "At": appointment.In(yekaterinburg),
			"Until": appointment.Add(-36 * time.Hour).In(yekaterinburg), "Specialist": testFullName, "Link": "/waitlist/42",
		},
		ConsentChanged: {
			"Recipient": "ПАО «Банк Пример»", "Action": "выдано",
			"Scope": "паспортные данные, СНИЛС, сведения о доходах",
		},
		ConsentRequested: {
			"Recipient": "ПАО «Банк Пример»", "Purpose": "Рассмотрение заявки на кредит",
			"Scope": "паспортные данные, СНИЛС", "ExpiresAt": "2026-06-30", "Link": "/consents/c-1",
		},
		ConsentExpiring:  {"Recipient": "ПАО «Банк Пример»", "ExpiresAt": "2025-06-30"},
		DocumentExpiring: {"Document": "Водительское удостоверение", "ExpiresAt": "2025-05-15"},
		PassportReplace:  {"Age": 45, "By": "2025-06-12"},
		ChargeDue: {
			"Kind": "налог", "Amount": int64(1234567), "DueDate": "2025-12-01",
			"Link": "/payments/charges/182106010200001",
		},
		PasswordExpiring:        {"ExpiresAt": time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)},
		ApplicationDue:          {"Number": "3456789012", "Service": "Регистрация по месту жительства", "DueDate": "2025-03-20"},
		CalendarItem:            {"Title": "Забрать справку в поликлинике", "At": appointment},
		SecurityNewDevice:       {"At": signIn, "Device": testDevice, "IP": testIP},
		SecurityPassword:        {"At": signIn},
		SecurityContact:         {"At": signIn, "Contact": "email"},
		ProfileChangeDecided:    {"Field": "Фамилия", "Decision": "одобрена", "Reason": "Документ подтверждает изменение"},
		ProfileChanged:          {"At": signIn, "Fields": "адрес проживания"},
		SecurityMFA:             {"At": signIn, "Method": "totp"},
		SecurityRecoveryFiled:   {"Number": "ВС-2025-000007", "At": signIn},
		SecurityRecoveryDecided: {"Number": "ВС-2025-000007", "Outcome": "номер телефона заменён", "At": signIn},
		SupportTicketOpened: {"Number": "ТП-2025-000042", "Topic": "Не приходит код подтверждения", "Due": signIn,
			"Link": "/support/tickets/01J0000000000000000000TEST"},
		SupportTicketAnswered: {"Number": "ТП-2025-000042", "Topic": "Не приходит код подтверждения",
			"Link": "/support/tickets/01J0000000000000000000TEST"},
		SupportTicketWaiting: {"Number": "ТП-2025-000042", "Topic": "Не приходит код подтверждения", "SolveAt": signIn,
			"Link": "/support/tickets/01J0000000000000000000TEST"},
		SupportTicketSolved: {"Number": "ТП-2025-000042", "Topic": "Не приходит код подтверждения",
			"Link": "/support/tickets/01J0000000000000000000TEST"},
		CardLinked:   {"At": signIn, "Card": "MasterCard •••• 4444"},
		CardUnlinked: {"At": signIn, "Card": "Мир •••• 0004"},
		AutopayScheduled: {
			"Kind": "ЖКУ", "Purpose": "Жилищно-коммунальные услуги за март 2025", "Amount": int64(543210),
			"Card": "MasterCard •••• 4444", "PayAt": time.Date(2025, 3, 11, 7, 0, 0, 0, time.UTC), "Link": "/autopays",
		},
		AutopayFailed: {
			"Kind": "штраф", "Amount": int64(75000), "Reason": "Недостаточно средств", "Link": "/autopays",
		},
		News: {
			"Title": "Новый раздел «Мои документы»",
			"Text":  "Теперь все ваши документы собраны в одном месте.\n\nОткройте раздел, чтобы проверить сроки действия.",
			"Link":  "https://kabinet.example.ru/news/42",
		},
	}
}

func moscowZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	return loc
}

func TestFixturesCoverEveryType(t *testing.T) {
	fx := fixtures()
	for _, typ := range Types() {
		if _, ok := fx[typ]; !ok {
			t.Errorf("no fixture for %s", typ)
		}
	}
	if len(fx) != len(Types()) {
		t.Errorf("%d fixtures for %d types", len(fx), len(Types()))
	}
}

func TestRenderEveryType(t *testing.T) {
	loc := moscowZone(t)
	for typ, v := range fixtures() {
		t.Run(typ, func(t *testing.T) {
			r, err := Render(typ, v, loc)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for name, got := range map[string]string{
				"Title": r.Title, "Body": r.Body, "EmailSubject": r.EmailSubject,
				"EmailText": r.EmailText, "EmailHTML": r.EmailHTML, "SMS": r.SMS,
			} {
				if strings.TrimSpace(got) == "" {
					t.Errorf("%s is empty", name)
				}
				if strings.Contains(got, "<no value>") || strings.Contains(got, "%!") {
					t.Errorf("%s has a formatting slip: %q", name, got)
				}
			}
			if n := utf8.RuneCountInString(r.SMS); n > 160 {
				t.Errorf("SMS has %d runes, want ≤ 160: %q", n, r.SMS)
			}
			if strings.Contains(r.SMS, "http") || strings.Contains(r.SMS, "/") {
				t.Errorf("SMS carries a link: %q", r.SMS)
			}
			if strings.ContainsAny(r.Title, "\n\r") {
				t.Errorf("Title spans lines: %q", r.Title)
			}
			footer := footerSettings
			if strings.HasPrefix(typ, "security.") {
				footer = footerSecurity
			}
			if !strings.Contains(r.EmailText, footer) || !strings.Contains(r.EmailHTML, footer) {
				t.Errorf("email lacks the footer %q", footer)
			}
		})
	}
}

// Vars are stored as JSON and decoded into Vars again before delivery:
// numbers come back as float64, times as strings, lists as []any. Every type
// must render the same from the stored form.
func TestRenderAfterJSONRoundTrip(t *testing.T) {
	loc := moscowZone(t)
	for typ, v := range fixtures() {
		direct, err := Render(typ, v, loc)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: marshal: %v", typ, err)
		}
		var stored Vars
		if err := json.Unmarshal(data, &stored); err != nil {
			t.Fatalf("%s: unmarshal: %v", typ, err)
		}
		again, err := Render(typ, stored, loc)
		if err != nil {
			t.Errorf("%s from JSON: %v", typ, err)
			continue
		}
		if again != direct {
			t.Errorf("%s renders differently from JSON:\n got %+v\nwant %+v", typ, again, direct)
		}
	}
}

func TestSMSKeepsPersonalDataOut(t *testing.T) {
	loc := moscowZone(t)
	secrets := []string{testAddress, testFullName, testIP, testDevice, testPayee, testPurpose,
		"ул. Тверская", "Петрова", "ПАО", "СНИЛС", "договора найма"}
	for typ, v := range fixtures() {
		r, err := Render(typ, v, loc)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		for _, s := range secrets {
			if strings.Contains(r.SMS, s) {
				t.Errorf("%s: SMS %q contains %q", typ, r.SMS, s)
			}
		}
		// Every var marked private, whatever its value, stays out.
		for _, f := range catalog()[typ].fields {
			if f.flags&private == 0 {
				continue
			}
			if s, ok := v[f.name].(string); ok && len(s) > 3 && strings.Contains(r.SMS, s) {
				t.Errorf("%s: SMS %q contains the private var %s", typ, r.SMS, f.name)
			}
		}
	}
}

func TestSMSStaysShortWithLongValues(t *testing.T) {
	long := strings.Repeat("Очень длинное название ", 20)
	cases := []struct {
		typ string
		v   Vars
	}{
		{ApplicationStatus, Vars{"Number": "3456789012", "Service": long, "Status": long, "Link": "/a"}},
		{AppointmentBooked, Vars{"Place": long, "Address": long, "At": appointment, "Link": "/a"}},
		{CalendarItem, Vars{"Title": long, "At": appointment}},
		{News, Vars{"Title": long, "Text": long}},
		{DocumentExpiring, Vars{"Document": long, "ExpiresAt": "2025-05-15"}},
	}
	for _, c := range cases {
		r, err := Render(c.typ, c.v, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		if n := utf8.RuneCountInString(r.SMS); n > 160 {
			t.Errorf("%s: SMS has %d runes, want ≤ 160: %q", c.typ, n, r.SMS)
		}
	}
}

func TestHTMLEscapesVars(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	cases := []struct {
		typ string
		v   Vars
	}{
		{News, Vars{"Title": evil, "Text": "Текст " + evil, "Link": "https://kabinet.example.ru/news/1"}},
		{ApplicationStatus, Vars{"Number": "1", "Service": evil, "Status": "Принято", "Comment": evil, "Link": "/a"}},
		{ConsentChanged, Vars{"Recipient": evil, "Action": "отозвано", "Scope": `"><img src=x onerror=alert(1)>`}},
	}
	for _, c := range cases {
		r, err := Render(c.typ, c.v, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		for _, bad := range []string{"<script", "<img"} {
			if strings.Contains(r.EmailHTML, bad) {
				t.Errorf("%s: HTML contains %q unescaped:\n%s", c.typ, bad, r.EmailHTML)
			}
		}
		if !strings.Contains(r.EmailHTML, "&lt;script&gt;") && !strings.Contains(r.EmailHTML, "&lt;img") {
			t.Errorf("%s: HTML lost the escaped var:\n%s", c.typ, r.EmailHTML)
		}
	}
}

func TestLinks(t *testing.T) {
	cases := []struct {
		name      string
		link      string
		wantLink  string // Rendered.Link
		wantEmail bool   // the link is in the email too
	}{
		{"https", "https://kabinet.example.ru/news/1", "https://kabinet.example.ru/news/1", true},
		{"portal path", "/news/1?from=mail", "/news/1?from=mail", false},
		{"javascript", "javascript:alert(1)", "", false},
		{"javascript mixed case", " JaVaScRiPt:alert(1)", "", false},
		{"javascript after a newline", "java\nscript:alert(1)", "", false},
		{"data", "data:text/html,<script>alert(1)</script>", "", false},
		{"plain http", "http://kabinet.example.ru/news/1", "", false},
		{"protocol-relative", "//evil.example/news", "", false},
		{"backslash host", `/\evil.example/news`, "", false},
		{"user info", "https://kabinet.example.ru@evil.example/", "", false},
		{"no host", "https:///news", "", false},
		{"relative without slash", "news/1", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Render(News, Vars{"Title": "Новость", "Text": "Текст", "Link": c.link}, nil)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if r.Link != c.wantLink {
				t.Errorf("Link = %q, want %q", r.Link, c.wantLink)
			}
			inHTML := strings.Contains(r.EmailHTML, "href=")
			inText := strings.Contains(r.EmailText, "Читать подробнее:")
			if inHTML != c.wantEmail || inText != c.wantEmail {
				t.Errorf("link in HTML %v, in text %v; want %v", inHTML, inText, c.wantEmail)
			}
			for name, s := range map[string]string{"HTML": r.EmailHTML, "text": r.EmailText, "body": r.Body, "SMS": r.SMS} {
				if strings.Contains(strings.ToLower(s), "javascript") || strings.Contains(s, "evil.example") {
					t.Errorf("%s keeps the unsafe link: %q", name, s)
				}
			}
			if c.wantEmail && !strings.Contains(r.EmailHTML, `href="`+c.wantLink+`"`) {
				t.Errorf("HTML lacks href=%q:\n%s", c.wantLink, r.EmailHTML)
			}
		})
	}
}

func TestFormatMoney(t *testing.T) {
	const sp = "\u00a0"
	cases := []struct {
		kopecks int64
		want    string
	}{
		{0, "0,00" + sp + "₽"},
		{50, "0,50" + sp + "₽"},
		{100, "1,00" + sp + "₽"},
		{50000, "500,00" + sp + "₽"},
		{123456, "1" + sp + "234,56" + sp + "₽"},
		{100000000, "1" + sp + "000" + sp + "000,00" + sp + "₽"},
		{-150, "−1,50" + sp + "₽"},
		{math.MinInt64, "−92" + sp + "233" + sp + "720" + sp + "368" + sp + "547" + sp + "758,08" + sp + "₽"},
	}
	for _, c := range cases {
		if got := formatMoney(c.kopecks); got != c.want {
			t.Errorf("formatMoney(%d) = %q, want %q", c.kopecks, got, c.want)
		}
	}
}

func TestAmountTypes(t *testing.T) {
	want := "1\u00a0500,00\u00a0₽"
	for _, amount := range []any{150000, int64(150000), int32(150000), float64(150000), "150000"} {
		r, err := Render(PaymentDone, Vars{"Amount": amount, "Purpose": "Пошлина", "ReceiptLink": "/r/1"}, nil)
		if err != nil {
			t.Errorf("Amount %T(%v): %v", amount, amount, err)
			continue
		}
		if !strings.Contains(r.SMS, want) {
			t.Errorf("Amount %T(%v): SMS %q lacks %q", amount, amount, r.SMS, want)
		}
	}
	for _, amount := range []any{12.5, "1 500", "много", []int{1}} {
		_, err := Render(PaymentDone, Vars{"Amount": amount, "Purpose": "Пошлина", "ReceiptLink": "/r/1"}, nil)
		if !errors.Is(err, ErrInvalidVar) {
			t.Errorf("Amount %T(%v): err = %v, want ErrInvalidVar", amount, amount, err)
		}
	}
}

func TestTimeZones(t *testing.T) {
	moscow := moscowZone(t)
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	at := time.Date(2025, 3, 14, 20, 30, 0, 0, time.UTC) // late evening in Moscow, next morning in Vladivostok
	cases := []struct {
		name string
		at   any
		loc  *time.Location
		want string
	}{
		{"Moscow", at, moscow, "14.03.2025 в 23:30"},
		{"Vladivostok", at, vladivostok, "15.03.2025 в 06:30"},
		{"RFC 3339 string", "2025-03-14T23:30:00+03:00", vladivostok, "15.03.2025 в 06:30"},
		{"nil location is Moscow", at, nil, "14.03.2025 в 23:30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Render(CalendarItem, Vars{"Title": "Забрать справку", "At": c.at}, c.loc)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for name, s := range map[string]string{"Body": r.Body, "SMS": r.SMS, "HTML": r.EmailHTML} {
				if !strings.Contains(s, c.want) {
					t.Errorf("%s = %q, want it to contain %q", name, s, c.want)
				}
			}
		})
	}
}

// An appointment is at the place's clock, whatever zone the person reads
// in: a Yekaterinburg clinic's 10:30 is 10:30 for a reader in Moscow and in
// Vladivostok, and a time in UTC (no place) is Moscow's.
func TestPlaceTime(t *testing.T) {
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	at := time.Date(2025, 3, 14, 5, 30, 0, 0, time.UTC) // 10:30 in Yekaterinburg, 08:30 in Moscow
	cases := []struct {
		name string
		at   any
		want string
	}{
		{"a time in the place's zone", at.In(yekaterinburg), "14.03.2025 в 10:30"},
		{"an RFC 3339 string with its offset", "2025-03-14T10:30:00+05:00", "14.03.2025 в 10:30"},
		{"a time in UTC", at, "14.03.2025 в 08:30"},
	}
	for _, c := range cases {
		for _, loc := range []*time.Location{moscowZone(t), vladivostok} {
			t.Run(c.name+" read in "+loc.String(), func(t *testing.T) {
				r, err := Render(AppointmentReminder, Vars{"Place": "Поликлиника", "Address": testAddress, "At": c.at}, loc)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				for name, s := range map[string]string{"Title": r.Title, "Body": r.Body, "SMS": r.SMS, "HTML": r.EmailHTML} {
					if !strings.Contains(s, c.want) {
						t.Errorf("%s = %q, want it to contain %q", name, s, c.want)
					}
				}
			})
		}
	}
	if _, err := Render(AppointmentBooked, Vars{"Place": "П", "Address": "А", "At": "2025-03-14"}, nil); !errors.Is(err, ErrInvalidVar) {
		t.Errorf("a date without a time = %v, want ErrInvalidVar", err)
	}
}

func TestDates(t *testing.T) {
	moscow := moscowZone(t)
	vladivostok, err := time.LoadLocation("Asia/Vladivostok")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	cases := []struct {
		name string
		date any
		loc  *time.Location
		want string
	}{
		{"calendar date is shown as written", "2025-05-15", vladivostok, "15.05.2025"},
		{"instant in Moscow", time.Date(2025, 5, 15, 20, 0, 0, 0, time.UTC), moscow, "15.05.2025"},
		{"same instant in Vladivostok", time.Date(2025, 5, 15, 20, 0, 0, 0, time.UTC), vladivostok, "16.05.2025"},
	}
	for _, c := range cases {
		r, err := Render(DocumentExpiring, Vars{"Document": "Паспорт", "ExpiresAt": c.date}, c.loc)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.Contains(r.Title, c.want) {
			t.Errorf("%s: Title %q, want it to contain %q", c.name, r.Title, c.want)
		}
	}
}

func TestMissingVarIsNamed(t *testing.T) {
	for typ, v := range fixtures() {
		for _, f := range catalog()[typ].fields {
			for _, empty := range []any{nil, "", "   "} {
				vars := Vars{}
				for k, x := range v {
					vars[k] = x
				}
				if empty == nil {
					delete(vars, f.name)
				} else {
					vars[f.name] = empty
				}
				_, err := Render(typ, vars, nil)
				if f.flags&optional != 0 {
					if err != nil {
						t.Errorf("%s without optional %s: %v", typ, f.name, err)
					}
					continue
				}
				ve, ok := errors.AsType[*VarError](err)
				if !ok || !errors.Is(err, ErrMissingVar) {
					t.Errorf("%s without %s (%q): err = %v, want a missing-var error", typ, f.name, empty, err)
					continue
				}
				if ve.Var != f.name || ve.Type != typ || !strings.Contains(err.Error(), f.name) {
					t.Errorf("%s without %s: err = %v (var %q, type %q), want it to name %s", typ, f.name, err, ve.Var, ve.Type, f.name)
				}
			}
		}
	}
}

func TestAllMissingVarsAreNamed(t *testing.T) {
	_, err := Render(ApplicationStatus, Vars{"Status": "Принято"}, nil)
	for _, name := range []string{"Number", "Service", "Link"} {
		if err == nil || !strings.Contains(err.Error(), "var "+name) {
			t.Errorf("err = %v, want it to name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "Comment") {
		t.Errorf("err = %v names the optional Comment", err)
	}
}

func TestInvalidVars(t *testing.T) {
	cases := []struct {
		name string
		typ  string
		v    Vars
		bad  string
	}{
		{"passport age", PassportReplace, Vars{"Age": 30, "By": "2025-06-12"}, "Age"},
		{"consent action", ConsentChanged, Vars{"Recipient": "Банк", "Action": "удалено", "Scope": "ФИО"}, "Action"},
		{"date where a time is due", AppointmentReminder, Vars{"Place": "МФЦ", "Address": testAddress, "At": "2025-03-14"}, "At"},
		{"not a time", SecurityPassword, Vars{"At": "вчера"}, "At"},
		{"a struct as text", News, Vars{"Title": struct{}{}, "Text": "Текст"}, "Title"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render(c.typ, c.v, nil)
			ve, ok := errors.AsType[*VarError](err)
			if !ok || !errors.Is(err, ErrInvalidVar) || ve.Var != c.bad || ve.Type != c.typ {
				t.Errorf("err = %v, want an invalid-var error naming %s of %s", err, c.bad, c.typ)
			}
		})
	}
}

func TestUnknownType(t *testing.T) {
	_, err := Render("application.teleported", Vars{}, nil)
	if !errors.Is(err, ErrUnknownType) || !strings.Contains(err.Error(), "application.teleported") {
		t.Errorf("err = %v, want ErrUnknownType naming the type", err)
	}
	if _, ok := Category("application.teleported"); ok {
		t.Error("Category of an unknown type reports ok")
	}
	if Urgent("security.teleported") {
		t.Error("an unknown type is urgent")
	}
}

func TestCategoryAndUrgent(t *testing.T) {
	cases := []struct {
		typ      string
		category string
		urgent   bool
	}{
		{ApplicationStatus, "applications", false},
		{ApplicationDocument, "applications", false},
		{ApplicationRequest, "applications", false},
		{ChargeIssued, "payments", false},
		{PaymentDone, "payments", false},
		{ChargeChanged, "payments", false},
		{ChargeCancelled, "payments", false},
		{RefundStarted, "payments", false},
		{RefundDone, "payments", false},
		{RefundCanceled, "payments", false},
		{ChargeDiscountEnds, "reminders", false},
		{AppointmentBooked, "appointments", false},
		{AppointmentReminder, "appointments", false},
		{ConsentRequested, "consents", false},
		{AppointmentMoved, "appointments", false},
		{AppointmentCancelled, "appointments", false},
		{AppointmentCancelledByOrganisation, "appointments", false},
		{WaitlistOffer, "appointments", false},
		{ConsentChanged, "consents", false},
		{ConsentExpiring, "consents", false},
		{DocumentExpiring, "documents", false},
		{PassportReplace, "documents", false},
		{ProfileChangeDecided, "documents", false},
		{ProfileChanged, "documents", false},
		{ChargeDue, "reminders", false},
		{PasswordExpiring, "reminders", false},
		{ApplicationDue, "reminders", false},
		{CalendarItem, "reminders", false},
		{SecurityNewDevice, "security", true},
		{SecurityPassword, "security", true},
		{SecurityContact, "security", true},
		{SecurityMFA, "security", true},
		{SecurityRecoveryFiled, "security", true},
		{SecurityRecoveryDecided, "security", true},
		{CardLinked, "security", true},
		{CardUnlinked, "security", true},
		{AutopayScheduled, "payments", false},
		{AutopayFailed, "payments", false},
		{News, "news", false},
		{SupportTicketOpened, "support", false},
		{SupportTicketAnswered, "support", false},
		{SupportTicketWaiting, "support", false},
		{SupportTicketSolved, "support", false},
	}
	if len(cases) != len(Types()) {
		t.Errorf("%d cases for %d types", len(cases), len(Types()))
	}
	for _, c := range cases {
		got, ok := Category(c.typ)
		if !ok || got != c.category {
			t.Errorf("Category(%s) = %q, %v; want %q, true", c.typ, got, ok, c.category)
		}
		if u := Urgent(c.typ); u != c.urgent {
			t.Errorf("Urgent(%s) = %v, want %v", c.typ, u, c.urgent)
		}
	}
}

func TestTypes(t *testing.T) {
	types := Types()
	if len(types) != 43 {
		t.Errorf("%d types, want 43", len(types))
	}
	if !slices.IsSorted(types) {
		t.Errorf("Types() = %v, not sorted", types)
	}
}

func TestSecurityWording(t *testing.T) {
	cases := []struct {
		name string
		typ  string
		v    Vars
		want string
	}{
		{"email", SecurityContact, Vars{"At": signIn, "Contact": "email"}, "Изменён адрес электронной почты"},
		{"phone", SecurityContact, Vars{"At": signIn, "Contact": "телефон"}, "Изменён номер телефона"},
		{"unknown contact is not echoed", SecurityContact, Vars{"At": signIn, "Contact": "new@example.ru"}, "Изменены контактные данные"},
		{"sms", SecurityMFA, Vars{"At": signIn, "Method": "sms"}, "код из SMS"},
		{"none", SecurityMFA, Vars{"At": signIn, "Method": "none"}, "достаточно пароля"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Render(c.typ, c.v, nil)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			all := r.Title + "\n" + r.Body
			if !strings.Contains(all, c.want) {
				t.Errorf("Title+Body = %q, want %q", all, c.want)
			}
			if strings.Contains(all+r.SMS+r.EmailHTML, "new@example.ru") {
				t.Errorf("the contact value was echoed: %q", all)
			}
		})
	}
}

func TestConsentAdviceDependsOnAction(t *testing.T) {
	for _, c := range []struct {
		action    string
		wantWords string
		advice    bool
	}{
		{"выдано", "выдано", true},
		{"revoked", "отозвано", false},
		{"refused", "отклонено", false},
		{"expired", "истекло", false},
	} {
		r, err := Render(ConsentChanged, Vars{"Recipient": "Банк", "Action": c.action, "Scope": "ФИО"}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.action, err)
		}
		if !strings.Contains(r.SMS, c.wantWords) {
			t.Errorf("%s: SMS %q lacks %q", c.action, r.SMS, c.wantWords)
		}
		if got := strings.Contains(r.Body, "отзовите"); got != c.advice {
			t.Errorf("%s: advice to withdraw shown = %v, want %v", c.action, got, c.advice)
		}
	}
}

func TestTextIsTidied(t *testing.T) {
	r, err := Render(ApplicationStatus, Vars{
		"Number": "12", "Service": "Услуга\r\nс переносом", "Status": "Принято\u202e",
		"Comment": "Первый абзац.\n\n\n\nВторой абзац.", "Link": "/a",
	}, nil)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(r.Body, "«Услуга с переносом»") || strings.Contains(r.Body, "\u202e") {
		t.Errorf("Body = %q, want single-line vars without control characters", r.Body)
	}
	if !strings.Contains(r.Body, "Первый абзац.\n\nВторой абзац.") {
		t.Errorf("Body = %q, want the comment's paragraphs kept, once", r.Body)
	}
	if strings.Count(r.EmailHTML, "<p ") < 4 {
		t.Errorf("HTML does not keep the paragraphs:\n%s", r.EmailHTML)
	}
}

func TestShort(t *testing.T) {
	cases := []struct {
		n    int
		in   string
		want string
	}{
		{10, "коротко", "коротко"},
		{12, "очень длинное название", "очень длинн…"},
		{16, "очень длинное название", "очень длинное…"},
		{5, "абвгдежз", "абвг…"},
	}
	for _, c := range cases {
		if got := short(c.n, c.in); got != c.want {
			t.Errorf("short(%d, %q) = %q, want %q", c.n, c.in, got, c.want)
		}
	}
}
