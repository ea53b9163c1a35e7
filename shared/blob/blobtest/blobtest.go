// Package blobtest holds real files of every type blob accepts, for the
// tests of blob and its adapters.
package blobtest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// MinimalPDF is a one-page PDF written by hand, with a correct
// cross-reference table (qpdf --check finds nothing wrong with it).
const MinimalPDF = "%PDF-1.4\n" +
	"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
	"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
	"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n" +
	"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n" +
	"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"

// Image is a small picture with some detail in it.
func Image() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 67, 41))
	for y := range 41 {
		for x := range 67 {
			img.Set(x, y, color.RGBA{uint8(x * 3), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	return img
}

// JPEG and PNG encode with the standard library (into a buffer, which
// cannot fail).
func JPEG(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PNG encodes img as a PNG.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF is a file of a type blob refuses.
var GIF = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
