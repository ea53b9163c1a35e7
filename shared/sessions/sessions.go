// Package sessions keeps the portal's sign-in sessions. Cognito issues the
// tokens; this package remembers which access token belongs to which live
// session, so that ending a session (logout, "end this session", a password
// reset) makes its access token refused on the very next request, which the
// JWT authorizer alone cannot do. Every function's router admits a token only
// through the Guard.
package sessions

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kabinet/kabinet/shared/clock"
	"github.com/kabinet/kabinet/shared/dynamo"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/logging"
	"github.com/kabinet/kabinet/shared/problem"
)

// The kinds of the items kept here.
const (
	kindSession = "session"
	kindAccess  = "access"
)

// IdleTimeout is how long a session may go without a request before it
// ends (the seeds: 10–15 minutes of inactivity); functions read the setting
// (config.SessionIdle) and pass it to NewGuard and the sign-in service.
const IdleTimeout = 15 * time.Minute

// touchEvery is how stale the recorded activity may get before a request
// records it again: at most one write a minute per session.
const touchEvery = time.Minute

// Session is one signed-in device.
type Session struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	// LastSeen is the session's last request (a refresh is not one).
	LastSeen time.Time `json:"lastSeen"`
	// IdleUntil is when the session ends unless it is used before.
	IdleUntil time.Time `json:"idleUntil,omitzero"`
	UserAgent string    `json:"userAgent"`
	IP        string    `json:"ip"`
	// Method is how the session signed in: password, password+sms, password+totp.
	Method   string    `json:"method"`
	AuthTime time.Time `json:"authTime"`
	Current  bool      `json:"current"`
}

type sessionItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	ID        string `dynamodbav:"ID"`
	Sub       string `dynamodbav:"Sub"`
	CreatedAt string `dynamodbav:"CreatedAt"`
	LastSeen  string `dynamodbav:"LastSeen"`
	UserAgent string `dynamodbav:"UserAgent"`
	IP        string `dynamodbav:"IP"`
	Method    string `dynamodbav:"Method"`
	AuthTime  string `dynamodbav:"AuthTime"`
	AccessJTI string `dynamodbav:"AccessJTI"`
	Level     string `dynamodbav:"Level,omitempty"`
	Dept      string `dynamodbav:"Dept,omitempty"`
	// Org is a staff member's organisation.
	Org string `dynamodbav:"Org,omitempty"`
	// Refresh is the session's refresh token, sealed; it is kept so that
	// ending the session can revoke it in Cognito.
	Refresh string `dynamodbav:"Refresh"`
	TTL     int64  `dynamodbav:"TTL"`
}

type accessItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"Kind"`
	Sub       string `dynamodbav:"Sub"`
	SessionID string `dynamodbav:"SessionID"`
	// Level is the account level when the session began or last refreshed.
	Level string `dynamodbav:"Level,omitempty"`
	// Dept is an officer's department.
	Dept string `dynamodbav:"Dept,omitempty"`
	// Org is a staff member's organisation.
	Org string `dynamodbav:"Org,omitempty"`
	// Seen is the session's last request, as the guard last recorded it.
	Seen string `dynamodbav:"Seen,omitempty"`
	TTL  int64  `dynamodbav:"TTL"`
}

func parseTS(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }

func (it sessionItem) session(idle time.Duration) Session {
	s := Session{ID: it.ID, CreatedAt: parseTS(it.CreatedAt), LastSeen: parseTS(it.LastSeen), UserAgent: it.UserAgent,
		IP: it.IP, Method: it.Method, AuthTime: parseTS(it.AuthTime)}
	if idle > 0 {
		s.IdleUntil = s.LastSeen.Add(idle)
	}
	return s
}

// Store keeps sessions in the table.
type Store struct {
	db *dynamo.Store
	// Idle is how long a session may go unused (0: forever).
	Idle time.Duration
}

// NewStore returns a session store whose sessions end after IdleTimeout
// without a request.
func NewStore(db *dynamo.Store) *Store { return &Store{db: db, Idle: IdleTimeout} }

// Start describes a new session.
type Start struct {
	Sub, ID, UserAgent, IP, Method string
	// Level is the account level, which the guard adds to the identity.
	Level string
	// Department is an officer's department, which the guard adds too.
	Department string
	// Organisation is a staff member's organisation, which the guard adds
	// as well.
	Organisation string
	At           time.Time
	// AccessJTI and AccessExpires identify the first access token.
	AccessJTI     string
	AccessExpires time.Time
	// SealedRefresh is the refresh token, sealed by the caller.
	SealedRefresh  string
	RefreshExpires time.Time
	// With are items to put in the same transaction (the sign-in's history
	// entry), so the session and its record exist together or not at all.
	With []any
}

const ts = time.RFC3339

// Begin records a session and its first access token in one transaction.
func (st *Store) Begin(ctx context.Context, s Start) error {
	k := dynamo.SessionKey(s.Sub, s.ID)
	at := s.At.UTC().Format(ts)
	tx := (&dynamo.Tx{}).
		Create(sessionItem{PK: k.PK, SK: k.SK, Kind: kindSession, ID: s.ID, Sub: s.Sub, CreatedAt: at, LastSeen: at,
			UserAgent: s.UserAgent, IP: s.IP, Method: s.Method, AuthTime: at, AccessJTI: s.AccessJTI, Level: s.Level, Dept: s.Department,
			Org: s.Organisation, Refresh: s.SealedRefresh, TTL: s.RefreshExpires.Unix()}).
		Create(accessItem{PK: dynamo.AccessKey(s.AccessJTI).PK, SK: dynamo.AccessKey(s.AccessJTI).SK, Kind: kindAccess,
			Sub: s.Sub, SessionID: s.ID, Level: s.Level, Dept: s.Department, Org: s.Organisation, Seen: at, TTL: s.AccessExpires.Unix()})
	for _, it := range s.With {
		tx.Put(it)
	}
	if err := st.db.Transact(ctx, "", tx); err != nil {
		return fmt.Errorf("begin session: %w", err)
	}
	return nil
}

// Get returns one of a user's sessions and its sealed refresh token; another
// user's session is NotFound.
func (st *Store) Get(ctx context.Context, sub, id string) (Session, string, error) {
	var it sessionItem
	if err := st.db.Get(ctx, dynamo.SessionKey(sub, id), "сеанс", &it); err != nil {
		return Session{}, "", err
	}
	return it.session(st.Idle), it.Refresh, nil
}

// Idled reports whether a session went unused longer than the idle timeout
// by now.
func (st *Store) Idled(s Session, now time.Time) bool {
	return st.Idle > 0 && now.Sub(s.LastSeen) > st.Idle
}

// Rotate moves a live session to a new access token (after a refresh): the
// old token stops working and the new one starts, atomically. level is the
// account's current level. A refresh is not activity: the session's last
// request stays what it was, so an idle client refreshing in the background
// still ends.
func (st *Store) Rotate(ctx context.Context, sub, id, newJTI, level string, expires, now time.Time) error {
	var it sessionItem
	if err := st.db.Get(ctx, dynamo.SessionKey(sub, id), "сеанс", &it); err != nil {
		return err
	}
	cond := expression.Name("AccessJTI").Equal(expression.Value(it.AccessJTI))
	tx := (&dynamo.Tx{}).
		Update(dynamo.SessionKey(sub, id), expression.Set(expression.Name("AccessJTI"), expression.Value(newJTI)).
			Set(expression.Name("Level"), expression.Value(level)), &cond).
		Delete(dynamo.AccessKey(it.AccessJTI), false).
		Create(accessItem{PK: dynamo.AccessKey(newJTI).PK, SK: dynamo.AccessKey(newJTI).SK, Kind: kindAccess,
			Sub: sub, SessionID: id, Level: level, Dept: it.Dept, Org: it.Org, Seen: it.LastSeen, TTL: expires.Unix()})
	if err := st.db.Transact(ctx, "", tx); err != nil {
		return fmt.Errorf("rotate session: %w", err)
	}
	return nil
}

// End removes a session and its access token, returning the sealed refresh
// token for the caller to revoke. Another user's session is NotFound.
func (st *Store) End(ctx context.Context, sub, id string) (string, error) {
	var it sessionItem
	if err := st.db.Get(ctx, dynamo.SessionKey(sub, id), "сеанс", &it); err != nil {
		return "", err
	}
	tx := (&dynamo.Tx{}).Delete(dynamo.SessionKey(sub, id), false).Delete(dynamo.AccessKey(it.AccessJTI), false)
	if err := st.db.Transact(ctx, "", tx); err != nil {
		return "", fmt.Errorf("end session: %w", err)
	}
	return it.Refresh, nil
}

// List returns one page of a user's live sessions, newest first.
func (st *Store) List(ctx context.Context, sub, cursor string, limit int32) ([]Session, string, error) {
	var items []sessionItem
	next, err := st.db.Query(ctx, dynamo.Page{Partition: dynamo.UserPK(sub), Prefix: dynamo.SessionPrefix, Limit: limit, Cursor: cursor}, &items)
	if err != nil {
		return nil, "", err
	}
	out := make([]Session, 0, len(items))
	for _, it := range items {
		out = append(out, it.session(st.Idle))
	}
	return out, next, nil
}

// All returns every live session of a user (for "end all").
func (st *Store) All(ctx context.Context, sub string) ([]Session, error) {
	var all []Session
	cursor := ""
	for {
		page, next, err := st.List(ctx, sub, cursor, dynamo.MaxPageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

// Guard admits a token only while its session lives and has been used
// within the idle timeout. It costs one read, and a write a minute per
// session to record its activity; a session found idle is ended there.
type Guard struct {
	db    *dynamo.Store
	clock clock.Clock
	idle  time.Duration
}

// NewGuard returns the guard every function's router uses; sessions unused
// for longer than idle end (0: never).
func NewGuard(db *dynamo.Store, c clock.Clock, idle time.Duration) *Guard {
	return &Guard{db: db, clock: c, idle: idle}
}

var _ httpapi.SessionGuard = (*Guard)(nil)

var errEnded = func() error {
	return problem.New(problem.KindUnauthenticated, "session_ended", "Сеанс завершён. Войдите снова")
}

// Admit implements httpapi.SessionGuard.
func (g *Guard) Admit(ctx context.Context, id httpapi.Identity) (httpapi.Identity, error) {
	if id.TokenUse == "id" {
		// A client sending the ID token means a client bug, not an ended
		// session: say so, or its developer chases the wrong thing.
		return id, problem.New(problem.KindUnauthenticated, "wrong_token_type",
			"Передан ID-токен. Для запросов к API нужен токен доступа (accessToken из ответа на вход)")
	}
	if id.TokenID == "" || id.TokenUse != "access" {
		return id, errEnded()
	}
	var it accessItem
	err := g.db.Get(ctx, dynamo.AccessKey(id.TokenID), "сеанс", &it)
	if problem.Is(err, problem.KindNotFound) || (err == nil && it.Sub != id.Subject) {
		return id, errEnded()
	}
	if err != nil {
		return id, fmt.Errorf("admit: %w", err)
	}
	if err := g.activity(ctx, id.TokenID, it); err != nil {
		return id, err
	}
	id.SessionID = it.SessionID
	// Access tokens carry no custom attributes; the session knows them.
	if id.Level == "" {
		id.Level = it.Level
	}
	if id.Department == "" {
		id.Department = it.Dept
	}
	if id.Organisation == "" {
		id.Organisation = it.Org
	}
	return id, nil
}

// activity ends a session idle for too long (401 session_idle) and records
// the request as the session's activity once a minute.
func (g *Guard) activity(ctx context.Context, jti string, it accessItem) error {
	now := g.clock.Now().UTC()
	seen := parseTS(it.Seen)
	if it.Seen == "" || now.Sub(seen) < touchEvery {
		return nil
	}
	if g.idle > 0 && now.Sub(seen) > g.idle {
		// Ended here, so the refresh token that could renew it is refused
		// too; the sign-in service revokes it when it is presented.
		tx := (&dynamo.Tx{}).Delete(dynamo.SessionKey(it.Sub, it.SessionID), false).Delete(dynamo.AccessKey(jti), false)
		if err := g.db.Transact(ctx, "", tx); err != nil {
			return fmt.Errorf("end idle session: %w", err)
		}
		return ErrIdle()
	}
	stamp := expression.Value(now.Format(ts))
	unchanged := expression.Name("Seen").Equal(expression.Value(it.Seen))
	live := expression.AttributeExists(expression.Name(dynamo.AttrPK))
	tx := (&dynamo.Tx{}).Update(dynamo.AccessKey(jti), expression.Set(expression.Name("Seen"), stamp), &unchanged).
		Update(dynamo.SessionKey(it.Sub, it.SessionID), expression.Set(expression.Name("LastSeen"), stamp), &live)
	if err := g.db.Transact(ctx, "", tx); err != nil && !problem.Is(err, problem.KindConflict) {
		// Another request of the session recorded it; anything else only
		// delays the record to the next request.
		logging.From(ctx).Warn("session activity not recorded", "err", err)
	}
	return nil
}

// ErrIdle is the answer to a session that went unused too long.
func ErrIdle() error {
	return problem.New(problem.KindUnauthenticated, "session_idle", "Сеанс завершён из-за бездействия. Войдите снова")
}
