package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"gopkg.in/yaml.v3"

	"github.com/kabinet/kabinet/infra/local/template"
)

// Clients for the emulators, for provisioning, seeding and tests.

// DynamoDB returns a client for the DynamoDB emulator.
func (s *Stack) DynamoDB() *dynamodb.Client {
	return dynamodb.NewFromConfig(s.cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(s.DynamoURL) })
}

// S3 returns a client for the S3 emulator.
func (s *Stack) S3() *s3.Client {
	return s3.NewFromConfig(s.cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(s.S3URL); o.UsePathStyle = true })
}

// SNSClient returns a client for the SNS endpoint.
func (s *Stack) SNSClient() *sns.Client {
	return sns.NewFromConfig(s.cfg, func(o *sns.Options) { o.BaseEndpoint = aws.String(s.SNSURL) })
}

// KMSClient returns a client for the KMS endpoint.
func (s *Stack) KMSClient() *kms.Client {
	return kms.NewFromConfig(s.cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(s.KMSURL) })
}

// SecretsClient returns a client for the Secrets Manager endpoint.
func (s *Stack) SecretsClient() *secretsmanager.Client {
	return secretsmanager.NewFromConfig(s.cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(s.SecretsURL) })
}

// Cognito returns a client for cognito-local.
func (s *Stack) Cognito() *cip.Client {
	return cip.NewFromConfig(s.cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(s.CognitoURL) })
}

func (s *Stack) param(name string) string {
	if name == "Stage" {
		return "local"
	}
	if name == "AppVersion" {
		return s.opts.Version
	}
	if name == "CorsAllowOrigin" {
		return "*"
	}
	if name == "PortalUrl" && s.apiLn != nil {
		// No web client runs locally: a payer comes back to the API.
		return "http://" + s.apiLn.Addr().String()
	}
	if name == "AcceptTestPayments" {
		// The emulator's shop is a test shop, as a ЮKassa test shop is.
		return "true"
	}
	if v, ok := s.Resources["param:"+name]; ok {
		return v
	}
	return s.Template.Parameters[name].Default
}

func (s *Stack) resolver() template.Resolver {
	r := template.Resolver{Refs: map[string]string{"AWS::Region": Region, "AWS::AccountId": "000000000000",
		"AWS::StackName": "kabinet-local", "AWS::NoValue": ""}, Attrs: map[string]string{}}
	for name := range s.Template.Parameters {
		r.Refs[name] = s.param(name)
	}
	for id, phys := range s.Resources {
		r.Refs[id] = phys
		switch s.Template.Resources[id].Type {
		case "AWS::DynamoDB::Table":
			r.Attrs[id+".Arn"] = "arn:aws:dynamodb:" + Region + ":000000000000:table/" + phys
		case "AWS::S3::Bucket":
			r.Attrs[id+".Arn"] = "arn:aws:s3:::" + phys
		case "AWS::Cognito::UserPool":
			r.Attrs[id+".Arn"] = "arn:aws:cognito-idp:" + Region + ":000000000000:userpool/" + phys
		case "AWS::SNS::Topic":
			r.Attrs[id+".TopicArn"] = phys
		case "AWS::KMS::Key":
			r.Attrs[id+".Arn"] = "arn:aws:kms:" + Region + ":000000000000:key/" + phys
		case "AWS::SQS::Queue":
			r.Attrs[id+".Arn"] = "arn:aws:sqs:" + Region + ":000000000000:" + phys
			r.Attrs[id+".QueueName"] = phys
		}
	}
	return r
}

