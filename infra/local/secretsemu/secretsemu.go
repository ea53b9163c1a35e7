// Package secretsemu is the local stack's Secrets Manager endpoint. Keys that
// must not live in the template or the environment — the blind-index key of
// shared/vault first of all — are read from Secrets Manager by the same code
// on AWS and on a laptop; locally AWS_ENDPOINT_URL_SECRETS_MANAGER points the
// SDK here.
//
// It speaks the Secrets Manager JSON 1.1 protocol (POST /, X-Amz-Target:
// secretsmanager.<Operation>) for CreateSecret, PutSecretValue,
// GetSecretValue and DescribeSecret. Secrets live in memory; each value is a
// version labelled AWSCURRENT, and the one it replaced becomes AWSPREVIOUS,
// as on AWS, so rotation can be tried locally.
package secretsemu

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

const (
	contentType  = "application/x-amz-json-1.1"
	targetPrefix = "secretsmanager."
	maxBody      = 1 << 20
	// maxSecretSize is Secrets Manager's limit on a secret value.
	maxSecretSize = 65536

	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
)

type version struct {
	id      string
	str     *string
	bin     []byte
	created time.Time
}

type secret struct {
	name, arn, description string
	created, changed       time.Time
	versions               map[string]*version
	// current and previous are the version ids the two AWS staging labels
	// point at; either may be empty.
	current, previous string
}

// Server is an http.Handler speaking the Secrets Manager JSON 1.1 protocol.
// Its zero value is not usable; call New. It is safe for concurrent use.
type Server struct {
	// Region and Account go into the ARNs the emulator reports. Set them, if
	// at all, before the first secret is created.
	Region  string
	Account string

	mu      sync.Mutex
	secrets map[string]*secret // by name
}

// New returns an emulator with no secrets, reporting the local stack's
// region and the account id LocalStack uses.
func New() *Server {
	return &Server{Region: "eu-central-1", Account: "000000000000", secrets: map[string]*secret{}}
}

// Put stores value as the current version of the secret name, creating the
// secret if needed, and returns the secret's ARN. The local stack calls it to
// provision secrets at start-up.
func (s *Server) Put(name, value string) (arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		sec = s.create(name, "")
	}
	s.addVersion(sec, newUUID(), &value, nil)
	return sec.arn
}

// create adds an empty secret; the caller holds s.mu.
func (s *Server) create(name, description string) *secret {
	now := time.Now().UTC()
	// AWS appends six random characters so that a deleted and re-created
	// secret gets a new ARN; callers must therefore not build ARNs themselves.
	sec := &secret{name: name, description: description, created: now, changed: now, versions: map[string]*version{},
		arn: fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", s.Region, s.Account, name, randomSuffix())}
	s.secrets[name] = sec
	return sec
}

// addVersion makes a new current version; the caller holds s.mu.
func (s *Server) addVersion(sec *secret, id string, str *string, bin []byte) *version {
	v := &version{id: id, str: str, bin: bin, created: time.Now().UTC()}
	sec.versions[id] = v
	// Only the labelled versions are reachable; dropping the rest keeps a
	// long-running stack from growing without bound.
	for vid := range sec.versions {
		if vid != id && vid != sec.current {
			delete(sec.versions, vid)
		}
	}
	sec.previous, sec.current = sec.current, id
	sec.changed = v.created
	return v
}

// find looks a secret up by name, full ARN or partial ARN (the ARN without
// its random suffix), the forms Secrets Manager accepts as SecretId.
func (s *Server) find(id string) (*secret, *apiError) {
	if sec, ok := s.secrets[id]; ok {
		return sec, nil
	}
	if strings.HasPrefix(id, "arn:") {
		for _, sec := range s.secrets {
			if sec.arn == id || sec.arn[:len(sec.arn)-len("-XXXXXX")] == id {
				return sec, nil
			}
		}
	}
	return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."}
}

func (sec *secret) stages(id string) []string {
	var out []string
	if id == sec.current {
		out = append(out, stageCurrent)
	}
	if id == sec.previous {
		out = append(out, stagePrevious)
	}
	return out
}

// ServeHTTP dispatches on X-Amz-Target, as Secrets Manager does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, &apiError{http.StatusMethodNotAllowed, "UnknownOperationException", "Secrets Manager accepts only POST"})
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	var h func(*json.Decoder) (any, *apiError)
	switch op {
	case "CreateSecret":
		h = s.opCreateSecret
	case "PutSecretValue":
		h = s.opPutSecretValue
	case "GetSecretValue":
		h = s.opGetSecretValue
	case "DescribeSecret":
		h = s.opDescribeSecret
	}
	if !ok || h == nil {
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException", "operation " + r.Header.Get("X-Amz-Target") + " is not emulated"})
		return
	}
	out, e := h(json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)))
	if e != nil {
		writeError(w, e)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(out)
}

