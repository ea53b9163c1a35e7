package kmsemu

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/kabinet/kabinet/infra/local/emutest"
)

func newClient(t *testing.T) (*Server, *httptest.Server, *kms.Client) {
	t.Helper()
	emu := New()
	srv := emutest.Serve(t, emu)
	endpoint, creds := emutest.Endpoint(srv)
	client := kms.New(kms.Options{BaseEndpoint: endpoint, Region: emutest.Region, RetryMaxAttempts: 1, Credentials: creds})
	return emu, srv, client
}

func TestEncryptDecrypt(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	id := emu.CreateKey("fields")
	ec := map[string]string{"user": "u1", "field": "snils"}

	enc, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if bytes.Contains(enc.CiphertextBlob, []byte("secret")) {
		t.Errorf("ciphertext blob contains the plaintext")
	}
	wantARN := "arn:aws:kms:eu-central-1:000000000000:key/" + id
	if got := aws.ToString(enc.KeyId); got != wantARN {
		t.Errorf("Encrypt KeyId = %q, want %q", got, wantARN)
	}

	// KMS finds the key from the blob itself; KeyId is optional on Decrypt.
	dec, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob,
		EncryptionContext: map[string]string{"field": "snils", "user": "u1"}})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if string(dec.Plaintext) != "secret" || aws.ToString(dec.KeyId) != wantARN || dec.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Errorf("Decrypt = %q, %q, %q; want secret, %s, SYMMETRIC_DEFAULT", dec.Plaintext, aws.ToString(dec.KeyId), dec.EncryptionAlgorithm, wantARN)
	}
}

func TestDecryptRejects(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	id := emu.CreateKey("fields")
	other := emu.CreateKey("other")
	ec := map[string]string{"user": "u1", "field": "snils"}
	enc, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("secret"), EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	blob := enc.CiphertextBlob
	flip := func(i int) []byte {
		b := bytes.Clone(blob)
		b[i] ^= 0x01
		return b
	}
	// A blob made by another emulator names a key this one never had.
	foreign, err := func() ([]byte, error) {
		emu2, _, c2 := newClient(t)
		out, err := c2.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(emu2.CreateKey("")), Plaintext: []byte("x")})
		if err != nil {
			return nil, err
		}
		return out.CiphertextBlob, nil
	}()
	if err != nil {
		t.Fatalf("foreign Encrypt: %v", err)
	}

	tests := []struct {
		name  string
		in    kms.DecryptInput
		code  string
		typed any
	}{
		{"wrong context value", kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"user": "u2", "field": "snils"}},
			"InvalidCiphertextException", new(*types.InvalidCiphertextException)},
		{"missing context", kms.DecryptInput{CiphertextBlob: blob}, "InvalidCiphertextException", new(*types.InvalidCiphertextException)},
		{"extra context", kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"user": "u1", "field": "snils", "x": ""}},
			"InvalidCiphertextException", nil},
		{"tampered ciphertext", kms.DecryptInput{CiphertextBlob: flip(len(blob) - 1), EncryptionContext: ec}, "InvalidCiphertextException", nil},
		{"tampered nonce", kms.DecryptInput{CiphertextBlob: flip(2 + len(id) + 1), EncryptionContext: ec}, "InvalidCiphertextException", nil},
		{"tampered version", kms.DecryptInput{CiphertextBlob: flip(0), EncryptionContext: ec}, "InvalidCiphertextException", nil},
		{"truncated", kms.DecryptInput{CiphertextBlob: blob[:20], EncryptionContext: ec}, "InvalidCiphertextException", nil},
		{"garbage", kms.DecryptInput{CiphertextBlob: []byte("not a blob at all, just some bytes here"), EncryptionContext: ec}, "InvalidCiphertextException", nil},
		{"foreign key", kms.DecryptInput{CiphertextBlob: foreign}, "InvalidCiphertextException", nil},
		{"other key named", kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyId: aws.String(other)},
			"IncorrectKeyException", new(*types.IncorrectKeyException)},
		{"unknown key named", kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyId: aws.String("alias/nope")},
			"NotFoundException", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := client.Decrypt(ctx, &tc.in)
			if err == nil {
				t.Fatalf("Decrypt succeeded with %q, want %s", out.Plaintext, tc.code)
			}
			emutest.WantCode(t, err, tc.code)
			if tc.typed != nil && !errors.As(err, tc.typed) {
				t.Errorf("error %T does not match the SDK's typed %T", err, tc.typed)
			}
		})
	}
}

