// Command cfncheck checks CloudFormation and SAM templates against the
// CloudFormation resource specification (npm @aws-cdk/aws-service-spec,
// installed by make deps): `go run ./infra/cfncheck template.yaml`, as make
// lint runs it. It prints one line per problem and exits 1 when there is one.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kabinet/kabinet/infra/cfncheck/cfn"
	"github.com/kabinet/kabinet/infra/local/template"
)

func main() {
	specPath := flag.String("spec", "", "the specification database (default: infra/node_modules/"+cfn.SpecPackage+"/db.json.gz)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cfncheck [-spec db.json.gz] template.yaml...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *specPath == "" {
		root, err := template.FindRoot()
		if err != nil {
			fail(err)
		}
		*specPath = cfn.DefaultSpecPath(root)
	}
	spec, err := cfn.LoadSpec(*specPath)
	if err != nil {
		fail(fmt.Errorf("load the specification (make deps installs it): %w", err))
	}
	bad := false
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fail(err)
		}
		tpl, problems := cfn.Parse(file, data)
		if tpl != nil {
			problems = append(problems, cfn.Check(tpl, spec)...)
		}
		for _, p := range problems {
			fmt.Println(p)
		}
		if len(problems) > 0 {
			bad = true
			fmt.Fprintf(os.Stderr, "%s: %d problems (checked against %s)\n", file, len(problems), spec.Source)
		}
	}
	if bad {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cfncheck:", err)
	os.Exit(2)
}
