package blob

import (
	"bytes"
	"compress/zlib"
	"io"
	"strconv"
)

// The PDF check reads the file front to back as a sequence of top-level
// items — indirect objects (with their streams), cross-reference tables with
// their trailers, startxref — and refuses anything else between them, so
// junk or another format cannot hide inside the file, nor after its last
// %%EOF. Then it follows the cross-reference chain from the last startxref
// (through /Prev and /XRefStm, for incremental updates and hybrid files),
// checks that every entry in use points at the object it names and that
// /Size fits, that the trailer's /Root is a catalog whose page tree has at
// least one page, that every Flate stream inflates and that the pages'
// content streams are well-formed. Objects inside object streams are taken
// as they are (the stream's compression is checked, its objects are not
// parsed). In an encrypted file (a trailer with /Encrypt) streams are
// ciphertext: only their filters are checked, not what they hold.
//
// A reader such as qpdf repairs a damaged file by rebuilding its table;
// this check does not: a file that needs repair is refused, and its owner
// asked to save it again. The tests check it against qpdf --check on a
// sample of broken files: whatever this check accepts, qpdf accepts
// without a warning. The converse is not the aim: qpdf ignores trailing
// data and bytes nothing refers to, which is where polyglots hide.

// Reasons a PDF is refused, for the person who uploaded it.
const (
	pdfBadHeader    = malformed("Файл не является документом PDF: в начале нет заголовка с версией формата (%PDF-1.x или %PDF-2.0)")
	pdfNoEOF        = malformed("Файл PDF не завершён: в конце нет отметки %%EOF — возможно, он загружен не полностью")
	pdfAfterEOF     = malformed("После конца документа PDF (%%EOF) есть посторонние данные")
	pdfJunk         = malformed("Внутри файла PDF есть посторонние данные, не относящиеся к документу")
	pdfBadObject    = malformed("Файл PDF повреждён: один из объектов документа записан с ошибкой или обрезан")
	pdfBadStream    = malformed("Файл PDF повреждён: длина потока данных не совпадает с указанной в документе")
	pdfNoStartxref  = malformed("Файл PDF повреждён: в конце нет ссылки на таблицу объектов (startxref)")
	pdfBadStartxref = malformed("Файл PDF повреждён: ссылка startxref указывает не на таблицу объектов")
	pdfBadXref      = malformed("Файл PDF повреждён: таблица объектов (xref) записана с ошибкой")
	pdfBadEntry     = malformed("Файл PDF повреждён: таблица объектов указывает на место, где нужного объекта нет")
	pdfNoRoot       = malformed("Файл PDF повреждён: не найден корневой объект документа (каталог)")
	pdfNoPages      = malformed("Файл PDF повреждён: в документе не найдено ни одной страницы")
	pdfBadPages     = malformed("Файл PDF повреждён: список страниц документа записан с ошибкой")
	pdfBadContent   = malformed("Файл PDF повреждён: содержимое страницы записано с ошибкой")
	pdfBadData      = malformed("Файл PDF повреждён: сжатые данные внутри документа испорчены")
	pdfUnsupported  = malformed("Файл PDF записан в неподдерживаемом виде: сохраните его заново, например через «Печать в PDF»")
)

// pdfMaxDepth bounds the nesting of arrays and dictionaries.
const pdfMaxDepth = 64

// pdfMaxKept bounds the values the check keeps of one object, so that
// the memory it takes stays near the size of the file whatever the file
// holds. Only the entries below are kept; everything else is parsed and
// dropped.
const pdfMaxKept = 1 << 16

var pdfKept = map[string]bool{"Type": true, "Length": true, "Size": true, "W": true, "Index": true, "Filter": true,
	"DecodeParms": true, "Predictor": true, "Columns": true, "Prev": true, "Root": true, "XRefStm": true,
	"Pages": true, "Kids": true, "Contents": true, "Encrypt": true}

// pdfFilters are the standard stream filters (and their abbreviations).
var pdfFilters = map[string]bool{"ASCIIHexDecode": true, "ASCII85Decode": true, "LZWDecode": true, "FlateDecode": true,
	"RunLengthDecode": true, "CCITTFaxDecode": true, "JBIG2Decode": true, "DCTDecode": true, "JPXDecode": true,
	"Crypt": true, "AHx": true, "A85": true, "LZW": true, "Fl": true, "RL": true, "CCF": true, "DCT": true}

