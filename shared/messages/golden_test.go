package messages

import (
	stdflag "flag" // the package has a type named flag
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = stdflag.Bool("update", false, "rewrite testdata/golden from the current renderer")

// goldenCases are the fixtures of every type plus the values that exercise
// each template form, the escaping and the cuts: hostile text and links,
// optional vars left out, long values, a consent withdrawn.
func goldenCases() map[string]struct {
	typ string
	v   Vars
} {
	cases := map[string]struct {
		typ string
		v   Vars
	}{}
	for typ, v := range fixtures() {
		cases[typ] = struct {
			typ string
			v   Vars
		}{typ, v}
	}
	const evil = `<script>alert("x")</script>`
	hostile := `Tom & Jerry's "best" <b>+1</b> ` + evil
	long := strings.Repeat("очень длинное название услуги ", 10)
	add := func(name, typ string, v Vars) {
		cases[name] = struct {
			typ string
			v   Vars
		}{typ, v}
	}
	add("hostile.news", News, Vars{
		"Title": hostile, "Text": "Первая строка " + evil + "\nвторая строка & «кавычки»\n\nНовый абзац: 'одинарные' и \"двойные\".",
		"Link": `https://kabinet.example.ru/news/1?a=1&b='2'&c="3"+<4>`,
	})
	add("hostile.application.status", ApplicationStatus, Vars{
		"Number": "1", "Service": evil, "Status": "Принято", "Comment": evil, "Link": "/a",
	})
	add("hostile.consent.withdrawn", ConsentChanged, Vars{
		"Recipient": evil, "Action": "отозвано", "Scope": `"><img src=x onerror=alert(1)>`,
	})
	add("hostile.charge.issued", ChargeIssued, Vars{
		"Kind": "штраф+пени", "Amount": int64(-150), "DueDate": "2025-04-01",
		"Payee": `ООО "Рога & Копыта" <info@example.ru>`, "Link": "https://kabinet.example.ru/a(b)*!$;,=@[x]~_.-/c#frag{x}|^`",
	})
	add("link.unicode", News, Vars{
		"Title": "Новость", "Text": "Текст", "Link": "https://kabinet.example.ru/новости/1?q=%D0%B0&r=%zz&s=a%2",
	})
	add("link.javascript", News, Vars{"Title": "Новость", "Text": "Текст", "Link": "javascript:alert(1)"})
	add("link.portal.appointment.booked", AppointmentBooked, Vars{
		"Place": "МФЦ", "Address": testAddress, "At": appointment, "Link": "/appointments/77",
	})
	add("optional.application.status", ApplicationStatus, Vars{
		"Number": "12", "Service": "Услуга", "Status": "Принято", "Link": "https://kabinet.example.ru/a",
	})
	add("optional.news", News, Vars{"Title": "Важно!", "Text": "Текст"})
	add("optional.profile.change_decided", ProfileChangeDecided, Vars{"Field": "Фамилия", "Decision": "отклонена"})
	add("prose.application.status", ApplicationStatus, Vars{
		"Number": "12", "Service": "Услуга", "Status": "Отказ",
		"Comment": "Первая строка.\r\nВторая строка.\n\n\n\nНовый абзац.\n  \nЕщё один.", "Link": "/a",
	})
	add("long.news", News, Vars{"Title": long, "Text": long})
	add("long.news.ellipsis", News, Vars{"Title": "Итоги года…", "Text": "Текст"})
	add("long.application.status", ApplicationStatus, Vars{
		"Number": long, "Service": long, "Status": long, "Link": "/a",
	})
	add("long.profile.change_decided", ProfileChangeDecided, Vars{"Field": long, "Decision": long, "Reason": long})
	add("long.charge.issued", ChargeIssued, Vars{
		"Kind": long, "Amount": int64(100000000), "DueDate": "2025-04-01", "Payee": long, "Link": "/p",
	})
	add("long.reminder.calendar_item", CalendarItem, Vars{"Title": long, "At": appointment})
	add("list.application.documents_requested", ApplicationRequest, Vars{
		"Number": "12", "Service": "Услуга", "Documents": "паспорт.", "Deadline": "2025-03-20", "Link": "/a",
	})
	add("derive.security.contact_changed.phone", SecurityContact, Vars{"At": signIn, "Contact": "телефон"})
	add("derive.security.mfa_changed.other", SecurityMFA, Vars{"At": signIn, "Method": "ключ <безопасности>"})
	add("derive.consent.changed.revoked", ConsentChanged, Vars{"Recipient": "Банк", "Action": "revoked", "Scope": "ФИО"})
	return cases
}

// goldenChannels names the files a rendered notification is kept in.
func goldenChannels(r Rendered) map[string]string {
	return map[string]string{
		"title.txt":   r.Title,
		"subject.txt": r.EmailSubject,
		"body.txt":    r.Body,
		"email.txt":   r.EmailText,
		"email.html":  r.EmailHTML,
		"sms.txt":     r.SMS,
		"link.txt":    r.Link,
	}
}

// TestGolden keeps the wording byte for byte: every channel of every case
// must equal testdata/golden/<case>/<channel>. After a deliberate change of
// the wording run go test -run TestGolden -update and review the diff.
func TestGolden(t *testing.T) {
	for name, c := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			r, err := Render(c.typ, c.v, nil)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			dir := filepath.Join("testdata", "golden", name)
			for file, got := range goldenChannels(r) {
				path := filepath.Join(dir, file)
				if *update {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -run TestGolden -update to write it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from %s at byte %d:\n got %q\nwant %q", file, path, firstDiff(got, string(want)), got, want)
				}
			}
		})
	}
}

// TestGoldenHasNoOrphans fails when a golden directory has no case, so that
// a renamed case does not leave stale wording behind.
func TestGoldenHasNoOrphans(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	cases := goldenCases()
	for _, e := range entries {
		if _, ok := cases[e.Name()]; !ok {
			t.Errorf("testdata/golden/%s has no case in goldenCases", e.Name())
		}
	}
	if len(entries) != len(cases) {
		t.Errorf("%d golden directories for %d cases", len(entries), len(cases))
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
