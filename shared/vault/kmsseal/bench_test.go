package kmsseal

import "testing"

// The benchmarks measure the per-field cost a request pays once the data
// key is cached, which is the steady state of a warm Lambda: KMS is out of
// the loop (an in-memory fake), so the numbers are AES-GCM, encoding and
// locking.

func BenchmarkSeal(b *testing.B) {
	sealer := NewSealer(newMemoryKMS("key-1"), "key-1")
	sealer.maxUses = 1 << 62 // keep key generation out of the measurement
	fc := FieldContext("0b1e7a2c-58f1-4c2b-9d4e-7f3a1c2b9e10", "snils")
	plain := []byte("11223344595")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sealer.Seal(ctx, plain, fc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	m := newMemoryKMS("key-1")
	fc := FieldContext("0b1e7a2c-58f1-4c2b-9d4e-7f3a1c2b9e10", "snils")
	sealed, err := NewSealer(m, "key-1").Seal(ctx, []byte("11223344595"), fc)
	if err != nil {
		b.Fatal(err)
	}
	reader := NewSealer(m, "key-1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reader.Open(ctx, sealed, fc); err != nil {
			b.Fatal(err)
		}
	}
	if n := m.decrypted.Load(); n != 1 {
		b.Errorf("%d Decrypt calls, want 1", n)
	}
}
