package dynamofix

import (
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
)

// Checksum answers with the X-Amz-Crc32 header DynamoDB puts on every
// response, success or error: the CRC32 (IEEE) of the body as sent. The
// SDK's DynamoDB client checks it when it closes the body and, in the
// version Kabinet pins, checks it even when the header is missing (taking
// 0), so minidyn's answers, which carry none, each log a warning. The front
// buffers the inner answer to compute the sum over exactly the bytes it
// writes.
type Checksum struct{ Inner http.Handler }

// ServeHTTP forwards the call and sends the answer with its checksum.
func (c Checksum) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	c.Inner.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}
