package accounts

import (
	"context"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/shared/actor"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
)

func (f *fixture) recovery(t *testing.T) *Recovery {
	t.Helper()
	r, err := NewRecovery(f.deps)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func claimOf(login, newPhone string) RecoveryClaim {
	p := person(login, "")
	return RecoveryClaim{Login: login, Surname: "иванова", Name: "Анна", Patronymic: "Сергеевна", BirthDate: p.BirthDate,
		Passport: RecoveryPassport{Series: "45 10", Number: p.Passport.Number, IssueDate: p.Passport.IssueDate},
		Contact:  RecoveryContact{Kind: "phone", Value: newPhone}}
}

var supportOp = actor.Actor{Sub: "operator-1", Groups: []string{actor.GroupSupport}}

func noWrites(context.Context, *dynamo.Tx) error { return nil }

// A locked person who lost their phone: the claim is checked and sealed, its
// new phone confirmed by a code, compared masked, and the phone replaced —
// the lock lifted, the old phone released, the app factor back to SMS.
func TestRecoveryReplacesALostPhone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.provision(t, "anna", "+79161110001", "112-233-445 95")
	if err := f.svc.Credentials.EnableTOTPWithSecret(ctx, sub, "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	for range LockAfter {
		_, _ = f.svc.Login(ctx, "+79161110001", "Неверный-Пароль-1", meta)
	}
	r := f.recovery(t)
	claim := claimOf("+79161110001", "+79162220002")
	p, err := r.Prepare(ctx, "req-1", claim, meta)
	if err != nil || p.Sub != sub || p.Sealed == "" || strings.Contains(p.Sealed, "123456") || p.SentTo == "+79162220002" {
		t.Fatalf("prepare = %+v %v", p, err)
	}
	code := lastCode(t, f, "+79162220002")
	if err := r.ConfirmContact(ctx, "req-1", "000000", p.CodeHash); !problem.Is(err, problem.KindInvalid) && code != "000000" {
		t.Errorf("a wrong code = %v", err)
	}
	if err := r.ConfirmContact(ctx, "req-1", code, p.CodeHash); err != nil {
		t.Fatalf("the right code: %v", err)
	}
	if _, err := r.Compare(ctx, actor.Citizen("someone"), "req-1", sub, p.Sealed); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("a citizen compares: %v", err)
	}
	if _, err := r.Compare(ctx, actor.Actor{Sub: sub, Groups: []string{actor.GroupSupport}}, "req-1", sub, p.Sealed); !problem.Is(err, problem.KindForbidden) {
		t.Errorf("an operator compares their own account: %v", err)
	}
	cmp, err := r.Compare(ctx, supportOp, "req-1", sub, p.Sealed)
	if err != nil || !cmp.Account || !cmp.Match || !cmp.Locked || len(cmp.Fields) != 7 {
		t.Fatalf("compare = %+v %v", cmp, err)
	}
	for _, fm := range cmp.Fields {
		if strings.Contains(fm.Given+fm.OnFile, "123456") || strings.Contains(fm.Given+fm.OnFile, "Иванова") || strings.Contains(fm.OnFile, "1990-05-17") {
			t.Errorf("%s unmasked: %+v", fm.Field, fm)
		}
	}
	if err := r.Grant(ctx, supportOp, "req-1", "ВС-2026-000001", sub, p.Sealed, true, noWrites); err != nil {
		t.Fatalf("grant: %v", err)
	}
	acc, _ := f.svc.Credentials.account(ctx, sub)
	if acc.Phone != "+79162220002" || acc.LockedUntil != "" || acc.MFA != MFASMS || f.users.users["anna"].attrs["phone_number"] != "+79162220002" {
		t.Errorf("after the grant: phone %s lock %q mfa %s cognito %v", acc.Phone, acc.LockedUntil, acc.MFA, f.users.users["anna"].attrs)
	}
	if _, err := f.svc.Login(ctx, "+79162220002", "Зелёный-Чай-42", meta); err != nil {
		t.Errorf("the new phone signs in: %v", err)
	}
	if _, err := f.svc.Login(ctx, "+79161110001", "Зелёный-Чай-42", meta); !problem.Is(err, problem.KindUnauthenticated) {
		t.Errorf("the old phone still names the account: %v", err)
	}
	told := false
	for _, m := range f.out.sms {
		told = told || strings.HasPrefix(m, "+79161110001: ") && strings.Contains(m, "отвязан")
	}
	if !told {
		t.Errorf("the old phone was not told: %v", f.out.sms)
	}
	// Granting again changes nothing more.
	if err := r.Grant(ctx, supportOp, "req-1", "ВС-2026-000001", sub, p.Sealed, true, noWrites); err != nil {
		t.Errorf("granting again: %v", err)
	}
}

