package blob

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image/jpeg"
	"image/png"
)

// The image checks walk the file's own structure — JPEG segments by their
// lengths, PNG chunks with their checksums — to its end marker and refuse
// any byte after it; the standard library's DecodeConfig then reads the
// header as a viewer would. The pixels are not decoded: that would take
// memory in proportion to the picture rather than to the file.

// Reasons a JPEG is refused, for the person who uploaded it.
const (
	jpegBadStart    = malformed("Файл не является изображением JPEG: неверное начало файла")
	jpegBadSegment  = malformed("Файл JPEG повреждён: заголовок изображения записан с ошибкой")
	jpegTruncated   = malformed("Файл JPEG обрезан: он закончился раньше, чем изображение, — возможно, загружен не полностью")
	jpegBadSize     = malformed("Файл JPEG повреждён: в заголовке неверные размеры изображения")
	jpegNoScan      = malformed("Файл JPEG повреждён: в нём нет данных изображения")
	jpegAfterEOI    = malformed("После конца изображения JPEG есть посторонние данные")
	jpegUnsupported = malformed("Изображение JPEG записано в неподдерживаемом виде: сохраните его заново как обычный JPEG")
)

// Reasons a PNG is refused, for the person who uploaded it.
const (
	pngBadStart    = malformed("Файл не является изображением PNG: неверное начало файла")
	pngNoIHDR      = malformed("Файл PNG повреждён: первым в нём должен идти заголовок изображения (IHDR)")
	pngBadHeader   = malformed("Файл PNG повреждён: в заголовке неверные размеры или параметры изображения")
	pngBadChunk    = malformed("Файл PNG повреждён: блоки изображения записаны с ошибкой")
	pngBadCRC      = malformed("Файл PNG повреждён: контрольная сумма одного из блоков не совпадает")
	pngTruncated   = malformed("Файл PNG обрезан: в нём нет отметки конца изображения (IEND) — возможно, загружен не полностью")
	pngNoData      = malformed("Файл PNG повреждён: в нём нет данных изображения")
	pngAfterIEND   = malformed("После конца изображения PNG есть посторонние данные")
	pngUnsupported = malformed("Изображение PNG записано в неподдерживаемом виде: сохраните его заново как обычный PNG")
)

// jpegFrame reports whether a marker starts a frame (SOF0–SOF15 less DHT,
// JPG and DAC, which share the range).
func jpegFrame(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

func checkJPEG(b []byte) error {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF {
		return jpegBadStart
	}
	pos := 2
	frame, scan := false, false
	var width, height int
	for {
		if pos >= len(b) {
			return jpegTruncated
		}
		if b[pos] != 0xFF {
			return jpegBadSegment
		}
		for pos < len(b) && b[pos] == 0xFF { // fill bytes
			pos++
		}
		if pos >= len(b) {
			return jpegTruncated
		}
		m := b[pos]
		pos++
		if m == 0xD9 { // EOI
			if !scan {
				return jpegNoScan
			}
			if pos != len(b) {
				return jpegAfterEOI
			}
			break
		}
		switch {
		case m == 0xD8, m == 0x00, m == 0x01, m >= 0xD0 && m <= 0xD7:
			// A second SOI, a stuffed byte, TEM or a restart marker
			// outside a scan.
			return jpegBadSegment
		}
		if pos+2 > len(b) {
			return jpegTruncated
		}
		n := int(binary.BigEndian.Uint16(b[pos:]))
		if n < 2 {
			return jpegBadSegment
		}
		if pos+n > len(b) {
			return jpegTruncated
		}
		seg := b[pos+2 : pos+n]
		pos += n
		switch {
		case jpegFrame(m):
			if frame {
				return jpegBadSegment
			}
			frame = true
			if len(seg) < 6 || len(seg) != 6+3*int(seg[5]) || seg[5] < 1 || seg[5] > 4 {
				return jpegBadSegment
			}
			height, width = int(binary.BigEndian.Uint16(seg[1:])), int(binary.BigEndian.Uint16(seg[3:]))
			if width == 0 || height == 0 {
				return jpegBadSize
			}
			for c := range int(seg[5]) {
				h, v := seg[6+3*c+1]>>4, seg[6+3*c+1]&0x0F
				if h < 1 || h > 4 || v < 1 || v > 4 || seg[6+3*c+2] > 3 {
					return jpegBadSegment
				}
			}
		case m == 0xDA: // SOS, then entropy-coded data up to the next marker
			if !frame || len(seg) < 1 || seg[0] < 1 || seg[0] > 4 || len(seg) != 4+2*int(seg[0]) {
				return jpegBadSegment
			}
			scan = true
			for {
				i := bytes.IndexByte(b[pos:], 0xFF)
				if i < 0 || pos+i+1 >= len(b) {
					return jpegTruncated
				}
				pos += i
				if c := b[pos+1]; c == 0x00 || c >= 0xD0 && c <= 0xD7 {
					pos += 2
					continue
				}
				break
			}
		case m == 0xC4, m == 0xCC, m == 0xDB, m == 0xDC, m == 0xDD, m == 0xFE, m >= 0xE0 && m <= 0xEF:
			// Tables, restart interval, line count, comments, APPn.
		default:
			return jpegUnsupported
		}
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return jpegUnsupported
	}
	if cfg.Width != width || cfg.Height != height {
		return jpegBadSize
	}
	return nil
}

var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}

