package pdfdoc

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/pdfdoc/pdfdoctest"
)

func text(t *testing.T, pdf []byte) string { return pdfdoctest.Text(t, pdf, false) }

func render(t *testing.T, rows int) []byte {
	t.Helper()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	d := New("Журнал заявления", "Кабинет", "Документ сформирован автоматически", at)
	d.Heading("Справка об отсутствии судимости", 15)
	d.Field("Заявитель", "Ёлкина Анна Сергеевна")
	d.Field("Номер", "2026-1123-000042")
	var table [][]string
	for i := range rows {
		table = append(table, []string{fmt.Sprintf("строка %d", i+1), "В работе", "Комментарий с переносом строки, достаточно длинный, чтобы не поместиться в одну строку ячейки"})
	}
	d.Table([]string{"Когда", "Статус", "Комментарий"}, []float64{0.25, 0.2, 0.55}, table)
	if err := d.QR("https://kabinet.example.ru/verify/ABCD-EFGH-JKMN-PQRS", 30, "Проверить подлинность:", "ABCD-EFGH-JKMN-PQRS"); err != nil {
		t.Fatal(err)
	}
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCyrillicTextIsExtractable(t *testing.T) {
	b := render(t, 2)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:10])
	}
	got := text(t, b)
	for _, want := range []string{"Справка об отсутствии судимости", "Ёлкина Анна Сергеевна", "2026-1123-000042", "строка 2", "ABCD-EFGH-JKMN-PQRS", "стр. 1 из 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("extracted text lacks %q:\n%s", want, got)
		}
	}
}

func TestLongTablesBreakAcrossPages(t *testing.T) {
	got := text(t, render(t, 60))
	if !strings.Contains(got, "стр. 3 из ") || !strings.Contains(got, "строка 60") {
		t.Errorf("60 rows should span pages and all be there:\n%s", got)
	}
}

func TestSameInputSameFile(t *testing.T) {
	if a, b := render(t, 3), render(t, 3); !bytes.Equal(a, b) {
		t.Error("rendering the same document twice gave different bytes")
	}
}

func TestQRRefusesOversizedContent(t *testing.T) {
	d := New("t", "a", "f", time.Time{})
	if err := d.QR(strings.Repeat("x", 5000), 30); err == nil {
		t.Error("content beyond a QR code's capacity should fail")
	}
}

// FuzzRender: no text a person or an agency typed breaks a document.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"\x00\xff\xfe", "😀 эмодзи 中文", "\u202eевокт", "a\tb\r\nc", strings.Repeat("длинное слово", 300), "Ёлкина"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := New(s, s, s, time.Time{})
		d.Heading(s, 12)
		d.Field(s, s)
		d.Text(s)
		d.Table([]string{s, "x"}, []float64{0.5, 0.5}, [][]string{{s, s}})
		if err := d.QR("https://kabinet.example.ru/verify/"+s[:min(len(s), 100)], 30, s); err != nil {
			t.Skip() // longer than a QR code holds
		}
		b, err := d.Bytes()
		if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("render %q: %v", s, err)
		}
	})
}

// A cell longer than a page is cut, so its row stays whole on one page with
// its borders.
func TestLongCellsAreCut(t *testing.T) {
	d := New("t", "a", "f", time.Time{})
	long := strings.Repeat("очень длинный комментарий ", 200)
	d.Table([]string{"Когда", "Комментарий"}, []float64{0.2, 0.36}, [][]string{{"1", long}, {"2", "короткий"}})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	got := text(t, b)
	if !strings.Contains(got, "…") || !strings.Contains(got, "короткий") || strings.Contains(got, "стр. 3") {
		t.Errorf("the long cell was not cut to fit:\n%s", got)
	}
}
