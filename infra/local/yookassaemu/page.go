package yookassaemu

import (
	"fmt"
	"html"
	"net/http"
	"strings"
)

// The payer's pages and the index are plain HTML in Russian, built with
// html.EscapeString around everything a request or a payment brought in.

const style = `<style>body{font:15px sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}` +
	`td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}` +
	`.sum{font-size:28px;margin:.5em 0}button{font-size:16px;padding:.5em 1.5em;margin-right:1em}code{font-size:13px}</style>`

func page(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>%s</title>%s</head><body>%s</body></html>`,
		html.EscapeString(title), style, body)
}

// roublesRU writes kopecks as a Russian reader expects money: "1 490,00 ₽".
func roublesRU(kopecks int64) string {
	whole := fmt.Sprint(kopecks / 100)
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u00a0")
		}
		b.WriteRune(d)
	}
	return fmt.Sprintf("%s,%02d\u00a0₽", b.String(), kopecks%100)
}

var statusRU = map[string]string{
	StatusPending:           "ожидает оплаты",
	StatusWaitingForCapture: "оплачен, ждёт подтверждения магазином",
	StatusSucceeded:         "оплачен",
	StatusCanceled:          "отменён",
}

var refundStatusRU = map[string]string{
	StatusPending:   "в обработке",
	StatusSucceeded: "возвращено",
	StatusCanceled:  "отклонён",
}

var methodStateRU = map[string]string{
	MethodActive:  "действует",
	MethodExpired: "срок карты истёк",
	MethodRevoked: "разрешение отозвано",
}

// checkoutPage is the confirmation_url: what the payer is asked to pay.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.payments[r.PathValue("id")]
	var v Payment
	var kopecks int64
	var back string
	var save bool
	if ok {
		v, kopecks, back, save = p.view(), p.kopecks, p.returnURL, p.save
	}
	s.mu.Unlock()
	if !ok {
		page(w, http.StatusNotFound, "Платёж не найден", `<h1>Платёж не найден</h1><p>Проверьте ссылку или вернитесь в магазин.</p>`)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<p>Тестовый магазин %s · платёжный сервис (эмулятор ЮKassa)</p>`, html.EscapeString(s.ShopID))
	fmt.Fprintf(&b, `<h1>Оплата</h1><p class="sum">%s</p>`, roublesRU(kopecks))
	if v.Description != "" {
		fmt.Fprintf(&b, `<p>Назначение платежа: %s</p>`, html.EscapeString(v.Description))
	}
	if v.Status != StatusPending {
		fmt.Fprintf(&b, `<p>Платёж %s.</p><p><a href="%s">Вернуться в магазин</a></p>`, statusRU[v.Status], html.EscapeString(back))
		page(w, http.StatusOK, "Платёж "+statusRU[v.Status], b.String())
		return
	}
	fmt.Fprintf(&b, `<form method="post" action="/checkout/%s"><fieldset><legend>Банковская карта</legend>`, html.EscapeString(v.ID))
	for i, c := range testCards {
		checked := ""
		if i == 0 {
			checked = " checked"
		}
		fmt.Fprintf(&b, `<label><input type="radio" name="card" value="%s"%s> %s · %s</label><br>`,
			html.EscapeString(string(c.name)), checked, html.EscapeString(c.cardType), html.EscapeString(c.masked))
	}
	b.WriteString(`</fieldset>`)
	if save {
		b.WriteString(`<p><strong>Магазин сохранит карту для автоплатежей:</strong> следующие платежи будут списываться с неё без вашего подтверждения. ` +
			`Отказаться от автоплатежей можно в магазине.</p>`)
	}
	fmt.Fprintf(&b, `<button type="submit" name="action" value="pay">Оплатить</button>`+
		`<button type="submit" name="action" value="decline">Отклонить</button></form>`+
		`<p><small>Деньги не списываются: это локальный эмулятор платёжного сервиса.</small></p>`)
	page(w, http.StatusOK, "Оплата "+roublesRU(kopecks), b.String())
}