// provision creates the template's table, bucket, topics, user pool, app
// client and groups in the emulators.
func (s *Stack) provision(ctx context.Context) error {
	t := s.Template
	s.provisionWebSocket()
	for _, id := range t.OfType("AWS::SQS::Queue") {
		// No SQS locally: failed asynchronous invocations are logged instead.
		s.Resources[id] = "kabinet-local-" + strings.ToLower(id)
	}
	for _, id := range t.OfType("AWS::SES::ConfigurationSet") {
		// The SES emulator keeps no configuration sets; the name is passed through.
		s.Resources[id] = "kabinet-local-" + strings.ToLower(id)
	}
	for _, id := range t.OfType("AWS::KMS::Key") {
		props := t.Resources[id].Properties
		spec, usage := template.Str(props, "KeySpec"), template.Str(props, "KeyUsage")
		if s.KMS == nil {
			out, err := s.KMSClient().CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("kabinet-local " + id),
				KeySpec: kmstypes.KeySpec(spec), KeyUsage: kmstypes.KeyUsageType(usage)})
			if err != nil {
				return fmt.Errorf("kms key %s: %w", id, err)
			}
			s.Resources[id] = aws.ToString(out.KeyMetadata.KeyId)
			continue
		}
		switch {
		case spec == "ECC_NIST_P256" && usage == "SIGN_VERIFY":
			s.Resources[id] = s.KMS.CreateSigningKey("kabinet-local " + id)
		case spec == "" && (usage == "" || usage == "ENCRYPT_DECRYPT"):
			s.Resources[id] = s.KMS.CreateKey("kabinet-local " + id)
		default:
			return fmt.Errorf("kms key %s: the local stack emulates symmetric and ECC_NIST_P256 signing keys, not %s/%s", id, spec, usage)
		}
	}
	for _, id := range t.OfType("AWS::SecretsManager::Secret") {
		// A fresh random key each start, as GenerateSecretString makes on AWS.
		raw := make([]byte, 48)
		if _, err := rand.Read(raw); err != nil {
			return err
		}
		value := base64.StdEncoding.EncodeToString(raw)
		name := "kabinet-local-" + strings.ToLower(id)
		if s.Secrets == nil {
			out, err := s.SecretsClient().CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
			if err != nil {
				return fmt.Errorf("secret %s: %w", id, err)
			}
			s.Resources[id] = aws.ToString(out.ARN)
			continue
		}
		s.Resources[id] = s.Secrets.Put(name, value)
	}
	for _, id := range t.OfType("AWS::DynamoDB::Table") {
		name := "kabinet-local"
		if _, err := s.DynamoDB().CreateTable(ctx, template.TableInput(name, t.Resources[id].Properties)); err != nil {
			return fmt.Errorf("table %s: %w", id, err)
		}
		s.Resources[id] = name
	}
	for _, id := range t.OfType("AWS::S3::Bucket") {
		name := "kabinet-local-" + strings.ToLower(id)
		if _, err := s.S3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(Region)}}); err != nil {
			return fmt.Errorf("bucket %s: %w", id, err)
		}
		s.Resources[id] = name
	}
	snsc := s.SNSClient()
	for _, id := range t.OfType("AWS::SNS::Topic") {
		out, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("kabinet-local-" + id)})
		if err != nil {
			return fmt.Errorf("topic %s: %w", id, err)
		}
		s.Resources[id] = aws.ToString(out.TopicArn)
	}
	// Push platform applications are template parameters on AWS; locally we
	// create one per platform so devices can be registered.
	for param, platform := range map[string]string{"FcmPlatformApplicationArn": "GCM", "ApnsPlatformApplicationArn": "APNS"} {
		out, err := snsc.CreatePlatformApplication(ctx, &sns.CreatePlatformApplicationInput{
			Name: aws.String("kabinet-local"), Platform: aws.String(platform), Attributes: map[string]string{"PlatformCredential": "local"}})
		if err != nil {
			return fmt.Errorf("platform application %s: %w", platform, err)
		}
		s.Resources["param:"+param] = aws.ToString(out.PlatformApplicationArn)
	}
	if err := s.createUserPool(ctx); err != nil {
		return err
	}
	return nil
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func atoi(s string) int32 {
	n, _ := strconv.Atoi(s)
	return int32(n)
}