func TestGenerateDataKey(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	id := emu.CreateKey("fields")
	ec := map[string]string{"purpose": "kabinet-field"}

	tests := []struct {
		name  string
		in    kms.GenerateDataKeyInput
		want  int
		error string
	}{
		{"AES_256", kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes256}, 32, ""},
		{"AES_128", kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes128}, 16, ""},
		{"NumberOfBytes", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(64)}, 64, ""},
		{"both", kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes256, NumberOfBytes: aws.Int32(32)}, 0, "ValidationException"},
		{"neither", kms.GenerateDataKeyInput{}, 0, "ValidationException"},
		{"too many bytes", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(1025)}, 0, "ValidationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.KeyId, tc.in.EncryptionContext = aws.String(id), ec
			out, err := client.GenerateDataKey(ctx, &tc.in)
			if tc.error != "" {
				emutest.WantCode(t, err, tc.error)
				return
			}
			if err != nil {
				t.Fatalf("GenerateDataKey: %v", err)
			}
			if len(out.Plaintext) != tc.want {
				t.Errorf("plaintext is %d bytes, want %d", len(out.Plaintext), tc.want)
			}
			dec, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(id)})
			if err != nil {
				t.Fatalf("Decrypt of the data key: %v", err)
			}
			if !bytes.Equal(dec.Plaintext, out.Plaintext) {
				t.Errorf("decrypted data key differs from the one generated")
			}
		})
	}

	t.Run("without plaintext", func(t *testing.T) {
		out, err := client.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
		if err != nil {
			t.Fatalf("GenerateDataKeyWithoutPlaintext: %v", err)
		}
		dec, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
		if err != nil || len(dec.Plaintext) != 32 {
			t.Fatalf("Decrypt = %d bytes, %v; want 32 bytes", len(dec.Plaintext), err)
		}
	})
	t.Run("two keys differ", func(t *testing.T) {
		a, err1 := client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
		b, err2 := client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("GenerateDataKey: %v", err)
		}
		if bytes.Equal(a.Plaintext, b.Plaintext) || bytes.Equal(a.CiphertextBlob, b.CiphertextBlob) {
			t.Errorf("two data keys are equal")
		}
	})
}

func TestKeys(t *testing.T) {
	ctx := context.Background()
	_, _, client := newClient(t)

	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("via API")})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	id := aws.ToString(created.KeyMetadata.KeyId)
	if len(id) != 36 || !created.KeyMetadata.Enabled || created.KeyMetadata.KeyState != types.KeyStateEnabled {
		t.Errorf("CreateKey metadata = %+v, want an enabled key with a UUID id", created.KeyMetadata)
	}
	if _, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048}); err == nil {
		t.Errorf("CreateKey(RSA_2048) succeeded, want UnsupportedOperationException")
	} else {
		emutest.WantCode(t, err, "UnsupportedOperationException")
	}

	for _, ref := range []string{id, "arn:aws:kms:eu-central-1:000000000000:key/" + id} {
		out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
		if err != nil {
			t.Fatalf("DescribeKey(%s): %v", ref, err)
		}
		md := out.KeyMetadata
		if aws.ToString(md.KeyId) != id || aws.ToString(md.Description) != "via API" || md.KeyUsage != types.KeyUsageTypeEncryptDecrypt ||
			md.CreationDate == nil || md.CreationDate.IsZero() {
			t.Errorf("DescribeKey(%s) = %+v", ref, md)
		}
	}

	_, err = client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("00000000-0000-4000-8000-000000000000")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeKey(unknown) error = %v, want NotFoundException", err)
	}

	// A disabled key refuses cryptography until enabled again.
	enc, err := client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if _, err := client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)}); err != nil {
		t.Fatalf("DisableKey: %v", err)
	}
	_, err = client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	var disabled *types.DisabledException
	if !errors.As(err, &disabled) {
		t.Errorf("Decrypt with a disabled key error = %v, want DisabledException", err)
	}
	if _, err := client.EnableKey(ctx, &kms.EnableKeyInput{KeyId: aws.String(id)}); err != nil {
		t.Fatalf("EnableKey: %v", err)
	}
	if _, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Errorf("Decrypt after EnableKey: %v", err)
	}
}

