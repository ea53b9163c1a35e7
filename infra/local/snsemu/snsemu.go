// Package snsemu is the local stack's SNS endpoint. No SNS emulator installs
// from the registries this project may use, so this one implements the SNS
// Query API calls Kabinet makes (Publish to a phone, an endpoint or a topic;
// topics; platform applications and endpoints) and keeps every message for
// people (an HTML page) and tests (JSON) to read.
package snsemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

const xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"

// Message is one published message.
type Message struct {
	ID          string            `json:"id"`
	At          time.Time         `json:"at"`
	Kind        string            `json:"kind"` // sms, push or topic
	PhoneNumber string            `json:"phoneNumber,omitempty"`
	TargetArn   string            `json:"targetArn,omitempty"`
	TopicArn    string            `json:"topicArn,omitempty"`
	Subject     string            `json:"subject,omitempty"`
	Message     string            `json:"message"`
	Structure   string            `json:"messageStructure,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
}

type endpoint struct {
	arn, app, token, userData string
	enabled                   bool
}

// Server is an http.Handler speaking the SNS Query protocol.
type Server struct {
	Region  string
	Account string

	mu        sync.Mutex
	messages  []Message
	topics    map[string]map[string]string
	apps      map[string]string
	endpoints map[string]*endpoint
	// failures is how many upcoming Publish calls fail with InternalError.
	failures int
}

// New returns an empty SNS endpoint.
func New(region string) *Server {
	return &Server{Region: region, Account: "000000000000", topics: map[string]map[string]string{},
		apps: map[string]string{}, endpoints: map[string]*endpoint{}}
}

// Messages returns a copy of every published message, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Endpoint is a registered platform endpoint, for tests.
type Endpoint struct {
	ARN, Token string
	Enabled    bool
}

// Endpoints lists the platform endpoints.
func (s *Server) Endpoints() []Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Endpoint, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		out = append(out, Endpoint{ARN: e.arn, Token: e.token, Enabled: e.enabled})
	}
	return out
}

// FailNextPublishes makes the next n Publish calls fail with a 500.
func (s *Server) FailNextPublishes(n int) {
	s.mu.Lock()
	s.failures = n
	s.mu.Unlock()
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) arn(suffix string) string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:%s", s.Region, s.Account, suffix)
}

// CreateTopic creates a topic (idempotent) and returns its ARN.
func (s *Server) CreateTopic(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := s.arn(name)
	if _, ok := s.topics[arn]; !ok {
		s.topics[arn] = map[string]string{"TopicArn": arn, "DisplayName": name}
	}
	return arn
}

// ServeHTTP serves the Query API on POST / and the message log on GET.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		switch r.URL.Path {
		case "/messages", "/messages.json":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(s.Messages())
		case "/health":
			w.WriteHeader(http.StatusOK)
		default:
			s.page(w)
		}
		return
	}
	if r.Method == http.MethodDelete && r.URL.Path == "/messages" {
		s.mu.Lock()
		s.messages = nil
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, http.StatusBadRequest, "InvalidParameter", "malformed form")
		return
	}
	f := r.PostForm
	action := f.Get("Action")
	switch action {
	case "Publish":
		s.publish(w, f)
	case "CreateTopic":
		arn := s.CreateTopic(f.Get("Name"))
		s.ok(w, action, "<TopicArn>"+arn+"</TopicArn>")
	case "GetTopicAttributes":
		s.mu.Lock()
		attrs, ok := s.topics[f.Get("TopicArn")]
		s.mu.Unlock()
		if !ok {
			s.fail(w, http.StatusNotFound, "NotFound", "Topic does not exist")
			return
		}
		s.ok(w, action, "<Attributes>"+entries(attrs)+"</Attributes>")
	case "CreatePlatformApplication":
		arn := s.arn("app/" + f.Get("Platform") + "/" + f.Get("Name"))
		s.mu.Lock()
		s.apps[arn] = f.Get("Platform")
		s.mu.Unlock()
		s.ok(w, action, "<PlatformApplicationArn>"+arn+"</PlatformApplicationArn>")
	case "CreatePlatformEndpoint":
		s.createEndpoint(w, f.Get("PlatformApplicationArn"), f.Get("Token"), f.Get("CustomUserData"))
	case "GetEndpointAttributes":
		s.mu.Lock()
		ep, ok := s.endpoints[f.Get("EndpointArn")]
		var attrs map[string]string
		if ok {
			attrs = map[string]string{"Token": ep.token, "Enabled": fmt.Sprint(ep.enabled), "CustomUserData": ep.userData}
		}
		s.mu.Unlock()
		if !ok {
			s.fail(w, http.StatusNotFound, "NotFound", "Endpoint does not exist")
			return
		}
		s.ok(w, action, "<Attributes>"+entries(attrs)+"</Attributes>")
	case "SetEndpointAttributes":
		s.mu.Lock()
		ep, ok := s.endpoints[f.Get("EndpointArn")]
		if ok {
			for k, v := range formMap(f, "Attributes", "key", "value") {
				switch k {
				case "Enabled":
					ep.enabled = v == "true"
				case "Token":
					ep.token = v
				case "CustomUserData":
					ep.userData = v
				}
			}
		}
		s.mu.Unlock()
		if !ok {
			s.fail(w, http.StatusNotFound, "NotFound", "Endpoint does not exist")
			return
		}
		s.ok(w, action, "")
	case "DeleteEndpoint":
		s.mu.Lock()
		delete(s.endpoints, f.Get("EndpointArn"))
		s.mu.Unlock()
		s.ok(w, action, "")
	case "GetSMSAttributes":
		s.ok(w, action, "<attributes>"+entries(map[string]string{"DefaultSMSType": "Transactional"})+"</attributes>")
	default:
		s.fail(w, http.StatusBadRequest, "InvalidAction", "The action "+action+" is not valid for this endpoint")
	}
}

func (s *Server) createEndpoint(w http.ResponseWriter, app, token, userData string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apps[app]; !ok {
		s.fail(w, http.StatusNotFound, "NotFound", "PlatformApplication does not exist")
		return
	}
	if token == "" {
		s.fail(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Token")
		return
	}
	for _, ep := range s.endpoints {
		if ep.app == app && ep.token == token {
			// SNS returns the existing endpoint for the same token.
			s.ok(w, "CreatePlatformEndpoint", "<EndpointArn>"+ep.arn+"</EndpointArn>")
			return
		}
	}
	arn := strings.Replace(app, ":app/", ":endpoint/", 1) + "/" + newID()
	s.endpoints[arn] = &endpoint{arn: arn, app: app, token: token, userData: userData, enabled: true}
	s.ok(w, "CreatePlatformEndpoint", "<EndpointArn>"+arn+"</EndpointArn>")
}

func (s *Server) publish(w http.ResponseWriter, f map[string][]string) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	m := Message{ID: newID(), At: time.Now().UTC(), PhoneNumber: get("PhoneNumber"), TargetArn: get("TargetArn"),
		TopicArn: get("TopicArn"), Subject: get("Subject"), Message: get("Message"), Structure: get("MessageStructure"),
		Attributes: formMap(f, "MessageAttributes", "Name", "Value.StringValue")}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		s.fail(w, http.StatusInternalServerError, "InternalError", "injected failure")
		return
	}
	if m.Message == "" {
		s.fail(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message")
		return
	}
	switch {
	case m.PhoneNumber != "":
		if !strings.HasPrefix(m.PhoneNumber, "+") || len(m.PhoneNumber) < 8 {
			s.fail(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: PhoneNumber")
			return
		}
		m.Kind = "sms"
	case m.TargetArn != "":
		ep, ok := s.endpoints[m.TargetArn]
		if !ok {
			s.fail(w, http.StatusNotFound, "NotFound", "Endpoint does not exist")
			return
		}
		if !ep.enabled {
			s.fail(w, http.StatusBadRequest, "EndpointDisabled", "Endpoint is disabled")
			return
		}
		m.Kind = "push"
	case m.TopicArn != "":
		if _, ok := s.topics[m.TopicArn]; !ok {
			s.fail(w, http.StatusNotFound, "NotFound", "Topic does not exist")
			return
		}
		m.Kind = "topic"
	default:
		s.fail(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: TopicArn, TargetArn or PhoneNumber required")
		return
	}
	s.messages = append(s.messages, m)
	s.ok(w, "Publish", "<MessageId>"+m.ID+"</MessageId>")
}

// formMap reads a Query-protocol map: Prefix.entry.N.<key>=..., Prefix.entry.N.<value>=...
func formMap(f map[string][]string, prefix, key, value string) map[string]string {
	out := map[string]string{}
	for i := 1; ; i++ {
		base := fmt.Sprintf("%s.entry.%d.", prefix, i)
		k, ok := f[base+key]
		if !ok || len(k) == 0 {
			break
		}
		v := ""
		if vs := f[base+value]; len(vs) > 0 {
			v = vs[0]
		}
		out[k[0]] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func entries(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("<entry><key>" + escape(k) + "</key><value>" + escape(m[k]) + "</value></entry>")
	}
	return b.String()
}

func (s *Server) ok(w http.ResponseWriter, action, result string) {
	w.Header().Set("Content-Type", "text/xml")
	body := "<" + action + "Response xmlns=\"" + xmlns + "\">"
	if result != "" {
		body += "<" + action + "Result>" + result + "</" + action + "Result>"
	}
	body += "<ResponseMetadata><RequestId>" + newID() + "</RequestId></ResponseMetadata></" + action + "Response>"
	_, _ = w.Write([]byte(body))
}

func (s *Server) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	_, _ = fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		xmlns, typ, code, escape(msg), newID())
}

func (s *Server) page(w http.ResponseWriter) {
	msgs := s.Messages()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Kabinet - SMS и push (локально)</title>
<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}pre{margin:0;white-space:pre-wrap}</style></head><body>
<h1>SMS и push, отправленные локально</h1><p>JSON: <a href="/messages">/messages</a></p><table><tr><th>Время (UTC)</th><th>Канал</th><th>Получатель</th><th>Сообщение</th></tr>`)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		to := m.PhoneNumber + m.TargetArn + m.TopicArn
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td><pre>%s</pre></td></tr>", m.At.Format("2006-01-02 15:04:05"),
			m.Kind, html.EscapeString(to), html.EscapeString(m.Message))
	}
	b.WriteString("</table></body></html>")
	_, _ = w.Write([]byte(b.String()))
}