// pdfMaxContent bounds a page's content stream read into memory to check
// its syntax; a larger one (which a scan never has) is only inflated.
const pdfMaxContent = 8 << 20

// pdfMaxInflate bounds the bytes that all of a file's compressed streams
// may inflate to while their compression is checked (a 5 MB file of
// scanned pages inflates to a few tens of megabytes; a "zip bomb" to
// gigabytes).
const pdfMaxInflate = 256 << 20

// pdfMaxXrefData bounds a decoded cross-reference stream (16 MB holds a
// million entries, far more than a 5 MB file has objects).
const pdfMaxXrefData = 16 << 20

type pdfKind uint8

const (
	pdfNull pdfKind = iota
	pdfBool
	pdfInt
	pdfReal
	pdfName
	pdfString
	pdfArray
	pdfDict
	pdfRef
)

// pdfValue is a parsed PDF object; only what the check needs is kept.
type pdfValue struct {
	kind  pdfKind
	n     int64 // an integer; a reference's object number
	gen   int64 // a reference's generation
	name  string
	items []pdfValue
	dict  map[string]pdfValue
}

func (v pdfValue) get(key string) (pdfValue, bool) {
	if v.kind != pdfDict {
		return pdfValue{}, false
	}
	x, ok := v.dict[key]
	return x, ok
}

func (v pdfValue) intOf(key string) (int64, bool) {
	x, ok := v.get(key)
	return x.n, ok && x.kind == pdfInt
}

func (v pdfValue) nameOf(key string) string {
	if x, ok := v.get(key); ok && x.kind == pdfName {
		return x.name
	}
	return ""
}

func pdfWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func pdfDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

type pdfScanner struct {
	b    []byte
	pos  int
	kept int // values kept of the current object
}

// skip passes white space and comments.
func (s *pdfScanner) skip() {
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		switch {
		case pdfWhite(c):
			s.pos++
		case c == '%':
			for s.pos < len(s.b) && s.b[s.pos] != '\n' && s.b[s.pos] != '\r' {
				s.pos++
			}
		default:
			return
		}
	}
}

// token reads a run of regular characters: a number or a keyword.
func (s *pdfScanner) token() string {
	start := s.pos
	for s.pos < len(s.b) && !pdfWhite(s.b[s.pos]) && !pdfDelim(s.b[s.pos]) {
		s.pos++
	}
	return string(s.b[start:s.pos])
}

// peek reads the next token without consuming it or the space before it.
func (s *pdfScanner) peek() string {
	save := s.pos
	s.skip()
	t := s.token()
	s.pos = save
	return t
}

// uint parses a non-negative integer of at most 10 digits.
func pdfUint(t string) (int64, bool) {
	if t == "" || len(t) > 10 {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	return n, err == nil
}

func pdfNumber(t string) (kind pdfKind, n int64, ok bool) {
	if t == "" {
		return 0, 0, false
	}
	digits, dots := 0, 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && i == 0:
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || dots > 1 {
		return 0, 0, false
	}
	if dots == 1 {
		return pdfReal, 0, true
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return pdfReal, 0, true // too large for an integer: a number all the same
	}
	return pdfInt, n, true
}

// value parses one object at the current position. When keep is set it
// keeps the object's items: an array's (below the top level) and a
// dictionary's entries named in pdfKept.
func (s *pdfScanner) value(depth int, keep bool) (pdfValue, error) {
	if depth > pdfMaxDepth {
		return pdfValue{}, pdfBadObject
	}
	if keep {
		if s.kept++; s.kept > pdfMaxKept {
			return pdfValue{}, pdfUnsupported
		}
	}
	s.skip()
	if s.pos >= len(s.b) {
		return pdfValue{}, pdfBadObject
	}
	switch c := s.b[s.pos]; c {
	case '/':
		s.pos++
		name := s.token()
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c < 0x21 || c > 0x7E {
				return pdfValue{}, pdfBadObject // such bytes are written #xx
			}
			if c == '#' {
				if i+2 >= len(name) || !isHex(name[i+1]) || !isHex(name[i+2]) || name[i+1:i+3] == "00" {
					return pdfValue{}, pdfBadObject
				}
				i += 2
			}
		}
		return pdfValue{kind: pdfName, name: name}, nil
	case '(':
		return pdfValue{kind: pdfString}, s.literal()
	case '<':
		if s.pos+1 < len(s.b) && s.b[s.pos+1] == '<' {
			return s.dictionary(depth, keep)
		}
		return pdfValue{kind: pdfString}, s.hex()
	case '[':
		s.pos++
		v := pdfValue{kind: pdfArray}
		for {
			s.skip()
			if s.pos >= len(s.b) {
				return pdfValue{}, pdfBadObject
			}
			if s.b[s.pos] == ']' {
				s.pos++
				return v, nil
			}
			item, err := s.value(depth+1, keep && depth > 0)
			if err != nil {
				return pdfValue{}, err
			}
			if keep && depth > 0 {
				v.items = append(v.items, item)
			}
		}
	}
	t := s.token()
	switch t {
	case "true", "false":
		return pdfValue{kind: pdfBool}, nil
	case "null":
		return pdfValue{kind: pdfNull}, nil
	}
	kind, n, ok := pdfNumber(t)
	if !ok {
		return pdfValue{}, pdfBadObject
	}
	if kind == pdfInt && n >= 0 {
		// "N G R" is a reference; otherwise N is a plain integer.
		save := s.pos
		s.skip()
		if g, ok := pdfUint(s.token()); ok {
			s.skip()
			if s.token() == "R" {
				return pdfValue{kind: pdfRef, n: n, gen: g}, nil
			}
		}
		s.pos = save
	}
	return pdfValue{kind: kind, n: n}, nil
}

