package httpapi

import (
	"testing"

	"github.com/kabinet/kabinet/shared/problem"
)

func TestIfMatch(t *testing.T) {
	cases := []struct {
		header string
		want   int64
		kind   problem.Kind
		ok     bool
	}{
		{`"3"`, 3, 0, true},
		{`W/"7"`, 7, 0, true},
		{`0`, 0, 0, true},
		{"", 0, problem.KindPreconditionRequired, false},
		{`"abc"`, 0, problem.KindBadRequest, false},
		{`"-1"`, 0, problem.KindBadRequest, false},
	}
	for _, c := range cases {
		req := &Request{Headers: map[string]string{}}
		if c.header != "" {
			req.Headers["if-match"] = c.header
		}
		got, err := IfMatch(req)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("IfMatch(%q) = %d, %v; want %d", c.header, got, err, c.want)
		}
		if !c.ok && problem.KindOf(err) != c.kind {
			t.Errorf("IfMatch(%q) error = %v, want kind %v", c.header, err, c.kind)
		}
	}
	if got := ETag(12); got != `"12"` {
		t.Errorf("ETag(12) = %s", got)
	}
}

func TestPageParams(t *testing.T) {
	cases := []struct {
		q     map[string]string
		limit int32
		ok    bool
	}{
		{nil, 20, true},
		{map[string]string{"limit": "100", "cursor": "abc"}, 100, true},
		{map[string]string{"limit": "0"}, 0, false},
		{map[string]string{"limit": "101"}, 0, false},
		{map[string]string{"limit": "ten"}, 0, false},
	}
	for _, c := range cases {
		cursor, limit, err := PageParams(&Request{QueryStringParameters: c.q})
		if c.ok != (err == nil) || (c.ok && (limit != c.limit || cursor != c.q["cursor"])) {
			t.Errorf("PageParams(%v) = %q, %d, %v", c.q, cursor, limit, err)
		}
	}
}
