// Package kmsemu is the local stack's KMS endpoint. Field encryption in
// shared/vault calls KMS through the ordinary SDK client, so that the code
// path that runs on AWS is the one that runs on a laptop; this package is
// what the client talks to when AWS_ENDPOINT_URL_KMS points at the stack.
//
// It speaks the KMS JSON 1.1 protocol (POST /, X-Amz-Target:
// TrentService.<Operation>) for the calls envelope encryption needs —
// GenerateDataKey, GenerateDataKeyWithoutPlaintext, Encrypt, Decrypt — and
// those signing issued documents needs — Sign, Verify, GetPublicKey on
// ECC_NIST_P256 keys — plus CreateKey, DescribeKey, EnableKey, DisableKey,
// CreateAlias and ListAliases to provision and inspect keys.
//
// Master keys are random AES-256 keys that live only in memory, so data
// encrypted by one run of the stack cannot be read by the next. A ciphertext
// blob is
//
//	0x01 | len(keyID) | keyID | nonce (12) | AES-GCM ciphertext and tag
//
// sealed with the master key and authenticated over the header and the
// canonical encryption context, so — as on AWS — a blob decrypts only with
// the key it names and the exact context it was created with; anything else,
// including a blob naming a key this process does not have, is an
// InvalidCiphertextException. An unknown KeyId parameter is a
// NotFoundException. The emulator is not a security boundary:
// it exists so that the same code path, including its failures, runs locally.
package kmsemu

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	contentType = "application/x-amz-json-1.1"
	// targetPrefix is the service name KMS's Smithy model gives the API.
	targetPrefix = "TrentService."
	// blobVersion marks the emulator's ciphertext blob layout.
	blobVersion = 0x01
	nonceSize   = 12
	// maxBody bounds a request; KMS's largest input (Encrypt) is 4 KiB of
	// plaintext, so 1 MiB leaves room for anything legitimate.
	maxBody = 1 << 20
	// maxPlaintext is KMS's Encrypt limit.
	maxPlaintext = 4096
	// maxDataKeyBytes is KMS's NumberOfBytes limit.
	maxDataKeyBytes = 1024
	// algorithm is the only encryption algorithm a symmetric key offers.
	algorithm = "SYMMETRIC_DEFAULT"
	// signingSpec and signingAlgorithm are the one asymmetric key the
	// emulator offers: ECDSA over P-256 with SHA-256, as issued documents
	// are signed.
	signingSpec      = "ECC_NIST_P256"
	signingAlgorithm = "ECDSA_SHA_256"
	usageEncrypt     = "ENCRYPT_DECRYPT"
	usageSign        = "SIGN_VERIFY"
	// maxMessage is KMS's limit on a RAW message to Sign or Verify.
	maxMessage = 4096
)

type key struct {
	id          string
	description string
	created     time.Time
	enabled     bool
	aead        cipher.AEAD       // a symmetric key
	signer      *ecdsa.PrivateKey // a signing key (ECC_NIST_P256)
}

type alias struct {
	name    string
	target  string
	created time.Time
	updated time.Time
}

// Server is an http.Handler speaking the KMS JSON 1.1 protocol. Its zero
// value is not usable; call New. It is safe for concurrent use.
type Server struct {
	// Region and Account go into the ARNs the emulator reports. Set them, if
	// at all, before the first request.
	Region  string
	Account string

	handlers map[string]handler

	mu      sync.RWMutex
	keys    map[string]*key
	aliases map[string]*alias
}

// New returns an emulator with no keys, reporting the local stack's region
// and the account id LocalStack uses.
func New() *Server {
	s := &Server{Region: "eu-central-1", Account: "000000000000",
		keys: map[string]*key{}, aliases: map[string]*alias{}}
	s.handlers = s.ops()
	return s
}

// CreateKey creates an enabled symmetric encryption key with a fresh random
// master key and returns its key id. The local stack calls it at start-up to
// provision the key the functions are configured with.
func (s *Server) CreateKey(description string) string {
	return s.createKey(description).id
}

// CreateSigningKey creates an enabled ECC_NIST_P256 SIGN_VERIFY key with a
// fresh private key and returns its key id.
func (s *Server) CreateSigningKey(description string) string {
	return s.createSigningKey(description).id
}