func (s *pdfScanner) dictionary(depth int, keep bool) (pdfValue, error) {
	s.pos += 2
	v := pdfValue{kind: pdfDict}
	if keep {
		v.dict = map[string]pdfValue{}
	}
	keys := map[string]bool{}
	for {
		s.skip()
		if s.pos+1 < len(s.b) && s.b[s.pos] == '>' && s.b[s.pos+1] == '>' {
			s.pos += 2
			return v, nil
		}
		key, err := s.value(depth+1, false)
		if err != nil || key.kind != pdfName || keys[key.name] {
			return pdfValue{}, pdfBadObject
		}
		keys[key.name] = true
		kept := keep && pdfKept[key.name]
		val, err := s.value(depth+1, kept)
		if err != nil {
			return pdfValue{}, err
		}
		if kept {
			v.dict[key.name] = val
		}
	}
}

// literal passes a (string) with balanced parentheses and escapes.
func (s *pdfScanner) literal() error {
	open := 0
	for ; s.pos < len(s.b); s.pos++ {
		switch s.b[s.pos] {
		case '\\':
			s.pos++
		case '(':
			open++
		case ')':
			open--
			if open == 0 {
				s.pos++
				return nil
			}
		}
	}
	return pdfBadObject
}

// hex passes a <hexadecimal string>.
func (s *pdfScanner) hex() error {
	for s.pos++; s.pos < len(s.b); s.pos++ {
		c := s.b[s.pos]
		switch {
		case c == '>':
			s.pos++
			return nil
		case pdfWhite(c), isHex(c):
		default:
			return pdfBadObject
		}
	}
	return pdfBadObject
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// pdfObject is what the check keeps of an indirect object.
type pdfObject struct {
	num, gen int64
	typ      string // a dictionary's /Type
	isInt    bool   // the object is an integer (a stream's length), n
	n        int64
	pages    pdfValue   // a catalog's /Pages
	kids     []pdfValue // a page tree node's /Kids
	contents pdfValue   // a page's /Contents
	stream   pdfValue   // a stream's dictionary
	data     []byte     // a stream's data, still encoded
}

// pdfEntry is one cross-reference entry: type 0 (free), 1 (at an offset)
// or 2 (inside an object stream).
type pdfEntry struct {
	num, gen int64
	kind     int64
	field    int64 // type 1: offset; type 2: the object stream's number
}

// pdfSection is a cross-reference section: a table with its trailer, or
// a cross-reference stream (whose dictionary is the trailer).
type pdfSection struct {
	trailer pdfValue
	entries []pdfEntry
}

type pdfDoc struct {
	s        pdfScanner
	objects  map[int64]*pdfObject  // by offset
	sections map[int64]*pdfSection // by offset
	// lengths are streams whose /Length is a reference, checked once every
	// object is known: the reference, where the data starts and where
	// "endstream" was found.
	lengths   []pdfLength
	startxref int64
	inflated  int64 // bytes inflated so far, up to pdfMaxInflate
	streams   []*pdfObject
	// encrypted: the trailer names an /Encrypt dictionary, so streams hold
	// ciphertext and only their filters are checked.
	encrypted bool
}

// checkStreams checks every stream's filters and, unless the file is
// encrypted, that its Flate compression inflates.
func (f *pdfDoc) checkStreams() error {
	for _, o := range f.streams {
		if _, err := pdfFlate(o.stream); err != nil {
			return err
		}
		if f.encrypted {
			continue
		}
		if err := f.inflate(o.stream, o.data); err != nil {
			return err
		}
	}
	return nil
}

// inflate checks that a stream compressed with Flate (its first filter)
// decompresses without error, reading up to what is left of the budget.
// An unknown filter is refused: no reader could decode the stream.
func (f *pdfDoc) inflate(d pdfValue, data []byte) error {
	flate, err := pdfFlate(d)
	if err != nil || !flate {
		return err
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return pdfBadData
	}
	n, err := io.Copy(io.Discard, io.LimitReader(zr, pdfMaxInflate-f.inflated+1))
	f.inflated += n
	switch {
	case err != nil:
		return pdfBadData
	case f.inflated > pdfMaxInflate:
		return pdfUnsupported
	}
	return nil
}

// pdfFlate checks a stream's filters and reports whether Flate is the only
// one (the data this check can decode).
func pdfFlate(d pdfValue) (bool, error) {
	filter, ok := d.get("Filter")
	if !ok {
		return false, nil
	}
	names := []pdfValue{filter}
	if filter.kind == pdfArray {
		names = filter.items
	}
	for _, n := range names {
		if n.kind != pdfName || !pdfFilters[n.name] {
			return false, pdfUnsupported
		}
	}
	return len(names) == 1 && (names[0].name == "FlateDecode" || names[0].name == "Fl"), nil
}

// checkPageContent checks the syntax of a page's content stream (uncompressed
// or compressed with Flate): operands and operators, strings closed,
// nothing out of place.
func checkPageContent(o *pdfObject) error {
	if o == nil || o.data == nil {
		return pdfBadContent
	}
	data := o.data
	flate, err := pdfFlate(o.stream)
	if err != nil {
		return err
	}
	if _, ok := o.stream.get("Filter"); ok {
		if !flate {
			return nil
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return pdfBadData
		}
		if data, err = io.ReadAll(io.LimitReader(zr, pdfMaxContent+1)); err != nil {
			return pdfBadData
		}
		if len(data) > pdfMaxContent {
			return nil
		}
	}
	s := pdfScanner{b: data}
	for {
		s.skip()
		if s.pos >= len(data) {
			return nil
		}
		switch data[s.pos] {
		case ')', '>', ']', '{', '}':
			return pdfBadContent
		case '/', '(', '<', '[':
			s.kept = 0
			if _, err := s.value(0, false); err != nil {
				return pdfBadContent
			}
			continue
		}
		if t := s.token(); t == "BI" && !s.inlineImage() {
			return pdfBadContent
		}
	}
}

// inlineImage passes an inline image after BI: its parameters, ID, the
// data and EI.
func (s *pdfScanner) inlineImage() bool {
	for {
		s.skip()
		if s.peek() == "ID" {
			break
		}
		if _, err := s.value(0, false); err != nil {
			return false
		}
	}
	s.skip()
	s.pos += len("ID") + 1
	for s.pos < len(s.b) {
		i := bytes.Index(s.b[s.pos:], []byte("EI"))
		if i < 0 {
			return false
		}
		at := s.pos + i
		s.pos = at + 2
		if at > 0 && pdfWhite(s.b[at-1]) && (s.pos == len(s.b) || pdfWhite(s.b[s.pos]) || pdfDelim(s.b[s.pos])) {
			return true
		}
	}
	return false
}

type pdfLength struct {
	obj        *pdfObject
	ref        pdfValue
	start, end int
}

// pdfVersion reports whether b starts with a header of a known version.
func pdfVersion(b []byte) bool {
	for _, v := range []string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.0"} {
		h := "%PDF-" + v
		if bytes.HasPrefix(b, []byte(h)) && len(b) > len(h) && pdfWhite(b[len(h)]) {
			return true
		}
	}
	return false
}

