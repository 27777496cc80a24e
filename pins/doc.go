// Package pins is PIN dial-in for sipconnect's Handler: one number, many
// rooms. Set a *Config as sipconnect.HandlerConfig.PIN and mount
// Handler.PINHandler at Config.Path. The caller hears a greeting and is
// asked for a meeting PIN (<Gather>, ended with '#'); the digits come back
// to PINHandler, which bridges the caller to the room the PIN names, or
// says the PIN is wrong and asks again, up to MaxAttempts, then says
// goodbye and hangs up. A Resolver turns PINs into rooms: a Directory,
// which issues, lists and revokes PINs in a shared store.Store, or your
// own database.
//
// The attempt number travels in the query of the <Gather> action URL,
// with a one-time step nonce: a random value the handler registers in the
// store, for that attempt, when it sends the URL, and takes back when the
// carrier requests it. Carriers that sign the URL (Twilio, SignalWire,
// Plivo) also fail a changed counter, or a signed step sent again with
// other digits, with 403; the nonce does the rest for every carrier: a
// step requested a second time, even exactly as signed, or for another
// attempt than the one it was issued for, gets 403 and costs nobody a
// guess. A nonce not used within Config.StepTTL lapses.
//
// Guessing is bounded three ways, each counted in the store so that every
// instance sharing it shares the bounds:
//
//   - per caller number, normalised to E.164 first (spaces, dashes,
//     brackets, a tel: or sip: wrapper and a 00 prefix removed), so that
//     one number spelt seven ways is one count: LockoutFailures wrong PINs
//     in LockoutWindow lock that number out until the window ends;
//   - for callers who withhold their number (no number, a word such as
//     "anonymous", or the keypad spellings of ANONYMOUS, RESTRICTED,
//     UNAVAILABLE and BLOCKED that some carriers send), which cannot be
//     told apart: together at most WithheldFailures wrong PINs a minute,
//     after which they hear "try again later" for the rest of that minute,
//     never an hour-long lockout of every anonymous caller;
//   - for everyone together: at most WrongPINsPerMinute wrong PINs a
//     minute across the directory; past it callers hear "try again later"
//     until the minute ends, and the flow logs it with outcome
//     "pin-throttled". An attacker who varies the caller number meets
//     this bound. With 1,000 live PINs of 10 digits a guess hits one with
//     probability 1,000/10^10 = 10^-7, so finding one takes 10^7 wrong
//     PINs on average; at the default of 15 a minute that is 666,667
//     minutes, about 1.27 years, however fast the server answers. The
//     price is that a flood of wrong PINs makes honest callers try again
//     later: size the bound to your traffic and PIN length (each extra
//     digit allows ten times as many wrong PINs for the same year).
//
// Every PIN entered is charged to these counts before it is looked up (an
// atomic increment in the store), so that parallel calls cannot all pass
// a check at once; a right PIN, a lookup that fails on our side, or an
// attempt refused by the minute's bound gives its charges back. A store
// that cannot count makes the flow say "try again later": the bounds fail
// closed.
//
// Silence (no digits before the timeout) is asked again and counts as an
// attempt, so a caller who says nothing is not kept on the line for ever;
// it does not count towards the bounds, which count wrong PINs only.
package pins
