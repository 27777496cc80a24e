package hmsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// DefaultBaseURL is the base URL of the 100ms REST API.
const DefaultBaseURL = "https://api.100ms.live/v2"

// DefaultMaxResponseBytes bounds the response bodies the client reads.
const DefaultMaxResponseBytes = 1 << 20

// Client is the core every 100ms resource calls through: it holds the base
// URL, the credentials, the retry policy, body limits, logging and the
// clock, and one HTTP transport whose connections it keeps for bursts of
// requests. Make one with New and share it between the resource clients
// (roomcode, sipout, activeroom): one set of credentials serves them all.
// It is safe for concurrent use.
type Client struct {
	rc      *resty.Client
	tokens  TokenSource
	retry   RetryPolicy
	maxBody int64
	timeout time.Duration
	logger  *slog.Logger
	now     func() time.Time
	tel     *telemetry
	// app holds the access key and app secret given to WithAppCredentials,
	// for minting app tokens; nil otherwise.
	app *appKey
}

type appKey struct {
	accessKey string
	secret    secret.Secret
}

type config struct {
	baseURL    string
	tokens     TokenSource
	httpClient *http.Client
	retry      RetryPolicy
	maxBody    int64
	timeout    time.Duration
	logger     *slog.Logger
	userAgent  string
	now        func() time.Time
	authCount  int
	// meterProvider and tracerProvider are WithMeterProvider's and
	// WithTracerProvider's, nil for the global ones.
	meterProvider  metric.MeterProvider
	tracerProvider trace.TracerProvider
	app            *appCredentials // minted when the client is made, with its clock
	err            error           // the first invalid option, reported by New
}

// fail records err unless an earlier option already failed.
func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

type appCredentials struct {
	accessKey, appSecret string
	opts                 []TokenOption
}

// Option configures a Client. An invalid option makes New fail.
type Option func(*config)

// WithBaseURL sets the API's base URL, DefaultBaseURL by default (100ms also
// runs https://api-nonprod.100ms.live/v2).
func WithBaseURL(u string) Option {
	return func(c *config) {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			c.fail(fmt.Errorf("hmsapi: base URL %q: want http(s)://host[/path]", u))
			return
		}
		c.baseURL = strings.TrimSuffix(u, "/")
	}
}

// WithManagementToken authenticates with a fixed management token.
func WithManagementToken(token string) Option {
	return func(c *config) {
		if token == "" {
			c.fail(errors.New("hmsapi: empty management token"))
			return
		}
		c.tokens = StaticToken(token)
		c.authCount++
	}
}

// WithAppCredentials authenticates with management tokens minted from the
// workspace's access key and app secret, renewed before they expire and
// once after a 401. The tokens take their iat, nbf and exp from the
// client's clock (WithClock) unless opts include WithTokenClock.
func WithAppCredentials(accessKey, appSecret string, opts ...TokenOption) Option {
	return func(c *config) {
		if accessKey == "" || appSecret == "" {
			c.fail(errNoAppCredentials)
			return
		}
		c.app = &appCredentials{accessKey, appSecret, opts}
		c.authCount++
	}
}

// WithTokenSource authenticates with tokens from ts. If ts implements
// TokenRenewer, a 401 renews the token once.
func WithTokenSource(ts TokenSource) Option {
	return func(c *config) {
		if ts == nil {
			c.fail(errors.New("hmsapi: nil token source"))
			return
		}
		c.tokens = ts
		c.authCount++
	}
}

// WithHTTPClient sets the HTTP client whose transport carries the requests.
// Its Timeout, if any, bounds each attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.fail(errors.New("hmsapi: nil HTTP client"))
			return
		}
		c.httpClient = hc
	}
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) {
		if p.MaxRetries < 0 || p.BaseDelay < 0 || p.MaxDelay < p.BaseDelay || p.MaxRetryAfter < 0 {
			c.fail(fmt.Errorf("hmsapi: invalid retry policy %+v", p))
			return
		}
		c.retry = p
	}
}

// WithTimeout bounds each attempt, 10 seconds by default; the context passed
// to a call bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail(fmt.Errorf("hmsapi: timeout %v must be positive", d))
			return
		}
		c.timeout = d
	}
}

