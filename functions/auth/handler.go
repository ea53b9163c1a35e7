package main

import (
	"context"
	"net/http"
	"sort"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/consents"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sessions"
)

// registrations is what the handler needs of accounts.Registrations.
type registrations interface {
	Register(ctx context.Context, r accounts.Registration, meta accounts.Meta) (accounts.Pending, error)
	Resend(ctx context.Context, id string, meta accounts.Meta) (accounts.Pending, error)
	Confirm(ctx context.Context, id, phoneCode, emailCode string) (accounts.Confirmed, error)
}

// signIn is what the handler needs of accounts.SignIn.
type signIn interface {
	Login(ctx context.Context, login, pw string, meta accounts.Meta) (accounts.Result, error)
	AnswerChallenge(ctx context.Context, id, code string, meta accounts.Meta) (accounts.Result, error)
	CompleteNewPassword(ctx context.Context, id, next string, meta accounts.Meta) (accounts.Result, error)
	Refresh(ctx context.Context, handle, refreshToken string) (accounts.Tokens, error)
	Logout(ctx context.Context, a actor.Actor) error
	EndSession(ctx context.Context, a actor.Actor, id string) error
	EndOthers(ctx context.Context, a actor.Actor) (int, error)
	ListSessions(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]sessions.Session, string, error)
	History(ctx context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.Attempt, string, error)
}

// credentials is what the handler needs of accounts.Credentials.
type credentials interface {
	Account(ctx context.Context, a actor.Actor) (accounts.Account, error)
	ChangePassword(ctx context.Context, a actor.Actor, current, next string) error
	SetupTOTP(ctx context.Context, a actor.Actor) (accounts.TOTPSetup, error)
	ConfirmTOTP(ctx context.Context, a actor.Actor, code string) error
	SetMFA(ctx context.Context, a actor.Actor, method, code string) error
	Forgot(ctx context.Context, login string, meta accounts.Meta) (accounts.ResetStarted, error)
	Reset(ctx context.Context, id, code, next string, meta accounts.Meta) error
}

// levels is what the handler needs of accounts.Levels.
type levels interface {
	SetLevel(ctx context.Context, a actor.Actor, sub string, c accounts.LevelChange) error
}

var (
	_ registrations = (*accounts.Registrations)(nil)
	_ signIn        = (*accounts.SignIn)(nil)
	_ credentials   = (*accounts.Credentials)(nil)
	_ levels        = (*accounts.Levels)(nil)
)

type handler struct {
	reg    registrations
	signIn signIn
	creds  credentials
	levels levels
}

func (h *handler) router(r *httpapi.Router) *httpapi.Router {
	r.Handle("POST /auth/register", h.register)
	r.Handle("POST /auth/register/confirm", h.confirm)
	r.Handle("POST /auth/register/resend", h.resend)
	r.Handle("GET /auth/register/consent", h.registrationConsent)
	r.Handle("POST /auth/login", h.login)
	r.Handle("POST /auth/login/mfa", h.loginMFA)
	r.Handle("POST /auth/login/new-password", h.loginNewPassword)
	r.Handle("POST /auth/refresh", h.refresh)
	r.Handle("POST /auth/password/forgot", h.forgot)
	r.Handle("POST /auth/password/reset", h.reset)
	r.HandleAuthed("POST /auth/logout", h.logout)
	r.HandleAuthed("GET /auth/account", h.account)
	r.HandleAuthed("GET /auth/sessions", h.listSessions)
	r.HandleAuthed("DELETE /auth/sessions/{id}", h.endSession)
	r.HandleAuthed("POST /auth/sessions/end-others", h.endOthers)
	r.HandleAuthed("GET /auth/history", h.history)
	r.HandleAuthed("POST /auth/password/change", h.changePassword)
	r.HandleAuthed("POST /auth/mfa/totp", h.setupTOTP)
	r.HandleAuthed("POST /auth/mfa/totp/confirm", h.confirmTOTP)
	r.HandleAuthed("PUT /auth/mfa", h.setMFA)
	r.HandleAuthed("POST /registrar/accounts/{sub}/level", h.setLevel)
	return r
}

// registrationConsent is the consent to process personal data the
// registration form shows, as a document of its own: its edition goes back
// in personalDataConsent.
func (h *handler) registrationConsent(context.Context, *httpapi.Request) (httpapi.Response, error) {
	res, err := httpapi.JSON(http.StatusOK, consents.RegistrationText())
	if err != nil {
		return httpapi.Response{}, err
	}
	res.Headers["Cache-Control"] = "public, max-age=3600"
	return res, nil
}

func meta(req *httpapi.Request) accounts.Meta {
	return accounts.Meta{IP: req.RequestContext.HTTP.SourceIP, UserAgent: req.RequestContext.HTTP.UserAgent}
}

const bodyLimit = 8 << 10

func (h *handler) register(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in accounts.Registration
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	p, err := h.reg.Register(ctx, in, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusAccepted, p)
}

type confirmInput struct {
	RegistrationID string `json:"registrationId"`
	Code           string `json:"code"`
	EmailCode      string `json:"emailCode,omitempty"`
}

func (h *handler) confirm(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in confirmInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"registrationId": in.RegistrationID, "code": in.Code}); err != nil {
		return httpapi.Response{}, err
	}
	c, err := h.reg.Confirm(ctx, in.RegistrationID, in.Code, in.EmailCode)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, c)
}

