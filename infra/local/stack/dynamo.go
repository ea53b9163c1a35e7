package stack

import (
	"net/http"
	"strings"
	"sync"

	miniserver "github.com/truora/minidyn/server"

	"github.com/kabinet/kabinet/infra/local/dynamofix"
)

// DynamoGuard fronts the DynamoDB emulator: it refuses Scan, as no Kabinet
// code path may scan the table, and counts the calls of every operation so
// that tests and benchmarks can read DynamoDB round trips per request.
// Every answer, the refusal too, carries DynamoDB's CRC32 checksum.
type DynamoGuard struct {
	// Server is the emulator; tests use it to inject failures.
	Server *miniserver.Server
	// fix makes minidyn's REMOVE work (see dynamofix).
	fix *dynamofix.Handler
	// front checksums what forward answers.
	front http.Handler

	mu     sync.Mutex
	counts map[string]int
}

func newDynamoGuard() *DynamoGuard {
	srv := miniserver.NewServer()
	g := &DynamoGuard{Server: srv, fix: &dynamofix.Handler{Inner: srv}, counts: map[string]int{}}
	g.front = dynamofix.Checksum{Inner: http.HandlerFunc(g.forward)}
	return g
}

// ServeHTTP counts and forwards the call; Scan is refused.
func (g *DynamoGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.front.ServeHTTP(w, r) }

func (g *DynamoGuard) forward(w http.ResponseWriter, r *http.Request) {
	op := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		op = op[i+1:]
	}
	g.mu.Lock()
	g.counts[op]++
	g.mu.Unlock()
	if op == "Scan" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"Scan is forbidden in Kabinet: query by key or index"}`))
		return
	}
	g.fix.ServeHTTP(w, r)
}

// Counts returns the number of calls per operation since the last reset.
func (g *DynamoGuard) Counts() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int, len(g.counts))
	for k, v := range g.counts {
		out[k] = v
	}
	return out
}

// ResetCounts zeroes the counters.
func (g *DynamoGuard) ResetCounts() {
	g.mu.Lock()
	g.counts = map[string]int{}
	g.mu.Unlock()
}
