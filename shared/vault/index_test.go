package vault

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/kabinet/kabinet/infra/local/secretsemu"
)

func testIndex(t testing.TB, seed byte) *Index {
	t.Helper()
	ix, err := NewIndex(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatalf("NewIndex: %v", err)
	}
	return ix
}

func TestNewIndexKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31} {
		if _, err := NewIndex(make([]byte, n)); err == nil {
			t.Errorf("NewIndex(%d bytes) succeeded, want an error", n)
		}
	}
	for _, n := range []int{32, 64} {
		if _, err := NewIndex(make([]byte, n)); err != nil {
			t.Errorf("NewIndex(%d bytes): %v", n, err)
		}
	}
}

func TestIndexOf(t *testing.T) {
	ix := testIndex(t, 1)
	got := ix.Of(KindSNILS, "11223344595")

	// The definition, computed independently.
	mac := hmac.New(sha256.New, bytes.Repeat([]byte{1}, 32))
	mac.Write([]byte("snils\x0011223344595"))
	if want := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("Of = %s, want %s", got, want)
	}
	if len(got) != 43 || strings.ContainsAny(got, "+/=") {
		t.Errorf("Of = %q, want 43 characters of unpadded base64url", got)
	}
	if again := ix.Of(KindSNILS, "11223344595"); again != got {
		t.Errorf("Of is not deterministic: %s then %s", got, again)
	}
	if strings.Contains(got, "11223344595") {
		t.Errorf("index value contains the plain value")
	}

	distinct := map[string]string{
		"same value, other kind": ix.Of(KindINN, "11223344595"),
		"other value":            ix.Of(KindSNILS, "11223344596"),
		"other key":              testIndex(t, 2).Of(KindSNILS, "11223344595"),
		"unnormalized":           ix.Of(KindSNILS, "112-233-445 95"),
		// The separator keeps the kind and the value apart.
		"boundary moved": ix.Of("snils1", "1223344595"),
	}
	seen := map[string]string{got: "original"}
	for name, v := range distinct {
		if prev, ok := seen[v]; ok {
			t.Errorf("%s gives the same index value as %s", name, prev)
		}
		seen[v] = name
	}
}

func TestIndexKeyIsCopied(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	ix, err := NewIndex(key)
	if err != nil {
		t.Fatalf("NewIndex: %v", err)
	}
	before := ix.Of(KindINN, "500100732259")
	clear(key)
	if after := ix.Of(KindINN, "500100732259"); after != before {
		t.Errorf("changing the caller's key slice changed the index")
	}
}

func TestIndexConcurrent(t *testing.T) {
	ix := testIndex(t, 1)
	want := ix.Of(KindPassport, "4508123456")
	long := strings.Repeat("9", 500) // longer than the stack buffer
	wantLong := ix.Of(KindPassport, long)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := ix.Of(KindPassport, "4508123456"); got != want {
					t.Errorf("concurrent Of = %s, want %s", got, want)
				}
				if got := ix.Of(KindPassport, long); got != wantLong {
					t.Errorf("concurrent Of(long) = %s, want %s", got, wantLong)
				}
			}
		})
	}
	wg.Wait()
}

// fakeSecrets is a hand-written SecretsAPI.
type fakeSecrets struct {
	getSecretValue func(context.Context, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error)
}

func (f *fakeSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return f.getSecretValue(ctx, in)
}

func TestLoadIndexKey(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	good := base64.StdEncoding.EncodeToString(key)
	short := base64.StdEncoding.EncodeToString(key[:31])
	missing := &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}

	tests := []struct {
		name    string
		out     *secretsmanager.GetSecretValueOutput
		err     error
		want    []byte
		wantErr string
	}{
		{"ok", &secretsmanager.GetSecretValueOutput{SecretString: aws.String(good)}, nil, key, ""},
		{"trailing newline", &secretsmanager.GetSecretValueOutput{SecretString: aws.String(good + "\n")}, nil, key, ""},
		{"not found", nil, missing, nil, "ResourceNotFoundException"},
		{"binary secret", &secretsmanager.GetSecretValueOutput{SecretBinary: key}, nil, nil, "no string value"},
		{"not base64", &secretsmanager.GetSecretValueOutput{SecretString: aws.String("correct horse battery staple!")}, nil, nil, "not standard base64"},
		{"too short", &secretsmanager.GetSecretValueOutput{SecretString: aws.String(short)}, nil, nil, "31 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeSecrets{getSecretValue: func(_ context.Context, in *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
				if aws.ToString(in.SecretId) != "kabinet/index-key" {
					t.Errorf("SecretId = %q, want kabinet/index-key", aws.ToString(in.SecretId))
				}
				return tc.out, tc.err
			}}
			got, err := LoadIndexKey(ctx, api, "kabinet/index-key")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "kabinet/index-key") {
					t.Fatalf("error = %v, want one naming the secret and mentioning %q", err, tc.wantErr)
				}
				if tc.out != nil && tc.out.SecretString != nil && strings.Contains(err.Error(), *tc.out.SecretString) {
					t.Errorf("error %q reveals the secret value", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("LoadIndexKey = %x, %v; want %x", got, err, tc.want)
			}
		})
	}

	t.Run("SDK error stays classifiable", func(t *testing.T) {
		api := &fakeSecrets{getSecretValue: func(context.Context, *secretsmanager.GetSecretValueInput) (*secretsmanager.GetSecretValueOutput, error) {
			return nil, missing
		}}
		_, err := LoadIndexKey(ctx, api, "x")
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("error %v does not wrap ResourceNotFoundException", err)
		}
	})
}

func TestLoadIndexKeyFromEmulator(t *testing.T) {
	emu := secretsemu.New()
	key := bytes.Repeat([]byte{9}, 32)
	arn := emu.Put("kabinet/index-key", base64.StdEncoding.EncodeToString(key))
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := secretsmanager.New(secretsmanager.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})

	for _, id := range []string{"kabinet/index-key", arn} {
		got, err := LoadIndexKey(ctx, client, id)
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("LoadIndexKey(%s) = %x, %v; want %x", id, got, err, key)
		}
	}
	_, err := LoadIndexKey(ctx, client, "kabinet/absent")
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("LoadIndexKey(absent) error = %v, want ResourceNotFoundException", err)
	}
	ix, err := NewIndex(key)
	if err != nil {
		t.Fatalf("NewIndex: %v", err)
	}
	if ix.Of(KindSNILS, "11223344595") != testIndex(t, 9).Of(KindSNILS, "11223344595") {
		t.Errorf("an index from the loaded key differs from one with the same key")
	}
}

var ctx = context.Background()
