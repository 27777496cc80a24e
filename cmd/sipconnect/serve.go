package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"golang.org/x/net/netutil"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

// Demo mode's room on the embedded fake API.
const (
	demoRoomID = "demo-room"
	demoRole   = "guest"
)

// serveNote ends serve's usage: the carriers, demo mode and the
// environment it reads.
var serveNote = carriersNote() + `

Demo mode: with no 100ms credentials and no --room-code, serve runs on an embedded fake of the
100ms API (room demo-room, role guest). It needs no environment at all: a throwaway carrier key
is generated when none is set, and it prints a ready-to-paste signed curl line to try it; with
--pin it prints the PINs of its demo rooms and walks a simulated caller through them. Nothing it
does reaches 100ms or a carrier.

Environment:
  HMS_MANAGEMENT_TOKEN, or HMS_ACCESS_KEY and HMS_APP_SECRET   100ms credentials (none: demo mode)
  HMS_API_BASE_URL            the 100ms API (default https://api.100ms.live/v2)
  SIP_USERNAME, SIP_PASSWORD  the SIP credentials the dial carries
  (the carrier's key)         see Carriers above
  SIPCONNECT_REDIS_URL        the shared store, as --redis (PINs, the roster, call records)
  HMS_WEBHOOK_SECRET_HEADER   "Name: value": take 100ms webhooks at POST /100ms/events
  SIPCONNECT_ADMIN_TOKEN      bearer token of GET /rooms/{room_id}/phones,
                              DELETE /rooms/{room_id}/phones/{peer_id} and GET /calls
  OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) send traces over OTLP/HTTP;
                              the exporter's other OTEL_* variables apply

Metrics: GET /metrics in Prometheus text format, on --addr in demo mode, else only with
--metrics-addr (a listener of its own).`

// The rooms of demo mode with --pin, one PIN each.
var demoPINRooms = []pins.Target{{RoomID: "demo-room", Role: "guest"}, {RoomID: "demo-standup", Role: "guest"}}

