package webhook

import "net/http"

// Middleware returns a handler that runs verify on each request and
// passes the request to next when it succeeds; otherwise it answers with
// the status status gives for the error, and its text.
func Middleware(verify func(http.ResponseWriter, *http.Request) error, status func(error) int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := verify(w, r); err != nil {
			code := status(err)
			http.Error(w, http.StatusText(code), code)
			return
		}
		next.ServeHTTP(w, r)
	})
}
