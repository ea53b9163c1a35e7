// Package s3blob is blob's S3 adapter: the bucket behind presigned uploads
// and downloads, and the server's check of what was uploaded (size, type
// and structure, by blob.CheckContent). Only the functions that reach the
// bucket import it, so the others do not link the S3 client.
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go"

	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/problem"
)

// API is the part of the S3 client Kabinet uses.
type API interface {
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CopyObject(context.Context, *s3.CopyObjectInput, ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
}

var _ API = (*s3.Client)(nil)

// Store is the bucket.
type Store struct {
	api     API
	presign *s3.PresignClient
	bucket  string
}

// New returns a store over a bucket.
func New(client *s3.Client, bucket string) *Store {
	return &Store{api: client, presign: s3.NewPresignClient(client), bucket: bucket}
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Ping checks that the bucket exists and is reachable.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)})
	return err
}

// Move copies an object to a new key and deletes the old one.
func (s *Store) Move(ctx context.Context, from, to string) error {
	_, err := s.api.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(to),
		CopySource: aws.String(s.bucket + "/" + from)})
	if err != nil {
		return fmt.Errorf("copy %s: %w", from, err)
	}
	return s.Delete(ctx, from)
}

// PresignUpload signs a PUT of exactly this content type; ttl should be minutes.
func (s *Store) PresignUpload(ctx context.Context, key, contentType string, size int64, ttl time.Duration, now time.Time) (blob.PresignedRequest, error) {
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), ContentType: aws.String(contentType),
		ContentLength: aws.Int64(size),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return blob.PresignedRequest{}, fmt.Errorf("presign upload: %w", err)
	}
	h := map[string]string{"Content-Type": contentType}
	return blob.PresignedRequest{URL: req.URL, Method: req.Method, Headers: h, Expires: now.Add(ttl)}, nil
}

// PresignDownload signs a GET that the browser saves under fileName.
func (s *Store) PresignDownload(ctx context.Context, key, fileName string, ttl time.Duration, now time.Time) (blob.PresignedRequest, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}
	if fileName != "" {
		in.ResponseContentDisposition = aws.String(`attachment; filename*=UTF-8''` + blob.URLPathEscape(fileName))
	}
	req, err := s.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return blob.PresignedRequest{}, fmt.Errorf("presign download: %w", err)
	}
	return blob.PresignedRequest{URL: req.URL, Method: req.Method, Expires: now.Add(ttl)}, nil
}

// Put stores a small object the server itself produced (a receipt, an export).
func (s *Store) Put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := s.api.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(key), ContentType: aws.String(contentType),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Delete removes an object; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.api.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// Verify checks an uploaded object: it exists, is no larger than maxSize,
// its magic bytes show one of the allowed types equal to the declared type,
// and it is a well-formed file of that type with nothing after its end (see
// checkContent). An object that fails is deleted, and the answer is a 422
// naming the reason; a file whose structure is broken gets the same code as
// one of another type (file.type_mismatch), with a message that says what
// is wrong. A missing object is a 409 (the upload has not happened yet).
func (s *Store) Verify(ctx context.Context, key, declared string, maxSize int64, allowed ...string) (blob.Object, error) {
	head, err := s.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		if isNotFound(err) {
			return blob.Object{}, problem.Conflict("upload_missing", "Файл ещё не загружен")
		}
		return blob.Object{}, fmt.Errorf("head %s: %w", key, err)
	}
	size := aws.ToInt64(head.ContentLength)
	reject := func(code, detail string) (blob.Object, error) {
		if err := s.Delete(ctx, key); err != nil {
			return blob.Object{}, err
		}
		return blob.Object{}, problem.Invalid(problem.Field{Field: "file", Code: code, Message: detail})
	}
	if size > maxSize {
		return reject("file.too_large", "Файл больше "+humanSize(maxSize))
	}
	if size == 0 {
		return reject("file.empty", "Файл пустой")
	}
	// The whole object is read (at most maxSize bytes, one allocation):
	// its structure is checked, not only its first bytes.
	obj, err := s.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return blob.Object{}, fmt.Errorf("read %s: %w", key, err)
	}
	data, err := readAtMost(obj.Body, size, maxSize)
	obj.Body.Close()
	if err != nil {
		return blob.Object{}, fmt.Errorf("read %s: %w", key, err)
	}
	if int64(len(data)) > maxSize {
		// Replaced by a larger file since HeadObject.
		return reject("file.too_large", "Файл больше "+humanSize(maxSize))
	}
	size = int64(len(data))
	actual := blob.Sniff(data)
	ok := false
	for _, a := range allowed {
		ok = ok || a == actual
	}
	if !ok {
		return reject("file.type", "Допустимы только файлы PDF, JPEG или PNG")
	}
	if actual != declared {
		return reject("file.type_mismatch", "Содержимое файла не соответствует заявленному типу")
	}
	if err := blob.CheckContent(actual, data); err != nil {
		return reject("file.type_mismatch", err.Error())
	}
	return blob.Object{Key: key, Size: size, ContentType: actual}, nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var ae smithyhttp.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}

// readAtMost reads r whole into one buffer sized for the expected length,
// but never more than limit+1 bytes, so that a caller can tell an
// oversized body from one of exactly limit bytes.
func readAtMost(r io.Reader, expected, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(expected, limit) + bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	return buf.Bytes(), err
}

// humanSize renders a byte limit for a person: "5 МБ", "512 КБ", "100 байт".
func humanSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d МБ", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d КБ", n>>10)
	}
	return fmt.Sprintf("%d байт", n)
}
