package pins_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Config", "Config.AttachPIN", "DefaultAttempts", "DefaultLength", "DefaultLockoutFails", "DefaultLockoutWindow",
		"DefaultPath", "DefaultPrompts", "DefaultResolveTimeout", "DefaultStepTTL", "DefaultStoreTimeout", "DefaultTimeout",
		"DefaultWithheldFailures", "DefaultWrongPINsPerMinute", "Directory", "Directory.Issue", "Directory.IssueWithTTL",
		"Directory.List", "Directory.ResolvePIN", "Directory.Revoke", "DirectoryConfig", "ErrDirectoryLost", "ErrUnknown",
		"Issued", "MaxLength", "MinLength", "NewDirectory", "Prompts", "Resolver", "ResolverFunc", "ResolverFunc.ResolvePIN",
		"Target",
	}
	apisurface.Check(t, ".", want)
}
