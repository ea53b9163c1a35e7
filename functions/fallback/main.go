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
	lambda.StartHandlerFunc(newRouter(base, routeTable{}).Serve)
}

// table is what the handler needs of the routes: the methods a path has.
type table interface {
	AllowedMethods(path string) []string
}

// routeTable is shared/routes' table of every route.
type routeTable struct{}

// AllowedMethods implements table.
func (routeTable) AllowedMethods(path string) []string { return routes.AllowedMethods(path) }

var _ table = routeTable{}

func newRouter(base *app.Base, t table) *httpapi.Router {
	r := httpapi.NewRouter("fallback", base.Log)
	r.Handle("$default", func(_ context.Context, req *httpapi.Request) (httpapi.Response, error) {
		if allow := t.AllowedMethods(req.RequestContext.HTTP.Path); len(allow) > 0 {
			return httpapi.Response{}, problem.New(problem.KindMethodNotAllowed, "method_not_allowed",
				"Метод "+req.RequestContext.HTTP.Method+" не поддерживается для этого адреса").With("allow", allow)
		}
		return httpapi.Response{}, problem.New(problem.KindNotFound, "route_not_found", "Такого адреса в API нет")
	})
	return r
}
