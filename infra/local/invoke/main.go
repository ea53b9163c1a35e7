// Command invoke runs one function with a sample event from events/ on the
// local stack (what `make invoke` runs, in place of `sam local invoke`) and
// prints what the function returned. The stack is seeded, so
// the demo accounts the sample events name exist and the access tokens they
// carry have live sessions: every event gets the function's real answer.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/infra/local/template"
)

func main() {
	function := flag.String("function", "health", "function folder name under functions/")
	event := flag.String("event", "events/health-get.json", "event file")
	flag.Parse()
	root, err := template.FindRoot()
	fail(err)
	payload, err := os.ReadFile(*event)
	fail(err)
	// Generous: the first start compiles every function.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, options(root, os.Stderr))
	fail(err)
	out, err := invoke(ctx, st, *function, payload)
	st.Close()
	fail(err)
	fmt.Println(string(out))
}

// options are those of the stack invoke starts: seeded, without schedules.
func options(root string, log io.Writer) stack.Options {
	return stack.Options{Root: root, Log: log, Seed: true}
}

// invoke runs a function of the stack with an event, the sample events'
// sessions live as on a fresh start.
func invoke(ctx context.Context, st *stack.Stack, function string, payload []byte) ([]byte, error) {
	pool, ok := st.Pools[function]
	if !ok {
		return nil, fmt.Errorf("no function %q in template.yaml", function)
	}
	if err := st.RenewEventSessions(ctx); err != nil {
		return nil, err
	}
	return pool.Invoke(ctx, payload)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}
