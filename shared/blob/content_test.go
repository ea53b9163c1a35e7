package blob

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color/palette"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/blob/blobtest"
	"github.com/kabinet/kabinet/shared/pdfdoc"
)

// minimalPDF is a one-page PDF written by hand (blobtest.MinimalPDF).
const minimalPDF = blobtest.MinimalPDF

// buildPDF writes objects 1..n (object 1 the catalog) with a classic
// cross-reference table.
func buildPDF(header string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

var startxrefRe = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

func lastStartxref(t testing.TB, pdf []byte) int {
	t.Helper()
	m := startxrefRe.FindSubmatch(pdf)
	if m == nil {
		t.Fatalf("no startxref at the end of %q", pdf[max(0, len(pdf)-60):])
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// incremental appends an update to pdf: objects (number → body) and a
// cross-reference section with /Prev pointing at the previous one.
func incremental(t testing.TB, pdf []byte, size int, objs map[int]string) []byte {
	t.Helper()
	prev := lastStartxref(t, pdf)
	b := bytes.NewBuffer(bytes.Clone(pdf))
	offs := map[int]int{}
	nums := []int{}
	for n := 1; n < 1000; n++ {
		if body, ok := objs[n]; ok {
			offs[n] = b.Len()
			nums = append(nums, n)
			fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", n, body)
		}
	}
	x := b.Len()
	b.WriteString("xref\n")
	for _, n := range nums {
		fmt.Fprintf(b, "%d 1\n%010d 00000 n \n", n, offs[n])
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, prev, x)
	return b.Bytes()
}

// xrefStreamPDF writes objects with a cross-reference stream (PNG Up
// predictor, as qpdf and most writers do) instead of a table.
func xrefStreamPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	n := len(objs) + 2 // 0, the objects, the stream itself
	rows := [][]byte{{0, 0, 0, 0xFF}}
	for _, o := range append(offs, x) {
		rows = append(rows, []byte{1, byte(o >> 8), byte(o), 0})
	}
	var raw bytes.Buffer
	prev := make([]byte, 4)
	for _, r := range rows {
		raw.WriteByte(2) // Up
		for i := range r {
			raw.WriteByte(r[i] - prev[i])
		}
		prev = r
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 2 1] /Root 1 0 R /Filter /FlateDecode /DecodeParms << /Columns 4 /Predictor 12 >> /Length %d >>\nstream\n",
		n-1, n, z.Len())
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// simpleObjects are minimalPDF's objects; minimalObjects add a content
// stream whose /Length is an indirect object.
var simpleObjects = []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"}

// stream is a stream object's body with a direct /Length.
func stream[T string | []byte](dict string, data T) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// page is a one-page document's objects whose page shows content.
func page(content string) []string {
	return []string{simpleObjects[0], simpleObjects[1],
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>", stream("", content)}
}

var minimalObjects = []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
	"<< /Length 5 0 R >>\nstream\nBT /F1 12 Tf 72 720 Td (Hello) Tj ET\nendstream", "37"}

// issuedPDF is a document as Kabinet itself renders one.
func issuedPDF(t testing.TB) []byte {
	t.Helper()
	d := pdfdoc.New("Выписка", "Кабинет", "Проверка", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	d.Heading("Выписка из реестра", 14)
	d.Text("Документ выдан по заявлению 2026-0301-000001.")
	if err := d.QR("https://kabinet.example/verify/ABCD-EFGH", 30, "Код проверки"); err != nil {
		t.Fatal(err)
	}
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// qpdf runs `qpdf args... in out` and returns out's bytes; the test is
// skipped where qpdf is not installed (make tools installs it).
func qpdf(t testing.TB, in []byte, args ...string) []byte {
	t.Helper()
	tool, err := exec.LookPath("qpdf")
	if err != nil {
		t.Skip("qpdf not installed (make tools installs it)")
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, append(args, src, dst)...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v: %s", args, err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// haveQPDF reports whether qpdf is installed, for checks that are extra
// where it is and need not skip a test where it is not.
func haveQPDF() bool {
	_, err := exec.LookPath("qpdf")
	return err == nil
}

// qpdfAccepts reports whether `qpdf --check` finds neither errors nor
// warnings (exit 0; 3 means it had to repair the file, 2 that it could not).
func qpdfAccepts(t testing.TB, pdf []byte) bool {
	t.Helper()
	tool, err := exec.LookPath("qpdf")
	if err != nil {
		t.Skip("qpdf not installed (make tools installs it)")
	}
	path := filepath.Join(t.TempDir(), "check.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return exec.Command(tool, "--check", path).Run() == nil
}

func testImage() image.Image { return blobtest.Image() }

func jpegOf(img image.Image) []byte { return blobtest.JPEG(img) }

func pngOf(img image.Image) []byte { return blobtest.PNG(img) }

// zipFile is the smallest ZIP archive: an end-of-central-directory record.
var zipFile = append([]byte("PK\x05\x06"), make([]byte, 18)...)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// replace replaces the first old in b with new, which must be as long, so
// that every offset in the file stays right.
func replace(t testing.TB, b []byte, old, new string) []byte {
	t.Helper()
	if len(old) != len(new) || !bytes.Contains(b, []byte(old)) {
		t.Fatalf("replace %q with %q: not found or not the same length", old, new)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// chunk writes a PNG chunk with its CRC.
func chunk(typ string, data []byte) []byte {
	b := make([]byte, 8, 12+len(data))
	b[0], b[1], b[2], b[3] = byte(len(data)>>24), byte(len(data)>>16), byte(len(data)>>8), byte(len(data))
	copy(b[4:], typ)
	b = append(b, data...)
	crc := crc32.ChecksumIEEE(b[4:])
	return append(b, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
}

func TestCheckContent(t *testing.T) {
	pdf := []byte(minimalPDF)
	issued := issuedPDF(t)
	withStream := buildPDF("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", minimalObjects...)
	xstm := xrefStreamPDF(simpleObjects...)
	updated := incremental(t, withStream, 7, map[int]string{3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R >>", 6: "(new)"})
	twice := incremental(t, updated, 8, map[int]string{7: "null"})
	xref := lastStartxref(t, pdf)

	jpg := jpegOf(testImage())
	gray := jpegOf(image.NewGray(image.Rect(0, 0, 1, 1)))
	pngRGBA := pngOf(testImage())
	paletted := image.NewPaletted(image.Rect(0, 0, 10, 3), palette.Plan9)
	pngPal := pngOf(paletted)
	pngGray16 := pngOf(image.NewGray16(image.Rect(0, 0, 5, 5)))
	iend := pngRGBA[len(pngRGBA)-12:]
	ihdr := pngRGBA[8:33]
	idat := pngRGBA[33 : len(pngRGBA)-12]
	// The IHDR of a 0×41 image, and of one with a bit depth of 3.
	zeroWide := chunk("IHDR", append([]byte{0, 0, 0, 0, 0, 0, 0, 41}, ihdr[16:21]...))
	badDepth := chunk("IHDR", append(bytes.Clone(ihdr[8:16]), 3, 2, 0, 0, 0))
	brokenCRC := bytes.Clone(pngRGBA)
	brokenCRC[45] ^= 0x01 // inside IDAT's data

	sof := bytes.Index(jpg, []byte{0xFF, 0xC0})
	jpgNoWidth := bytes.Clone(jpg)
	jpgNoWidth[sof+7], jpgNoWidth[sof+8] = 0, 0
	jpgBadLength := bytes.Clone(jpg)
	jpgBadLength[4], jpgBadLength[5] = 0xFF, 0xFF // the first segment's length runs past the file's end

	random := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(random.Uint32())
	}

	cases := []struct {
		name string
		typ  string
		data []byte
		want error // nil: accepted
	}{
		{"minimal PDF", TypePDF, pdf, nil},
		{"PDF rendered by pdfdoc", TypePDF, issued, nil},
		{"PDF with a stream whose length is an object", TypePDF, withStream, nil},
		{"PDF with a cross-reference stream", TypePDF, xstm, nil},
		{"PDF with an incremental update", TypePDF, updated, nil},
		{"PDF with two incremental updates", TypePDF, twice, nil},
		{"PDF with CR LF line ends and trailing white space", TypePDF, cat(pdf, []byte("\r\n \n")), nil},
		{"PDF 2.0", TypePDF, replace(t, pdf, "%PDF-1.4", "%PDF-2.0"), nil},

		{"only the magic bytes", TypePDF, []byte("%PDF-"), pdfBadHeader},
		{"random after %PDF-1.4", TypePDF, cat([]byte("%PDF-1.4\n"), noise), pdfNoEOF},
		{"random between %PDF-1.4 and %%EOF", TypePDF, cat([]byte("%PDF-1.4\n"), noise, []byte("\n%%EOF\n")), pdfJunk},
		{"an unknown version", TypePDF, replace(t, pdf, "%PDF-1.4", "%PDF-9.9"), pdfBadHeader},
		{"truncated", TypePDF, pdf[:len(pdf)/2], pdfNoEOF},
		{"truncated at the trailer", TypePDF, pdf[:bytes.Index(pdf, []byte("trailer"))], pdfNoEOF},
		{"no %%EOF", TypePDF, pdf[:len(pdf)-6], pdfNoEOF},
		{"no startxref", TypePDF, cat(pdf[:bytes.Index(pdf, []byte("startxref"))], []byte("%%EOF\n")), pdfNoStartxref},
		{"startxref one byte early", TypePDF, replace(t, pdf, "startxref\n186", "startxref\n185"), pdfBadStartxref},
		{"startxref one byte late", TypePDF, replace(t, pdf, "startxref\n186", "startxref\n187"), pdfBadStartxref},
		{"startxref at an object", TypePDF, replace(t, pdf, "startxref\n186", "startxref\n009"), pdfBadStartxref},
		{"startxref past the end", TypePDF, replace(t, pdf, "startxref\n186", "startxref\n999"), pdfBadStartxref},
		{"no trailer", TypePDF, replace(t, pdf, "trailer", "xxxxxxx"), pdfBadXref},
		{"no root", TypePDF, replace(t, pdf, "/Root 1 0 R", "/Raat 1 0 R"), pdfNoRoot},
		{"root not a catalog", TypePDF, replace(t, pdf, "/Root 1 0 R", "/Root 2 0 R"), pdfNoRoot},
		{"an entry off by a byte", TypePDF, replace(t, pdf, "0000000058 00000 n", "0000000059 00000 n"), pdfBadEntry},
		{"an entry at another object", TypePDF, replace(t, pdf, "0000000058 00000 n", "0000000115 00000 n"), pdfBadEntry},
		{"a malformed entry", TypePDF, replace(t, pdf, "0000000058 00000 n", "00000000x8 00000 n"), pdfBadXref},
		{"a stream longer than its data", TypePDF, replace(t, withStream, "\n37\n", "\n38\n"), pdfBadStream},
		{"an object cut short", TypePDF, replace(t, pdf, "/Count 1 >>", "/Count 1 ]]"), pdfBadObject},
		{"an update whose /Prev is wrong", TypePDF, replace(t, updated, fmt.Sprintf("/Prev %d", lastStartxref(t, withStream)), fmt.Sprintf("/Prev %d", lastStartxref(t, withStream)-1)), pdfBadXref},
		{"no pages", TypePDF, buildPDF("%PDF-1.4\n", simpleObjects[0], "<< /Type /Pages /Kids [] /Count 0 >>"), pdfNoPages},
		{"a page tree that loops", TypePDF, buildPDF("%PDF-1.4\n", simpleObjects[0], "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"), pdfBadPages},
		{"a page with kids", TypePDF, replace(t, pdf, "/Type /Pages", "/Type /Page "), pdfBadPages},
		{"page content with an unclosed string", TypePDF, buildPDF("%PDF-1.4\n", page("BT (Hello Tj ET")...), pdfBadContent},
		{"page content with a stray bracket", TypePDF, buildPDF("%PDF-1.4\n", page("BT ] ET")...), pdfBadContent},
		{"page content with an inline image", TypePDF, buildPDF("%PDF-1.4\n", page("q BI /W 2 /H 1 /CS /G /BPC 8 ID \x00\xff EI Q")...), nil},
		{"a Flate stream of random bytes", TypePDF, buildPDF("%PDF-1.4\n", append(slices.Clone(simpleObjects), stream("/Filter /FlateDecode", noise[:64]))...), pdfBadData},
		{"an unknown filter", TypePDF, buildPDF("%PDF-1.4\n", append(slices.Clone(simpleObjects), stream("/Filter /Zip", "x"))...), pdfUnsupported},
		{"a key given twice", TypePDF, replace(t, pdf, "/Count 1 >>", "/Kids [] >>"), pdfBadObject},
		{"a name with a bad escape", TypePDF, replace(t, pdf, "/Count 1", "/Co#nt 1"), pdfBadObject},
		{"/Size too large", TypePDF, replace(t, pdf, "/Size 4 ", "/Size 9 "), pdfBadXref},
		{"a JPEG appended", TypePDF, cat(pdf, jpg), pdfAfterEOF},
		{"a ZIP appended", TypePDF, cat(pdf, zipFile), pdfAfterEOF},
		{"a JPEG appended with a startxref after it", TypePDF, cat(pdf, jpg, fmt.Appendf(nil, "\nstartxref\n%d\n%%%%EOF\n", xref)), pdfJunk},
		{"a JPEG inside, offsets kept right", TypePDF, buildPDF("%PDF-1.4\n", "<< /Type /Catalog >>\n"+string(jpg)), pdfBadObject},
		{"a JPEG between objects", TypePDF, cat(pdf[:9], jpg, pdf[9:]), pdfJunk},

		{"JPEG from image/jpeg", TypeJPEG, jpg, nil},
		{"grey 1×1 JPEG", TypeJPEG, gray, nil},
		{"JPEG magic only", TypeJPEG, []byte{0xFF, 0xD8, 0xFF}, jpegBadStart},
		{"JPEG without SOS", TypeJPEG, cat(jpg[:bytes.Index(jpg, []byte{0xFF, 0xDA})], []byte{0xFF, 0xD9}), jpegNoScan},
		{"JPEG truncated", TypeJPEG, jpg[:len(jpg)/2], jpegTruncated},
		{"JPEG without EOI", TypeJPEG, jpg[:len(jpg)-2], jpegTruncated},
		{"JPEG with a ZIP appended", TypeJPEG, cat(jpg, zipFile), jpegAfterEOI},
		{"JPEG with a PDF appended", TypeJPEG, cat(jpg, pdf), jpegAfterEOI},
		{"JPEG with a second image appended", TypeJPEG, cat(jpg, gray), jpegAfterEOI},
		{"JPEG with a width of 0", TypeJPEG, jpgNoWidth, jpegBadSize},
		{"JPEG with a segment longer than the file", TypeJPEG, jpgBadLength, jpegTruncated},
		{"JPEG magic and noise", TypeJPEG, cat([]byte{0xFF, 0xD8, 0xFF, 0xE0}, noise), jpegTruncated},

		{"PNG from image/png", TypePNG, pngRGBA, nil},
		{"paletted PNG", TypePNG, pngPal, nil},
		{"16-bit grey PNG", TypePNG, pngGray16, nil},
		{"PNG with a text chunk before IEND", TypePNG, cat(pngRGBA[:len(pngRGBA)-12], chunk("tEXt", []byte("Title\x00Скан")), iend), nil},
		{"PNG signature only", TypePNG, pngSignature, pngNoIHDR},
		{"PNG with a broken CRC", TypePNG, brokenCRC, pngBadCRC},
		{"PNG truncated", TypePNG, pngRGBA[:len(pngRGBA)/2], pngTruncated},
		{"PNG without IEND", TypePNG, pngRGBA[:len(pngRGBA)-12], pngTruncated},
		{"PNG with a ZIP appended", TypePNG, cat(pngRGBA, zipFile), pngAfterIEND},
		{"PNG with a PDF appended", TypePNG, cat(pngRGBA, pdf), pngAfterIEND},
		{"PNG whose first chunk is not IHDR", TypePNG, cat(pngSignature, chunk("tEXt", []byte("a\x00b")), ihdr, idat, iend), pngNoIHDR},
		{"PNG with a width of 0", TypePNG, cat(pngSignature, zeroWide, idat, iend), pngBadHeader},
		{"PNG with a bit depth of 3", TypePNG, cat(pngSignature, badDepth, idat, iend), pngBadHeader},
		{"PNG without IDAT", TypePNG, cat(pngSignature, ihdr, iend), pngNoData},
		{"PNG with IDAT split by another chunk", TypePNG, cat(pngSignature, ihdr, idat, chunk("tEXt", []byte("a\x00b")), idat, iend), pngBadChunk},
		{"PNG with an unknown critical chunk", TypePNG, cat(pngSignature, ihdr, chunk("ZZZZ", nil), idat, iend), pngUnsupported},
		{"paletted PNG without its palette", TypePNG, cat(pngPal[:33], pngPal[bytes.Index(pngPal, []byte("IDAT"))-4:]), pngBadChunk},
		{"PNG signature and noise", TypePNG, cat(pngSignature, noise), pngBadChunk},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Sniff(c.data); got != c.typ {
				t.Fatalf("Sniff = %q, want %q: the case does not test what it says", got, c.typ)
			}
			err := CheckContent(c.typ, c.data)
			if !errors.Is(err, c.want) {
				t.Errorf("checkContent = %v, want %v", err, c.want)
			}
			if c.want == nil && c.typ == TypePDF && haveQPDF() && !qpdfAccepts(t, c.data) {
				t.Errorf("accepted, but qpdf --check does not accept it")
			}
		})
	}
}

// TestRealPDFs: what a person is likely to upload, as qpdf writes it in
// each of its layouts, is accepted; qpdf's own check agrees.
func TestRealPDFs(t *testing.T) {
	base := issuedPDF(t)
	cases := []struct {
		name string
		args []string
	}{
		{"rewritten", nil},
		{"object and cross-reference streams", []string{"--object-streams=generate"}},
		{"linearized", []string{"--linearize"}},
		{"linearized with object streams", []string{"--linearize", "--object-streams=generate"}},
		{"QDF", []string{"--qdf"}},
		{"encrypted, opened without a password", []string{"--encrypt", "", "owner-secret", "256", "--"}},
		{"encrypted with RC4, object streams", []string{"--object-streams=generate", "--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"}},
		{"uncompressed streams", []string{"--stream-data=uncompress"}},
		{"PDF 1.7 with a minimal header", []string{"--force-version=1.7"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pdf := qpdf(t, base, c.args...)
			if err := checkPDF(pdf); err != nil {
				t.Errorf("checkPDF = %v, want nil", err)
			}
			if !qpdfAccepts(t, pdf) {
				t.Errorf("qpdf --check refuses the file it wrote")
			}
		})
	}
}

// mutate returns a copy of b changed in one of the ways files get broken:
// cut short, a byte changed, bytes removed, inserted or repeated.
func mutate(r *rand.Rand, b []byte) []byte {
	b = bytes.Clone(b)
	i := r.IntN(len(b))
	n := 1 + r.IntN(16)
	switch r.IntN(5) {
	case 0:
		return b[:i]
	case 1:
		b[i] ^= byte(1 + r.IntN(255))
		return b
	case 2:
		return append(b[:i], b[min(len(b), i+n):]...)
	case 3:
		junk := make([]byte, n)
		for k := range junk {
			junk[k] = byte(r.Uint32())
		}
		return cat(b[:i], junk, b[i:])
	}
	return cat(b[:i], b[i:min(len(b), i+n)], b[i:])
}

// TestPDFAgreesWithQPDF checks a sample of broken files against qpdf: a
// file this check accepts, qpdf must accept without repairing anything.
// The converse does not hold by design: qpdf reads past trailing data and
// ignores bytes nothing refers to, which is where polyglots hide.
var sampleSize = 200

func TestPDFAgreesWithQPDF(t *testing.T) {
	if testing.Short() {
		t.Skip("runs qpdf a few hundred times")
	}
	bases := []struct {
		name string
		pdf  []byte
	}{
		{"minimal", []byte(minimalPDF)},
		{"with streams", buildPDF("%PDF-1.7\n", minimalObjects...)},
		{"cross-reference stream", xrefStreamPDF(simpleObjects...)},
		{"incremental update", incremental(t, []byte(minimalPDF), 5, map[int]string{4: "(added)"})},
		{"rendered by pdfdoc", issuedPDF(t)},
	}
	seed := uint64(7)
	if s, err := strconv.ParseUint(os.Getenv("KABINET_QPDF_SEED"), 10, 64); err == nil {
		seed = s
	}
	r := rand.New(rand.NewPCG(seed, 11))
	accepted, refused := 0, 0
	for _, b := range bases {
		name, base := b.name, b.pdf
		if !qpdfAccepts(t, base) {
			t.Fatalf("qpdf refuses the %s base file", name)
		}
		for range sampleSize {
			m := mutate(r, base)
			if Sniff(m) != TypePDF {
				continue
			}
			ours := checkPDF(m) == nil
			if ours && !qpdfAccepts(t, m) {
				d := 0
				for d < min(len(m), len(base)) && m[d] == base[d] {
					d++
				}
				t.Errorf("%s: accepted a file qpdf refuses, changed at %d: %q", name, d, m[max(0, d-40):min(len(m), d+40)])
			}
			if ours {
				accepted++
			} else {
				refused++
			}
		}
	}
	t.Logf("sample: %d accepted (qpdf agrees), %d refused", accepted, refused)
}

// FuzzCheckContent: no input makes the check panic, and a PDF it accepts
// is accepted by qpdf too, where qpdf is installed.
func FuzzCheckContent(f *testing.F) {
	for _, seed := range [][]byte{[]byte(minimalPDF), issuedPDF(f), buildPDF("%PDF-1.7\n", minimalObjects...),
		xrefStreamPDF(simpleObjects...), jpegOf(testImage()), pngOf(testImage()),
		[]byte("%PDF-1.4\n%%EOF"), {0xFF, 0xD8, 0xFF, 0xD9}, pngSignature} {
		f.Add(seed)
	}
	withQPDF := haveQPDF()
	f.Fuzz(func(t *testing.T, data []byte) {
		typ := Sniff(data)
		if typ == "" {
			return
		}
		err := CheckContent(typ, data)
		var m malformed
		if err != nil && !errors.As(err, &m) {
			t.Fatalf("checkContent = %T %v, want a malformed reason", err, err)
		}
		if err == nil && typ == TypePDF && withQPDF && !qpdfAccepts(t, data) {
			t.Errorf("accepted a PDF that qpdf refuses: %q", data)
		}
	})
}
