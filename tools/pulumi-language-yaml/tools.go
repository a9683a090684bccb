//go:build tools

// The YAML language host this module pins (see go.mod): scripts/pulumi-cli.ts builds its
// cmd/pulumi-language-yaml next to the pinned Pulumi CLI, for the plugin's YAML tests.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
