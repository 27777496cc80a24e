package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

func (e env) uri(args []string) error {
	fs := flag.NewFlagSet("uri", flag.ContinueOnError)
	var a addressFlags
	a.register(fs, true)
	cmd, err := e.parse(fs, "uri --room-code CODE [flags]", args)
	if err != nil {
		return err
	}
	addr, err := a.address(cmd)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, addr)
	return err
}

func (e env) twiml(args []string) error {
	fs := flag.NewFlagSet("twiml", flag.ContinueOnError)
	var a addressFlags
	a.register(fs, false)
	var (
		username, password, callerID, action string
		timeout                              int
		answerOnBridge                       bool
	)
	fs.StringVar(&username, "username", "", "SIP `username` (default $SIP_USERNAME)")
	fs.StringVar(&password, "password", "", "SIP `password` (default $SIP_PASSWORD)")
	fs.StringVar(&callerID, "caller-id", "", "caller `id` presented to the room")
	fs.IntVar(&timeout, "timeout", 0, "ring timeout in `seconds` (5-600)")
	fs.BoolVar(&answerOnBridge, "answer-on-bridge", false, "keep the caller hearing ringing until the bridge is up")
	fs.StringVar(&action, "action", "", "`URL` Twilio requests when the dial ends")
	cmd, err := e.parse(fs, "twiml --room-code CODE [flags]", args)
	if err != nil {
		return err
	}
	addr, err := a.address(cmd)
	if err != nil {
		return err
	}
	if timeout != 0 && (timeout < 5 || timeout > 600) {
		return fmt.Errorf("--timeout must be from 5 to 600 seconds (Twilio's range), not %d", timeout)
	}
	if username == "" {
		username = e.getenv("SIP_USERNAME")
	}
	if password == "" {
		password = e.getenv("SIP_PASSWORD")
	}
	if username != "" && password == "" {
		return errors.New("a SIP username is set (--username or SIP_USERNAME) without a password: give --password or set SIP_PASSWORD, or leave both unset")
	}
	d := sipconnect.DialIn{
		Address:           addr,
		Credentials:       sipconnect.Credentials{Username: username, Password: password},
		Dial:              twiml.Dial{Action: action, CallerID: callerID, Timeout: time.Duration(timeout) * time.Second},
		AnswerImmediately: !answerOnBridge,
	}
	doc, err := d.AppendXML(nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, string(doc))
	return err
}

// sipCredentials refuses a SIP username in the environment variable user
// without a password in pass: the 100ms bridge would be sent a username
// alone and refuse every call.
func (e env) sipCredentials(user, pass string) error {
	if e.getenv(user) != "" && e.getenv(pass) == "" {
		return fmt.Errorf("%s is set without %s: set %s to the SIP password from the Developer section of the 100ms dashboard, or unset %s", user, pass, pass, user)
	}
	return nil
}
