package roomcode

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"
	"github.com/google/go-querystring/query"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// DefaultBaseURL is the base URL of the 100ms REST API.
const DefaultBaseURL = "https://api.100ms.live/v2"

// DefaultMaxResponseBytes bounds the response bodies the client reads.
const DefaultMaxResponseBytes = 1 << 20

// Client calls the 100ms Room Code API. It is safe for concurrent use. Make
// one with NewClient and reuse it: it keeps connections alive.
type Client struct {
	rc      *resty.Client
	tokens  TokenSource
	retry   RetryPolicy
	maxBody int64
	timeout time.Duration
	logger  *slog.Logger
	now     func() time.Time
	// realClock is set when no WithClock was given, so that a Cache can
	// use its own cheaper reading of the real time.
	realClock bool
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
	app        *appCredentials // minted when the client is made, with its clock
}

type appCredentials struct {
	accessKey, appSecret string
	opts                 []TokenOption
}

// Option configures a Client. Options are checked by NewClient.
type Option func(*config) error

// WithBaseURL sets the API's base URL, DefaultBaseURL by default (100ms also
// runs https://api-nonprod.100ms.live/v2).
func WithBaseURL(u string) Option {
	return func(c *config) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return fmt.Errorf("roomcode: base URL %q: want http(s)://host[/path]", u)
		}
		c.baseURL = strings.TrimSuffix(u, "/")
		return nil
	}
}

// WithManagementToken authenticates with a fixed management token.
func WithManagementToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New("roomcode: empty management token")
		}
		c.tokens = StaticToken(token)
		c.authCount++
		return nil
	}
}

// WithAppCredentials authenticates with management tokens minted from the
// workspace's access key and app secret, renewed before they expire and
// once after a 401. The tokens take their iat, nbf and exp from the
// client's clock (WithClock) unless opts include WithTokenClock.
func WithAppCredentials(accessKey, appSecret string, opts ...TokenOption) Option {
	return func(c *config) error {
		if accessKey == "" || appSecret == "" {
			return errNoAppCredentials
		}
		c.app = &appCredentials{accessKey, appSecret, opts}
		c.authCount++
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts. If ts implements
// TokenRenewer, a 401 renews the token once.
func WithTokenSource(ts TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("roomcode: nil token source")
		}
		c.tokens = ts
		c.authCount++
		return nil
	}
}

// WithHTTPClient sets the HTTP client whose transport carries the requests.
// Its Timeout, if any, bounds each attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("roomcode: nil HTTP client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) error {
		if p.MaxRetries < 0 || p.BaseDelay < 0 || p.MaxDelay < p.BaseDelay || p.MaxRetryAfter < 0 {
			return fmt.Errorf("roomcode: invalid retry policy %+v", p)
		}
		c.retry = p
		return nil
	}
}

// WithTimeout bounds each attempt, 10 seconds by default; the context passed
// to a call bounds the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("roomcode: timeout %v must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxResponseBytes bounds the response bodies read,
// DefaultMaxResponseBytes by default.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("roomcode: response limit %d must be positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithLogger sets the logger for retries and token renewals (at debug and
// warn levels); nothing is logged by default. Logs never hold a token or
// secret.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		c.userAgent = ua
		return nil
	}
}

// WithClock sets the clock of everything the client reads the time for,
// time.Now by default: the iat, nbf and exp of the management tokens that
// WithAppCredentials mints and when they are renewed, Retry-After dates,
// and the TTL, staleness and refresh backoff of every Cache made on the
// client. Set it once here; a fake API that checks tokens must be given the
// same clock (roomcodetest.WithClock).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("roomcode: nil clock")
		}
		c.now = now
		return nil
	}
}

// NewClient returns a client configured by opts. Exactly one of
// WithManagementToken, WithAppCredentials and WithTokenSource must be given.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:   DefaultBaseURL,
		retry:     DefaultRetryPolicy(),
		maxBody:   DefaultMaxResponseBytes,
		timeout:   10 * time.Second,
		userAgent: "sipconnect-roomcode",
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	realClock := cfg.now == nil
	if realClock {
		cfg.now = time.Now
	}
	switch {
	case cfg.authCount == 0:
		return nil, errors.New("roomcode: no credentials: use WithManagementToken, WithAppCredentials or WithTokenSource")
	case cfg.authCount > 1:
		return nil, errors.New("roomcode: more than one source of credentials given")
	}
	if a := cfg.app; a != nil {
		m, err := newManagementTokens(a.accessKey, a.appSecret, cfg.now, a.opts)
		if err != nil {
			return nil, err
		}
		cfg.tokens = m
	}
	var rc *resty.Client
	if cfg.httpClient != nil {
		rc = resty.NewWithClient(cfg.httpClient)
	} else {
		rc = resty.New()
	}
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
	return &Client{rc: rc, tokens: cfg.tokens, retry: cfg.retry, maxBody: cfg.maxBody, timeout: cfg.timeout,
		logger: logger, now: cfg.now, realClock: realClock}, nil
}

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

