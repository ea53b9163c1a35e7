// Package cognito wraps the Cognito user pool: sign-in, refresh, revocation
// and the administrative calls the features need. SDK errors are translated
// into application errors here, so that no caller can tell a wrong password
// from an unknown user (both are 401) and no Cognito text reaches a client.
package cognito

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/problem"
)

// API is the part of the Cognito client Kabinet uses.
type API interface {
	DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(context.Context, *cip.RespondToAuthChallengeInput, ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
	RevokeToken(context.Context, *cip.RevokeTokenInput, ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminAddUserToGroup(context.Context, *cip.AdminAddUserToGroupInput, ...func(*cip.Options)) (*cip.AdminAddUserToGroupOutput, error)
	AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminUpdateUserAttributes(context.Context, *cip.AdminUpdateUserAttributesInput, ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminEnableUser(context.Context, *cip.AdminEnableUserInput, ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error)
	AdminDeleteUser(context.Context, *cip.AdminDeleteUserInput, ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
}

var _ API = (*cip.Client)(nil)

// Pool is one user pool and its app client.
type Pool struct {
	api      API
	poolID   string
	clientID string
}

// New returns a pool wrapper.
func New(api API, poolID, clientID string) *Pool {
	return &Pool{api: api, poolID: poolID, clientID: clientID}
}

// Ping checks that the user pool answers.
func (p *Pool) Ping(ctx context.Context) error {
	_, err := p.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(p.poolID)})
	return err
}

// The pool's answers are the accounts port's types (accounts.Users): the
// domain owns the port, this package is its adapter.
type (
	// Tokens are what a completed sign-in returns.
	Tokens = accounts.PoolTokens
	// Challenge is an unfinished sign-in (MFA, new password).
	Challenge = accounts.PoolChallenge
	// SignInResult holds either tokens or a challenge.
	SignInResult = accounts.SignInResult
	// NewUser is a user to create.
	NewUser = accounts.NewUser
)

var _ accounts.Users = (*Pool)(nil)

func result(ar *types.AuthenticationResultType, name types.ChallengeNameType, session *string) SignInResult {
	if ar != nil {
		return SignInResult{Tokens: &Tokens{AccessToken: aws.ToString(ar.AccessToken), IDToken: aws.ToString(ar.IdToken),
			RefreshToken: aws.ToString(ar.RefreshToken), ExpiresIn: ar.ExpiresIn}}
	}
	return SignInResult{Challenge: &Challenge{Name: string(name), Session: aws.ToString(session)}}
}

// SignIn checks a username and password (USER_PASSWORD_AUTH). Wrong
// credentials and unknown users are the same 401.
func (p *Pool) SignIn(ctx context.Context, username, password string) (SignInResult, error) {
	out, err := p.api.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		ClientId: aws.String(p.clientID), AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})
	if err != nil {
		return SignInResult{}, translate("sign in", err)
	}
	return result(out.AuthenticationResult, out.ChallengeName, out.Session), nil
}

// RespondMFA answers an SMS_MFA or SOFTWARE_TOKEN_MFA challenge.
func (p *Pool) RespondMFA(ctx context.Context, username string, ch Challenge, code string) (SignInResult, error) {
	key := "SMS_MFA_CODE"
	if ch.Name == string(types.ChallengeNameTypeSoftwareTokenMfa) {
		key = "SOFTWARE_TOKEN_MFA_CODE"
	}
	out, err := p.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(p.clientID),
		ChallengeName: types.ChallengeNameType(ch.Name), Session: aws.String(ch.Session),
		ChallengeResponses: map[string]string{"USERNAME": username, key: code}})
	if err != nil {
		return SignInResult{}, translate("respond to MFA", err)
	}
	return result(out.AuthenticationResult, out.ChallengeName, out.Session), nil
}

// Refresh exchanges a refresh token for new access and id tokens.
func (p *Pool) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	out, err := p.api.InitiateAuth(ctx, &cip.InitiateAuthInput{AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		ClientId: aws.String(p.clientID), AuthParameters: map[string]string{"REFRESH_TOKEN": refreshToken}})
	if err != nil {
		return Tokens{}, translate("refresh", err)
	}
	if out.AuthenticationResult == nil {
		return Tokens{}, problem.Unauthenticated("")
	}
	r := result(out.AuthenticationResult, "", nil)
	return *r.Tokens, nil
}