// WithMaxResponseBytes bounds the response bodies read,
// DefaultMaxResponseBytes by default.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) {
		if n <= 0 {
			c.fail(fmt.Errorf("hmsapi: response limit %d must be positive", n))
			return
		}
		c.maxBody = n
	}
}

// WithLogger sets the logger for retries and token renewals (at debug and
// warn levels); nothing is logged by default. Logs never hold a token or
// secret.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		c.logger = l
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) {
		c.userAgent = ua
	}
}

// WithClock sets the clock of everything the client reads the time for,
// time.Now by default: the iat, nbf and exp of the management tokens that
// WithAppCredentials mints and when they are renewed, Retry-After dates,
// and the TTL, staleness and refresh backoff of every Cache made on the
// client. Set it once here; a fake API that checks tokens must be given the
// same clock (hmstest.WithClock).
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.fail(errors.New("hmsapi: nil clock"))
			return
		}
		c.now = now
	}
}

// New returns a client configured by opts. Exactly one of
// WithManagementToken, WithAppCredentials and WithTokenSource must be given.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:   DefaultBaseURL,
		retry:     DefaultRetryPolicy(),
		maxBody:   DefaultMaxResponseBytes,
		timeout:   10 * time.Second,
		userAgent: "sipconnect-hmsapi",
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	switch {
	case cfg.authCount == 0:
		return nil, errors.New("hmsapi: no credentials: use WithManagementToken, WithAppCredentials or WithTokenSource")
	case cfg.authCount > 1:
		return nil, errors.New("hmsapi: more than one source of credentials given")
	}
	if a := cfg.app; a != nil {
		m, err := newManagementTokens(a.accessKey, a.appSecret, cfg.now, a.opts)
		if err != nil {
			return nil, err
		}
		cfg.tokens = m
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport()}
	}
	rc := resty.NewWithClient(hc)
	rc.SetBaseURL(cfg.baseURL).
		SetHeader("Accept", "application/json").
		SetHeader("Content-Type", "application/json").
		SetHeader("User-Agent", cfg.userAgent).
		SetLogger(discardLogger{}).
		SetDisableWarn(true).
		SetRetryCount(0)
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{rc: rc, tokens: cfg.tokens, retry: cfg.retry, maxBody: cfg.maxBody, timeout: cfg.timeout,
		logger: logger, now: cfg.now, tel: newTelemetry(cfg.meterProvider, cfg.tracerProvider)}
	if a := cfg.app; a != nil {
		c.app = &appKey{a.accessKey, secret.New(a.appSecret)}
	}
	return c, nil
}

// Idle connections kept by the default transport. A burst of lookups (the
// calls at the top of the hour) opens as many connections as requests in
// flight; keeping them idle, rather than the handful net/http keeps by
// default, saves a TLS handshake per request on the next burst.
const (
	maxIdleConns        = 256
	maxIdleConnsPerHost = 128
)

// newTransport returns the transport of a client made without
// WithHTTPClient: net/http's defaults (proxy from the environment, HTTP/2
// where the server offers it) with an idle pool sized for bursts.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	t.ForceAttemptHTTP2 = true
	return t
}

// ErrNoAppCredentials is returned by AppToken when the client was made
// without WithAppCredentials: a management token alone cannot mint app
// tokens.
var ErrNoAppCredentials = errors.New("hmsapi: app tokens need the access key and app secret (WithAppCredentials); a management token alone cannot mint them")

// DefaultAppTokenValidity is how long the app tokens AppToken mints are
// valid.
const DefaultAppTokenValidity = time.Hour

// AppToken mints an app token (client auth token) for claims with the
// client's clock, valid for DefaultAppTokenValidity. It needs the client
// to have been made with WithAppCredentials; otherwise it returns
// ErrNoAppCredentials.
func (c *Client) AppToken(claims AppClaims) (string, error) {
	if c.app == nil {
		return "", ErrNoAppCredentials
	}
	return MintAppToken(c.app.accessKey, c.app.secret.Value(), claims, c.now(), DefaultAppTokenValidity)
}

// Now returns the time from the client's clock (WithClock).
func (c *Client) Now() time.Time { return c.now() }

// CloseIdleConnections closes the client's idle keep-alive connections.
// Call it when the client is no longer needed.
func (c *Client) CloseIdleConnections() {
	c.rc.GetClient().CloseIdleConnections()
}

// discardLogger silences resty's own logging; the client logs through slog.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

