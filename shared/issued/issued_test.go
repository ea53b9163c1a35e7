package issued

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/smithy-go"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/issued/issuedtest"
	"github.com/kabinet/kabinet/shared/problem"
)

// textRenderer writes a document as plain text of what the PDF shows (the
// PDF itself is issuedpdf's, tested there).
type textRenderer struct{}

func (textRenderer) Render(r Request, number, code, verifyURL string) ([]byte, error) {
	return []byte(strings.Join([]string{r.ServiceTitle, number, r.Applicant.FullName(), code, verifyURL}, "\n")), nil
}

func newService(t *testing.T) (*Service, *issuedtest.Objects) {
	objs := issuedtest.NewObjects()
	return &Service{DB: dynamotest.NewStore(t), Objects: objs, Signer: issuedtest.NewSigner(t), Renderer: textRenderer{},
		PortalURL: "https://kabinet.example.ru/"}, objs
}

var request = Request{
	Sub: "user-1", ApplicationID: "app-1", ApplicationNumber: "2026-1123-000042", Service: "criminal-record",
	SubmittedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), ServiceTitle: "Справка о наличии (отсутствии) судимости",
	DepartmentTitle: "МВД России", Applicant: Applicant{Surname: "Ёлкина", Name: "Анна", Patronymic: "Сергеевна", BirthDate: "1990-04-01", SNILS: "112-233-445 95"},
	Decision: "Сведений о судимости нет", IssuedAt: time.Date(2026, 11, 23, 12, 30, 0, 0, time.UTC),
}

func issue(t *testing.T, s *Service, objs *issuedtest.Objects) (*Result, []byte) {
	t.Helper()
	ctx := context.Background()
	res, err := s.Issue(ctx, request)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	tx := &dynamo.Tx{}
	res.Record(tx, request.Sub)
	if err := s.DB.Transact(ctx, "", tx); err != nil {
		t.Fatalf("record: %v", err)
	}
	return res, objs.File(res.key)
}