func checkPDF(b []byte) error {
	if !pdfVersion(b) {
		return pdfBadHeader
	}
	end := len(b)
	for end > 0 && pdfWhite(b[end-1]) {
		end--
	}
	if !bytes.HasSuffix(b[:end], []byte("%%EOF")) {
		if bytes.Contains(b, []byte("%%EOF")) {
			return pdfAfterEOF
		}
		return pdfNoEOF
	}
	f := &pdfDoc{s: pdfScanner{b: b}, objects: map[int64]*pdfObject{}, sections: map[int64]*pdfSection{}}
	if err := f.walk(); err != nil {
		return err
	}
	if err := f.checkLengths(); err != nil {
		return err
	}
	return f.checkXref()
}

// walk reads every top-level item; the last must be startxref.
func (f *pdfDoc) walk() error {
	s := &f.s
	last := ""
	for {
		s.skip()
		if s.pos >= len(s.b) {
			break
		}
		at := int64(s.pos)
		t := s.token()
		switch {
		case t == "xref":
			if err := f.table(at); err != nil {
				return err
			}
		case t == "startxref":
			s.skip()
			n, ok := pdfUint(s.token())
			if !ok {
				return pdfNoStartxref
			}
			f.startxref = n
		default:
			num, ok := pdfUint(t)
			if !ok {
				return pdfJunk
			}
			if err := f.object(at, num); err != nil {
				return err
			}
		}
		last = t
	}
	if last != "startxref" {
		return pdfNoStartxref
	}
	return nil
}