// CheckID refuses, before anything is sent, identifiers that cannot be
// real: empty ones, those holding control characters, and the path
// dot-segments "." and "..", which a server would resolve to another
// endpoint (".../role/.." is the create-for-every-role path). field names
// the argument in the *InputError it returns.
func CheckID(field, s string) error {
	switch s {
	case "":
		return &InputError{Field: field, Reason: "empty"}
	case ".", "..":
		return &InputError{Field: field, Reason: fmt.Sprintf("%q is a path dot-segment, not an identifier", s)}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return &InputError{Field: field, Reason: fmt.Sprintf("control character at byte %d", i)}
		}
	}
	return nil
}

// Request is one call of the 100ms REST API, for Do.
type Request struct {
	// Method and Path (below the base URL, with every segment escaped by
	// the caller: url.PathEscape) name the endpoint.
	Method, Path string
	// Operation names the request in metrics and traces, such as
	// "roomcode.create": the operation attribute of the client's
	// instruments and the name of its span. It must be one of a few
	// constant names, never built from identifiers or user input (a room
	// id, a phone number), which would both leak them and make a metric
	// series per value. Empty means Method.
	Operation string
	// Query is sent as the query string when not empty.
	Query url.Values
	// Body, when not nil, is sent as JSON.
	Body any
	// Repeatable marks a request that may be sent again after it may have
	// reached the server: reads, and writes that are idempotent. Other
	// requests are retried only when no connection could be made, since
	// repeating them could create twice what was asked once (a room code,
	// a phone call), and their error is marked with ErrMaybeSent when they
	// may have reached the server.
	Repeatable bool
	// NoRetry sends the request once, whatever the client's retry
	// policy: for a caller that keeps its own schedule of retries and
	// would otherwise multiply the core's, such as the room-code cache,
	// whose background refreshes back off between failures. A refused
	// management token is still renewed and the request sent once more
	// with the new one; that is not a retry.
	NoRetry bool
	// Timeout, when positive, bounds each attempt instead of the client's
	// WithTimeout: for a request the API holds open, such as a call that
	// rings until it is answered.
	Timeout time.Duration
	// Token, when not empty, is sent instead of a management token, for
	// the endpoints that take an app token (DTMF). It is never renewed.
	Token string
	// Secrets are values the request carries that no error may show, such
	// as a SIP trunk's password in the body: a server may quote them back
	// ("password hunter2 is too weak"). Like the token, each is replaced
	// by [REDACTED] in every field of an *APIError (Path, Message,
	// Details, RequestID, Body) and in the text of a transport error, and
	// a body is cut only after redaction. Unlike the token, which is left
	// alone under 8 bytes, every non-empty secret is redacted whatever its
	// length: a person picks a password, and a short one must not leak
	// either, even though redacting it may blank out parts of ordinary
	// words in the error. The secret's JSON-escaped forms are redacted
	// too, for a server that quotes it in a JSON body. Empty strings are
	// ignored.
	Secrets []string
}

// Do sends req, retrying as the client's policy and req.Repeatable allow,
// and decodes a 2xx JSON answer into out (which may be nil). An error
// answer is an *APIError (errors.As finds it); a refused management token
// is renewed once (when the token source can) and the request sent once
// more. When ctx ends, Do returns an error wrapping ctx.Err(). The error
// of a request that is not Repeatable matches ErrMaybeSent when the
// request may have reached the server.
//
// Each call is one client span, a child of the span in ctx, and every
// request it sends carries that span's W3C trace context (traceparent);
// it is counted, timed and its retries counted by the client's metrics
// (WithMeterProvider).
func (c *Client) Do(ctx context.Context, req Request, out any) error {
	ctx, tc := c.tel.start(ctx, &req)
	err := c.do(ctx, req, out, &tc)
	tc.end(ctx, err)
	return err
}