// Create creates codes for every role of the room and returns them.
func (c *Client) Create(ctx context.Context, roomID string) ([]RoomCode, error) {
	if err := checkID("room id", roomID); err != nil {
		return nil, err
	}
	var out struct {
		Data []RoomCode `json:"data"`
	}
	err := c.do(ctx, creating, http.MethodPost, "/room-codes/room/"+url.PathEscape(roomID), nil, struct{}{}, &out)
	return out.Data, err
}

// CreateForRole creates a code for one role of the room and returns it.
func (c *Client) CreateForRole(ctx context.Context, roomID, role string) (RoomCode, error) {
	if err := checkID("room id", roomID); err != nil {
		return RoomCode{}, err
	}
	if err := checkID("role", role); err != nil {
		return RoomCode{}, err
	}
	var out RoomCode
	err := c.do(ctx, creating, http.MethodPost, "/room-codes/room/"+url.PathEscape(roomID)+"/role/"+url.PathEscape(role), nil, nil, &out)
	return out, err
}

// List returns one page of the room's codes. opts may be nil.
func (c *Client) List(ctx context.Context, roomID string, opts *ListOptions) (Page, error) {
	if err := checkID("room id", roomID); err != nil {
		return Page{}, err
	}
	var q url.Values
	if opts != nil {
		if opts.Limit != 0 && (opts.Limit < MinLimit || opts.Limit > MaxLimit) {
			return Page{}, &InputError{Field: "limit", Reason: fmt.Sprintf("%d is outside %d to %d", opts.Limit, MinLimit, MaxLimit)}
		}
		var err error
		if q, err = query.Values(opts); err != nil {
			return Page{}, fmt.Errorf("roomcode: encoding list options: %w", err)
		}
	}
	var out Page
	err := c.do(ctx, idempotent, http.MethodGet, "/room-codes/room/"+url.PathEscape(roomID), q, nil, &out)
	return out, err
}

// All returns every code of the room, page after page, following each page's
// Last until it is empty. It stops at the first error, which it yields with
// a zero RoomCode. opts is copied, never changed; its Start, if set, is
// where the listing begins.
func (c *Client) All(ctx context.Context, roomID string, opts *ListOptions) iter.Seq2[RoomCode, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(RoomCode, error) bool) {
		page := o
		for {
			p, err := c.List(ctx, roomID, &page)
			if err != nil {
				yield(RoomCode{}, err)
				return
			}
			for _, rc := range p.Data {
				if !yield(rc, nil) {
					return
				}
			}
			if p.Last == "" || len(p.Data) == 0 || p.Last == page.Start {
				return
			}
			page.Start = p.Last
		}
	}
}

// SetEnabled enables or disables a code and returns it as updated.
func (c *Client) SetEnabled(ctx context.Context, code string, enabled bool) (RoomCode, error) {
	if err := checkID("code", code); err != nil {
		return RoomCode{}, err
	}
	body := struct {
		Code    string `json:"code"`
		Enabled bool   `json:"enabled"`
	}{code, enabled}
	var out RoomCode
	err := c.do(ctx, idempotent, http.MethodPost, "/room-codes/code", nil, body, &out)
	return out, err
}

// Enable enables a code; see SetEnabled.
func (c *Client) Enable(ctx context.Context, code string) (RoomCode, error) {
	return c.SetEnabled(ctx, code, true)
}

// Disable disables a code, so that calls to it stop working; see SetEnabled.
func (c *Client) Disable(ctx context.Context, code string) (RoomCode, error) {
	return c.SetEnabled(ctx, code, false)
}

