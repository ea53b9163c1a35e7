// Package issued makes the results a department issues (certificates,
// extracts): a PDF in Russian with the applicant's data, a unique document
// number and a verification code with its QR, stored beside the citizen's
// scans and signed by the service's key.
//
// What is signed is a statement binding the document number, the
// verification code, the time of issue, the SHA-256 of the file and what
// the public verification shows (title, department, applicant), so a
// changed file or a changed record both fail verification. The signature is
// detached: it lives in the public verification record (VERIFY#<code>), not
// inside the PDF.
package issued

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

// Algorithm is how documents are signed.
const Algorithm = "ECDSA_SHA_256"

// Signer signs SHA-256 digests with the service's key, and gives the
// public half of the key that signed (by the id Sign returned), so that a
// document signed before a key change still verifies.
type Signer interface {
	Sign(ctx context.Context, digest []byte) (signature []byte, keyID string, err error)
	PublicKey(ctx context.Context, keyID string) (*ecdsa.PublicKey, error)
}

// KMSSigner signs with an ECC_NIST_P256 key in KMS. Public keys are fetched
// once per key and kept, so verification costs no KMS call.
type KMSSigner struct {
	Client *kms.Client
	KeyID  string

	mu   sync.Mutex
	pubs map[string]*ecdsa.PublicKey
}

// Sign signs a digest.
func (k *KMSSigner) Sign(ctx context.Context, digest []byte) ([]byte, string, error) {
	out, err := k.Client.Sign(ctx, &kms.SignInput{KeyId: aws.String(k.KeyID), Message: digest,
		MessageType: kmstypes.MessageTypeDigest, SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256})
	if err != nil {
		return nil, "", kmsProblem(err, "Подпись документа сейчас недоступна, попробуйте позже")
	}
	return out.Signature, aws.ToString(out.KeyId), nil
}

// PublicKey returns the public half of a signing key.
func (k *KMSSigner) PublicKey(ctx context.Context, keyID string) (*ecdsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if pub, ok := k.pubs[keyID]; ok {
		return pub, nil
	}
	out, err := k.Client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, kmsProblem(err, "Проверка подписи сейчас недоступна, попробуйте позже")
	}
	parsed, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("issued: public key: %w", err)
	}
	pub, ok := parsed.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("issued: the signing key is not an ECDSA key")
	}
	if k.pubs == nil {
		k.pubs = map[string]*ecdsa.PublicKey{}
	}
	k.pubs[keyID] = pub
	return pub, nil
}

// kmsProblem tells a passing KMS failure (throttling, an outage: 503, try
// later) from one that waiting does not mend (a key missing, disabled or not
// allowed: 500, an operator's matter).
func kmsProblem(err error, detail string) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NotFoundException", "AccessDeniedException", "DisabledException", "KMSInvalidStateException", "InvalidKeyUsageException":
			return problem.Internal(fmt.Errorf("issued: kms: %w", err))
		}
	}
	return problem.Wrap(err, problem.KindUnavailable, "signing_unavailable", detail)
}

// Objects is what issuing needs of the bucket.
type Objects interface {
	Put(ctx context.Context, key, contentType string, body []byte) error
	Delete(ctx context.Context, key string) error
}

// Renderer writes an issued document's file (issued/issuedpdf renders the
// PDF), so a function that only verifies or lists documents does not link
// the PDF library.
type Renderer interface {
	// Render returns the document's file for r, numbered number, with
	// its verification code and the address that checks it.
	Render(r Request, number, code, verifyURL string) ([]byte, error)
}

// Service issues and verifies documents.
type Service struct {
	DB       *dynamo.Store
	Objects  Objects
	Signer   Signer
	Renderer Renderer
	// PortalURL is the public origin the QR code points to
	// (<PortalURL>/verify/<code>).
	PortalURL string
}

// Applicant is who the document is issued to.
type Applicant struct {
	Surname, Name, Patronymic string
	BirthDate                 string // YYYY-MM-DD
	SNILS                     string
}

// FullName is "Surname Name Patronymic".
func (a Applicant) FullName() string {
	return strings.Join(strings.Fields(a.Surname+" "+a.Name+" "+a.Patronymic), " ")
}

// Short is "Surname N. P.", what the public verification page shows.
func (a Applicant) Short() string {
	out := a.Surname
	for _, part := range []string{a.Name, a.Patronymic} {
		if r, _ := utf8.DecodeRuneInString(part); r != utf8.RuneError {
			out += " " + string(r) + "."
		}
	}
	return strings.TrimSpace(out)
}