// do is Do, recording the status of each answer and each retry in tc.
func (c *Client) do(ctx context.Context, req Request, out any, tc *call) error {
	method := req.Method
	tok := req.Token
	if tok == "" {
		var err error
		if tok, err = c.tokens.Token(ctx); err != nil {
			return fmt.Errorf("hmsapi: getting management token: %w", err)
		}
	}
	red := newRedactor(tok, req.Secrets)
	// path is the request's path as errors and logs show it.
	path := red.text(req.Path)
	renewed := req.Token != ""
	policy := c.retry
	if req.NoRetry {
		policy.MaxRetries = 0
	}
	for attempt := 0; ; attempt++ {
		status, header, data, err := c.send(ctx, tok, red, req)
		tc.status = status
		// mark marks the error of a failed attempt that may have reached
		// the server, when the request must not be sent again.
		sendErr := err
		mark := func(e error) error {
			if !req.Repeatable && maybeSent(status, sendErr) {
				return &maybeSentError{e}
			}
			return e
		}
		if err != nil && ctx.Err() != nil {
			return mark(fmt.Errorf("hmsapi: %s %s: %w", method, path, ctx.Err()))
		}
		if err == nil && status >= 200 && status < 300 {
			if out == nil || len(bytes.TrimSpace(data)) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%w: %s %s: %s", ErrResponse, method, path, red.text(err.Error()))
			}
			return nil
		}
		if err == nil && status == http.StatusUnauthorized && !renewed {
			if r, ok := c.tokens.(TokenRenewer); ok {
				renewed = true
				if tok, err = r.Renew(ctx, tok); err != nil {
					return fmt.Errorf("hmsapi: renewing management token: %w", err)
				}
				red = newRedactor(tok, req.Secrets)
				c.logger.LogAttrs(ctx, slog.LevelDebug, "hmsapi: token refused, renewed", slog.String("method", method), slog.String("path", path))
				attempt-- // a renewal is not a retry
				continue
			}
		}
		var apiErr *APIError
		if err == nil {
			apiErr = c.apiError(method, req.Path, status, header, data, red)
		}
		retry, reason := shouldRetry(policy, req.Repeatable, status, err, attempt)
		if !retry {
			if apiErr != nil {
				return mark(apiErr)
			}
			return mark(fmt.Errorf("hmsapi: %s %s: %w", method, path, err))
		}
		wait := backoff(c.retry, attempt)
		if apiErr != nil && apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > c.retry.MaxRetryAfter {
				return apiErr
			}
			wait = apiErr.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlive the caller's deadline: fail now.
			if apiErr != nil {
				return apiErr
			}
			return fmt.Errorf("hmsapi: %s %s: %w", method, path, err)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "hmsapi: retrying", slog.String("method", method), slog.String("path", path),
			slog.Int("status", status), slog.String("reason", reason), slog.Int("attempt", attempt+1), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("hmsapi: %s %s: %w", method, path, ctx.Err())
		case <-t.C:
		}
		tc.retry(ctx)
	}
}

// send makes one attempt and reads at most maxBody bytes of the answer.
func (c *Client) send(ctx context.Context, tok string, red redactor, r Request) (int, http.Header, []byte, error) {
	timeout := c.timeout
	if r.Timeout > 0 {
		timeout = r.Timeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := c.rc.R().SetContext(actx).SetAuthToken(tok).SetDoNotParseResponse(true)
	inject(ctx, req.Header)
	if len(r.Query) > 0 {
		req.SetQueryParamsFromValues(r.Query)
	}
	if r.Body != nil {
		req.SetBody(r.Body)
	}
	resp, err := req.Execute(r.Method, r.Path)
	if err != nil {
		return 0, nil, nil, scrub(err, red)
	}
	raw := resp.RawBody()
	defer raw.Close()
	data, err := io.ReadAll(io.LimitReader(raw, c.maxBody+1))
	if err != nil {
		return 0, nil, nil, scrub(err, red)
	}
	if int64(len(data)) > c.maxBody {
		return 0, nil, nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.maxBody)
	}
	return resp.StatusCode(), resp.Header(), data, nil
}

// redactor replaces credentials in the text of errors and logs: the token
// of a request and its Secrets.
type redactor struct {
	// values are the strings to redact, none empty.
	values []string
}

// newRedactor returns the redactor of a request sent with tok and carrying
// secrets. Real tokens are long JWTs; a very short token (a test's) would
// match ordinary words, so it is left alone. A secret is redacted whatever
// its length (see Request.Secrets), and so are its JSON-escaped forms.
func newRedactor(tok string, secrets []string) redactor {
	var r redactor
	if len(tok) >= 8 {
		r.values = append(r.values, tok)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		r.values = append(r.values, s)
		for _, html := range []bool{false, true} {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			if enc.Encode(s) == nil {
				q := strings.TrimSuffix(b.String(), "\n")
				if q = q[1 : len(q)-1]; q != s && q != "" {
					r.values = append(r.values, q)
				}
			}
		}
	}
	return r
}