// checkID refuses, before anything is sent, identifiers that cannot be
// real: empty ones, those holding control characters, and the path
// dot-segments "." and "..", which a server would resolve to another
// endpoint (".../role/.." is the create-for-every-role path).
func checkID(field, s string) error {
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

// do sends a request, retrying as the policy allows, and decodes a 2xx
// JSON body into out.
func (c *Client) do(ctx context.Context, kind requestKind, method, path string, q url.Values, body, out any) error {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return fmt.Errorf("roomcode: getting management token: %w", err)
	}
	renewed := false
	for attempt := 0; ; attempt++ {
		status, header, data, err := c.send(ctx, tok, method, path, q, body)
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("roomcode: %s %s: %w", method, path, ctx.Err())
		}
		if err == nil && status >= 200 && status < 300 {
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%w: %s %s: %v", ErrResponse, method, path, err)
			}
			return nil
		}
		if err == nil && status == http.StatusUnauthorized && !renewed {
			if r, ok := c.tokens.(TokenRenewer); ok {
				renewed = true
				if tok, err = r.Renew(ctx, tok); err != nil {
					return fmt.Errorf("roomcode: renewing management token: %w", err)
				}
				c.logger.LogAttrs(ctx, slog.LevelDebug, "roomcode: token refused, renewed", slog.String("method", method), slog.String("path", path))
				attempt-- // a renewal is not a retry
				continue
			}
		}
		var apiErr *APIError
		if err == nil {
			apiErr = c.apiError(method, path, status, header, data, tok)
		}
		retry, reason := shouldRetry(c.retry, kind, status, err, attempt)
		if !retry {
			if apiErr != nil {
				return apiErr
			}
			return fmt.Errorf("roomcode: %s %s: %w", method, path, err)
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
			return fmt.Errorf("roomcode: %s %s: %w", method, path, err)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "roomcode: retrying", slog.String("method", method), slog.String("path", path),
			slog.Int("status", status), slog.String("reason", reason), slog.Int("attempt", attempt+1), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("roomcode: %s %s: %w", method, path, ctx.Err())
		case <-t.C:
		}
	}
}

// send makes one attempt and reads at most maxBody bytes of the answer.
func (c *Client) send(ctx context.Context, tok, method, path string, q url.Values, body any) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := c.rc.R().SetContext(actx).SetAuthToken(tok).SetDoNotParseResponse(true)
	if q != nil {
		req.SetQueryParamsFromValues(q)
	}
	if body != nil {
		req.SetBody(body)
	}
	resp, err := req.Execute(method, path)
	if err != nil {
		return 0, nil, nil, scrub(err, tok)
	}
	raw := resp.RawBody()
	defer raw.Close()
	data, err := io.ReadAll(io.LimitReader(raw, c.maxBody+1))
	if err != nil {
		return 0, nil, nil, scrub(err, tok)
	}
	if int64(len(data)) > c.maxBody {
		return 0, nil, nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.maxBody)
	}
	return resp.StatusCode(), resp.Header(), data, nil
}

// redact replaces tok in s. Real tokens are long JWTs; a very short token
// (a test's) would match ordinary words, so it is left alone.
func redact(s, tok string) string {
	if len(tok) < 8 {
		return s
	}
	return strings.ReplaceAll(s, tok, secret.Redacted)
}

// scrub makes sure no error carries the token, whatever a transport put in
// its message.
func scrub(err error, tok string) error {
	if msg := err.Error(); redact(msg, tok) != msg {
		return errors.New(redact(msg, tok))
	}
	return err
}

// maxErrorBody bounds the part of a non-JSON error body kept in an APIError.
const maxErrorBody = 200

// apiError builds the error for a non-2xx answer. Every field that comes
// from the answer has the token redacted, and the body is cut only after
// redaction, so that no prefix of a token straddling the cut survives.
func (c *Client) apiError(method, path string, status int, h http.Header, data []byte, tok string) *APIError {
	e := &APIError{Method: method, Path: redact(path, tok), StatusCode: status, RequestID: redact(h.Get("X-Request-Id"), tok)}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), c.now()); ok {
		e.RetryAfter = d
	}
	var body struct {
		Code    int      `json:"code"`
		Message string   `json:"message"`
		Details []string `json:"details"`
	}
	if json.Unmarshal(data, &body) == nil && (body.Message != "" || body.Code != 0) {
		e.Code, e.Message, e.Details = body.Code, redact(body.Message, tok), body.Details
		for i := range e.Details {
			e.Details[i] = redact(e.Details[i], tok)
		}
		return e
	}
	text := redact(strings.ToValidUTF8(string(bytes.TrimSpace(data)), ""), tok)
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
