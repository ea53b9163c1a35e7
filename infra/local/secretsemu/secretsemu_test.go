package secretsemu

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/kabinet/kabinet/infra/local/emutest"
)

func newClient(t *testing.T) (*Server, *httptest.Server, *secretsmanager.Client) {
	t.Helper()
	emu := New()
	srv := emutest.Serve(t, emu)
	endpoint, creds := emutest.Endpoint(srv)
	client := secretsmanager.New(secretsmanager.Options{BaseEndpoint: endpoint, Region: emutest.Region, RetryMaxAttempts: 1, Credentials: creds})
	return emu, srv, client
}

func TestPutAndGet(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	arn := emu.Put("kabinet/index-key", "c2VjcmV0")
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:eu-central-1:000000000000:secret:kabinet/index-key-") ||
		len(arn) != len("arn:aws:secretsmanager:eu-central-1:000000000000:secret:kabinet/index-key-")+6 {
		t.Errorf("Put ARN = %s", arn)
	}
	if again := emu.Put("kabinet/index-key", "bmV3"); again != arn {
		t.Errorf("second Put ARN = %s, want the same secret %s", again, arn)
	}

	partial := arn[:len(arn)-7]
	for _, id := range []string{"kabinet/index-key", arn, partial} {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetSecretValue(%s): %v", id, err)
		}
		if aws.ToString(out.SecretString) != "bmV3" || aws.ToString(out.ARN) != arn || aws.ToString(out.Name) != "kabinet/index-key" ||
			strings.Join(out.VersionStages, ",") != "AWSCURRENT" || out.CreatedDate == nil {
			t.Errorf("GetSecretValue(%s) = %q %s %s %v", id, aws.ToString(out.SecretString), aws.ToString(out.ARN), aws.ToString(out.Name), out.VersionStages)
		}
	}

	prev, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(prev.SecretString) != "c2VjcmV0" {
		t.Fatalf("GetSecretValue(AWSPREVIOUS) = %+v, %v; want the first value", prev, err)
	}
	byID, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionId: prev.VersionId})
	if err != nil || aws.ToString(byID.SecretString) != "c2VjcmV0" || strings.Join(byID.VersionStages, ",") != "AWSPREVIOUS" {
		t.Errorf("GetSecretValue(VersionId) = %+v, %v", byID, err)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	arn := emu.Put("present", "x")
	_, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("empty")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	tests := []struct {
		name string
		in   secretsmanager.GetSecretValueInput
	}{
		{"unknown name", secretsmanager.GetSecretValueInput{SecretId: aws.String("absent")}},
		{"unknown ARN", secretsmanager.GetSecretValueInput{SecretId: aws.String(arn[:len(arn)-6] + "zzzzzz")}},
		{"no value yet", secretsmanager.GetSecretValueInput{SecretId: aws.String("empty")}},
		{"unknown version", secretsmanager.GetSecretValueInput{SecretId: aws.String("present"), VersionId: aws.String("00000000-0000-4000-8000-000000000000")}},
		{"no previous", secretsmanager.GetSecretValueInput{SecretId: aws.String("present"), VersionStage: aws.String("AWSPREVIOUS")}},
		{"unknown stage", secretsmanager.GetSecretValueInput{SecretId: aws.String("present"), VersionStage: aws.String("AWSPENDING")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.GetSecretValue(ctx, &tc.in)
			var nf *types.ResourceNotFoundException
			if !errors.As(err, &nf) {
				t.Fatalf("error = %v, want ResourceNotFoundException", err)
			}
			if nf.ErrorMessage() == "" || nf.ErrorMessage() == "ResourceNotFoundException" {
				t.Errorf("message %q was not carried over from the body", nf.ErrorMessage())
			}
		})
	}
	_, err = client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("absent")})
	emutest.WantCode(t, err, "ResourceNotFoundException")
}

