// sdkgen: a package's SDK from its schema, by Pulumi's own code generators at the pinned release
// (pkg/codegen/python, nodejs, go), the code `pulumi package gen-sdk` runs inside each language's
// host. The CLI needs the language host for it (pulumi-language-python), which the Go module proxy
// these machines reach does not serve; the generators themselves are in pkg/v3, which it does.
//
//	sdkgen SCHEMA.json python|nodejs|go OUTDIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: sdkgen SCHEMA.json python|nodejs|go OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func run(schemaFile, language, out string) error {
	text, err := os.ReadFile(schemaFile)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaFile, err)
	}
	// BindSpec checks the spec against the metaschema and binds every reference: its diagnostics are
	// the errors `pulumi package gen-sdk` would print
	// the schema names no other package (its only outside type is the builtin pulumi.json#/Any), so
	// the loader is never asked for one; a cached loader over none says so if it ever is
	loader := schema.NewCachedLoader(nil)
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return diags
	}
	var files map[string][]byte
	switch language {
	case "python":
		files, err = python.GeneratePackage("pulumi-veza-sdkgen", pkg, nil, loader)
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi-veza-sdkgen", pkg, nil, nil, false, loader)
	case "go":
		files, err = gogen.GeneratePackage("pulumi-veza-sdkgen", pkg, nil)
	default:
		return fmt.Errorf("unknown language %q (python, nodejs, go)", language)
	}
	if err != nil {
		return err
	}
	for name, content := range files {
		p := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%d files\n", len(files))
	return nil
}
