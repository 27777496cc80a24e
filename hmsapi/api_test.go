package hmsapi_test

import (
	"testing"

	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented. Helpers the module shares between its own packages
// live under internal/.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		APIError APIError.Error APIError.Is AppClaims CheckID Client Client.AppToken
		Client.CloseIdleConnections Client.Do Client.Now DefaultAppTokenValidity DefaultBaseURL
		DefaultMaxResponseBytes DefaultRetryPolicy DefaultTokenValidity ErrBadRequest ErrForbidden
		ErrInvalidInput ErrMaybeSent ErrNoAppCredentials ErrNotFound ErrRateLimited ErrResponse ErrServer
		ErrTooLarge ErrUnauthorized InputError InputError.Error InputError.Unwrap
		ManagementTokens ManagementTokens.Renew ManagementTokens.Token MintAppToken
		MintManagementToken New NewManagementTokens Option Request RetryPolicy StaticToken
		TokenOption TokenRenewer TokenSource WithAppCredentials WithBaseURL WithClock
		WithHTTPClient WithLogger WithManagementToken WithMaxResponseBytes WithMeterProvider WithRetryPolicy
		WithTimeout WithTokenClock WithTokenSource WithTokenValidity WithTracerProvider WithUserAgent
	`)
}