// object reads "num gen obj ... endobj" whose number has been read.
func (f *pdfDoc) object(at, num int64) error {
	s := &f.s
	s.skip()
	gen, ok := pdfUint(s.token())
	if !ok {
		return pdfJunk
	}
	s.skip()
	if s.token() != "obj" {
		return pdfJunk
	}
	s.kept = 0
	val, err := s.value(0, true)
	if err != nil {
		return err
	}
	obj := &pdfObject{num: num, gen: gen, typ: val.nameOf("Type"), isInt: val.kind == pdfInt, n: val.n}
	switch obj.typ {
	case "Catalog":
		obj.pages, _ = val.get("Pages")
	case "Page":
		if _, ok := val.get("Kids"); ok {
			return pdfBadPages
		}
		obj.contents, _ = val.get("Contents")
	case "Pages":
		kids, ok := val.get("Kids")
		if !ok || kids.kind != pdfArray {
			return pdfBadPages
		}
		obj.kids = kids.items
	}
	if s.peek() == "stream" {
		if val.kind != pdfDict {
			return pdfBadObject
		}
		obj.isInt = false
		data, err := f.stream(obj, val)
		if err != nil {
			return err
		}
		obj.stream, obj.data = val, data
		switch {
		case obj.typ == "XRef":
			sec, err := xrefStream(val, data)
			if err != nil {
				return err
			}
			f.sections[at] = sec
		default:
			f.streams = append(f.streams, obj)
		}
	}
	s.skip()
	if s.token() != "endobj" {
		return pdfBadObject
	}
	f.objects[at] = obj
	return nil
}

// stream reads "stream EOL data EOL endstream" after the dictionary d
// and returns the data; nil when its length is a reference (checked later).
func (f *pdfDoc) stream(obj *pdfObject, d pdfValue) ([]byte, error) {
	s := &f.s
	s.skip()
	s.token() // "stream"
	switch {
	case bytes.HasPrefix(s.b[s.pos:], []byte("\r\n")):
		s.pos += 2
	case bytes.HasPrefix(s.b[s.pos:], []byte("\n")):
		s.pos++
	default:
		return nil, pdfBadObject
	}
	start := s.pos
	length, ok := d.get("Length")
	switch {
	case ok && length.kind == pdfInt:
		if length.n < 0 || length.n > int64(len(s.b)-start) {
			return nil, pdfBadStream
		}
		s.pos = start + int(length.n)
		data := s.b[start:s.pos]
		for s.pos < len(s.b) && pdfWhite(s.b[s.pos]) {
			s.pos++
		}
		if s.token() != "endstream" {
			return nil, pdfBadStream
		}
		return data, nil
	case ok && length.kind == pdfRef:
		// The length is written later in the file; find the end now and
		// check the length once every object is known.
		i := bytes.Index(s.b[start:], []byte("endstream"))
		if i < 0 {
			return nil, pdfBadStream
		}
		f.lengths = append(f.lengths, pdfLength{obj: obj, ref: length, start: start, end: start + i})
		s.pos = start + i + len("endstream")
		return nil, nil
	}
	return nil, pdfBadStream
}