func (s *Server) createSigningKey(description string) *key {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // crypto/rand never fails
	k := &key{id: newID(), description: description, created: time.Now().UTC(), enabled: true, signer: priv}
	s.mu.Lock()
	s.keys[k.id] = k
	s.mu.Unlock()
	return k
}

// CreateAlias points aliasName ("alias/...") at the key targetKeyID, so the
// functions can be configured with a stable name. It fails if the name is
// invalid or taken or the key does not exist.
func (s *Server) CreateAlias(aliasName, targetKeyID string) error {
	if e := s.createAlias(aliasName, targetKeyID); e != nil {
		return fmt.Errorf("kmsemu: create alias %s: %s: %s", aliasName, e.Type, e.Message)
	}
	return nil
}

func (s *Server) createKey(description string) *key {
	master := make([]byte, 32)
	_, _ = rand.Read(master) // crypto/rand never fails on supported platforms
	block, _ := aes.NewCipher(master)
	aead, _ := cipher.NewGCM(block)
	k := &key{id: newID(), description: description, created: time.Now().UTC(), enabled: true, aead: aead}
	s.mu.Lock()
	s.keys[k.id] = k
	s.mu.Unlock()
	return k
}

func (s *Server) createAlias(name, target string) *apiError {
	if !strings.HasPrefix(name, "alias/") || len(name) <= len("alias/") || strings.HasPrefix(name, "alias/aws/") ||
		strings.ContainsAny(name[len("alias/"):], " :") {
		return &apiError{http.StatusBadRequest, "InvalidAliasNameException",
			"Alias must start with the prefix \"alias/\", must not start with \"alias/aws/\" and must not contain spaces or colons"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.aliases[name]; ok {
		return &apiError{http.StatusBadRequest, "AlreadyExistsException", "An alias with the name " + s.arn("alias", name[len("alias/"):]) + " already exists"}
	}
	// An alias must point at a key, never at another alias.
	id := target
	if i := strings.Index(target, ":key/"); strings.HasPrefix(target, "arn:") && i >= 0 {
		id = target[i+len(":key/"):]
	}
	if _, ok := s.keys[id]; !ok {
		return notFound(target)
	}
	now := time.Now().UTC()
	s.aliases[name] = &alias{name: name, target: id, created: now, updated: now}
	return nil
}

// resolve finds the key a KeyId parameter names: a key id, a key ARN, an
// alias name or an alias ARN, as KMS accepts.
func (s *Server) resolve(keyID string) (*key, *apiError) {
	if keyID == "" {
		return nil, validation("KeyId is required")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := keyID
	if strings.HasPrefix(id, "arn:") {
		switch {
		case strings.Contains(id, ":key/"):
			id = id[strings.Index(id, ":key/")+len(":key/"):]
		case strings.Contains(id, ":alias/"):
			id = id[strings.Index(id, ":alias/")+1:]
		default:
			return nil, &apiError{http.StatusBadRequest, "InvalidArnException", "Invalid arn " + keyID}
		}
	}
	if strings.HasPrefix(id, "alias/") {
		a, ok := s.aliases[id]
		if !ok {
			return nil, notFound(keyID)
		}
		id = a.target
	}
	k, ok := s.keys[id]
	if !ok {
		return nil, notFound(keyID)
	}
	return k, nil
}

func (s *Server) arn(kind, name string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:%s/%s", s.Region, s.Account, kind, name)
}

// ServeHTTP dispatches on X-Amz-Target, as KMS does; the path is always "/".
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &apiError{http.StatusMethodNotAllowed, "UnknownOperationException", "KMS accepts only POST"})
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok {
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException", "missing or foreign X-Amz-Target"})
		return
	}
	h, ok := s.handlers[op]
	if !ok {
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException", "operation " + op + " is not emulated"})
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	out, e := h(dec)
	if e != nil {
		writeError(w, e)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(out)
}

type handler func(*json.Decoder) (any, *apiError)

func (s *Server) ops() map[string]handler {
	return map[string]handler{
		"CreateKey":                       s.opCreateKey,
		"DescribeKey":                     s.opDescribeKey,
		"EnableKey":                       func(d *json.Decoder) (any, *apiError) { return s.opSetEnabled(d, true) },
		"DisableKey":                      func(d *json.Decoder) (any, *apiError) { return s.opSetEnabled(d, false) },
		"GenerateDataKey":                 func(d *json.Decoder) (any, *apiError) { return s.opGenerateDataKey(d, true) },
		"GenerateDataKeyWithoutPlaintext": func(d *json.Decoder) (any, *apiError) { return s.opGenerateDataKey(d, false) },
		"Encrypt":                         s.opEncrypt,
		"Decrypt":                         s.opDecrypt,
		"Sign":                            s.opSign,
		"Verify":                          s.opVerify,
		"GetPublicKey":                    s.opGetPublicKey,
		"CreateAlias":                     s.opCreateAlias,
		"ListAliases":                     s.opListAliases,
	}
}

func decode(d *json.Decoder, v any) *apiError {
	if err := d.Decode(v); err != nil {
		return &apiError{http.StatusBadRequest, "SerializationException", "request body is not valid JSON for this operation"}
	}
	return nil
}

// keyMetadata is the KeyMetadata structure of CreateKey and DescribeKey.
type keyMetadata struct {
	AWSAccountId          string
	Arn                   string
	CreationDate          float64
	CustomerMasterKeySpec string
	Description           string
	Enabled               bool
	EncryptionAlgorithms  []string `json:",omitempty"`
	SigningAlgorithms     []string `json:",omitempty"`
	KeyId                 string
	KeyManager            string
	KeySpec               string
	KeyState              string
	KeyUsage              string
	MultiRegion           bool
	Origin                string
}

func (s *Server) metadata(k *key) keyMetadata {
	s.mu.RLock()
	enabled := k.enabled
	s.mu.RUnlock()
	state := "Enabled"
	if !enabled {
		state = "Disabled"
	}
	m := keyMetadata{
		AWSAccountId: s.Account, Arn: s.arn("key", k.id), CreationDate: epoch(k.created),
		CustomerMasterKeySpec: algorithm, Description: k.description, Enabled: enabled,
		EncryptionAlgorithms: []string{algorithm}, KeyId: k.id, KeyManager: "CUSTOMER",
		KeySpec: algorithm, KeyState: state, KeyUsage: usageEncrypt, Origin: "AWS_KMS",
	}
	if k.signer != nil {
		m.CustomerMasterKeySpec, m.KeySpec, m.KeyUsage = signingSpec, signingSpec, usageSign
		m.EncryptionAlgorithms, m.SigningAlgorithms = nil, []string{signingAlgorithm}
	}
	return m
}

func (s *Server) opCreateKey(d *json.Decoder) (any, *apiError) {
	var in struct{ Description, KeySpec, CustomerMasterKeySpec, KeyUsage, Origin string }
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	// Only what envelope encryption and document signing use is emulated;
	// saying so beats silently creating a key that behaves differently from
	// the one asked for.
	spec := in.KeySpec
	if spec == "" {
		spec = in.CustomerMasterKeySpec
	}
	if spec == "" {
		spec = algorithm
	}
	usage := in.KeyUsage
	if usage == "" {
		usage = usageEncrypt
	}
	if in.Origin != "" && in.Origin != "AWS_KMS" {
		return nil, &apiError{http.StatusBadRequest, "UnsupportedOperationException", "kmsemu supports only AWS_KMS key material"}
	}
	switch {
	case spec == algorithm && usage == usageEncrypt:
		return map[string]any{"KeyMetadata": s.metadata(s.createKey(in.Description))}, nil
	case spec == signingSpec && usage == usageSign:
		return map[string]any{"KeyMetadata": s.metadata(s.createSigningKey(in.Description))}, nil
	case spec == algorithm || spec == signingSpec:
		return nil, validation("KeyUsage " + usage + " is not valid for KeySpec " + spec)
	}
	return nil, &apiError{http.StatusBadRequest, "UnsupportedOperationException",
		"kmsemu supports only SYMMETRIC_DEFAULT (ENCRYPT_DECRYPT) and ECC_NIST_P256 (SIGN_VERIFY) keys"}
}

// keyOf resolves the key a request of just a KeyId names.
func (s *Server) keyOf(d *json.Decoder) (*key, *apiError) {
	var in struct{ KeyId string }
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	return s.resolve(in.KeyId)
}

func (s *Server) opDescribeKey(d *json.Decoder) (any, *apiError) {
	k, e := s.keyOf(d)
	if e != nil {
		return nil, e
	}
	return map[string]any{"KeyMetadata": s.metadata(k)}, nil
}

func (s *Server) opSetEnabled(d *json.Decoder, enabled bool) (any, *apiError) {
	k, e := s.keyOf(d)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	k.enabled = enabled
	s.mu.Unlock()
	return struct{}{}, nil
}

// usable resolves a symmetric key for an encryption operation, which a
// disabled key or a signing key refuses.
func (s *Server) usable(keyID string) (*key, *apiError) {
	return s.usableFor(keyID, usageEncrypt)
}

// usableFor resolves a key for an operation of the given key usage.
func (s *Server) usableFor(keyID, usage string) (*key, *apiError) {
	k, e := s.resolve(keyID)
	if e != nil {
		return nil, e
	}
	if (k.signer != nil) != (usage == usageSign) {
		return nil, &apiError{http.StatusBadRequest, "InvalidKeyUsageException",
			"You cannot perform this operation on a KMS key whose KeyUsage is not " + usage + "."}
	}
	s.mu.RLock()
	enabled := k.enabled
	s.mu.RUnlock()
	if !enabled {
		return nil, &apiError{http.StatusBadRequest, "DisabledException", s.arn("key", k.id) + " is disabled."}
	}
	return k, nil
}

type encryptInput struct {
	KeyId               string
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
}

func (s *Server) opGenerateDataKey(d *json.Decoder, withPlaintext bool) (any, *apiError) {
	var in struct {
		encryptInput
		KeySpec       string
		NumberOfBytes *int
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	var n int
	switch {
	case in.KeySpec != "" && in.NumberOfBytes != nil:
		return nil, validation("specify either KeySpec or NumberOfBytes, not both")
	case in.KeySpec == "AES_256":
		n = 32
	case in.KeySpec == "AES_128":
		n = 16
	case in.KeySpec != "":
		return nil, validation("KeySpec must be AES_256 or AES_128")
	case in.NumberOfBytes == nil:
		return nil, validation("specify KeySpec or NumberOfBytes")
	case *in.NumberOfBytes < 1 || *in.NumberOfBytes > maxDataKeyBytes:
		return nil, validation("NumberOfBytes must be between 1 and 1024")
	default:
		n = *in.NumberOfBytes
	}
	k, e := s.usable(in.KeyId)
	if e != nil {
		return nil, e
	}
	plain := make([]byte, n)
	_, _ = rand.Read(plain)
	out := map[string]any{"CiphertextBlob": seal(k, plain, in.EncryptionContext), "KeyId": s.arn("key", k.id)}
	if withPlaintext {
		out["Plaintext"] = plain
	}
	return out, nil
}

func (s *Server) opEncrypt(d *json.Decoder) (any, *apiError) {
	var in struct {
		encryptInput
		Plaintext []byte
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	if len(in.Plaintext) < 1 || len(in.Plaintext) > maxPlaintext {
		return nil, validation("Plaintext must be between 1 and 4096 bytes")
	}
	if in.EncryptionAlgorithm != "" && in.EncryptionAlgorithm != algorithm {
		return nil, &apiError{http.StatusBadRequest, "InvalidKeyUsageException", "a symmetric key supports only SYMMETRIC_DEFAULT"}
	}
	k, e := s.usable(in.KeyId)
	if e != nil {
		return nil, e
	}
	return map[string]any{"CiphertextBlob": seal(k, in.Plaintext, in.EncryptionContext),
		"KeyId": s.arn("key", k.id), "EncryptionAlgorithm": algorithm}, nil
}

func (s *Server) opDecrypt(d *json.Decoder) (any, *apiError) {
	var in struct {
		encryptInput
		CiphertextBlob []byte
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	if in.EncryptionAlgorithm != "" && in.EncryptionAlgorithm != algorithm {
		return nil, &apiError{http.StatusBadRequest, "InvalidKeyUsageException", "a symmetric key supports only SYMMETRIC_DEFAULT"}
	}
	// Naming the expected key is KMS's defence against a ciphertext that
	// substitutes another key: an unknown name is NotFound, a mismatch is
	// IncorrectKey.
	var want *key
	if in.KeyId != "" {
		var e *apiError
		if want, e = s.resolve(in.KeyId); e != nil {
			return nil, e
		}
	}
	id, ok := blobKeyID(in.CiphertextBlob)
	if !ok {
		return nil, invalidCiphertext()
	}
	k, e := s.usable(id)
	if e != nil && e.Type == "NotFoundException" {
		// To KMS a blob is opaque: one it cannot attribute to a key is just
		// invalid. Here that is most likely a blob from an earlier run.
		e = invalidCiphertext()
		e.Message += " (Its key " + id + " is unknown; kmsemu keeps keys only in memory, so blobs from an earlier run cannot be decrypted.)"
	}
	if e != nil {
		return nil, e
	}
	if want != nil && want != k {
		return nil, &apiError{http.StatusBadRequest, "IncorrectKeyException",
			"The key ID in the request does not identify a KMS key that can perform this operation."}
	}
	plain, ok := open(k, in.CiphertextBlob, in.EncryptionContext)
	if !ok {
		return nil, invalidCiphertext()
	}
	return map[string]any{"Plaintext": plain, "KeyId": s.arn("key", k.id), "EncryptionAlgorithm": algorithm}, nil
}

type signInput struct {
	KeyId            string
	Message          []byte
	MessageType      string
	SigningAlgorithm string
}

// digest checks a Sign or Verify request and returns the SHA-256 digest
// to sign: the message itself when MessageType is DIGEST.
func (in signInput) digest() ([]byte, *apiError) {
	if in.SigningAlgorithm != signingAlgorithm {
		return nil, &apiError{http.StatusBadRequest, "InvalidKeyUsageException", "an ECC_NIST_P256 key signs only with ECDSA_SHA_256"}
	}
	switch in.MessageType {
	case "", "RAW":
		if len(in.Message) < 1 || len(in.Message) > maxMessage {
			return nil, validation("Message must be between 1 and 4096 bytes")
		}
		d := sha256.Sum256(in.Message)
		return d[:], nil
	case "DIGEST":
		if len(in.Message) != sha256.Size {
			return nil, validation("a DIGEST message for ECDSA_SHA_256 must be 32 bytes")
		}
		return in.Message, nil
	}
	return nil, validation("MessageType must be RAW or DIGEST")
}

// signingRequest resolves a Sign or Verify request's key and digest.
func (s *Server) signingRequest(in signInput) (*key, []byte, *apiError) {
	digest, e := in.digest()
	if e != nil {
		return nil, nil, e
	}
	k, e := s.usableFor(in.KeyId, usageSign)
	return k, digest, e
}

func (s *Server) opSign(d *json.Decoder) (any, *apiError) {
	var in signInput
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	k, digest, e := s.signingRequest(in)
	if e != nil {
		return nil, e
	}
	sig, err := ecdsa.SignASN1(rand.Reader, k.signer, digest)
	if err != nil {
		return nil, &apiError{http.StatusInternalServerError, "KMSInternalException", err.Error()}
	}
	return map[string]any{"KeyId": s.arn("key", k.id), "Signature": sig, "SigningAlgorithm": signingAlgorithm}, nil
}

func (s *Server) opVerify(d *json.Decoder) (any, *apiError) {
	var in struct {
		signInput
		Signature []byte
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	k, digest, e := s.signingRequest(in.signInput)
	if e != nil {
		return nil, e
	}
	if !ecdsa.VerifyASN1(&k.signer.PublicKey, digest, in.Signature) {
		// As on AWS, a signature that does not verify is an error, not false.
		return nil, &apiError{http.StatusBadRequest, "KMSInvalidSignatureException", "The signature is not valid."}
	}
	return map[string]any{"KeyId": s.arn("key", k.id), "SignatureValid": true, "SigningAlgorithm": signingAlgorithm}, nil
}

func (s *Server) opGetPublicKey(d *json.Decoder) (any, *apiError) {
	k, e := s.keyOf(d)
	if e != nil {
		return nil, e
	}
	if k.signer == nil {
		return nil, &apiError{http.StatusBadRequest, "UnsupportedOperationException", "a symmetric key has no public key"}
	}
	if _, e := s.usableFor(k.id, usageSign); e != nil {
		return nil, e // disabled
	}
	der, err := x509.MarshalPKIXPublicKey(&k.signer.PublicKey)
	if err != nil {
		return nil, &apiError{http.StatusInternalServerError, "KMSInternalException", err.Error()}
	}
	return map[string]any{"KeyId": s.arn("key", k.id), "PublicKey": der, "KeySpec": signingSpec,
		"CustomerMasterKeySpec": signingSpec, "KeyUsage": usageSign, "SigningAlgorithms": []string{signingAlgorithm}}, nil
}

func (s *Server) opCreateAlias(d *json.Decoder) (any, *apiError) {
	var in struct{ AliasName, TargetKeyId string }
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	if e := s.createAlias(in.AliasName, in.TargetKeyId); e != nil {
		return nil, e
	}
	return struct{}{}, nil
}

type aliasEntry struct {
	AliasArn        string
	AliasName       string
	CreationDate    float64
	LastUpdatedDate float64
	TargetKeyId     string
}

func (s *Server) opListAliases(d *json.Decoder) (any, *apiError) {
	var in struct {
		KeyId  string
		Limit  int
		Marker string
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	limit := in.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 100 {
		return nil, validation("Limit must be between 1 and 100")
	}
	filter := ""
	if in.KeyId != "" {
		k, e := s.resolve(in.KeyId)
		if e != nil {
			return nil, e
		}
		filter = k.id
	}
	s.mu.RLock()
	var list []aliasEntry
	for _, a := range s.aliases {
		if (filter == "" || a.target == filter) && a.name > in.Marker {
			list = append(list, aliasEntry{AliasArn: s.arn("alias", a.name[len("alias/"):]), AliasName: a.name,
				CreationDate: epoch(a.created), LastUpdatedDate: epoch(a.updated), TargetKeyId: a.target})
		}
	}
	s.mu.RUnlock()
	// Aliases are listed in name order so that the marker — the last name
	// returned — resumes the listing exactly.
	sort.Slice(list, func(i, j int) bool { return list[i].AliasName < list[j].AliasName })
	out := map[string]any{"Truncated": false}
	if len(list) > limit {
		list = list[:limit]
		out["Truncated"] = true
		out["NextMarker"] = list[limit-1].AliasName
	}
	out["Aliases"] = append([]aliasEntry{}, list...)
	return out, nil
}

// seal encrypts plain under k, binding the blob header (and so the key id)
// and the encryption context as additional data.
func seal(k *key, plain []byte, ec map[string]string) []byte {
	header := append([]byte{blobVersion, byte(len(k.id))}, k.id...)
	aad := additionalData(header, ec)
	nonce := make([]byte, nonceSize)
	_, _ = rand.Read(nonce)
	blob := append(header, nonce...)
	return k.aead.Seal(blob, nonce, plain, aad)
}

// blobKeyID reads the key id from a blob's header without trusting it: the
// header is authenticated when the blob is opened.
func blobKeyID(blob []byte) (string, bool) {
	if len(blob) < 2 || blob[0] != blobVersion {
		return "", false
	}
	n := int(blob[1])
	if n == 0 || len(blob) < 2+n+nonceSize+16 {
		return "", false
	}
	return string(blob[2 : 2+n]), true
}

func open(k *key, blob []byte, ec map[string]string) ([]byte, bool) {
	n := 2 + int(blob[1])
	header, nonce, sealed := blob[:n], blob[n:n+nonceSize], blob[n+nonceSize:]
	plain, err := k.aead.Open(nil, nonce, sealed, additionalData(header, ec))
	return plain, err == nil
}

// additionalData is the header followed by the encryption context with its
// keys sorted and every key and value length-prefixed, so that no two
// different contexts encode alike and map order does not matter. Like KMS,
// a nil context and an empty one are the same.
func additionalData(header []byte, ec map[string]string) []byte {
	keys := make([]string, 0, len(ec))
	for k := range ec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := append([]byte(nil), header...)
	for _, k := range keys {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		out = binary.AppendUvarint(out, uint64(len(ec[k])))
		out = append(out, ec[k]...)
	}
	return out
}

// apiError is an error response: the status and the body's __type and message.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func validation(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", msg}
}

func notFound(keyID string) *apiError {
	return &apiError{http.StatusBadRequest, "NotFoundException", "Key '" + keyID + "' does not exist"}
}

func invalidCiphertext() *apiError {
	return &apiError{http.StatusBadRequest, "InvalidCiphertextException",
		"The ciphertext is invalid, was altered, or was encrypted under another key or encryption context."}
}

// writeError writes the awsJson error shape. KMS's exceptions carry
// "message" in lower case; the type also goes in X-Amzn-ErrorType as AWS does.
func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
}

// epoch is a timestamp as the JSON protocols carry it: seconds since the
// Unix epoch.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40 // a version-4 UUID, the shape KMS key ids have
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
