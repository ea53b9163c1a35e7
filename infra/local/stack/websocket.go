package stack

import (
	"fmt"
	"net"

	"github.com/kabinet/kabinet/infra/local/gateway"
)

// The chat's WebSocket API (AWS::ApiGatewayV2::Api, WEBSOCKET) is served by
// gateway.WebSocket on an address of its own, as on AWS it has a host of
// its own, with its @connections management API under the stage there.

// provisionWebSocket names the template's API Gateway v2 resources, so
// that what the functions' environment says of them resolves.
func (s *Stack) provisionWebSocket() {
	for _, id := range s.Template.OfType("AWS::ApiGatewayV2::Api") {
		s.Resources[id] = "local-" + id
	}
	for _, typ := range []string{"AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route"} {
		for _, id := range s.Template.OfType(typ) {
			s.Resources[id] = "local-" + id
		}
	}
	for _, id := range s.Template.OfType("AWS::ApiGatewayV2::Stage") {
		s.Resources[id] = s.param("Stage")
	}
}

// listenWebSocket opens the WebSocket API's address before the functions
// start: their environment names its management endpoint.
func (s *Stack) listenWebSocket() error {
	apis, err := s.Template.WebSocketAPIs()
	if err != nil {
		return fmt.Errorf("websocket api: %w", err)
	}
	switch len(apis) {
	case 0:
		return nil
	case 1:
	default:
		return fmt.Errorf("the template has %d WebSocket APIs; the local stack serves one", len(apis))
	}
	s.wsAPI = &apis[0]
	if s.wsLn, err = listen(s.opts.ChatAddr); err != nil {
		return fmt.Errorf("websocket api: %w", err)
	}
	s.onClose(func() { _ = s.wsLn.Close() })
	addr := s.wsLn.Addr().(*net.TCPAddr)
	s.ChatURL = fmt.Sprintf("ws://127.0.0.1:%d", addr.Port)
	s.ChatManageURL = fmt.Sprintf("http://127.0.0.1:%d/%s", addr.Port, s.wsStage())
	return nil
}

func (s *Stack) wsStage() string {
	if s.wsAPI == nil {
		return ""
	}
	stage := s.wsAPI.Stage
	if name, ok := cutRef(stage); ok {
		stage = s.param(name)
	}
	return stage
}

func cutRef(s string) (string, bool) {
	const p = "!Ref "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// startWebSocket serves the WebSocket API's routes with the functions.
func (s *Stack) startWebSocket(fns map[string]gateway.Invoker) error {
	if s.wsAPI == nil {
		return nil
	}
	routes := map[string]gateway.Invoker{}
	for key, fn := range s.wsAPI.Routes {
		if fns[fn] == nil {
			return fmt.Errorf("websocket route %s: no function %s", key, fn)
		}
		routes[key] = fns[fn]
	}
	s.WebSocket = gateway.NewWebSocket(routes, s.wsAPI.BodyField(), s.wsStage(), s.opts.Clock, s.log)
	s.onClose(s.WebSocket.Close)
	s.serve(s.wsLn, s.WebSocket)
	return nil
}
