package kmsseal

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kabinet/kabinet/infra/local/kmsemu"
)

var ctx = context.Background()

// backend is a KMS to run a test against, with its call counts.
type backend struct {
	name  string
	api   KMS
	keyID string
	calls func() (generated, decrypted int64)
}

// emulatorKMS serves the local stack's KMS emulator over HTTP and returns a
// real SDK client for it, wrapped to count calls.
func emulatorKMS(t testing.TB) backend {
	t.Helper()
	emu := kmsemu.New()
	keyID := emu.CreateKey("kabinet fields")
	if err := emu.CreateAlias("alias/kabinet-fields", keyID); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := kms.New(kms.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	var generated, decrypted atomic.Int64
	api := &fakeKMS{
		generateDataKey: func(ctx context.Context, in *kms.GenerateDataKeyInput) (*kms.GenerateDataKeyOutput, error) {
			generated.Add(1)
			return client.GenerateDataKey(ctx, in)
		},
		decrypt: func(ctx context.Context, in *kms.DecryptInput) (*kms.DecryptOutput, error) {
			decrypted.Add(1)
			return client.Decrypt(ctx, in)
		},
	}
	// The alias is what a deployment would configure; it must work for
	// Decrypt's KeyId too.
	return backend{"emulator", api, "alias/kabinet-fields", func() (int64, int64) { return generated.Load(), decrypted.Load() }}
}

func memoryBackend() backend {
	m := newMemoryKMS("key-1")
	return backend{"memory", m, "key-1", func() (int64, int64) { return m.generated.Load(), m.decrypted.Load() }}
}

// backends runs f against the in-memory fake and the emulator.
func backends(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("memory", func(t *testing.T) { f(t, memoryBackend()) })
	t.Run("emulator", func(t *testing.T) { f(t, emulatorKMS(t)) })
}

func TestRoundTrip(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		sealer := NewSealer(b.api, b.keyID)
		reader := NewSealer(b.api, b.keyID) // another process: no cached keys
		tests := []struct {
			name      string
			plaintext []byte
		}{
			{"SNILS", []byte("11223344595")},
			{"passport", []byte("4508123456")},
			{"Cyrillic", []byte("Иванов Иван Иванович")},
			{"empty", []byte{}},
			{"binary", []byte{0, 1, 2, 0xff, '.', 0}},
			{"large", bytes.Repeat([]byte("0123456789"), 10000)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				sealed, err := sealer.Seal(ctx, tc.plaintext, FieldContext("u1", "snils"))
				if err != nil {
					t.Fatalf("Seal: %v", err)
				}
				for name, s := range map[string]*Sealer{"same sealer": sealer, "fresh sealer": reader} {
					got, err := s.Open(ctx, sealed, map[string]string{"field": "snils", "user": "u1"})
					if err != nil {
						t.Fatalf("%s: Open: %v", name, err)
					}
					if !bytes.Equal(got, tc.plaintext) {
						t.Errorf("%s: Open = %q, want %q", name, got, tc.plaintext)
					}
				}
			})
		}
	})
}

func TestSealFormat(t *testing.T) {
	b := memoryBackend()
	sealed, err := NewSealer(b.api, b.keyID).Seal(ctx, []byte("11223344595"), FieldContext("u1", "snils"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	parts := strings.Split(sealed, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		t.Fatalf("sealed = %q, want v1.<key>.<nonce>.<ciphertext>", sealed)
	}
	for i, want := range []int{48, 12, len("11223344595") + 16} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i+1])
		if err != nil || len(raw) != want {
			t.Errorf("part %d = %q: %d bytes, %v; want %d bytes of unpadded base64url", i+1, parts[i+1], len(raw), err, want)
		}
	}
}