// table reads "xref" subsections and the trailer after them.
func (f *pdfDoc) table(at int64) error {
	s := &f.s
	sec := &pdfSection{}
	if !s.eol() {
		return pdfBadXref
	}
	// Subsections: a line "first count", then count entries of exactly
	// 20 bytes each.
	for {
		s.skip()
		t := s.token()
		if t == "trailer" {
			break
		}
		first, ok1 := pdfUint(t)
		for s.pos < len(s.b) && s.b[s.pos] == ' ' {
			s.pos++
		}
		count, ok2 := pdfUint(s.token())
		if !ok1 || !ok2 || !s.eol() {
			return pdfBadXref
		}
		for i := int64(0); i < count; i++ {
			e, ok := xrefLine(s.b[s.pos:])
			if !ok {
				return pdfBadXref
			}
			s.pos += 20
			e.num = first + i
			sec.entries = append(sec.entries, e)
		}
	}
	s.kept = 0
	trailer, err := s.value(0, true)
	if err != nil || trailer.kind != pdfDict {
		return pdfBadXref
	}
	sec.trailer = trailer
	f.sections[at] = sec
	return nil
}

// eol passes spaces and one end of line.
func (s *pdfScanner) eol() bool {
	for s.pos < len(s.b) && s.b[s.pos] == ' ' {
		s.pos++
	}
	switch {
	case bytes.HasPrefix(s.b[s.pos:], []byte("\r\n")):
		s.pos += 2
	case s.pos < len(s.b) && (s.b[s.pos] == '\n' || s.b[s.pos] == '\r'):
		s.pos++
	default:
		return false
	}
	return true
}

// xrefLine parses "oooooooooo ggggg n" (or f) and its two-byte end of
// line: " \n", " \r" or "\r\n".
func xrefLine(b []byte) (pdfEntry, bool) {
	if len(b) < 20 || b[10] != ' ' || b[16] != ' ' || (b[17] != 'n' && b[17] != 'f') {
		return pdfEntry{}, false
	}
	if eol := string(b[18:20]); eol != " \n" && eol != " \r" && eol != "\r\n" {
		return pdfEntry{}, false
	}
	off, ok1 := pdfUint(string(b[:10]))
	gen, ok2 := pdfUint(string(b[11:16]))
	if !ok1 || !ok2 {
		return pdfEntry{}, false
	}
	if b[17] == 'f' {
		return pdfEntry{kind: 0}, true
	}
	return pdfEntry{gen: gen, kind: 1, field: off}, true
}

// xrefStream decodes the entries of a cross-reference stream with the
// dictionary d and the (still encoded) data raw.
func xrefStream(d pdfValue, raw []byte) (*pdfSection, error) {
	if raw == nil {
		return nil, pdfBadXref // its length must be direct
	}
	size, ok := d.intOf("Size")
	w, okW := d.get("W")
	if !ok || size < 0 || !okW || w.kind != pdfArray || len(w.items) != 3 {
		return nil, pdfBadXref
	}
	var widths [3]int
	row := 0
	for i, x := range w.items {
		if x.kind != pdfInt || x.n < 0 || x.n > 8 {
			return nil, pdfBadXref
		}
		widths[i] = int(x.n)
		row += int(x.n)
	}
	if row == 0 {
		return nil, pdfBadXref
	}
	index := []int64{0, size}
	if ix, ok := d.get("Index"); ok {
		if ix.kind != pdfArray || len(ix.items)%2 != 0 {
			return nil, pdfBadXref
		}
		index = index[:0]
		for _, x := range ix.items {
			if x.kind != pdfInt || x.n < 0 {
				return nil, pdfBadXref
			}
			index = append(index, x.n)
		}
	}
	rows := int64(0)
	for i := 1; i < len(index); i += 2 {
		rows += index[i]
		if rows > pdfMaxXrefData {
			return nil, pdfBadXref
		}
	}
	data, err := xrefData(d, raw, rows, row)
	if err != nil {
		return nil, err
	}
	sec := &pdfSection{trailer: d}
	field := func(p []byte) int64 {
		var n int64
		for _, c := range p {
			n = n<<8 | int64(c)
		}
		return n
	}
	for i := 0; i < len(index); i += 2 {
		for k := int64(0); k < index[i+1]; k++ {
			p := data[:row]
			data = data[row:]
			kind := int64(1)
			if widths[0] > 0 {
				kind = field(p[:widths[0]])
			}
			f2 := field(p[widths[0] : widths[0]+widths[1]])
			f3 := field(p[widths[0]+widths[1]:])
			switch kind {
			case 0, 1, 2:
				sec.entries = append(sec.entries, pdfEntry{num: index[i] + k, gen: f3, kind: kind, field: f2})
			}
		}
	}
	return sec, nil
}

