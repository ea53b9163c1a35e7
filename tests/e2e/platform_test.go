package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/golang-jwt/jwt/v5"
)

func TestHealthReportsEveryDependency(t *testing.T) {
	res := call(t, http.MethodGet, "/health", "", nil, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /health = %d %s, want 200", res.Status, res.Body)
	}
	var h struct {
		Status, Version string
		Dependencies    []struct{ Name, Status string }
	}
	res.JSON(t, &h)
	if h.Status != "ok" || h.Version != "e2e" {
		t.Errorf("health = %+v, want status ok and version e2e", h)
	}
	want := map[string]bool{"cognito": true, "dynamodb": true, "s3": true, "ses": true, "sns": true}
	for _, d := range h.Dependencies {
		if d.Status != "ok" {
			t.Errorf("dependency %s is %s", d.Name, d.Status)
		}
		delete(want, d.Name)
	}
	if len(want) > 0 {
		t.Errorf("health does not report %v", want)
	}
}

// resign copies a token's claims and header into a token signed by another key.
func resign(t *testing.T, token string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged := jwt.NewWithClaims(jwt.SigningMethodRS256, parsed.Claims)
	forged.Header["kid"] = parsed.Header["kid"]
	s, err := forged.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthorizerRefusesBadTokens(t *testing.T) {
	officer := demo(t, "officer")
	valid := accessToken(t, "officer")

	// A second app client of the same pool: its tokens are not for this API.
	out, err := st.Cognito().CreateUserPoolClient(context.Background(), &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(st.Resources["UserPool"]), ClientName: aws.String("another-app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth}})
	if err != nil {
		t.Fatal(err)
	}
	otherClient := aws.ToString(signIn(t, aws.ToString(out.UserPoolClient.ClientId), officer.Username, officer.Password).AccessToken)
	idToken := aws.ToString(signIn(t, aws.ToString(out.UserPoolClient.ClientId), officer.Username, officer.Password).IdToken)

	cases := []struct {
		name   string
		header string
		shift  time.Duration
	}{
		{name: "no token"},
		{name: "not a JWT", header: "Bearer not-a-token"},
		{name: "malformed JWT", header: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"},
		{name: "wrong scheme", header: "Basic " + valid},
		{name: "expired", header: "Bearer " + valid, shift: 16 * time.Minute},
		{name: "signed by another key", header: "Bearer " + resign(t, valid)},
		{name: "issued to another app client", header: "Bearer " + otherClient},
		{name: "id token of another app client", header: "Bearer " + idToken},
		{name: "alg none", header: "Bearer " + strings.Join(strings.Split(resign(t, valid), ".")[:2], ".") + "."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gwClock.Shift(c.shift)
			defer gwClock.Shift(0)
			h := map[string]string{}
			if c.header != "" {
				h["Authorization"] = c.header
			}
			res := call(t, http.MethodGet, "/me", "", nil, h)
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("GET /me = %d %s, want 401", res.Status, res.Body)
			}
			if got := strings.TrimSpace(string(res.Body)); got != `{"message":"Unauthorized"}` {
				t.Errorf("body = %s, want API Gateway's {\"message\":\"Unauthorized\"}", got)
			}
		})
	}

	t.Run("valid token reaches the function with its claims", func(t *testing.T) {
		res := call(t, http.MethodGet, "/me", valid, nil, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("GET /me = %d %s", res.Status, res.Body)
		}
		var me struct {
			Sub, Username, ClientID string
			Groups                  []string
		}
		res.JSON(t, &me)
		if me.Sub != officer.Sub || me.Username != "officer" || me.ClientID != st.Resources["UserPoolClient"] {
			t.Errorf("me = %+v, want sub %s of the officer on the API's client", me, officer.Sub)
		}
		if len(me.Groups) != 1 || me.Groups[0] != "officers" {
			t.Errorf("groups = %v, want [officers]", me.Groups)
		}
	})
	t.Run("a token straight from Cognito, around the portal's sign-in, is refused", func(t *testing.T) {
		direct := aws.ToString(signIn(t, st.Resources["UserPoolClient"], officer.Username, officer.Password).AccessToken)
		res := call(t, http.MethodGet, "/me", direct, nil, nil)
		var p struct{ Code string }
		res.JSON(t, &p)
		if res.Status != http.StatusUnauthorized || p.Code != "session_ended" {
			t.Errorf("GET /me = %d %s, want 401 session_ended", res.Status, res.Body)
		}
	})
	t.Run("a token shortly before expiry still works", func(t *testing.T) {
		gwClock.Shift(14 * time.Minute)
		defer gwClock.Shift(0)
		if res := call(t, http.MethodGet, "/me", valid, nil, nil); res.Status != http.StatusOK {
			t.Fatalf("GET /me = %d, want 200", res.Status)
		}
	})
}

func TestBadRequestsGetProblemJSON(t *testing.T) {
	token := accessToken(t, "citizen")
	big := `{"timeZone":"Europe/Moscow","locale":"ru","x":"` + strings.Repeat("a", 8<<10) + `"}`
	cases := []struct {
		name, method, path, body, contentType string
		status                                int
		code                                  string
	}{
		{"malformed JSON", "PUT", "/me/settings", `{"timeZone":`, "application/json", 400, "malformed_json"},
		{"unknown field", "PUT", "/me/settings", `{"timeZone":"Europe/Moscow","locale":"ru","admin":true}`, "application/json", 400, "malformed_json"},
		{"unknown route", "GET", "/no-such-route", "", "", 404, "route_not_found"},
		{"wrong method", "DELETE", "/me/settings", "", "", 405, "method_not_allowed"},
		{"body over the limit", "PUT", "/me/settings", big, "application/json", 413, "body_too_large"},
		{"wrong content type", "PUT", "/me/settings", `timeZone=Europe/Moscow`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"invalid values", "PUT", "/me/settings", `{"timeZone":"Mars/Olympus","locale":"fr"}`, "application/json", 422, "validation_failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{"If-Match": `"0"`}
			if c.contentType != "" {
				h["Content-Type"] = c.contentType
			}
			before := call(t, "GET", "/me/settings", token, nil, nil)
			res := call(t, c.method, c.path, token, []byte(c.body), h)
			if res.Status != c.status {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, res.Status, res.Body, c.status)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p struct {
				Status int
				Code   string
				Detail string
			}
			res.JSON(t, &p)
			if p.Status != c.status || p.Code != c.code || p.Detail == "" {
				t.Errorf("problem = %+v, want status %d code %s and a detail", p, c.status, c.code)
			}
			if c.status == 405 && res.Header.Get("Allow") != "GET, PUT" {
				t.Errorf("Allow = %q, want \"GET, PUT\"", res.Header.Get("Allow"))
			}
			after := call(t, "GET", "/me/settings", token, nil, nil)
			if string(before.Body) != string(after.Body) {
				t.Errorf("a refused request changed the settings: %s -> %s", before.Body, after.Body)
			}
		})
	}
}

func TestInvalidFieldsAreAllNamed(t *testing.T) {
	token := accessToken(t, "citizen")
	res := call(t, "PUT", "/me/settings", token, []byte(`{"timeZone":"","locale":"xx"}`),
		map[string]string{"Content-Type": "application/json", "If-Match": `"1"`})
	var p struct {
		Errors []struct{ Field, Code string }
	}
	res.JSON(t, &p)
	got := map[string]string{}
	for _, e := range p.Errors {
		got[e.Field] = e.Code
	}
	if res.Status != 422 || got["timeZone"] != "required" || got["locale"] != "locale.unsupported" {
		t.Errorf("PUT = %d %s, want 422 naming timeZone and locale", res.Status, res.Body)
	}
}

// Concurrent writers with the same version: exactly one wins, each in its own
// function instance, and no update is lost silently.
func TestConcurrentSettingsUpdatesExactlyOneWins(t *testing.T) {
	token := accessToken(t, "support")
	cur := call(t, "GET", "/me/settings", token, nil, nil)
	etag := cur.Header.Get("ETag")
	startedBefore := st.Pools["me"].Stats().Started
	const n = 6
	var wg sync.WaitGroup
	statuses := make([]int, n)
	zones := []string{"Europe/Kaliningrad", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Omsk", "Asia/Novosibirsk", "Asia/Irkutsk"}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]string{"timeZone": zones[i], "locale": "ru"})
			res := call(t, "PUT", "/me/settings", token, body, map[string]string{"Content-Type": "application/json", "If-Match": etag})
			statuses[i] = res.Status
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
			conflict++
		}
	}
	if ok != 1 || conflict != n-1 {
		t.Errorf("statuses = %v, want exactly one 200 and %d 409", statuses, n-1)
	}
	if stats := st.Pools["me"].Stats(); stats.Instances < 2 {
		t.Errorf("six concurrent requests ran in %d instance(s) of the me function (started %d now, %d before); want separate processes",
			stats.Instances, stats.Started, startedBefore)
	}
}

