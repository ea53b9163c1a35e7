package httpapi

import (
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/shared/problem"
)

// PageParams reads cursor and limit (1..100, default 20) from the query.
func PageParams(req *Request) (string, int32, error) {
	limit := int32(20)
	if s := req.QueryStringParameters["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return "", 0, problem.Invalid(problem.Field{Field: "limit", Code: "limit.range", Message: "limit — число от 1 до 100"})
		}
		limit = int32(n)
	}
	return req.QueryStringParameters["cursor"], limit, nil
}

// ETag renders a version as an entity tag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// WithETag adds a version's ETag to a response.
func WithETag(res Response, version int64) Response {
	if res.Headers == nil {
		res.Headers = map[string]string{}
	}
	res.Headers["ETag"] = ETag(version)
	return res
}

// IfMatch reads the version a write is based on from If-Match: 428 without
// it, 400 when it is not one of our ETags (weak ones are accepted).
func IfMatch(req *Request) (int64, error) {
	match := strings.TrimSpace(Header(req, "If-Match"))
	if match == "" {
		return 0, problem.New(problem.KindPreconditionRequired, "if_match_required",
			"Передайте заголовок If-Match со значением ETag, полученным при чтении")
	}
	version, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(match, "W/"), `"`), 10, 64)
	if err != nil || version < 0 {
		return 0, problem.BadRequest("if_match_invalid", "Заголовок If-Match не похож на ETag")
	}
	return version, nil
}
