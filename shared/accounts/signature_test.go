package accounts

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/sendlimit"
	"github.com/kabinet/kabinet/shared/totp"
)

// signNow runs a checked signature's use in its own transaction, as the
// submission does in its own.
func signNow(t *testing.T, f *fixture, use func(*dynamo.Tx)) error {
	t.Helper()
	tx := &dynamo.Tx{}
	use(tx)
	return f.db.Transact(context.Background(), "", tx)
}

func TestSignatureBySMS(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sub := f.provision(t, "signer", "+79161112233", "112-233-445 95")

	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 3, "", "123456"); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a code never requested: %v, want Invalid (signature.required)", err)
	}
	p, err := f.svc.StartSignature(ctx, sub, "app-1", 3, "")
	if err != nil || p.Method != SignBySMS || p.SentTo == "" || strings.Contains(p.SentTo, "1112233") {
		t.Fatalf("StartSignature = %+v, %v", p, err)
	}
	code := f.out.lastCode(t, "+79161112233")
	if sms := f.out.sms[len(f.out.sms)-1]; strings.Contains(sms, "app-1") || strings.Contains(sms, "http") {
		t.Errorf("the SMS names the document or carries a link: %s", sms)
	}
	if _, err := f.svc.StartSignature(ctx, sub, "app-1", 3, ""); !problem.Is(err, problem.KindTooManyRequests) {
		t.Errorf("a second code within a minute: %v, want 429", err)
	}

	// A wrong code is a field error on signatureCode; another version is stale.
	_, err = f.svc.CheckSignature(ctx, sub, "app-1", 3, "", "000000")
	if pe, ok := problem.As(err); !ok || pe.Kind != problem.KindInvalid || pe.Fields[0].Field != "signatureCode" {
		t.Errorf("wrong code: %v, want Invalid on signatureCode", err)
	}
	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 4, "", code); !problem.Is(err, problem.KindConflict) {
		t.Errorf("a code for version 3 at version 4: %v, want Conflict", err)
	}
	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 3, "other attachments", code); !problem.Is(err, problem.KindConflict) {
		t.Errorf("a code for no attachments used with some: %v, want Conflict", err)
	}
	if _, err := f.svc.CheckSignature(ctx, sub, "app-2", 3, "", code); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("the code on another document: %v, want Invalid", err)
	}

	// Checking does not use the code up; the transaction that carries it does, once.
	use, err := f.svc.CheckSignature(ctx, sub, "app-1", 3, "", code)
	if err != nil {
		t.Fatalf("right code: %v", err)
	}
	again, err := f.svc.CheckSignature(ctx, sub, "app-1", 3, "", code)
	if err != nil {
		t.Fatalf("right code checked twice before use: %v", err)
	}
	if err := signNow(t, f, use); err != nil {
		t.Fatalf("using the code: %v", err)
	}
	if err := signNow(t, f, again); !problem.Is(err, problem.KindConflict) {
		t.Errorf("using the code a second time: %v, want Conflict", err)
	}
	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 3, "", code); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("a used code: %v, want Invalid (no code pending)", err)
	}

	// Codes expire.
	f.clock.Advance(2 * time.Minute)
	if _, err := f.svc.StartSignature(ctx, sub, "app-1", 5, ""); err != nil {
		t.Fatal(err)
	}
	code = f.out.lastCode(t, "+79161112233")
	f.clock.Advance(SignatureTTL + time.Second)
	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 5, "", code); !problem.Is(err, problem.KindGone) {
		t.Errorf("an expired code: %v, want Gone", err)
	}
}

