package e2e

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Scans are real files: the server checks their structure, not only their
// first bytes. pdfBytes is a one-page PDF with a correct cross-reference
// table (qpdf --check finds nothing wrong with it).
var (
	pdfBytes = []byte("%PDF-1.4\n" +
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n" +
		"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n" +
		"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n")
	pngBytes  = encoded(png.Encode)
	jpegBytes = encoded(func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
)

// encoded is a small picture written by the standard library's encoder.
func encoded(encode func(io.Writer, image.Image) error) []byte {
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

type declared struct {
	Document struct{ ID, State string }
	Upload   struct {
		URL, Method string
		Headers     map[string]string
	}
}

func declare(t *testing.T, token, contentType string, size int) declared {
	t.Helper()
	r := post(t, "/documents", token, map[string]any{"type": "marriage_certificate", "fileName": "свидетельство.pdf", "contentType": contentType, "size": size})
	if r.Status != 201 {
		t.Fatalf("declare = %d %s", r.Status, r.Body)
	}
	var d declared
	r.JSON(t, &d)
	return d
}

func upload(t *testing.T, d declared, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(d.Upload.Method, d.Upload.URL, bytes.NewReader(body))
	for k, v := range d.Upload.Headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("upload = %d", res.StatusCode)
	}
}

// objectsOf lists what the bucket holds for a user, in both prefixes.
func objectsOf(t *testing.T, sub string) []string {
	t.Helper()
	var keys []string
	for _, prefix := range []string{"incoming/" + sub + "/", "users/" + sub + "/"} {
		out, err := st.S3().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(st.Resources["Bucket"]), Prefix: aws.String(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

func TestScanUploadCheckDownloadDelete(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	d := declare(t, s.AccessToken, "application/pdf", len(pdfBytes))
	if strings.Contains(d.Upload.URL, "users/") || !strings.Contains(d.Upload.URL, "incoming/"+sub+"/") {
		t.Errorf("upload URL %s is not under the user's incoming prefix", d.Upload.URL)
	}
	upload(t, d, pdfBytes)
	r := post(t, "/documents/"+d.Document.ID+"/complete", s.AccessToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"state":"ready"`) {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	var got struct {
		Download struct{ URL string }
	}
	call(t, "GET", "/documents/"+d.Document.ID, s.AccessToken, nil, nil).JSON(t, &got)
	res, err := http.Get(got.Download.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Equal(body, pdfBytes) {
		t.Errorf("downloaded %d bytes, want the uploaded file", len(body))
	}
	var list struct{ Items []struct{ ID string } }
	call(t, "GET", "/documents?type=marriage_certificate", s.AccessToken, nil, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != d.Document.ID {
		t.Errorf("list = %+v", list.Items)
	}
	other := login(t, "support")
	for _, m := range []string{"GET", "DELETE"} {
		if r := call(t, m, "/documents/"+d.Document.ID, other.AccessToken, nil, nil); r.Status != 404 {
			t.Errorf("user B: %s the document = %d, want 404", m, r.Status)
		}
	}
	if r := post(t, "/documents/"+d.Document.ID+"/complete", other.AccessToken, nil); r.Status != 404 {
		t.Errorf("user B completing it = %d, want 404", r.Status)
	}
	if r := call(t, "DELETE", "/documents/"+d.Document.ID, s.AccessToken, nil, nil); r.Status != 204 {
		t.Fatalf("delete = %d %s", r.Status, r.Body)
	}
	if keys := objectsOf(t, sub); len(keys) != 0 {
		t.Errorf("the bucket still holds %v", keys)
	}
}

func TestBadScansAreRejectedAndNothingRemains(t *testing.T) {
	s, sub, _, _ := newCitizen(t)
	if r := post(t, "/documents", s.AccessToken, map[string]any{"type": "x", "fileName": "../etc/passwd", "contentType": "text/html", "size": 6 << 20}); r.Status != 422 {
		t.Errorf("bad declaration = %d, want 422", r.Status)
	}
	cases := []struct {
		name        string
		contentType string
		body        []byte
		code        string
		says        string // in the field's message, when set
	}{
		{"a 6 MB file", "application/pdf", append(append([]byte{}, pdfBytes...), make([]byte, 6<<20)...), "file.too_large", ""},
		{"a PNG declared as PDF", "application/pdf", pngBytes, "file.type_mismatch", ""},
		{"not a document at all", "application/pdf", []byte("<html><script>alert(1)</script></html>"), "file.type", ""},
		{"only %PDF- and random bytes", "application/pdf", append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xA7, 0x1F, 0x5C}, 300)...), "file.type_mismatch", "Файл PDF"},
		{"a PDF with a JPEG appended", "application/pdf", append(bytes.Clone(pdfBytes), jpegBytes...), "file.type_mismatch", "После конца документа PDF"},
		{"a JPEG with a ZIP appended", "image/jpeg", append(bytes.Clone(jpegBytes), "PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"...), "file.type_mismatch", "После конца изображения JPEG"},
		{"a PNG cut short", "image/png", pngBytes[:len(pngBytes)-12], "file.type_mismatch", "Файл PNG обрезан"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := declare(t, s.AccessToken, c.contentType, min(len(c.body), 5<<20))
			upload(t, d, c.body)
			r := post(t, "/documents/"+d.Document.ID+"/complete", s.AccessToken, nil)
			if r.Status != 422 || !strings.Contains(string(r.Body), c.code) {
				t.Errorf("complete = %d %s, want 422 %s", r.Status, r.Body, c.code)
			}
			if c.says != "" && !strings.Contains(string(r.Body), c.says) {
				t.Errorf("complete = %s, want the defect named (%q)", r.Body, c.says)
			}
			if r := call(t, "GET", "/documents/"+d.Document.ID, s.AccessToken, nil, nil); r.Status != 404 {
				t.Errorf("the rejected scan is still listed (%d)", r.Status)
			}
		})
	}
	if keys := objectsOf(t, sub); len(keys) != 0 {
		t.Errorf("rejected files remain in the bucket: %v", keys)
	}
}