// pngDepths are the bit depths PNG allows for each colour type.
var pngDepths = map[byte][]byte{0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}

func checkPNG(b []byte) error {
	if !bytes.HasPrefix(b, pngSignature) {
		return pngBadStart
	}
	pos := len(pngSignature)
	var colour byte
	seen := map[string]bool{}
	idatDone := false // a chunk other than IDAT came after IDAT
	for first := true; ; first = false {
		if pos+12 > len(b) {
			if first {
				return pngNoIHDR
			}
			return pngTruncated
		}
		n := binary.BigEndian.Uint32(b[pos:])
		typ := string(b[pos+4 : pos+8])
		if n > 1<<31-1 || !pngChunkType(typ) {
			return pngBadChunk
		}
		if uint64(pos)+12+uint64(n) > uint64(len(b)) {
			return pngTruncated
		}
		data := b[pos+8 : pos+8+int(n)]
		if crc32.ChecksumIEEE(b[pos+4:pos+8+int(n)]) != binary.BigEndian.Uint32(b[pos+8+int(n):]) {
			return pngBadCRC
		}
		pos += 12 + int(n)
		if first != (typ == "IHDR") {
			if first {
				return pngNoIHDR
			}
			return pngBadChunk // a second IHDR
		}
		if seen["IDAT"] && typ != "IDAT" {
			idatDone = true
		}
		switch typ {
		case "IHDR":
			if len(data) != 13 {
				return pngBadHeader
			}
			w, h := binary.BigEndian.Uint32(data), binary.BigEndian.Uint32(data[4:])
			depth, ct := data[8], data[9]
			if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 || bytes.IndexByte(pngDepths[ct], depth) < 0 ||
				data[10] != 0 || data[11] != 0 || data[12] > 1 {
				return pngBadHeader
			}
			colour = ct
		case "PLTE":
			if seen["PLTE"] || seen["IDAT"] || colour == 0 || colour == 4 || len(data) == 0 || len(data)%3 != 0 || len(data) > 3*256 {
				return pngBadChunk
			}
		case "IDAT":
			if idatDone {
				return pngBadChunk
			}
		case "IEND":
			if len(data) != 0 {
				return pngBadChunk
			}
			if !seen["IDAT"] {
				return pngNoData
			}
			if colour == 3 && !seen["PLTE"] {
				return pngBadChunk
			}
			if pos != len(b) {
				return pngAfterIEND
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
				return pngUnsupported
			}
			return nil
		default:
			if typ[0]&0x20 == 0 { // a critical chunk no viewer is obliged to know
				return pngUnsupported
			}
		}
		seen[typ] = true
	}
}

// pngChunkType reports whether t is four ASCII letters with the reserved
// bit (the third letter's case) clear.
func pngChunkType(t string) bool {
	for i := 0; i < len(t); i++ {
		c := t[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return t[2]&0x20 == 0
}
