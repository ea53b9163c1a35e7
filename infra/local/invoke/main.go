// Command invoke runs one function with a sample event from events/ on the
// local stack (the stand-in for `sam local invoke` where SAM CLI or Docker is
// missing) and prints what the function returned.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kabinet/kabinet/infra/local/stack"
	"github.com/kabinet/kabinet/infra/local/template"
)

func main() {
	function := flag.String("function", "health", "function folder name under functions/")
	event := flag.String("event", "events/health-get.json", "event file")
	logicalID := flag.String("logical-id", "", "print the template logical id of this function folder and exit")
	flag.Parse()
	root, err := template.FindRoot()
	fail(err)
	if *logicalID != "" {
		t, err := template.Load(root + "/template.yaml")
		fail(err)
		for _, fn := range t.Functions {
			if fn.Name == *logicalID {
				fmt.Println(fn.LogicalID)
				return
			}
		}
		fail(fmt.Errorf("no function %q in template.yaml", *logicalID))
	}
	payload, err := os.ReadFile(*event)
	fail(err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Options{Root: root, Log: os.Stderr})
	fail(err)
	defer st.Close()
	pool, ok := st.Pools[*function]
	if !ok {
		st.Close()
		fail(fmt.Errorf("no function %q in template.yaml", *function))
	}
	out, err := pool.Invoke(ctx, payload)
	if err != nil {
		st.Close()
		fail(err)
	}
	fmt.Println(string(out))
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}