// A claim that differs in one field is never granted; a new contact that is
// another account's is refused.
func TestRecoveryRefusesWhatDoesNotMatch(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.provision(t, "anna", "+79161110001", "112-233-445 95")
	boris := person("+79163330003", "223-344-556 39")
	boris.Email = "boris@example.ru"
	if _, err := f.svc.Provision(ctx, "boris", boris, LevelStandard, nil); err != nil {
		t.Fatal(err)
	}
	r := f.recovery(t)
	wrong := claimOf("+79161110001", "+79162220002")
	wrong.Passport.Number = "654321"
	p, err := r.Prepare(ctx, "req-2", wrong, meta)
	if err != nil {
		t.Fatal(err)
	}
	cmp, _ := r.Compare(ctx, supportOp, "req-2", sub, p.Sealed)
	if cmp.Match || cmp.Fields[5].Field != "passport.number" || cmp.Fields[5].Match {
		t.Errorf("compare = %+v, want the passport number different", cmp)
	}
	if err := r.Grant(ctx, supportOp, "req-2", "ВС-2026-000002", sub, p.Sealed, false, noWrites); problem.CodeOf(err) != "identity_mismatch" {
		t.Errorf("grant on a mismatch = %v", err)
	}
	taken := claimOf("+79161110001", "+79163330003")
	p, err = r.Prepare(ctx, "req-3", taken, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Grant(ctx, supportOp, "req-3", "ВС-2026-000003", sub, p.Sealed, true, noWrites); problem.CodeOf(err) != "contact_unavailable" {
		t.Errorf("grant of another account's phone = %v", err)
	}
	if acc, _ := f.svc.Credentials.account(ctx, sub); acc.Phone != "+79161110001" {
		t.Errorf("the phone changed to %s", acc.Phone)
	}
}

func TestRecoveryClaimsAreCheckedAndThrottled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.recovery(t)
	_, err := r.Prepare(ctx, "req-4", RecoveryClaim{Login: "x", LockNumber: "1", Contact: RecoveryContact{Kind: "fax"}}, meta)
	pe, _ := problem.As(err)
	var fields []string
	for _, f := range pe.Fields {
		fields = append(fields, f.Field)
	}
	if want := "login,lockNumber,surname,name,birthDate,passport.series,passport.number,passport.issueDate,contact.kind"; strings.Join(fields, ",") != want {
		t.Errorf("fields %v, want %s", fields, want)
	}
	claim := claimOf("+79164440004", "+79165550005")
	for i := range RecoveryPerLogin + 1 {
		_, err := r.Prepare(ctx, "req-t", claim, Meta{IP: "198.51.100." + string(rune('1'+i))})
		if i < RecoveryPerLogin && err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if i == RecoveryPerLogin && !problem.Is(err, problem.KindTooManyRequests) {
			t.Errorf("request %d in a day = %v, want 429", i+1, err)
		}
	}
}

func lastCode(t *testing.T, f *fixture, phone string) string {
	t.Helper()
	for i := len(f.out.sms) - 1; i >= 0; i-- {
		if rest, ok := strings.CutPrefix(f.out.sms[i], phone+": "); ok {
			if i := strings.Index(rest, ": "); i >= 0 && len(rest) >= i+8 {
				return rest[i+2 : i+8]
			}
		}
	}
	t.Fatalf("no code to %s: %v", phone, f.out.sms)
	return ""
}
