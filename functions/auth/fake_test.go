package main

import (
	"context"

	"github.com/kabinet/kabinet/shared/accounts"
	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/httpapi/httpapitest"
	"github.com/kabinet/kabinet/shared/sessions"
)

// fake stands in for every account service the handler uses: it records
// each call and answers with Err (nil: zero values).
type fake struct{ httpapitest.Recorder }

var (
	_ registrations = (*fake)(nil)
	_ signIn        = (*fake)(nil)
	_ credentials   = (*fake)(nil)
	_ levels        = (*fake)(nil)
)

func (f *fake) Register(_ context.Context, r accounts.Registration, m accounts.Meta) (accounts.Pending, error) {
	return accounts.Pending{RegistrationID: "r1"}, f.Record("Register", actor.Actor{IP: m.IP}, r.Phone)
}

func (f *fake) Resend(_ context.Context, id string, m accounts.Meta) (accounts.Pending, error) {
	return accounts.Pending{}, f.Record("Resend", actor.Actor{IP: m.IP}, id)
}

func (f *fake) Confirm(_ context.Context, id, phoneCode, emailCode string) (accounts.Confirmed, error) {
	return accounts.Confirmed{}, f.Record("Confirm", actor.Actor{}, id, phoneCode, emailCode)
}

func (f *fake) Login(_ context.Context, login, pw string, m accounts.Meta) (accounts.Result, error) {
	return accounts.Result{}, f.Record("Login", actor.Actor{IP: m.IP, UserAgent: m.UserAgent}, login)
}

func (f *fake) AnswerChallenge(_ context.Context, id, code string, m accounts.Meta) (accounts.Result, error) {
	return accounts.Result{}, f.Record("AnswerChallenge", actor.Actor{IP: m.IP}, id, code)
}

func (f *fake) CompleteNewPassword(_ context.Context, id, next string, m accounts.Meta) (accounts.Result, error) {
	return accounts.Result{}, f.Record("CompleteNewPassword", actor.Actor{IP: m.IP}, id)
}

func (f *fake) Refresh(_ context.Context, handle, rt string) (accounts.Tokens, error) {
	return accounts.Tokens{}, f.Record("Refresh", actor.Actor{}, handle)
}

func (f *fake) Logout(_ context.Context, a actor.Actor) error { return f.Record("Logout", a) }

func (f *fake) EndSession(_ context.Context, a actor.Actor, id string) error {
	return f.Record("EndSession", a, id)
}

func (f *fake) EndOthers(_ context.Context, a actor.Actor) (int, error) {
	return 2, f.Record("EndOthers", a)
}

func (f *fake) ListSessions(_ context.Context, a actor.Actor, cursor string, limit int32) ([]sessions.Session, string, error) {
	return nil, "", f.Record("ListSessions", a, cursor)
}

func (f *fake) History(_ context.Context, a actor.Actor, cursor string, limit int32) ([]accounts.Attempt, string, error) {
	return nil, "", f.Record("History", a, cursor)
}

func (f *fake) Account(_ context.Context, a actor.Actor) (accounts.Account, error) {
	return accounts.Account{}, f.Record("Account", a)
}

func (f *fake) ChangePassword(_ context.Context, a actor.Actor, current, next string) error {
	return f.Record("ChangePassword", a)
}

func (f *fake) SetupTOTP(_ context.Context, a actor.Actor) (accounts.TOTPSetup, error) {
	return accounts.TOTPSetup{}, f.Record("SetupTOTP", a)
}

func (f *fake) ConfirmTOTP(_ context.Context, a actor.Actor, code string) error {
	return f.Record("ConfirmTOTP", a, code)
}

func (f *fake) SetMFA(_ context.Context, a actor.Actor, method, code string) error {
	return f.Record("SetMFA", a, method)
}

func (f *fake) Forgot(_ context.Context, login string, m accounts.Meta) (accounts.ResetStarted, error) {
	return accounts.ResetStarted{}, f.Record("Forgot", actor.Actor{IP: m.IP}, login)
}

func (f *fake) Reset(_ context.Context, id, code, next string, m accounts.Meta) error {
	return f.Record("Reset", actor.Actor{IP: m.IP}, id)
}

func (f *fake) SetLevel(_ context.Context, a actor.Actor, sub string, c accounts.LevelChange) error {
	return f.Record("SetLevel", a, sub, string(c.Level), c.Method)
}