func TestAliases(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	id := emu.CreateKey("fields")
	other := emu.CreateKey("other")
	if err := emu.CreateAlias("alias/kabinet-fields", id); err != nil {
		t.Fatalf("CreateAlias (Go): %v", err)
	}
	if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/other"), TargetKeyId: aws.String(other)}); err != nil {
		t.Fatalf("CreateAlias (API): %v", err)
	}

	t.Run("errors", func(t *testing.T) {
		tests := []struct{ name, alias, target, code string }{
			{"taken", "alias/kabinet-fields", id, "AlreadyExistsException"},
			{"no prefix", "kabinet", id, "InvalidAliasNameException"},
			{"reserved", "alias/aws/kms", id, "InvalidAliasNameException"},
			{"unknown key", "alias/x", "00000000-0000-4000-8000-000000000000", "NotFoundException"},
			{"alias as target", "alias/y", "alias/other", "NotFoundException"},
		}
		for _, tc := range tests {
			_, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(tc.alias), TargetKeyId: aws.String(tc.target)})
			if err == nil {
				t.Errorf("%s: CreateAlias succeeded, want %s", tc.name, tc.code)
				continue
			}
			emutest.WantCode(t, err, tc.code)
		}
	})

	t.Run("use", func(t *testing.T) {
		aliasARN := "arn:aws:kms:eu-central-1:000000000000:alias/kabinet-fields"
		for _, ref := range []string{"alias/kabinet-fields", aliasARN} {
			dk, err := client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(ref), KeySpec: types.DataKeySpecAes256})
			if err != nil {
				t.Fatalf("GenerateDataKey(%s): %v", ref, err)
			}
			if !strings.HasSuffix(aws.ToString(dk.KeyId), id) {
				t.Errorf("GenerateDataKey(%s) KeyId = %s, want the target key %s", ref, aws.ToString(dk.KeyId), id)
			}
			if _, err := client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, KeyId: aws.String(ref)}); err != nil {
				t.Errorf("Decrypt naming %s: %v", ref, err)
			}
		}
	})

	t.Run("list", func(t *testing.T) {
		all, err := client.ListAliases(ctx, &kms.ListAliasesInput{})
		if err != nil {
			t.Fatalf("ListAliases: %v", err)
		}
		var names []string
		for _, a := range all.Aliases {
			names = append(names, aws.ToString(a.AliasName))
		}
		if strings.Join(names, ",") != "alias/kabinet-fields,alias/other" || all.Truncated {
			t.Errorf("ListAliases = %v (truncated %v), want both aliases in name order", names, all.Truncated)
		}

		byKey, err := client.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(other)})
		if err != nil || len(byKey.Aliases) != 1 || aws.ToString(byKey.Aliases[0].TargetKeyId) != other {
			t.Errorf("ListAliases(KeyId=other) = %+v, %v; want only alias/other", byKey, err)
		}

		// The paginator drives Limit and Marker the way callers would.
		var paged []string
		p := kms.NewListAliasesPaginator(client, &kms.ListAliasesInput{Limit: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("NextPage: %v", err)
			}
			for _, a := range page.Aliases {
				paged = append(paged, aws.ToString(a.AliasName))
			}
		}
		if strings.Join(paged, ",") != "alias/kabinet-fields,alias/other" {
			t.Errorf("paginated ListAliases = %v", paged)
		}
	})
}

func TestProtocolErrors(t *testing.T) {
	_, srv, _ := newClient(t)
	tests := []struct {
		name, method, target, body string
		status                     int
		typ                        string
	}{
		{"GET", http.MethodGet, "TrentService.Decrypt", "", 405, "UnknownOperationException"},
		{"no target", http.MethodPost, "", "{}", 400, "UnknownOperationException"},
		{"other service", http.MethodPost, "secretsmanager.GetSecretValue", "{}", 400, "UnknownOperationException"},
		{"unknown op", http.MethodPost, "TrentService.ReEncrypt", "{}", 400, "UnknownOperationException"},
		{"bad JSON", http.MethodPost, "TrentService.Decrypt", "{", 400, "SerializationException"},
		{"wrong types", http.MethodPost, "TrentService.Decrypt", `{"CiphertextBlob":5}`, 400, "SerializationException"},
		{"not base64", http.MethodPost, "TrentService.Decrypt", `{"CiphertextBlob":"%%%"}`, 400, "SerializationException"},
		{"invalid blob", http.MethodPost, "TrentService.Decrypt", `{"CiphertextBlob":"AAAA"}`, 400, "InvalidCiphertextException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+"/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", tc.target)
			req.Header.Set("Content-Type", contentType)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.Contains(string(body), `"__type":"`+tc.typ+`"`) ||
				!strings.Contains(string(body), `"message":`) || res.Header.Get("Content-Type") != contentType {
				t.Errorf("got %d %s %s, want %d with __type %s", res.StatusCode, res.Header.Get("Content-Type"), body, tc.status, tc.typ)
			}
		})
	}
}