func TestCreateAndDescribe(t *testing.T) {
	ctx := context.Background()
	_, _, client := newClient(t)
	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("kabinet/index-key"), Description: aws.String("blind index"), SecretString: aws.String("v1"),
		ClientRequestToken: aws.String("11111111-1111-4111-8111-111111111111"),
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if aws.ToString(created.VersionId) != "11111111-1111-4111-8111-111111111111" || aws.ToString(created.Name) != "kabinet/index-key" {
		t.Errorf("CreateSecret = %+v", created)
	}

	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("kabinet/index-key"), SecretString: aws.String("v2")})
	var exists *types.ResourceExistsException
	if !errors.As(err, &exists) {
		t.Errorf("second CreateSecret error = %v, want ResourceExistsException", err)
	}
	_, err = client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("both"), SecretString: aws.String("a"), SecretBinary: []byte("b")})
	emutest.WantCode(t, err, "InvalidParameterException")

	put, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: created.ARN, SecretBinary: []byte{0, 1, 2}})
	if err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	got, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: created.ARN})
	if err != nil || string(got.SecretBinary) != "\x00\x01\x02" || got.SecretString != nil {
		t.Errorf("GetSecretValue after binary put = %+v, %v", got, err)
	}

	desc, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("kabinet/index-key")})
	if err != nil {
		t.Fatalf("DescribeSecret: %v", err)
	}
	if aws.ToString(desc.ARN) != aws.ToString(created.ARN) || aws.ToString(desc.Description) != "blind index" || desc.CreatedDate == nil {
		t.Errorf("DescribeSecret = %+v", desc)
	}
	wantStages := map[string]string{"11111111-1111-4111-8111-111111111111": "AWSPREVIOUS", aws.ToString(put.VersionId): "AWSCURRENT"}
	if len(desc.VersionIdsToStages) != 2 {
		t.Errorf("VersionIdsToStages = %v, want %v", desc.VersionIdsToStages, wantStages)
	}
	for id, stage := range wantStages {
		if got := strings.Join(desc.VersionIdsToStages[id], ","); got != stage {
			t.Errorf("stages of %s = %q, want %q", id, got, stage)
		}
	}
}

func TestPutIsIdempotentPerToken(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newClient(t)
	emu.Put("s", "first")
	token := aws.String("22222222-2222-4222-8222-222222222222")
	for i := 0; i < 2; i++ {
		if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("second"), ClientRequestToken: token}); err != nil {
			t.Fatalf("PutSecretValue #%d: %v", i+1, err)
		}
	}
	// A retry must not push the first value out of AWSPREVIOUS.
	prev, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(prev.SecretString) != "first" {
		t.Errorf("AWSPREVIOUS = %+v, %v; want first", prev, err)
	}
	_, err = client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("other"), ClientRequestToken: token})
	emutest.WantCode(t, err, "ResourceExistsException")
}

func TestProtocolErrors(t *testing.T) {
	_, srv, _ := newClient(t)
	tests := []struct {
		name, target, body string
		typ                string
	}{
		{"unknown op", "secretsmanager.RotateSecret", "{}", "UnknownOperationException"},
		{"other service", "TrentService.Decrypt", "{}", "UnknownOperationException"},
		{"bad JSON", "secretsmanager.GetSecretValue", "{", "SerializationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", tc.target)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != 400 || !strings.Contains(string(body), `"__type":"`+tc.typ+`"`) {
				t.Errorf("got %d %s, want 400 %s", res.StatusCode, body, tc.typ)
			}
		})
	}
}

// TestStandardEndpointSettings: a client from the default configuration
// reaches the emulator through AWS_ENDPOINT_URL_SECRETS_MANAGER alone.
func TestStandardEndpointSettings(t *testing.T) {
	emu, srv, _ := newClient(t)
	emu.Put("kabinet/index-key", "value")
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL, "AWS_REGION": "eu-central-1",
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
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("kabinet/index-key")})
	if err != nil || aws.ToString(out.SecretString) != "value" {
		t.Fatalf("GetSecretValue through the default config = %v, %v", out, err)
	}
}
