// Package documents keeps the citizen's scans ("Мои документы"): a file is
// declared, uploaded by the client straight to S3 through a short-lived
// presigned URL, then checked by the server (size, magic bytes, declared
// type, and the structure of the PDF, JPEG or PNG: see s3blob.Store.Verify)
// and only then listed. Files never pass through a function, and every
// key is under its owner's prefix.
package documents

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// MaxSize is the largest scan (the seeds: 5 MB).
const MaxSize = 5 << 20

// Types of documents a scan may be of.
var Types = map[string]string{
	"passport":               "Паспорт",
	"international_passport": "Заграничный паспорт",
	"snils":                  "СНИЛС",
	"inn":                    "ИНН",
	"driver_license":         "Водительское удостоверение",
	"vehicle_registration":   "Свидетельство о регистрации ТС",
	"medical_policy":         "Полис ОМС",
	"birth_certificate":      "Свидетельство о рождении",
	"marriage_certificate":   "Свидетельство о браке",
	"other":                  "Другой документ",
}

// ContentTypes the portal accepts.
var ContentTypes = []string{blob.TypePDF, blob.TypeJPEG, blob.TypePNG}

// States of a scan.
const (
	StatePending = "pending" // declared; the upload URL is out
	StateReady   = "ready"   // checked and kept
)

// Document is a scan's metadata.
type Document struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	FileName    string    `json:"fileName"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	State       string    `json:"state"`
	CreatedAt   time.Time `json:"createdAt"`
	// InUse tells that an application or a change request in progress
	// attaches this scan, so it cannot be deleted.
	InUse bool `json:"inUse"`
	// Issued describes a document a department issued (type "result").
	Issued *Issued `json:"issued,omitempty"`
}

// ResultType is the type of documents departments issue as the result of
// an application. Citizens cannot upload documents of this type.
const ResultType = "result"

// Issued is what a department's document carries beyond a scan's data.
type Issued struct {
	Number           string    `json:"number"`
	Title            string    `json:"title"`
	Application      string    `json:"application"`
	VerificationCode string    `json:"verificationCode"`
	IssuedAt         time.Time `json:"issuedAt"`
}

// IssuedDocument is a department's result to list among the citizen's
// documents; its file is already stored under the user's documents.
type IssuedDocument struct {
	ID, FileName, Number, Code, Application, Title string
	Size                                           int64
	IssuedAt                                       time.Time
}

// PutIssued lists an issued document among the user's documents, in tx.
func PutIssued(tx *dynamo.Tx, sub string, d IssuedDocument) {
	k := dynamo.DocumentKey(sub, d.ID)
	tx.Create(item{PK: k.PK, SK: k.SK, Kind: kindDocument, ID: d.ID, Type: ResultType, FileName: d.FileName,
		ContentType: blob.TypePDF, Size: d.Size, State: StateReady, CreatedAt: d.IssuedAt.UTC().Format(time.RFC3339),
		Number: d.Number, Code: d.Code, Application: d.Application, Title: d.Title})
}

// kindDocument is the Kind of a document record.
const kindDocument = "document"

type item struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Kind        string `dynamodbav:"Kind"`
	ID          string `dynamodbav:"ID"`
	Type        string `dynamodbav:"Type"`
	FileName    string `dynamodbav:"FileName"`
	ContentType string `dynamodbav:"ContentType"`
	Size        int64  `dynamodbav:"Size"`
	State       string `dynamodbav:"State"`
	CreatedAt   string `dynamodbav:"CreatedAt"`
	// Uses counts what in progress attaches the scan.
	Uses int   `dynamodbav:"Uses"`
	TTL  int64 `dynamodbav:"TTL,omitempty"`
	// An issued document's number, verification code, application and title.
	Number      string `dynamodbav:"Number,omitempty"`
	Code        string `dynamodbav:"Code,omitempty"`
	Application string `dynamodbav:"Application,omitempty"`
	Title       string `dynamodbav:"Title,omitempty"`
}

func (it item) doc() Document {
	t, _ := time.Parse(time.RFC3339, it.CreatedAt)
	d := Document{ID: it.ID, Type: it.Type, FileName: it.FileName, ContentType: it.ContentType, Size: it.Size,
		State: it.State, CreatedAt: t, InUse: it.Uses > 0}
	if it.Type == ResultType {
		d.Issued = &Issued{Number: it.Number, Title: it.Title, Application: it.Application, VerificationCode: it.Code, IssuedAt: t}
	}
	return d
}

// Find returns one of the user's checked documents (its record, no link):
// another user's, or one not yet checked, is NotFound.
func Find(ctx context.Context, db *dynamo.Store, sub, id string) (Document, error) {
	var it item
	if err := db.Get(ctx, dynamo.DocumentKey(sub, id), "документ", &it); err != nil {
		return Document{}, err
	}
	if it.State != StateReady {
		return Document{}, problem.NotFound("документ")
	}
	return it.doc(), nil
}

// Objects is what the service needs of the bucket.
type Objects interface {
	PresignUpload(ctx context.Context, key, contentType string, size int64, ttl time.Duration, now time.Time) (blob.PresignedRequest, error)
	PresignDownload(ctx context.Context, key, fileName string, ttl time.Duration, now time.Time) (blob.PresignedRequest, error)
	Verify(ctx context.Context, key, declared string, maxSize int64, allowed ...string) (blob.Object, error)
	Move(ctx context.Context, from, to string) error
	Delete(ctx context.Context, key string) error
}

// Service manages scans.
type Service struct {
	DB      *dynamo.Store
	Objects Objects
	Clock   clock.Clock
	// Journal records uploads and deletions (nil: not recorded).
	Journal *journal.Journal
}

func (s *Service) journal(ctx context.Context, sub, typ, summary string) {
	if s.Journal == nil {
		return
	}
	if _, err := s.Journal.Append(ctx, sub, journal.Entry{Type: typ, Summary: summary, Actor: journal.ActorCitizen}); err != nil {
		logging.From(ctx).Error("journal entry not written", "type", typ, "err", err)
	}
}

// URLLifetime is how long an upload or download link works.
var URLLifetime = 10 * time.Minute

// Declaration is what a client says about a file before uploading it.
type Declaration struct {
	Type        string `json:"type"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// Validate names every invalid field.