// TestStandardEndpointSettings is the "one binary" promise: a client built
// from the default configuration reaches the emulator through
// AWS_ENDPOINT_URL_KMS alone.
func TestStandardEndpointSettings(t *testing.T) {
	emu, srv, _ := newClient(t)
	id := emu.CreateKey("fields")
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_KMS": srv.URL, "AWS_REGION": "eu-central-1",
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	out, err := kms.NewFromConfig(cfg).DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeKey through the default config: %v", err)
	}
	if aws.ToString(out.KeyMetadata.KeyId) != id {
		t.Errorf("DescribeKey = %s, want %s", aws.ToString(out.KeyMetadata.KeyId), id)
	}
}

// TestSigning checks Sign, Verify and GetPublicKey as issued documents use
// them, including that the public key verifies independently of KMS.
func TestSigning(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatalf("CreateKey(ECC_NIST_P256): %v", err)
	}
	md := created.KeyMetadata
	if md.KeyUsage != types.KeyUsageTypeSignVerify || md.KeySpec != types.KeySpecEccNistP256 ||
		len(md.SigningAlgorithms) != 1 || md.SigningAlgorithms[0] != types.SigningAlgorithmSpecEcdsaSha256 {
		t.Errorf("metadata = %+v", md)
	}
	id := aws.ToString(md.KeyId)
	digest := sha256.Sum256([]byte("document"))

	signed, err := client.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: digest[:],
		MessageType: types.MessageTypeDigest, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	// RAW hashes the message itself, so both forms verify the same signature.
	for _, in := range []*kms.VerifyInput{
		{Message: digest[:], MessageType: types.MessageTypeDigest},
		{Message: []byte("document"), MessageType: types.MessageTypeRaw},
	} {
		in.KeyId, in.Signature, in.SigningAlgorithm = aws.String(id), signed.Signature, types.SigningAlgorithmSpecEcdsaSha256
		out, err := client.Verify(ctx, in)
		if err != nil || !out.SignatureValid {
			t.Errorf("Verify(%s) = %+v, %v", in.MessageType, out, err)
		}
	}
	other := sha256.Sum256([]byte("documenT"))
	_, err = client.Verify(ctx, &kms.VerifyInput{KeyId: aws.String(id), Message: other[:], MessageType: types.MessageTypeDigest,
		Signature: signed.Signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	emutest.WantCode(t, err, "KMSInvalidSignatureException")

	pub, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetPublicKey: %v", err)
	}
	parsed, err := x509.ParsePKIXPublicKey(pub.PublicKey)
	if err != nil {
		t.Fatalf("public key is not DER SubjectPublicKeyInfo: %v", err)
	}
	ec, ok := parsed.(*ecdsa.PublicKey)
	if !ok || !ecdsa.VerifyASN1(ec, digest[:], signed.Signature) || ecdsa.VerifyASN1(ec, other[:], signed.Signature) {
		t.Error("the public key does not verify the signature independently")
	}

	// Keys are used only as their usage says.
	sym := emu.CreateKey("fields")
	_, err = client.Sign(ctx, &kms.SignInput{KeyId: aws.String(sym), Message: digest[:], MessageType: types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	emutest.WantCode(t, err, "InvalidKeyUsageException")
	_, err = client.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
	emutest.WantCode(t, err, "InvalidKeyUsageException")
	_, err = client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(sym)})
	emutest.WantCode(t, err, "UnsupportedOperationException")

	// Bad requests name what is wrong.
	_, err = client.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: []byte("short"), MessageType: types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	emutest.WantCode(t, err, "ValidationException")
	_, err = client.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: digest[:], SigningAlgorithm: types.SigningAlgorithmSpecRsassaPssSha256})
	emutest.WantCode(t, err, "InvalidKeyUsageException")
	_, err = client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeEncryptDecrypt})
	emutest.WantCode(t, err, "ValidationException")

	// A disabled key does not sign.
	if _, err := client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = client.Sign(ctx, &kms.SignInput{KeyId: aws.String(id), Message: digest[:], MessageType: types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	emutest.WantCode(t, err, "DisabledException")
	_, err = client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(id)})
	emutest.WantCode(t, err, "DisabledException")
}
