package kmsseal_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/kabinet/kabinet/infra/local/kmsemu"
	"github.com/kabinet/kabinet/infra/local/secretsemu"
	"github.com/kabinet/kabinet/shared/vault"
	"github.com/kabinet/kabinet/shared/vault/kmsseal"
)

// A function's main builds the KMS and Secrets Manager clients from its
// aws.Config (kms.NewFromConfig, secretsmanager.NewFromConfig); here they
// point at the local stack's emulators.
func Example() {
	ctx := context.Background()
	kmsEmu, secretsEmu := kmsemu.New(), secretsemu.New()
	keyID := kmsEmu.CreateKey("kabinet fields")
	secretsEmu.Put("kabinet/index-key", base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	kmsSrv, secretsSrv := httptest.NewServer(kmsEmu), httptest.NewServer(secretsEmu)
	defer kmsSrv.Close()
	defer secretsSrv.Close()
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	kmsClient := kms.New(kms.Options{BaseEndpoint: aws.String(kmsSrv.URL), Region: "eu-central-1", Credentials: creds})
	secretsClient := secretsmanager.New(secretsmanager.Options{BaseEndpoint: aws.String(secretsSrv.URL), Region: "eu-central-1", Credentials: creds})

	// Once per cold start.
	sealer := kmsseal.NewSealer(kmsClient, keyID)
	key, err := vault.LoadIndexKey(ctx, secretsClient, "kabinet/index-key")
	if err != nil {
		fmt.Println(err)
		return
	}
	index, err := vault.NewIndex(key)
	if err != nil {
		fmt.Println(err)
		return
	}

	// Per field: the item stores the sealed value and the index value.
	snils := "11223344595" // as validate.SNILS returns it
	sealed, err := sealer.Seal(ctx, []byte(snils), kmsseal.FieldContext("user-sub", "snils"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(sealed, "v1."), strings.Contains(sealed, snils))
	fmt.Println(len(index.Of(vault.KindSNILS, snils)))

	plain, err := sealer.Open(ctx, sealed, kmsseal.FieldContext("user-sub", "snils"))
	fmt.Println(string(plain), err)
	_, err = sealer.Open(ctx, sealed, kmsseal.FieldContext("another-user", "snils"))
	fmt.Println(err)
	// Output:
	// true false
	// 43
	// 11223344595 <nil>
	// vault: sealed value is malformed, altered or sealed for another context
}
