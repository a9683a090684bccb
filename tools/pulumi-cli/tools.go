//go:build tools

// The Pulumi CLI this module pins (see go.mod): scripts/pulumi-cli.ts builds its cmd/pulumi.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
