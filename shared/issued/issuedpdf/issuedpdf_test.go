package issuedpdf

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/issued/issuedtest"
	"github.com/kabinet/kabinet/shared/pdfdoc/pdfdoctest"
)

var request = issued.Request{
	Sub: "user-1", ApplicationID: "app-1", ApplicationNumber: "2026-1123-000042", Service: "criminal-record",
	SubmittedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), ServiceTitle: "Справка о наличии (отсутствии) судимости",
	DepartmentTitle: "МВД России", Applicant: issued.Applicant{Surname: "Ёлкина", Name: "Анна", Patronymic: "Сергеевна", BirthDate: "1990-04-01", SNILS: "112-233-445 95"},
	Decision: "Сведений о судимости нет", IssuedAt: time.Date(2026, 11, 23, 12, 30, 0, 0, time.UTC),
}

func newService(t *testing.T) (*issued.Service, *issuedtest.Objects) {
	objs := issuedtest.NewObjects()
	return &issued.Service{DB: dynamotest.NewStore(t), Objects: objs, Signer: issuedtest.NewSigner(t), Renderer: Renderer{},
		PortalURL: "https://kabinet.example.ru/"}, objs
}

func TestThePDFSaysWhoAndWhat(t *testing.T) {
	s, objs := newService(t)
	res, err := s.Issue(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	pdf := objs.File(res.Key())
	text := pdfdoctest.Text(t, pdf, false)
	for _, want := range []string{"Ёлкина Анна Сергеевна", res.Number, res.Code, "01.04.1990", "112-233-445 95", "МВД России",
		"Справка о наличии (отсутствии) судимости", "https://kabinet.example.ru/verify/" + res.Code, "23.11.2026 15:30"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF text lacks %q:\n%s", want, text)
		}
	}
}

// BenchmarkIssue measures rendering, hashing and signing one result (the
// local key stands in for KMS; the S3 put is in memory).
func BenchmarkIssue(b *testing.B) {
	s := &issued.Service{Objects: issuedtest.NewObjects(), Signer: issuedtest.NewSigner(b), Renderer: Renderer{}, PortalURL: "https://kabinet.example.ru"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Issue(context.Background(), request); err != nil {
			b.Fatal(err)
		}
	}
}
