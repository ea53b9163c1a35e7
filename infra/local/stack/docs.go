package stack

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
)

// The API reference for client developers: docs/openapi.yaml rendered by
// Swagger UI from npm (swagger-ui-dist, pinned in infra/package-lock.json).
// Everything the page needs comes from this server, so it works offline;
// "Try it out" calls the local gateway, which answers CORS with "*".

// docsPage loads the viewer and the document by relative URLs only. The
// validator is off: by default Swagger UI sends the document to an online
// validator.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Kabinet API reference</title>
<link rel="stylesheet" href="swagger-ui/swagger-ui.css">
<link rel="icon" type="image/png" href="swagger-ui/favicon-32x32.png">
</head>
<body>
<div id="api"></div>
<script src="swagger-ui/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "openapi.yaml", dom_id: "#api", deepLinking: true, validatorUrl: null});
</script>
</body>
</html>
`

// docsHandler serves the page at /, the document at /openapi.yaml (read on
// each request, so an edited document shows on reload) and the viewer's
// files under /swagger-ui/.
func docsHandler(root string) (http.Handler, error) {
	viewer := filepath.Join(root, "infra", "node_modules", "swagger-ui-dist")
	if _, err := os.Stat(filepath.Join(viewer, "swagger-ui-bundle.js")); err != nil {
		return nil, fmt.Errorf("API reference: %s is missing (make deps installs it): %w", viewer, err)
	}
	doc := filepath.Join(root, "docs", "openapi.yaml")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(docsPage))
	})
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, doc)
	})
	mux.Handle("GET /swagger-ui/", http.StripPrefix("/swagger-ui/", http.FileServer(http.Dir(viewer))))
	return mux, nil
}

func (s *Stack) startDocs() error {
	h, err := docsHandler(s.opts.Root)
	if err != nil {
		return err
	}
	ln, err := listen(s.opts.DocsAddr)
	if err != nil {
		return fmt.Errorf("API reference: %w", err)
	}
	s.DocsURL = s.serve(ln, h)
	return nil
}