func TestSealedHidesPlaintext(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		sealer := NewSealer(b.api, b.keyID)
		for _, plain := range []string{"11223344595", "112-233-445 95", "4508123456", "500100732259"} {
			first, err1 := sealer.Seal(ctx, []byte(plain), FieldContext("u1", "snils"))
			second, err2 := sealer.Seal(ctx, []byte(plain), FieldContext("u1", "snils"))
			if err := errors.Join(err1, err2); err != nil {
				t.Fatalf("Seal: %v", err)
			}
			// Equal ciphertexts would let anyone with the table find
			// everybody who shares a value; only the blind index may do that.
			if first == second {
				t.Errorf("two seals of %q are equal", plain)
			}
			forms := []string{plain, hex.EncodeToString([]byte(plain))}
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
				forms = append(forms, enc.EncodeToString([]byte(plain)))
			}
			for _, form := range forms {
				// Drop the last base64 character, which depends on what follows.
				probe := form[:len(form)-1]
				if strings.Contains(first, probe) || strings.Contains(strings.ToLower(first), strings.ToLower(probe)) {
					t.Errorf("sealed %q contains %q, a form of the plaintext", first, probe)
				}
			}
		}
	})
}

func TestOpenWrongContext(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		sealer := NewSealer(b.api, b.keyID)
		sealed, err := sealer.Seal(ctx, []byte("11223344595"), FieldContext("u1", "snils"))
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		tests := []struct {
			name string
			ctx  map[string]string
		}{
			{"other user", FieldContext("u2", "snils")},
			{"other field", FieldContext("u1", "inn")},
			{"extra key", map[string]string{"user": "u1", "field": "snils", "x": ""}},
			{"missing key", map[string]string{"user": "u1"}},
			{"nil", nil},
			{"keys and values swapped", map[string]string{"u1": "user", "snils": "field"}},
			{"joined", map[string]string{"user": "u1field", "": "snils"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := sealer.Open(ctx, sealed, tc.ctx)
				if !errors.Is(err, ErrInvalid) || got != nil {
					t.Errorf("Open = %q, %v; want nil, ErrInvalid", got, err)
				}
			})
		}
	})
}

// mutate replaces the character at i with another one of the base64url
// alphabet.
func mutate(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func TestOpenTampered(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		sealer := NewSealer(b.api, b.keyID)
		fc := FieldContext("u1", "snils")
		sealed, err := sealer.Seal(ctx, []byte("11223344595"), fc)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		other, err := NewSealer(b.api, b.keyID).Seal(ctx, []byte("11223344595"), fc)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		p, o := strings.Split(sealed, "."), strings.Split(other, ".")
		join := func(parts ...string) string { return strings.Join(parts, ".") }

		cases := map[string]string{
			"version v2":            join("v2", p[1], p[2], p[3]),
			"version V1":            join("V1", p[1], p[2], p[3]),
			"nonce of another":      join(p[0], p[1], o[2], p[3]),
			"ciphertext of another": join(p[0], p[1], p[2], o[3]),
			"key of another":        join(p[0], o[1], p[2], p[3]),
			"ciphertext truncated":  join(p[0], p[1], p[2], p[3][:len(p[3])-4]),
			"ciphertext extended":   join(p[0], p[1], p[2], p[3]+"AAAA"),
		}
		// Every character of every part, so no position goes unauthenticated.
		for part := 1; part <= 3; part++ {
			for i := range p[part] {
				q := append([]string(nil), p...)
				q[part] = mutate(q[part], i)
				cases[fmt.Sprintf("part %d char %d", part, i)] = join(q...)
			}
		}
		// A fresh Sealer asks KMS about the key part instead of trusting a cache.
		fresh := NewSealer(b.api, b.keyID)
		for name, tampered := range cases {
			for _, s := range []*Sealer{sealer, fresh} {
				got, err := s.Open(ctx, tampered, fc)
				if !errors.Is(err, ErrInvalid) || got != nil {
					t.Errorf("%s: Open(%q) = %q, %v; want nil, ErrInvalid", name, tampered, got, err)
				}
			}
		}
	})
}