func (e env) serve(ctx context.Context, args []string) (err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var lf logFlags
	var addr, metricsAddr, publicURL, roomCode, roomID, role, nameFrom, redisURL, provider string
	var insecure, pin bool
	var maxConns int
	var drain, grace, reconcileEvery time.Duration
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "`address` to listen on")
	fs.StringVar(&publicURL, "public-url", "", "base `URL` the carrier reaches this server at (default http://ADDR)")
	fs.StringVar(&roomCode, "room-code", "", "send every call to this room `code`")
	fs.StringVar(&roomID, "room-id", "", "send every call to this room `id`, through its enabled code for --role")
	fs.StringVar(&role, "role", "", "`role` callers join with, with --room-id")
	fs.StringVar(&nameFrom, "display-name-from", "none", "caller's display name: caller-name (Twilio's caller-id name) or none")
	fs.BoolVar(&insecure, "insecure-skip-signature", false, "accept requests without the carrier's valid signature (testing only)")
	fs.BoolVar(&pin, "pin", false, "ask callers for a meeting PIN, which decides the room (no room flags)")
	fs.StringVar(&provider, "provider", "twilio", "the carrier whose webhooks to answer: "+strings.Join(providers, ", "))
	fs.StringVar(&redisURL, "redis", "", "`URL` of a Redis shared with other instances and with pins create (default $SIPCONNECT_REDIS_URL)")
	fs.IntVar(&maxConns, "max-conns", defaultMaxConns, "most client `connections` open at once; more wait to be accepted")
	fs.DurationVar(&drain, "drain", defaultDrain, "on SIGTERM, how long to keep serving with /readyz answering 503 before stopping (demo mode: 0)")
	fs.DurationVar(&reconcileEvery, "reconcile-every", defaultReconcile, "how often the phone roster is reconciled with 100ms's live peers (0: only at start and after the store lost its data)")
	fs.DurationVar(&grace, "grace", defaultGrace, "then, how long requests in flight have to finish before their connections are closed")
	fs.StringVar(&metricsAddr, "metrics-addr", "", "serve GET /metrics (Prometheus text format) on a listener of its own at this `address` (demo mode: on --addr by default)")
	lf.add(fs)
	cmd, err := e.parse(fs, "serve [--addr ADDR] [--public-url URL] [--room-code CODE | --room-id ID --role ROLE | --pin] [--provider "+strings.Join(providers, "|")+"] [flags]", args,
		serveNote)
	if err != nil {
		return err
	}
	o, err := lf.output(cmd, e)
	if err != nil {
		return err
	}
	// From here on, in json format, even the error serve ends with is a
	// record.
	defer func() { err = o.report(err, e.getenv) }()
	if maxConns < 1 {
		return cmd.usagef("--max-conns must be at least 1, not %d", maxConns)
	}
	if drain < 0 || grace < 0 || reconcileEvery < 0 {
		return cmd.usagef("--drain, --grace and --reconcile-every must not be negative")
	}
	if !slices.Contains(providers, provider) {
		return cmd.usagef("--provider must be one of %s, not %q%s", strings.Join(providers, ", "), provider, didYouMean(provider, providers))
	}
	var identity sipconnect.IdentityFunc
	switch nameFrom {
	case "none":
	case "caller-name":
		identity = sipconnect.CallerNameIdentity
	default:
		return cmd.usagef("--display-name-from must be caller-name or none, not %q", nameFrom)
	}
	if roomCode != "" && (roomID != "" || role != "") {
		return cmd.usagef("give --room-code or --room-id with --role, not both")
	}
	if pin && (roomCode != "" || roomID != "" || role != "") {
		return cmd.usagef("--pin takes no room flags: the PIN decides the room")
	}
	if err := incompleteCredentials(e.getenv); err != nil {
		return err
	}
	demo := roomCode == "" && !e.hasAPICredentials()
	if demo && !flagGiven(fs, "drain") {
		drain = 0 // no load balancer waits on a demo
	}
	if !demo && !pin && roomCode == "" && (roomID == "" || role == "") {
		return cmd.usagef("--room-code, or --room-id with --role, is required")
	}
	if roomCode != "" {
		// Refuse a room id or a malformed code before listening, with the
		// error the address would give.
		if _, err := sipconnect.NewAddress(roomCode); err != nil {
			return err
		}
	}
	if roomID != "" && roomcode.ValidateCode(roomID) == nil {
		return cmd.usagef("--room-id %q is a room code, not a room id: use --room-code %s", roomID, roomID)
	}
	if err := e.sipCredentials("SIP_USERNAME", "SIP_PASSWORD"); err != nil {
		return err
	}

	logger := o.Logger
	// The meter and tracer providers every component below reports to.
	tel, shutdownTelemetry, err := telemetry(ctx, demo || metricsAddr != "", e.getenv, logger)
	if err != nil {
		return err
	}
	var flushOnce sync.Once
	flush := func(ctx context.Context) {
		flushOnce.Do(func() {
			if err := shutdownTelemetry(ctx); err != nil {
				logger.Warn("sipconnect: flushing telemetry failed", "err", err)
			}
		})
	}
	defer func() {
		// Unless stop flushed within --grace: an error ended serve.
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		flush(ctx)
	}()
	var authToken string
	var other carrierSetup // a carrier other than Twilio
	if provider == "twilio" {
		authToken = e.getenv("TWILIO_AUTH_TOKEN")
		switch {
		case authToken != "":
		case demo:
			authToken = throwawayToken()
		case !insecure:
			return errors.New("TWILIO_AUTH_TOKEN is not set: without it Twilio's signatures cannot be checked (use --insecure-skip-signature only for testing)")
		}
	} else if other, err = e.newCarrier(provider, demo, insecure); err != nil {
		return err
	}
	keyMissing := e.getenv(providerKeys[provider]) == ""
	voicePath, statusPath, pinPath := "/"+provider+"/voice", "/"+provider+"/dial-status", "/"+provider+"/pin"

	var cleanup []func()
	defer func() {
		for _, f := range cleanup {
			f()
		}
	}()
	// The 100ms API, unless a static room code needs none.
	var api *hmsapi.Client
	var fake *hmstest.Server // demo mode's
	if roomCode == "" {
		if demo {
			seed := []hmstest.Option{}
			if pin {
				for _, r := range demoPINRooms {
					seed = append(seed, hmstest.WithRoom(r.RoomID, r.Role))
				}
			} else {
				if roomID == "" {
					roomID = demoRoomID
				}
				if role == "" {
					role = demoRole
				}
				seed = append(seed, hmstest.WithRoom(roomID, role))
			}
			fake = hmstest.NewServer(seed...)
			cleanup = append(cleanup, fake.Close)
			api, err = hmsapi.New(append(tel.apiOptions(), hmsapi.WithBaseURL(fake.URL), hmsapi.WithAppCredentials(fake.AccessKey(), fake.AppSecret()))...)
		} else {
			api, err = e.apiClient(tel.apiOptions()...)
		}
		if err != nil {
			return err
		}
		cleanup = append(cleanup, api.CloseIdleConnections)
	}
	// The state instances share: Redis when given, else this process's
	// memory.
	shared := redisURL != "" || e.getenv("SIPCONNECT_REDIS_URL") != ""
	var st store.Store = store.NewMemory()
	var rdb *sharedRedis
	if shared {
		if rdb, err = e.sharedStore(ctx, redisURL); err != nil {
			return err
		}
		st = rdb
		cleanup = append(cleanup, rdb.Close)
		rdb.checkPersistence(ctx, o)
		if demo {
			// The demo's PINs, call records and dedupe keys are no real
			// data: keep them apart and let them expire.
			st = demoStore{rdb}
			o.note(slog.LevelInfo, fmt.Sprintf("sipconnect: demo mode keeps its data in Redis under the key prefix %q, expiring within %s", demoKeyPrefix, demoTTL),
				"demo mode keeps its data in Redis under a key prefix, expiring", "key_prefix", demoKeyPrefix, "ttl", demoTTL.String())
		}
	}
	// Every store call is timed and its errors counted (sipconnect.store.*).
	st = store.Instrument(st, tel.meters)
	// 100ms webhooks feed the phone roster, which the admin routes serve.
	// Demo mode makes throwaway secrets for both.
	var secretName, secretValue string
	if v := e.getenv("HMS_WEBHOOK_SECRET_HEADER"); v != "" {
		if secretName, secretValue, err = secretHeader(v); err != nil {
			return err
		}
	} else if demo {
		secretName, secretValue = demoSecretHeaderName, throwawayToken()
	}
	adminToken := e.getenv("SIPCONNECT_ADMIN_TOKEN")
	if adminToken == "" && demo {
		adminToken = throwawayToken()
	}
	var phoneRoster *roster.Roster
	if secretName != "" || adminToken != "" {
		if api == nil && e.hasAPICredentials() {
			// A static room needs no API, but hanging up does.
			if api, err = e.apiClient(tel.apiOptions()...); err != nil {
				return err
			}
			cleanup = append(cleanup, api.CloseIdleConnections)
		}
		if phoneRoster, err = newRoster(st, api, reconcileEvery, logger, tel); err != nil {
			return err
		}
		cleanup = append([]func(){func() { phoneRoster.Close() }}, cleanup...)
		if api != nil {
			// The roster heals from 100ms's live peers: now, after the
			// store lost its data, and every --reconcile-every.
			sctx, cancel := context.WithTimeout(ctx, rosterStartTimeout)
			if err := phoneRoster.Start(sctx); err != nil {
				logger.Warn("sipconnect: the first reconcile of the phone roster with 100ms failed; it goes on in the background", "error", err)
			}
			cancel()
		}
	}
	var room sipconnect.Room
	var cache *roomcode.Cache
	if api != nil {
		cache = roomcode.NewCache(roomcode.NewClient(api), roomcode.CacheConfig{CreateIfMissing: true, Logger: logger,
			MeterProvider: tel.meters, TracerProvider: tel.tracers})
	}
	var dir *pins.Directory
	var demoPINs []string
	switch {
	case pin:
		if dir, err = pins.NewDirectory(st, pins.DirectoryConfig{}); err != nil {
			return err
		}
		if demo {
			for _, t := range demoPINRooms {
				p, err := dir.Issue(ctx, t)
				if err != nil {
					return err
				}
				demoPINs = append(demoPINs, p)
			}
		}
	case roomCode != "":
		room = sipconnect.StaticRoom(roomCode)
	default:
		room = sipconnect.CachedRoom(cache, roomID, role)
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return listenError("--addr", addr, err)
	}
	ln = netutil.LimitListener(ln, maxConns)
	defer ln.Close()
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	publicURL = strings.TrimSuffix(publicURL, "/")
	if provider == "twilio" {
		other.carrier = sipconnect.Twilio(sipconnect.TwilioConfig{AuthToken: authToken,
			Dial: twiml.Dial{Action: statusPath}}) // relative to PublicURL
	}
	cfg := sipconnect.HandlerConfig{
		PublicURL:             publicURL,
		InsecureSkipSignature: insecure && keyMissing,
		Carrier:               other.carrier,
		Room:                  room,
		Identity:              identity,
		Credentials:           sipconnect.Credentials{Username: e.getenv("SIP_USERNAME"), Password: e.getenv("SIP_PASSWORD")},
		Logger:                logger,
		Roster:                phoneRoster,
		MeterProvider:         tel.meters,
		TracerProvider:        tel.tracers,
	}
	if pin {
		cfg.PIN = &pins.Config{Resolver: dir, Cache: cache, Store: st, Path: pinPath}
	}
	handler, err := sipconnect.NewHandler(cfg)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(voicePath, handler)
	mux.Handle(statusPath, handler.StatusHandler())
	if pin {
		mux.Handle(pinPath, handler.PINHandler())
	}
	if secretName != "" {
		receiver, err := newEventsReceiver(secretName, secretValue, st, phoneRoster, logger, tel)
		if err != nil {
			return err
		}
		mux.Handle(eventsPath, receiver)
	}
	if adminToken != "" {
		p := phones{roster: phoneRoster, token: adminToken}
		if demo && secretName != "" {
			p.left = demoLeft("http://"+ln.Addr().String(), secretName, secretValue, logger)
		}
		mux.HandleFunc("GET /rooms/{room_id}/phones", p.list)
		mux.HandleFunc("DELETE /rooms/{room_id}/phones/{peer_id}", p.hangUp)
		mux.HandleFunc("GET /calls", p.calls)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	ready := &readiness{logger: logger}
	if rdb != nil && (pin || phoneRoster != nil) {
		// The PIN directory, the roster and the webhooks' dedupe are in
		// Redis: without it this instance cannot do its work.
		ready.ping = rdb.Ping
	}
	mux.Handle("GET /readyz", ready)
	var metricsSrv *http.Server
	var metricsLn net.Listener
	switch {
	case metricsAddr != "":
		if metricsLn, err = net.Listen("tcp", metricsAddr); err != nil {
			return listenError("--metrics-addr", metricsAddr, err)
		}
		defer metricsLn.Close()
		metricsMux := http.NewServeMux()
		metricsMux.Handle("GET /metrics", tel.metrics)
		metricsSrv = newHTTPServer(metricsMux, o)
	case tel.metrics != nil:
		mux.Handle("GET /metrics", tel.metrics)
	}
	srv := newHTTPServer(tel.traced(mux), o)

	if demo && pin {
		o.note(slog.LevelInfo, "*** DEMO MODE: no 100ms credentials, so the PINs below lead to rooms on an embedded fake of the Room Code API. ***",
			"demo mode: no 100ms credentials, so the PINs below lead to rooms on an embedded fake of the Room Code API")
	} else if demo {
		o.note(slog.LevelInfo, fmt.Sprintf("*** DEMO MODE: no 100ms credentials, so calls go to room %q (role %q) on an embedded fake of the Room Code API. ***", roomID, role),
			"demo mode: no 100ms credentials, so calls go to a room on an embedded fake of the Room Code API", "room_id", roomID, "role", role)
	}
	if demo && keyMissing {
		kind := "token"
		if provider != "twilio" {
			kind = other.kind
		}
		o.note(slog.LevelInfo, fmt.Sprintf("*** DEMO MODE: %s is not set; using a throwaway %s, so only the request below is signed. ***", providerKeys[provider], kind),
			"demo mode: the carrier's key is not set; using a throwaway one, so only the sample request is signed", "variable", providerKeys[provider], "throwaway", kind)
	}
	if cfg.Credentials.Username == "" && !demo {
		o.note(slog.LevelWarn, "sipconnect: SIP_USERNAME is not set: <Sip> will carry no credentials, and 100ms accepts only authenticated calls",
			"SIP_USERNAME is not set: <Sip> will carry no credentials, and 100ms accepts only authenticated calls")
	}
	if cfg.InsecureSkipSignature {
		o.note(slog.LevelWarn, "*** WARNING: signature checking is off; anyone can make this server answer. ***",
			"signature checking is off; anyone can make this server answer")
	}
	if pin && !demo && !shared {
		o.note(slog.LevelWarn, "sipconnect: the PIN directory is in this process's memory and empty: give --redis (or SIPCONNECT_REDIS_URL) to resolve the PINs of pins create",
			"the PIN directory is in this process's memory and empty: give --redis (or SIPCONNECT_REDIS_URL) to resolve the PINs of pins create")
	}
	title := providerTitles[provider]
	if pin {
		o.say(fmt.Sprintf("sipconnect: serving the %s voice webhook at %s%s (PIN step at %s%s, dial status at %s%s)",
			title, publicURL, voicePath, publicURL, pinPath, publicURL, statusPath),
			"serving the voice webhook", "provider", provider, "url", publicURL+voicePath, "pin_url", publicURL+pinPath, "dial_status_url", publicURL+statusPath)
	} else {
		o.say(fmt.Sprintf("sipconnect: serving the %s voice webhook at %s%s (dial status at %s%s)", title, publicURL, voicePath, publicURL, statusPath),
			"serving the voice webhook", "provider", provider, "url", publicURL+voicePath, "dial_status_url", publicURL+statusPath)
	}
	if secretName != "" {
		o.say(fmt.Sprintf("sipconnect: taking 100ms webhooks at %s%s", publicURL, eventsPath), "taking 100ms webhooks", "url", publicURL+eventsPath)
	}
	if adminToken != "" {
		with := "with the bearer token of SIPCONNECT_ADMIN_TOKEN"
		if demo && e.getenv("SIPCONNECT_ADMIN_TOKEN") == "" {
			with = "with the demo's throwaway bearer token (curl lines below)"
		}
		o.say(fmt.Sprintf("sipconnect: serving the phone roster at %s/rooms/{room_id}/phones (GET; DELETE .../{peer_id} hangs up), %s", publicURL, with),
			"serving the phone roster (GET; DELETE .../{peer_id} hangs up), "+with, "url", publicURL+"/rooms/{room_id}/phones")
		o.say(fmt.Sprintf("sipconnect: serving the call records at %s/calls?room_id=&since=&limit=&after= (GET), with the same bearer token", publicURL),
			"serving the call records (GET), with the same bearer token", "url", publicURL+"/calls")
		if secretName == "" {
			o.note(slog.LevelWarn, "sipconnect: SIPCONNECT_ADMIN_TOKEN is set but HMS_WEBHOOK_SECRET_HEADER is not: the roster hears of no joins",
				"SIPCONNECT_ADMIN_TOKEN is set but HMS_WEBHOOK_SECRET_HEADER is not: the roster hears of no joins")
		}
	}
	switch {
	case metricsSrv != nil:
		u := "http://" + metricsLn.Addr().String() + "/metrics"
		o.say("sipconnect: serving metrics at "+u+" (Prometheus text format)", "serving metrics (Prometheus text format)", "url", u)
	case tel.metrics != nil:
		o.say("sipconnect: serving metrics at "+publicURL+"/metrics (Prometheus text format)", "serving metrics (Prometheus text format)", "url", publicURL+"/metrics")
	}
	if tel.tracing {
		o.Info("sipconnect: sending traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)")
	}
	if len(demoPINs) > 0 {
		var table strings.Builder
		table.WriteString("PINs of the demo rooms:\n")
		tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
		for i, t := range demoPINRooms {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", t.RoomID, t.Role, demoPINs[i])
		}
		_ = tw.Flush()
		if o.json {
			for i, t := range demoPINRooms {
				o.say("", "PIN of a demo room", "room_id", t.RoomID, "role", t.Role, "pin", demoPINs[i])
			}
		} else {
			o.say(strings.TrimSuffix(table.String(), "\n"), "")
		}
	}
	// The sample call, as a curl line and, in demo mode, answered here.
	var sample *http.Request
	if provider == "twilio" {
		line := curlLine(publicURL+voicePath, authToken)
		o.say("try it:\n"+line, "try it", "curl", line)
	} else if other.sample != nil {
		if sample, err = other.sample(publicURL + voicePath); err != nil {
			return err
		}
		line, err := curlFor(sample)
		if err != nil {
			return err
		}
		note := ""
		if other.signedFor > 0 {
			note = fmt.Sprintf(" (its signature is good for %d minutes)", other.signedFor/time.Minute)
		}
		o.say(fmt.Sprintf("try it%s:\n%s", note, line), "try it"+note, "curl", line)
	} else {
		o.say(fmt.Sprintf("(no sample request: %s signs with a private key this server does not hold)", title),
			"no sample request: the carrier signs with a private key this server does not hold", "provider", provider)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	metricsErr := make(chan error, 1)
	if metricsSrv != nil {
		go func() {
			if err := metricsSrv.Serve(metricsLn); !errors.Is(err, http.ErrServerClosed) {
				metricsErr <- fmt.Errorf("--metrics-addr %s: %w", metricsAddr, err)
			}
		}()
	}
	switch {
	case demo && sample != nil:
		// Show what the carrier would be answered, by making that request
		// once.
		answer, err := sendTo("http://"+ln.Addr().String(), sample)
		if err == nil {
			o.say(fmt.Sprintf("%s gets this answer:\n%s", title, answer), "the carrier gets this answer", "provider", provider, "answer", answer)
			if !pin {
				err = e.demoJoin(o, fake, "http://"+ln.Addr().String(), publicURL, secretName, secretValue, adminToken, demo && e.getenv("SIPCONNECT_ADMIN_TOKEN") == "", roomID, sampleCallID)
			}
			if err == nil && !pin {
				err = demoShow(o, tel.metrics, phoneRoster, sampleCallID)
			}
		}
		if err != nil {
			logger.Error("sipconnect: sample call failed", "err", err)
		}
	case demo && pin && provider == "twilio":
		// Walk a simulated caller through the PIN menu.
		err := e.pinWalkthrough(o, "http://"+ln.Addr().String(), publicURL, authToken, demoPINs[0])
		if err == nil {
			err = e.demoJoin(o, fake, "http://"+ln.Addr().String(), publicURL, secretName, secretValue, adminToken, demo && e.getenv("SIPCONNECT_ADMIN_TOKEN") == "", demoPINRooms[0].RoomID, sampleForm().Get("CallSid"))
		}
		if err == nil {
			err = demoShow(o, tel.metrics, phoneRoster, sampleForm().Get("CallSid"))
		}
		if err != nil {
			logger.Error("sipconnect: sample call failed", "err", err)
		}
	case demo && provider == "twilio":
		// Show what Twilio would be answered, by making that request once.
		answer, err := sampleCall("http://"+ln.Addr().String()+"/twilio/voice", publicURL+"/twilio/voice", authToken)
		if err == nil {
			o.say("Twilio gets this answer:\n"+answer, "the carrier gets this answer", "provider", provider, "answer", answer)
			err = e.demoJoin(o, fake, "http://"+ln.Addr().String(), publicURL, secretName, secretValue, adminToken, demo && e.getenv("SIPCONNECT_ADMIN_TOKEN") == "", roomID, sampleForm().Get("CallSid"))
		}
		if err == nil {
			err = demoShow(o, tel.metrics, phoneRoster, sampleForm().Get("CallSid"))
		}
		if err != nil {
			logger.Error("sipconnect: sample call failed", "err", err)
		}
	}
	select {
	case err := <-errc:
		return err
	case err := <-metricsErr:
		return err
	case <-ctx.Done():
	}
	e.stop(o, srv, metricsSrv, ready, drain, grace, flush)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// The limits of serve's HTTP server. A carrier's webhook is a few KiB of
// headers and a small form, answered within its timeout (Twilio waits 15
// s): these bound what a slow or hostile client can hold.
const (
	// maxHeaderBytes bounds the request line and headers; more gets 431. A
	// carrier's headers, signature included, are a few KiB.
	maxHeaderBytes = 64 << 10
	// readHeaderTimeout bounds the wait for a request's headers,
	// readTimeout for the whole request, body included: a client that
	// trickles is cut off then.
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	// writeTimeout bounds the answer, from the start of the request.
	writeTimeout = 15 * time.Second
	// idleTimeout bounds a kept-alive connection between requests.
	idleTimeout = 30 * time.Second

	// defaultMaxConns is --max-conns: connections beyond it wait in the
	// kernel's accept queue until one closes. Each can hold at most
	// maxHeaderBytes of headers for readHeaderTimeout.
	defaultMaxConns = 1024
	// defaultDrain is --drain: long enough for a load balancer that probes
	// /readyz every few seconds to stop sending new requests.
	defaultDrain = 5 * time.Second
	// defaultGrace is --grace: as long as readTimeout, so a request that
	// began before the shutdown has all the time its timeouts give it.
	// Drain + grace, 15 s by default, is under the 30 s a process manager
	// such as Kubernetes waits after SIGTERM before it kills.
	defaultGrace = readTimeout
	// defaultReconcile is --reconcile-every: a caller whose leave webhook
	// was lost stops being listed within a minute.
	defaultReconcile = time.Minute
	// rosterStartTimeout bounds the first reconcile, before serving.
	rosterStartTimeout = 10 * time.Second
)

// newHTTPServer returns serve's HTTP server for h, with the limits above.
func newHTTPServer(h http.Handler, o *output) *http.Server {
	return &http.Server{
		ErrorLog:          o.errorLog(),
		Handler:           h,
		MaxHeaderBytes:    maxHeaderBytes,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
}

// stop shuts srv down after a signal: /readyz answers 503 at once and
// kept-alive connections are closed after their next answer, while srv
// goes on serving for drain; then srv stops accepting and the requests in
// flight have grace to finish, after which their connections are closed.
// A second signal (e.hurry) ends the wait at once. The metrics server, when
// there is one, serves until then too; flush sends the spans not yet sent
// in the grace period's time left. It returns within drain + grace, and
// srv.Serve has returned http.ErrServerClosed by then.
func (e env) stop(o *output, srv, metricsSrv *http.Server, ready *readiness, drain, grace time.Duration, flush func(context.Context)) {
	ready.draining.Store(true)
	srv.SetKeepAlivesEnabled(false)
	if drain > 0 {
		o.Info("sipconnect: draining: /readyz answers 503 until it stops (--drain; a second signal stops now)", "drain", drain.String())
		t := time.NewTimer(drain)
		select {
		case <-t.C:
		case <-e.hurry:
			t.Stop()
		}
	}
	o.Info("sipconnect: shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	go func() {
		select {
		case <-e.hurry:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := srv.Shutdown(ctx); err != nil {
		o.Warn("sipconnect: requests still in flight after --grace: closing their connections", "grace", grace.String())
		_ = srv.Close()
	}
	if metricsSrv != nil {
		if err := metricsSrv.Shutdown(ctx); err != nil {
			_ = metricsSrv.Close()
		}
	}
	flush(ctx)
}

// readiness answers GET /readyz: 503 while serve drains, and while the
// store the enabled features need does not answer a ping within
// readyPingTimeout; else 200. A ping's verdict is kept for readyPingEvery,
// so that probes never send the store more than one ping at a time, nor
// more than one per readyPingEvery.
type readiness struct {
	draining atomic.Bool
	ping     func(context.Context) error // nil: no store to check
	logger   *slog.Logger

	mu      sync.Mutex
	checked time.Time // when err was found; zero: never
	err     error
}

const (
	readyPingTimeout = 500 * time.Millisecond // under a probe's usual 1 s timeout
	readyPingEvery   = time.Second
)

func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rd.draining.Load() {
		writeText(w, http.StatusServiceUnavailable, "draining")
		return
	}
	if err := rd.storeErr(r.Context()); err != nil {
		writeText(w, http.StatusServiceUnavailable, "the store does not answer")
		return
	}
	writeText(w, http.StatusOK, "ready")
}

// storeErr pings the store, or returns the verdict of a recent ping. It
// logs when the verdict changes.
func (rd *readiness) storeErr(ctx context.Context) error {
	if rd.ping == nil {
		return nil
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if !rd.checked.IsZero() && time.Since(rd.checked) < readyPingEvery {
		return rd.err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyPingTimeout)
	defer cancel()
	err := rd.ping(ctx)
	switch {
	case err != nil && rd.err == nil:
		rd.logger.Warn("not ready: the store does not answer", "err", err)
	case err == nil && rd.err != nil:
		rd.logger.Info("ready: the store answers again")
	}
	rd.checked, rd.err = time.Now(), err
	return err
}

// writeText answers a probe with one line of text.
func writeText(w http.ResponseWriter, status int, line string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, line+"\n")
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// sampleForm is the incoming call the curl line and the demo's own sample
// call send.
func sampleForm() url.Values {
	return url.Values{
		"CallSid":    {"CA00000000000000000000000000000001"},
		"AccountSid": {"AC00000000000000000000000000000001"},
		"From":       {"+15005550006"},
		"To":         {"+15005550001"},
		"CallStatus": {"ringing"},
		"Direction":  {"inbound"},
	}
}

// curlLine returns a curl command that posts a sample incoming call to u,
// signed as Twilio would sign it. Without a token it is unsigned.
func curlLine(u, authToken string) string {
	form := sampleForm()
	line := "curl -sS -X POST '" + u + "'"
	if authToken != "" {
		line += " -H '" + twiml.SignatureHeader + ": " + twiml.Signature(authToken, u, form) + "'"
	}
	return line + " --data '" + form.Encode() + "'"
}

// sampleCall posts the sample call to target, signed for the public URL u,
// and returns the answer.
func sampleCall(target, u, authToken string) (string, error) {
	return signedPost(target, u, authToken, sampleForm())
}

// signedPost posts form to target, signed as Twilio signs a request to the
// public URL u, and returns the answer.
func signedPost(target, u, authToken string, form url.Values) (string, error) {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twiml.SignatureHeader, twiml.Signature(authToken, u, form))
	return readAnswer(req)
}

func throwawayToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