// xrefData inflates and un-predicts a cross-reference stream: rows rows of
// row bytes each.
func xrefData(d pdfValue, raw []byte, rows int64, row int) ([]byte, error) {
	filter, parms := d.nameOf("Filter"), pdfValue{}
	if x, ok := d.get("Filter"); ok && x.kind == pdfArray && len(x.items) == 1 && x.items[0].kind == pdfName {
		filter = x.items[0].name
	}
	if x, ok := d.get("DecodeParms"); ok {
		parms = x
		if x.kind == pdfArray && len(x.items) == 1 {
			parms = x.items[0]
		}
	}
	if _, ok := d.get("Filter"); ok && filter != "FlateDecode" {
		return nil, pdfUnsupported
	}
	predictor, ok := parms.intOf("Predictor")
	if !ok {
		predictor = 1
	}
	columns, ok := parms.intOf("Columns")
	if !ok {
		columns = 1
	}
	stride := row
	switch {
	case predictor == 1:
	case predictor >= 10 && predictor <= 15:
		if columns != int64(row) {
			return nil, pdfBadXref
		}
		stride = row + 1
	default:
		return nil, pdfUnsupported
	}
	want := rows * int64(stride)
	if want > pdfMaxXrefData {
		return nil, pdfBadXref
	}
	data := raw
	if filter == "FlateDecode" {
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, pdfBadXref
		}
		data, err = io.ReadAll(io.LimitReader(zr, want+1))
		if err != nil {
			return nil, pdfBadXref
		}
	}
	if int64(len(data)) != want {
		return nil, pdfBadXref
	}
	if stride == row {
		return data, nil
	}
	out := make([]byte, 0, rows*int64(row))
	prev := make([]byte, row)
	for len(data) > 0 {
		cur := data[1:stride]
		if !unfilter(data[0], cur, prev, 1) {
			return nil, pdfBadXref
		}
		out = append(out, cur...)
		prev, data = cur, data[stride:]
	}
	return out, nil
}

// unfilter undoes a PNG row filter in place; bpp is the bytes per pixel.
func unfilter(filter byte, cur, prev []byte, bpp int) bool {
	switch filter {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3:
		for i := range cur {
			var left int
			if i >= bpp {
				left = int(cur[i-bpp])
			}
			cur[i] += byte((left + int(prev[i])) / 2)
		}
	case 4:
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			cur[i] += paeth(a, int(prev[i]), c)
		}
	default:
		return false
	}
	return true
}

