// Command fallback serves the $default route: a request that matched no route
// gets problem+json — 405 with Allow when the path exists for other methods,
// 404 otherwise — instead of API Gateway's bare {"message":"Not Found"}.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/kabinet/kabinet/shared/app"
	"github.com/kabinet/kabinet/shared/httpapi"
	"github.com/kabinet/kabinet/shared/problem"
	"github.com/kabinet/kabinet/shared/routes"
)

func main() {
	base, err := app.Load(context.Background())
	app.Must(nil, err)
	lambda.Start(newRouter(base).Serve)
}

func newRouter(base *app.Base) *httpapi.Router {
	r := httpapi.NewRouter("fallback", base.Log)
	r.Handle("$default", unmatched)
	return r
}

func unmatched(_ context.Context, req *httpapi.Request) (httpapi.Response, error) {
	if allow := routes.AllowedMethods(req.RequestContext.HTTP.Path); len(allow) > 0 {
		return httpapi.Response{}, problem.New(problem.KindMethodNotAllowed, "method_not_allowed",
			"Метод "+req.RequestContext.HTTP.Method+" не поддерживается для этого адреса").With("allow", allow)
	}
	return httpapi.Response{}, problem.New(problem.KindNotFound, "route_not_found", "Такого адреса в API нет")
}