// Signing codes pass the one limiter, whatever the drafts: past its
// limits they are 429 too_many_messages, until the window reopens.
func TestSignatureSMSAreLimited(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.limitSends(t, sendlimit.Defaults(0))
	sub := f.provision(t, "signer", "+79161112233", "112-233-445 95")
	for i := range 3 {
		if _, err := f.svc.StartSignature(ctx, sub, fmt.Sprintf("app-%d", i), 1, ""); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.StartSignature(ctx, sub, "app-x", 1, ""); problem.CodeOf(err) != "too_many_messages" {
		t.Errorf("a fourth code within 15 minutes: %v, want 429 too_many_messages", err)
	}
	f.clock.Advance(15 * time.Minute)
	if _, err := f.svc.StartSignature(ctx, sub, "app-x", 1, ""); err != nil {
		t.Errorf("the next window: %v", err)
	}
}

func TestSignatureSMSOutageLetsThePersonRetry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sub := f.provision(t, "signer", "+79161112233", "112-233-445 95")
	f.out.smsDown = true
	if _, err := f.svc.StartSignature(ctx, sub, "app-1", 1, ""); !problem.Is(err, problem.KindUnavailable) {
		t.Fatalf("SMS down: %v, want 503", err)
	}
	f.out.smsDown = false
	if _, err := f.svc.StartSignature(ctx, sub, "app-1", 1, ""); err != nil {
		t.Errorf("asking again at once after the outage: %v, want a code", err)
	}
}

func TestSignatureByAuthenticator(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sub := f.provision(t, "signer-totp", "+79161112244", "112-233-445 95")
	const secret = "KABINETTESTSECRETKEYAAAAAAAAAAAA"
	if err := f.svc.EnableTOTPWithSecret(ctx, sub, secret); err != nil {
		t.Fatal(err)
	}
	sent := len(f.out.sms)
	p, err := f.svc.StartSignature(ctx, sub, "app-1", 1, "")
	if err != nil || p.Method != SignByTOTP || len(f.out.sms) != sent {
		t.Fatalf("StartSignature = %+v, %v (SMS sent: %d)", p, err, len(f.out.sms)-sent)
	}
	code, err := totp.Code(secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The authenticator code is used up when checked, as at sign-in.
	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 1, "", code); err != nil {
		t.Fatalf("authenticator code: %v", err)
	}
	// The same step cannot sign twice.
	if _, err := f.svc.CheckSignature(ctx, sub, "app-2", 1, "", code); !problem.Is(err, problem.KindInvalid) {
		t.Errorf("the authenticator code replayed: %v, want Invalid", err)
	}
}

// Parallel guesses each take an attempt before they are checked: no more
// than CodeAttempts of them are ever compared with the code.
func TestParallelGuessesAreBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sub := f.provision(t, "signer", "+79161112233", "112-233-445 95")
	if _, err := f.svc.StartSignature(ctx, sub, "app-1", 1, ""); err != nil {
		t.Fatal(err)
	}
	code := f.out.lastCode(t, "+79161112233")
	var mu sync.Mutex
	kinds := map[problem.Kind]int{}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			guess := fmt.Sprintf("%06d", i)
			if guess == code {
				guess = "999999"
			}
			_, err := f.svc.CheckSignature(ctx, sub, "app-1", 1, "", guess)
			mu.Lock()
			kinds[problem.KindOf(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if kinds[problem.KindInvalid] > CodeAttempts || kinds[problem.KindInvalid]+kinds[problem.KindTooManyRequests] != 12 {
		t.Errorf("12 parallel guesses: %v; want at most %d checked (422), the rest 429", kinds, CodeAttempts)
	}
	if _, err := f.svc.CheckSignature(ctx, sub, "app-1", 1, "", code); !problem.Is(err, problem.KindTooManyRequests) {
		t.Errorf("the right code after the attempts ran out: %v, want 429", err)
	}
}

// A right code gives its attempt back: only wrong codes count.
func TestRightCodesDoNotUseAttempts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	sub := f.provision(t, "signer", "+79161112233", "112-233-445 95")
	for i := range CodeAttempts + 2 {
		f.clock.Advance(2 * time.Minute) // past the resend cooldown
		doc := fmt.Sprintf("app-%d", i)
		if _, err := f.svc.StartSignature(ctx, sub, doc, 1, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckSignature(ctx, sub, doc, 1, "", f.out.lastCode(t, "+79161112233")); err != nil {
			t.Fatalf("right code %d: %v", i+1, err)
		}
	}
}