func decode(d *json.Decoder, v any) *apiError {
	if err := d.Decode(v); err != nil {
		return &apiError{http.StatusBadRequest, "SerializationException", "request body is not valid JSON for this operation"}
	}
	return nil
}

// value checks a SecretString/SecretBinary pair as CreateSecret and
// PutSecretValue do.
func value(str *string, bin []byte, required bool) *apiError {
	switch {
	case str != nil && bin != nil:
		return invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.")
	case required && str == nil && bin == nil:
		return invalidParameter("You must provide either SecretString or SecretBinary.")
	case str != nil && len(*str) > maxSecretSize, len(bin) > maxSecretSize:
		return invalidParameter("The secret value exceeds 65536 bytes.")
	}
	return nil
}

type writeInput struct {
	SecretString       *string
	SecretBinary       []byte
	ClientRequestToken string
}

// write stores a new version unless the token names an existing one: a
// retried request with the same token and value is a no-op, as on AWS, and
// the same token with another value is an error.
func (s *Server) write(sec *secret, in writeInput) (*version, *apiError) {
	if in.ClientRequestToken == "" {
		in.ClientRequestToken = newUUID()
	}
	if old, ok := sec.versions[in.ClientRequestToken]; ok {
		if !equal(old.str, in.SecretString) || !bytes.Equal(old.bin, in.SecretBinary) {
			return nil, &apiError{http.StatusBadRequest, "ResourceExistsException",
				"You can't modify an existing version, you can only create a new version."}
		}
		return old, nil
	}
	return s.addVersion(sec, in.ClientRequestToken, in.SecretString, in.SecretBinary), nil
}

func (s *Server) opCreateSecret(d *json.Decoder) (any, *apiError) {
	var in struct {
		writeInput
		Name, Description string
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	if in.Name == "" || len(in.Name) > 512 {
		return nil, invalidParameter("Name must be 1 to 512 characters.")
	}
	if e := value(in.SecretString, in.SecretBinary, false); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.secrets[in.Name]; ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceExistsException", "The operation failed because the secret " + in.Name + " already exists."}
	}
	sec := s.create(in.Name, in.Description)
	out := map[string]any{"ARN": sec.arn, "Name": sec.name}
	if in.SecretString != nil || in.SecretBinary != nil {
		v, e := s.write(sec, in.writeInput)
		if e != nil {
			return nil, e
		}
		out["VersionId"] = v.id
	}
	return out, nil
}

func (s *Server) opPutSecretValue(d *json.Decoder) (any, *apiError) {
	var in struct {
		writeInput
		SecretId string
	}
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	if e := value(in.SecretString, in.SecretBinary, true); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	v, e := s.write(sec, in.writeInput)
	if e != nil {
		return nil, e
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": sec.stages(v.id)}, nil
}

func (s *Server) opGetSecretValue(d *json.Decoder) (any, *apiError) {
	var in struct{ SecretId, VersionId, VersionStage string }
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	id := in.VersionId
	switch stage := in.VersionStage; {
	case stage == "" && id == "", stage == stageCurrent && (id == "" || id == sec.current):
		id = sec.current
	case stage == stagePrevious && (id == "" || id == sec.previous):
		id = sec.previous
	case stage != "":
		// A stage that does not match the version asked for, or one the
		// emulator never assigns, finds nothing.
		id = ""
	}
	v, ok := sec.versions[id]
	if !ok {
		return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for VersionId or VersionStage."}
	}
	out := map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id,
		"VersionStages": sec.stages(v.id), "CreatedDate": epoch(v.created)}
	if v.str != nil {
		out["SecretString"] = *v.str
	}
	if v.bin != nil {
		out["SecretBinary"] = v.bin
	}
	return out, nil
}

func (s *Server) opDescribeSecret(d *json.Decoder) (any, *apiError) {
	var in struct{ SecretId string }
	if e := decode(d, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, e := s.find(in.SecretId)
	if e != nil {
		return nil, e
	}
	stages := map[string][]string{}
	for id := range sec.versions {
		if st := sec.stages(id); len(st) > 0 {
			stages[id] = st
		}
	}
	out := map[string]any{"ARN": sec.arn, "Name": sec.name, "CreatedDate": epoch(sec.created),
		"LastChangedDate": epoch(sec.changed), "RotationEnabled": false, "VersionIdsToStages": stages}
	if sec.description != "" {
		out["Description"] = sec.description
	}
	return out, nil
}

type apiError struct {
	Status  int
	Type    string
	Message string
}

func invalidParameter(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidParameterException", msg}
}

// writeError writes the awsJson error shape. Secrets Manager's exceptions
// carry "Message" capitalised, unlike KMS's.
func writeError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "Message": e.Message})
}

func equal(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
