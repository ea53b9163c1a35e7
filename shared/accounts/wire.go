package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/cognito"
	"github.com/kabinet/kabinet/shared/config"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/inbox"
	"github.com/kabinet/kabinet/shared/journal"
	"github.com/kabinet/kabinet/shared/notify"
	"github.com/kabinet/kabinet/shared/password"
	"github.com/kabinet/kabinet/shared/sessions"
	"github.com/kabinet/kabinet/shared/vault"
)

// Settings are what a function reads from its environment to build the
// service (each function's main reads them, so the template test sees them).
type Settings struct {
	UserPoolID, ClientID      string
	FieldKeyID, IndexSecretID string
	EmailFrom, ConfigSet      string
	SMSSenderID               string
	PasswordProfile           string
}

// SettingsFrom reads the settings from a function's environment; what is
// missing is collected in env (see env.Err).
func SettingsFrom(env *config.Env) Settings {
	return Settings{
		UserPoolID: env.String(config.UserPoolID), ClientID: env.String(config.UserPoolClientID),
		FieldKeyID: env.String(config.FieldKeyID), IndexSecretID: env.String(config.IndexKeySecret),
		EmailFrom: env.String(config.EmailFrom), ConfigSet: env.Optional(config.SESConfigSet, ""),
		SMSSenderID: env.Optional(config.SMSSenderID, ""), PasswordProfile: env.Optional(config.PasswordProfile, "seeds"),
	}
}

// New builds the service on AWS clients made from cfg, once per cold start.
func New(ctx context.Context, cfg aws.Config, db *dynamo.Store, st Settings, c clock.Clock) (*Service, error) {
	profile, err := password.ByName(st.PasswordProfile)
	if err != nil {
		return nil, err
	}
	indexKey, err := vault.LoadIndexKey(ctx, secretsmanager.NewFromConfig(cfg), st.IndexSecretID)
	if err != nil {
		return nil, err
	}
	index, err := vault.NewIndex(indexKey)
	if err != nil {
		return nil, err
	}
	// One-time codes are hashed with a key derived from the index key.
	return &Service{
		DB: db, Users: cognito.New(cip.NewFromConfig(cfg), st.UserPoolID, st.ClientID),
		Sealer: vault.NewSealer(kms.NewFromConfig(cfg), st.FieldKeyID), Index: index, Policy: profile,
		SMS:      notify.NewMessenger(sns.NewFromConfig(cfg), st.SMSSenderID),
		Mail:     notify.NewMailer(sesv2.NewFromConfig(cfg), st.EmailFrom, st.ConfigSet),
		Sessions: sessions.NewStore(db), Inbox: &inbox.Store{DB: db}, Clock: c, CodeKey: DeriveKey(indexKey, "kabinet one-time codes"),
		Journal: &journal.Journal{DB: db, Key: journal.StaticKey(DeriveKey(indexKey, "kabinet activity journal")), Clock: c},
	}, nil
}

// DeriveKey derives a purpose-bound key from the index key, so one secret
// serves the blind index, one-time codes and the journal's chain without
// any of them sharing a key.
func DeriveKey(indexKey []byte, purpose string) []byte {
	m := hmac.New(sha256.New, indexKey)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}