// checkoutForm takes the payer's answer, sends the payer back to the shop
// and notifies the shop: just after the redirect, or before it when that
// fault is armed.
func (s *Server) checkoutForm(w http.ResponseWriter, r *http.Request) {
	var pay bool
	switch r.PostFormValue("action") {
	case "pay":
		pay = true
	case "decline":
	default:
		page(w, http.StatusBadRequest, "Неверный запрос", `<h1>Неверный запрос</h1><p>Нажмите «Оплатить» или «Отклонить».</p>`)
		return
	}
	card := TestCard(r.PostFormValue("card"))
	if card == "" {
		card = testCards[0].name
	}
	if !knownCard(card) {
		page(w, http.StatusBadRequest, "Неверный запрос", `<h1>Неверный запрос</h1><p>Выберите одну из предложенных карт.</p>`)
		return
	}
	back, notes, before, err := s.confirm(r.PathValue("id"), pay, card)
	switch err {
	case errNoPayment:
		page(w, http.StatusNotFound, "Платёж не найден", `<h1>Платёж не найден</h1>`)
		return
	case errNotPending:
		page(w, http.StatusConflict, "Платёж уже обработан",
			fmt.Sprintf(`<h1>Платёж уже обработан</h1><p><a href="%s">Вернуться в магазин</a></p>`, html.EscapeString(back)))
		return
	}
	if before {
		s.deliver(notes)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if !before {
		s.deliverLater(notes)
	}
}

// indexPage lists every payment, newest first, with its notifications.
func (s *Server) indexPage(w http.ResponseWriter, _ *http.Request) {
	records := s.Records()
	var b strings.Builder
	fmt.Fprintf(&b, `<h1>Платежи (эмулятор ЮKassa)</h1><p>Магазин %s. Уведомления: <code>%s</code>. JSON: <a href="/_emulator/payments">/_emulator/payments</a>, `+
		`<a href="/_emulator/notifications">/_emulator/notifications</a>, сбои: <a href="/_emulator/faults">/_emulator/faults</a>.</p>`,
		html.EscapeString(s.ShopID), html.EscapeString(orNone(s.NotificationURL())))
	b.WriteString(`<table><tr><th>Создан (UTC)</th><th>Платёж</th><th>Сумма</th><th>Назначение</th><th>Статус</th><th>Способ оплаты</th><th>Возвраты</th><th>Уведомления</th></tr>`)
	for i := len(records) - 1; i >= 0; i-- {
		p := records[i]
		status := html.EscapeString(statusRU[p.Status])
		if p.CancellationDetails != nil {
			status += html.EscapeString(" (" + p.CancellationDetails.Party + ": " + p.CancellationDetails.Reason + ")")
		}
		if p.Status == StatusPending {
			status += fmt.Sprintf(` · <a href="/checkout/%s">страница оплаты</a>`, html.EscapeString(p.ID))
		}
		var notes []string
		for _, n := range p.Notifications {
			line := html.EscapeString(n.Event + " — " + n.State)
			if n.Fault != "" {
				line += html.EscapeString(" [" + n.Fault + "]")
			}
			if len(n.Attempts) > 0 {
				line += fmt.Sprintf(", попыток: %d", len(n.Attempts))
			}
			notes = append(notes, line)
		}
		method := ""
		if m := p.PaymentMethod; m != nil {
			method = m.Title
			if m.Saved {
				method += " (сохранена)"
			}
		}
		var refunds []string
		for _, rf := range p.Refunds {
			line := rf.Amount.Value + " " + rf.Amount.Currency + " — " + refundStatusRU[rf.Status]
			if rf.CancellationDetails != nil {
				line += " (" + rf.CancellationDetails.Party + ": " + rf.CancellationDetails.Reason + ")"
			}
			refunds = append(refunds, html.EscapeString(line))
		}
		fmt.Fprintf(&b, `<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`,
			html.EscapeString(strings.Replace(p.CreatedAt, "T", " ", 1)), html.EscapeString(p.ID), html.EscapeString(p.Amount.Value+" "+p.Amount.Currency),
			html.EscapeString(p.Description), status, html.EscapeString(method), strings.Join(refunds, "<br>"), strings.Join(notes, "<br>"))
	}
	b.WriteString(`</table>`)
	methods := s.Methods()
	b.WriteString(`<h2>Сохранённые способы оплаты</h2><p>JSON: <a href="/_emulator/payment-methods">/_emulator/payment-methods</a>, ` +
		`возвраты: <a href="/_emulator/refunds">/_emulator/refunds</a>.</p>`)
	b.WriteString(`<table><tr><th>Сохранён (UTC)</th><th>Способ</th><th>Магазин</th><th>Состояние</th><th>Списаний</th></tr>`)
	for i := len(methods) - 1; i >= 0; i-- {
		m := methods[i]
		fmt.Fprintf(&b, `<tr><td>%s</td><td><code>%s</code> %s</td><td>%s</td><td>%s</td><td>%d</td></tr>`,
			html.EscapeString(strings.Replace(m.SavedAt, "T", " ", 1)), html.EscapeString(m.ID), html.EscapeString(m.Title),
			html.EscapeString(m.ShopID), html.EscapeString(methodStateRU[m.State]), len(m.Charges))
	}
	b.WriteString(`</table>`)
	w.Header().Set("Refresh", "5")
	page(w, http.StatusOK, "Kabinet — платежи (локально)", b.String())
}

func orNone(s string) string {
	if s == "" {
		return "не задан"
	}
	return s
}
