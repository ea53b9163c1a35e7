package messages

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The wording. Conventions: the person is addressed as «вы»; "№", amounts
// and "до" keep their neighbour with a no-break space; titles name the event
// and its key fact; a body's lines ("Когда: …") become <br> in HTML; SMS end
// on what to do, never on a link.

// catalog is every event type's wording, parsed once on the first use (a
// function that sends nothing pays nothing at its cold start; a broken
// template panics on first use, and the tests use every one).
var catalog = sync.OnceValue(func() map[string]*spec { return compile(specs) })

// specs is every event type's wording.
var specs = map[string]*spec{
	ApplicationStatus: {
		category: CategoryApplications,
		fields: []field{
			{"Number", text, 0}, {"Service", text, 0}, {"Status", text, 0},
			{"Comment", prose, optional | private}, {"Link", link, private},
		},
		title: "Заявление №\u00a0{{.Number}}: «{{.Status}}»",
		body: []string{
			"Заявление №\u00a0{{.Number}} на услугу «{{.Service}}» получило новый статус: «{{.Status}}».",
			"{{with .Comment}}Комментарий ведомства:\n{{.}}{{end}}",
		},
		sms:       "Заявление №\u00a0{{.Number}}: новый статус «{{short 60 .Status}}». Подробности\u00a0— в личном кабинете.",
		linkLabel: "Открыть заявление",
	},
	ApplicationDocument: {
		category: CategoryApplications,
		fields: []field{
			{"Number", text, 0}, {"Service", text, 0}, {"Document", text, 0}, {"Link", link, private},
		},
		title: "Готов документ по заявлению №\u00a0{{.Number}}",
		body: []string{
			"По заявлению №\u00a0{{.Number}} на услугу «{{.Service}}» готов документ «{{.Document}}».",
			"Он доступен в личном кабинете.",
		},
		sms:       "Готов документ по заявлению №\u00a0{{.Number}}: «{{short 50 .Document}}». Он доступен в личном кабинете.",
		linkLabel: "Открыть документ",
	},
	ApplicationRequest: {
		category: CategoryApplications,
		fields: []field{
			{"Number", text, 0}, {"Service", text, 0}, {"Documents", list, private},
			{"Deadline", date, 0}, {"Link", link, private},
		},
		title: "Нужны документы по заявлению №\u00a0{{.Number}}",
		body: []string{
			"Ведомство просит дополнить заявление №\u00a0{{.Number}} на услугу «{{.Service}}».",
			"Нужны документы: {{sentence .Documents}}",
			"Загрузите их в личном кабинете до\u00a0{{.Deadline}} включительно. Без них заявление могут отклонить.",
		},
		sms:       "По заявлению №\u00a0{{.Number}} нужны дополнительные документы. Загрузите их в личном кабинете до\u00a0{{.Deadline}}.",
		linkLabel: "Загрузить документы",
	},
	ChargeIssued: {
		category: CategoryPayments,
		fields: []field{
			{"Kind", text, 0}, {"Amount", money, 0}, {"DueDate", date, 0},
			{"Payee", text, private}, {"Link", link, private},
		},
		title: "Новое начисление: {{.Kind}}, {{.Amount}}",
		body: []string{
			"Вам выставлено новое начисление: {{.Kind}} на сумму {{.Amount}}.",
			"Получатель: {{.Payee}}\nСрок оплаты: до\u00a0{{.DueDate}} включительно",
			"Оплатить можно в личном кабинете\u00a0— квитанция сохранится там же.",
		},
		sms:       "Новое начисление: {{short 20 .Kind}}, {{.Amount}}. Оплатите до\u00a0{{.DueDate}}\u00a0— это можно сделать в личном кабинете.",
		linkLabel: "Оплатить",
	},
	PaymentDone: {
		category: CategoryPayments,
		fields: []field{
			{"Amount", money, 0}, {"Purpose", text, private}, {"ReceiptLink", link, private},
		},
		title: "Платёж выполнен: {{.Amount}}",
		body: []string{
			"Платёж на сумму {{.Amount}} выполнен.",
			"Назначение: {{.Purpose}}",
			"Квитанция сохранена в личном кабинете.",
		},
		sms:       "Платёж на {{.Amount}} выполнен. Квитанция\u00a0— в личном кабинете.",
		linkLabel: "Открыть квитанцию",
	},
	ChargeChanged: {
		category: CategoryPayments,
		fields: []field{
			{"Kind", text, 0}, {"Amount", money, 0}, {"DueDate", date, 0}, {"Link", link, private},
		},
		title: "Начисление изменено: {{.Kind}}, {{.Amount}}",
		body: []string{
			"Ведомство изменило начисление: {{.Kind}}. Теперь к оплате {{.Amount}}.",
			"Срок оплаты: до\u00a0{{.DueDate}} включительно",
			"Подробности и оплата\u00a0— в личном кабинете.",
		},
		sms:       "Начисление изменено: {{short 20 .Kind}}, к оплате {{.Amount}} до\u00a0{{.DueDate}}. Подробности\u00a0— в личном кабинете.",
		linkLabel: "Открыть начисление",
	},
	ChargeCancelled: {
		category: CategoryPayments,
		fields: []field{
			{"Kind", text, 0}, {"Amount", money, 0}, {"Payee", text, private}, {"Link", link, private},
		},
		title: "Начисление аннулировано: {{.Kind}}, {{.Amount}}",
		body: []string{
			"Ведомство аннулировало начисление: {{.Kind}} на сумму {{.Amount}}.",
			"Получатель: {{.Payee}}",
			"Оплачивать его не нужно.",
		},
		sms:       "Начисление аннулировано: {{short 20 .Kind}} на {{.Amount}}. Оплачивать его не нужно.",
		linkLabel: "Открыть начисление",
	},
	AutopayScheduled: {
		category: CategoryPayments,
		fields: []field{
			{"Kind", text, 0}, {"Purpose", text, private}, {"Amount", money, 0}, {"Card", text, 0},
			{"PayAt", dateTime, 0}, {"Link", link, private},
		},
		title: "Автоплатёж завтра: {{.Kind}}, {{.Amount}}",
		body: []string{
			"Пришло новое начисление: {{.Kind}} на сумму {{.Amount}}.",
			"Назначение: {{.Purpose}}",
			"Оно будет оплачено завтра, {{.PayAt}}, автоплатежом с карты {{.Card}}. Можно отменить: до этого времени откройте автоплатёж в личном кабинете и отмените его.",
		},
		sms:       "Автоплатёж: {{short 20 .Kind}} на {{.Amount}} будет оплачен завтра с карты {{.Card}}. Отменить можно в личном кабинете.",
		linkLabel: "Отменить автоплатёж",
	},
	AutopayFailed: {
		category: CategoryPayments,
		fields: []field{
			{"Kind", text, 0}, {"Amount", money, 0}, {"Reason", text, private}, {"Link", link, private},
		},
		title: "Автоплатёж не выполнен: {{.Kind}}, {{.Amount}}",
		body: []string{
			"Автоплатёж не выполнен: {{.Kind}} на сумму {{.Amount}} не оплачено.",
			"Причина: {{.Reason}}",
			"Оплатите начисление в личном кабинете вручную или проверьте правило автоплатежа и карту.",
		},
		sms:       "Автоплатёж не выполнен: {{short 20 .Kind}} на {{.Amount}} не оплачено. Подробности\u00a0— в личном кабинете.",
		linkLabel: "Открыть автоплатёж",
	},
	RefundStarted: {
		category: CategoryPayments,
		fields: []field{
			{"Amount", money, 0}, {"Reason", text, private}, {"Link", link, private},
		},
		title: "Возврат {{.Amount}}",
		body: []string{
			"Портал возвращает вам {{.Amount}}. Причина: {{.Reason}}.",
			"Деньги вернутся на карту или счёт, с которых вы платили. Обычно это занимает от нескольких часов до нескольких дней, срок зависит от банка.",
		},
		sms:       "Оформлен возврат {{.Amount}} на карту, с которой вы платили. Подробности\u00a0— в личном кабинете.",
		linkLabel: "Открыть платёж",
	},
	RefundDone: {
		category: CategoryPayments,
		fields: []field{
			{"Amount", money, 0}, {"Link", link, private},
		},
		title: "Возврат выполнен: {{.Amount}}",
		body: []string{
			"Платёжная система вернула {{.Amount}} на карту или счёт, с которых вы платили.",
			"Чек возврата сохранён в личном кабинете.",
		},
		sms:       "Возврат {{.Amount}} выполнен. Чек возврата\u00a0— в личном кабинете.",
		linkLabel: "Открыть чек возврата",
	},
	RefundCanceled: {
		category: CategoryPayments,
		fields: []field{
			{"Amount", money, 0}, {"Reason", text, private}, {"Link", link, private},
		},
		title: "Возврат не выполнен: {{.Amount}}",
		body: []string{
			"Платёжная система не вернула {{.Amount}}. Причина: {{.Reason}}.",
			"Деньги по-прежнему подлежат возврату: повторите возврат в личном кабинете, на странице платежа.",
		},
		sms:       "Возврат {{.Amount}} не выполнен. Повторить его можно в личном кабинете.",
		linkLabel: "Повторить возврат",
	},
	AppointmentBooked: {
		category: CategoryAppointments,
		fields: []field{
			{"Place", text, 0}, {"Address", text, private}, {"At", placeTime, 0},
			{"Specialist", text, optional | private}, {"Number", text, optional}, {"Bring", text, optional | private}, {"Link", link, private},
		},
		title: "Вы записаны на приём {{.At}}",
		body: []string{
			"Вы записаны на приём.",
			"Когда: {{.At}} (время местное)\nГде: {{.Place}}\nАдрес: {{.Address}}{{with .Specialist}}\nСпециалист: {{.}}{{end}}{{with .Number}}\nНомер талона: {{.}}{{end}}",
			"{{with .Bring}}Возьмите с собой: {{.}}{{end}}",
			"Если планы изменятся, перенесите или отмените запись в личном кабинете\u00a0— так это время сможет занять кто-то другой.",
		},
		sms:       "Вы записаны на приём {{.At}}: {{short 50 .Place}}. Перенести или отменить запись можно в личном кабинете.",
		linkLabel: "Открыть запись",
	},
	AppointmentReminder: {
		category: CategoryAppointments,
		fields: []field{
			{"Place", text, 0}, {"Address", text, private}, {"At", placeTime, 0},
		},
		title: "Напоминаем о приёме {{.At}}",
		body: []string{
			"Напоминаем о записи на приём.",
			"Когда: {{.At}} (время местное)\nГде: {{.Place}}\nАдрес: {{.Address}}",
			"Если не получается прийти, отмените запись в личном кабинете\u00a0— так это время сможет занять кто-то другой.",
		},
		sms: "Напоминаем: приём {{.At}}, {{short 50 .Place}}. Если не сможете прийти, отмените запись в личном кабинете.",
	},
	ConsentRequested: {
		category: CategoryConsents,
		fields: []field{
			{"Recipient", text, private}, {"Purpose", text, private}, {"Scope", text, private},
			{"ExpiresAt", date, 0}, {"Link", link, private},
		},
		title: "Запрос согласия: {{.Recipient}}",
		body: []string{
			"Организация просит вашего согласия на получение персональных данных.",
			"Получатель: {{.Recipient}}\nЦель: {{.Purpose}}\nДанные: {{.Scope}}\nСрок: до\u00a0{{.ExpiresAt}}",
			"Дать согласие (целиком или в меньшем объёме и на меньший срок) или отказать можно в личном кабинете. Пока вы не ответили, организация ваших данных не получает.",
		},
		sms:       "Организация просит согласия на получение ваших персональных данных. Ответить можно в личном кабинете.",
		linkLabel: "Открыть запрос",
	},
	AppointmentMoved: {
		category: CategoryAppointments,
		fields: []field{
			{"Place", text, 0}, {"Address", text, private}, {"At", placeTime, 0}, {"Was", placeTime, 0},
			{"Specialist", text, optional | private}, {"Number", text, optional}, {"Link", link, private},
		},
		title: "Запись перенесена на {{.At}}",
		body: []string{
			"Вы перенесли запись на приём с {{.Was}} на {{.At}} (время местное).",
			"Где: {{.Place}}\nАдрес: {{.Address}}{{with .Specialist}}\nСпециалист: {{.}}{{end}}{{with .Number}}\nНомер талона: {{.}}{{end}}",
		},
		sms:       "Запись перенесена на {{.At}}: {{short 50 .Place}}. Прежнее время освобождено.",
		linkLabel: "Открыть запись",
	},
	AppointmentCancelled: {
		category: CategoryAppointments,
		fields: []field{
			{"Place", text, 0}, {"At", placeTime, 0}, {"Link", link, private},
		},
		title: "Запись на приём {{.At}} отменена",
		body: []string{
			"Вы отменили запись на приём {{.At}} (время местное): {{.Place}}.",
			"Если понадобится, запишитесь снова в личном кабинете.",
		},
		sms:       "Запись на приём {{.At}} отменена: {{short 50 .Place}}.",
		linkLabel: "Открыть запись",
	},
	AppointmentCancelledByOrganisation: {
		category: CategoryAppointments,
		fields: []field{
			{"Place", text, 0}, {"At", placeTime, 0}, {"Reason", prose, optional | private},
			{"Alternatives", list, optional | private}, {"Link", link, private},
		},
		title: "Приём {{.At}} отменён",
		body: []string{
			"{{.Place}} не сможет принять вас {{.At}} (время местное): запись отменена. Приносим извинения.",
			"{{with .Reason}}Причина:\n{{.}}{{end}}",
			"{{with .Alternatives}}Ближайшее свободное время: {{.}}.{{end}}",
			"Выберите новое время в личном кабинете.",
		},
		sms:       "Приём {{.At}} отменён: {{short 50 .Place}} не сможет вас принять. Выберите другое время в личном кабинете.",
		linkLabel: "Выбрать другое время",
	},
	WaitlistOffer: {
		category: CategoryAppointments,
		fields: []field{
			{"Place", text, 0}, {"At", placeTime, 0}, {"Until", placeTime, 0},
			{"Specialist", text, optional | private}, {"Link", link, private},
		},
		title: "Освободилось место: приём {{.At}}",
		body: []string{
			"Освободилось время, которого вы ждали: {{.At}} (время местное).",
			"Где: {{.Place}}{{with .Specialist}}\nСпециалист: {{.}}{{end}}",
			"Мы держим это место за вами до {{.Until}}. Подтвердите запись в личном кабинете, иначе его предложат следующему в очереди.",
		},
		sms:       "Освободилось место на приём {{.At}}: {{short 40 .Place}}. Подтвердите запись в личном кабинете до {{.Until}}.",
		linkLabel: "Подтвердить запись",
	},
	ConsentChanged: {
		category: CategoryConsents,
		fields: []field{
			{"Recipient", text, private}, {"Action", text, 0}, {"Scope", text, private},
		},
		derive: consentAction,
		title:  "Согласие {{.Action}}: {{.Recipient}}",
		body: []string{
			"Согласие на обработку персональных данных {{.Action}}.",
			"Получатель: {{.Recipient}}\nДанные: {{.Scope}}",
			"{{if not .Ended}}Если вы этого не делали, отзовите согласие в личном кабинете и обратитесь в поддержку.{{end}}",
		},
		sms: "Согласие на обработку персональных данных {{.Action}}. Подробности\u00a0— в личном кабинете.",
	},
	ConsentExpiring: {
		category: CategoryConsents,
		fields: []field{
			{"Recipient", text, private}, {"ExpiresAt", date, 0},
		},
		title: "Срок действия согласия истекает {{.ExpiresAt}}",
		body: []string{
			"Срок действия согласия на обработку персональных данных истекает {{.ExpiresAt}}.",
			"Получатель: {{.Recipient}}",
			"Если хотите, чтобы получатель и дальше мог использовать эти данные, продлите согласие в личном кабинете. Если нет\u00a0— ничего делать не нужно.",
		},
		sms: "Срок согласия на обработку персональных данных истекает {{.ExpiresAt}}. Продлить его можно в личном кабинете.",
	},
	ProfileChanged: {
		category: CategoryDocuments,
		fields: []field{
			{"At", dateTime, 0}, {"Fields", text, 0},
		},
		title: "Изменены личные данные",
		body: []string{
			"В профиле изменено: {{.Fields}}.\nКогда: {{.At}}",
			"Если это сделали не вы, смените пароль и обратитесь в поддержку.",
		},
		sms: "В профиле изменены данные ({{.At}}). Если это были не вы, обратитесь в поддержку.",
	},
	ProfileChangeDecided: {
		category: CategoryDocuments,
		fields: []field{
			{"Field", text, 0}, {"Decision", text, 0}, {"Reason", prose, optional | private},
		},
		title: "Заявка на изменение данных {{.Decision}}",
		body: []string{
			"Ваша заявка на изменение поля «{{.Field}}» {{.Decision}}.",
			"{{with .Reason}}Причина:\n{{.}}{{end}}",
		},
		sms: "Заявка на изменение данных ({{short 40 .Field}}) {{short 20 .Decision}}. Подробности — в личном кабинете.",
	},
	DocumentExpiring: {
		category: CategoryDocuments,
		fields: []field{
			{"Document", text, 0}, {"ExpiresAt", date, 0},
		},
		title: "Срок действия документа истекает {{.ExpiresAt}}",
		body: []string{
			"Срок действия документа «{{.Document}}» истекает {{.ExpiresAt}}.",
			"Позаботьтесь о замене заранее: заявление можно подать в личном кабинете.",
		},
		sms: "Срок действия документа «{{short 50 .Document}}» истекает {{.ExpiresAt}}. Заменить его можно через личный кабинет.",
	},
	PassportReplace: {
		category: CategoryDocuments,
		fields: []field{
			{"Age", number, 0}, {"By", date, 0},
		},
		derive: passportAge,
		title:  "Замените паспорт до\u00a0{{.By}}",
		body: []string{
			"В\u00a0{{.Age}} лет паспорт гражданина России нужно заменить.",
			"Подайте заявление до\u00a0{{.By}} включительно: после этой даты паспорт станет недействительным. Это можно сделать в личном кабинете.",
		},
		sms: "В\u00a0{{.Age}} лет паспорт нужно заменить. Подайте заявление до\u00a0{{.By}}\u00a0— это можно сделать в личном кабинете.",
	},
	ChargeDue: {
		category: CategoryReminders,
		fields: []field{
			{"Kind", text, 0}, {"Amount", money, 0}, {"DueDate", date, 0}, {"Link", link, private},
		},
		title: "Оплатите до\u00a0{{.DueDate}}: {{.Kind}}, {{.Amount}}",
		body: []string{
			"Напоминаем о неоплаченном начислении: {{.Kind}} на сумму {{.Amount}}.",
			"Оплатить его нужно до\u00a0{{.DueDate}} включительно.",
			"Если вы уже оплатили, ничего делать не нужно: сведения о платеже иногда поступают с задержкой.",
		},
		sms:       "Напоминаем: {{short 20 .Kind}} на {{.Amount}} нужно оплатить до\u00a0{{.DueDate}}. Это можно сделать в личном кабинете.",
		linkLabel: "Оплатить",
	},
	ChargeDiscountEnds: {
		category: CategoryReminders,
		fields: []field{
			{"Percent", number, 0}, {"Amount", money, 0}, {"Until", date, 0}, {"Link", link, private},
		},
		title: "Скидка на штраф действует до\u00a0{{.Until}}",
		body: []string{
			"Штраф можно оплатить со скидкой {{.Percent}}\u00a0%: к оплате {{.Amount}}.",
			"Скидка действует до\u00a0{{.Until}} включительно, после этого штраф придётся оплатить полностью.",
		},
		sms:       "Штраф со скидкой {{.Percent}}\u00a0%\u00a0— {{.Amount}}, если оплатить до\u00a0{{.Until}}. Это можно сделать в личном кабинете.",
		linkLabel: "Оплатить со скидкой",
	},
	PasswordExpiring: {
		category: CategoryReminders,
		fields:   []field{{"ExpiresAt", date, 0}},
		title:    "Срок действия пароля истекает {{.ExpiresAt}}",
		body: []string{
			"Срок действия вашего пароля истекает {{.ExpiresAt}}. После этой даты при входе нужно будет сразу задать новый пароль.",
			"Сменить пароль заранее можно в настройках личного кабинета.",
		},
		sms: "Срок действия пароля истекает {{.ExpiresAt}}. Сменить его можно в настройках личного кабинета.",
	},
	ApplicationDue: {
		category: CategoryReminders,
		fields: []field{
			{"Number", text, 0}, {"Service", text, 0}, {"DueDate", date, 0},
		},
		title: "Срок по заявлению №\u00a0{{.Number}}\u00a0— {{.DueDate}}",
		body: []string{
			"Напоминаем: {{.DueDate}} истекает срок по заявлению №\u00a0{{.Number}} на услугу «{{.Service}}».",
			"Проверьте в личном кабинете, не нужно ли что-то сделать.",
		},
		sms: "Напоминаем: {{.DueDate}} истекает срок по заявлению №\u00a0{{.Number}}. Подробности\u00a0— в личном кабинете.",
	},
	CalendarItem: {
		category: CategoryReminders,
		fields: []field{
			{"Title", text, 0}, {"At", dateTime, 0},
		},
		title: "Напоминание: {{.Title}}",
		body: []string{
			"Напоминаем о событии из вашего календаря.",
			"Событие: {{.Title}}\nКогда: {{.At}}",
		},
		sms: "Напоминание: «{{short 80 .Title}}»\u00a0— {{.At}}.",
	},
	SecurityNewDevice: {
		category: CategorySecurity,
		fields: []field{
			{"At", dateTime, 0}, {"Device", text, private}, {"IP", text, private},
		},
		title: "Вход с нового устройства",
		body: []string{
			"В ваш аккаунт вошли с нового устройства.",
			"Когда: {{.At}}\nУстройство: {{.Device}}\nIP-адрес: {{.IP}}",
			"Если это были вы, ничего делать не нужно. Если нет\u00a0— сразу смените пароль и завершите чужие сеансы в настройках безопасности личного кабинета.",
		},
		sms: "{{.At}} выполнен вход в аккаунт с нового устройства. Если это были не вы, срочно смените пароль.",
	},
	SecurityPassword: {
		category: CategorySecurity,
		fields:   []field{{"At", dateTime, 0}},
		title:    "Пароль изменён",
		body: []string{
			"Пароль от вашего аккаунта изменён {{.At}}.",
			"Если это сделали не вы, сразу восстановите пароль на странице входа и обратитесь в поддержку.",
		},
		sms: "Пароль от аккаунта изменён {{.At}}. Если это были не вы, сразу восстановите пароль и обратитесь в поддержку.",
	},
	SecurityContact: {
		category: CategorySecurity,
		fields: []field{
			{"At", dateTime, 0}, {"Contact", text, private},
		},
		derive: contactChanged,
		title:  "{{.ChangedTitle}}",
		body: []string{
			"В вашем аккаунте {{.Changed}}.\nКогда: {{.At}}",
			"Если это сделали не вы, сразу смените пароль и обратитесь в поддержку.",
		},
		sms: "В аккаунте {{.Changed}} ({{.At}}). Если это были не вы, срочно обратитесь в поддержку.",
	},
	SecurityMFA: {
		category: CategorySecurity,
		fields: []field{
			{"At", dateTime, 0}, {"Method", text, 0},
		},
		derive: mfaMethod,
		title:  "Изменён способ подтверждения входа",
		body: []string{
			"В вашем аккаунте изменён способ подтверждения входа.\nКогда: {{.At}}",
			"{{.MethodNote}}",
			"Если это сделали не вы, сразу смените пароль и обратитесь в поддержку.",
		},
		sms: "В аккаунте изменён способ подтверждения входа ({{.At}}). Если это были не вы, срочно смените пароль.",
	},
	SecurityRecoveryFiled: {
		category: CategorySecurity,
		fields: []field{
			{"Number", text, 0}, {"At", dateTime, 0},
		},
		title: "Подан запрос на восстановление доступа",
		body: []string{
			"В службу поддержки подан запрос на восстановление доступа к вашему аккаунту №\u00a0{{.Number}}.\nКогда: {{.At}}",
			"Его рассмотрят в течение суток, сверив паспортные данные. Если запрос подали не вы, сразу смените пароль и обратитесь в поддержку, назвав этот номер.",
		},
		sms: "Подан запрос на восстановление доступа к аккаунту №\u00a0{{.Number}} ({{.At}}). Если это были не вы, срочно обратитесь в поддержку.",
	},
	SecurityRecoveryDecided: {
		category: CategorySecurity,
		fields: []field{
			{"Number", text, 0}, {"Outcome", text, 0}, {"At", dateTime, 0},
		},
		title: "Запрос на восстановление доступа рассмотрен",
		body: []string{
			"Служба поддержки рассмотрела запрос на восстановление доступа №\u00a0{{.Number}}: {{.Outcome}}.\nКогда: {{.At}}",
			"Если запрос подали не вы, сразу смените пароль и обратитесь в поддержку, назвав этот номер.",
		},
		sms: "Запрос на восстановление доступа №\u00a0{{.Number}} рассмотрен: {{.Outcome}} ({{.At}}). Если это были не вы, обратитесь в поддержку.",
	},
	SupportTicketOpened: {
		category: CategorySupport,
		fields: []field{
			{"Number", text, 0}, {"Topic", text, private}, {"Due", dateTime, 0}, {"Link", link, private},
		},
		title: "Обращение №\u00a0{{.Number}} принято",
		body: []string{
			"Ваше обращение в службу поддержки принято и зарегистрировано под №\u00a0{{.Number}}.",
			"Тема: {{.Topic}}\nОтвет будет не позднее: {{.Due}}",
			"Ответ придёт в личный кабинет. Чтобы дополнить обращение, напишите в нём же и укажите этот номер.",
		},
		sms:       "Обращение №\u00a0{{.Number}} принято. Ответ\u00a0— не позднее {{.Due}}, он придёт в личный кабинет.",
		linkLabel: "Открыть обращение",
	},
	SupportTicketAnswered: {
		category: CategorySupport,
		fields: []field{
			{"Number", text, 0}, {"Topic", text, private}, {"Link", link, private},
		},
		title: "Ответ по обращению №\u00a0{{.Number}}",
		body: []string{
			"Служба поддержки ответила на ваше обращение №\u00a0{{.Number}}.",
			"Тема: {{.Topic}}",
			"Прочитайте ответ в личном кабинете. Если вопрос не решён, ответьте в том же обращении.",
		},
		sms:       "Поддержка ответила на обращение №\u00a0{{.Number}}. Ответ\u00a0— в личном кабинете.",
		linkLabel: "Прочитать ответ",
	},
	SupportTicketWaiting: {
		category: CategorySupport,
		fields: []field{
			{"Number", text, 0}, {"Topic", text, private}, {"SolveAt", dateTime, 0}, {"Link", link, private},
		},
		title: "Обращение №\u00a0{{.Number}} ждёт вашего ответа",
		body: []string{
			"Служба поддержки ждёт вашего ответа по обращению №\u00a0{{.Number}}.",
			"Тема: {{.Topic}}",
			"Если ответа не будет, обращение будет закрыто как решённое {{.SolveAt}}.",
		},
		sms:       "Обращение №\u00a0{{.Number}} ждёт вашего ответа. Без ответа оно будет закрыто {{.SolveAt}}.",
		linkLabel: "Ответить",
	},
	SupportTicketSolved: {
		category: CategorySupport,
		fields: []field{
			{"Number", text, 0}, {"Topic", text, private}, {"Link", link, private},
		},
		title: "Обращение №\u00a0{{.Number}} решено",
		body: []string{
			"Обращение №\u00a0{{.Number}} отмечено как решённое.",
			"Тема: {{.Topic}}",
			"Если вопрос остался, ответьте в обращении в ближайшие дни или создайте новое со ссылкой на это.",
		},
		sms:       "Обращение №\u00a0{{.Number}} решено. Если вопрос остался, ответьте в личном кабинете.",
		linkLabel: "Открыть обращение",
	},
	CardLinked: {
		category: CategorySecurity,
		fields:   []field{{"Card", text, 0}, {"At", dateTime, 0}},
		title:    "Карта привязана: {{.Card}}",
		body: []string{
			"К вашему аккаунту привязана карта {{.Card}}.\nКогда: {{.At}}",
			"Ею можно оплачивать начисления и автоплатежи. Если это сделали не вы, сразу отвяжите карту в личном кабинете и смените пароль.",
		},
		sms: "К аккаунту привязана карта {{.Card}} ({{.At}}). Если это были не вы, отвяжите её и смените пароль.",
	},
	CardUnlinked: {
		category: CategorySecurity,
		fields:   []field{{"Card", text, 0}, {"At", dateTime, 0}},
		title:    "Карта отвязана: {{.Card}}",
		body: []string{
			"Карта {{.Card}} отвязана от вашего аккаунта.\nКогда: {{.At}}",
			"Автоплатежи с этой карты отменены. Если это сделали не вы, сразу смените пароль и обратитесь в поддержку.",
		},
		sms: "Карта {{.Card}} отвязана от аккаунта ({{.At}}). Если это были не вы, срочно смените пароль.",
	},
	News: {
		category: CategoryNews,
		fields: []field{
			{"Title", text, 0}, {"Text", prose, private}, {"Link", link, optional | private},
		},
		title:     "{{.Title}}",
		body:      []string{"{{.Text}}"},
		sms:       "{{sentence (short 120 .Title)}} Подробнее\u00a0— в личном кабинете.",
		linkLabel: "Читать подробнее",
	},
}