// quoted returns s with each JSON string literal in it that holds a
// value once decoded written again with the value redacted: a server may
// escape a secret in ways of its own (\u00f6 for ö, \/ for /), which text,
// matching bytes, would not find. Literals without an escape, and text
// that is not JSON, are left to text.
func (r redactor) quoted(s string) string {
	var b strings.Builder
	last := 0
	for i := strings.IndexByte(s, '"'); i >= 0 && i < len(s); {
		end, escaped := i+1, false
		for end < len(s) && s[end] != '"' {
			if s[end] == '\\' {
				escaped = true
				end++
			}
			end++
		}
		if end >= len(s) {
			break
		}
		var v string
		if escaped && json.Unmarshal([]byte(s[i:end+1]), &v) == nil {
			if red := r.text(v); red != v {
				lit, _ := json.Marshal(red)
				b.WriteString(s[last:i])
				b.Write(lit)
				last = end + 1
			}
		}
		next := strings.IndexByte(s[end+1:], '"')
		if next < 0 {
			break
		}
		i = end + 1 + next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// text returns s with every occurrence of every value, overlapping ones
// included, replaced: each run of bytes covered by an occurrence becomes
// one secret.Redacted. Since whole occurrences go, no part of a value is
// left beside a marker.
func (r redactor) text(s string) string {
	var covered []bool
	for _, v := range r.values {
		for i := 0; i+len(v) <= len(s); {
			j := strings.Index(s[i:], v)
			if j < 0 {
				break
			}
			if covered == nil {
				covered = make([]bool, len(s))
			}
			for k := i + j; k < i+j+len(v); k++ {
				covered[k] = true
			}
			i += j + 1
		}
	}
	if covered == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case !covered[i]:
			b.WriteByte(s[i])
		case i == 0 || !covered[i-1]:
			b.WriteString(secret.Redacted)
		}
	}
	return b.String()
}

// scrub makes sure no transport error carries the token or a secret,
// whatever the transport put in its message. An error whose text had to be
// redacted is replaced, so that its chain (which holds the original text)
// cannot be printed; the replacement keeps what the client and callers ask
// of it: whether the connection was never made, and the context error.
func scrub(err error, red redactor) error {
	msg := err.Error()
	shown := red.text(msg)
	if shown == msg {
		return err
	}
	s := &scrubbedError{msg: shown, notSent: notSent(err)}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.cause = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		s.cause = context.Canceled
	}
	return s
}

// scrubbedError is a transport error with credentials redacted from its
// text.
type scrubbedError struct {
	msg     string
	notSent bool  // the connection was never made (see notSent)
	cause   error // context.DeadlineExceeded, context.Canceled or nil
}

func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the context error the transport error held, if any; never
// the transport error itself.
func (e *scrubbedError) Unwrap() error { return e.cause }

// maxErrorBody bounds the part of a non-JSON error body kept in an APIError.
const maxErrorBody = 200

// apiError builds the error for a non-2xx answer. Every field that comes
// from the request or the answer has the token and the request's secrets
// redacted, and the body is cut only after redaction, so that no prefix of
// a secret straddling the cut survives.
func (c *Client) apiError(method, path string, status int, h http.Header, data []byte, red redactor) *APIError {
	e := &APIError{Method: method, Path: red.text(path), StatusCode: status, RequestID: red.text(h.Get("X-Request-Id"))}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), c.now()); ok {
		e.RetryAfter = d
	}
	var body struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Details []string `json:"details"`
	}
	if json.Unmarshal(data, &body) == nil && (body.Message != "" || body.Code != 0) {
		e.Code, e.Message, e.Details = body.Code, red.text(body.Message), body.Details
		for i := range e.Details {
			e.Details[i] = red.text(e.Details[i])
		}
		return e
	}
	// Redacted before and after dropping invalid UTF-8, which could join
	// the parts of a secret split by an invalid byte.
	text := red.text(strings.ToValidUTF8(red.text(red.quoted(string(bytes.TrimSpace(data)))), ""))
	if len(text) > maxErrorBody {
		cut := maxErrorBody
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	e.Body = text
	return e
}
