package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// inputFlags maps the fields an SDK input error names to what the user of
// the command typed: a flag, or an environment variable. A field not
// listed becomes --field, with spaces and underscores turned into dashes.
var inputFlags = map[string]string{
	"username":     "SIP_TRUNK_USERNAME",
	"password":     "SIP_TRUNK_PASSWORD",
	"room code":    "--room-code",
	"user id":      "--user-id",
	"ring timeout": "--ring-timeout",
	"room id":      "--room-id",
	"peer id":      "--peer-id",
	"trunk id":     "--trunk-id",
}

// userFacing rewrites an error of the SDK so that it names what the user
// typed (a flag or an environment variable) rather than an API field or a
// package; other errors come back unchanged.
func userFacing(err error, getenv func(string) string) error {
	var ie *hmsapi.InputError
	if errors.As(err, &ie) {
		name, ok := inputFlags[ie.Field]
		if h, isHeader := strings.CutPrefix(ie.Field, "header "); isHeader {
			name, ok = "--header "+h, true
		}
		if !ok {
			name = "--" + strings.NewReplacer(" ", "-", "_", "-").Replace(ie.Field)
		}
		return fmt.Errorf("invalid %s: %s", name, ie.Reason)
	}
	if strings.Contains(err.Error(), "management tokens need both an access key and an app secret") {
		set, unset := "HMS_ACCESS_KEY", "HMS_APP_SECRET"
		if getenv("HMS_ACCESS_KEY") == "" {
			set, unset = unset, set
		}
		return halfCredentialsError(set, unset)
	}
	return err
}

// incompleteCredentials returns the error of halfCredentialsError when the
// environment has one of HMS_ACCESS_KEY and HMS_APP_SECRET without the
// other, and no HMS_MANAGEMENT_TOKEN to use instead; else nil. A command
// that decides on demo mode checks it first: half a pair is a mistake,
// not an absence of credentials.
func incompleteCredentials(getenv func(string) string) error {
	key, secret := getenv("HMS_ACCESS_KEY") != "", getenv("HMS_APP_SECRET") != ""
	switch {
	case getenv("HMS_MANAGEMENT_TOKEN") != "" || key == secret:
		return nil
	case key:
		return halfCredentialsError("HMS_ACCESS_KEY", "HMS_APP_SECRET")
	default:
		return halfCredentialsError("HMS_APP_SECRET", "HMS_ACCESS_KEY")
	}
}

// halfCredentialsError says that the variable set is set without unset,
// its pair.
func halfCredentialsError(set, unset string) error {
	return fmt.Errorf("%s is set but %s is not: set both (from the 100ms dashboard, Developer section), or set HMS_MANAGEMENT_TOKEN instead", set, unset)
}

// listenError explains why serve could not listen on addr, given as the
// flag name (--addr, --metrics-addr), and what to do.
func listenError(name, addr string, err error) error {
	if _, _, splitErr := net.SplitHostPort(addr); splitErr != nil {
		if _, numErr := strconv.Atoi(addr); numErr == nil {
			return fmt.Errorf("%s %s: want HOST:PORT; for port %s give %s 127.0.0.1:%s (this machine only) or %s :%s (every interface)", name, addr, addr, name, addr, name, addr)
		}
		return fmt.Errorf("%s %s: want HOST:PORT, like 127.0.0.1:8080 or :8080", name, addr)
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s %s: the port is already in use: stop the program that holds it (lsof -i :PORT shows which), or pick another port with %s, like %s 127.0.0.1:0 for any free one", name, addr, name, name)
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("%s %s: not allowed to listen there: ports below 1024 need privileges; pick a port from 1024 up", name, addr)
	}
	return fmt.Errorf("%s %s: %w", name, addr, err)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// suggest returns the candidate closest to typed, or "" when none is close
// enough to be a likely misspelling (at most a third of its letters off,
// and at least one).
func suggest(typed string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := distance(typed, c)
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(1, len(typed)/3) {
		return ""
	}
	return best
}

// didYouMean returns " (did you mean X?)" when a candidate is close to
// typed, "" otherwise.
func didYouMean(typed string, candidates []string) string {
	if s := suggest(typed, candidates); s != "" {
		return fmt.Sprintf("; did you mean %s?", s)
	}
	return ""
}

// flagNames returns the flags of fs as --name, sorted.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
	sort.Strings(names)
	return names
}

// missingRequired returns the flags of fs whose usage says "(required)"
// and that were not given, or given empty, as --name: those named in order
// first, in that order, then the others alphabetically.
func missingRequired(fs *flag.FlagSet, order []string) []string {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() != "" })
	var missing []string
	seen := map[string]bool{}
	check := func(f *flag.Flag) {
		if f != nil && !seen[f.Name] && strings.Contains(f.Usage, "(required)") && !given[f.Name] {
			missing = append(missing, "--"+f.Name)
		}
		if f != nil {
			seen[f.Name] = true
		}
	}
	for _, name := range order {
		check(fs.Lookup(name))
	}
	fs.VisitAll(check)
	return missing
}

// joinAnd joins names as "a", "a and b" or "a, b and c".
func joinAnd(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
