package yookassa

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsAPI is the part of the Secrets Manager API a managed secret key
// uses; *secretsmanager.Client implements it.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ SecretsAPI = (*secretsmanager.Client)(nil)

// SecretKey is the shop's secret key (the password of HTTP Basic auth). A
// managed one is read from Secrets Manager on first use, not at cold start,
// and kept for the life of the process; a failed read is not kept, and a key
// ЮKassa refuses is forgotten, so a rotated key is read again. It is safe
// for concurrent use.
type SecretKey struct {
	api      SecretsAPI
	secretID string

	mu  sync.Mutex
	key string
}

// StaticSecretKey is a key known already (tests, the local tools).
func StaticSecretKey(key string) *SecretKey { return &SecretKey{key: key} }

// ManagedSecretKey reads the key from the string value of the secret
// secretID (a name or an ARN) when it is first needed.
func ManagedSecretKey(api SecretsAPI, secretID string) *SecretKey {
	return &SecretKey{api: api, secretID: secretID}
}

// get returns the key, reading the secret if it is not known.
func (s *SecretKey) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != "" || s.api == nil {
		return s.key, nil
	}
	out, err := s.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.secretID)})
	if err != nil {
		return "", fmt.Errorf("read the shop's secret key from secret %q: %w", s.secretID, err)
	}
	key := strings.TrimSpace(aws.ToString(out.SecretString))
	if key == "" {
		return "", fmt.Errorf("secret %q has no string value for the shop's secret key", s.secretID)
	}
	s.key = key
	return key, nil
}

// forget drops a managed key so that the next request reads it again.
func (s *SecretKey) forget() {
	s.mu.Lock()
	if s.api != nil {
		s.key = ""
	}
	s.mu.Unlock()
}