// Revoke revokes a refresh token and the access tokens issued from it.
func (p *Pool) Revoke(ctx context.Context, refreshToken string) error {
	_, err := p.api.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(p.clientID), Token: aws.String(refreshToken)})
	return translate("revoke", err)
}

// CreateUser creates a confirmed user with a permanent password and returns
// its sub. An existing username is a Conflict.
func (p *Pool) CreateUser(ctx context.Context, u NewUser) (string, error) {
	in := &cip.AdminCreateUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(u.Username),
		MessageAction: types.MessageActionTypeSuppress, TemporaryPassword: aws.String(u.Password)}
	for k, v := range u.Attributes {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
	}
	out, err := p.api.AdminCreateUser(ctx, in)
	if err != nil {
		return "", translate("create user", err)
	}
	if _, err := p.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(p.poolID),
		Username: aws.String(u.Username), Password: aws.String(u.Password), Permanent: true}); err != nil {
		return "", translate("set password", err)
	}
	for _, a := range out.User.Attributes {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value), nil
		}
	}
	return "", errors.New("create user: no sub in the answer")
}

// DeleteUser removes a user; an unknown user is not an error.
func (p *Pool) DeleteUser(ctx context.Context, username string) error {
	_, err := p.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if problem.Is(translate("delete user", err), problem.KindUnauthenticated) {
		return nil
	}
	return translate("delete user", err)
}

// SetPassword sets a user's permanent password (after a reset or a change
// the auth function has already checked).
func (p *Pool) SetPassword(ctx context.Context, username, password string) error {
	_, err := p.api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(p.poolID),
		Username: aws.String(username), Password: aws.String(password), Permanent: true})
	return translate("set password", err)
}

// AddToGroup puts a user in a group (officers, support).
func (p *Pool) AddToGroup(ctx context.Context, username, group string) error {
	_, err := p.api.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(p.poolID),
		Username: aws.String(username), GroupName: aws.String(group)})
	return translate("add to group", err)
}

// Attributes returns a user's attributes; an unknown user is NotFound.
func (p *Pool) Attributes(ctx context.Context, username string) (map[string]string, error) {
	out, err := p.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	if err != nil {
		return nil, translate("get user", err)
	}
	attrs := make(map[string]string, len(out.UserAttributes))
	for _, a := range out.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return attrs, nil
}

// SetAttributes changes user attributes (e.g. custom:level).
func (p *Pool) SetAttributes(ctx context.Context, username string, attrs map[string]string) error {
	in := &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)}
	for k, v := range attrs {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
	}
	_, err := p.api.AdminUpdateUserAttributes(ctx, in)
	return translate("update attributes", err)
}

// SetEnabled enables or disables sign-in for a user.
func (p *Pool) SetEnabled(ctx context.Context, username string, enabled bool) error {
	var err error
	if enabled {
		_, err = p.api.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	} else {
		_, err = p.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(p.poolID), Username: aws.String(username)})
	}
	return translate("enable user", err)
}

// translate maps Cognito errors to application errors. It matches the error
// code rather than the Go type, because an operation's deserializer only
// types the errors modelled for it (cognito-local, for one, answers a wrong
// password at sign-in with InvalidPasswordException, which InitiateAuth does
// not model).
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("cognito %s: %w", op, err)
	var api smithy.APIError
	if !errors.As(err, &api) {
		return wrapped
	}
	switch api.ErrorCode() {
	case "NotAuthorizedException", "UserNotFoundException", "CodeMismatchException", "ExpiredCodeException",
		"UserNotConfirmedException", "PasswordResetRequiredException":
		return problem.Wrap(wrapped, problem.KindUnauthenticated, "invalid_credentials", "Неверные данные для входа")
	case "InvalidPasswordException":
		if op == "sign in" {
			return problem.Wrap(wrapped, problem.KindUnauthenticated, "invalid_credentials", "Неверные данные для входа")
		}
		return problem.Wrap(wrapped, problem.KindInvalid, "password_policy", "Пароль не соответствует требованиям")
	case "UsernameExistsException", "AliasExistsException":
		return problem.Wrap(wrapped, problem.KindConflict, "account_exists", "Такая учётная запись уже есть")
	case "TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException":
		return problem.Wrap(wrapped, problem.KindTooManyRequests, "too_many_requests", "Слишком много попыток, повторите позже")
	case "InvalidParameterException":
		return problem.Wrap(wrapped, problem.KindBadRequest, "invalid_parameter", "Некорректные данные")
	}
	return wrapped
}