func TestOpenMalformed(t *testing.T) {
	// Malformed values are rejected before any KMS call.
	api := &fakeKMS{
		decrypt: func(context.Context, *kms.DecryptInput) (*kms.DecryptOutput, error) {
			t.Errorf("Decrypt called for a malformed value")
			return nil, errors.New("unexpected")
		},
	}
	sealer := NewSealer(api, "key-1")
	key, nonce, ct := "AAAAAAAAAAAAAAAA", b64.EncodeToString(make([]byte, 12)), b64.EncodeToString(make([]byte, 20))
	tests := []struct{ name, sealed string }{
		{"empty", ""},
		{"version only", "v1"},
		{"version and dot", "v1."},
		{"empty parts", "v1..."},
		{"three parts", "v1." + key + "." + nonce},
		{"five parts", "v1." + key + "." + nonce + "." + ct + "." + ct},
		{"empty key", "v1.." + nonce + "." + ct},
		{"short nonce", "v1." + key + "." + b64.EncodeToString(make([]byte, 11)) + "." + ct},
		{"long nonce", "v1." + key + "." + b64.EncodeToString(make([]byte, 13)) + "." + ct},
		{"short ciphertext", "v1." + key + "." + nonce + "." + b64.EncodeToString(make([]byte, 15))},
		{"padded base64", "v1." + key + "." + base64.URLEncoding.EncodeToString(make([]byte, 12)) + "." + base64.URLEncoding.EncodeToString(make([]byte, 20))},
		{"standard alphabet", "v1." + key + "+/." + nonce + "." + ct},
		{"non-canonical base64", "v1.AB." + nonce + "." + ct},
		{"huge key", "v1." + strings.Repeat("A", 2000) + "." + nonce + "." + ct},
		{"whitespace", " v1." + key + "." + nonce + "." + ct},
		{"not sealed at all", "11223344595"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sealer.Open(ctx, tc.sealed, FieldContext("u1", "snils"))
			if !errors.Is(err, ErrInvalid) || got != nil {
				t.Errorf("Open(%q) = %q, %v; want nil, ErrInvalid", tc.sealed, got, err)
			}
		})
	}
}

func TestOpenOtherKMSKey(t *testing.T) {
	// A value whose data key came from another KMS key does not open, even
	// though KMS could decrypt it: the Sealer names its own key.
	m := newMemoryKMS("key-1")
	sealed, err := NewSealer(m, "key-1").Seal(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	got, err := NewSealer(m, "key-2").Open(ctx, sealed, nil)
	var incorrect *types.IncorrectKeyException
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &incorrect) || got != nil {
		t.Errorf("Open = %q, %v; want ErrInvalid wrapping IncorrectKeyException", got, err)
	}
}

func TestDataKeyCaching(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		sealer := NewSealer(b.api, b.keyID)
		fc := FieldContext("u1", "snils")
		var sealed []string
		for i := range 100 {
			s, err := sealer.Seal(ctx, fmt.Appendf(nil, "value %d", i), fc)
			if err != nil {
				t.Fatalf("Seal %d: %v", i, err)
			}
			sealed = append(sealed, s)
		}
		if gen, dec := b.calls(); gen != 1 || dec != 0 {
			t.Fatalf("100 seals made %d GenerateDataKey and %d Decrypt calls, want 1 and 0", gen, dec)
		}

		// The sealing process already holds the key.
		for i, s := range sealed {
			if _, err := sealer.Open(ctx, s, fc); err != nil {
				t.Fatalf("Open %d: %v", i, err)
			}
		}
		if _, dec := b.calls(); dec != 0 {
			t.Errorf("opening in the sealing process made %d Decrypt calls, want 0", dec)
		}

		// Another process decrypts the data key once.
		reader := NewSealer(b.api, b.keyID)
		for i, s := range sealed {
			got, err := reader.Open(ctx, s, fc)
			if err != nil || string(got) != fmt.Sprintf("value %d", i) {
				t.Fatalf("Open %d = %q, %v", i, got, err)
			}
		}
		if gen, dec := b.calls(); gen != 1 || dec != 1 {
			t.Errorf("100 opens in a fresh Sealer: %d GenerateDataKey and %d Decrypt calls in all, want 1 and 1", gen, dec)
		}
	})
}