func TestUsersSeeOnlyTheirOwnSettings(t *testing.T) {
	a, b := accessToken(t, "citizen"), accessToken(t, "officer")
	ga := call(t, "GET", "/me/settings", a, nil, nil)
	res := call(t, "PUT", "/me/settings", a, []byte(`{"timeZone":"Asia/Vladivostok","locale":"en"}`),
		map[string]string{"Content-Type": "application/json", "If-Match": ga.Header.Get("ETag")})
	if res.Status != 200 {
		t.Fatalf("PUT = %d %s", res.Status, res.Body)
	}
	var sb struct{ TimeZone string }
	call(t, "GET", "/me/settings", b, nil, nil).JSON(t, &sb)
	if sb.TimeZone == "Asia/Vladivostok" {
		t.Error("user B sees the settings user A saved")
	}
}

// A change of the settings is in the person's activity journal.
func TestSettingsChangesAreJournaled(t *testing.T) {
	s, _, _, _ := newCitizen(t)
	cur := call(t, "GET", "/me/settings", s.AccessToken, nil, nil)
	if r := call(t, "PUT", "/me/settings", s.AccessToken, []byte(`{"timeZone":"Asia/Vladivostok","locale":"en"}`),
		map[string]string{"Content-Type": "application/json", "If-Match": cur.Header.Get("ETag")}); r.Status != 200 {
		t.Fatalf("PUT = %d %s", r.Status, r.Body)
	}
	var activity struct {
		Items []struct{ Type, Summary, Actor string }
	}
	call(t, "GET", "/activity?type=settings.change", s.AccessToken, nil, nil).JSON(t, &activity)
	want := "Изменены настройки: часовой пояс Europe/Moscow → Asia/Vladivostok; язык интерфейса русский → английский"
	if len(activity.Items) != 1 || activity.Items[0].Summary != want || activity.Items[0].Actor != "citizen" {
		t.Errorf("settings entries = %+v, want one: %q", activity.Items, want)
	}
}

func TestLocalDynamoDBRefusesScan(t *testing.T) {
	ddb := st.DynamoDB()
	_, err := ddb.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(st.Resources["Table"])}) // allow-scan: proves the emulator refuses Scan
	if err == nil || !strings.Contains(err.Error(), "Scan is forbidden") {
		t.Errorf("Scan = %v, want it refused", err)
	}
}

func TestCanaryScheduleRuns(t *testing.T) {
	out, err := st.FireSchedule(context.Background(), "canary", "EveryFiveMinutes")
	if err != nil {
		t.Fatalf("canary: %v", err)
	}
	var res struct{ Healthy bool }
	if err := json.Unmarshal(out, &res); err != nil || !res.Healthy {
		t.Errorf("canary = %s, want healthy", out)
	}
}
