// Package e2e drives Kabinet through the local stack's gateway the way a
// client does: real bootstrap binaries, real emulators, real tokens from
// cognito-local, every response checked against docs/openapi.yaml.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/infra/local/template"
)

// shiftClock is real time plus a shift the tests can change: the gateway's
// clock, so that a token can be made to expire without waiting.
type shiftClock struct{ shift atomic.Int64 }

func (c *shiftClock) Now() time.Time        { return time.Now().Add(time.Duration(c.shift.Load())) }
func (c *shiftClock) Shift(d time.Duration) { c.shift.Store(int64(d)) }

var (
	st       *stack.Stack
	gwClock  = &shiftClock{}
	spec     *openapi3.T
	router   routers.Router
	stackLog bytes.Buffer
	logMu    sync.Mutex
)

type lockedWriter struct{}

func (lockedWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return stackLog.Write(p)
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		os.Exit(0)
	}
	root, err := template.FindRoot()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	st, err = stack.Start(ctx, stack.Options{Root: root, Seed: true, Clock: gwClock, Log: lockedWriter{},
		MaxInstances: 6, Version: "e2e", BuildDir: filepath.Join(root, ".build", "e2e")})
	cancel()
	if err != nil {
		fmt.Println("start local stack:", err)
		fmt.Println(stackLog.String())
		os.Exit(1)
	}
	if spec, router, err = loadSpec(root); err != nil {
		st.Close()
		fmt.Println("openapi:", err)
		os.Exit(1)
	}
	code := m.Run()
	st.Close()
	if code != 0 {
		logMu.Lock()
		fmt.Println("---- local stack output ----")
		fmt.Println(stackLog.String())
		logMu.Unlock()
	}
	os.Exit(code)
}

func loadSpec(root string) (*openapi3.T, routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(filepath.Join(root, "docs", "openapi.yaml"))
	if err != nil {
		return nil, nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, nil, err
	}
	doc.Servers = openapi3.Servers{{URL: st.APIURL}}
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
	r, err := gorillamux.NewRouter(doc)
	return doc, r, err
}

// response is a read HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// call sends a request to the gateway and checks the answer against the
// OpenAPI document when the route is documented (unknown routes are not).
// sendsToNamedAddress are the anonymous routes that send a code to the
// address the request names.
var sendsToNamedAddress = map[string]bool{"/auth/register": true, "/auth/register/resend": true, "/auth/password/forgot": true}

var clientSeq atomic.Int64

// apiClient does not follow redirects: a 303 is an answer of the API (a
// receipt's download address), checked against the document as it is.
var apiClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func call(t testing.TB, method, path, token string, body []byte, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, st.APIURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if sendsToNamedAddress[path] {
		// The tests are many clients, not one: each anonymous request
		// that sends a code comes from an address of its own, so the
		// per-address send limit meets only the tests that set one.
		n := clientSeq.Add(1)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Body: b}
	checkContract(t, req, out)
	return out
}

func checkContract(t testing.TB, req *http.Request, res response) {
	t.Helper()
	route, params, err := router.FindRoute(req)
	if err != nil {
		return // not a documented route (404/405 tests)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	rv := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.Status, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	rv.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
		t.Errorf("%s %s answered %d, which breaks docs/openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, res.Status, err, res.Body)
	}
}

// signIn gets tokens for a demo account straight from cognito-local.
func signIn(t testing.TB, clientID, username, password string) *ciptypes.AuthenticationResultType {
	t.Helper()
	out, err := st.Cognito().InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth, ClientId: aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password}})
	if err != nil {
		t.Fatalf("sign in %s: %v", username, err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("sign in %s: challenge %s instead of tokens", username, out.ChallengeName)
	}
	return out.AuthenticationResult
}

func demo(t testing.TB, username string) stack.DemoAccount {
	t.Helper()
	for _, d := range st.Demo {
		if d.Username == username {
			return d
		}
	}
	t.Fatalf("no demo account %s", username)
	return stack.DemoAccount{}
}

// session is what /auth/login hands a client.
type session struct {
	AccessToken, IDToken, RefreshToken, SessionID string
}

// login signs a demo account in through the API (answering its TOTP
// challenge with an independent TOTP implementation).
func login(t testing.TB, username string) session {
	t.Helper()
	d := demo(t, username)
	return loginAs(t, d.Phone, d.Password, d.TOTPSecret, nil)
}

func loginAs(t testing.TB, loginName, password, totpSecret string, header map[string]string) session {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"login": loginName, "password": password})
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	res := call(t, "POST", "/auth/login", "", body, h)
	if res.Status != http.StatusOK {
		t.Fatalf("login %s = %d %s", loginName, res.Status, res.Body)
	}
	var out struct {
		Tokens      *session
		Challenge   string
		ChallengeID string
	}
	res.JSON(t, &out)
	if out.Challenge == "totp" {
		code := independentTOTP(t, totpSecret, time.Now())
		body, _ := json.Marshal(map[string]string{"challengeId": out.ChallengeID, "code": code})
		res = call(t, "POST", "/auth/login/mfa", "", body, h)
		if res.Status != http.StatusOK {
			t.Fatalf("login %s, TOTP = %d %s", loginName, res.Status, res.Body)
		}
		res.JSON(t, &out)
	}
	if out.Tokens == nil {
		t.Fatalf("login %s: no tokens: %s", loginName, res.Body)
	}
	return *out.Tokens
}

func accessToken(t testing.TB, username string) string { return login(t, username).AccessToken }