func TestDataKeyRotation(t *testing.T) {
	m := newMemoryKMS("key-1")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	sealer := NewSealer(m, "key-1")
	sealer.now = func() time.Time { return now }
	keyOf := func(s string) string { return strings.Split(s, ".")[1] }

	seal := func() string {
		t.Helper()
		s, err := sealer.Seal(ctx, []byte("x"), nil)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		return s
	}
	first := seal()
	for range MaxSealsPerDataKey - 2 {
		seal()
	}
	last := seal()
	if keyOf(first) != keyOf(last) || m.generated.Load() != 1 {
		t.Fatalf("%d seals used %d data keys, want 1", MaxSealsPerDataKey, m.generated.Load())
	}
	next := seal()
	if keyOf(next) == keyOf(last) || m.generated.Load() != 2 {
		t.Errorf("seal %d reused the data key, want a new one", MaxSealsPerDataKey+1)
	}

	now = now.Add(DataKeyLifetime - time.Second)
	if keyOf(seal()) != keyOf(next) {
		t.Errorf("a data key younger than %v was replaced", DataKeyLifetime)
	}
	now = now.Add(time.Second)
	if keyOf(seal()) == keyOf(next) || m.generated.Load() != 3 {
		t.Errorf("a data key %v old was still used", DataKeyLifetime)
	}
}

func TestOpenCache(t *testing.T) {
	m := newMemoryKMS("key-1")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	writer := NewSealer(m, "key-1")
	writer.maxUses = 1 // every value gets its own data key
	var sealed []string
	for i := range openCacheSize + 6 {
		s, err := writer.Seal(ctx, fmt.Appendf(nil, "%d", i), nil)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		sealed = append(sealed, s)
	}
	if len(writer.opened) != openCacheSize {
		t.Errorf("writer caches %d data keys, want the bound %d", len(writer.opened), openCacheSize)
	}

	reader := NewSealer(m, "key-1")
	reader.now = func() time.Time { return now }
	open := func(i int) {
		t.Helper()
		if got, err := reader.Open(ctx, sealed[i], nil); err != nil || string(got) != fmt.Sprint(i) {
			t.Fatalf("Open %d = %q, %v", i, got, err)
		}
	}
	calls := func() int64 { return m.decrypted.Load() }

	open(0)
	open(0)
	if calls() != 1 {
		t.Fatalf("two opens under one data key made %d Decrypt calls, want 1", calls())
	}
	// Touching 0 between the others keeps it the most recently used, so the
	// eviction takes others.
	for i := 1; i < len(sealed); i++ {
		open(i)
		open(0)
	}
	if calls() != int64(len(sealed)) {
		t.Errorf("%d data keys made %d Decrypt calls, want %d", len(sealed), calls(), len(sealed))
	}
	if reader.lru.Len() != openCacheSize || len(reader.opened) != openCacheSize {
		t.Errorf("cache holds %d/%d keys, want the bound %d", reader.lru.Len(), len(reader.opened), openCacheSize)
	}
	before := calls()
	open(1) // evicted long ago
	if calls() != before+1 {
		t.Errorf("an evicted data key was not decrypted again")
	}

	before = calls()
	now = now.Add(DataKeyLifetime)
	open(0)
	if calls() != before+1 {
		t.Errorf("a data key cached for %v was used without asking KMS again", DataKeyLifetime)
	}
}

