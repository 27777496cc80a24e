package pins_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	names, err := apisurface.Exported(".")
	require.NoError(t, err)
	var got []string
	for _, n := range names {
		got = append(got, n.Name)
		assert.True(t, n.Documented, "%s has no doc comment", n.Name)
	}
	assert.Equal(t, want, got)
}
