package vault

import (
	"testing"
)

// key is cached, which is the steady state of a warm Lambda: KMS is out of
// the loop (an in-memory fake), so the numbers are AES-GCM, encoding and
// locking.

func BenchmarkIndex(b *testing.B) {
	ix := testIndex(b, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = ix.Of(KindSNILS, "11223344595")
	}
}