// Request is what is issued: the result of one application, or a receipt.
type Request struct {
	Sub               string
	ApplicationID     string
	ApplicationNumber string
	SubmittedAt       time.Time
	Service           string // code
	ServiceTitle      string
	DepartmentTitle   string
	Applicant         Applicant
	// Decision is the officer's comment on approval, if any.
	Decision string
	IssuedAt time.Time
	// Number, when set, is the document's number (a receipt's); otherwise
	// it is the application's result number (Number(ApplicationNumber)).
	Number string
	// FileName, when set, names the file among the owner's documents.
	FileName string
	// Content is what the renderer prints beyond these fields (a receipt's
	// payment); the issuing itself never reads it.
	Content any
}

// Result is a document issued and stored, waiting for the transaction that
// records it (Record) or for Discard when that transaction fails.
type Result struct {
	DocumentID string `json:"documentId"`
	Number     string `json:"number"`
	Code       string `json:"verificationCode"`
	key        string
	record     record
	doc        documents.IssuedDocument
}

// kindVerification is the Kind of the public record of an issued document.
const kindVerification = "verification"

type record struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Kind        string `dynamodbav:"Kind"`
	Code        string `dynamodbav:"Code"`
	Number      string `dynamodbav:"Number"`
	Title       string `dynamodbav:"Title"`
	Service     string `dynamodbav:"Service"`
	Department  string `dynamodbav:"Department"`
	Applicant   string `dynamodbav:"Applicant"`
	IssuedAt    string `dynamodbav:"IssuedAt"`
	SHA256      string `dynamodbav:"SHA256"`
	Size        int64  `dynamodbav:"Size"`
	Signature   string `dynamodbav:"Signature"`
	KeyID       string `dynamodbav:"KeyID"`
	Algorithm   string `dynamodbav:"Algorithm"`
	Application string `dynamodbav:"Application"`
}

// codeAlphabet leaves out look-alikes (0/O, 1/I/L, U), so a code read off
// paper is typed right.
const codeAlphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

// codePattern is the shape of a code, compiled on first use.
var codePattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[` + codeAlphabet + `]{4}(-[` + codeAlphabet + `]{4}){3}$`)
})

// newCode returns 16 random characters (about 78 bits) in groups of four.
// Bytes of 240 and above are drawn again, so every character is equally
// likely (240 is the largest multiple of 30 a byte holds).
func newCode() string {
	var sb strings.Builder
	buf := make([]byte, 32)
	for n := 0; n < 16; {
		_, _ = rand.Read(buf)
		for _, c := range buf {
			if c >= 240 || n == 16 {
				continue
			}
			if n > 0 && n%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
			n++
		}
	}
	return sb.String()
}

// randomID is 8 random URL-safe characters.
func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NormalizeCode upper-cases a code as typed and checks its shape.
func NormalizeCode(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	return code, codePattern().MatchString(code)
}

// Number is the document number of an application's result: one result per
// application, so it is unique because the application number is.
func Number(applicationNumber string) string { return "ВД-" + applicationNumber }

// statement is what the signature covers: every field the public
// verification shows, and the file's SHA-256. A field never holds a line
// break (they are single-line titles, names and stamps), so the lines
// cannot be shifted into one another.
func statement(r record) []byte {
	fields := []string{"kabinet-issued-document/v1", r.Number, r.Code, r.IssuedAt, r.SHA256, r.Title, r.Department, r.Applicant}
	for i, f := range fields {
		fields[i] = strings.ReplaceAll(f, "\n", " ")
	}
	d := sha256.Sum256([]byte(strings.Join(fields, "\n") + "\n"))
	return d[:]
}

const stampLayout = time.RFC3339

var moscow = time.FixedZone("MSK", 3*60*60)

// Issue renders the document, stores it under the applicant's documents and
// signs it. Nothing is recorded yet: the caller adds Record to the
// transaction that completes the application and calls Discard if that
// transaction fails.
func (s *Service) Issue(ctx context.Context, r Request) (*Result, error) {
	code := newCode()
	number := r.Number
	if number == "" {
		number = Number(r.ApplicationNumber)
	}
	// The document's id shows in the owner's URLs and logs; it shares
	// nothing with the verification code.
	docID := r.IssuedAt.UTC().Format("20060102150405") + "-" + randomID()
	if s.Renderer == nil {
		return nil, fmt.Errorf("issued: no renderer configured")
	}
	pdf, err := s.Renderer.Render(r, number, code, s.VerifyURL(code))
	if err != nil {
		return nil, err
	}
	key, err := blob.UserKey(r.Sub, "documents", docID)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pdf)
	sha := hex.EncodeToString(sum[:])
	issuedAt := r.IssuedAt.UTC().Format(stampLayout)
	k := dynamo.VerificationKey(code)
	rec := record{PK: k.PK, SK: k.SK, Kind: kindVerification, Code: code, Number: number, Title: r.ServiceTitle,
		Service: r.Service, Department: r.DepartmentTitle, Applicant: r.Applicant.Short(), IssuedAt: issuedAt,
		SHA256: sha, Size: int64(len(pdf)), Algorithm: Algorithm, Application: r.ApplicationID}
	sig, keyID, err := s.Signer.Sign(ctx, statement(rec))
	if err != nil {
		return nil, err
	}
	rec.Signature, rec.KeyID = base64.StdEncoding.EncodeToString(sig), keyID
	if err := s.Objects.Put(ctx, key, blob.TypePDF, pdf); err != nil {
		return nil, err
	}
	name := r.FileName
	if name == "" {
		name = fileName(number)
	}
	return &Result{DocumentID: docID, Number: number, Code: code, key: key, record: rec,
		doc: documents.IssuedDocument{ID: docID, FileName: name, Size: int64(len(pdf)), Number: number,
			Code: code, Application: r.ApplicationID, Title: r.ServiceTitle, IssuedAt: r.IssuedAt}}, nil
}

func fileName(number string) string { return "Результат " + number + ".pdf" }

// Key is where the file is kept in the bucket.
func (r *Result) Key() string { return r.key }

// Record adds the document to the applicant's documents and publishes its
// verification record, in tx.
func (r *Result) Record(tx *dynamo.Tx, sub string) {
	documents.PutIssued(tx, sub, r.doc)
	tx.Create(r.record)
}

// Discard deletes the stored file of a document whose transaction failed.
func (s *Service) Discard(ctx context.Context, r *Result) error {
	return s.Objects.Delete(ctx, r.key)
}

// VerifyURL is where the QR code on a document leads.
func (s *Service) VerifyURL(code string) string {
	return strings.TrimRight(s.PortalURL, "/") + "/verify/" + code
}

// Verification is what the public learns of a document by its code.
type Verification struct {
	Genuine bool `json:"genuine"`
	// Unaltered answers for a file presented with the question: true when
	// it is byte for byte the document issued; absent when no file was
	// presented.
	Unaltered  *bool     `json:"unaltered,omitempty"`
	Number     string    `json:"number"`
	Title      string    `json:"title"`
	Department string    `json:"department"`
	Applicant  string    `json:"applicant"`
	IssuedAt   time.Time `json:"issuedAt"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Algorithm  string    `json:"signatureAlgorithm"`
	Signature  string    `json:"signature"`
	// PublicKey (PEM) lets anyone check the signature without Kabinet;
	// KeyFingerprint is the SHA-256 of its DER form.
	PublicKey      string `json:"publicKey"`
	KeyFingerprint string `json:"keyFingerprint"`
	Explanation    string `json:"explanation"`
}

