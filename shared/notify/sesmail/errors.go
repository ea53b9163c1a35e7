package sesmail

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// APIError is an error answer of SES.
type APIError struct {
	// Operation is SendEmail or GetAccount.
	Operation  string
	StatusCode int
	// Code is the error type SES names (MessageRejected,
	// TooManyRequestsException, ...); "" when the answer names none.
	Code string
	// Message is SES's explanation. It can quote the addresses of the
	// message, so Error leaves it out and nothing may log it.
	Message   string
	RequestID string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ses %s: ", e.Operation)
	if e.Code != "" {
		b.WriteString(e.Code + " (")
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.RequestID != "" {
		b.WriteString(", request id " + e.RequestID)
	}
	if e.Code != "" {
		b.WriteString(")")
	}
	return b.String()
}

// throttleCodes are the error types of throttling the SDK's standard
// retryer knows that SES can answer; a throttled request is retried after
// a longer delay.
var throttleCodes = map[string]bool{
	"TooManyRequestsException": true, "LimitExceededException": true,
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true,
	"RequestThrottledException": true, "RequestThrottled": true, "RequestLimitExceeded": true,
	"BandwidthLimitExceeded": true, "SlowDown": true,
}

// passingCodes are 4xx answers about a state that passes, so a later
// attempt may succeed where this one failed, though retrying at once will
// not: sending paused for the account ("currently paused"), the MAIL FROM
// domain's MX record not read, a request timed out, or credentials and
// the signing clock (the next attempt is signed anew).
var passingCodes = map[string]bool{
	"SendingPausedException": true, "MailFromDomainNotVerifiedException": true,
	"RequestTimeout": true, "RequestTimeoutException": true,
	"ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true,
	"RequestTimeTooSkewed": true, "RequestInTheFuture": true,
}

// Throttled reports whether SES asked to slow down.
func (e *APIError) Throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests || throttleCodes[e.Code]
}

// Permanent reports whether SES refused the request itself, so that
// sending it again can never succeed: a 4xx answer (MessageRejected,
// BadRequestException, NotFoundException for the configuration set,
// AccountSuspendedException, whose account is "permanently restricted")
// other than throttling, the passing states of passingCodes, and 401 and
// 403, which are about who asks (credentials, permissions), not about the
// message.
func (e *APIError) Permanent() bool {
	switch {
	case e.StatusCode < 400 || e.StatusCode > 499, e.Throttled(), passingCodes[e.Code]:
		return false
	case e.StatusCode == http.StatusUnauthorized, e.StatusCode == http.StatusForbidden, e.StatusCode == http.StatusRequestTimeout:
		return false
	}
	return true
}

// retryable reports whether the SDK's standard retryer would try again at
// once: throttling, a timed-out request, or a 500, 502, 503 or 504.
func (e *APIError) retryable() bool {
	switch e.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return e.Throttled() || e.Code == "RequestTimeout" || e.Code == "RequestTimeoutException"
}

// parseError reads an error answer of the REST-JSON protocol: the type
// from the X-Amzn-ErrorType header, else from the body's code or __type;
// the message from the body.
func parseError(op string, res *http.Response, body []byte) *APIError {
	e := &APIError{Operation: op, StatusCode: res.StatusCode, RequestID: res.Header.Get("X-Amzn-RequestId")}
	var doc struct {
		Code        string `json:"code"`
		Type        string `json:"__type"`
		Message     string `json:"message"`
		MessageCaps string `json:"Message"`
	}
	_ = json.Unmarshal(body, &doc) // a body that is not JSON names nothing
	e.Message = doc.Message
	if e.Message == "" {
		e.Message = doc.MessageCaps
	}
	for _, c := range []string{res.Header.Get("X-Amzn-ErrorType"), doc.Code, doc.Type} {
		if c = errorCode(c); c != "" {
			e.Code = c
			break
		}
	}
	return e
}

// errorCode trims an error type to its name: "aws.sesv2#MessageRejected"
// and "MessageRejected:http://internal.amazon.com/..." are MessageRejected.
func errorCode(s string) string {
	s, _, _ = strings.Cut(s, ":")
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}