func (s *Stack) createUserPool(ctx context.Context) error {
	t := s.Template
	ids := t.OfType("AWS::Cognito::UserPool")
	if len(ids) != 1 {
		return fmt.Errorf("want one user pool in the template, found %d", len(ids))
	}
	poolID := ids[0]
	p := t.Resources[poolID].Properties
	pp := template.Get(p, "Policies", "PasswordPolicy")
	in := &cip.CreateUserPoolInput{
		PoolName:         aws.String("kabinet-local"),
		AliasAttributes:  aliasAttrs(template.Strings(p, "AliasAttributes")),
		MfaConfiguration: ciptypes.UserPoolMfaType(template.Str(p, "MfaConfiguration")),
		Policies: &ciptypes.UserPoolPolicyType{PasswordPolicy: &ciptypes.PasswordPolicyType{
			MinimumLength:                 aws.Int32(atoi(template.Str(pp, "MinimumLength"))),
			RequireLowercase:              template.Str(pp, "RequireLowercase") == "true",
			RequireUppercase:              template.Str(pp, "RequireUppercase") == "true",
			RequireNumbers:                template.Str(pp, "RequireNumbers") == "true",
			RequireSymbols:                template.Str(pp, "RequireSymbols") == "true",
			TemporaryPasswordValidityDays: atoi(template.Str(pp, "TemporaryPasswordValidityDays")),
		}},
	}
	for _, a := range template.Strings(p, "AutoVerifiedAttributes") {
		in.AutoVerifiedAttributes = append(in.AutoVerifiedAttributes, ciptypes.VerifiedAttributeType(a))
	}
	for _, sc := range seq(template.Get(p, "Schema")) {
		in.Schema = append(in.Schema, ciptypes.SchemaAttributeType{Name: aws.String(template.Str(sc, "Name")),
			AttributeDataType: ciptypes.AttributeDataType(template.Str(sc, "AttributeDataType")), Mutable: aws.Bool(template.Str(sc, "Mutable") == "true")})
	}
	c := s.Cognito()
	out, err := c.CreateUserPool(ctx, in)
	if err != nil {
		return fmt.Errorf("user pool: %w", err)
	}
	pool := aws.ToString(out.UserPool.Id)
	s.Resources[poolID] = pool
	s.Issuer = s.CognitoURL + "/" + pool
	// cognito-local takes the MFA settings from this call, not from CreateUserPool.
	mfa := &cip.SetUserPoolMfaConfigInput{UserPoolId: aws.String(pool), MfaConfiguration: in.MfaConfiguration}
	for _, m := range template.Strings(p, "EnabledMfas") {
		switch m {
		case "SOFTWARE_TOKEN_MFA":
			mfa.SoftwareTokenMfaConfiguration = &ciptypes.SoftwareTokenMfaConfigType{Enabled: true}
		case "SMS_MFA":
			mfa.SmsMfaConfiguration = &ciptypes.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Код входа в Кабинет: {####}")}
		}
	}
	if _, err := c.SetUserPoolMfaConfig(ctx, mfa); err != nil {
		return fmt.Errorf("user pool MFA: %w", err)
	}
	for _, id := range t.OfType("AWS::Cognito::UserPoolClient") {
		cp := t.Resources[id].Properties
		ci := &cip.CreateUserPoolClientInput{UserPoolId: aws.String(pool), ClientName: aws.String(template.Str(cp, "ClientName")),
			GenerateSecret:             template.Str(cp, "GenerateSecret") == "true",
			EnableTokenRevocation:      aws.Bool(template.Str(cp, "EnableTokenRevocation") == "true"),
			PreventUserExistenceErrors: ciptypes.PreventUserExistenceErrorTypes(template.Str(cp, "PreventUserExistenceErrors")),
			AccessTokenValidity:        aws.Int32(atoi(template.Str(cp, "AccessTokenValidity"))),
			IdTokenValidity:            aws.Int32(atoi(template.Str(cp, "IdTokenValidity"))),
			RefreshTokenValidity:       atoi(template.Str(cp, "RefreshTokenValidity")),
			TokenValidityUnits: &ciptypes.TokenValidityUnitsType{
				AccessToken:  ciptypes.TimeUnitsType(template.Str(cp, "TokenValidityUnits", "AccessToken")),
				IdToken:      ciptypes.TimeUnitsType(template.Str(cp, "TokenValidityUnits", "IdToken")),
				RefreshToken: ciptypes.TimeUnitsType(template.Str(cp, "TokenValidityUnits", "RefreshToken")),
			}}
		for _, f := range template.Strings(cp, "ExplicitAuthFlows") {
			ci.ExplicitAuthFlows = append(ci.ExplicitAuthFlows, ciptypes.ExplicitAuthFlowsType(f))
		}
		// The OAuth settings, which the local token endpoint reads from the
		// template too (machineClients).
		for _, f := range template.Strings(cp, "AllowedOAuthFlows") {
			ci.AllowedOAuthFlows = append(ci.AllowedOAuthFlows, ciptypes.OAuthFlowType(f))
		}
		ci.AllowedOAuthScopes = template.Strings(cp, "AllowedOAuthScopes")
		ci.AllowedOAuthFlowsUserPoolClient = template.Str(cp, "AllowedOAuthFlowsUserPoolClient") == "true"
		out, err := c.CreateUserPoolClient(ctx, ci)
		if err != nil {
			return fmt.Errorf("app client %s: %w", id, err)
		}
		s.Resources[id] = aws.ToString(out.UserPoolClient.ClientId)
		// GenerateSecret: cognito-local makes a fresh secret at each start,
		// as Cognito does when it creates the client.
		if ci.GenerateSecret {
			if out.UserPoolClient.ClientSecret == nil {
				return fmt.Errorf("app client %s: cognito-local made no secret", id)
			}
			s.clientSecrets[id] = aws.ToString(out.UserPoolClient.ClientSecret)
		}
	}
	for _, id := range t.OfType("AWS::Cognito::UserPoolGroup") {
		gp := t.Resources[id].Properties
		if _, err := c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(pool),
			GroupName: aws.String(template.Str(gp, "GroupName")), Description: aws.String(template.Str(gp, "Description"))}); err != nil {
			return fmt.Errorf("group %s: %w", id, err)
		}
		s.Resources[id] = template.Str(gp, "GroupName")
	}
	return nil
}

func aliasAttrs(in []string) []ciptypes.AliasAttributeType {
	var out []ciptypes.AliasAttributeType
	for _, a := range in {
		out = append(out, ciptypes.AliasAttributeType(a))
	}
	return out
}