// Verify looks a document up by its code and checks its signature; with a
// file, it also checks that the file is the document issued. An unknown
// code is NotFound; a malformed one is Invalid.
func (s *Service) Verify(ctx context.Context, code string, file []byte) (Verification, error) {
	code, ok := NormalizeCode(code)
	if !ok {
		return Verification{}, problem.Invalid(problem.Field{Field: "code", Code: "verification.code",
			Message: "Код проверки — 16 символов в четырёх группах через дефис, например ABCD-EFGH-JKMN-PQRS"})
	}
	var rec record
	if err := s.DB.Get(ctx, dynamo.VerificationKey(code), "документ с таким кодом проверки", &rec); err != nil {
		return Verification{}, err
	}
	at, _ := time.Parse(stampLayout, rec.IssuedAt)
	v := Verification{Number: rec.Number, Title: rec.Title, Department: rec.Department, Applicant: rec.Applicant,
		IssuedAt: at, SHA256: rec.SHA256, Size: rec.Size, Algorithm: rec.Algorithm, Signature: rec.Signature}
	pub, err := s.Signer.PublicKey(ctx, rec.KeyID)
	if err != nil {
		return Verification{}, err
	}
	if der, err := x509.MarshalPKIXPublicKey(pub); err == nil {
		sum := sha256.Sum256(der)
		v.KeyFingerprint = hex.EncodeToString(sum[:])
		v.PublicKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	sig, err := base64.StdEncoding.DecodeString(rec.Signature)
	v.Genuine = err == nil && ecdsa.VerifyASN1(pub, statement(rec), sig)
	switch {
	case !v.Genuine:
		v.Explanation = "Подпись записи о документе не прошла проверку: документ не может считаться подлинным"
	case file == nil:
		v.Explanation = "Документ выдан " + rec.Department + " " + at.In(moscow).Format("02.01.2006 в 15:04") +
			" (МСК) и подписан электронной подписью. Чтобы убедиться, что файл не изменён, отправьте его на проверку"
	default:
		sum := sha256.Sum256(file)
		want, _ := hex.DecodeString(rec.SHA256)
		same := subtle.ConstantTimeCompare(sum[:], want) == 1
		v.Unaltered = &same
		if same {
			v.Explanation = "Файл совпадает с выданным документом байт в байт; подпись верна"
		} else {
			v.Genuine = false
			v.Explanation = "Файл отличается от выданного документа: он был изменён или это другой документ"
		}
	}
	return v, nil
}