func TestIssueAndVerify(t *testing.T) {
	ctx := context.Background()
	s, objs := newService(t)
	res, pdf := issue(t, s, objs)
	if !strings.HasPrefix(res.Number, "ВД-2026-1123-000042") || !codePattern().MatchString(res.Code) {
		t.Fatalf("number %q, code %q", res.Number, res.Code)
	}
	if !strings.HasPrefix(res.key, "users/user-1/documents/") || len(pdf) == 0 {
		t.Fatalf("file stored at %q (%d bytes)", res.key, len(pdf))
	}
	for _, group := range strings.Split(res.Code, "-") {
		if strings.Contains(strings.ToUpper(res.DocumentID), group) {
			t.Errorf("the document id %s gives away part of the verification code %s", res.DocumentID, res.Code)
		}
	}

	v, err := s.Verify(ctx, strings.ToLower(res.Code), nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !v.Genuine || v.Unaltered != nil || v.Number != res.Number || v.Applicant != "Ёлкина А. С." || v.Department != "МВД России" ||
		!v.IssuedAt.Equal(request.IssuedAt) || v.Size != int64(len(pdf)) {
		t.Errorf("Verify(code) = %+v", v)
	}
	v, err = s.Verify(ctx, res.Code, pdf)
	if err != nil || !v.Genuine || v.Unaltered == nil || !*v.Unaltered {
		t.Errorf("Verify(the file) = %+v, %v; want genuine and unaltered", v, err)
	}
	// Anyone can check it offline with the published key and statement.
	block, _ := pem.Decode([]byte(v.PublicKey))
	if block == nil {
		t.Fatalf("publicKey is not PEM: %q", v.PublicKey)
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(block.Bytes)
	sig, _ := base64.StdEncoding.DecodeString(v.Signature)
	fileSum := sha256.Sum256(pdf)
	stmt := sha256.Sum256([]byte("kabinet-issued-document/v1\n" + v.Number + "\n" + res.Code + "\n" + v.IssuedAt.UTC().Format(time.RFC3339) + "\n" +
		hex.EncodeToString(fileSum[:]) + "\n" + v.Title + "\n" + v.Department + "\n" + v.Applicant + "\n"))
	if !ecdsa.VerifyASN1(parsed.(*ecdsa.PublicKey), stmt[:], sig) || v.KeyFingerprint != hex.EncodeToString(fp[:]) {
		t.Error("the published key and statement do not verify the signature independently")
	}
	// One byte changed anywhere fails.
	for _, at := range []int{0, len(pdf) / 2, len(pdf) - 1} {
		changed := append([]byte(nil), pdf...)
		changed[at] ^= 0x01
		v, err = s.Verify(ctx, res.Code, changed)
		if err != nil || v.Genuine || v.Unaltered == nil || *v.Unaltered {
			t.Errorf("Verify(byte %d changed) = %+v, %v; want not genuine", at, v, err)
		}
	}
}

func TestAlteredRecordIsNotGenuine(t *testing.T) {
	ctx := context.Background()
	s, objs := newService(t)
	res, _ := issue(t, s, objs)
	// Someone with write access to the table moves the date of issue.
	upd := expression.Set(expression.Name("IssuedAt"), expression.Value("2025-01-01T00:00:00Z"))
	if err := s.DB.Update(ctx, dynamo.VerificationKey(res.Code), upd, nil); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Verify(ctx, res.Code, nil); err != nil || v.Genuine {
		t.Errorf("Verify after the record changed = %+v, %v; want not genuine", v, err)
	}
	// So does any field the page shows: here, whose document it is.
	res2, _ := issue(t, s, objs)
	upd = expression.Set(expression.Name("Applicant"), expression.Value("Петров П. П."))
	if err := s.DB.Update(ctx, dynamo.VerificationKey(res2.Code), upd, nil); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Verify(ctx, res2.Code, nil); err != nil || v.Genuine {
		t.Errorf("Verify after the applicant changed = %+v, %v; want not genuine", v, err)
	}
}

func TestVerifyRefusesBadCodes(t *testing.T) {
	s, _ := newService(t)
	if _, err := s.Verify(context.Background(), "ABCD-EFGH-JKMN-PQRS", nil); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("unknown code: %v, want NotFound", err)
	}
	for _, code := range []string{"", "ABCD", "ABCD-EFGH-JKMN-PQR0", "ABCD-EFGH-JKMN-PQRS-TVWX", "../../etc", "ABCDEFGHJKMNPQRS"} {
		if _, err := s.Verify(context.Background(), code, nil); !problem.Is(err, problem.KindInvalid) {
			t.Errorf("code %q: %v, want Invalid", code, err)
		}
	}
}

func TestCodesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		c := newCode()
		if !codePattern().MatchString(c) || seen[c] {
			t.Fatalf("code %q malformed or repeated", c)
		}
		seen[c] = true
	}
}

func TestDiscardDeletesTheFile(t *testing.T) {
	s, objs := newService(t)
	res, err := s.Issue(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Discard(context.Background(), res); err != nil || objs.Len() != 0 {
		t.Errorf("Discard: %v, files left %d", err, objs.Len())
	}
}

// Every character of a code is equally likely (a modulo bias would make
// the first 16 letters of the alphabet about 6 % more frequent).
func TestCodeCharactersAreUniform(t *testing.T) {
	const codes = 40000
	counts := map[rune]int{}
	for range codes {
		for _, r := range strings.ReplaceAll(newCode(), "-", "") {
			counts[r]++
		}
	}
	want := float64(codes*16) / float64(len(codeAlphabet))
	for _, r := range codeAlphabet {
		if dev := (float64(counts[r]) - want) / want; dev > 0.03 || dev < -0.03 {
			t.Errorf("%c appears %d times, %.1f%% off the %0.f expected", r, counts[r], dev*100, want)
		}
	}
}

func TestKMSFailuresAreTold(t *testing.T) {
	cases := []struct {
		err  error
		kind problem.Kind
	}{
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, problem.KindUnavailable},
		{&smithy.GenericAPIError{Code: "KMSInternalException"}, problem.KindUnavailable},
		{errors.New("dial tcp: timeout"), problem.KindUnavailable},
		{&smithy.GenericAPIError{Code: "NotFoundException"}, problem.KindInternal},
		{&smithy.GenericAPIError{Code: "DisabledException"}, problem.KindInternal},
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, problem.KindInternal},
	}
	for _, c := range cases {
		if got := problem.KindOf(kmsProblem(c.err, "x")); got != c.kind {
			t.Errorf("%v: kind %v, want %v", c.err, got, c.kind)
		}
	}
}