func (d Declaration) Validate() error {
	var f []problem.Field
	if _, ok := Types[d.Type]; !ok {
		f = append(f, problem.Field{Field: "type", Code: "document.type", Message: "Неизвестный тип документа"})
	}
	name := strings.TrimSpace(d.FileName)
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 || strings.ContainsAny(name, "/\\\x00") || name != path.Base(name) {
		f = append(f, problem.Field{Field: "fileName", Code: "file.name", Message: "Имя файла — от 1 до 200 символов, без пути"})
	}
	ok := false
	for _, ct := range ContentTypes {
		ok = ok || ct == d.ContentType
	}
	if !ok {
		f = append(f, problem.Field{Field: "contentType", Code: "file.type", Message: "Допустимы только файлы PDF, JPEG или PNG"})
	}
	if d.Size < 1 || d.Size > MaxSize {
		f = append(f, problem.Field{Field: "size", Code: "file.too_large", Message: "Размер файла — не больше 5 МБ"})
	}
	if len(f) > 0 {
		return problem.Invalid(f...)
	}
	return nil
}

func newID(now time.Time) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102150405") + "-" + base64.RawURLEncoding.EncodeToString(b)
}

// Declared is a new scan and where to upload it.
type Declared struct {
	Document Document              `json:"document"`
	Upload   blob.PresignedRequest `json:"upload"`
}

// Declare records a pending scan and signs its upload.
func (s *Service) Declare(ctx context.Context, sub string, d Declaration) (Declared, error) {
	if err := d.Validate(); err != nil {
		return Declared{}, err
	}
	now := s.Clock.Now()
	id := newID(now)
	key, err := blob.IncomingKey(sub, id)
	if err != nil {
		return Declared{}, err
	}
	up, err := s.Objects.PresignUpload(ctx, key, d.ContentType, d.Size, URLLifetime, now)
	if err != nil {
		return Declared{}, err
	}
	k := dynamo.DocumentKey(sub, id)
	it := item{PK: k.PK, SK: k.SK, Kind: kindDocument, ID: id, Type: d.Type, FileName: strings.TrimSpace(d.FileName),
		ContentType: d.ContentType, Size: d.Size, State: StatePending, CreatedAt: now.UTC().Format(time.RFC3339),
		TTL: now.Add(24 * time.Hour).Unix()}
	if err := s.DB.Create(ctx, it); err != nil {
		return Declared{}, err
	}
	return Declared{Document: it.doc(), Upload: up}, nil
}

// Complete checks the uploaded object. A good one moves under the owner's
// documents and the scan becomes ready; anything else is deleted, with the
// declaration, and the answer is 422 naming the reason.
func (s *Service) Complete(ctx context.Context, sub, id string) (Document, error) {
	var it item
	if err := s.DB.Get(ctx, dynamo.DocumentKey(sub, id), "документ", &it); err != nil {
		return Document{}, err
	}
	if it.State == StateReady {
		return it.doc(), nil
	}
	incoming, err := blob.IncomingKey(sub, id)
	if err != nil {
		return Document{}, err
	}
	obj, err := s.Objects.Verify(ctx, incoming, it.ContentType, MaxSize, ContentTypes...)
	if problem.Is(err, problem.KindInvalid) {
		if derr := s.DB.Delete(ctx, dynamo.DocumentKey(sub, id)); derr != nil {
			return Document{}, derr
		}
		return Document{}, err
	}
	if err != nil {
		return Document{}, err
	}
	final, err := blob.UserKey(sub, "documents", id)
	if err != nil {
		return Document{}, err
	}
	if err := s.Objects.Move(ctx, incoming, final); err != nil {
		return Document{}, err
	}
	cond := expression.Name("State").Equal(expression.Value(StatePending))
	upd := expression.Set(expression.Name("State"), expression.Value(StateReady)).
		Set(expression.Name("Size"), expression.Value(obj.Size)).
		Remove(expression.Name(dynamo.AttrTTL))
	if err := s.DB.Update(ctx, dynamo.DocumentKey(sub, id), upd, &cond); err != nil && !problem.Is(err, problem.KindConflict) {
		return Document{}, err
	}
	it.State, it.Size = StateReady, obj.Size
	s.journal(ctx, sub, journal.TypeDocumentUpload, "Загружен документ: "+Types[it.Type])
	return it.doc(), nil
}