type idInput struct {
	RegistrationID string `json:"registrationId"`
}

func (h *handler) resend(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in idInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"registrationId": in.RegistrationID}); err != nil {
		return httpapi.Response{}, err
	}
	p, err := h.reg.Resend(ctx, in.RegistrationID, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusAccepted, p)
}

type loginInput struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (h *handler) login(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in loginInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"login": in.Login, "password": in.Password}); err != nil {
		return httpapi.Response{}, err
	}
	res, err := h.signIn.Login(ctx, in.Login, in.Password, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, res)
}

type challengeInput struct {
	ChallengeID string `json:"challengeId"`
	Code        string `json:"code"`
}

func (h *handler) loginMFA(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in challengeInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"challengeId": in.ChallengeID, "code": in.Code}); err != nil {
		return httpapi.Response{}, err
	}
	res, err := h.signIn.AnswerChallenge(ctx, in.ChallengeID, in.Code, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, res)
}

type newPasswordInput struct {
	ChallengeID string `json:"challengeId"`
	NewPassword string `json:"newPassword"`
}

func (h *handler) loginNewPassword(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in newPasswordInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"challengeId": in.ChallengeID, "newPassword": in.NewPassword}); err != nil {
		return httpapi.Response{}, err
	}
	res, err := h.signIn.CompleteNewPassword(ctx, in.ChallengeID, in.NewPassword, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, res)
}

type refreshInput struct {
	SessionID    string `json:"sessionId"`
	RefreshToken string `json:"refreshToken"`
}

func (h *handler) refresh(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in refreshInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"sessionId": in.SessionID, "refreshToken": in.RefreshToken}); err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.signIn.Refresh(ctx, in.SessionID, in.RefreshToken)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t)
}

type forgotInput struct {
	Login string `json:"login"`
}

func (h *handler) forgot(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in forgotInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"login": in.Login}); err != nil {
		return httpapi.Response{}, err
	}
	r, err := h.creds.Forgot(ctx, in.Login, meta(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusAccepted, r)
}

type resetInput struct {
	ResetID     string `json:"resetId"`
	Code        string `json:"code"`
	NewPassword string `json:"newPassword"`
}

func (h *handler) reset(ctx context.Context, req *httpapi.Request) (httpapi.Response, error) {
	var in resetInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"resetId": in.ResetID, "code": in.Code, "newPassword": in.NewPassword}); err != nil {
		return httpapi.Response{}, err
	}
	if err := h.creds.Reset(ctx, in.ResetID, in.Code, in.NewPassword, meta(req)); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) logout(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	if err := h.signIn.Logout(ctx, id.Actor(req)); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) account(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	a, err := h.creds.Account(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, a)
}

func (h *handler) listSessions(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	list, next, err := h.signIn.ListSessions(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[sessions.Session]{Items: list, NextCursor: next})
}

func (h *handler) endSession(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	sid, err := httpapi.PathParam(req, "id")
	if err != nil {
		return httpapi.Response{}, err
	}
	if err := h.signIn.EndSession(ctx, id.Actor(req), sid); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) endOthers(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	n, err := h.signIn.EndOthers(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, map[string]int{"ended": n})
}

func (h *handler) history(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	cursor, limit, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	list, next, err := h.signIn.History(ctx, id.Actor(req), cursor, limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.Page[accounts.Attempt]{Items: list, NextCursor: next})
}

type changeInput struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (h *handler) changePassword(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in changeInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"currentPassword": in.CurrentPassword, "newPassword": in.NewPassword}); err != nil {
		return httpapi.Response{}, err
	}
	if err := h.creds.ChangePassword(ctx, id.Actor(req), in.CurrentPassword, in.NewPassword); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) setupTOTP(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	t, err := h.creds.SetupTOTP(ctx, id.Actor(req))
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t)
}

type codeInput struct {
	Code string `json:"code"`
}

func (h *handler) confirmTOTP(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in codeInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := required(map[string]string{"code": in.Code}); err != nil {
		return httpapi.Response{}, err
	}
	if err := h.creds.ConfirmTOTP(ctx, id.Actor(req), in.Code); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

type mfaInput struct {
	Method string `json:"method"`
	Code   string `json:"code,omitempty"`
}

func (h *handler) setMFA(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	var in mfaInput
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := h.creds.SetMFA(ctx, id.Actor(req), in.Method, in.Code); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

func (h *handler) setLevel(ctx context.Context, req *httpapi.Request, id httpapi.Identity) (httpapi.Response, error) {
	sub, err := httpapi.PathParam(req, "sub")
	if err != nil {
		return httpapi.Response{}, err
	}
	var in accounts.LevelChange
	if err := httpapi.DecodeJSON(req, bodyLimit, &in); err != nil {
		return httpapi.Response{}, err
	}
	if err := h.levels.SetLevel(ctx, id.Actor(req), sub, in); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.NoContent(), nil
}

// required names every empty field in one 422.
func required(fields map[string]string) error {
	var missing []problem.Field
	for _, name := range sortedKeys(fields) {
		if fields[name] == "" {
			missing = append(missing, problem.Field{Field: name, Code: "required", Message: "Обязательное поле"})
		}
	}
	if len(missing) > 0 {
		return problem.Invalid(missing...)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
