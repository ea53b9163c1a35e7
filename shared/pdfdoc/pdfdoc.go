// Package pdfdoc writes the PDFs a citizen or an officer reads: issued
// results and application journals. Text is Russian, so the Go fonts (which
// cover Cyrillic) are embedded as subsets with a ToUnicode map, which keeps
// the text searchable and extractable (pdftotext reads it back). Nothing is
// read from the file system, so the same binary renders on Lambda and on a
// laptop.
package pdfdoc

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"rsc.io/qr"
)

const (
	family = "go"
	margin = 18.0 // mm
	width  = 210.0 - 2*margin
)

// clean makes text safe to write: valid UTF-8, no control characters but
// line breaks (a tab is a space), no bidi overrides that would reorder what
// the reader sees, and nothing beyond the Basic Multilingual Plane (fpdf's
// text measuring indexes a 64K table; emoji become U+FFFD).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return -1
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return -1
		case r > 0xffff:
			return '\uFFFD'
		}
		return r
	}, s)
}

// MaxCell is the most characters a table cell shows: in a column a third of
// the text width wide (the journal's comments) that is about 30 lines,
// well under a page. Narrower columns must hold short values.
const MaxCell = 1000

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Doc is one A4 document being written. It is not safe for concurrent use.
type Doc struct {
	f *fpdf.Fpdf
}

// New starts a document with its title and author in the metadata, a page
// number in the footer and at as its creation date (so a document rendered
// twice from the same data is the same file).
func New(title, author, footer string, at time.Time) *Doc {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(family, "", goregular.TTF)
	f.AddUTF8FontFromBytes(family, "B", gobold.TTF)
	title, author, footer = clean(title), clean(author), clean(footer)
	f.SetTitle(title, true)
	f.SetAuthor(author, true)
	f.SetCreator("Kabinet", true)
	f.SetCreationDate(at)
	f.SetModificationDate(at)
	f.SetCatalogSort(true)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(true, margin)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont(family, "", 8)
		f.SetTextColor(110, 110, 110)
		f.CellFormat(width*0.8, 5, footer, "", 0, "L", false, 0, "")
		f.CellFormat(width*0.2, 5, fmt.Sprintf("стр. %d из {nb}", f.PageNo()), "", 0, "R", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	return &Doc{f: f}
}

// Heading writes a bold line.
func (d *Doc) Heading(s string, size float64) {
	s = clean(s)
	d.f.SetFont(family, "B", size)
	d.f.MultiCell(width, size*0.5, s, "", "L", false)
	d.f.Ln(2)
}

// Text writes a paragraph.
func (d *Doc) Text(s string) {
	s = clean(s)
	d.f.SetFont(family, "", 10.5)
	d.f.MultiCell(width, 5.5, s, "", "L", false)
	d.f.Ln(1)
}

// Gap leaves vertical space, in millimetres.
func (d *Doc) Gap(mm float64) { d.f.Ln(mm) }

// Field writes "label: value" as two columns; a long value wraps.
func (d *Doc) Field(label, value string) {
	const labelWidth = 58.0
	label, value = clean(label), clean(value)
	d.f.SetFont(family, "", 10.5)
	d.f.SetTextColor(90, 90, 90)
	x, y := d.f.GetXY()
	d.f.MultiCell(labelWidth, 5.5, label, "", "L", false)
	after := d.f.GetY()
	d.f.SetTextColor(0, 0, 0)
	d.f.SetXY(x+labelWidth, y)
	d.f.SetFont(family, "B", 10.5)
	d.f.MultiCell(width-labelWidth, 5.5, value, "", "L", false)
	if after > d.f.GetY() {
		d.f.SetY(after)
	}
	d.f.Ln(1)
}

// Table writes rows under a bold header; widths are fractions of the text
// width and must match the columns. A row that does not fit the rest of a
// page starts the next one; a cell is cut at MaxCell characters (with "…")
// so that every row fits a page.
func (d *Doc) Table(header []string, widths []float64, rows [][]string) {
	const line = 5.0
	cols := make([]float64, len(widths))
	for i, w := range widths {
		cols[i] = w * width
	}
	row := func(cells []string, style string) {
		d.f.SetFont(family, style, 9)
		for i := range cells {
			cells[i] = cut(clean(cells[i]), MaxCell)
		}
		height := 0.0
		for i, c := range cells {
			if h := float64(len(d.f.SplitText(c, cols[i]-2))) * line; h > height {
				height = h
			}
		}
		if height == 0 {
			height = line
		}
		_, pageHeight := d.f.GetPageSize()
		if d.f.GetY()+height > pageHeight-margin {
			d.f.AddPage()
		}
		x, y := d.f.GetXY()
		for i, c := range cells {
			d.f.Rect(x, y, cols[i], height, "D")
			d.f.SetXY(x+1, y)
			d.f.MultiCell(cols[i]-2, line, c, "", "L", false)
			x += cols[i]
			d.f.SetXY(x, y)
		}
		d.f.SetXY(margin, y+height)
	}
	d.f.SetDrawColor(160, 160, 160)
	row(header, "B")
	for _, r := range rows {
		row(r, "")
	}
	d.f.Ln(2)
}

// QR draws content as a QR code (error correction M) of the given side in
// millimetres at the left margin, with caption lines to its right.
func (d *Doc) QR(content string, side float64, caption ...string) error {
	code, err := qr.Encode(content, qr.M)
	if err != nil {
		return fmt.Errorf("pdfdoc: qr: %w", err)
	}
	_, pageHeight := d.f.GetPageSize()
	if d.f.GetY()+side > pageHeight-margin {
		d.f.AddPage()
	}
	x, y := d.f.GetXY()
	module := side / float64(code.Size)
	d.f.SetFillColor(0, 0, 0)
	for row := 0; row < code.Size; row++ {
		for col := 0; col < code.Size; col++ {
			if code.Black(col, row) {
				d.f.Rect(x+float64(col)*module, y+float64(row)*module, module, module, "F")
			}
		}
	}
	d.f.SetXY(x+side+5, y+2)
	d.f.SetFont(family, "", 9.5)
	d.f.MultiCell(width-side-5, 5, clean(strings.Join(caption, "\n")), "", "L", false)
	d.f.SetXY(x, y+side+3)
	return nil
}

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.f.Output(&b); err != nil {
		return nil, fmt.Errorf("pdfdoc: %w", err)
	}
	return b.Bytes(), nil
}
