package journal

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const bom = "\ufeff"

func parseCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(bom)) {
		t.Fatalf("CSV does not start with a byte-order mark: %q", b[:min(len(b), 8)])
	}
	r := csv.NewReader(bytes.NewReader(b[len(bom):]))
	r.FieldsPerRecord = len(csvHeader)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse back: %v\n%q", err, b)
	}
	return recs
}

func TestCSV(t *testing.T) {
	at := time.Date(2026, 3, 1, 21, 30, 5, 123, time.UTC) // 00:30:05 on 2 March in Moscow
	cases := []struct {
		name string
		e    Entry
		want []string
	}{
		{"a plain entry", Entry{At: at, Type: TypeLogin, Summary: "Вход по паролю", IP: "203.0.113.7", Actor: ActorCitizen},
			[]string{"02.03.2026 00:30:05", "Вход в систему", "Вход по паролю", "203.0.113.7", "Гражданин"}},
		{"an unknown type and actor", Entry{At: at, Type: "tax.refund", Summary: "Возврат", Actor: "robot"},
			[]string{"02.03.2026 00:30:05", "tax.refund", "Возврат", "", "robot"}},
		{"commas and quotes", Entry{At: at, Type: TypePayment, Summary: `Оплата "госпошлины", 3 500 ₽`, Actor: ActorSystem},
			[]string{"02.03.2026 00:30:05", "Оплата", `Оплата "госпошлины", 3 500 ₽`, "", "Система"}},
		{"a line break", Entry{At: at, Type: TypeConsent, Summary: "Строка 1\nстрока 2", Actor: ActorOfficer},
			[]string{"02.03.2026 00:30:05", "Согласие", "Строка 1\nстрока 2", "", "Сотрудник ведомства"}},
		{"a formula", Entry{At: at, Type: TypeLogin, Summary: `=HYPERLINK("http://evil","x")`, Actor: ActorCitizen},
			[]string{"02.03.2026 00:30:05", "Вход в систему", `'=HYPERLINK("http://evil","x")`, "", "Гражданин"}},
		{"plus, minus, at", Entry{At: at, Type: "+x", Summary: "-2+3", IP: "@SUM(A1)", Actor: "-"},
			[]string{"02.03.2026 00:30:05", "'+x", "'-2+3", "'@SUM(A1)", "'-"}},
		{"a leading tab or carriage return", Entry{At: at, Type: "\tx", Summary: "\r=1+1", Actor: ActorCitizen},
			[]string{"02.03.2026 00:30:05", "'\tx", "'=1+1", "", "Гражданин"}},
		{"a formula after a space is text", Entry{At: at, Type: TypeLogin, Summary: " =1", Actor: ActorCitizen},
			[]string{"02.03.2026 00:30:05", "Вход в систему", " =1", "", "Гражданин"}},
		{"summer time in Moscow does not exist", Entry{At: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC), Type: TypeLogin, Summary: "Вход", Actor: ActorCitizen},
			[]string{"01.07.2026 12:00:00", "Вход в систему", "Вход", "", "Гражданин"}},
		{"invalid UTF-8", Entry{At: at, Type: TypeLogin, Summary: "a\xffb", Actor: ActorCitizen},
			[]string{"02.03.2026 00:30:05", "Вход в систему", "a\uFFFDb", "", "Гражданин"}},
	}
	for _, c := range cases {
		recs := parseCSV(t, CSV([]Entry{c.e}))
		if len(recs) != 2 {
			t.Errorf("%s: %d records, want header and one row", c.name, len(recs))
			continue
		}
		if strings.Join(recs[0], "|") != "Дата и время (МСК)|Тип|Описание|IP|Кто" {
			t.Errorf("%s: header = %q", c.name, recs[0])
		}
		if strings.Join(recs[1], "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: row = %q, want %q", c.name, recs[1], c.want)
		}
	}
}

func TestCSVBytes(t *testing.T) {
	at := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	got := string(CSV([]Entry{
		{At: at, Type: TypePayment, Summary: `Оплата "штрафа", 500 ₽`, Actor: ActorCitizen},
		{At: at, Type: TypeLogin, Summary: "Вход", IP: "2001:db8::1", Actor: ActorCitizen},
	}))
	want := bom + "Дата и время (МСК),Тип,Описание,IP,Кто\r\n" +
		"01.03.2026 09:00:00,Оплата,\"Оплата \"\"штрафа\"\", 500 ₽\",,Гражданин\r\n" +
		"01.03.2026 09:00:00,Вход в систему,Вход,2001:db8::1,Гражданин\r\n"
	if got != want {
		t.Errorf("CSV =\n%q\nwant\n%q", got, want)
	}
	if got := string(CSV(nil)); got != bom+"Дата и время (МСК),Тип,Описание,IP,Кто\r\n" {
		t.Errorf("CSV of nothing = %q, want the header alone", got)
	}
}

func FuzzCSV(f *testing.F) {
	f.Add("auth.login", "Вход по паролю", "203.0.113.7", "citizen", int64(1772400000))
	f.Add("=cmd", "a,\"b\"\r\nc", "@x", "-", int64(0))
	f.Add("\t", "\r", "\n", "+", int64(-62135596800))
	f.Add("", "\xff\xfe", " ", "\\.", int64(253402300799))
	f.Fuzz(func(t *testing.T, typ, summary, ip, actor string, unix int64) {
		e := Entry{At: time.Unix(unix, 0), Type: typ, Summary: summary, IP: ip, Actor: actor}
		out := CSV([]Entry{e, e})
		if !utf8.Valid(out) {
			t.Fatalf("CSV is not valid UTF-8: %q", out)
		}
		recs := parseCSV(t, out)
		if len(recs) != 3 {
			t.Fatalf("%d records, want 3", len(recs))
		}
		for _, rec := range recs[1:] {
			for i, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("cell %d = %q starts like a formula", i, cell)
				}
			}
			// What reads back is what went in, but for the guard's
			// apostrophe and the line ends RFC 4180 normalizes.
			for i, in := range []string{TypeLabel(typ), summary, ip, ActorLabel(actor)} {
				want := strings.ReplaceAll(Cell(in), "\r", "")
				if rec[i+1] != want {
					t.Errorf("cell %d = %q, want %q", i+1, rec[i+1], want)
				}
			}
		}
	})
}