func paeth(a, b, c int) byte {
	p := a + b - c
	pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
	switch {
	case pa <= pb && pa <= pc:
		return byte(a)
	case pb <= pc:
		return byte(b)
	}
	return byte(c)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// typeAt is the /Type of the object at offset at, "" if none is there.
func (f *pdfDoc) typeAt(at int64) string {
	if o := f.objects[at]; o != nil {
		return o.typ
	}
	return ""
}

// checkLengths checks the streams whose /Length is a reference.
func (f *pdfDoc) checkLengths() error {
	ints := map[[2]int64]int64{}
	for _, o := range f.objects {
		if o.isInt {
			ints[[2]int64{o.num, o.gen}] = o.n
		}
	}
	for _, l := range f.lengths {
		n, ok := ints[[2]int64{l.ref.n, l.ref.gen}]
		if !ok || n < 0 || n > int64(l.end-l.start) {
			return pdfBadStream
		}
		for _, c := range f.s.b[l.start+int(n) : l.end] {
			if !pdfWhite(c) {
				return pdfBadStream
			}
		}
		l.obj.data = f.s.b[l.start : l.start+int(n)]
	}
	return nil
}

// checkXref follows the chain of sections from the last startxref, checks
// the entries in effect and the catalog.
func (f *pdfDoc) checkXref() error {
	newest, ok := f.sections[f.startxref]
	if !ok {
		return pdfBadStartxref
	}
	root, ok := newest.trailer.get("Root")
	size, okSize := newest.trailer.intOf("Size")
	if !okSize || size < 1 {
		return pdfBadXref
	}
	if !ok || root.kind != pdfRef {
		return pdfNoRoot
	}
	effective := map[int64]pdfEntry{}
	visited := map[int64]bool{}
	var follow func(at int64) error
	follow = func(at int64) error {
		if visited[at] {
			return pdfBadXref
		}
		visited[at] = true
		sec, ok := f.sections[at]
		if !ok {
			return pdfBadXref
		}
		for _, e := range sec.entries {
			if _, seen := effective[e.num]; !seen {
				effective[e.num] = e
			}
		}
		if stm, ok := sec.trailer.get("XRefStm"); ok {
			if stm.kind != pdfInt || f.typeAt(stm.n) != "XRef" {
				return pdfBadXref
			}
			if err := follow(stm.n); err != nil {
				return err
			}
		}
		if prev, ok := sec.trailer.get("Prev"); ok {
			if prev.kind != pdfInt {
				return pdfBadXref
			}
			return follow(prev.n)
		}
		return nil
	}
	if err := follow(f.startxref); err != nil {
		return err
	}
	// /Size is one more than the highest object number.
	var highest, highestUsed int64
	for _, e := range effective {
		highest = max(highest, e.num)
		if e.kind != 0 {
			highestUsed = max(highestUsed, e.num)
		}
	}
	if size != highest+1 && size != highestUsed+1 {
		return pdfBadXref
	}
	for _, e := range effective {
		if e.kind != 1 {
			continue
		}
		o, ok := f.objects[e.field]
		if !ok || o.num != e.num || o.gen != e.gen {
			return pdfBadEntry
		}
	}
	for _, e := range effective {
		if e.kind != 2 {
			continue
		}
		stm, ok := effective[e.field]
		if !ok || stm.kind != 1 || f.typeAt(stm.field) != "ObjStm" {
			return pdfBadEntry
		}
	}
	_, f.encrypted = newest.trailer.get("Encrypt")
	if err := f.checkStreams(); err != nil {
		return err
	}
	return f.checkPages(effective, root)
}

// checkPages checks that the catalog leads to a page tree with at least
// one page. Objects inside object streams are not parsed: where the tree
// reaches one, it is taken as it is.
func (f *pdfDoc) checkPages(effective map[int64]pdfEntry, root pdfValue) error {
	// resolve finds a referenced object; packed: it is in an object stream.
	resolve := func(ref pdfValue) (o *pdfObject, packed bool) {
		e, ok := effective[ref.n]
		switch {
		case ref.kind != pdfRef || !ok:
			return nil, false
		case e.kind == 2:
			return nil, true
		case e.kind == 1 && e.gen == ref.gen:
			return f.objects[e.field], false
		}
		return nil, false
	}
	catalog, packed := resolve(root)
	if packed {
		return nil
	}
	if catalog == nil || catalog.typ != "Catalog" {
		return pdfNoRoot
	}
	pages, packedPages := 0, false
	seen := map[int64]bool{}
	todo := []pdfValue{catalog.pages}
	for len(todo) > 0 {
		ref := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if ref.kind != pdfRef || seen[ref.n] {
			return pdfBadPages
		}
		seen[ref.n] = true
		node, packed := resolve(ref)
		switch {
		case packed:
			packedPages = true
		case node == nil:
			return pdfBadPages
		case node.typ == "Page":
			pages++
			if err := f.checkContents(node.contents, resolve); err != nil && !f.encrypted {
				return err
			}
		case node.typ == "Pages":
			todo = append(todo, node.kids...)
		default:
			return pdfBadPages
		}
	}
	if pages == 0 && !packedPages {
		return pdfNoPages
	}
	return nil
}

// checkContents checks a page's /Contents: none, one stream or an array
// of streams.
func (f *pdfDoc) checkContents(contents pdfValue, resolve func(pdfValue) (*pdfObject, bool)) error {
	refs := []pdfValue{contents}
	switch contents.kind {
	case pdfNull:
		return nil
	case pdfArray:
		refs = contents.items
	}
	for _, ref := range refs {
		o, packed := resolve(ref)
		if packed {
			return pdfBadContent // a stream is never inside an object stream
		}
		if err := checkPageContent(o); err != nil {
			return err
		}
	}
	return nil
}