func TestKMSFailures(t *testing.T) {
	throttled := &types.KMSInternalException{Message: aws.String("try later")}

	t.Run("GenerateDataKey fails", func(t *testing.T) {
		m := newMemoryKMS("key-1")
		working := m.generateDataKey
		m.generateDataKey = func(context.Context, *kms.GenerateDataKeyInput) (*kms.GenerateDataKeyOutput, error) {
			return nil, throttled
		}
		sealer := NewSealer(m, "key-1")
		got, err := sealer.Seal(ctx, []byte("x"), nil)
		var internal *types.KMSInternalException
		if got != "" || !errors.As(err, &internal) || errors.Is(err, ErrInvalid) {
			t.Errorf("Seal = %q, %v; want the wrapped KMS error, not ErrInvalid", got, err)
		}
		// A failure is not cached: the next Seal asks again.
		m.generateDataKey = working
		if _, err := sealer.Seal(ctx, []byte("x"), nil); err != nil {
			t.Errorf("Seal after KMS recovered: %v", err)
		}
	})

	t.Run("bad data key", func(t *testing.T) {
		api := &fakeKMS{generateDataKey: func(context.Context, *kms.GenerateDataKeyInput) (*kms.GenerateDataKeyOutput, error) {
			return &kms.GenerateDataKeyOutput{Plaintext: make([]byte, 16), CiphertextBlob: []byte("blob")}, nil
		}}
		if got, err := NewSealer(api, "key-1").Seal(ctx, []byte("x"), nil); err == nil {
			t.Errorf("Seal with a 16-byte data key = %q, want an error", got)
		}
	})

	t.Run("Decrypt fails", func(t *testing.T) {
		m := newMemoryKMS("key-1")
		sealed, err := NewSealer(m, "key-1").Seal(ctx, []byte("x"), nil)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		working := m.decrypt
		m.decrypt = func(context.Context, *kms.DecryptInput) (*kms.DecryptOutput, error) { return nil, throttled }
		reader := NewSealer(m, "key-1")
		got, err := reader.Open(ctx, sealed, nil)
		var internal *types.KMSInternalException
		if got != nil || !errors.As(err, &internal) || errors.Is(err, ErrInvalid) {
			t.Errorf("Open = %q, %v; want the wrapped KMS error, not ErrInvalid", got, err)
		}
		m.decrypt = working
		if got, err := reader.Open(ctx, sealed, nil); err != nil || string(got) != "x" {
			t.Errorf("Open after KMS recovered = %q, %v", got, err)
		}
	})

	t.Run("Decrypt returns a short key", func(t *testing.T) {
		m := newMemoryKMS("key-1")
		sealed, err := NewSealer(m, "key-1").Seal(ctx, []byte("x"), nil)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		m.decrypt = func(context.Context, *kms.DecryptInput) (*kms.DecryptOutput, error) {
			return &kms.DecryptOutput{Plaintext: make([]byte, 31)}, nil
		}
		if got, err := NewSealer(m, "key-1").Open(ctx, sealed, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open = %q, %v; want ErrInvalid", got, err)
		}
	})

	t.Run("waiting Seal honours its context", func(t *testing.T) {
		m := newMemoryKMS("key-1")
		working := m.generateDataKey
		entered, release := make(chan struct{}), make(chan struct{})
		m.generateDataKey = func(ctx context.Context, in *kms.GenerateDataKeyInput) (*kms.GenerateDataKeyOutput, error) {
			close(entered)
			<-release
			return working(ctx, in)
		}
		sealer := NewSealer(m, "key-1")
		done := make(chan error)
		go func() {
			_, err := sealer.Seal(ctx, []byte("x"), nil)
			done <- err
		}()
		<-entered
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := sealer.Seal(cancelled, []byte("y"), nil); !errors.Is(err, context.Canceled) {
			t.Errorf("Seal with a cancelled context while a key is being generated: %v, want context.Canceled", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Errorf("first Seal: %v", err)
		}
	})
}

func TestConcurrentSealOpen(t *testing.T) {
	backends(t, func(t *testing.T, b backend) {
		sealer := NewSealer(b.api, b.keyID)
		reader := NewSealer(b.api, b.keyID)
		const workers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					fc := FieldContext(fmt.Sprint("u", w), "snils")
					plain := fmt.Appendf(nil, "%d-%d", w, i)
					sealed, err := sealer.Seal(ctx, plain, fc)
					if err != nil {
						errs <- err
						continue
					}
					for _, s := range []*Sealer{sealer, reader} {
						if got, err := s.Open(ctx, sealed, fc); err != nil || !bytes.Equal(got, plain) {
							errs <- fmt.Errorf("Open = %q, %v; want %q", got, err, plain)
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// 400 seals, all concurrent, still share one data key, and the
		// reader decrypts it once however many Opens race for it.
		if gen, dec := b.calls(); gen != 1 || dec != 1 {
			t.Errorf("%d concurrent seals and opens made %d GenerateDataKey and %d Decrypt calls, want 1 and 1", workers*each, gen, dec)
		}
	})
}

func TestEmulatorUnknownBlobKey(t *testing.T) {
	// Values sealed by a previous run of the local stack name a master key
	// the new run does not have; that is an invalid value, not an outage.
	old := emulatorKMS(t)
	sealed, err := NewSealer(old.api, old.keyID).Seal(ctx, []byte("x"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	restarted := emulatorKMS(t)
	if got, err := NewSealer(restarted.api, restarted.keyID).Open(ctx, sealed, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Open after restart = %q, %v; want ErrInvalid", got, err)
	}
}