// List returns a page of the user's ready scans, newest first, optionally of one type.
func (s *Service) List(ctx context.Context, sub, typ, cursor string, limit int32) ([]Document, string, error) {
	if typ != "" && typ != ResultType {
		if _, ok := Types[typ]; !ok {
			return nil, "", problem.Invalid(problem.Field{Field: "type", Code: "document.type", Message: "Неизвестный тип документа"})
		}
	}
	items, next, err := dynamo.Collect(ctx, s.DB, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.DocumentPrefix, Cursor: cursor}, int(limit),
		func(it item) bool { return it.State == StateReady && (typ == "" || it.Type == typ) })
	if err != nil {
		return nil, "", err
	}
	out := make([]Document, 0, len(items))
	for _, it := range items {
		out = append(out, it.doc())
	}
	return out, next, nil
}

// Download is a scan with a short-lived link.
type Download struct {
	Document Document              `json:"document"`
	Download blob.PresignedRequest `json:"download"`
}

// Get returns a ready scan and a download link; another user's is NotFound.
func (s *Service) Get(ctx context.Context, sub, id string) (Download, error) {
	var it item
	if err := s.DB.Get(ctx, dynamo.DocumentKey(sub, id), "документ", &it); err != nil {
		return Download{}, err
	}
	if it.State != StateReady {
		return Download{}, problem.Conflict("upload_incomplete", "Файл ещё не загружен и не проверен")
	}
	key, err := blob.UserKey(sub, "documents", id)
	if err != nil {
		return Download{}, err
	}
	dl, err := s.Objects.PresignDownload(ctx, key, it.FileName, URLLifetime, s.Clock.Now())
	if err != nil {
		return Download{}, err
	}
	return Download{Document: it.doc(), Download: dl}, nil
}

// Delete removes a scan and its file; one attached to an application in
// progress is refused with 409.
func (s *Service) Delete(ctx context.Context, sub, id string) error {
	var it item
	if err := s.DB.Get(ctx, dynamo.DocumentKey(sub, id), "документ", &it); err != nil {
		return err
	}
	if it.Type == ResultType {
		return problem.Conflict("document_issued", "Документ выдан ведомством как результат услуги и хранится в кабинете; удалить его нельзя")
	}
	if it.Uses > 0 {
		return problem.Conflict("document_in_use", fmt.Sprintf("Документ приложен к заявлению или заявке в работе (%d) и не может быть удалён", it.Uses))
	}
	cond := expression.Name("Uses").Equal(expression.Value(0)).And(expression.Name("Type").NotEqual(expression.Value(ResultType)))
	if err := s.DB.Transact(ctx, "", (&dynamo.Tx{}).DeleteIf(dynamo.DocumentKey(sub, id), cond)); err != nil {
		if problem.Is(err, problem.KindConflict) {
			return problem.Conflict("document_in_use", "Документ приложен к заявлению в работе и не может быть удалён")
		}
		return err
	}
	incoming, err := blob.IncomingKey(sub, id)
	if err != nil {
		return err
	}
	final, err := blob.UserKey(sub, "documents", id)
	if err != nil {
		return err
	}
	// A pending scan's file may still be waiting under incoming/.
	if err := s.Objects.Delete(ctx, incoming); err != nil {
		return err
	}
	if err := s.Objects.Delete(ctx, final); err != nil {
		return err
	}
	s.journal(ctx, sub, "document.delete", "Удалён документ: "+Types[it.Type])
	return nil
}

// Attach counts a ready scan of the user as used by something in progress
// (an application, a change request) in tx; a missing or unchecked scan
// fails the transaction.
func Attach(tx *dynamo.Tx, sub, docID string) {
	cond := expression.Name("State").Equal(expression.Value(StateReady))
	tx.Update(dynamo.DocumentKey(sub, docID), expression.Add(expression.Name("Uses"), expression.Value(1)), &cond)
}

// Release undoes Attach in tx.
func Release(tx *dynamo.Tx, sub, docID string) {
	cond := expression.Name("Uses").GreaterThan(expression.Value(0))
	tx.Update(dynamo.DocumentKey(sub, docID), expression.Add(expression.Name("Uses"), expression.Value(-1)), &cond)
}
