package blob

// Magic bytes say what a file claims to be; they do not say that it is one.
// A file that is only "%PDF-" and random bytes, or a real image with an
// archive glued to its end, passes a look at the first bytes and reaches an
// officer as junk or as a polyglot (one file that is two formats at once).
// So a scan is read whole and its structure is checked: pure Go, no cgo,
// and no decoding of the picture itself (headers and layout are enough, and
// keep the memory a check takes to the size of the file).

// malformed is a structural defect of an uploaded file. Its text is Russian
// and plain, for the person who uploaded it.
type malformed string

func (m malformed) Error() string { return string(m) }

// CheckContent checks that data is a well-formed file of the sniffed type
// typ and holds nothing after its end. It returns a malformed error naming
// the first defect found, or nil.
func CheckContent(typ string, data []byte) error {
	switch typ {
	case TypePDF:
		return checkPDF(data)
	case TypeJPEG:
		return checkJPEG(data)
	case TypePNG:
		return checkPNG(data)
	}
	return malformed("Неизвестный тип файла")
}