// consentAction accepts the actions (and their English codes) and says
// whether the consent ended (withdrawn, refused, run out): the advice to
// withdraw it is shown only for one given or changed.
func consentAction(view map[string]any) (map[string]any, error) {
	var action string
	switch strings.ToLower(view["Action"].(string)) {
	case "выдано", "выдан", "дано", "granted", "given":
		action = "выдано"
	case "изменено", "изменён", "изменен", "changed", "updated":
		action = "изменено"
	case "отозвано", "отозван", "revoked", "withdrawn":
		action = "отозвано"
	case "отклонено", "отклонён", "refused", "declined":
		action = "отклонено"
	case "истекло", "истёк", "expired":
		action = "истекло"
	default:
		return nil, varError("Action", "want выдано, изменено, отозвано, отклонено or истекло")
	}
	return map[string]any{"Action": action, "Ended": action != "выдано" && action != "изменено"}, nil
}

// passportAge allows the two ages at which a passport is replaced.
func passportAge(view map[string]any) (map[string]any, error) {
	if a := view["Age"]; a != "20" && a != "45" {
		return nil, varError("Age", "want 20 or 45")
	}
	return nil, nil
}

// contactChanged names what changed. An unknown kind is not an error: a
// security notice must go out even when a producer says it oddly, and the
// value is never echoed, in case it is the new address itself.
func contactChanged(view map[string]any) (map[string]any, error) {
	changed := "изменены контактные данные"
	switch strings.ToLower(view["Contact"].(string)) {
	case "email", "e-mail", "почта", "электронная почта":
		changed = "изменён адрес электронной почты"
	case "phone", "телефон", "номер телефона":
		changed = "изменён номер телефона"
	}
	return map[string]any{"Changed": changed, "ChangedTitle": capitalize(changed)}, nil
}

// mfaMethod explains the new second factor; the codes are those of package
// accounts (sms, totp, none), anything else is shown as given.
func mfaMethod(view map[string]any) (map[string]any, error) {
	method := view["Method"].(string)
	var note string
	switch strings.ToLower(method) {
	case "sms":
		note = "Теперь при входе нужен код из SMS."
	case "totp":
		note = "Теперь при входе нужен код из приложения-аутентификатора."
	case "none":
		note = "Теперь для входа достаточно пароля. Это менее надёжно: включить подтверждение снова можно в настройках безопасности личного кабинета."
	default:
		note = "Новый способ: " + sentence(method)
	}
	return map[string]any{"MethodNote": note}, nil
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence ends s with a full stop unless it already ends a sentence.
func sentence(s string) string {
	if s == "" || strings.ContainsAny(s[len(s)-1:], ".!?") || strings.HasSuffix(s, "…") {
		return s
	}
	return s + "."
}
