package calendar

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/infra/local/template"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
)

var sample = []Entry{
	{ID: "a1", Kind: KindAppointment, Title: "Приём у терапевта; каб. 12, «Поликлиника №3»", Start: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 7, 30, 0, 0, time.UTC), Link: "/appointments/a1",
		Location: "г. Москва, ул. Тверская, д. 7; кабинет 12"},
	{ID: "p1", Kind: KindPayment, Title: "Оплатить налог на имущество", Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), AllDay: true},
	{ID: "x1", Kind: KindExpiry, Title: strings.Repeat("Очень длинное название события, ", 5), Start: time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC)},
}

func TestICSLinesAreFoldedAndEscaped(t *testing.T) {
	out := ICS(sample, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), "kabinet.test")
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	if !strings.Contains(unfolded, `каб. 12\, «Поликлиника №3»`) || !strings.Contains(unfolded, `терапевта\;`) {
		t.Error("commas and semicolons are not escaped")
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("a bare LF in the output")
	}
}

// An independent parser (ical.js, installed with the local stack's npm
// packages) reads the export back.
func TestICSParsesWithIcalJS(t *testing.T) {
	root, err := template.FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(root, "infra", "node_modules", "ical.js", "dist", "ical.es5.cjs")
	if _, err := os.Stat(lib); err != nil {
		t.Skip("ical.js not installed (make deps installs it)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	out := ICS(sample, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), "kabinet.test")
	script := `const ICAL=require(process.argv[1]);let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{
const comp=new ICAL.Component(ICAL.parse(s));const ev=comp.getAllSubcomponents('vevent').map(v=>new ICAL.Event(v));
console.log(JSON.stringify(ev.map(e=>({uid:e.uid,summary:e.summary,location:e.location,start:e.startDate.toJSDate().toISOString(),allDay:e.startDate.isDate}))));});`
	cmd := exec.Command(node, "-e", script, lib)
	cmd.Stdin = strings.NewReader(out)
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ical.js: %v\n%s", err, got)
	}
	s := string(got)
	for _, want := range []string{`"uid":"a1@kabinet.test"`, `"summary":"Приём у терапевта; каб. 12, «Поликлиника №3»"`, `"start":"2026-12-01T07:00:00.000Z"`, `"allDay":true`,
		`"location":"г. Москва, ул. Тверская, д. 7; кабинет 12"`,
		`"summary":"` + sample[2].Title + `"`} {
		if !strings.Contains(s, want) {
			t.Errorf("ical.js read %s, missing %s", s, want)
		}
	}
}

func TestListIsOrderedAndBounded(t *testing.T) {
	db := dynamotest.NewStore(t)
	tx := &dynamo.Tx{}
	for _, e := range sample {
		Add(tx, "u", e)
	}
	Add(tx, "other", Entry{ID: "o1", Kind: KindOwn, Title: "Чужое", Start: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)})
	if err := db.Transact(context.Background(), "", tx); err != nil {
		t.Fatal(err)
	}
	st := &Store{DB: db}
	got, err := st.List(context.Background(), "u", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "p1" || got[1].ID != "a1" {
		t.Errorf("List = %+v, want p1 then a1 only", got)
	}
}
