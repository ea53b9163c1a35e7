package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kabinet/kabinet/shared/settings"
	"github.com/kabinet/kabinet/shared/totp"
)

// DemoAccount is a seeded account a newcomer can sign in with. The passwords
// exist only in the local emulator.
type DemoAccount struct {
	Role       string
	Username   string
	Password   string
	Phone      string
	Email      string
	Group      string
	Department string
	Level      string
	// TOTPSecret is set for the account with an authenticator app.
	TOTPSecret string
	Note       string
	Sub        string
}

// DemoAccounts are the accounts every local start seeds; README lists them.
func DemoAccounts() []DemoAccount {
	return []DemoAccount{
		{Role: "citizen", Username: "citizen", Password: "Demo-Citizen-2026!", Phone: "+79160000001", Email: "citizen@kabinet.local", Level: "confirmed", Note: "no MFA"},
		{Role: "citizen", Username: "citizen-totp", Password: "Demo-Totp-2026!", Phone: "+79160000002", Email: "totp@kabinet.local", Level: "standard", Note: "TOTP MFA"},
		{Role: "officer", Username: "officer", Password: "Demo-Officer-2026!", Phone: "+79160000003", Email: "officer@kabinet.local", Group: "officers", Department: "mvd", Level: "confirmed", Note: "officers, department mvd"},
		{Role: "support", Username: "support", Password: "Demo-Support-2026!", Phone: "+79160000004", Email: "support@kabinet.local", Group: "support", Level: "confirmed", Note: "support"},
	}
}

// seed creates the demo accounts in Cognito and their data in the table.
func (s *Stack) seed(ctx context.Context) error {
	c := s.Cognito()
	pool := aws.String(s.Resources["UserPool"])
	for _, d := range DemoAccounts() {
		attrs := []ciptypes.AttributeType{
			{Name: aws.String("phone_number"), Value: aws.String(d.Phone)},
			{Name: aws.String("phone_number_verified"), Value: aws.String("true")},
			{Name: aws.String("email"), Value: aws.String(d.Email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("custom:level"), Value: aws.String(d.Level)},
		}
		if d.Department != "" {
			attrs = append(attrs, ciptypes.AttributeType{Name: aws.String("custom:department"), Value: aws.String(d.Department)})
		}
		out, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String(d.Username),
			MessageAction: ciptypes.MessageActionTypeSuppress, UserAttributes: attrs, TemporaryPassword: aws.String(d.Password)})
		if err != nil {
			return fmt.Errorf("create %s: %w", d.Username, err)
		}
		for _, a := range out.User.Attributes {
			if aws.ToString(a.Name) == "sub" {
				d.Sub = aws.ToString(a.Value)
			}
		}
		if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String(d.Username),
			Password: aws.String(d.Password), Permanent: true}); err != nil {
			return fmt.Errorf("password of %s: %w", d.Username, err)
		}
		if d.Group != "" {
			if _, err := c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String(d.Username),
				GroupName: aws.String(d.Group)}); err != nil {
				return fmt.Errorf("group of %s: %w", d.Username, err)
			}
		}
		if d.Note == "TOTP MFA" {
			secret, err := s.enrolTOTP(ctx, d)
			if err != nil {
				return fmt.Errorf("TOTP of %s: %w", d.Username, err)
			}
			d.TOTPSecret = secret
			d.Note = "TOTP MFA, secret " + secret
		}
		if err := s.seedSettings(ctx, d.Sub); err != nil {
			return err
		}
		s.Demo = append(s.Demo, d)
	}
	return nil
}

// enrolTOTP signs in, associates an authenticator secret, verifies it with a
// computed code and makes TOTP the user's MFA.
func (s *Stack) enrolTOTP(ctx context.Context, d DemoAccount) (string, error) {
	c := s.Cognito()
	auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(s.Resources["UserPoolClient"]), AuthParameters: map[string]string{"USERNAME": d.Username, "PASSWORD": d.Password}})
	if err != nil {
		return "", err
	}
	access := auth.AuthenticationResult.AccessToken
	assoc, err := c.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if err != nil {
		return "", err
	}
	secret := aws.ToString(assoc.SecretCode)
	code, err := totp.Code(secret, time.Now())
	if err != nil {
		return "", err
	}
	if _, err := c.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(code)}); err != nil {
		return "", err
	}
	_, err = c.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &ciptypes.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}})
	return secret, err
}

// seedSettings gives a demo user the settings item the me function serves.
func (s *Stack) seedSettings(ctx context.Context, sub string) error {
	st := settings.Defaults()
	st.Version, st.UpdatedAt = 1, time.Now()
	item, err := attributevalue.MarshalMap(settings.Seed(sub, st))
	if err != nil {
		return err
	}
	_, err = s.DynamoDB().PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Resources["Table"]), Item: item})
	return err
}
