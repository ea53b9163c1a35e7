package snsemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func newServer(t *testing.T) (*Server, *httptest.Server, *sns.Client) {
	t.Helper()
	emu := New("eu-central-1")
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := sns.New(sns.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "eu-central-1", RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return emu, srv, client
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPageEscapesMessages(t *testing.T) {
	ctx := context.Background()
	_, srv, client := newServer(t)
	evil := `<script>alert("x")</script> & <b>bold</b>`
	if _, err := client.Publish(ctx, &sns.PublishInput{PhoneNumber: aws.String("+79001234567"), Message: aws.String(evil)}); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	res, body := get(t, srv.URL+"/")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET / = %d %s, want 200 text/html", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, raw := range []string{"<script>", "<b>bold"} {
		if strings.Contains(body, raw) {
			t.Errorf("page contains raw %q: message text is not escaped", raw)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, "+79001234567") {
		t.Errorf("page does not show the escaped message and recipient:\n%s", body)
	}
}

func TestMessagesJSON(t *testing.T) {
	ctx := context.Background()
	emu, srv, client := newServer(t)
	topic := emu.CreateTopic("notifications")
	inputs := []*sns.PublishInput{
		{PhoneNumber: aws.String("+79001234567"), Message: aws.String("sms")},
		{TopicArn: aws.String(topic), Message: aws.String("topic"), Subject: aws.String("subj")},
	}
	for _, in := range inputs {
		if _, err := client.Publish(ctx, in); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	for _, path := range []string{"/messages", "/messages.json"} {
		t.Run(path, func(t *testing.T) {
			res, body := get(t, srv.URL+path)
			if res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
			}
			var msgs []Message
			if err := json.Unmarshal([]byte(body), &msgs); err != nil {
				t.Fatalf("body %q is not a JSON list of messages: %v", body, err)
			}
			if len(msgs) != 2 || msgs[0].Kind != "sms" || msgs[1].Kind != "topic" || msgs[1].TopicArn != topic || msgs[1].Subject != "subj" {
				t.Errorf("messages = %+v, want the sms then the topic message", msgs)
			}
		})
	}

	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/messages", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent || len(emu.Messages()) != 0 {
		t.Errorf("DELETE /messages = %d with %d messages left, want 204 and none", res.StatusCode, len(emu.Messages()))
	}
	if res, _ := get(t, srv.URL+"/health"); res.StatusCode != 200 {
		t.Errorf("GET /health = %d, want 200", res.StatusCode)
	}
}

func TestPublishRefusals(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newServer(t)
	tests := []struct {
		name string
		in   *sns.PublishInput
	}{
		{"empty message", &sns.PublishInput{PhoneNumber: aws.String("+79001234567"), Message: aws.String("")}},
		{"phone without plus", &sns.PublishInput{PhoneNumber: aws.String("89001234567"), Message: aws.String("x")}},
		{"short phone", &sns.PublishInput{PhoneNumber: aws.String("+7900"), Message: aws.String("x")}},
		{"unknown endpoint", &sns.PublishInput{TargetArn: aws.String("arn:aws:sns:eu-central-1:000000000000:endpoint/GCM/a/b"), Message: aws.String("x")}},
		{"unknown topic", &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:eu-central-1:000000000000:none"), Message: aws.String("x")}},
		{"no destination", &sns.PublishInput{Message: aws.String("x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.Publish(ctx, tt.in); err == nil {
				t.Errorf("Publish() = nil, want an error")
			}
		})
	}
	if n := len(emu.Messages()); n != 0 {
		t.Errorf("Messages() = %d, want none kept from refused publishes", n)
	}
}

func TestFailNextPublishes(t *testing.T) {
	ctx := context.Background()
	emu, _, client := newServer(t)
	emu.FailNextPublishes(2)
	in := &sns.PublishInput{PhoneNumber: aws.String("+79001234567"), Message: aws.String("x")}
	for i := range 2 {
		if _, err := client.Publish(ctx, in); err == nil {
			t.Errorf("Publish() %d = nil, want the injected failure", i+1)
		}
	}
	if _, err := client.Publish(ctx, in); err != nil {
		t.Errorf("Publish() after the injected failures = %v, want nil", err)
	}
}

func TestEndpointAttributes(t *testing.T) {
	ctx := context.Background()
	_, _, client := newServer(t)
	app, err := client.CreatePlatformApplication(ctx, &sns.CreatePlatformApplicationInput{
		Name: aws.String("ios"), Platform: aws.String("APNS"), Attributes: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := client.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{
		PlatformApplicationArn: app.PlatformApplicationArn, Token: aws.String("tok"), CustomUserData: aws.String("sub-1")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(ep.EndpointArn), ":endpoint/APNS/ios/") {
		t.Errorf("EndpointArn = %s, want it under the application", aws.ToString(ep.EndpointArn))
	}
	if _, err := client.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{EndpointArn: ep.EndpointArn,
		Attributes: map[string]string{"Enabled": "false", "Token": "tok2"}}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetEndpointAttributes(ctx, &sns.GetEndpointAttributesInput{EndpointArn: ep.EndpointArn})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Enabled": "false", "Token": "tok2", "CustomUserData": "sub-1"}
	for k, v := range want {
		if got.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, got.Attributes[k], v)
		}
	}
	if _, err := client.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{
		PlatformApplicationArn: app.PlatformApplicationArn, Token: aws.String("")}); err == nil {
		t.Errorf("CreatePlatformEndpoint() with an empty token = nil, want an error")
	}
}

func TestUnknownActionAndForm(t *testing.T) {
	_, srv, _ := newServer(t)
	res, err := http.PostForm(srv.URL+"/", url.Values{"Action": {"DeleteTopic"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(b), "<Code>InvalidAction</Code>") {
		t.Errorf("unknown action = %d %s, want 400 InvalidAction", res.StatusCode, b)
	}
	res, err = http.PostForm(srv.URL+"/", url.Values{"Action": {"<x>"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "<x>") {
		t.Errorf("error body %s echoes the action unescaped", b)
	}
}
