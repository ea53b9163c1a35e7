package sessions

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo/dynamotest"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/problem"
)

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.NewStore(t)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	st, guard := NewStore(db), NewGuard(db, clock.NewManual(now), IdleTimeout)
	begin := func(sub, id, jti string) {
		t.Helper()
		if err := st.Begin(ctx, Start{Sub: sub, ID: id, UserAgent: "ua", IP: "203.0.113.1", Method: "password", Level: "standard",
			At: now, AccessJTI: jti, AccessExpires: now.Add(15 * time.Minute), SealedRefresh: "sealed-" + id, RefreshExpires: now.Add(30 * 24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	begin("alice", "s1", "j1")
	begin("alice", "s2", "j2")
	begin("bob", "s3", "j3")
	if err := st.Begin(ctx, Start{Sub: "carol", ID: "s4", Method: "password", Level: "confirmed", Organisation: "gp-12", At: now,
		AccessJTI: "j4", AccessExpires: now.Add(15 * time.Minute), RefreshExpires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Rotate(ctx, "carol", "s4", "j4b", "confirmed", now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	// Access tokens carry no custom attributes: the session adds a staff
	// member's organisation, before and after a refresh.
	if id, err := guard.Admit(ctx, httpapi.Identity{Subject: "carol", TokenID: "j4b", TokenUse: "access"}); err != nil || id.Organisation != "gp-12" {
		t.Errorf("the refreshed staff token: %+v, %v; want organisation gp-12", id, err)
	}

	admit := func(sub, jti string) (httpapi.Identity, error) {
		return guard.Admit(ctx, httpapi.Identity{Subject: sub, TokenID: jti, TokenUse: "access"})
	}
	id, err := admit("alice", "j1")
	if err != nil || id.SessionID != "s1" || id.Level != "standard" {
		t.Fatalf("Admit = %+v, %v", id, err)
	}
	cases := []struct {
		name     string
		sub, jti string
		use      string
	}{
		{"unknown token", "alice", "nope", "access"},
		{"another user's token", "bob", "j1", "access"},
		{"an id token", "alice", "j1", "id"},
		{"no jti", "alice", "", "access"},
	}
	for _, c := range cases {
		if _, err := guard.Admit(ctx, httpapi.Identity{Subject: c.sub, TokenID: c.jti, TokenUse: c.use}); !problem.Is(err, problem.KindUnauthenticated) {
			t.Errorf("%s: Admit = %v, want 401", c.name, err)
		}
	}
	if _, err := guard.Admit(ctx, httpapi.Identity{Subject: "alice", TokenID: "j1", TokenUse: "id"}); !isCode(err, "wrong_token_type") {
		t.Errorf("an id token: %v, want 401 wrong_token_type (not «session ended»)", err)
	}

	if err := st.Rotate(ctx, "alice", "s1", "j1b", "confirmed", now.Add(time.Hour), now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := admit("alice", "j1"); err == nil {
		t.Error("the token before the refresh still works")
	}
	if id, err := admit("alice", "j1b"); err != nil || id.Level != "confirmed" {
		t.Errorf("the refreshed token: %+v, %v", id, err)
	}

	list, next, err := st.List(ctx, "alice", "", 1)
	if err != nil || len(list) != 1 || next == "" {
		t.Fatalf("List page 1 = %v, %q, %v", list, next, err)
	}
	if _, _, err := st.List(ctx, "bob", next, 1); !problem.Is(err, problem.KindBadRequest) {
		t.Errorf("alice's cursor used by bob = %v, want 400", err)
	}
	all, err := st.All(ctx, "alice")
	if err != nil || len(all) != 2 {
		t.Fatalf("All = %v, %v", all, err)
	}

	if _, err := st.End(ctx, "bob", "s1"); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("bob ending alice's session = %v, want 404", err)
	}
	sealed, err := st.End(ctx, "alice", "s1")
	if err != nil || sealed != "sealed-s1" {
		t.Fatalf("End = %q, %v", sealed, err)
	}
	if _, err := admit("alice", "j1b"); err == nil {
		t.Error("the ended session's token still works")
	}
	if _, err := admit("alice", "j2"); err != nil {
		t.Errorf("the other session: %v", err)
	}
}

func isCode(err error, code string) bool {
	pe, ok := problem.As(err)
	return ok && pe.Code == code
}

// A session ends after IdleTimeout without a request: every admitted
// request keeps it alive (recorded at most once a minute), a refresh does
// not, and the guard ends one found idle.
func TestIdleSessionsEnd(t *testing.T) {
	ctx := context.Background()
	db := dynamotest.NewStore(t)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := clock.NewManual(t0)
	st, guard := NewStore(db), NewGuard(db, c, 15*time.Minute)
	if err := st.Begin(ctx, Start{Sub: "alice", ID: "s1", Method: "password", At: t0, AccessJTI: "j1",
		AccessExpires: t0.Add(time.Hour), SealedRefresh: "r", RefreshExpires: t0.Add(30 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	admit := func(jti string) error {
		_, err := guard.Admit(ctx, httpapi.Identity{Subject: "alice", TokenID: jti, TokenUse: "access"})
		return err
	}
	for _, step := range []time.Duration{5 * time.Minute, 14 * time.Minute, 14 * time.Minute} {
		c.Advance(step)
		if err := admit("j1"); err != nil {
			t.Fatalf("a request %v after the last one: %v", step, err)
		}
	}
	s, _, err := st.Get(ctx, "alice", "s1")
	if err != nil || !s.LastSeen.Equal(c.Now()) || !s.IdleUntil.Equal(c.Now().Add(15*time.Minute)) {
		t.Fatalf("the session after the requests = %+v, %v; want its last request now", s, err)
	}
	// A refresh moves the session to a new token without counting as use.
	c.Advance(10 * time.Minute)
	if err := st.Rotate(ctx, "alice", "s1", "j2", "", c.Now().Add(time.Hour), c.Now()); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := st.Get(ctx, "alice", "s1"); !st.Idled(s, c.Now().Add(6*time.Minute)) {
		t.Error("a refresh counted as use")
	}
	c.Advance(6 * time.Minute)
	if err := admit("j2"); !isCode(err, "session_idle") {
		t.Fatalf("a request 16 minutes after the last = %v, want 401 session_idle", err)
	}
	if _, _, err := st.Get(ctx, "alice", "s1"); !problem.Is(err, problem.KindNotFound) {
		t.Errorf("the idle session is still there: %v", err)
	}
	if err := admit("j2"); !isCode(err, "session_ended") {
		t.Errorf("its token afterwards = %v, want session_ended", err)
	}
}
