package s3blob

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kabinet/kabinet/shared/blob"
	"github.com/kabinet/kabinet/shared/blob/blobtest"
	"github.com/kabinet/kabinet/shared/documents"
	"github.com/kabinet/kabinet/shared/export"
	"github.com/kabinet/kabinet/shared/issued"
	"github.com/kabinet/kabinet/shared/problem"
)

// newTestStore runs gofakes3 in-process with a fresh bucket.
const testBucket = "kabinet-files"

// Real files of each accepted type, and a GIF.
var (
	pdfFile  = []byte(blobtest.MinimalPDF)
	pngFile  = blobtest.PNG(blobtest.Image())
	jpegFile = blobtest.JPEG(blobtest.Image())
	gifFile  = blobtest.GIF
)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithTimeSkewLimit(0))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{
		BaseEndpoint:     aws.String(srv.URL),
		Region:           "eu-central-1",
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return New(client, testBucket)
}

func exists(t *testing.T, s *Store, key string) bool {
	t.Helper()
	_, err := s.api.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil && !isNotFound(err) {
		t.Fatalf("head %s: %v", key, err)
	}
	return err == nil
}

// upload performs what a browser does with a presigned upload.
func upload(t *testing.T, pr blob.PresignedRequest, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(pr.Method, pr.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range pr.Headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT %s: %v", pr.URL, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestPresignUploadThenVerify(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		id       string
		declared string
		body     []byte
	}{
		{"pdf", "a.pdf", blob.TypePDF, pdfFile},
		{"png", "b.png", blob.TypePNG, pngFile},
		{"jpeg", "c.jpg", blob.TypeJPEG, jpegFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := blob.UserKey("sub-1", "documents", tt.id)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := s.PresignUpload(ctx, key, tt.declared, int64(len(tt.body)), 15*time.Minute, now)
			if err != nil {
				t.Fatalf("PresignUpload() = %v", err)
			}
			if pr.Method != http.MethodPut || pr.Headers["Content-Type"] != tt.declared || !pr.Expires.Equal(now.Add(15*time.Minute)) {
				t.Errorf("PresignUpload() = %+v, want PUT with Content-Type %s expiring at %v", pr, tt.declared, now.Add(15*time.Minute))
			}
			u, err := url.Parse(pr.URL)
			if err != nil {
				t.Fatal(err)
			}
			signed := u.Query().Get("X-Amz-SignedHeaders")
			for _, h := range []string{"content-type", "content-length"} {
				if !strings.Contains(signed, h) {
					t.Errorf("signed headers %q do not include %s: the client could upload anything", signed, h)
				}
			}
			if res := upload(t, pr, tt.body); res.StatusCode != http.StatusOK {
				t.Fatalf("PUT status = %d, want 200", res.StatusCode)
			}
			obj, err := s.Verify(ctx, key, tt.declared, 1<<20, blob.TypePDF, blob.TypePNG, blob.TypeJPEG)
			if err != nil {
				t.Fatalf("Verify() = %v, want nil", err)
			}
			want := blob.Object{Key: key, Size: int64(len(tt.body)), ContentType: tt.declared}
			if obj != want {
				t.Errorf("Verify() = %+v, want %+v", obj, want)
			}
			if !exists(t, s, key) {
				t.Errorf("a verified object was deleted")
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	big := append(append([]byte{}, pdfFile...), make([]byte, 2<<20)...)
	tests := []struct {
		name     string
		body     []byte
		declared string
		maxSize  int64
		allowed  []string
		wantCode string
	}{
		{"too large", big, blob.TypePDF, 1 << 20, []string{blob.TypePDF}, "file.too_large"},
		{"one byte over", pdfFile, blob.TypePDF, int64(len(pdfFile)) - 1, []string{blob.TypePDF}, "file.too_large"},
		{"empty", []byte{}, blob.TypePDF, 1 << 20, []string{blob.TypePDF}, "file.empty"},
		{"gif is not accepted", gifFile, "image/gif", 1 << 20, []string{blob.TypePDF, blob.TypePNG, blob.TypeJPEG}, "file.type"},
		{"html declared as pdf", []byte("<html><script>alert(1)</script></html>"), blob.TypePDF, 1 << 20, []string{blob.TypePDF}, "file.type"},
		{"png not in the allowed list", pngFile, blob.TypePNG, 1 << 20, []string{blob.TypePDF}, "file.type"},
		{"png declared as pdf", pngFile, blob.TypePDF, 1 << 20, []string{blob.TypePDF, blob.TypePNG}, "file.type_mismatch"},
		{"jpeg declared as png", jpegFile, blob.TypePNG, 1 << 20, []string{blob.TypeJPEG, blob.TypePNG}, "file.type_mismatch"},
		// A file of the declared type whose structure is broken gets the
		// same code, with a message that names the defect.
		{"random after %PDF-", cat([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0x9c, 0x01, 'x'}, 300)), blob.TypePDF, 1 << 20, []string{blob.TypePDF}, "file.type_mismatch"},
		{"pdf with a jpeg appended", cat(pdfFile, jpegFile), blob.TypePDF, 1 << 20, []string{blob.TypePDF}, "file.type_mismatch"},
		{"jpeg with a zip appended", cat(jpegFile, zipFile), blob.TypeJPEG, 1 << 20, []string{blob.TypeJPEG}, "file.type_mismatch"},
		{"png cut short", pngFile[:len(pngFile)-5], blob.TypePNG, 1 << 20, []string{blob.TypePNG}, "file.type_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			key := "users/sub/documents/f"
			if err := s.Put(ctx, key, tt.declared, tt.body); err != nil {
				t.Fatalf("Put() = %v", err)
			}
			_, err := s.Verify(ctx, key, tt.declared, tt.maxSize, tt.allowed...)
			pe, ok := problem.As(err)
			if !ok || pe.Kind != problem.KindInvalid || len(pe.Fields) != 1 || pe.Fields[0].Code != tt.wantCode || pe.Fields[0].Field != "file" {
				t.Fatalf("Verify() = %v (%+v), want 422 with field file code %s", err, pe, tt.wantCode)
			}
			if blob.Sniff(tt.body) == tt.declared && tt.wantCode == "file.type_mismatch" {
				if want := blob.CheckContent(tt.declared, tt.body); want == nil || pe.Fields[0].Message != want.Error() {
					t.Errorf("message = %q, want the defect named: %v", pe.Fields[0].Message, want)
				}
			}
			if exists(t, s, key) {
				t.Errorf("the refused object %s is still stored", key)
			}
			_, err = s.Verify(ctx, key, tt.declared, tt.maxSize, tt.allowed...)
			if pe, ok := problem.As(err); !ok || pe.Code != "upload_missing" {
				t.Errorf("Verify() after the deletion = %v, want upload_missing", err)
			}
		})
	}
}

func TestVerifyMissing(t *testing.T) {
	s := newTestStore(t)
	_, err := s.Verify(context.Background(), "users/sub/documents/never", blob.TypePDF, 1<<20, blob.TypePDF)
	pe, ok := problem.As(err)
	if !ok || pe.Kind != problem.KindConflict || pe.Code != "upload_missing" {
		t.Fatalf("Verify() = %v, want Conflict upload_missing", err)
	}
}

func TestPresignDownload(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	key := "users/sub/documents/report"
	if err := s.Put(ctx, key, blob.TypePDF, pdfFile); err != nil {
		t.Fatalf("Put() = %v", err)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		fileName string
		wantDisp string // response-content-disposition in the URL, "" for none
	}{
		{"with a Russian file name", "Справка 1.pdf", "attachment; filename*=UTF-8''%D0%A1%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D0%B0%201.pdf"},
		{"with quotes and semicolons", `a";b.pdf`, "attachment; filename*=UTF-8''a%22%3Bb.pdf"},
		{"without a file name", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := s.PresignDownload(ctx, key, tt.fileName, 5*time.Minute, now)
			if err != nil {
				t.Fatalf("PresignDownload() = %v", err)
			}
			if pr.Method != http.MethodGet || !pr.Expires.Equal(now.Add(5*time.Minute)) {
				t.Errorf("PresignDownload() = %+v, want GET expiring at %v", pr, now.Add(5*time.Minute))
			}
			u, err := url.Parse(pr.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query().Get("response-content-disposition"); got != tt.wantDisp {
				t.Errorf("response-content-disposition = %q, want %q", got, tt.wantDisp)
			}
			res, err := http.Get(pr.URL)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, pdfFile) {
				t.Errorf("GET = %d %q, want 200 with the stored bytes", res.StatusCode, body)
			}
		})
	}
}

func TestDeleteAndPing(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping() = %v", err)
	}
	if s.Bucket() != testBucket {
		t.Errorf("Bucket() = %q, want %q", s.Bucket(), testBucket)
	}
	if err := s.Delete(ctx, "users/sub/never-existed"); err != nil {
		t.Errorf("Delete() of a missing key = %v, want nil", err)
	}
	key := "users/sub/x"
	if err := s.Put(ctx, key, "text/plain", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("Delete() = %v", err)
	}
	if exists(t, s, key) {
		t.Errorf("%s still exists after Delete", key)
	}
	other := New(s.api.(*s3.Client), "no-such-bucket")
	if err := other.Ping(ctx); err == nil {
		t.Errorf("Ping() of a missing bucket = nil, want an error")
	}
}

// zipFile is the smallest ZIP archive: an end-of-central-directory record.
var zipFile = append([]byte("PK\x05\x06"), make([]byte, 18)...)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// The bucket serves what the documents, the issued documents and the
// exports keep in it (checked here, so the adapter imports none of them).
var (
	_ documents.Objects = (*Store)(nil)
	_ issued.Objects    = (*Store)(nil)
	_ export.Objects    = (*Store)(nil)
)
